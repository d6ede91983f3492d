"""report.json's "experiment": the controlled experiment, value by value, and the comparisons its reading needs."""

from __future__ import annotations

from analysis.design import DEFAULT_EXPERIMENT, main_value
from analysis.layers import POOLING_OF, Network
from analysis.plan import TrainedModels
from analysis.shapes import receptive_field
from report.summary.spread import differs_beyond_spread


def summarize_experiment(trained: TrainedModels, models: dict) -> dict:
    """The controlled experiment: one entry per value, and the comparisons its written reading needs."""
    design = trained.design
    variants = [
        summarize_variant(variant.value, variant.name, variant.is_main, models[variant.name], variant.network)
        for variant in design.variants()
    ]
    accuracy = [variant["test_accuracy"] for variant in variants]
    # Ties go to the value listed first for the best (and the slowest) and to the one listed last for the worst (and
    # the fastest), so that variants that tie are never named both the best and the worst.
    best = max(range(len(variants)), key=lambda index: (accuracy[index], -index))
    worst = min(range(len(variants)), key=lambda index: (accuracy[index], -index))
    slowest = max(range(len(variants)), key=lambda index: (variants[index]["train_seconds"], -index))
    fastest = min(range(len(variants)), key=lambda index: (variants[index]["train_seconds"], -index))
    ordered = design.experiment.variable.ordered
    names = [[feature_map["name"] for feature_map in variant["feature_maps"]] for variant in variants]
    return {
        "vary": design.experiment.vary,
        "values": list(design.experiment.values),
        "main": trained.cnn.name,
        "default": design.experiment == DEFAULT_EXPERIMENT,
        "variants": variants,
        "best": variants[best]["name"],
        "worst": variants[worst]["name"],
        # Never negative: the best variant's accuracy is at least the worst's.
        "spread_pp": 100 * (accuracy[best] - accuracy[worst]),
        "difference_beyond_spread": differs_beyond_spread(
            accuracy[best], variants[best]["test_accuracy_std"], accuracy[worst], variants[worst]["test_accuracy_std"]
        ),
        # Whether the values are numbers with an order (kernel sizes, widths, rates), and only then the trend along it.
        "ordered": ordered,
        "params_monotonic": is_monotonic([variant["params"] for variant in variants]) if ordered else None,
        "params_constant": len({variant["params"] for variant in variants}) == 1,
        "slowest": variants[slowest]["name"],
        "fastest": variants[fastest]["name"],
        # The layers whose feature maps every variant has, when they are the same layers (not when pooling is removed).
        "map_layers": names[0] if all(layer_names == names[0] for layer_names in names) else None,
        "receptive_fields": all(variant["receptive_field"] is not None for variant in variants),
        "slowest_seconds": variants[slowest]["train_seconds"],
        "fastest_seconds": variants[fastest]["train_seconds"],
        # Whether the main CNN is one of the variants (its row is then the same fits), and its own value of the
        # variable; None where its layers do not share one value (its name is then "cnn").
        "main_tried": any(variant["is_main"] for variant in variants),
        "main_value": main_value(design.cnn, design.experiment.vary),
        "several_variants": len(variants) > 1,
        # A kernel experiment over three sizes; with the course's networks (networks.default), the subtitle says so.
        "three_kernel_sizes": design.experiment.vary == "kernel" and len(variants) == 3,
    }


def summarize_variant(value, name: str, is_main: bool, model: dict, network: Network) -> dict:
    """One network of the experiment: its numbers and what the varied setting did to its shapes and parameters."""
    layers = model["layers"]
    # Every CNN has a Conv2D layer (a builder's model without one is refused before training), so it has feature maps;
    # its output layer is one-dimensional, so there is a first flat layer.
    maps = [layer for layer in layers[1:] if len(layer["output_shape"]) == 3]
    flat = next(layer for layer in layers if len(layer["output_shape"]) == 1)
    return {
        "value": value,
        "name": name,
        "is_main": is_main,
        "params": model["params"],
        "test_accuracy": model["test_accuracy"],
        "test_accuracy_std": model["test_accuracy_std"],
        "test_loss": model["test_loss"],
        "test_loss_std": model["test_loss_std"],
        "test_mistakes": model["test_mistakes"],
        "train_seconds": model["train_seconds"],
        # The feature maps after each conv and pooling layer, and what reaches the dense layers.
        "feature_maps": [
            {"name": layer["name"], "output_shape": layer["output_shape"]}
            for layer in maps
            if layer["type"] == "conv" or layer["type"] in POOLING_OF
        ],
        "last_map": maps[-1]["output_shape"],
        "flattened": flat["output_shape"][0],
        "conv_params": [
            {"name": layer["name"], "params": layer["params"]} for layer in layers if layer["type"] == "conv"
        ],
        "conv_params_total": sum(layer["params"] for layer in layers if layer["type"] == "conv"),
        "dense_params": sum(layer["params"] for layer in layers if layer["type"] == "dense"),
        "output_params": layers[-1]["params"],
        "receptive_field": receptive_field(network),
    }


def is_monotonic(values: list[float]) -> bool:
    """Whether ``values`` never rise or never fall (ties allowed)."""
    return all(a <= b for a, b in zip(values, values[1:])) or all(a >= b for a, b in zip(values, values[1:]))
