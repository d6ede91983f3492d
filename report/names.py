"""What readers see a model called: the one place that turns an internal key into a display name.

Models are keyed by identifiers (``baseline``, ``cnn_k3``, ``cnn_pooling_avg``)
in the code, the cache and report.json (see
:func:`analysis.architectures.variant_name`); tables, figures and sentences
show their display names ("baseline", "CNN 3×3", "CNN (average pooling)"; in
Spanish "modelo base", "CNN 3×3", "CNN (pooling promedio)"). Every part of the
report asks this module, so a model is called the same everywhere and in every
language. The experiment's variables and values are named here too.
"""

from __future__ import annotations

import re

from analysis.errors import RenderError
from report.i18n import NumberFormat, Translate

_KERNEL_CNN = re.compile(r"cnn_k(\d+)")
_VARIANT_CNN = re.compile(r"cnn_(width|pooling|padding|activation|dropout)_(\w+)")
_NUMERIC = ("width", "dropout")


def display_name(key: str, translate: Translate, numbers: NumberFormat | None = None) -> str:
    """The name readers see for the model ``key``, in the language of ``translate`` (and of ``numbers``).

    A no-break space keeps "CNN" and its kernel size on one line. An unknown
    key stops the render rather than print an identifier in the report.
    """
    if key == "baseline":
        return translate("baseline")
    if key == "cnn":
        return translate("CNN")
    match = _KERNEL_CNN.fullmatch(key)
    if match:
        return translate("CNN\N{NO-BREAK SPACE}%(size)s×%(size)s") % {"size": match[1]}
    match = _VARIANT_CNN.fullmatch(key)
    if match:
        vary, text = match[1], match[2]
        # Numbers were written with '_' for the decimal point (cnn_width_0_5): put the language's point back.
        value = text.replace("_", numbers.decimal_point if numbers else ".") if vary in _NUMERIC else text
        return translate("CNN (%(setting)s)") % {"setting": _setting(vary, value, translate)}
    raise RenderError(f"no display name for the model {key!r}; add one in report/names.py")


def variable_name(vary: str, translate: Translate) -> str:
    """What the experiment varies, as a table's column or a figure's axis names it: "kernel size", "pooling", ..."""
    names = {
        "kernel": translate("kernel size"),
        "width": translate("width"),
        "pooling": translate("pooling"),
        "padding": translate("padding"),
        "activation": translate("activation"),
        "dropout": translate("dropout rate"),
    }
    return names[vary]


def variable_phrase(vary: str, translate: Translate) -> str:
    """What the experiment varies, as a sentence names it, article included: "the kernel size" ("el tamaño del kernel")."""
    phrases = {
        "kernel": translate("the kernel size"),
        "width": translate("the width"),
        "pooling": translate("the pooling"),
        "padding": translate("the padding"),
        "activation": translate("the activation"),
        "dropout": translate("the dropout rate"),
    }
    return phrases[vary]


def variable_title(vary: str, translate: Translate) -> str:
    """What the experiment varies, capitalised for its section's title."""
    titles = {
        "kernel": translate("Kernel size"),
        "width": translate("Width"),
        "pooling": translate("Pooling"),
        "padding": translate("Padding"),
        "activation": translate("Activation"),
        "dropout": translate("Dropout rate"),
    }
    return titles[vary]


def value_label(vary: str, value: object, translate: Translate, numbers: NumberFormat) -> str:
    """One value of the experiment's variable, as a table row or an axis tick shows it: "5×5", "×0.5", "average"."""
    if vary == "kernel":
        return f"{value}×{value}"
    if vary in _NUMERIC:
        text = setting_number(value, numbers)
        return f"×{text}" if vary == "width" else text
    if vary == "pooling":
        return {"max": translate("maximum"), "avg": translate("average"), "none": translate("none")}[value]
    return str(value)  # a padding or an activation: Keras's own word, as the student wrote it


def choices(vary: str, values, translate: Translate, numbers: NumberFormat, all_of: bool = False) -> str:
    """The values as a question lists them ("3×3, 5×5 or 7×7"), or, ``all_of``, as a statement does ("... and 7×7")."""
    labels = [value_label(vary, value, translate, numbers) for value in values]
    if len(labels) == 1:
        return labels[0]
    joined = translate("%(first)s and %(last)s") if all_of else translate("%(first)s or %(last)s")
    return joined % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def _setting(vary: str, value: str, translate: Translate) -> str:
    if vary == "width":
        return translate("width ×%(multiplier)s") % {"multiplier": value}
    if vary == "pooling":
        return {"max": translate("max pooling"), "avg": translate("average pooling"), "none": translate("no pooling")}[value]
    if vary == "padding":
        return translate("'%(padding)s' padding") % {"padding": value}
    if vary == "activation":
        return value
    return translate("dropout %(rate)s") % {"rate": value}


def setting_number(value: object, numbers: NumberFormat) -> str:
    """0.5 -> '0.5' (es: '0,5'); whole numbers without a decimal part."""
    return f"{float(value):g}".replace(".", numbers.decimal_point)
