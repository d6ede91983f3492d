"""The report's figures, drawn with matplotlib and returned as embeddable PNG data URIs.

All figures share one style (:data:`_STYLE`): sizes in inches that fit an A4
text column, fonts readable in print, and a colour per model that stays the
same from figure to figure. Every word on a figure goes through the report
language's translator, always called ``_`` with a literal English string so
that the tests can find every msgid; numbers follow the language's format,
tick labels included.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # Never open a window, even where a display exists.

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from analysis.data import Dataset  # noqa: E402
from analysis.eda import EdaResults  # noqa: E402
from analysis.experiments import ExperimentResults, ModelResult, ModelRuns, confusion_matrix  # noqa: E402
from report.i18n import NumberFormat, Translate, number_format, translator  # noqa: E402

_DPI = 150
_GAP = 2  # blank pixels between the images of a mosaic
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
    translation: str
    permutation: str
    data_efficiency: str
    parameter_efficiency: str
    filters: str
    feature_maps: str


def make_figures(
    dataset: Dataset, eda: EdaResults, experiments: ExperimentResults, summary: dict, lang: str = "en"
) -> Figures:
    """Draw every figure of the report, its words and numbers in ``lang``; the probes' come from ``summary``."""
    _ = translator(lang)
    numbers = number_format(lang)
    probes = summary["probes"]
    inside = experiments.cnn.first.probes
    with plt.rc_context(_STYLE):
        return Figures(
            class_counts=_plot_class_counts(eda, _, numbers),
            samples=_plot_samples(dataset, eda),
            mean_images=_plot_mean_images(eda),
            intensity_histogram=_plot_intensity_histogram(eda, _, numbers),
            learning_curves=_plot_learning_curves(experiments, _, numbers),
            confusion_matrix=_plot_confusion_matrices(dataset.y_test, experiments, _, numbers),
            misclassified=_plot_misclassified(dataset, experiments.cnn.first, _, numbers),
            kernel_sizes=_plot_kernel_sizes(experiments, _, numbers),
            translation=_plot_translation(probes["translation"], _, numbers),
            permutation=_plot_permutation(probes["permutation"], _, numbers),
            data_efficiency=_plot_data_efficiency(probes["data_efficiency"], _, numbers),
            parameter_efficiency=_plot_parameter_efficiency(probes["parameter_efficiency"], _, numbers),
            filters=_plot_filters(inside["conv1_filters"]),
            feature_maps=_plot_feature_maps(dataset, inside["feature_maps"], _),
        )


def misclassified_indices(true_labels: np.ndarray, result: ModelResult, limit: int = MISCLASSIFIED_SHOWN) -> np.ndarray:
    """The test images the model got wrong, most confident mistakes first."""
    wrong = np.flatnonzero(result.test_predictions != true_labels)
    order = np.argsort(-result.test_confidence[wrong], kind="stable")
    return wrong[order][:limit]


class _LocalizedFormatter(ticker.Formatter):
    """Wraps a tick formatter and writes its numbers with the language's decimal point."""

    def __init__(self, inner: ticker.Formatter, decimal_point: str):
        self.inner = inner
        self._decimal_point = decimal_point

    def _localize(self, label: str) -> str:
        # Mathtext spaces a bare comma as punctuation; in braces it stays a decimal separator.
        point = "{" + self._decimal_point + "}" if "$" in label else self._decimal_point
        return label.replace(".", point)

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None):
        return self._localize(self.inner(x, pos))

    def format_ticks(self, values):
        return [self._localize(label) for label in self.inner.format_ticks(values)]

    def get_offset(self):
        return self._localize(self.inner.get_offset())


def _to_data_uri(figure: plt.Figure, numbers: NumberFormat | None = None) -> str:
    """The figure as a PNG data URI; with ``numbers``, its tick labels use that language's decimal point."""
    if numbers is not None and numbers.decimal_point != ".":
        # Explicit labels (fixed formatters) are left as drawn; shared axes share a formatter, wrapped once.
        for axis in figure.axes:
            for scale in (axis.xaxis, axis.yaxis):
                for get, put in ((scale.get_major_formatter, scale.set_major_formatter),
                                 (scale.get_minor_formatter, scale.set_minor_formatter)):
                    formatter = get()
                    if not isinstance(formatter, (ticker.FixedFormatter, ticker.NullFormatter, _LocalizedFormatter)):
                        put(_LocalizedFormatter(formatter, numbers.decimal_point))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plot_class_counts(eda: EdaResults, _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.4))
    digits = np.arange(10)
    width = 0.4
    train_label = _("train (%(count)s)") % {"count": numbers.integer(eda.n_train)}
    test_label = _("test (%(count)s)") % {"count": numbers.integer(eda.n_test)}
    axis.bar(digits - width / 2, list(eda.class_counts_train.values()), width, label=train_label, color=COLOURS["train"])
    axis.bar(digits + width / 2, list(eda.class_counts_test.values()), width, label=test_label, color=COLOURS["test"])
    axis.set_xticks(digits)
    axis.set_xlabel(_("digit"))
    axis.set_ylabel(_("images"))
    axis.grid(axis="x", visible=False)
    axis.legend(frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, 1.15))
    return _to_data_uri(figure, numbers)


