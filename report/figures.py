"""The report's figures, drawn with matplotlib and returned as embeddable SVG data URIs.

SVG keeps lines and text sharp at any zoom, on a 2× phone screen as on paper,
and WeasyPrint draws it as vectors in the PDF; the images inside (digits,
filters, feature maps) are embedded at their own resolution and shown with
crisp pixels. Glyphs are drawn as paths, so a figure looks the same whatever
fonts the reader's machine has.

All figures share one style (:data:`_STYLE`): sizes in inches that fit an A4
text column, and a colour per model that stays the same from figure to figure.
Each figure is shown at its own size in print (:class:`Image` carries it to the
page), so a font size here is the printed size: none is under
:data:`MIN_FONT_SIZE` points. Legends sit outside the data, and bars start at
zero. Every word on a figure goes through the report language's translator,
always called ``_`` with a literal English string so that the tests can find
every msgid; numbers follow the language's format, tick labels included, and
models are called by their display names (report.names).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, fields

import matplotlib

matplotlib.use("Agg")  # Never open a window, even where a display exists.

import matplotlib.colors  # noqa: E402  (the backend must be chosen first)
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from analysis.data import Dataset  # noqa: E402
from analysis.eda import EdaResults  # noqa: E402
from analysis.experiments import ExperimentResults, confusion_matrix  # noqa: E402
from analysis.fits import ModelResult, ModelRuns  # noqa: E402
from report.i18n import NumberFormat, Translate, number_format, translator  # noqa: E402
from report.names import display_name, value_label, variable_name  # noqa: E402

_GAP = 2  # blank pixels between the images of a mosaic
_WIDTH = 6.3  # inches: a little under the A4 text column at the report's margins (6.85 in)
MIN_FONT_SIZE = 7  # points, at print size
_CSS_PX_PER_POINT = 96 / 72
_STYLE = {
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.04,
    "savefig.facecolor": "white",
    # Glyphs as paths: the same drawing in every browser, whatever fonts it has.
    "svg.fonttype": "path",
    # Fixed ids inside the SVG, so that the same figure gives the same bytes (the report cache compares them).
    "svg.hashsalt": "cnn-report",
    # Pixel images (digits, filters, feature maps) are embedded as they are and drawn with sharp pixels.
    "image.interpolation": "none",
}
COLOURS = {
    "baseline": "#d95f02",
    "cnn": "#1b9e77",  # the main CNN, whatever its name
    "train": "#7570b3",
    "test": "#e7298a",
}
# The experiment's other variants, in the order of its values (Dark2 and Set1 colours that stay apart from the above).
VARIANT_COLOURS = ("#386cb0", "#a6761d", "#666666", "#e6ab02", "#7570b3", "#e41a1c")
# A marker shape per model besides its colour, for readers who tell the colours apart badly (and for grey print).
MARKERS = {"baseline": "o", "cnn": "s"}
MISCLASSIFIED_SHOWN = 12


@dataclass(frozen=True)
class Image:
    """One figure: a ``data:image/svg+xml;base64,...`` URI and its size in CSS pixels (96 to the inch).

    The page shows the figure at this size, narrower only where the screen is,
    so that one point of the drawing is one point on paper.
    """

    src: str
    width: int
    height: int


@dataclass(frozen=True)
class Figures:
    """Every figure of the report, ready for an ``<img>``."""

    class_counts: Image
    samples: Image
    mean_images: Image
    intensity_histogram: Image
    learning_curves: Image
    confusion_matrix: Image
    misclassified: Image
    experiment: Image
    translation: Image
    permutation: Image
    data_efficiency: Image
    parameter_efficiency: Image
    filters: Image
    feature_maps: Image

    def by_name(self) -> dict[str, Image]:
        """The figures by field name, for the template."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def make_figures(
    dataset: Dataset, eda: EdaResults, experiments: ExperimentResults, summary: dict, lang: str = "en"
) -> Figures:
    """Draw every figure of the report, its words and numbers in ``lang``; the probes' come from ``summary``."""
    _ = translator(lang)
    numbers = number_format(lang)
    probes = summary["probes"]
    inside = experiments.cnn.first.probes
    looks = _ModelLooks(summary["experiment"], numbers, _)
    with plt.rc_context(_STYLE):
        return Figures(
            class_counts=_plot_class_counts(eda, _, numbers),
            samples=_plot_samples(dataset, eda),
            mean_images=_plot_mean_images(eda),
            intensity_histogram=_plot_intensity_histogram(eda, _, numbers),
            learning_curves=_plot_learning_curves(experiments, looks, _, numbers),
            confusion_matrix=_plot_confusion_matrices(dataset.y_test, experiments, looks, _, numbers),
            misclassified=_plot_misclassified(dataset, experiments.cnn.first, _, numbers),
            experiment=_plot_experiment(summary["experiment"], _, numbers),
            translation=_plot_translation(probes["translation"], looks, _, numbers),
            permutation=_plot_permutation(probes["permutation"], looks, _, numbers),
            data_efficiency=_plot_data_efficiency(probes["data_efficiency"], looks, _, numbers),
            parameter_efficiency=_plot_parameter_efficiency(probes["parameter_efficiency"], looks, _, numbers),
            filters=_plot_filters(inside["conv1_filters"]),
            feature_maps=_plot_feature_maps(dataset, inside["feature_maps"], probes["inside"]["layers"], _),
        )


