"""Every number of the report, in one JSON-able dict.

The same dict is written to report.json and handed to the template, so the
PDF and the JSON cannot disagree. Derived comparisons (error ratios, the best
variant of the experiment, the most confused digits) are computed here rather than in the
template, where they could not be tested.
"""

from __future__ import annotations

import datetime as _datetime

import numpy as np

from analysis.architectures import (
    DEFAULT_BASELINE,
    DEFAULT_CNN,
    DEFAULT_EXPERIMENT,
    ORDERED_VARIABLES,
    Design,
    Network,
    layer_shapes,
    receptive_field,
    summarize_network,
)
from analysis.data import Dataset
from analysis.eda import EdaResults
from analysis.environment import describe_machine, library_versions, onednn_setting, training_threads
from analysis.experiments import BASELINE, ExperimentResults, confusion_matrix, plan_experiments
from analysis.fits import ModelResult, ModelRuns, ModelSpec, TrainingSettings
from analysis.probes import (
    FEATURE_MAPS_SHOWN,
    FILTERS_SHOWN,
    MAX_SHIFT,
    SHIFT_DIRECTIONS,
    SHIFT_TEST_IMAGES,
    ProbeResults,
    data_efficiency_sizes,
    probed_models,
)

TOP_CONFUSIONS = 3
# "Still recognised" in the translation probe: the accuracy below which a shifted digit counts as lost.
SHIFT_ACCURACY_THRESHOLD = 0.9
# The shift (pixels) at which "the CNN degrades more slowly" is judged: as far as two 2x2 poolings absorb.
SMALL_SHIFT = 2
# Classes count as "close to balanced" while the commonest digit has fewer than this many times the rarest's images.
BALANCE_RATIO = 1.5
# The CNN counts as "of comparable size" to the baseline up to this many times its parameters.
COMPARABLE_SIZE_RATIO = 1.5
# Fewer epochs than this (or a --limit-train run) is "this little training", where a comparison says little.
FEW_EPOCHS = 3


def summarize(
    dataset: Dataset,
    eda: EdaResults,
    experiments: ExperimentResults,
    probes: ProbeResults,
    settings: TrainingSettings,
    lang: str,
    command_line: str,
    stage_seconds: dict[str, float],
    jobs: int = 1,
) -> dict:
    """Collect the numbers of one build into the structure of report.json; ``jobs`` fits were trained at once."""
    networks = experiments.design.networks()
    models = {name: _summarize_model(runs, dataset.y_test, networks[name]) for name, runs in experiments.models.items()}
    return {
        "dataset": {
            # The file's name and sha256 identify the data; its folder would print a student's home folder
            # in every report they hand in (the terminal shows the full path at build time).
            "file": dataset.path.name,
            "format": dataset.format,
            "sha256": dataset.sha256,
            **eda.to_dict(),
            "classes_balanced": classes_balanced(eda.class_counts_train),
        },
        "models": models,
        "networks": _summarize_networks(experiments, models),
        "comparison": {
            **_compare(experiments, models, dataset),
            "little_training": settings.limit_train is not None or settings.epochs < FEW_EPOCHS,
        },
        "experiment": _summarize_experiment(experiments, models),
        "probes": _summarize_probes(experiments, probes, models, dataset.x_train.shape[1] * dataset.x_train.shape[2]),
        "settings": {
            **settings.to_dict(),
            "seeds": list(experiments.seeds),
            "lang": lang,
            "kernel_sizes": list(experiments.design.experiment.values) if experiments.design.experiment.vary == "kernel" else None,
            "n_fit": settings.images_fitted(dataset.n_train),
            "n_validation": settings.images_used(dataset.n_train) - settings.images_fitted(dataset.n_train),
        },
        "environment": {
            "command_line": command_line,
            "generated_at": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "machine": describe_machine(),
            "tensorflow_onednn": onednn_setting(),
            # Each fit's threads; with the instruction set (machine), what the numbers depend on besides the data.
            "training_threads": training_threads(),
            "jobs": jobs,
            "stage_seconds": dict(stage_seconds),
        },
    }


