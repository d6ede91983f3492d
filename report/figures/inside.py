"""Inside the CNN: the first layer's learned filters, and the feature maps of one test digit."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from analysis.data import Dataset
from report.figures.mosaic import show_mosaic
from report.figures.style import WIDTH
from report.figures.svg import Image, to_image
from report.i18n import Translate


def plot_filters(filters: list) -> Image:
    kernels = np.array(filters)
    figure, axis = plt.subplots(figsize=(WIDTH * 0.7, WIDTH * 0.7 * 4 / 8))
    limit = float(np.abs(kernels).max()) or 1.0
    # A diverging map centred on zero: red weights excite, blue ones inhibit.
    show_mosaic(axis, kernels, columns=8, cmap="RdBu_r", vmin=-limit, vmax=limit)
    return to_image(figure)


def plot_feature_maps(dataset: Dataset, maps: dict, names: list[str], _: Translate) -> Image:
    # The first two conv layers (one, in a CNN with a single conv layer), under their names in the network.
    shown = [key for key in ("conv1", "conv2") if key in maps]
    figure = plt.figure(figsize=(WIDTH, 1.7 * max(2, len(shown))))
    grid = figure.add_gridspec(len(shown), 2, width_ratios=[1, 4.2])
    digit_axis = figure.add_subplot(grid[:, 0])
    digit_axis.imshow(dataset.x_test[maps["test_index"]], cmap="gray_r")
    digit_axis.set_title(_("input"), fontsize=8)
    digit_axis.axis("off")
    for row, key in enumerate(shown):
        stack = np.array(maps[key])
        # Each map on its own scale, as its filter's activations have their own range.
        peaks = stack.reshape(len(stack), -1).max(axis=1)
        normalised = stack / np.where(peaks > 0, peaks, 1.0)[:, None, None]
        axis = figure.add_subplot(grid[row, 1])
        show_mosaic(axis, normalised, columns=8, cmap="viridis", vmin=0, vmax=1)
        axis.set_title(names[row], fontsize=8, loc="left")
    return to_image(figure)
