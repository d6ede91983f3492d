"""The report's figures, drawn with matplotlib and returned as embeddable PNG data URIs.

All figures share one style (:data:`_STYLE`): sizes in inches that fit an A4
text column, fonts readable in print, and a colour per model that stays the
same from figure to figure.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # Never open a window, even where a display exists.

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from analysis.data import Dataset  # noqa: E402
from analysis.eda import EdaResults  # noqa: E402
from analysis.experiments import ExperimentResults, ModelResult, ModelRuns, confusion_matrix  # noqa: E402

_DPI = 200
_WIDTH = 6.3  # inches: the A4 text column at the report's margins
_STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": _DPI,
    "savefig.dpi": _DPI,
    "savefig.bbox": "tight",
}
COLOURS = {
    "baseline": "#d95f02",
    "cnn": "#1b9e77",
    "train": "#7570b3",
    "test": "#e7298a",
    "cnn_k3": "#1b9e77",
    "cnn_k5": "#386cb0",
    "cnn_k7": "#a6761d",
}
MISCLASSIFIED_SHOWN = 12


@dataclass(frozen=True)
class Figures:
    """Every figure as a ``data:image/png;base64,...`` URI, ready for an ``<img src>``."""

    class_counts: str
    samples: str
    mean_images: str
    intensity_histogram: str
    learning_curves: str
    confusion_matrix: str
    misclassified: str
    kernel_sizes: str


def make_figures(dataset: Dataset, eda: EdaResults, experiments: ExperimentResults) -> Figures:
    """Draw every figure of the report."""
    with plt.rc_context(_STYLE):
        return Figures(
            class_counts=_plot_class_counts(eda),
            samples=_plot_samples(dataset, eda),
            mean_images=_plot_mean_images(eda),
            intensity_histogram=_plot_intensity_histogram(eda),
            learning_curves=_plot_learning_curves(experiments),
            confusion_matrix=_plot_confusion_matrices(dataset.y_test, experiments),
            misclassified=_plot_misclassified(dataset, experiments.cnn.first),
            kernel_sizes=_plot_kernel_sizes(experiments),
        )


def misclassified_indices(true_labels: np.ndarray, result: ModelResult, limit: int = MISCLASSIFIED_SHOWN) -> np.ndarray:
    """The test images the model got wrong, most confident mistakes first."""
    wrong = np.flatnonzero(result.test_predictions != true_labels)
    order = np.argsort(-result.test_confidence[wrong], kind="stable")
    return wrong[order][:limit]


def _to_data_uri(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plot_class_counts(eda: EdaResults) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.4))
    digits = np.arange(10)
    width = 0.4
    axis.bar(digits - width / 2, list(eda.class_counts_train.values()), width, label=f"train ({eda.n_train:,})", color=COLOURS["train"])
    axis.bar(digits + width / 2, list(eda.class_counts_test.values()), width, label=f"test ({eda.n_test:,})", color=COLOURS["test"])
    axis.set_xticks(digits)
    axis.set_xlabel("digit")
    axis.set_ylabel("images")
    axis.grid(axis="x", visible=False)
    axis.legend(frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, 1.15))
    return _to_data_uri(figure)


def _plot_samples(dataset: Dataset, eda: EdaResults) -> str:
    rows, columns = eda.sample_indices.shape
    figure, axes = plt.subplots(rows, columns, figsize=(_WIDTH, _WIDTH * rows / columns * 1.12))
    for (row, column), axis in np.ndenumerate(axes):
        index = eda.sample_indices[row, column]
        axis.imshow(dataset.x_train[index], cmap="gray_r", vmin=0, vmax=255)
        axis.set_title(f"{dataset.y_train[index]}", fontsize=8, pad=2)
        axis.axis("off")
    return _to_data_uri(figure)


def _plot_mean_images(eda: EdaResults) -> str:
    figure, axes = plt.subplots(1, 10, figsize=(_WIDTH, _WIDTH / 10 * 1.25))
    for digit, axis in enumerate(axes):
        axis.imshow(eda.mean_images[digit], cmap="magma", vmin=0, vmax=1)
        axis.set_title(str(digit), fontsize=8, pad=2)
        axis.axis("off")
    return _to_data_uri(figure)


def _plot_intensity_histogram(eda: EdaResults) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.2))
    values = np.arange(256) / 255.0
    axis.bar(values, eda.intensity_counts, width=1 / 255.0, color=COLOURS["train"], linewidth=0)
    axis.set_yscale("log")
    axis.set_xlim(-0.01, 1.01)
    axis.set_xlabel("pixel intensity after scaling to [0, 1]")
    axis.set_ylabel("pixels (log scale)")
    axis.grid(axis="x", visible=False)
    return _to_data_uri(figure)


def _plot_learning_curves(experiments: ExperimentResults) -> str:
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(_WIDTH, 2.5))
    for runs, colour, label in ((experiments.baseline, COLOURS["baseline"], "baseline"), (experiments.cnn, COLOURS["cnn"], "CNN 3×3")):
        for key, axis, style in (("accuracy", accuracy_axis, "train"), ("val_accuracy", accuracy_axis, "validation"),
                                 ("loss", loss_axis, "train"), ("val_loss", loss_axis, "validation")):
            if key not in runs.first.history:
                continue
            curves = np.array([run.history[key] for run in runs.runs])
            epochs = np.arange(1, curves.shape[1] + 1)
            validation = style == "validation"
            axis.plot(epochs, curves.mean(axis=0), color=colour, linestyle="-" if validation else "--",
                      marker="o" if validation else None, markersize=3, label=f"{label}, {style}")
            if len(curves) > 1:
                # The band spans the seeds' lowest to highest value at each epoch.
                axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.15, linewidth=0)
    accuracy_axis.set_title("accuracy")
    loss_axis.set_title("cross-entropy loss")
    for axis in (accuracy_axis, loss_axis):
        axis.set_xlabel("epoch")
        axis.xaxis.get_major_locator().set_params(integer=True)
    handles, labels = accuracy_axis.get_legend_handles_labels()
    figure.legend(handles, labels, frameon=False, ncols=4, loc="lower center", bbox_to_anchor=(0.5, -0.08))
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return _to_data_uri(figure)


def _plot_confusion_matrices(true_labels: np.ndarray, experiments: ExperimentResults) -> str:
    figure, axes = plt.subplots(1, 2, figsize=(_WIDTH, 3.3))
    for axis, runs, title in ((axes[0], experiments.baseline, "baseline"), (axes[1], experiments.cnn, "CNN 3×3")):
        _draw_confusion_matrix(axis, confusion_matrix(true_labels, runs.first.test_predictions))
        axis.set_title(title)
    axes[1].set_ylabel("")
    figure.tight_layout()
    return _to_data_uri(figure)


def _draw_confusion_matrix(axis: plt.Axes, matrix: np.ndarray) -> None:
    # Shade mistakes, not the diagonal: on MNIST the diagonal would wash out every other cell.
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    axis.imshow(off_diagonal, cmap="Reds", vmin=0, vmax=max(1, off_diagonal.max()))
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            diagonal = row == column
            axis.text(column, row, str(count), ha="center", va="center", fontsize=4.5 if diagonal else 6,
                      color="#555555" if diagonal else "black", fontweight="normal" if diagonal else "bold")
    axis.set_xticks(range(10))
    axis.set_yticks(range(10))
    axis.set_xlabel("predicted digit")
    axis.set_ylabel("true digit")
    axis.grid(False)


def _plot_misclassified(dataset: Dataset, result: ModelResult) -> str:
    indices = misclassified_indices(dataset.y_test, result)
    columns = 6
    rows = max(1, int(np.ceil(len(indices) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(_WIDTH, 1.25 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, indices):
        axis.imshow(dataset.x_test[index], cmap="gray_r", vmin=0, vmax=255)
        axis.set_title(
            f"true {dataset.y_test[index]}, pred {result.test_predictions[index]}\n({result.test_confidence[index]:.0%} sure)",
            fontsize=7,
            pad=2,
        )
    return _to_data_uri(figure)


def _plot_kernel_sizes(experiments: ExperimentResults) -> str:
    sizes = [size for size, _ in experiments.kernel_results()]
    models: list[ModelRuns] = [runs for _, runs in experiments.kernel_results()]
    figure, accuracy_axis = plt.subplots(figsize=(_WIDTH, 2.4))
    spreads = [100 * (runs.std("test_accuracy") or 0.0) for runs in models]
    accuracy_axis.errorbar(sizes, [100 * runs.mean("test_accuracy") for runs in models], yerr=spreads, marker="o",
                           capsize=3, color=COLOURS["cnn"], label="test accuracy")
    accuracy_axis.set_xlabel("kernel size (k × k)")
    accuracy_axis.set_ylabel("test accuracy (%)", color=COLOURS["cnn"])
    accuracy_axis.set_xticks(sizes)
    params_axis = accuracy_axis.twinx()
    params_axis.bar(sizes, [runs.params / 1000 for runs in models], width=0.6, alpha=0.25, color=COLOURS["baseline"], label="parameters")
    params_axis.set_ylabel("parameters (thousands)", color=COLOURS["baseline"])
    params_axis.set_ylim(0, max(runs.params for runs in models) / 1000 * 1.25)
    params_axis.grid(False)
    params_axis.spines["right"].set_visible(True)
    # Draw the accuracy line above the bars.
    accuracy_axis.set_zorder(params_axis.get_zorder() + 1)
    accuracy_axis.patch.set_visible(False)
    return _to_data_uri(figure)
