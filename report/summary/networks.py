"""report.json's "networks": the student's two networks layer by layer, and what the wording about them turns on."""

from __future__ import annotations

from analysis.layers import DEFAULT_BASELINE, DEFAULT_CNN, POOLING_OF
from analysis.plan import TrainedModels
from analysis.shapes import summarize_network


def summarize_networks(trained: TrainedModels, models: dict) -> dict:
    """The student's two networks layer by layer (settings and reasons), as written or as their builder made them."""
    summaries = {}
    for role, name in (("baseline", trained.baseline.name), ("cnn", trained.cnn.name)):
        network = getattr(trained.design, role)
        summary = summarize_network(network)
        if network.builder is not None:
            summary |= {"layers": models[name]["layers"], "params": models[name]["params"]}
        layers = summary["layers"]
        pools = [layer for layer in layers if layer["type"] in POOLING_OF]
        kinds = {layer["type"] for layer in pools}
        convs = [layer["name"] for layer in layers if layer["type"] == "conv"]
        # The trained model's feature maps: its layers after the input with a height, a width and channels.
        maps = [layer for layer in models[name]["layers"][1:] if len(layer["output_shape"]) == 3]
        summaries[role] = {
            "name": name,
            **summary,
            # What the wording about convolution and pooling needs to know of this network.
            "conv_layers": convs,
            "pooling": "none" if not kinds else POOLING_OF[kinds.pop()] if len(kinds) == 1 else "mixed",
            "pool_sizes": sorted({layer["size"] for layer in pools if "size" in layer}),
            "global_pool": any(layer["type"] == "globalavgpool" for layer in layers),
            "has_why": any(layer.get("why") for layer in layers),
            "custom": network != {"baseline": DEFAULT_BASELINE, "cnn": DEFAULT_CNN}[role],
            # Two or more conv layers compose features into a hierarchy; a CNN has at least one.
            "stacked_convs": len(convs) >= 2,
            # The last feature map, what the dense head receives (None for a network without one).
            "last_map": maps[-1]["output_shape"] if maps else None,
            # Each conv layer's positions, where its filters are applied: its output's height × width.
            "conv_positions": {
                layer["name"]: layer["output_shape"][0] * layer["output_shape"][1]
                for layer in layers
                if layer["type"] == "conv"
            },
        }
    return {**summaries, "default": trained.design.is_default}