def _plot_samples(dataset: Dataset, eda: EdaResults) -> str:
    rows, columns = eda.sample_indices.shape
    figure, axis = plt.subplots(figsize=(_WIDTH, _WIDTH * rows / columns * 1.1))
    # One image of all samples, column by column, draws far faster than one axis per digit.
    images = dataset.x_train[eda.sample_indices.T.ravel()].reshape(columns, rows, 28, 28).transpose(1, 0, 2, 3)
    _show_mosaic(axis, images.reshape(-1, 28, 28), columns, cmap="gray_r", vmin=0, vmax=255)
    labels = dataset.y_train[eda.sample_indices[0]]
    axis.set_xticks([(28 + _GAP) * column + 13.5 for column in range(columns)], [str(label) for label in labels])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return _to_data_uri(figure)


def _show_mosaic(axis: plt.Axes, images: np.ndarray, columns: int, **imshow_options) -> None:
    """Tile (n, h, w) images into one picture, ``columns`` wide, separated by blank gaps."""
    count, height, width = images.shape
    rows = int(np.ceil(count / columns))
    mosaic = np.full((rows * (height + _GAP) - _GAP, columns * (width + _GAP) - _GAP), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        mosaic[row * (height + _GAP) : row * (height + _GAP) + height, column * (width + _GAP) : column * (width + _GAP) + width] = image
    colours = plt.get_cmap(imshow_options.pop("cmap")).copy()
    colours.set_bad("white")
    axis.imshow(mosaic, cmap=colours, interpolation="nearest", **imshow_options)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.grid(False)
    for spine in axis.spines.values():
        spine.set_visible(False)


def _plot_mean_images(eda: EdaResults) -> str:
    digits = len(eda.mean_images)
    figure, axis = plt.subplots(figsize=(_WIDTH, _WIDTH / digits * 1.25))
    _show_mosaic(axis, eda.mean_images, digits, cmap="magma", vmin=0, vmax=1)
    axis.set_xticks([(28 + _GAP) * digit + 13.5 for digit in range(digits)], [str(digit) for digit in range(digits)])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return _to_data_uri(figure)


def _plot_intensity_histogram(eda: EdaResults, _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.2))
    values = np.arange(256) / 255.0
    edges = np.append(values, 1.0 + 1 / 255.0) - 0.5 / 255.0
    axis.stairs(eda.intensity_counts, edges, fill=True, color=COLOURS["train"])
    axis.set_yscale("log")
    axis.set_xlim(-0.01, 1.01)
    axis.set_xlabel(_("pixel intensity after scaling to [0, 1]"))
    axis.set_ylabel(_("pixels (log scale)"))
    axis.grid(axis="x", visible=False)
    return _to_data_uri(figure, numbers)


def _plot_learning_curves(experiments: ExperimentResults, _: Translate, numbers: NumberFormat) -> str:
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(_WIDTH, 2.5))
    splits = {"train": _("train"), "validation": _("validation")}
    for runs, colour, label in ((experiments.baseline, COLOURS["baseline"], _("baseline")), (experiments.cnn, COLOURS["cnn"], "CNN 3×3")):
        for key, axis, style in (("accuracy", accuracy_axis, "train"), ("val_accuracy", accuracy_axis, "validation"),
                                 ("loss", loss_axis, "train"), ("val_loss", loss_axis, "validation")):
            if key not in runs.first.history:
                continue
            curves = np.array([run.history[key] for run in runs.runs])
            epochs = np.arange(1, curves.shape[1] + 1)
            validation = style == "validation"
            axis.plot(epochs, curves.mean(axis=0), color=colour, linestyle="-" if validation else "--",
                      marker="o" if validation else None, markersize=3, label=f"{label}, {splits[style]}")
            if len(curves) > 1:
                # The band spans the seeds' lowest to highest value at each epoch.
                axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.15, linewidth=0)
    accuracy_axis.set_title(_("accuracy"))
    loss_axis.set_title(_("cross-entropy loss"))
    for axis in (accuracy_axis, loss_axis):
        axis.set_xlabel(_("epoch"))
        axis.xaxis.get_major_locator().set_params(integer=True)
    handles, labels = accuracy_axis.get_legend_handles_labels()
    figure.legend(handles, labels, frameon=False, ncols=4, loc="lower center", bbox_to_anchor=(0.5, -0.08))
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return _to_data_uri(figure, numbers)


