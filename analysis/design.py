"""The student's design: their two networks and the controlled experiment, read, checked and turned into variants.

The experiment varies one thing of the main CNN (:data:`analysis.variables.VARIABLES`);
:func:`apply_variant` makes each variant, and the variant equal to the main
CNN *is* the main CNN, so its fits are reused. Every network and every
variant is checked here, in plain Python, before any data is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.errors import SpecError
from analysis.layers import DEFAULT_BASELINE, DEFAULT_CNN, ROLES, Network, read_network
from analysis.messages import check_keys, toml, unknown
from analysis.shapes import check_network
from analysis.variables import VARIABLES, Variable


@dataclass(frozen=True)
class Experiment:
    """``[experiment]``: which one thing of the main CNN varies, and its values."""

    vary: str = "kernel"
    values: tuple = (3, 5, 7)

    @property
    def variable(self) -> Variable:
        return VARIABLES[self.vary]


DEFAULT_EXPERIMENT = Experiment()
DEFAULT_KERNEL_SIZES = DEFAULT_EXPERIMENT.values


def kernel_experiment(kernel_sizes: tuple[int, ...]) -> Experiment:
    """``--kernel-sizes``: a kernel experiment over the sizes given, in increasing order, each once."""
    return Experiment("kernel", tuple(sorted(set(kernel_sizes))))


def read_experiment(table: Mapping, where: str) -> Experiment:
    """``[experiment]``: ``vary`` (one of :data:`VARIABLES`) and ``values``, each value of the right type."""
    place = f"{where}: [experiment]"
    check_keys(table, ("vary", "values"), "key in [experiment]", where)
    vary = table.get("vary", DEFAULT_EXPERIMENT.vary)
    if not isinstance(vary, str) or vary not in VARIABLES:
        raise SpecError(f"{place} vary = {toml(vary)}: {unknown(str(vary), VARIABLES, 'experiment variable')}")
    variable = VARIABLES[vary]
    if "values" not in table:
        if vary != DEFAULT_EXPERIMENT.vary:
            raise SpecError(
                f"{place} needs values = [...] for vary = {toml(vary)}, e.g. values = {toml(list(variable.examples))}"
            )
        return DEFAULT_EXPERIMENT
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise SpecError(f"{place} values = {toml(values)}: expected a list such as {toml(list(variable.examples))}")
    for value in values:
        if not variable.is_valid(value):
            raise SpecError(f"{place} values: {toml(value)} is not {variable.expected} (vary = {toml(vary)})")
    normalised = [variable.normalise(value) for value in values]
    repeated = sorted({toml(value) for value in values if normalised.count(variable.normalise(value)) > 1})
    if repeated:
        raise SpecError(f"{place} values: {', '.join(repeated)} given more than once")
    # Numbers in increasing order, as an axis reads; named choices in the order the student gave them.
    return Experiment(vary, tuple(sorted(normalised) if variable.ordered else normalised))


def main_value(network: Network, vary: str, where: str = "") -> object | None:
    """The main CNN's own value of ``vary``: the variant equal to it is the main CNN, trained once.

    None where its layers disagree (two kernel sizes, say): then every variant
    is trained separately. A network without the variable at all (``dropout``
    without a dropout layer) raises :class:`SpecError`.
    """
    variable = VARIABLES[vary]
    place = f"{where + ': ' if where else ''}[experiment] vary = {toml(vary)}"
    if network.builder is not None:
        keywords = dict(network.builder.keywords)
        example = f"def {network.builder.function}({vary}={toml(variable.examples[0])})"
        if vary not in keywords and "**" not in keywords:
            raise SpecError(
                f"{place}: {network.builder.label} takes no {vary!r} argument; add one with the main "
                f"CNN's value as its default, e.g. {example}"
            )
        if keywords.get(vary) is None:
            raise SpecError(
                f"{place}: give {vary!r} a default in {network.builder.label} (the main CNN's value), e.g. {example}"
            )
        return keywords[vary]
    targets = [layer for layer in network.layers if layer.type in variable.layer_types]
    if not targets:
        raise SpecError(
            f"{place}: [models.{network.role}] has no {variable.needs} to vary; add one or vary something else"
        )
    return variable.own_value(targets)


def apply_variant(network: Network, vary: str, value: object) -> Network:
    """The network with ``vary`` set to ``value`` everywhere it applies (a builder is called with it as a keyword)."""
    if network.builder is not None:
        # The function's own default is left to it, so that the variant equal to the main CNN is the main CNN.
        arguments = {**dict(network.builder.arguments), vary: value}
        if dict(network.builder.keywords).get(vary) == value:
            del arguments[vary]
        return replace(network, builder=replace(network.builder, arguments=tuple(sorted(arguments.items()))))
    return replace(network, layers=VARIABLES[vary].apply_to(network.layers, value))


def variant_name(vary: str, value: object) -> str:
    """The variant's key in report.json (:meth:`analysis.variables.Variable.model_key`)."""
    return VARIABLES[vary].model_key(value)


