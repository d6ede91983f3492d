"""The probes' mechanics on tiny arrays: exact shifts, true permutations, the right training sizes."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.data import load_dataset
from analysis.probes import (
    MAX_SHIFT,
    SHIFT_DIRECTIONS,
    data_efficiency_sizes,
    make_permutation,
    permute_pixels,
    permuted_dataset,
    shift_accuracies,
    shift_images,
)
from report.summary.probes import advantage_largest_first


def test_shift_moves_pixels_exactly_and_fills_with_zeros():
    images = np.arange(1, 26, dtype=np.uint8).reshape(1, 5, 5)
    down_right = shift_images(images, 1, 2)
    np.testing.assert_array_equal(down_right[0, 1:, 2:], images[0, :-1, :-2])
    assert not down_right[0, 0, :].any() and not down_right[0, :, :2].any()
    up_left = shift_images(images, -2, -1)
    np.testing.assert_array_equal(up_left[0, :-2, :-1], images[0, 2:, 1:])
    assert not up_left[0, -2:, :].any() and not up_left[0, :, -1].any()


def test_shift_by_zero_is_identity_and_beyond_the_image_is_blank():
    images = np.random.default_rng(0).integers(0, 255, (3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(shift_images(images, 0, 0), images)
    assert not shift_images(images, 28, 0).any()
    assert not shift_images(images, 0, -30).any()


@pytest.mark.parametrize("rows, columns", [(3, 0), (0, -4), (2, 2)])
def test_shift_keeps_ink_that_stays_inside(rows, columns):
    images = np.zeros((1, 28, 28), np.uint8)
    images[0, 10:15, 10:15] = 200  # a centred blob, far from the border
    shifted = shift_images(images, rows, columns)
    assert shifted.sum() == images.sum()
    assert shifted[0, 10 + rows, 10 + columns] == 200


def test_permutation_is_a_fixed_permutation_of_all_pixels():
    permutation = make_permutation(784)
    assert sorted(permutation.tolist()) == list(range(784))
    np.testing.assert_array_equal(permutation, make_permutation(784))
    assert not np.array_equal(permutation, np.arange(784))


def test_permuted_images_hold_the_same_pixels_in_the_same_new_order():
    images = np.random.default_rng(1).integers(0, 255, (4, 28, 28), dtype=np.uint8)
    permutation = make_permutation(784)
    permuted = permute_pixels(images, permutation)
    for original, scrambled in zip(images, permuted):
        assert sorted(original.ravel().tolist()) == sorted(scrambled.ravel().tolist())
        np.testing.assert_array_equal(scrambled.ravel(), original.ravel()[permutation])
    inverse = np.argsort(permutation)
    np.testing.assert_array_equal(permute_pixels(permuted, inverse), images)


def test_permuted_dataset_keeps_labels_and_gets_its_own_hash(tiny_npz):
    dataset = load_dataset(tiny_npz)
    scrambled = permuted_dataset(dataset)
    np.testing.assert_array_equal(scrambled.y_train, dataset.y_train)
    assert scrambled.sha256 != dataset.sha256 and len(scrambled.sha256) == 64
    assert not np.array_equal(scrambled.x_test, dataset.x_test)
    assert scrambled.x_test.sum() == dataset.x_test.sum()


def test_shift_accuracies_call_the_model_on_every_shift():
    labels = np.arange(10) % 10
    images = np.zeros((10, 28, 28), np.uint8)
    images[np.arange(10), 14, 14] = 255  # a dot at the centre; "prediction" reads whether it is still there
    accuracies = shift_accuracies(lambda batch: np.where(batch[:, 14, 14] > 0, labels, -1), images, labels)
    assert set(accuracies) == set(SHIFT_DIRECTIONS)
    for curve in accuracies.values():
        assert curve == [1.0] + [0.0] * MAX_SHIFT


def test_data_efficiency_sizes_end_with_the_full_set():
    assert data_efficiency_sizes(54000) == [1000, 5000, 20000, 54000]
    assert data_efficiency_sizes(1500) == [1000, 1500]
    assert data_efficiency_sizes(800) == [800]


def test_the_cnn_advantage_is_called_largest_first_only_when_it_is_a_lead():
    assert advantage_largest_first([5.50, 3.98, 1.77, 1.16])
    # Behind the baseline at 1,000 images (a 3,000-image, 1-epoch build): a large gap, but no advantage.
    assert not advantage_largest_first([-12.15, 5.39])
    assert not advantage_largest_first([1.0, 2.5, 1.2])