def _summarize_model(runs: ModelRuns, true_labels: np.ndarray, network: Network) -> dict:
    per_seed = []
    for run in runs.runs:
        matrix = confusion_matrix(true_labels, run.test_predictions)
        per_seed.append({
            "test_accuracy": run.test_accuracy,
            "test_loss": run.test_loss,
            "test_mistakes": int(matrix.sum() - matrix.trace()),
            "train_seconds": run.train_seconds,
            "cached": run.cached,
            "per_class_accuracy": (matrix.diagonal() / matrix.sum(axis=1)).tolist(),
            "history": run.history,
        })
    # Confusions and mistakes are shown for one trained model: the first seed's.
    first_matrix = confusion_matrix(true_labels, runs.first.test_predictions)
    return {
        "params": runs.params,
        "runs": len(runs.runs),
        "test_accuracy": runs.mean("test_accuracy"),
        "test_accuracy_std": runs.std("test_accuracy"),
        "test_loss": runs.mean("test_loss"),
        "test_loss_std": runs.std("test_loss"),
        "test_error": 1.0 - runs.mean("test_accuracy"),
        "test_error_std": runs.std("test_accuracy"),
        "test_mistakes": float(np.mean([run["test_mistakes"] for run in per_seed])),
        "epochs": runs.first.epochs,
        "train_seconds": runs.mean("train_seconds"),
        "train_seconds_std": runs.std("train_seconds"),
        "seconds_per_epoch": runs.mean("train_seconds") / max(1, runs.first.epochs),
        "cached": all(run.cached for run in runs.runs),
        "history": _mean_history([run.history for run in runs.runs]),
        "layers": typed_layers(runs.first.layers, network),
        "per_class_accuracy": {
            str(digit): float(np.mean([run["per_class_accuracy"][digit] for run in per_seed])) for digit in range(10)
        },
        "confusion_matrix": first_matrix.tolist(),
        "top_confusions": _top_confusions(first_matrix),
        "per_seed": per_seed,
    }