def check_experiment(cnn: Network, experiment: Experiment, where: str, default: bool = False) -> list[str]:
    """Check every variant of the experiment as a network of its own; returns their warnings.

    ``default``: the experiment is the one cnn-report picks when the project
    file has none, which the messages say, since the student never wrote it.
    """
    own = main_value(cnn, experiment.vary, where)
    warnings: list[str] = []
    for value in experiment.values:
        if own is not None and value == own:
            continue  # the main CNN itself, checked as such
        variant = apply_variant(cnn, experiment.vary, value)
        setting = f"[experiment] {experiment.vary} = {toml(value)}{' (the default experiment)' if default else ''}"
        try:
            warnings += check_network(variant, where, setting)
        except SpecError as error:
            hint = "; or set [experiment] vary and values to choose another experiment" if default else ""
            raise SpecError(f"{error}{hint}") from None
    return warnings


@dataclass(frozen=True)
class Variant:
    """One network of the experiment: the value it was built with, its name in report.json, the network."""

    value: object
    name: str
    network: Network
    is_main: bool  # the main CNN itself, trained once for both roles


@dataclass(frozen=True)
class Design:
    """The student's networks and controlled experiment: everything a build trains, checked."""

    baseline: Network = DEFAULT_BASELINE
    cnn: Network = DEFAULT_CNN
    experiment: Experiment = DEFAULT_EXPERIMENT
    # Said once when the project is read (a network over PARAMETER_WARNING parameters); they change no result.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_default(self) -> bool:
        """Whether these are the course's networks and kernel sweep (the report's wording can say so)."""
        return (self.baseline, self.cnn, self.experiment.vary) == (
            DEFAULT_BASELINE,
            DEFAULT_CNN,
            DEFAULT_EXPERIMENT.vary,
        )

    @property
    def main_name(self) -> str:
        """The main CNN's name in report.json: its own variant's (``cnn_k3``), or ``cnn`` when it is none of them."""
        value = main_value(self.cnn, self.experiment.vary)
        return variant_name(self.experiment.vary, value) if value is not None else "cnn"

    def variants(self) -> list[Variant]:
        """The experiment's networks in the order of its values; the one equal to the main CNN is the main CNN."""
        own = main_value(self.cnn, self.experiment.vary)
        return [
            Variant(value, self.main_name, self.cnn, True)
            if own is not None and value == own
            else Variant(
                value,
                variant_name(self.experiment.vary, value),
                apply_variant(self.cnn, self.experiment.vary, value),
                False,
            )
            for value in self.experiment.values
        ]

    def fingerprint(self) -> dict:
        """Everything of the design a finished report shows: the networks, the reasons for their layers, the experiment."""
        return {
            role: {**network.describe(), "why": [layer.why for layer in network.layers]}
            for role, network in (("baseline", self.baseline), ("cnn", self.cnn))
        } | {"experiment": {"vary": self.experiment.vary, "values": list(self.experiment.values)}}

    def networks(self) -> dict[str, Network]:
        """Every network a build trains, by name: the baseline, the main CNN, then the other variants."""
        networks = {"baseline": self.baseline, self.main_name: self.cnn}
        for variant in self.variants():
            networks.setdefault(variant.name, variant.network)
        return networks

    def variant_of(self, name: str) -> tuple[str, object] | None:
        """``(variable, value)`` of the model ``name``, or None for the baseline and a main CNN that is no variant."""
        return next(
            ((self.experiment.vary, variant.value) for variant in self.variants() if variant.name == name), None
        )


def read_design(models: Mapping | None, experiment: Mapping | None, where: str, folder: Path) -> Design:
    """``[models.baseline]``, ``[models.cnn]`` and ``[experiment]`` (each may be absent: the course's), all checked."""
    models = {} if models is None else models
    check_keys(models, ROLES, "[models] table", where)
    networks = {
        role: read_network(models[role], role, where, folder) if role in models else default
        for role, default in (("baseline", DEFAULT_BASELINE), ("cnn", DEFAULT_CNN))
    }
    chosen = read_experiment(experiment, where) if experiment is not None else DEFAULT_EXPERIMENT
    return checked_design(networks["baseline"], networks["cnn"], chosen, where, default=experiment is None)


def checked_design(
    baseline: Network, cnn: Network, experiment: Experiment, where: str, default: bool = False
) -> Design:
    """The design, with both networks and every variant checked (:class:`SpecError`) and their warnings kept.

    ``default`` as for :func:`check_experiment`.
    """
    warnings = check_network(baseline, where) + check_network(cnn, where)
    warnings += check_experiment(cnn, experiment, where, default=default)
    return Design(baseline, cnn, experiment, tuple(dict.fromkeys(warnings)))


def kernel_design(kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES) -> Design:
    """The course's networks, with its kernel-size experiment over ``kernel_sizes``."""
    return Design(experiment=kernel_experiment(kernel_sizes))