class _ModelLooks:
    """How each model is drawn: its colour, marker and display name, the same in every figure.

    The baseline and the main CNN keep their colours whatever the student's
    networks are; the experiment's other variants take theirs in order.
    """

    def __init__(self, experiment: dict, numbers: NumberFormat, translate: Translate):
        self.main = experiment["main"]
        others = [variant["name"] for variant in experiment["variants"] if variant["name"] != self.main]
        self._colours = {"baseline": COLOURS["baseline"], self.main: COLOURS["cnn"]}
        self._colours |= {name: VARIANT_COLOURS[index % len(VARIANT_COLOURS)] for index, name in enumerate(others)}
        self._numbers, self._translate = numbers, translate

    @property
    def probed(self) -> tuple[str, str]:
        """The models the probes compare: the baseline and the main CNN."""
        return "baseline", self.main

    def colour(self, name: str) -> str:
        return self._colours.get(name, "#555555")

    def marker(self, name: str) -> str:
        return MARKERS["baseline" if name == "baseline" else "cnn"]

    def name(self, name: str) -> str:
        return display_name(name, self._translate, self._numbers)


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


def _to_image(figure: plt.Figure, numbers: NumberFormat | None = None) -> Image:
    """The figure as an SVG :class:`Image`; with ``numbers``, its tick labels use that language's decimal point."""
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
    # No date in the file: the same figure gives the same bytes.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    width, height = _svg_size(svg)
    return Image(
        src="data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        width=round(width * _CSS_PX_PER_POINT),
        height=round(height * _CSS_PX_PER_POINT),
    )


def _svg_size(svg: bytes) -> tuple[float, float]:
    """The width and height, in points, that matplotlib wrote on the SVG's root element."""
    match = re.search(rb'<svg[^>]*\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', svg)
    if match is None:
        raise ValueError("matplotlib wrote an SVG without a size in points")
    return float(match[1]), float(match[2])


def _legend_above(axis: plt.Axes, columns: int = 2, **options) -> None:
    """A legend in a row above the plotting area, where it cannot cover data."""
    axis.legend(frameon=False, ncols=columns, loc="lower center", bbox_to_anchor=(0.5, 1.0), borderaxespad=0.2, **options)


def _plot_class_counts(eda: EdaResults, _: Translate, numbers: NumberFormat) -> Image:
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
    _legend_above(axis)
    return _to_image(figure, numbers)


def _plot_samples(dataset: Dataset, eda: EdaResults) -> Image:
    rows, columns = eda.sample_indices.shape
    figure, axis = plt.subplots(figsize=(_WIDTH, _WIDTH * rows / columns * 1.1))
    # One image of all samples, column by column, draws far faster than one axis per digit.
    images = dataset.x_train[eda.sample_indices.T.ravel()].reshape(columns, rows, 28, 28).transpose(1, 0, 2, 3)
    _show_mosaic(axis, images.reshape(-1, 28, 28), columns, cmap="gray_r", vmin=0, vmax=255)
    labels = dataset.y_train[eda.sample_indices[0]]
    axis.set_xticks([(28 + _GAP) * column + 13.5 for column in range(columns)], [str(label) for label in labels])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return _to_image(figure)


