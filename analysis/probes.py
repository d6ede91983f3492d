"""Probes of inductive bias: experiments that show what convolution assumes about images.

- Translation: accuracy on test digits shifted by 0..k pixels (measured while
  each trained model is in memory, see :func:`analysis.training.train_and_evaluate`).
- Pixel permutation: one fixed shuffle of the 784 pixels, applied to every
  image, destroys locality but no information; both models are retrained on it.
- Data efficiency: both models retrained on growing prefixes of the training set.
- Parameter efficiency: accuracy against parameter count, from the runs above.
- Epoch order: the baseline retrained with one fixed order of the training
  images in every epoch, against the protocol's reshuffling (a check on the
  protocol itself, for students comparing with their own notebooks).

The transforms here are plain numpy and exact; training goes through
:func:`analysis.experiments.run_experiment`, so every probe run is cached like
the main ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from analysis.cache import ResultCache
from analysis.data import Dataset
from analysis.architectures import Design
from analysis.experiments import BASELINE, ModelRuns, TrainingSettings, kernel_design, probed_models, run_experiment

SHIFT_DIRECTIONS = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}
MAX_SHIFT = 6
# Shifted copies are evaluated on the first images of the test set: enough
# for a curve, at a fraction of the cost of 4 x 6 full test passes per model.
SHIFT_TEST_IMAGES = 1000
DATA_EFFICIENCY_SIZES = (1000, 5000, 20000)
PERMUTATION_SEED = 2024
# Filters of the first conv layer, and channels of each conv layer's feature maps, kept for "inside the CNN".
FILTERS_SHOWN = 32
FEATURE_MAPS_SHOWN = 16
_PROBE_LABELS = {"permuted": "permuted pixels", "fixed order": "one fixed epoch order"}


def shift_images(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Move every image ``rows`` pixels down and ``columns`` right (negative: up/left), filling with zeros."""
    shifted = np.zeros_like(images)
    height, width = images.shape[1:3]
    if abs(rows) >= height or abs(columns) >= width:
        return shifted
    source_rows = slice(max(0, -rows), height - max(0, rows))
    source_columns = slice(max(0, -columns), width - max(0, columns))
    target_rows = slice(max(0, rows), height - max(0, -rows))
    target_columns = slice(max(0, columns), width - max(0, -columns))
    shifted[:, target_rows, target_columns] = images[:, source_rows, source_columns]
    return shifted


def make_permutation(pixels: int, seed: int = PERMUTATION_SEED) -> np.ndarray:
    """One fixed random order of the pixel positions."""
    return np.random.default_rng(seed).permutation(pixels)


def permute_pixels(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """Apply the same pixel shuffle to every image (n, h, w) -> (n, h, w)."""
    flat = images.reshape(len(images), -1)
    return flat[:, permutation].reshape(images.shape)


def permuted_dataset(dataset: Dataset, seed: int = PERMUTATION_SEED) -> Dataset:
    """The dataset with one pixel permutation applied to train and test; its hash names the permutation."""
    permutation = make_permutation(dataset.x_train.shape[1] * dataset.x_train.shape[2], seed)
    digest = hashlib.sha256(f"{dataset.sha256}:pixel-permutation:{seed}".encode()).hexdigest()
    return replace(
        dataset,
        x_train=permute_pixels(dataset.x_train, permutation),
        x_test=permute_pixels(dataset.x_test, permutation),
        sha256=digest,
    )


def shift_accuracies(predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, labels: np.ndarray) -> dict[str, list[float]]:
    """Accuracy for each direction at distances 0..MAX_SHIFT; ``predict`` maps uint8 images to digits."""
    images, labels = images[:SHIFT_TEST_IMAGES], labels[:SHIFT_TEST_IMAGES]
    unshifted = float(np.mean(predict(images) == labels))
    accuracies = {}
    for direction, (row_step, column_step) in SHIFT_DIRECTIONS.items():
        accuracies[direction] = [unshifted] + [
            float(np.mean(predict(shift_images(images, row_step * distance, column_step * distance)) == labels))
            for distance in range(1, MAX_SHIFT + 1)
        ]
    return accuracies


@dataclass(frozen=True)
class ProbeResults:
    """The retrained models of the permutation and data-efficiency probes."""

    permuted: dict[str, ModelRuns]
    # Training-set size -> model name -> runs; the largest size is the main experiment's.
    by_training_size: dict[int, dict[str, ModelRuns]]
    # The baseline trained with one fixed order of the training images in every epoch.
    fixed_order: ModelRuns


def data_efficiency_sizes(n_train: int) -> list[int]:
    """The prefix sizes to train on: the standard ones that fit, then the full training set."""
    return [size for size in DATA_EFFICIENCY_SIZES if size < n_train] + [n_train]


def run_probes(
    dataset: Dataset,
    settings: TrainingSettings,
    cache: ResultCache,
    seeds: tuple[int, ...],
    main_runs: dict[str, ModelRuns],
    design: Design | None = None,
    force: bool = False,
    echo: Callable[[str], None] = lambda message: None,
) -> ProbeResults:
    """Retrain the baseline and the main CNN on permuted pixels and on smaller training sets,
    and the baseline once more with a fixed epoch order."""
    sizes = data_efficiency_sizes(settings.images_used(dataset.n_train))
    scrambled = permuted_dataset(dataset)
    # (probe, models, data, settings); the baseline alone for the epoch order, where it trains in seconds.
    probed = probed_models(design or kernel_design())
    jobs = [("permuted", probed, scrambled, settings)] + [
        (size, probed, dataset, replace(settings, limit_train=size)) for size in sizes[:-1]
    ] + [("fixed order", probed[:1], dataset, replace(settings, reshuffle=False))]
    runs: dict[object, dict[str, list]] = {probe: {spec.name: [] for spec in specs} for probe, specs, _, _ in jobs}
    total = sum(len(specs) for _, specs, _, _ in jobs) * len(seeds)
    position = 0
    for seed in seeds:
        for probe, specs, data, probe_settings in jobs:
            for spec in specs:
                position += 1
                what = _PROBE_LABELS.get(probe) or f"{probe:,} training images"
                label = f"[probe {position}/{total}] {spec.name} seed {seed}, {what}"
                result = run_experiment(spec, data, replace(probe_settings, seed=seed), cache, force=force, echo=echo, label=label)
                runs[probe][spec.name].append(result)

    def collect(probe) -> dict[str, ModelRuns]:
        return {name: ModelRuns(name, tuple(results)) for name, results in runs[probe].items()}

    return ProbeResults(
        permuted=collect("permuted"),
        by_training_size={
            **{size: collect(size) for size in sizes[:-1]},
            sizes[-1]: {spec.name: main_runs[spec.name] for spec in probed},
        },
        fixed_order=collect("fixed order")[BASELINE.name],
    )
