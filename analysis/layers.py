"""The layer spec: the networks a student writes in the project file, read and checked field by field.

A network is a list of layers (``[models.cnn] layers = [{type = "conv", ...}, ...]``)
or a builder function (:mod:`analysis.builder`). cnn-report adds the
28 × 28 × 1 input and the 10-way softmax output to a layer list; the defaults
are the course's two networks, layer for layer. Everything here is plain
Python: a spec is checked without importing TensorFlow, so a mistake stops the
build before any training, and a cached rebuild never pays for the import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.builder import Builder, read_builder
from analysis.errors import SpecError
from analysis.messages import check_keys, toml, unknown

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
# Above this many parameters a network is still built, with a warning: on a
# laptop CPU such a model trains for hours and holds gigabytes.
PARAMETER_WARNING = 5_000_000

PADDINGS = ("valid", "same")
# Element-wise activations Keras knows by name that need no argument (tests/unit/analysis/test_models.py
# checks each against keras.activations). Softmax is kept for the output layer cnn-report adds.
ACTIVATIONS = (
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "swish",
    "mish",
    "tanh",
    "sigmoid",
    "hard_sigmoid",
    "softplus",
    "softsign",
    "linear",
)
POOLINGS = ("max", "avg", "none")
POOL_TYPES = {"max": "maxpool", "avg": "avgpool"}
# The pooling of each pooling layer type: maxpool is "max", avgpool "avg".
POOLING_OF = {layer_type: kind for kind, layer_type in POOL_TYPES.items()}

REQUIRED = object()
# Each layer type, its fields and their defaults (REQUIRED: no default). Any layer may also carry `why`.
LAYER_TYPES: dict[str, dict[str, object]] = {
    "conv": {"filters": REQUIRED, "kernel": REQUIRED, "strides": 1, "padding": "valid", "activation": "relu"},
    "maxpool": {"size": 2},
    "avgpool": {"size": 2},
    "globalavgpool": {},
    "flatten": {},
    "dense": {"units": REQUIRED, "activation": "relu"},
    "dropout": {"rate": REQUIRED},
    "batchnorm": {},
}
# A baseline sees no neighbourhoods: no convolution, no pooling.
BASELINE_TYPES = ("flatten", "dense", "dropout", "batchnorm")

ROLES = ("baseline", "cnn")


@dataclass(frozen=True)
class Layer:
    """One layer of a spec; only the fields of its type are set (defaults filled in by :func:`read_network`)."""

    type: str
    filters: int | None = None
    kernel: int | None = None
    strides: int | None = None
    padding: str | None = None
    activation: str | None = None
    size: int | None = None
    units: int | None = None
    rate: float | None = None
    why: str | None = field(default=None, compare=False)  # the student's reason; changes no number

    def to_dict(self) -> dict:
        """The type and its fields, as a student would write them (``why`` left out: it changes no result)."""
        return {"type": self.type, **{name: getattr(self, name) for name in LAYER_TYPES[self.type]}}


@dataclass(frozen=True)
class Network:
    """One network of the report: the baseline or a CNN, from layers or from a builder."""

    role: str  # "baseline" or "cnn"
    layers: tuple[Layer, ...] = ()
    builder: Builder | None = None

    def describe(self) -> dict:
        """Everything about the network that changes a trained result, for cache keys (``why`` excluded).

        The course's own networks are described as ``{"architecture", "kernel_size"}``:
        the cache keys of their results must not change, or every cache would be retrained.
        """
        course = _course_description(self)
        if course is not None:
            return course
        if self.builder is not None:
            return {
                "architecture": self.role,
                "builder": {
                    "function": self.builder.function,
                    "sha256": self.builder.sha256,
                    "arguments": dict(self.builder.arguments),
                },
            }
        return {"architecture": self.role, "layers": [layer.to_dict() for layer in self.layers]}


def _conv(filters: int, kernel: int) -> Layer:
    return Layer("conv", filters=filters, kernel=kernel, strides=1, padding="valid", activation="relu")


# The course's networks: Flatten -> Dense(128) and two conv/pool stages -> Dense(64), 'valid' padding.
DEFAULT_BASELINE = Network("baseline", (Layer("flatten"), Layer("dense", units=128, activation="relu")))
DEFAULT_CNN = Network(
    "cnn",
    (
        _conv(32, 3),
        Layer("maxpool", size=2),
        _conv(64, 3),
        Layer("maxpool", size=2),
        Layer("flatten"),
        Layer("dense", units=64, activation="relu"),
    ),
)


def course_cnn(kernel: int) -> Network:
    """The course's CNN with ``kernel`` × ``kernel`` kernels in both conv layers."""
    return replace(
        DEFAULT_CNN,
        layers=tuple(replace(layer, kernel=kernel) if layer.type == "conv" else layer for layer in DEFAULT_CNN.layers),
    )