def _mean_history(histories: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    return {key: np.mean([history[key] for history in histories], axis=0).tolist() for key in histories[0]}


def differs_beyond_spread(mean_a: float, std_a: float | None, mean_b: float, std_b: float | None) -> bool | None:
    """Whether two means differ by more than their combined run-to-run spread (std_a + std_b).

    None when either spread is unknown (a single seed): then no claim can be made.
    """
    if std_a is None or std_b is None:
        return None
    return abs(mean_a - mean_b) > std_a + std_b


def _top_confusions(matrix: np.ndarray) -> list[dict]:
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(-off_diagonal, axis=None, kind="stable")[:TOP_CONFUSIONS]
    pairs = [np.unravel_index(index, matrix.shape) for index in order]
    return [{"true": int(t), "predicted": int(p), "count": int(off_diagonal[t, p])} for t, p in pairs if off_diagonal[t, p]]


def _compare(experiments: ExperimentResults, models: dict, dataset: Dataset) -> dict:
    """The baseline against the main CNN."""
    baseline, cnn = models[experiments.baseline.name], models[experiments.cnn.name]
    per_class_gain = {
        digit: cnn["per_class_accuracy"][digit] - baseline["per_class_accuracy"][digit] for digit in baseline["per_class_accuracy"]
    }
    most_helped = max(per_class_gain, key=lambda digit: (per_class_gain[digit], -int(digit)))
    conv1 = next(layer for layer in cnn["layers"] if layer["type"] == "conv")
    conv1_positions = conv1["output_shape"][0] * conv1["output_shape"][1]
    kernel = len(experiments.cnn.first.probes["conv1_filters"][0])
    cnn_better = cnn["test_accuracy"] > baseline["test_accuracy"]
    baseline_gap, cnn_gap = _final_gap(baseline), _final_gap(cnn)
    gain_beyond_spread = differs_beyond_spread(
        cnn["test_accuracy"], cnn["test_accuracy_std"], baseline["test_accuracy"], baseline["test_accuracy_std"]
    )
    return {
        "seeds": len(experiments.seeds),
        "cnn_better": cnn_better,
        "accuracy_gain_pp": 100 * (cnn["test_accuracy"] - baseline["test_accuracy"]),
        "gain_beyond_spread": gain_beyond_spread,
        # Ahead, and not within the run-to-run spread: beyond it, or unmeasured (one seed), when the text says so.
        "cnn_clearly_better": cnn_better and gain_beyond_spread is not False,
        "error_ratio": baseline["test_error"] / cnn["test_error"] if cnn["test_error"] > 0 else None,
        "loss_ratio": baseline["test_loss"] / cnn["test_loss"] if cnn["test_loss"] > 0 else None,
        # A CNN can be right more often and still have the higher loss (its probabilities less well placed): the text
        # says which.
        "cnn_lower_loss": cnn["test_loss"] < baseline["test_loss"],
        "params_ratio": cnn["params"] / baseline["params"],
        "params_comparable": cnn["params"] <= COMPARABLE_SIZE_RATIO * baseline["params"],
        "time_ratio": cnn["train_seconds"] / baseline["train_seconds"] if baseline["train_seconds"] > 0 else None,
        "cnn_overfits_less": cnn_gap < baseline_gap,
        # Validation accuracy at or above training accuracy for both (early in training, Keras's training accuracy is
        # an average over an epoch in which the model was still improving): then no gap shows overfitting.
        "neither_overfits": cnn_gap <= 0 and baseline_gap <= 0,
        "baseline_generalization_gap_pp": 100 * baseline_gap,
        "cnn_generalization_gap_pp": 100 * cnn_gap,
        "most_helped_digit": int(most_helped),
        "most_helped_gain_pp": 100 * per_class_gain[most_helped],
        # Weight sharing, in numbers: a dense layer mapping the image to the
        # first conv layer's output would need one weight per (pixel, output unit) pair.
        "conv1_name": conv1["name"],
        "conv1_kernel": kernel,
        "conv1_params": conv1["params"],
        "conv1_positions": conv1_positions,
        "conv1_filters": conv1["output_shape"][2],
        "dense_equivalent_weights": dataset.x_train.shape[1] * dataset.x_train.shape[2] * conv1_positions * conv1["output_shape"][2],
        "cnn_receptive_field": receptive_field(experiments.design.cnn),
    }


def _summarize_networks(experiments: ExperimentResults, models: dict) -> dict:
    """The student's two networks layer by layer (settings and reasons), as written or as their builder made them."""
    summaries = {}
    for role, name in (("baseline", experiments.baseline.name), ("cnn", experiments.cnn.name)):
        network = getattr(experiments.design, role)
        summary = summarize_network(network)
        if network.builder is not None:
            summary |= {"layers": models[name]["layers"], "params": models[name]["params"]}
        layers = summary["layers"]
        pools = [layer for layer in layers if layer["type"] in ("maxpool", "avgpool")]
        kinds = {layer["type"] for layer in pools}
        summaries[role] = {
            "name": name,
            **summary,
            # What the wording about convolution and pooling needs to know of this network.
            "conv_layers": [layer["name"] for layer in layers if layer["type"] == "conv"],
            "pooling": "none" if not kinds else {"maxpool": "max", "avgpool": "avg"}[kinds.pop()] if len(kinds) == 1 else "mixed",
            "pool_sizes": sorted({layer["size"] for layer in pools if "size" in layer}),
            "global_pool": any(layer["type"] == "globalavgpool" for layer in layers),
            "has_why": any(layer.get("why") for layer in layers),
            "custom": network != {"baseline": DEFAULT_BASELINE, "cnn": DEFAULT_CNN}[role],
        }
    return {**summaries, "default": experiments.design.is_default}


def _summarize_experiment(experiments: ExperimentResults, models: dict) -> dict:
    """The controlled experiment: one entry per value, and the comparisons its written reading needs."""
    design = experiments.design
    variants = [_summarize_variant(variant.value, variant.name, variant.is_main, models[variant.name], variant.network)
                for variant in design.variants()]
    accuracy = [variant["test_accuracy"] for variant in variants]
    # Ties go to the value listed first for the best (and the slowest) and to the one listed last for the worst (and
    # the fastest), so that variants that tie are never named both the best and the worst.
    best = max(range(len(variants)), key=lambda index: (accuracy[index], -index))
    worst = min(range(len(variants)), key=lambda index: (accuracy[index], -index))
    slowest = max(range(len(variants)), key=lambda index: (variants[index]["train_seconds"], -index))
    fastest = min(range(len(variants)), key=lambda index: (variants[index]["train_seconds"], -index))
    ordered = design.experiment.vary in ORDERED_VARIABLES
    names = [[feature_map["name"] for feature_map in variant["feature_maps"]] for variant in variants]
    return {
        "vary": design.experiment.vary,
        "values": list(design.experiment.values),
        "main": experiments.cnn.name,
        "default": design.experiment == DEFAULT_EXPERIMENT,
        "variants": variants,
        "best": variants[best]["name"],
        "worst": variants[worst]["name"],
        "spread_pp": 100 * (accuracy[best] - accuracy[worst]),
        "difference_beyond_spread": differs_beyond_spread(
            accuracy[best], variants[best]["test_accuracy_std"], accuracy[worst], variants[worst]["test_accuracy_std"]
        ),
        # Whether the values are numbers with an order (kernel sizes, widths, rates), and only then the trend along it.
        "ordered": ordered,
        "params_monotonic": _is_monotonic([variant["params"] for variant in variants]) if ordered else None,
        "params_constant": len({variant["params"] for variant in variants}) == 1,
        "slowest": variants[slowest]["name"],
        "fastest": variants[fastest]["name"],
        # The layers whose feature maps every variant has, when they are the same layers (not when pooling is removed).
        "map_layers": names[0] if all(layer_names == names[0] for layer_names in names) else None,
        "receptive_fields": all(variant["receptive_field"] is not None for variant in variants),
    }


def _summarize_variant(value, name: str, is_main: bool, model: dict, network: Network) -> dict:
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
        "feature_maps": [{"name": layer["name"], "output_shape": layer["output_shape"]}
                         for layer in maps if layer["type"] in ("conv", "maxpool", "avgpool")],
        "last_map": maps[-1]["output_shape"],
        "flattened": flat["output_shape"][0],
        "conv_params": [{"name": layer["name"], "params": layer["params"]} for layer in layers if layer["type"] == "conv"],
        "conv_params_total": sum(layer["params"] for layer in layers if layer["type"] == "conv"),
        "dense_params": sum(layer["params"] for layer in layers if layer["type"] == "dense"),
        "output_params": layers[-1]["params"],
        "receptive_field": receptive_field(network),
    }


