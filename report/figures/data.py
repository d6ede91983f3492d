"""The data section's figures: images per digit, sample digits, the mean digits, and the pixel intensities."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from analysis.data import Dataset
from analysis.eda import EdaResults
from report.figures.mosaic import GAP, show_mosaic
from report.figures.style import COLOURS, WIDTH, legend_above
from report.figures.svg import Image, to_image
from report.i18n import NumberFormat, Translate


def plot_class_counts(data: Mapping, _: Translate, numbers: NumberFormat) -> Image:
    """Images per digit, training and test side by side, from the summary's "dataset" block."""
    figure, axis = plt.subplots(figsize=(WIDTH, 2.4))
    digits = np.arange(10)
    width = 0.4
    train_label = _("train (%(count)s)") % {"count": numbers.integer(data["n_train"])}
    test_label = _("test (%(count)s)") % {"count": numbers.integer(data["n_test"])}
    counts = data["class_counts"]
    axis.bar(digits - width / 2, list(counts["train"].values()), width, label=train_label, color=COLOURS["train"])
    axis.bar(digits + width / 2, list(counts["test"].values()), width, label=test_label, color=COLOURS["test"])
    axis.set_xticks(digits)
    axis.set_xlabel(_("digit"))
    axis.set_ylabel(_("images"))
    axis.grid(axis="x", visible=False)
    legend_above(axis)
    return to_image(figure, numbers)


def plot_samples(dataset: Dataset, eda: EdaResults) -> Image:
    rows, columns = eda.sample_indices.shape
    figure, axis = plt.subplots(figsize=(WIDTH, WIDTH * rows / columns * 1.1))
    # One image of all samples, column by column, draws far faster than one axis per digit.
    images = dataset.x_train[eda.sample_indices.T.ravel()].reshape(columns, rows, 28, 28).transpose(1, 0, 2, 3)
    show_mosaic(axis, images.reshape(-1, 28, 28), columns, cmap="gray_r", vmin=0, vmax=255)
    labels = dataset.y_train[eda.sample_indices[0]]
    axis.set_xticks([(28 + GAP) * column + 13.5 for column in range(columns)], [str(label) for label in labels])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return to_image(figure)


def plot_mean_images(eda: EdaResults) -> Image:
    digits = len(eda.mean_images)
    figure, axis = plt.subplots(figsize=(WIDTH, WIDTH / digits * 1.25))
    show_mosaic(axis, eda.mean_images, digits, cmap="magma", vmin=0, vmax=1)
    axis.set_xticks([(28 + GAP) * digit + 13.5 for digit in range(digits)], [str(digit) for digit in range(digits)])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return to_image(figure)


def plot_intensity_histogram(eda: EdaResults, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(WIDTH, 2.2))
    values = np.arange(256) / 255.0
    edges = np.append(values, 1.0 + 1 / 255.0) - 0.5 / 255.0
    axis.stairs(eda.intensity_counts, edges, fill=True, color=COLOURS["train"])
    axis.set_yscale("log")
    axis.set_xlim(-0.01, 1.01)
    axis.set_xlabel(_("pixel intensity after scaling to [0, 1]"))
    axis.set_ylabel(_("pixels (log scale)"))
    axis.grid(axis="x", visible=False)
    return to_image(figure, numbers)
