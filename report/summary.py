"""Every number of the report, in one JSON-able dict.

The same dict is written to report.json and handed to the template, so the
PDF and the JSON cannot disagree. Derived comparisons (error ratios, the best
kernel, the most confused digits) are computed here rather than in the
template, where they could not be tested.
"""

from __future__ import annotations

import datetime as _datetime

import numpy as np

from analysis.data import Dataset
from analysis.eda import EdaResults
from analysis.environment import describe_machine, library_versions, onednn_setting
from analysis.experiments import ExperimentResults, ModelRuns, TrainingSettings, confusion_matrix
from analysis.probes import MAX_SHIFT, SHIFT_DIRECTIONS, SHIFT_TEST_IMAGES, ProbeResults

TOP_CONFUSIONS = 3
# "Still recognised" in the translation probe: the accuracy below which a shifted digit counts as lost.
SHIFT_ACCURACY_THRESHOLD = 0.9


def summarize(
    dataset: Dataset,
    eda: EdaResults,
    experiments: ExperimentResults,
    probes: ProbeResults,
    settings: TrainingSettings,
    lang: str,
    command_line: str,
    stage_seconds: dict[str, float],
) -> dict:
    """Collect the numbers of one build into the structure of report.json."""
    models = {name: _summarize_model(runs, dataset.y_test) for name, runs in experiments.models.items()}
    return {
        "dataset": {
            # The file's name and sha256 identify the data; its folder would print a student's home folder
            # in every report they hand in (the terminal shows the full path at build time).
            "file": dataset.path.name,
            "format": dataset.format,
            "sha256": dataset.sha256,
            **eda.to_dict(),
        },
        "models": models,
        "comparison": _compare(experiments, models, dataset),
        "probes": _summarize_probes(experiments, probes, models, dataset.x_train.shape[1] * dataset.x_train.shape[2]),
        "kernels": [_summarize_kernel(size, runs, models[runs.name]) for size, runs in experiments.kernel_results()],
        "settings": {
            **settings.to_dict(),
            "seeds": list(experiments.seeds),
            "lang": lang,
            "kernel_sizes": list(experiments.kernel_sizes),
            "n_fit": settings.images_fitted(dataset.n_train),
            "n_validation": settings.images_used(dataset.n_train) - settings.images_fitted(dataset.n_train),
        },
        "environment": {
            "command_line": command_line,
            "generated_at": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "machine": describe_machine(),
            "tensorflow_onednn": onednn_setting(),
            "stage_seconds": dict(stage_seconds),
        },
    }


