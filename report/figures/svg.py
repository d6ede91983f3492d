"""A drawing as an :class:`Image`: SVG in a data URI, its size in CSS pixels, tick numbers in the report's language."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib import ticker

from report.i18n import NumberFormat

_CSS_PX_PER_POINT = 96 / 72


@dataclass(frozen=True)
class Image:
    """One figure: a ``data:image/svg+xml;base64,...`` URI and its size in CSS pixels (96 to the inch).

    The page shows the figure at this size, narrower only where the screen is,
    so that one point of the drawing is one point on paper.
    """

    src: str
    width: int
    height: int


class LocalizedFormatter(ticker.Formatter):
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


def to_image(figure: plt.Figure, numbers: NumberFormat | None = None) -> Image:
    """The figure as an SVG :class:`Image`; with ``numbers``, its tick labels use that language's decimal point."""
    if numbers is not None and numbers.decimal_point != ".":
        # Explicit labels (fixed formatters) are left as drawn; shared axes share a formatter, wrapped once.
        for axis in figure.axes:
            for scale in (axis.xaxis, axis.yaxis):
                for get, put in (
                    (scale.get_major_formatter, scale.set_major_formatter),
                    (scale.get_minor_formatter, scale.set_minor_formatter),
                ):
                    formatter = get()
                    if not isinstance(formatter, (ticker.FixedFormatter, ticker.NullFormatter, LocalizedFormatter)):
                        put(LocalizedFormatter(formatter, numbers.decimal_point))
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
