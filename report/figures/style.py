"""The figures' one style: sizes that fit an A4 text column, fonts no smaller than print allows, a colour per model."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt

from report.i18n import NumberFormat, Translate
from report.labels import ModelNames

WIDTH = 6.3  # inches: a little under the A4 text column at the report's margins (6.85 in)
MIN_FONT_SIZE = 7  # points, at print size
STYLE = {
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


def styled():
    """A context in which matplotlib draws in :data:`STYLE`."""
    return plt.rc_context(STYLE)


class ModelLooks:
    """How each model is drawn: its colour, marker and name, the same in every figure.

    The baseline and the main CNN keep their colours whatever the student's
    networks are; the experiment's other variants take theirs in order.
    """

    def __init__(self, experiment: Mapping, numbers: NumberFormat, translate: Translate):
        self.main = experiment["main"]
        others = [variant["name"] for variant in experiment["variants"] if variant["name"] != self.main]
        self._colours = {"baseline": COLOURS["baseline"], self.main: COLOURS["cnn"]}
        self._colours |= {name: VARIANT_COLOURS[index % len(VARIANT_COLOURS)] for index, name in enumerate(others)}
        self._names = ModelNames(experiment, translate, numbers)

    @property
    def probed(self) -> tuple[str, str]:
        """The models the probes compare, and the comparison section shows: the baseline and the main CNN."""
        return "baseline", self.main

    def colour(self, name: str) -> str:
        return self._colours.get(name, "#555555")

    def marker(self, name: str) -> str:
        return MARKERS["baseline" if name == "baseline" else "cnn"]

    def name(self, name: str) -> str:
        return self._names(name)


def legend_above(axis: plt.Axes, columns: int = 2, **options) -> None:
    """A legend in a row above the plotting area, where it cannot cover data."""
    axis.legend(
        frameon=False, ncols=columns, loc="lower center", bbox_to_anchor=(0.5, 1.0), borderaxespad=0.2, **options
    )