def _course_description(network: Network) -> dict | None:
    """The cache description of the course's networks (the baseline, and the CNN with any one kernel size), or None."""
    if network.builder is not None:
        return None
    if network.role == "baseline" and network.layers == DEFAULT_BASELINE.layers:
        return {"architecture": "baseline", "kernel_size": None}
    if network.role == "cnn":
        kernels = {layer.kernel for layer in network.layers if layer.type == "conv"}
        if len(kernels) == 1:
            kernel = kernels.pop()
            if network.layers == course_cnn(kernel).layers:
                return {"architecture": "cnn", "kernel_size": kernel}
    return None


def read_network(table: Mapping, role: str, where: str, folder: Path) -> Network:
    """``[models.<role>]``: ``layers = [...]`` or ``builder = "file.py:function"``, checked field by field.

    ``where`` starts every message (the project file's path); builder files
    are found relative to ``folder``. Raises :class:`SpecError`.
    """
    place = f"{where}: [models.{role}]"
    check_keys(table, ("layers", "builder"), f"key in [models.{role}]", where)
    if ("layers" in table) == ("builder" in table):
        raise SpecError(
            f'{place} needs either layers = [...] or builder = "my_net.py:make_model", not '
            f"{'both' if table else 'neither'}"
        )
    if "builder" in table:
        return Network(role, builder=read_builder(table["builder"], f"{place} builder", folder))
    entries = table["layers"]
    if not isinstance(entries, list):
        raise SpecError(f'{place} layers must be a list of tables, e.g. layers = [{{ type = "flatten" }}]')
    layers = tuple(_read_layer(entry, f"{place} layer {index}") for index, entry in enumerate(entries, start=1))
    network = Network(role, layers)
    if role == "cnn" and not any(layer.type == "conv" for layer in layers):
        raise SpecError(
            f'{place} has no conv layer: a CNN needs at least one {{ type = "conv", filters = 32, kernel = 3 }}'
        )
    spatial = [layer.type for layer in layers if layer.type not in BASELINE_TYPES]
    if role == "baseline" and spatial:
        raise SpecError(
            f"{place}: the baseline is the fully-connected network the CNN is compared with, so its layers "
            f"can be {', '.join(BASELINE_TYPES)}; move the {spatial[0]} layer to [models.cnn]"
        )
    return network


def _read_layer(entry: object, place: str) -> Layer:
    if not isinstance(entry, Mapping):
        raise SpecError(
            f'{place}: expected a table such as {{ type = "conv", filters = 32, kernel = 3 }}, got {toml(entry)}'
        )
    if "type" not in entry:
        raise SpecError(f"{place}: missing type; one of {', '.join(LAYER_TYPES)}")
    kind = entry["type"]
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"{place}: {unknown(str(kind), LAYER_TYPES, 'layer type')}")
    place = f"{place} ({kind})"
    fields = LAYER_TYPES[kind]
    valid = ["type", *fields, "why"]
    for name in entry:
        if name not in valid:
            raise SpecError(f"{place}: {unknown(name, valid, 'field')}")
    values: dict[str, object] = {}
    for name, default in fields.items():
        if name not in entry:
            if default is REQUIRED:
                raise SpecError(f"{place}: missing {name} ({FIELD_RULES[name][1]})")
            values[name] = default
            continue
        check, expected = FIELD_RULES[name]
        if not check(entry[name]):
            raise SpecError(f"{place}: {name} = {toml(entry[name])} is not {expected}")
        values[name] = float(entry[name]) if name == "rate" else entry[name]
    why = entry.get("why")
    if why is not None and (not isinstance(why, str) or not why.strip()):
        raise SpecError(f'{place}: why = {toml(why)} is not text; write your reason in quotes, why = "..."')
    return Layer(kind, why=why.strip() if why else None, **values)


# How a message names what is_count accepts.
COUNT = "a whole number of at least 1"


def is_count(value: object) -> bool:
    """A whole number of at least 1 (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def is_rate(value: object) -> bool:
    """A number from 0 up to (not including) 1."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1


def choice(options: tuple[str, ...]) -> Callable[[object], bool]:
    """One of ``options``, as text."""
    return lambda value: isinstance(value, str) and value in options


# Each field's rule and how a message names it.
FIELD_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "filters": (is_count, COUNT),
    "kernel": (is_count, f"{COUNT} (the side of a square kernel)"),
    "strides": (is_count, COUNT),
    "size": (is_count, f"{COUNT} (the side of the pooling window)"),
    "units": (is_count, COUNT),
    "rate": (is_rate, "a number from 0 up to (not including) 1"),
    "padding": (choice(PADDINGS), f"one of {', '.join(map(repr, PADDINGS))}"),
    "activation": (
        choice(ACTIVATIONS),
        f"one of the activations {', '.join(ACTIVATIONS)} (the softmax output is added for you)",
    ),
}
