"""report.json's "probes": translation, permutation, data and parameter efficiency, the epoch order, inside the CNN."""

from __future__ import annotations

import numpy as np

from analysis.fits import ModelFits
from analysis.plan import TrainedModels
from analysis.probes import MAX_SHIFT, SHIFT_DIRECTIONS, SHIFT_TEST_IMAGES, ProbeResults
from report.summary.spread import differs_beyond_spread

# "Still recognised" in the translation probe: the accuracy below which a shifted digit counts as lost.
SHIFT_ACCURACY_THRESHOLD = 0.9
# The shift (pixels) at which "the CNN degrades more slowly" is judged: as far as two 2x2 poolings absorb.
SMALL_SHIFT = 2


def summarize_probes(trained: TrainedModels, probes: ProbeResults, models: dict, dataset_pixels: int) -> dict:
    """Translation curves, permutation, data and parameter efficiency, with the comparisons the text needs."""
    base_name, cnn_name = trained.baseline.name, trained.cnn.name
    return {
        "translation": summarize_translation(trained, base_name, cnn_name),
        "permutation": summarize_permutation(probes.permuted, models, base_name, cnn_name, dataset_pixels),
        "data_efficiency": summarize_data_efficiency(probes.by_training_size, base_name, cnn_name),
        "inside": summarize_inside(trained.cnn.first.probes, models[cnn_name]["layers"]),
        "epoch_order": summarize_epoch_order(trained.baseline, probes.fixed_order, trained.seeds),
        "parameter_efficiency": [
            {
                "name": name,
                "params": model["params"],
                "test_accuracy": model["test_accuracy"],
                "test_accuracy_std": model["test_accuracy_std"],
            }
            for name, model in models.items()
        ],
    }


def summarize_translation(trained: TrainedModels, base_name: str, cnn_name: str) -> dict:
    """Every model's accuracy on shifted test digits, and how the CNN's lead over the baseline changes with the shift."""
    translation = {}
    for name, fits in trained.models.items():
        # (seeds, directions, distances) -> mean over directions per seed, then mean and spread over seeds.
        curves = np.array(
            [[fit.probes["shift_accuracy"][direction] for direction in SHIFT_DIRECTIONS] for fit in fits.fits]
        )
        per_seed = curves.mean(axis=1)
        translation[name] = {
            "mean": per_seed.mean(axis=0).tolist(),
            "std": per_seed.std(axis=0, ddof=1).tolist() if len(per_seed) > 1 else None,
            "by_direction": {
                direction: curves[:, index].mean(axis=0).tolist() for index, direction in enumerate(SHIFT_DIRECTIONS)
            },
        }
    baseline_curve, cnn_curve = translation[base_name]["mean"], translation[cnn_name]["mean"]
    shift_gaps = [100 * (c - b) for b, c in zip(baseline_curve, cnn_curve)]
    return {
        "distances": list(range(MAX_SHIFT + 1)),
        "directions": list(SHIFT_DIRECTIONS),
        "test_images": SHIFT_TEST_IMAGES,
        "models": translation,
        "gap_pp": shift_gaps,
        # Whether the CNN's lead grows from no shift to a small one: it loses accuracy more slowly.
        "cnn_degrades_slower": shift_gaps[SMALL_SHIFT] > shift_gaps[0],
        # The first shift at which each model keeps less than the threshold's accuracy (None: never within MAX_SHIFT).
        "threshold": SHIFT_ACCURACY_THRESHOLD,
        "baseline_below_threshold_at": next(
            (d for d, a in enumerate(baseline_curve) if a < SHIFT_ACCURACY_THRESHOLD), None
        ),
        "cnn_below_threshold_at": next((d for d, a in enumerate(cnn_curve) if a < SHIFT_ACCURACY_THRESHOLD), None),
    }