def _summarize_model(runs: ModelRuns, true_labels: np.ndarray) -> dict:
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
        "layers": runs.first.layers,
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
    baseline, cnn = models[experiments.baseline.name], models[experiments.cnn.name]
    kernels = {size: models[runs.name] for size, runs in experiments.kernel_results()}
    best_kernel = max(kernels, key=lambda size: (kernels[size]["test_accuracy"], -size))
    worst_kernel = min(kernels, key=lambda size: (kernels[size]["test_accuracy"], size))
    best, worst = kernels[best_kernel], kernels[worst_kernel]
    per_class_gain = {
        digit: cnn["per_class_accuracy"][digit] - baseline["per_class_accuracy"][digit] for digit in baseline["per_class_accuracy"]
    }
    most_helped = max(per_class_gain, key=lambda digit: (per_class_gain[digit], -int(digit)))
    conv1 = _layer(cnn["layers"], "conv1")
    conv1_positions = conv1["output_shape"][0] * conv1["output_shape"][1]
    return {
        "seeds": len(experiments.seeds),
        "cnn_better": cnn["test_accuracy"] > baseline["test_accuracy"],
        "accuracy_gain_pp": 100 * (cnn["test_accuracy"] - baseline["test_accuracy"]),
        "gain_beyond_spread": differs_beyond_spread(
            cnn["test_accuracy"], cnn["test_accuracy_std"], baseline["test_accuracy"], baseline["test_accuracy_std"]
        ),
        "error_ratio": baseline["test_error"] / cnn["test_error"] if cnn["test_error"] > 0 else None,
        "loss_ratio": baseline["test_loss"] / cnn["test_loss"] if cnn["test_loss"] > 0 else None,
        "params_ratio": cnn["params"] / baseline["params"],
        "time_ratio": cnn["train_seconds"] / baseline["train_seconds"] if baseline["train_seconds"] > 0 else None,
        "cnn_overfits_less": _final_gap(cnn) < _final_gap(baseline),
        "baseline_generalization_gap_pp": 100 * _final_gap(baseline),
        "cnn_generalization_gap_pp": 100 * _final_gap(cnn),
        "most_helped_digit": int(most_helped),
        "most_helped_gain_pp": 100 * per_class_gain[most_helped],
        "best_kernel": best_kernel,
        "worst_kernel": worst_kernel,
        "kernel_spread_pp": 100 * (best["test_accuracy"] - worst["test_accuracy"]),
        "kernel_difference_beyond_spread": differs_beyond_spread(
            best["test_accuracy"], best["test_accuracy_std"], worst["test_accuracy"], worst["test_accuracy_std"]
        ),
        "kernel_params_monotonic": _is_monotonic([kernels[size]["params"] for size in sorted(kernels)]),
        # Weight sharing, in numbers: a dense layer mapping the image to conv1's
        # output would need one weight per (pixel, output unit) pair.
        "conv1_params": conv1["params"],
        "conv1_positions": conv1_positions,
        "conv1_filters": conv1["output_shape"][2],
        "dense_equivalent_weights": dataset.x_train.shape[1] * dataset.x_train.shape[2] * conv1_positions * conv1["output_shape"][2],
    }


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
            "gap_pp": [100 * (c - b) for b, c in zip(baseline_curve, cnn_curve)],
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
        "inside": {
            "filters": len(experiments.cnn.first.probes["conv1_filters"]),
            "feature_maps_shown": len(experiments.cnn.first.probes["feature_maps"]["conv1"]),
            "test_index": experiments.cnn.first.probes["feature_maps"]["test_index"],
        },
        "epoch_order": _summarize_epoch_order(experiments.baseline, probes.fixed_order, experiments.seeds),
        "parameter_efficiency": [
            {"name": name, "params": model["params"], "test_accuracy": model["test_accuracy"],
             "test_accuracy_std": model["test_accuracy_std"]}
            for name, model in models.items()
        ],
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


def _layer(layers: list[dict], name: str) -> dict:
    return next(layer for layer in layers if layer["name"] == name)


def _is_monotonic(values: list[float]) -> bool:
    return all(a <= b for a, b in zip(values, values[1:])) or all(a >= b for a, b in zip(values, values[1:]))


def _summarize_kernel(size: int, runs: ModelRuns, model: dict) -> dict:
    shapes = {layer["name"]: layer["output_shape"] for layer in model["layers"]}
    params = {layer["name"]: layer["params"] for layer in model["layers"]}
    return {
        "kernel_size": size,
        "name": runs.name,
        "params": model["params"],
        "test_accuracy": model["test_accuracy"],
        "test_accuracy_std": model["test_accuracy_std"],
        "test_loss": model["test_loss"],
        "test_loss_std": model["test_loss_std"],
        "train_seconds": model["train_seconds"],
        "feature_maps": {name: shapes[name] for name in ("conv1", "pool1", "conv2", "pool2", "flatten")},
        "layer_params": {name: params[name] for name in ("conv1", "conv2", "hidden", "probabilities")},
        "receptive_field": receptive_field(size),
    }


def receptive_field(kernel_size: int, pool_size: int = 2) -> int:
    """Pixels (per side) of input seen by one unit after conv -> pool -> conv -> pool.

    Each layer widens the field by (window - 1) times the product of the
    strides before it.
    """
    field, jump = 1, 1
    for window, stride in ((kernel_size, 1), (pool_size, pool_size), (kernel_size, 1), (pool_size, pool_size)):
        field += (window - 1) * jump
        jump *= stride
    return field


def advantage_largest_first(gaps: list[float]) -> bool:
    """Whether the CNN's lead (CNN minus baseline, in pp, smallest training set first) is positive and largest first.

    A CNN behind the baseline on the smallest set has no advantage there, however
    large the gap: the report's "largest where data was scarcest" must not say so.
    """
    return gaps[0] > 0 and gaps[0] >= max(gaps)
