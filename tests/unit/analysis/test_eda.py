"""The EDA against independent truths: MNIST's published class counts and pixel statistics, and a dataset built to
known statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.data import Dataset, load_dataset
from analysis.eda import describe_dataset
from report.summary.dataset import classes_balanced

from mnist_files import make_arrays

# MNIST's training and test images per digit, as published with the dataset (LeCun, Cortes and Burges).
PUBLISHED_TRAIN_COUNTS = {0: 5923, 1: 6742, 2: 5958, 3: 6131, 4: 5842, 5: 5421, 6: 5918, 7: 6265, 8: 5851, 9: 5949}
PUBLISHED_TEST_COUNTS = {0: 980, 1: 1135, 2: 1032, 3: 1010, 4: 982, 5: 892, 6: 958, 7: 1028, 8: 974, 9: 1009}
# The mean and standard deviation of the training pixels scaled to [0, 1], as every MNIST tutorial normalises with.
# The standard deviation is quoted as computed in float32; over all 47 million pixels in float64 it is 0.30824, so
# it is checked to 2e-4: close enough to tell it from the per-image figure (0.3014) or the test set's (0.3105).
PUBLISHED_PIXEL_MEAN, PUBLISHED_PIXEL_STD = 0.1307, 0.3081


# --- Test loss and accuracy: Keras's own evaluate on the same trained model ---------------------------------


# --- EDA: the real MNIST against its published figures --------------------------------------------------------


@pytest.fixture(scope="module")
def real_dataset(real_mnist) -> Dataset:
    return load_dataset(real_mnist)


@pytest.fixture(scope="module")
def real_eda(real_dataset):
    return describe_dataset(real_dataset)


def test_class_counts_are_mnists_published_ones(real_eda):
    assert real_eda.class_counts_train == PUBLISHED_TRAIN_COUNTS
    assert real_eda.class_counts_test == PUBLISHED_TEST_COUNTS
    assert (real_eda.n_train, real_eda.n_test) == (60_000, 10_000)
    assert classes_balanced(real_eda.class_counts_train)  # 6,742 ones against 5,421 fives


def test_pixel_statistics_are_mnists_published_ones(real_eda, real_dataset):
    pixels = real_eda.train_pixels
    assert pixels.mean == pytest.approx(PUBLISHED_PIXEL_MEAN, abs=1e-4)
    assert pixels.std == pytest.approx(PUBLISHED_PIXEL_STD, abs=2e-4)
    # And exactly what numpy computes from the float64 pixels (the EDA works from a histogram instead).
    for split, statistics in (("train", pixels), ("test", real_eda.test_pixels)):
        scaled = getattr(real_dataset, f"x_{split}").astype(np.float64) / 255.0
        assert statistics.mean == pytest.approx(scaled.mean(), rel=1e-12)
        assert statistics.std == pytest.approx(scaled.std(), rel=1e-12)
    assert (pixels.min, pixels.max) == (0.0, 1.0)
    assert 0.75 < pixels.zero_share < 0.85  # most of each image is blank background
    assert real_eda.intensity_counts.sum() == 60_000 * 28 * 28


# --- EDA: a dataset whose statistics are known by construction ------------------------------------------------


def test_eda_of_a_dataset_built_to_known_statistics():
    arrays = make_arrays(n_train=20, n_test=10)
    x_train = np.zeros((20, 28, 28), np.uint8)
    x_train[1::2] = 255  # half the images blank, half white: mean 0.5, std 0.5, half the pixels zero
    x_test = np.full((10, 28, 28), 51, np.uint8)  # every pixel 0.2
    y_train = (np.arange(20) % 10).astype(np.uint8)  # digit d at images d and d + 10: one blank, one white if d is odd
    dataset = Dataset(x_train, y_train, x_test, arrays["y_test"], Path("/x.npz"), "npz", "0" * 64)
    eda = describe_dataset(dataset)
    train, test = eda.train_pixels, eda.test_pixels
    assert (train.mean, train.std, train.zero_share, train.min, train.max) == (0.5, 0.5, 0.5, 0.0, 1.0)
    assert (test.mean, test.std, test.zero_share) == (pytest.approx(0.2), pytest.approx(0.0), 0.0)
    assert (test.min, test.max) == (pytest.approx(0.2), pytest.approx(0.2))
    assert eda.intensity_counts[0] == eda.intensity_counts[255] == 10 * 784 and eda.intensity_counts.sum() == 20 * 784
    assert eda.class_counts_train == {digit: 2 for digit in range(10)}
    assert eda.class_counts_test == {digit: 1 for digit in range(10)}
    # Even digits are blank in both their images; odd digits are white in both.
    assert eda.mean_images.shape == (10, 28, 28)
    assert eda.mean_images[0].max() == 0.0 and eda.mean_images[1].min() == 1.0
    # The first three examples of each digit; a digit with two examples shows them again in turn.
    assert eda.sample_indices.shape == (3, 10)
    assert eda.sample_indices[:, 4].tolist() == [4, 14, 4]
    summary = eda.to_dict()
    assert summary["class_counts"]["train"]["7"] == 2 and summary["pixels"]["test"]["zero_share"] == 0.0


# --- Parameter counts: Keras's count against hand formulas ----------------------------------------------------


# The course's CNN with odd kernel sizes up to the largest its 28 x 28 input allows ('valid' padding, two 2x2 pools).