def summarize_permutation(
    permuted: dict[str, ModelFits], models: dict, base_name: str, cnn_name: str, pixels: int
) -> dict:
    """Each probed model retrained on permuted pixels against its original fits, and the CNN's edge that remains."""
    permutation = {}
    for name, permuted_fits in permuted.items():
        original, shuffled = models[name], accuracy_over_seeds(permuted_fits)
        permutation[name] = {
            "original": original["test_accuracy"],
            "original_std": original["test_accuracy_std"],
            "permuted": shuffled["test_accuracy"],
            "permuted_std": shuffled["test_accuracy_std"],
            "change_pp": 100 * (shuffled["test_accuracy"] - original["test_accuracy"]),
            "change_beyond_spread": differs_beyond_spread(
                shuffled["test_accuracy"],
                shuffled["test_accuracy_std"],
                original["test_accuracy"],
                original["test_accuracy_std"],
            ),
        }
    base, cnn = permutation[base_name], permutation[cnn_name]
    return {
        "pixels": int(pixels),
        "models": permutation,
        "cnn_still_better": cnn["permuted"] > base["permuted"],
        "cnn_edge_pp": 100 * (cnn["permuted"] - base["permuted"]),
        "cnn_edge_beyond_spread": differs_beyond_spread(
            cnn["permuted"], cnn["permuted_std"], base["permuted"], base["permuted_std"]
        ),
    }


def summarize_data_efficiency(by_size: dict[int, dict[str, ModelFits]], base_name: str, cnn_name: str) -> dict:
    """Both probed models' accuracy by training-set size, smallest first, and where the CNN's lead is largest."""
    sizes = sorted(by_size)
    efficiency = {name: [accuracy_over_seeds(by_size[size][name]) for size in sizes] for name in (base_name, cnn_name)}
    gaps = [
        100 * (c["test_accuracy"] - b["test_accuracy"]) for b, c in zip(efficiency[base_name], efficiency[cnn_name])
    ]
    return {
        "sizes": sizes,
        "models": efficiency,
        "gap_pp": gaps,
        "gap_largest_at_smallest": advantage_largest_first(gaps),
        # With a single size (a small training set) there is no trend to read.
        "single_size": len(sizes) < 2,
    }


def accuracy_over_seeds(fits: ModelFits) -> dict:
    """Test accuracy: mean and sample standard deviation over the seeds."""
    return {"test_accuracy": fits.mean("test_accuracy"), "test_accuracy_std": fits.std("test_accuracy")}


def advantage_largest_first(gaps: list[float]) -> bool:
    """Whether the CNN's lead (CNN minus baseline, in pp, smallest training set first) is positive and largest first.

    A CNN behind the baseline on the smallest set has no advantage there, however
    large the gap: the report's "largest where data was scarcest" must not say so.
    """
    return gaps[0] > 0 and gaps[0] >= max(gaps)


def summarize_inside(probes: dict, layers: list[dict]) -> dict:
    """The main CNN's first filters and feature maps: how many, of which layers (the first one or two conv layers)."""
    convs = [layer for layer in layers if layer["type"] == "conv"]
    shown = convs[: len([key for key in ("conv1", "conv2") if key in probes["feature_maps"]])]
    return {
        "filters": len(probes["conv1_filters"]),
        "feature_maps_shown": len(probes["feature_maps"]["conv1"]),
        "test_index": probes["feature_maps"]["test_index"],
        "layers": [layer["name"] for layer in shown],
        "map_sizes": [f"{layer['output_shape'][0]}×{layer['output_shape'][1]}" for layer in shown],
        # Whether a second conv layer's maps are shown beside the first's.
        "two_layers": len(shown) > 1,
    }


def summarize_epoch_order(reshuffled: ModelFits, fixed: ModelFits, seeds: tuple[int, ...]) -> dict:
    """The baseline reshuffled every epoch (the protocol) against one fixed order, per seed and over seeds."""

    def describe(fits: ModelFits) -> dict:
        return {
            "test_accuracy": fits.mean("test_accuracy"),
            "test_accuracy_std": fits.std("test_accuracy"),
            "test_loss": fits.mean("test_loss"),
            "test_loss_std": fits.std("test_loss"),
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
            repeated["test_accuracy"],
            repeated["test_accuracy_std"],
            protocol["test_accuracy"],
            protocol["test_accuracy_std"],
        ),
        "per_seed": [
            {
                "seed": seed,
                "reshuffled_test_accuracy": a.test_accuracy,
                "fixed_test_accuracy": b.test_accuracy,
                "reshuffled_test_loss": a.test_loss,
                "fixed_test_loss": b.test_loss,
            }
            for seed, a, b in zip(seeds, reshuffled.fits, fixed.fits)
        ],
    }