def _show_mosaic(axis: plt.Axes, images: np.ndarray, columns: int, **imshow_options) -> None:
    """Tile (n, h, w) images into one picture, ``columns`` wide, separated by blank gaps."""
    count, height, width = images.shape
    rows = int(np.ceil(count / columns))
    mosaic = np.full((rows * (height + _GAP) - _GAP, columns * (width + _GAP) - _GAP), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        mosaic[row * (height + _GAP) : row * (height + _GAP) + height, column * (width + _GAP) : column * (width + _GAP) + width] = image
    colours = plt.get_cmap(imshow_options.pop("cmap")).with_extremes(bad="white")
    axis.imshow(mosaic, cmap=colours, **imshow_options)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.grid(False)
    for spine in axis.spines.values():
        spine.set_visible(False)


def _plot_mean_images(eda: EdaResults) -> Image:
    digits = len(eda.mean_images)
    figure, axis = plt.subplots(figsize=(_WIDTH, _WIDTH / digits * 1.25))
    _show_mosaic(axis, eda.mean_images, digits, cmap="magma", vmin=0, vmax=1)
    axis.set_xticks([(28 + _GAP) * digit + 13.5 for digit in range(digits)], [str(digit) for digit in range(digits)])
    axis.xaxis.set_ticks_position("top")
    axis.tick_params(length=0, labelsize=8)
    return _to_image(figure)


def _plot_intensity_histogram(eda: EdaResults, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.2))
    values = np.arange(256) / 255.0
    edges = np.append(values, 1.0 + 1 / 255.0) - 0.5 / 255.0
    axis.stairs(eda.intensity_counts, edges, fill=True, color=COLOURS["train"])
    axis.set_yscale("log")
    axis.set_xlim(-0.01, 1.01)
    axis.set_xlabel(_("pixel intensity after scaling to [0, 1]"))
    axis.set_ylabel(_("pixels (log scale)"))
    axis.grid(axis="x", visible=False)
    return _to_image(figure, numbers)


