"""Exploratory data analysis of MNIST: sizes, class balance, pixel statistics.

Pixel statistics come from an exact 256-bin histogram of the raw uint8 values,
so mean, standard deviation and the share of zero pixels are exact and cost
one pass over the data without a float copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.data import NUM_CLASSES, Dataset

SAMPLES_PER_CLASS = 3


@dataclass(frozen=True)
class PixelStatistics:
    """Statistics of pixel intensities after scaling to [0, 1]."""

    min: float
    max: float
    mean: float
    std: float
    zero_share: float

    def to_dict(self) -> dict:
        return {"min": self.min, "max": self.max, "mean": self.mean, "std": self.std, "zero_share": self.zero_share}


@dataclass(frozen=True)
class EdaResults:
    """Everything the EDA section shows."""

    n_train: int
    n_test: int
    class_counts_train: dict[int, int]
    class_counts_test: dict[int, int]
    train_pixels: PixelStatistics
    test_pixels: PixelStatistics
    intensity_counts: np.ndarray  # (256,) counts of each raw value in the training images
    mean_images: np.ndarray  # (10, 28, 28) mean training image per class, in [0, 1]
    sample_indices: np.ndarray  # (SAMPLES_PER_CLASS, 10) training indices, one column per class

    def to_dict(self) -> dict:
        return {
            "n_train": self.n_train,
            "n_test": self.n_test,
            "class_counts": {
                "train": {str(k): v for k, v in self.class_counts_train.items()},
                "test": {str(k): v for k, v in self.class_counts_test.items()},
            },
            "pixels": {"train": self.train_pixels.to_dict(), "test": self.test_pixels.to_dict()},
        }


def describe_dataset(dataset: Dataset) -> EdaResults:
    """Compute the EDA of the whole dataset as read from disk."""
    train_counts = np.bincount(dataset.x_train.ravel(), minlength=256)
    test_counts = np.bincount(dataset.x_test.ravel(), minlength=256)
    return EdaResults(
        n_train=dataset.n_train,
        n_test=dataset.n_test,
        class_counts_train=_class_counts(dataset.y_train),
        class_counts_test=_class_counts(dataset.y_test),
        train_pixels=_statistics_from_histogram(train_counts),
        test_pixels=_statistics_from_histogram(test_counts),
        intensity_counts=train_counts,
        mean_images=np.stack(
            [
                dataset.x_train[dataset.y_train == digit].mean(axis=0, dtype=np.float64) / 255.0
                for digit in range(NUM_CLASSES)
            ]
        ),
        sample_indices=_first_examples(dataset.y_train, SAMPLES_PER_CLASS),
    )


def _class_counts(labels: np.ndarray) -> dict[int, int]:
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    return {digit: int(counts[digit]) for digit in range(NUM_CLASSES)}


def _statistics_from_histogram(counts: np.ndarray) -> PixelStatistics:
    values = np.arange(256, dtype=np.float64) / 255.0
    total = counts.sum()
    mean = float((counts * values).sum() / total)
    variance = float((counts * (values - mean) ** 2).sum() / total)
    present = np.flatnonzero(counts)
    return PixelStatistics(
        min=float(values[present[0]]),
        max=float(values[present[-1]]),
        mean=mean,
        std=variance**0.5,
        zero_share=float(counts[0] / total),
    )


def _first_examples(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` examples of each digit (rows: example, columns: digit)."""
    columns = []
    for digit in range(NUM_CLASSES):
        indices = np.flatnonzero(labels == digit)[:per_class]
        # A tiny dataset may have fewer examples of a digit; repeat them in turn to keep the grid whole.
        columns.append(np.resize(indices, per_class))
    return np.stack(columns, axis=1)
