"""The experiment's variables: one row each, everything about a variable in one place.

A row says what the variable changes (which layers, and how), which values it
takes, whether they are ordered numbers, the main CNN's own value, how a model
of each value is keyed in report.json, and how the report names it. Labels are
English msgids, marked with ``N_``; the report translates them through its
catalogs (``templates/i18n/<lang>/variables.json``), and tests/unit/report/test_i18n.py
fails on one without a translation. A seventh variable is one more row here
and its wording in the experiment section (templates/sections/experiment.html.j2).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from analysis.layers import (
    ACTIVATIONS,
    COUNT,
    PADDINGS,
    POOL_TYPES,
    POOLING_OF,
    POOLINGS,
    Layer,
    choice,
    is_count,
    is_rate,
)


def N_(message: str) -> str:
    """Marks a msgid the report translates later (gettext's ``gettext_noop``)."""
    return message


def _is_positive_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 and math.isfinite(value)


@dataclass(frozen=True)
class Variable:
    """One thing an experiment can vary, everywhere it applies in the main CNN."""

    name: str  # [experiment] vary = "<name>"
    changes: str  # what it changes, in words
    layer_types: tuple[str, ...]  # the layers it changes
    needs: str  # what a CNN must have to vary it, for messages
    is_valid: Callable[[object], bool]  # a value's rule...
    expected: str  # ...and how messages state it
    examples: tuple  # values for messages' examples; the first is a builder's example default
    ordered: bool  # numbers with an order: run in increasing order, drawn as a line, read for a trend
    sets: str | None = None  # the layer field it sets to the value; None where `apply` and `own` say how
    normalise: Callable[[object], object] = lambda value: value
    apply: Callable[[tuple[Layer, ...], object], tuple[Layer, ...]] | None = None  # the layers with the value
    own: Callable[[list[Layer]], object | None] | None = None  # the main CNN's value, from its layers of layer_types
    key: str = "cnn_{name}_{value}"  # the model's key in report.json, an identifier
    # The report's words (msgids): a table's column or an axis, a sentence's phrase, a section title.
    column: str = ""
    phrase: str = ""
    title: str = ""
    value_label: str = "{value}"  # how a table row or an axis tick shows a value (not translated)
    model_label: str = ""  # how a model of one value is called, with %(value)s (translated)
    # Values that are words: value -> (value label, model label), both msgids.
    named: Mapping[object, tuple[str, str]] = field(default_factory=dict)

    def model_key(self, value: object) -> str:
        """``cnn_k5``, ``cnn_width_0_5``, ``cnn_pooling_avg``: an identifier, so notes can write ``models.cnn_k5``."""
        text = f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        return self.key.format(name=self.name, value=text.replace(".", "_").replace("-", "_"))

    def apply_to(self, layers: tuple[Layer, ...], value: object) -> tuple[Layer, ...]:
        """``layers`` with this variable set to ``value`` everywhere it applies."""
        if self.apply is not None:
            return self.apply(layers, value)
        return tuple(
            replace(layer, **{self.sets: value}) if layer.type in self.layer_types else layer for layer in layers
        )

    def own_value(self, targets: list[Layer]) -> object | None:
        """The value the main CNN itself has, from its layers of :attr:`layer_types`; None where they disagree."""
        if self.own is not None:
            return self.own(targets)
        values = {getattr(layer, self.sets) for layer in targets}
        return values.pop() if len(values) == 1 else None


def _scale_filters(layers: tuple[Layer, ...], multiplier: float) -> tuple[Layer, ...]:
    return tuple(
        replace(layer, filters=max(1, round(layer.filters * multiplier))) if layer.type == "conv" else layer
        for layer in layers
    )


def _set_pooling(layers: tuple[Layer, ...], kind: str) -> tuple[Layer, ...]:
    if kind == "none":
        return tuple(layer for layer in layers if layer.type not in POOLING_OF)
    return tuple(replace(layer, type=POOL_TYPES[kind]) if layer.type in POOLING_OF else layer for layer in layers)


def _own_pooling(targets: list[Layer]) -> str | None:
    kinds = {layer.type for layer in targets}
    return POOLING_OF[kinds.pop()] if len(kinds) == 1 else None


VARIABLES: dict[str, Variable] = {
    variable.name: variable
    for variable in (
        Variable(
            "kernel",
            "the kernel size of every conv layer",
            ("conv",),
            "conv layer",
            is_count,
            COUNT,
            (3, 5, 7),
            ordered=True,
            sets="kernel",
            key="cnn_k{value}",
            column=N_("kernel size"),
            phrase=N_("the kernel size"),
            title=N_("Kernel size"),
            value_label="{value}×{value}",
            model_label=N_("CNN\N{NO-BREAK SPACE}%(value)s×%(value)s"),
        ),
        Variable(
            "width",
            "a multiplier on the filters of every conv layer",
            ("conv",),
            "conv layer",
            _is_positive_number,
            "a positive number (1 is the CNN as written, 2 doubles every conv's filters)",
            (0.5, 1, 2),
            ordered=True,
            normalise=float,
            apply=_scale_filters,
            own=lambda targets: 1.0,
            column=N_("width"),
            phrase=N_("the width"),
            title=N_("Width"),
            value_label="×{value}",
            model_label=N_("CNN (width ×%(value)s)"),
        ),
        Variable(
            "pooling",
            "the kind of every pooling layer (max, avg, none)",
            tuple(POOLING_OF),
            "maxpool or avgpool layer",
            choice(POOLINGS),
            f"one of {', '.join(map(repr, POOLINGS))}",
            ("max", "avg", "none"),
            ordered=False,
            apply=_set_pooling,
            own=_own_pooling,
            column=N_("pooling"),
            phrase=N_("the pooling"),
            title=N_("Pooling"),
            named={
                "max": (N_("maximum"), N_("CNN (max pooling)")),
                "avg": (N_("average"), N_("CNN (average pooling)")),
                "none": (N_("none"), N_("CNN (no pooling)")),
            },
        ),
        Variable(
            "padding",
            "the padding of every conv layer (valid, same)",
            ("conv",),
            "conv layer",
            choice(PADDINGS),
            f"one of {', '.join(map(repr, PADDINGS))}",
            ("valid", "same"),
            ordered=False,
            sets="padding",
            column=N_("padding"),
            phrase=N_("the padding"),
            title=N_("Padding"),
            model_label=N_("CNN ('%(value)s' padding)"),
        ),
        Variable(
            "activation",
            "the activation of every conv and dense layer",
            ("conv", "dense"),
            "conv or dense layer",
            choice(ACTIVATIONS),
            f"one of the activations {', '.join(ACTIVATIONS)}",
            ("relu", "tanh"),
            ordered=False,
            sets="activation",
            column=N_("activation"),
            phrase=N_("the activation"),
            title=N_("Activation"),
            model_label=N_("CNN (%(value)s)"),
        ),
        Variable(
            "dropout",
            "the rate of every dropout layer",
            ("dropout",),
            "dropout layer",
            is_rate,
            "a number from 0 up to (not including) 1",
            (0, 0.25, 0.5),
            ordered=True,
            sets="rate",
            normalise=float,
            column=N_("dropout rate"),
            phrase=N_("the dropout rate"),
            title=N_("Dropout rate"),
            model_label=N_("CNN (dropout %(value)s)"),
        ),
    )
}