def _plot_learning_curves(experiments: ExperimentResults, looks: _ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(_WIDTH, 2.7))
    splits = {"train": _("train"), "validation": _("validation")}
    for runs in (experiments.baseline, experiments.cnn):
        colour, label, marker = looks.colour(runs.name), looks.name(runs.name), looks.marker(runs.name)
        for key, axis, style in (("accuracy", accuracy_axis, "train"), ("val_accuracy", accuracy_axis, "validation"),
                                 ("loss", loss_axis, "train"), ("val_loss", loss_axis, "validation")):
            if key not in runs.first.history:
                continue
            curves = np.array([run.history[key] for run in runs.runs])
            epochs = np.arange(1, curves.shape[1] + 1)
            validation = style == "validation"
            # Markers on both, open for training: with a single epoch there is no line to tell them apart.
            axis.plot(epochs, curves.mean(axis=0), color=colour, linestyle="-" if validation else "--", marker=marker,
                      markersize=3.5, markerfacecolor=colour if validation else "white", label=f"{label}, {splits[style]}")
            if len(curves) > 1:
                # The band spans the seeds' lowest to highest value at each epoch.
                axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.15, linewidth=0)
            # Whole epochs only: a default locator invents fractional ones, around a single epoch most of all.
            axis.xaxis.set_major_locator(ticker.FixedLocator(epochs) if len(epochs) <= 12 else ticker.MaxNLocator(integer=True))
    accuracy_axis.set_title(_("accuracy"))
    loss_axis.set_title(_("cross-entropy loss"))
    for axis in (accuracy_axis, loss_axis):
        axis.set_xlabel(_("epoch"))
    handles, labels = accuracy_axis.get_legend_handles_labels()
    figure.legend(handles, labels, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    figure.tight_layout(rect=(0, 0.17, 1, 1))
    return _to_image(figure, numbers)


def _plot_confusion_matrices(true_labels: np.ndarray, experiments: ExperimentResults, looks: _ModelLooks, _: Translate,
                             numbers: NumberFormat) -> Image:
    figure, axes = plt.subplots(1, 2, figsize=(_WIDTH, 3.4))
    for axis, runs in zip(axes, (experiments.baseline, experiments.cnn)):
        _draw_confusion_matrix(axis, confusion_matrix(true_labels, runs.first.test_predictions), _)
        axis.set_title(looks.name(runs.name))
    axes[1].set_ylabel("")
    figure.tight_layout(w_pad=1.0)
    return _to_image(figure, numbers)


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
            colour, weight = _ink_on(shades(scale(count))), "bold"
        axis.text(column, row, str(count), ha="center", va="center", fontsize=MIN_FONT_SIZE, color=colour, fontweight=weight)
    axis.set_xticks(range(10))
    axis.set_yticks(range(10))
    axis.tick_params(length=0)
    axis.set_xlabel(_("predicted digit"))
    axis.set_ylabel(_("true digit"))
    axis.grid(False)


def _ink_on(background: tuple[float, ...]) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio against the RGB(A) ``background``."""
    channels = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in background[:3]]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _plot_misclassified(dataset: Dataset, result: ModelResult, _: Translate, numbers: NumberFormat) -> Image:
    indices = misclassified_indices(dataset.y_test, result)
    columns = 6
    rows = max(1, int(np.ceil(len(indices) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(_WIDTH, 1.3 * rows), squeeze=False)
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
    return _to_image(figure, numbers)


def _plot_experiment(experiment: dict, _: Translate, numbers: NumberFormat) -> Image:
    """Test accuracy (with the seeds' spread) and parameter count (bars) for each value of the experiment.

    The accuracies are joined by a line only where the values are numbers in
    order (kernel sizes, widths, rates): between max and average pooling
    there is nothing for a line to pass through.
    """
    variants = experiment["variants"]
    positions = np.arange(len(variants))
    figure, accuracy_axis = plt.subplots(figsize=(_WIDTH, 2.4))
    spreads = [100 * (variant["test_accuracy_std"] or 0.0) for variant in variants]
    accuracy_axis.errorbar(positions, [100 * variant["test_accuracy"] for variant in variants], yerr=spreads, marker="o",
                           linestyle="-" if experiment["ordered"] else "none", capsize=3, color=COLOURS["cnn"],
                           label=_("test accuracy"))
    accuracy_axis.set_xlabel(variable_name(experiment["vary"], _))
    accuracy_axis.set_ylabel(_("test accuracy (%)"), color=COLOURS["cnn"])
    # One position per value, evenly spaced and labelled as the tables label them (5×5, ×0.5, average, ...).
    accuracy_axis.set_xticks(positions, [value_label(experiment["vary"], variant["value"], _, numbers) for variant in variants])
    accuracy_axis.set_xlim(-0.6, len(variants) - 0.4)
    params_axis = accuracy_axis.twinx()
    params_axis.bar(positions, [variant["params"] / 1000 for variant in variants], width=0.5, alpha=0.25,
                    color=COLOURS["baseline"], label=_("parameters"))
    params_axis.set_ylabel(_("parameters (thousands)"), color=COLOURS["baseline"])
    # Bars start at zero; the headroom keeps the accuracy line's error bars clear of the tallest bar's top.
    params_axis.set_ylim(0, max(variant["params"] for variant in variants) / 1000 * 1.25)
    params_axis.grid(False)
    params_axis.spines["right"].set_visible(True)
    # Draw the accuracy line above the bars.
    accuracy_axis.set_zorder(params_axis.get_zorder() + 1)
    accuracy_axis.patch.set_visible(False)
    return _to_image(figure, numbers)


def _plot_translation(translation: dict, looks: _ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.6))
    distances = np.array(translation["distances"])
    for name in looks.probed:
        curve = translation["models"][name]
        mean = 100 * np.array(curve["mean"])
        axis.plot(distances, mean, marker=looks.marker(name), markersize=3.5, color=looks.colour(name), label=looks.name(name))
        if curve["std"] is not None:
            spread = 100 * np.array(curve["std"])
            axis.fill_between(distances, mean - spread, mean + spread, color=looks.colour(name), alpha=0.2, linewidth=0)
    axis.set_xlabel(_("shift (pixels, averaged over left, right, up and down)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.set_xticks(distances)
    axis.set_ylim(0, 100)
    _legend_above(axis)
    return _to_image(figure, numbers)


def _plot_permutation(permutation: dict, looks: _ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.62, 2.6))
    names = list(looks.probed)
    positions = np.arange(len(names))
    width = 0.38
    for offset, key, hatch in ((-width / 2, "original", None), (width / 2, "permuted", "///")):
        values = [100 * permutation["models"][name][key] for name in names]
        errors = [100 * (permutation["models"][name][f"{key}_std"] or 0.0) for name in names]
        bars = axis.bar(positions + offset, values, width, yerr=errors, capsize=3, hatch=hatch,
                        color=[looks.colour(name) for name in names], edgecolor="white", alpha=0.9 if key == "original" else 0.6)
        # The values themselves: on an axis from zero a drop of a few points is short, and it should still be read.
        axis.bar_label(bars, [numbers.percent(value / 100, 1) for value in values], padding=2, fontsize=MIN_FONT_SIZE)
    # Bars are lengths: the axis starts at zero, so their heights compare honestly.
    axis.set_ylim(0, 112)
    axis.set_yticks(range(0, 101, 20))
    axis.set_xticks(positions, [looks.name(name) for name in names])
    axis.set_ylabel(_("test accuracy (%)"))
    axis.grid(axis="x", visible=False)
    # The legend explains the hatching, in grey: the colours already name the models.
    handles = [matplotlib.patches.Patch(facecolor="#999999", edgecolor="white", label=_("original pixels")),
               matplotlib.patches.Patch(facecolor="#bbbbbb", edgecolor="white", hatch="///", label=_("permuted pixels"))]
    _legend_above(axis, handles=handles)
    return _to_image(figure, numbers)


def _plot_data_efficiency(efficiency: dict, looks: _ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(_WIDTH, 2.6))
    sizes = np.array(efficiency["sizes"])
    for name in looks.probed:
        points = efficiency["models"][name]
        mean = np.array([100 * point["test_accuracy"] for point in points])
        spread = np.array([100 * (point["test_accuracy_std"] or 0.0) for point in points])
        axis.errorbar(sizes, mean, yerr=spread, marker=looks.marker(name), markersize=3.5, capsize=3, color=looks.colour(name),
                      label=looks.name(name))
    axis.set_xscale("log")
    axis.set_xticks(sizes, [numbers.integer(size) for size in sizes])
    axis.minorticks_off()
    axis.set_xlabel(_("training images (log scale)"))
    axis.set_ylabel(_("test accuracy (%)"))
    _legend_above(axis)
    return _to_image(figure, numbers)


def _plot_parameter_efficiency(points: list[dict], looks: _ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.62, 2.8))
    # Models of similar size and accuracy sit close together: a legend above names them where labels beside the
    # points would cross each other's error bars, and a marker shape per model does not rely on colour alone.
    markers = "osD^vP"
    for position, point in enumerate(points):
        name = point["name"]
        axis.errorbar(point["params"] / 1000, 100 * point["test_accuracy"], yerr=100 * (point["test_accuracy_std"] or 0.0),
                      marker=markers[position % len(markers)], capsize=3, color=looks.colour(name),
                      label=looks.name(name))
    axis.set_xlabel(_("parameters (thousands)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.xaxis.set_major_locator(ticker.MaxNLocator(4))
    axis.margins(x=0.15, y=0.1)
    _legend_above(axis)
    return _to_image(figure, numbers)


def _plot_filters(filters: list) -> Image:
    kernels = np.array(filters)
    figure, axis = plt.subplots(figsize=(_WIDTH * 0.7, _WIDTH * 0.7 * 4 / 8))
    limit = float(np.abs(kernels).max()) or 1.0
    # A diverging map centred on zero: red weights excite, blue ones inhibit.
    _show_mosaic(axis, kernels, columns=8, cmap="RdBu_r", vmin=-limit, vmax=limit)
    return _to_image(figure)


def _plot_feature_maps(dataset: Dataset, maps: dict, names: list[str], _: Translate) -> Image:
    # The first two conv layers (one, in a CNN with a single conv layer), under their names in the network.
    shown = [key for key in ("conv1", "conv2") if key in maps]
    figure = plt.figure(figsize=(_WIDTH, 1.7 * max(2, len(shown))))
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
        _show_mosaic(axis, normalised, columns=8, cmap="viridis", vmin=0, vmax=1)
        axis.set_title(names[row], fontsize=8, loc="left")
    return _to_image(figure)
