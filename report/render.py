"""Turning the report's numbers and figures into HTML, and HTML into a PDF.

Rendering returns strings and bytes; writing them to disk is the build's job.
Number formats live here, as Jinja filters, so the template never formats a
number itself and the tests can format report.json's numbers the same way.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import jinja2

from analysis.errors import RenderError
from report.figures import Figures

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_NAME = "report.html.j2"


def format_percent(value: float, digits: int = 2) -> str:
    """0.98941 -> '98.94%'."""
    return f"{100 * value:.{digits}f}%"


def format_points(value: float, digits: int = 2) -> str:
    """A difference in percentage points, signed: 1.4 -> '+1.40 pp'."""
    return f"{value:+.{digits}f} pp"


def format_integer(value: int) -> str:
    """121930 -> '121,930'."""
    return f"{int(value):,}"


def format_decimal(value: float, digits: int = 4) -> str:
    """0.041612 -> '0.0416'."""
    return f"{value:.{digits}f}"


def format_ratio(value: float | None, digits: int = 1) -> str:
    """2.345 -> '2.3×'."""
    return "n/a" if value is None else f"{value:.{digits}f}×"


def format_seconds(value: float) -> str:
    """Seconds, as a reader wants them: '0.4 s', '42 s', '6 min 05 s'."""
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s"


def format_percent_spread(value: float, spread: float | None, digits: int = 2) -> str:
    """Mean and standard deviation over seeds: '98.94 ± 0.05%'; just '98.94%' with a single seed."""
    if spread is None:
        return format_percent(value, digits)
    return f"{100 * value:.{digits}f} ± {100 * spread:.{digits}f}%"


def format_decimal_spread(value: float, spread: float | None, digits: int = 4) -> str:
    """'0.0416 ± 0.0012', or '0.0416' with a single seed."""
    if spread is None:
        return format_decimal(value, digits)
    return f"{value:.{digits}f} ± {spread:.{digits}f}"


def format_count(value: float) -> str:
    """A count, or a mean of counts over seeds: '1,234' or '105.3'."""
    return format_integer(value) if float(value).is_integer() else f"{value:,.1f}"


FILTERS = {
    "percent_spread": format_percent_spread,
    "decimal_spread": format_decimal_spread,
    "count": format_count,
    "percent": format_percent,
    "points": format_points,
    "integer": format_integer,
    "decimal": format_decimal,
    "ratio": format_ratio,
    "seconds": format_seconds,
}


def make_environment() -> jinja2.Environment:
    """The one Jinja environment: autoescaped, strict about undefined names, with the number filters."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    return environment


def render_html(summary: dict, figures: Figures) -> str:
    """The whole report as one self-contained HTML page (figures and styles inline)."""
    environment = make_environment()
    try:
        stylesheet = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
        return environment.get_template(TEMPLATE_NAME).render(report=summary, figures=asdict(figures), stylesheet=stylesheet)
    except (jinja2.TemplateError, OSError) as error:
        raise RenderError(f"{TEMPLATES_DIR / TEMPLATE_NAME}: cannot render the report ({error}); reinstall cnn-report") from None


def render_pdf(html: str) -> bytes:
    """Lay the HTML out as an A4 PDF with WeasyPrint."""
    # WeasyPrint logs every CSS property it ignores; those are not the user's problem.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        import weasyprint

        return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    except Exception as error:  # WeasyPrint and its native libraries raise many types; all mean "no PDF".
        raise RenderError(f"PDF rendering failed ({type(error).__name__}: {error}); the HTML and JSON were still written") from None