def typed_layers(layers: list[dict], network: Network) -> list[dict]:
    """A trained model's layers (names, shapes and parameters as Keras built them), each with its spec type.

    Layers from a spec take their type from it, so that results cached before
    layers had types read the same; a builder's model has them from Keras
    (:func:`analysis.models.describe_layers`), its last layer being the output.
    """
    if network.builder is None:
        types = {shape.name: shape.type for shape in layer_shapes(network)}
        return [{**layer, "type": types[layer["name"]]} for layer in layers]
    typed = [dict(layer) for layer in layers]
    typed[-1]["type"] = "output"
    return typed


def _summarize_runs(runs: ModelRuns) -> dict:
    return {"test_accuracy": runs.mean("test_accuracy"), "test_accuracy_std": runs.std("test_accuracy")}


def _summarize_probes(experiments: ExperimentResults, probes: ProbeResults, models: dict, dataset_pixels: int) -> dict:
    """Translation curves, permutation, data and parameter efficiency, with the comparisons the text needs."""
    translation = {}
    for name, runs in experiments.models.items():
        # (seeds, directions, distances) -> mean over directions per seed, then mean and spread over seeds.
        curves = np.array([[run.probes["shift_accuracy"][direction] for direction in SHIFT_DIRECTIONS] for run in runs.runs])
        per_seed = curves.mean(axis=1)
        translation[name] = {
            "mean": per_seed.mean(axis=0).tolist(),
            "std": per_seed.std(axis=0, ddof=1).tolist() if len(per_seed) > 1 else None,
            "by_direction": {direction: curves[:, index].mean(axis=0).tolist() for index, direction in enumerate(SHIFT_DIRECTIONS)},
        }
    baseline_curve, cnn_curve = translation[experiments.baseline.name]["mean"], translation[experiments.cnn.name]["mean"]
    shift_gaps = [100 * (c - b) for b, c in zip(baseline_curve, cnn_curve)]
    permutation = {}
    for name, permuted_runs in probes.permuted.items():
        original, permuted = models[name], _summarize_runs(permuted_runs)
        permutation[name] = {
            "original": original["test_accuracy"],
            "original_std": original["test_accuracy_std"],
            "permuted": permuted["test_accuracy"],
            "permuted_std": permuted["test_accuracy_std"],
            "change_pp": 100 * (permuted["test_accuracy"] - original["test_accuracy"]),
            "change_beyond_spread": differs_beyond_spread(
                permuted["test_accuracy"], permuted["test_accuracy_std"], original["test_accuracy"], original["test_accuracy_std"]
            ),
        }
    base_name, cnn_name = experiments.baseline.name, experiments.cnn.name
    sizes = sorted(probes.by_training_size)
    efficiency = {name: [_summarize_runs(probes.by_training_size[size][name]) for size in sizes] for name in (base_name, cnn_name)}
    gaps = [100 * (c["test_accuracy"] - b["test_accuracy"]) for b, c in zip(efficiency[base_name], efficiency[cnn_name])]
    return {
        "translation": {
            "distances": list(range(MAX_SHIFT + 1)),
            "directions": list(SHIFT_DIRECTIONS),
            "test_images": SHIFT_TEST_IMAGES,
            "models": translation,
            "gap_pp": shift_gaps,
            # Whether the CNN's lead grows from no shift to a small one: it loses accuracy more slowly.
            "cnn_degrades_slower": shift_gaps[SMALL_SHIFT] > shift_gaps[0],
            # The first shift at which each model keeps less than the threshold's accuracy (None: never within MAX_SHIFT).
            "threshold": SHIFT_ACCURACY_THRESHOLD,
            "baseline_below_threshold_at": next((d for d, a in enumerate(baseline_curve) if a < SHIFT_ACCURACY_THRESHOLD), None),
            "cnn_below_threshold_at": next((d for d, a in enumerate(cnn_curve) if a < SHIFT_ACCURACY_THRESHOLD), None),
        },
        "permutation": {
            "pixels": int(dataset_pixels),
            "models": permutation,
            "cnn_still_better": permutation[cnn_name]["permuted"] > permutation[base_name]["permuted"],
            "cnn_edge_pp": 100 * (permutation[cnn_name]["permuted"] - permutation[base_name]["permuted"]),
            "cnn_edge_beyond_spread": differs_beyond_spread(
                permutation[cnn_name]["permuted"], permutation[cnn_name]["permuted_std"],
                permutation[base_name]["permuted"], permutation[base_name]["permuted_std"],
            ),
        },
        "data_efficiency": {
            "sizes": sizes,
            "models": efficiency,
            "gap_pp": gaps,
            "gap_largest_at_smallest": advantage_largest_first(gaps),
        },
        "inside": _summarize_inside(experiments.cnn.first.probes, models[experiments.cnn.name]["layers"]),
        "epoch_order": _summarize_epoch_order(experiments.baseline, probes.fixed_order, experiments.seeds),
        "parameter_efficiency": [
            {"name": name, "params": model["params"], "test_accuracy": model["test_accuracy"],
             "test_accuracy_std": model["test_accuracy_std"]}
            for name, model in models.items()
        ],
    }


