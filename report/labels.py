"""What readers see a model, the experiment's variable and its values called: one place for every such name.

Models are keyed by identifiers in the code, the cache and report.json
(``baseline``, ``cnn_k3``, ``cnn_pooling_avg``); tables, figures and sentences
show their names ("baseline", "CNN 3×3", "CNN (average pooling)"; in Spanish
"modelo base", "CNN 3×3", "CNN (pooling promedio)"). A key is never decoded:
the summary's "experiment" block says which model has which value of the
variable, and the table of variables (:data:`analysis.variables.VARIABLES`)
how a value and a model of that value are called. Every part of the report
asks this module, so a model is called the same everywhere and in every
language. The labels in the table are English msgids, translated here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analysis.errors import RenderError
from analysis.variables import VARIABLES, Variable
from report.i18n import NumberFormat, Translate


class ModelNames:
    """The names of one report's models, from its summary's "experiment" block, in one language.

    The baseline is "baseline"; each variant is called by its value of the
    variable; the main CNN, where it is no variant, by its own value, or
    plain "CNN" where its layers share no one value. A no-break space keeps
    "CNN" and its kernel size on one line. An unknown name stops the render
    rather than print an identifier in the report.
    """

    def __init__(self, experiment: Mapping, translate: Translate, numbers: NumberFormat):
        self._vary = experiment["vary"]
        self._values = {experiment["main"]: experiment["main_value"]}
        self._values |= {variant["name"]: variant["value"] for variant in experiment["variants"]}
        self._translate, self._numbers = translate, numbers

    def __call__(self, name: str) -> str:
        translate = self._translate
        if name == "baseline":
            return translate("baseline")
        if name not in self._values:
            raise RenderError(f"no name for the model {name!r}: it is neither the baseline nor a CNN of the experiment")
        value = self._values[name]
        if value is None:
            return translate("CNN")
        return model_label(self._vary, value, translate, self._numbers)


def model_label(vary: str, value: object, translate: Translate, numbers: NumberFormat) -> str:
    """The main CNN with ``vary`` set to ``value``, as readers see it: "CNN 5×5", "CNN (width ×0.5)", "CNN (no pooling)"."""
    variable = VARIABLES[vary]
    if value in variable.named:
        return translate(variable.named[value][1])
    return translate(variable.model_label) % {"value": _value_text(value, numbers)}


def variable_name(vary: str, translate: Translate) -> str:
    """What the experiment varies, as a table's column or a figure's axis names it: "kernel size", "pooling", ..."""
    return translate(VARIABLES[vary].column)


def variable_phrase(vary: str, translate: Translate) -> str:
    """What the experiment varies, as a sentence names it, article included: "the kernel size" ("el tamaño del kernel")."""
    return translate(VARIABLES[vary].phrase)


def variable_title(vary: str, translate: Translate) -> str:
    """What the experiment varies, capitalised for its section's title."""
    return translate(VARIABLES[vary].title)


def value_label(vary: str, value: object, translate: Translate, numbers: NumberFormat) -> str:
    """One value of the experiment's variable, as a table row or an axis tick shows it: "5×5", "×0.5", "average".

    A padding or an activation is Keras's own word, shown as the student wrote it.
    """
    variable: Variable = VARIABLES[vary]
    if value in variable.named:
        return translate(variable.named[value][0])
    return variable.value_label.format(value=_value_text(value, numbers))


def choices(vary: str, values: Iterable, translate: Translate, numbers: NumberFormat, all_of: bool = False) -> str:
    """The values as a question lists them ("3×3, 5×5 or 7×7"), or, ``all_of``, as a statement does ("... and 7×7")."""
    labels = [value_label(vary, value, translate, numbers) for value in values]
    if len(labels) == 1:
        return labels[0]
    joined = translate("%(first)s and %(last)s") if all_of else translate("%(first)s or %(last)s")
    return joined % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def setting_number(value: object, numbers: NumberFormat) -> str:
    """0.5 -> '0.5' (es: '0,5'); whole numbers without a decimal part."""
    return f"{float(value):g}".replace(".", numbers.decimal_point)


def _value_text(value: object, numbers: NumberFormat) -> str:
    """A number as :func:`setting_number` writes it; a word as it is."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return setting_number(value, numbers)
    return str(value)