def _plot_confusion_matrices(true_labels: np.ndarray, experiments: ExperimentResults, _: Translate, numbers: NumberFormat) -> str:
    figure, axes = plt.subplots(1, 2, figsize=(_WIDTH, 3.3))
    for axis, runs, title in ((axes[0], experiments.baseline, _("baseline")), (axes[1], experiments.cnn, "CNN 3×3")):
        _draw_confusion_matrix(axis, confusion_matrix(true_labels, runs.first.test_predictions), _)
        axis.set_title(title)
    axes[1].set_ylabel("")
    figure.tight_layout()
    return _to_data_uri(figure, numbers)


def _draw_confusion_matrix(axis: plt.Axes, matrix: np.ndarray, _: Translate) -> None:
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
    axis.set_xlabel(_("predicted digit"))
    axis.set_ylabel(_("true digit"))
    axis.grid(False)


def _plot_misclassified(dataset: Dataset, result: ModelResult, _: Translate, numbers: NumberFormat) -> str:
    indices = misclassified_indices(dataset.y_test, result)
    columns = 6
    rows = max(1, int(np.ceil(len(indices) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(_WIDTH, 1.25 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, indices):
        axis.imshow(dataset.x_test[index], cmap="gray_r", vmin=0, vmax=255)
        title = _("true %(true)s, pred %(predicted)s\n(%(confidence)s sure)") % {
            "true": dataset.y_test[index],
            "predicted": result.test_predictions[index],
            "confidence": numbers.percent(result.test_confidence[index], 0),
        }
        axis.set_title(title, fontsize=7, pad=2)
    return _to_data_uri(figure, numbers)


def _plot_kernel_sizes(experiments: ExperimentResults, _: Translate, numbers: NumberFormat) -> str:
    sizes = [size for size, _ in experiments.kernel_results()]
    models: list[ModelRuns] = [runs for _, runs in experiments.kernel_results()]
    figure, accuracy_axis = plt.subplots(figsize=(_WIDTH, 2.4))
    spreads = [100 * (runs.std("test_accuracy") or 0.0) for runs in models]
    accuracy_axis.errorbar(sizes, [100 * runs.mean("test_accuracy") for runs in models], yerr=spreads, marker="o",
                           capsize=3, color=COLOURS["cnn"], label=_("test accuracy"))
    accuracy_axis.set_xlabel(_("kernel size (k × k)"))
    accuracy_axis.set_ylabel(_("test accuracy (%)"), color=COLOURS["cnn"])
    accuracy_axis.set_xticks(sizes)
    params_axis = accuracy_axis.twinx()
    params_axis.bar(sizes, [runs.params / 1000 for runs in models], width=0.6, alpha=0.25, color=COLOURS["baseline"], label=_("parameters"))
    params_axis.set_ylabel(_("parameters (thousands)"), color=COLOURS["baseline"])
    params_axis.set_ylim(0, max(runs.params for runs in models) / 1000 * 1.25)
    params_axis.grid(False)
    params_axis.spines["right"].set_visible(True)
    # Draw the accuracy line above the bars.
    accuracy_axis.set_zorder(params_axis.get_zorder() + 1)
    accuracy_axis.patch.set_visible(False)
    return _to_data_uri(figure, numbers)


_PROBED = ("baseline", "cnn_k3")


def _label(name: str, _: Translate) -> str:
    return _("baseline") if name == "baseline" else "CNN 3×3"


def _plot_translation(translation: dict, _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.5))
    distances = np.array(translation["distances"])
    for name in _PROBED:
        curve = translation["models"][name]
        mean = 100 * np.array(curve["mean"])
        axis.plot(distances, mean, marker="o", markersize=3, color=COLOURS[name], label=_label(name, _))
        if curve["std"] is not None:
            spread = 100 * np.array(curve["std"])
            axis.fill_between(distances, mean - spread, mean + spread, color=COLOURS[name], alpha=0.2, linewidth=0)
    axis.set_xlabel(_("shift (pixels, averaged over left, right, up and down)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.set_xticks(distances)
    axis.legend(frameon=False)
    return _to_data_uri(figure, numbers)


def _plot_permutation(permutation: dict, _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.62, 2.4))
    names = list(_PROBED)
    positions = np.arange(len(names))
    width = 0.38
    for offset, key, label, hatch in ((-width / 2, "original", _("original pixels"), None),
                                      (width / 2, "permuted", _("permuted pixels"), "///")):
        values = [100 * permutation["models"][name][key] for name in names]
        errors = [100 * (permutation["models"][name][f"{key}_std"] or 0.0) for name in names]
        axis.bar(positions + offset, values, width, yerr=errors, capsize=3, label=label, hatch=hatch,
                 color=[COLOURS[name] for name in names], edgecolor="white", alpha=0.9 if key == "original" else 0.6)
    lowest = min(100 * permutation["models"][name][key] for name in names for key in ("original", "permuted"))
    axis.set_ylim(max(0.0, lowest - 5), 100)
    axis.set_xticks(positions, [_label(name, _) for name in names])
    axis.set_ylabel(_("test accuracy (%)"))
    axis.grid(axis="x", visible=False)
    axis.legend(frameon=False, loc="lower right")
    return _to_data_uri(figure, numbers)


def _plot_data_efficiency(efficiency: dict, _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.4))
    sizes = np.array(efficiency["sizes"])
    for name in _PROBED:
        points = efficiency["models"][name]
        mean = np.array([100 * point["test_accuracy"] for point in points])
        spread = np.array([100 * (point["test_accuracy_std"] or 0.0) for point in points])
        axis.errorbar(sizes, mean, yerr=spread, marker="o", markersize=3, capsize=3, color=COLOURS[name], label=_label(name, _))
    axis.set_xscale("log")
    axis.set_xticks(sizes, [numbers.integer(size) for size in sizes])
    axis.minorticks_off()
    axis.set_xlabel(_("training images (log scale)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.legend(frameon=False)
    return _to_data_uri(figure, numbers)


def _plot_parameter_efficiency(points: list[dict], _: Translate, numbers: NumberFormat) -> str:
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.62, 2.4))
    for position, point in enumerate(points):
        name = point["name"]
        label = _label(name, _) if name in _PROBED else name.replace("cnn_k", "CNN ") + "×" + name[-1]
        axis.errorbar(point["params"] / 1000, 100 * point["test_accuracy"], yerr=100 * (point["test_accuracy_std"] or 0.0),
                      marker="o", capsize=3, color=COLOURS.get(name, "#555555"))
        # Alternate labels above and below their points: models of similar size and accuracy sit close together.
        axis.annotate(label, (point["params"] / 1000, 100 * point["test_accuracy"]), textcoords="offset points",
                      xytext=(5, 4 if position % 2 == 0 else -10), fontsize=7)
    axis.set_xlabel(_("parameters (thousands)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.xaxis.set_major_locator(ticker.MaxNLocator(4))
    axis.margins(x=0.25)
    return _to_data_uri(figure, numbers)


def _plot_filters(filters: list) -> str:
    kernels = np.array(filters)
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.7, _WIDTH * 0.7 * 4 / 8))
    limit = float(np.abs(kernels).max()) or 1.0
    # A diverging map centred on zero: red weights excite, blue ones inhibit.
    _show_mosaic(axis, kernels, columns=8, cmap="RdBu_r", vmin=-limit, vmax=limit)
    return _to_data_uri(figure)


def _plot_feature_maps(dataset: Dataset, maps: dict, _: Translate) -> str:
    figure = plt.figure(figsize=(_WIDTH, 3.4))
    grid = figure.add_gridspec(2, 2, width_ratios=[1, 4.2])
    digit_axis = figure.add_subplot(grid[:, 0])
    digit_axis.imshow(dataset.x_test[maps["test_index"]], cmap="gray_r")
    digit_axis.set_title(_("input"), fontsize=8)
    digit_axis.axis("off")
    for row, (name, title) in enumerate((("conv1", _("conv1")), ("conv2", _("conv2")))):
        stack = np.array(maps[name])
        # Each map on its own scale, as its filter's activations have their own range.
        peaks = stack.reshape(len(stack), -1).max(axis=1)
        normalised = stack / np.where(peaks > 0, peaks, 1.0)[:, None, None]
        axis = figure.add_subplot(grid[row, 1])
        _show_mosaic(axis, normalised, columns=8, cmap="viridis", vmin=0, vmax=1)
        axis.set_title(title, fontsize=8, loc="left")
    return _to_data_uri(figure)