def _summarize_inside(probes: dict, layers: list[dict]) -> dict:
    """The main CNN's first filters and feature maps: how many, of which layers (the first one or two conv layers)."""
    convs = [layer for layer in layers if layer["type"] == "conv"]
    shown = [key for key in ("conv1", "conv2") if key in probes["feature_maps"]]
    return {
        "filters": len(probes["conv1_filters"]),
        "feature_maps_shown": len(probes["feature_maps"]["conv1"]),
        "test_index": probes["feature_maps"]["test_index"],
        "layers": [layer["name"] for layer in convs[: len(shown)]],
        "map_sizes": [f"{layer['output_shape'][0]}×{layer['output_shape'][1]}" for layer in convs[: len(shown)]],
    }


def _summarize_epoch_order(reshuffled: ModelRuns, fixed: ModelRuns, seeds: tuple[int, ...]) -> dict:
    """The baseline reshuffled every epoch (the protocol) against one fixed order, per seed and over seeds."""

    def describe(runs: ModelRuns) -> dict:
        return {
            "test_accuracy": runs.mean("test_accuracy"),
            "test_accuracy_std": runs.std("test_accuracy"),
            "test_loss": runs.mean("test_loss"),
            "test_loss_std": runs.std("test_loss"),
        }

    protocol, repeated = describe(reshuffled), describe(fixed)
    return {
        "model": reshuffled.name,
        "reshuffled": protocol,
        "fixed": repeated,
        "accuracy_change_pp": 100 * (repeated["test_accuracy"] - protocol["test_accuracy"]),
        "loss_change": repeated["test_loss"] - protocol["test_loss"],
        "fixed_order_worse": repeated["test_accuracy"] < protocol["test_accuracy"],
        "change_beyond_spread": differs_beyond_spread(
            repeated["test_accuracy"], repeated["test_accuracy_std"], protocol["test_accuracy"], protocol["test_accuracy_std"]
        ),
        "per_seed": [
            {"seed": seed, "reshuffled_test_accuracy": a.test_accuracy, "fixed_test_accuracy": b.test_accuracy,
             "reshuffled_test_loss": a.test_loss, "fixed_test_loss": b.test_loss}
            for seed, a, b in zip(seeds, reshuffled.runs, fixed.runs)
        ],
    }


