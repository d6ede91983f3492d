"""Baseline versus CNN: learning curves, confusion matrices, and the CNN's most confident mistakes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from analysis.data import Dataset
from analysis.fits import FitResult
from report.figures.style import MIN_FONT_SIZE, WIDTH, ModelLooks
from report.figures.svg import Image, to_image
from report.i18n import NumberFormat, Translate

MISCLASSIFIED_SHOWN = 12


def plot_learning_curves(models: Mapping, looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    """Accuracy and loss per epoch, training and validation: the summary's mean over seeds, banded by the seeds' range."""
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(WIDTH, 2.7))
    splits = {"train": _("train"), "validation": _("validation")}
    for name in looks.probed:
        model = models[name]
        colour, label, marker = looks.colour(name), looks.name(name), looks.marker(name)
        for key, axis, style in (
            ("accuracy", accuracy_axis, "train"),
            ("val_accuracy", accuracy_axis, "validation"),
            ("loss", loss_axis, "train"),
            ("val_loss", loss_axis, "validation"),
        ):
            if key not in model["history"]:
                continue
            mean = np.array(model["history"][key])
            epochs = np.arange(1, len(mean) + 1)
            validation = style == "validation"
            # Markers on both, open for training: with a single epoch there is no line to tell them apart.
            axis.plot(
                epochs,
                mean,
                color=colour,
                linestyle="-" if validation else "--",
                marker=marker,
                markersize=3.5,
                markerfacecolor=colour if validation else "white",
                label=f"{label}, {splits[style]}",
            )
            seeds = np.array([seed["history"][key] for seed in model["per_seed"]])
            if len(seeds) > 1:
                # The band spans the seeds' lowest to highest value at each epoch.
                axis.fill_between(epochs, seeds.min(axis=0), seeds.max(axis=0), color=colour, alpha=0.15, linewidth=0)
            # Whole epochs only: a default locator invents fractional ones, around a single epoch most of all.
            axis.xaxis.set_major_locator(
                ticker.FixedLocator(epochs) if len(epochs) <= 12 else ticker.MaxNLocator(integer=True)
            )
    accuracy_axis.set_title(_("accuracy"))
    loss_axis.set_title(_("cross-entropy loss"))
    for axis in (accuracy_axis, loss_axis):
        axis.set_xlabel(_("epoch"))
    handles, labels = accuracy_axis.get_legend_handles_labels()
    figure.legend(handles, labels, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    figure.tight_layout(rect=(0, 0.17, 1, 1))
    return to_image(figure, numbers)


def plot_confusion_matrices(models: Mapping, looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    """The summary's confusion matrices (each model's first seed) of the baseline and the main CNN, side by side."""
    figure, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.4))
    for axis, name in zip(axes, looks.probed):
        _draw_confusion_matrix(axis, np.array(models[name]["confusion_matrix"], dtype=np.int64), _)
        axis.set_title(looks.name(name))
    axes[1].set_ylabel("")
    figure.tight_layout(w_pad=1.0)
    return to_image(figure, numbers)


def _draw_confusion_matrix(axis: plt.Axes, matrix: np.ndarray, _: Translate) -> None:
    # Shade mistakes, not the diagonal: on MNIST the diagonal would wash out every other cell.
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    shades = plt.get_cmap("Reds")
    scale = matplotlib.colors.Normalize(vmin=0, vmax=max(1, off_diagonal.max()))
    axis.imshow(off_diagonal, cmap=shades, norm=scale)
    for (row, column), count in np.ndenumerate(matrix):
        if not count:
            continue
        if row == column:
            colour, weight = "#333333", "normal"
        else:
            # Each count in whichever of black and white contrasts more with its cell.
            colour, weight = ink_on(shades(scale(count))), "bold"
        axis.text(
            column, row, str(count), ha="center", va="center", fontsize=MIN_FONT_SIZE, color=colour, fontweight=weight
        )
    axis.set_xticks(range(10))
    axis.set_yticks(range(10))
    axis.tick_params(length=0)
    axis.set_xlabel(_("predicted digit"))
    axis.set_ylabel(_("true digit"))
    axis.grid(False)


def ink_on(background: tuple[float, ...]) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio against the RGB(A) ``background``."""
    channels = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in background[:3]]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def misclassified_indices(true_labels: np.ndarray, result: FitResult, limit: int = MISCLASSIFIED_SHOWN) -> np.ndarray:
    """The test images the model got wrong, most confident mistakes first."""
    wrong = np.flatnonzero(result.test_predictions != true_labels)
    order = np.argsort(-result.test_confidence[wrong], kind="stable")
    return wrong[order][:limit]


def plot_misclassified(dataset: Dataset, result: FitResult, _: Translate, numbers: NumberFormat) -> Image:
    """The most confident mistakes of one fit (the main CNN's first seed): its predictions are not in report.json."""
    indices = misclassified_indices(dataset.y_test, result)
    columns = 6
    rows = max(1, int(np.ceil(len(indices) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(WIDTH, 1.3 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, indices):
        axis.imshow(dataset.x_test[index], cmap="gray_r", vmin=0, vmax=255)
        title = _("true %(true)s, pred %(predicted)s\n(%(confidence)s sure)") % {
            "true": dataset.y_test[index],
            "predicted": result.test_predictions[index],
            "confidence": numbers.percent(result.test_confidence[index], 0),
        }
        axis.set_title(title, fontsize=MIN_FONT_SIZE, pad=2)
    return to_image(figure, numbers)
