"""Shapes and parameters of a layer spec, in plain Python, as Keras will build it.

Follows Keras's own arithmetic ('valid': ⌊(n − k) / s⌋ + 1, 'same': ⌈n / s⌉,
pooling windows as strides), so that a spec whose feature maps shrink to
nothing is caught before TensorFlow is imported, naming the layer and the
sizes. Builder networks have no shapes until they are built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.errors import SpecError
from analysis.layers import INPUT_SHAPE, NUM_CLASSES, PARAMETER_WARNING, Layer, Network
from analysis.messages import size

# Each layer type's stem in Keras names: conv and pool layers are always numbered, the others only when repeated.
_STEMS = {
    "conv": "conv",
    "maxpool": "pool",
    "avgpool": "pool",
    "globalavgpool": "global_pool",
    "flatten": "flatten",
    "dense": "hidden",
    "dropout": "dropout",
    "batchnorm": "batchnorm",
}


@dataclass(frozen=True)
class LayerShape:
    """A layer as cnn-report will build it: its Keras name, output shape (no batch axis) and parameter count."""

    name: str
    type: str  # a spec type, or "input" / "output" for the layers cnn-report adds
    output_shape: tuple[int, ...]
    params: int
    layer: Layer | None = None  # None for the input and output


def layer_shapes(network: Network, where: str = "", setting: str = "") -> list[LayerShape]:
    """Every layer cnn-report will build, input and output included, with its output shape and parameter count.

    Raises :class:`SpecError` where a layer cannot work on what the layer
    before leaves. ``where`` (the project file) and ``setting`` (an
    experiment's, for a variant) go into messages. A builder's network: [].
    """
    if network.builder is not None:
        return []
    place = f"{where + ': ' if where else ''}[models.{network.role}]{' with ' + setting if setting else ''}"
    names = layer_names(network.layers)
    shape: tuple[int, ...] = INPUT_SHAPE
    shapes = [LayerShape("image", "input", shape, 0)]
    for index, (layer, name) in enumerate(zip(network.layers, names), start=1):
        label = f"{place}{',' if setting else ''} layer {index} ({name})"
        shape, params = _apply(layer, shape, label)
        shapes.append(LayerShape(name, layer.type, shape, params, layer))
    if len(shape) != 1:
        raise SpecError(
            f"{place}: the last layer leaves a {size(shape)} map, but the 10-way output needs a flat "
            'vector; end with { type = "flatten" } or { type = "globalavgpool" }'
        )
    shapes.append(LayerShape("probabilities", "output", (NUM_CLASSES,), (shape[0] + 1) * NUM_CLASSES))
    return shapes


def count_params(network: Network) -> int | None:
    """The network's parameter count as Keras's ``count_params()`` gives it (None for a builder)."""
    shapes = layer_shapes(network)
    return sum(shape.params for shape in shapes) if shapes else None


def check_network(network: Network, where: str, setting: str = "") -> list[str]:
    """Check a network's shapes (raises :class:`SpecError`); returns warnings, such as a very large network."""
    shapes = layer_shapes(network, where, setting)
    total = sum(shape.params for shape in shapes)
    if total > PARAMETER_WARNING:
        return [
            f"{where}: [models.{network.role}]{' with ' + setting if setting else ''} has {total:,} parameters "
            f"(over {PARAMETER_WARNING:,}): expect long training and a lot of memory"
        ]
    return []


def summarize_network(network: Network) -> dict:
    """The network as report.json shows it: each layer's name, type, settings, output shape, parameters and ``why``.

    A builder's layers are known only once it is built; here it has its
    function's name and no layers (the report reads them off the trained model).
    """
    if network.builder is not None:
        return {"builder": network.builder.label, "layers": None, "params": None, "receptive_field": None}
    layers = []
    for shape in layer_shapes(network):
        entry = {
            "name": shape.name,
            "type": shape.type,
            "output_shape": list(shape.output_shape),
            "params": shape.params,
        }
        if shape.layer is not None:
            entry.update({key: value for key, value in shape.layer.to_dict().items() if key != "type"})
        entry["why"] = shape.layer.why if shape.layer is not None else None
        layers.append(entry)
    return {
        "builder": None,
        "layers": layers,
        "params": sum(layer["params"] for layer in layers),
        "receptive_field": receptive_field(network),
    }


def layer_names(layers: tuple[Layer, ...]) -> list[str]:
    """Keras layer names: conv1, pool1, conv2, ... always numbered; the others numbered only when repeated.

    The course's networks come out as conv1, pool1, conv2, pool2, flatten,
    hidden: the names the report, its probes and students' notes read.
    """
    totals: dict[str, int] = {}
    for layer in layers:
        totals[_STEMS[layer.type]] = totals.get(_STEMS[layer.type], 0) + 1
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        stem = _STEMS[layer.type]
        seen[stem] = seen.get(stem, 0) + 1
        numbered = stem in ("conv", "pool") or totals[stem] > 1
        names.append(f"{stem}{seen[stem]}" if numbered else stem)
    return names


def receptive_field(network: Network) -> int | None:
    """Input pixels (per side) one unit of the last conv/pool layer sees; None for a builder or without either.

    Each window widens the field by (window − 1) times the product of the
    strides before it.
    """
    if network.builder is not None:
        return None
    field_size, jump, seen = 1, 1, False
    for layer in network.layers:
        if layer.type == "conv":
            window, stride = layer.kernel, layer.strides
        elif layer.type in ("maxpool", "avgpool"):
            window, stride = layer.size, layer.size
        else:
            continue
        seen = True
        field_size += (window - 1) * jump
        jump *= stride
    return field_size if seen else None


def _apply(layer: Layer, shape: tuple[int, ...], label: str) -> tuple[tuple[int, ...], int]:
    """The output shape and parameter count of ``layer`` on an input of ``shape``."""
    image = len(shape) == 3
    if layer.type in ("conv", "maxpool", "avgpool", "globalavgpool", "flatten") and not image:
        raise SpecError(
            f"{label}: needs an image-shaped input, but the layer before leaves a flat vector of "
            f"{shape[0]:,}; move it before the flatten/globalavgpool layer"
        )
    if layer.type == "dense" and image:
        raise SpecError(
            f"{label}: needs a flat input, but gets a {size(shape)} map; "
            'put { type = "flatten" } or { type = "globalavgpool" } before it'
        )
    if layer.type == "conv":
        height, width, channels = shape
        if layer.padding == "valid":
            if min(height, width) < layer.kernel:
                raise SpecError(
                    f"{label}: its {height}×{width} input is smaller than its {layer.kernel}×{layer.kernel} kernel "
                    "with 'valid' padding, so the feature maps shrink to nothing; use a smaller kernel, "
                    'padding = "same", or fewer pooling layers before it'
                )
            height, width = ((height - layer.kernel) // layer.strides + 1, (width - layer.kernel) // layer.strides + 1)
        else:
            height, width = math.ceil(height / layer.strides), math.ceil(width / layer.strides)
        return (height, width, layer.filters), (layer.kernel * layer.kernel * channels + 1) * layer.filters
    if layer.type in ("maxpool", "avgpool"):
        height, width, channels = shape
        if min(height, width) < layer.size:
            raise SpecError(
                f"{label}: its {height}×{width} input is smaller than its {layer.size}×{layer.size} window, so the "
                "feature maps shrink to nothing; remove it, use a smaller size, or keep more of the map before it "
                '(padding = "same" in the conv layers)'
            )
        return ((height - layer.size) // layer.size + 1, (width - layer.size) // layer.size + 1, channels), 0
    if layer.type == "globalavgpool":
        return (shape[2],), 0
    if layer.type == "flatten":
        return (math.prod(shape),), 0
    if layer.type == "dense":
        return (layer.units,), (shape[0] + 1) * layer.units
    if layer.type == "batchnorm":
        # Scale and offset are trained; the moving mean and variance are counted by Keras too.
        return shape, 4 * shape[-1]
    return shape, 0  # dropout