def _final_gap(model: dict) -> float:
    """Training accuracy minus validation accuracy at the last epoch (0 when nothing was held out)."""
    history = model["history"]
    if not history.get("val_accuracy"):
        return 0.0
    return history["accuracy"][-1] - history["val_accuracy"][-1]


def _is_monotonic(values: list[float]) -> bool:
    return all(a <= b for a, b in zip(values, values[1:])) or all(a >= b for a, b in zip(values, values[1:]))


def classes_balanced(class_counts: dict) -> bool:
    """Whether the commonest class has fewer than :data:`BALANCE_RATIO` times the images of the rarest."""
    return max(class_counts.values()) < BALANCE_RATIO * min(class_counts.values())


def advantage_largest_first(gaps: list[float]) -> bool:
    """Whether the CNN's lead (CNN minus baseline, in pp, smallest training set first) is positive and largest first.

    A CNN behind the baseline on the smallest set has no advantage there, however
    large the gap: the report's "largest where data was scarcest" must not say so.
    """
    return gaps[0] > 0 and gaps[0] >= max(gaps)


# --- The structure before the numbers ------------------------------------------------------------------------


def summarize_plan(
    dataset: Dataset,
    eda: EdaResults,
    settings: TrainingSettings,
    design: Design,
    seeds: tuple[int, ...],
    lang: str,
    command_line: str,
    stage_seconds: dict[str, float],
) -> dict:
    """The report.json this build will write, with stand-in numbers for everything training measures.

    The student's notes are checked against it before any training starts: a
    placeholder that names nothing here names nothing in the real report. The
    stand-in results are made for exactly the models, seeds and probes the
    build plans and go through :func:`summarize` itself, so the structure
    cannot drift from the real one (tests/test_project.py compares the two).
    """
    specs = plan_experiments(design)
    models = {
        spec.name: ModelRuns(spec.name, tuple(_stand_in_result(spec, dataset, settings, rank, seed_index)
                                               for seed_index in range(len(seeds))))
        for rank, spec in enumerate(specs)
    }
    experiments = ExperimentResults(models=models, design=design, seeds=tuple(seeds))
    sizes = data_efficiency_sizes(settings.images_used(dataset.n_train))
    probed = [spec.name for spec in probed_models(design)]
    probes = ProbeResults(
        permuted={name: models[name] for name in probed},
        by_training_size={size: {name: models[name] for name in probed} for size in sizes},
        fixed_order=models[BASELINE.name],
    )
    return summarize(dataset, eda, experiments, probes, settings, lang, command_line, stage_seconds)


