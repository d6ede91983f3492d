"""Probes of inductive bias: measurements that show what convolution assumes about images.

- Translation: accuracy on test digits shifted by 0..k pixels (measured while
  each trained model is in memory, see :func:`analysis.training.train_and_evaluate`).
- Pixel permutation: one fixed shuffle of the 784 pixels, applied to every
  image, destroys locality but no information; both models are retrained on it.
- Data efficiency: both models retrained on growing prefixes of the training set.
- Parameter efficiency: accuracy against parameter count, from the fits above.
- Epoch order: the baseline retrained with one fixed order of the training
  images in every epoch, against the protocol's reshuffling (a check on the
  protocol itself, for students comparing with their own notebooks).

The transforms here are plain numpy and exact. The probes' fits are planned
here (:func:`probe_fits`) and run with the build's others, so every probe run
is cached like the main ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from analysis.data import Dataset
from analysis.design import Design
from analysis.fits import ORIGINAL_DATA, Fit, FitResult, ModelFits, ModelSpec, TrainingSettings
from analysis.plan import plan_models

SHIFT_DIRECTIONS = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}
MAX_SHIFT = 6
# Shifted copies are evaluated on the first images of the test set: enough
# for a curve, at a fraction of the cost of 4 x 6 full test passes per model.
SHIFT_TEST_IMAGES = 1000
DATA_EFFICIENCY_SIZES = (1000, 5000, 20000)
PERMUTATION_SEED = 2024
PERMUTED_DATA = "permuted"
# Filters of the first conv layer, and channels of each conv layer's feature maps, kept for "inside the CNN".
FILTERS_SHOWN = 32
FEATURE_MAPS_SHOWN = 16


def probed_models(design: Design) -> tuple[ModelSpec, ModelSpec]:
    """The models the probes retrain: the student's baseline and main CNN, as the plan has them."""
    specs = {spec.name: spec for spec in plan_models(design)}
    return specs["baseline"], specs[design.main_name]


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
    return replace(
        dataset,
        x_train=permute_pixels(dataset.x_train, permutation),
        x_test=permute_pixels(dataset.x_test, permutation),
        sha256=permutation_sha256(dataset.sha256, seed),
    )


def shift_accuracies(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, labels: np.ndarray
) -> dict[str, list[float]]:
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

    permuted: dict[str, ModelFits]
    # Training-set size -> model name -> fits; the largest size is the design's own fits.
    by_training_size: dict[int, dict[str, ModelFits]]
    # The baseline trained with one fixed order of the training images in every epoch.
    fixed_order: ModelFits


def data_efficiency_sizes(n_train: int) -> list[int]:
    """The prefix sizes to train on: the standard ones that fit, then the full training set."""
    return [size for size in DATA_EFFICIENCY_SIZES if size < n_train] + [n_train]


def permutation_sha256(data_sha256: str, seed: int = PERMUTATION_SEED) -> str:
    """The name of the pixel-permuted form of the data whose sha256 is ``data_sha256``."""
    return hashlib.sha256(f"{data_sha256}:pixel-permutation:{seed}".encode()).hexdigest()


# What a fit can train on (:attr:`analysis.fits.Fit.data`): the data itself or a transform of it,
# how to make each from the dataset, and its sha256 from the dataset's.
DATA_TRANSFORMS: dict[str, tuple[Callable[[Dataset], Dataset], Callable[[str], str]]] = {
    ORIGINAL_DATA: (lambda dataset: dataset, lambda sha256: sha256),
    PERMUTED_DATA: (lambda dataset: permuted_dataset(dataset), permutation_sha256),
}


def transformed_dataset(dataset: Dataset, transform: str) -> Dataset:
    """``dataset`` as fits whose ``data`` is ``transform`` see it."""
    return DATA_TRANSFORMS[transform][0](dataset)


def transformed_sha256(data_sha256: str, transform: str) -> str:
    """The sha256 of the data whose sha256 is ``data_sha256`` under ``transform``, without transforming the data."""
    return DATA_TRANSFORMS[transform][1](data_sha256)


def probe_fits(settings: TrainingSettings, seeds: Sequence[int], n_train: int, design: Design) -> list[Fit]:
    """The probes' fits, seeds first: the probed models on permuted pixels, then on each smaller training set,
    then the baseline with one fixed epoch order (it trains in seconds)."""
    sizes = data_efficiency_sizes(settings.images_used(n_train))
    probed = probed_models(design)
    fits = []
    for seed in seeds:
        seeded = replace(settings, seed=seed)
        for spec in probed:
            fits.append(Fit(spec, seeded, data=PERMUTED_DATA, purpose="permuted pixels"))
        for size in sizes[:-1]:
            for spec in probed:
                fits.append(Fit(spec, replace(seeded, limit_train=size), purpose=f"{size:,} training images"))
        fits.append(Fit(probed[0], replace(seeded, reshuffle=False), purpose="one fixed epoch order"))
    return fits


def collect_probes(
    results: Mapping[Fit, FitResult],
    settings: TrainingSettings,
    seeds: Sequence[int],
    n_train: int,
    main_models: Mapping[str, ModelFits],
    design: Design,
) -> ProbeResults:
    """The probes' results, from the results of a build's fits (which include :func:`probe_fits`)."""
    sizes = data_efficiency_sizes(settings.images_used(n_train))
    probed = probed_models(design)
    permuted: dict[str, list[FitResult]] = {spec.name: [] for spec in probed}
    by_size: dict[int, dict[str, list[FitResult]]] = {size: {spec.name: [] for spec in probed} for size in sizes[:-1]}
    fixed_order: list[FitResult] = []
    for fit in probe_fits(settings, seeds, n_train, design):
        if fit.data == PERMUTED_DATA:
            permuted[fit.spec.name].append(results[fit])
        elif not fit.settings.reshuffle:
            fixed_order.append(results[fit])
        else:
            by_size[fit.settings.limit_train][fit.spec.name].append(results[fit])
    return ProbeResults(
        permuted={name: ModelFits(name, tuple(fits)) for name, fits in permuted.items()},
        by_training_size={
            **{
                size: {name: ModelFits(name, tuple(fits)) for name, fits in models.items()}
                for size, models in by_size.items()
            },
            sizes[-1]: {spec.name: main_models[spec.name] for spec in probed},
        },
        fixed_order=ModelFits(probed[0].name, tuple(fixed_order)),
    )
