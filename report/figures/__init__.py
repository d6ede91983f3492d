"""The report's figures, drawn with matplotlib and returned as embeddable SVG data URIs.

SVG keeps lines and text sharp at any zoom, on a 2× phone screen as on paper,
and WeasyPrint draws it as vectors in the PDF; the images inside (digits,
filters, feature maps) are embedded at their own resolution and shown with
crisp pixels. Glyphs are drawn as paths, so a figure looks the same whatever
fonts the reader's machine has.

A figure draws the summary's numbers (report.summary), the ones the text
quotes, and computes none of its own; only what report.json does not hold is
read from the build's results: the images (digits, filters, feature maps)
and the test predictions behind the most confident mistakes. All figures
share one style (:mod:`report.figures.style`): sizes in inches that fit an A4
text column, and a colour per model that stays the same from figure to
figure. Each figure is shown at its own size in print (:class:`Image` carries
it to the page), so a font size here is the printed size: none is under
:data:`~report.figures.style.MIN_FONT_SIZE` points. Legends sit outside the
data, and bars start at zero. Every word on a figure goes through the report
language's translator, always called ``_`` with a literal English string so
that the tests can find every msgid; numbers follow the language's format,
tick labels included, and models are called by their names (report.labels).

One module per part of the report: :mod:`~report.figures.data` (the data
section), :mod:`~report.figures.comparison` (baseline versus CNN),
:mod:`~report.figures.experiment`, :mod:`~report.figures.probes`,
:mod:`~report.figures.inside` and :mod:`~report.figures.history` (what changed); :mod:`~report.figures.svg` turns a drawing into
an :class:`Image` and :mod:`~report.figures.mosaic` tiles pixel images.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import matplotlib

# Never open a window, even where a display exists. Chosen here, before any module of this package imports pyplot.
matplotlib.use("Agg")

from analysis.data import Dataset  # noqa: E402
from analysis.eda import EdaResults  # noqa: E402
from analysis.plan import TrainedModels  # noqa: E402
from report.figures import comparison, data, experiment, history, inside, probes  # noqa: E402
from report.figures.style import ModelLooks, styled  # noqa: E402
from report.figures.svg import Image  # noqa: E402
from report.i18n import number_format, translator  # noqa: E402

__all__ = ["Figures", "Image", "make_figures"]


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
    # Only once there are two builds to compare (report.json's history).
    history: Image | None = None

    def by_name(self) -> dict[str, Image]:
        """The figures by field name, for the template."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def make_figures(dataset: Dataset, eda: EdaResults, trained: TrainedModels, summary: dict, lang: str = "en") -> Figures:
    """Draw every figure of the report from ``summary``, its words and numbers in ``lang``.

    ``dataset``, ``eda`` and ``trained`` give what report.json does not hold:
    the images, and the main CNN's first fit (its predictions, filters and feature maps).
    """
    _ = translator(lang)
    numbers = number_format(lang)
    looks = ModelLooks(summary["experiment"], numbers, _)
    main = trained.cnn.first
    with styled():
        return Figures(
            class_counts=data.plot_class_counts(summary["dataset"], _, numbers),
            samples=data.plot_samples(dataset, eda),
            mean_images=data.plot_mean_images(eda),
            intensity_histogram=data.plot_intensity_histogram(eda, _, numbers),
            learning_curves=comparison.plot_learning_curves(summary["models"], looks, _, numbers),
            confusion_matrix=comparison.plot_confusion_matrices(summary["models"], looks, _, numbers),
            misclassified=comparison.plot_misclassified(dataset, main, _, numbers),
            experiment=experiment.plot_experiment(summary["experiment"], _, numbers),
            translation=probes.plot_translation(summary["probes"]["translation"], looks, _, numbers),
            permutation=probes.plot_permutation(summary["probes"]["permutation"], looks, _, numbers),
            data_efficiency=probes.plot_data_efficiency(summary["probes"]["data_efficiency"], looks, _, numbers),
            parameter_efficiency=probes.plot_parameter_efficiency(
                summary["probes"]["parameter_efficiency"], looks, _, numbers
            ),
            filters=inside.plot_filters(main.probes["conv1_filters"]),
            feature_maps=inside.plot_feature_maps(
                dataset, main.probes["feature_maps"], summary["probes"]["inside"]["layers"], _
            ),
            history=history.plot_history(summary["history"], _, numbers)
            if len(summary.get("history") or ()) > 1
            else None,
        )