def _stand_in_result(spec: ModelSpec, dataset: Dataset, settings: TrainingSettings, rank: int, seed_index: int) -> ModelResult:
    """A plausible, non-degenerate result for ``spec``: every model and seed differ a little, none is perfect."""
    accuracy = 0.9 + 0.01 * rank + 0.001 * seed_index
    predictions = dataset.y_test.copy()
    wrong = max(1, int(round(len(predictions) * (1 - accuracy))))
    predictions[:wrong] = (predictions[:wrong] + 1) % 10
    curve = [max(0.1, accuracy - 0.1 * distance) for distance in range(MAX_SHIFT + 1)]
    history = {"accuracy": [accuracy] * settings.epochs, "loss": [0.3] * settings.epochs}
    if settings.images_used(dataset.n_train) > settings.images_fitted(dataset.n_train):
        history |= {"val_accuracy": [accuracy - 0.01] * settings.epochs, "val_loss": [0.35] * settings.epochs}
    layers = _stand_in_layers(spec.network)
    probes: dict = {"shift_accuracy": {direction: curve for direction in SHIFT_DIRECTIONS}}
    convs = [layer for layer in layers if layer["type"] == "conv"][:2]
    if spec.architecture == "cnn":
        kernel = next((layer.kernel for layer in spec.network.layers if layer.type == "conv"), 3)
        probes["conv1_filters"] = [[[0.0] * kernel] * kernel] * min(FILTERS_SHOWN, convs[0]["output_shape"][2])
        probes["feature_maps"] = {"test_index": 0} | {
            f"conv{index}": [[[0.0]]] * min(FEATURE_MAPS_SHOWN, layer["output_shape"][2])
            for index, layer in enumerate(convs, start=1)
        }
    return ModelResult(
        name=spec.name,
        params=sum(layer["params"] for layer in layers),
        test_accuracy=float(np.mean(predictions == dataset.y_test)),
        test_loss=0.3 - 0.01 * rank,
        epochs=settings.epochs,
        train_seconds=10.0 + rank + seed_index,
        history=history,
        layers=layers,
        test_predictions=predictions,
        test_confidence=np.full(len(predictions), 0.9, dtype=np.float32),
        probes=probes,
        cached=True,
    )


def _stand_in_layers(network: Network) -> list[dict]:
    """The layers of ``network`` as ``describe_layers`` lists them, computed without Keras.

    A builder's network is known only once it is built: it stands in as one
    conv layer before the output, enough for the report's structure.
    """
    if network.builder is None:
        return [{"name": shape.name, "type": shape.type, "output_shape": list(shape.output_shape), "params": shape.params}
                for shape in layer_shapes(network)]
    layers = [{"name": "image", "type": "input", "output_shape": [28, 28, 1], "params": 0}]
    if network.role == "cnn":
        layers.append({"name": "conv", "type": "conv", "output_shape": [26, 26, 1], "params": 10})
    return layers + [{"name": "flatten", "type": "flatten", "output_shape": [676], "params": 0},
                     {"name": "probabilities", "type": "output", "output_shape": [10], "params": 6770}]
