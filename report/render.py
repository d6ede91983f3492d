"""Turning the report's numbers and figures into HTML, and HTML into a PDF.

Rendering returns strings and bytes; writing them to disk is the build's job.
Number formats (report.i18n) and the names of models, of the experiment's
variable and of its values (report.labels) become Jinja filters and globals
here, so a template never formats a number or names a model itself, and the
tests can format report.json's numbers the same way. The page is a skeleton
(``report.html.j2``) that includes one template per section
(``sections/<id>.html.j2``); it is rendered twice so that its outline
(report.outline) can number every heading, figure and table, and every
reference to them, in document order.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from analysis.errors import RenderError
from report.figures import Figures
from report.i18n import install, number_format, translator
from report.labels import (
    ModelNames,
    choices,
    setting_number,
    value_label,
    variable_name,
    variable_phrase,
    variable_title,
)
from report.outline import Outline

if TYPE_CHECKING:
    from report.project import Project

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_NAME = "report.html.j2"


# The English edition's formats as plain functions: tests format report.json's numbers with them and compare.
_ENGLISH = number_format("en")
format_percent = _ENGLISH.percent
format_integer = _ENGLISH.integer
format_percent_spread = _ENGLISH.percent_spread
format_decimal_spread = _ENGLISH.decimal_spread


def make_environment(lang: str = "en", summary: dict | None = None) -> jinja2.Environment:
    """The one Jinja environment: autoescaped, strict about undefined names, in ``lang``, with its number filters.

    With the report's ``summary``, the ``model_name`` filter names its models
    (a model's name depends on the experiment it belongs to).
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install(environment, lang)
    environment.filters.update(number_format(lang).filters())
    translate, numbers = translator(lang), number_format(lang)
    if summary is not None:
        environment.filters["model_name"] = ModelNames(summary["experiment"], translate, numbers)
    # The experiment's variable and values, named from the table of variables (analysis/variables.py).
    environment.filters["value_label"] = lambda value, vary: value_label(vary, value, translate, numbers)
    environment.filters["setting_number"] = lambda value: setting_number(value, numbers)
    environment.globals["variable_name"] = lambda vary: variable_name(vary, translate)
    environment.globals["variable_phrase"] = lambda vary: variable_phrase(vary, translate)
    environment.globals["variable_title"] = lambda vary: variable_title(vary, translate)
    environment.globals["choices"] = lambda vary, values, all_of=False: choices(
        vary, values, translate, numbers, all_of
    )
    return environment


def render_project(project: Project | None, summary: dict, lang: str) -> dict | None:
    """What the templates show of a project file: its metadata, the abstract and every note, rendered in ``lang``.

    None without a project file: then nothing of a project shows in the report.
    """
    if project is None:
        return None
    from report.notes import render_markdown, render_notes

    info = project.report
    abstract = None
    if info.abstract:
        abstract = render_markdown(
            info.abstract, f"{project.path} [report] abstract", summary, lang, project.folder, doc_id="abstract"
        )
    return {
        **info.to_dict(),
        # The build's date unless the project gives one; a TOML date is written out in the report's language.
        "date": info.date if info.date is not None else datetime.date.today(),
        "has_title_page": info.has_title_page,
        "abstract": abstract,
        "notes": render_notes(project.notes, summary, lang, project.folder),
    }


def render_html(summary: dict, figures: Figures, lang: str = "en", project: Project | None = None) -> str:
    """The whole report in ``lang`` as one self-contained HTML page (figures and styles inline)."""
    environment = make_environment(lang, summary)
    rendered_project = render_project(project, summary, lang)
    try:
        stylesheet = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
        template = environment.get_template(TEMPLATE_NAME)
        context = {
            "report": summary,
            "figures": figures.by_name(),
            "stylesheet": stylesheet,
            "lang": lang,
            "project": rendered_project,
            "notes": rendered_project["notes"] if rendered_project else {},
        }
        # The first pass learns the outline; the second prints its numbers, references to later items included.
        first_pass = Outline()
        template.render(**context, outline=first_pass)
        return template.render(**context, outline=Outline(first_pass))
    except (jinja2.TemplateError, OSError) as error:
        raise RenderError(
            f"{TEMPLATES_DIR / TEMPLATE_NAME}: cannot render the report ({error}); reinstall cnn-report"
        ) from None


def render_pdf(html: str) -> bytes:
    """Lay the HTML out as an A4 PDF with WeasyPrint."""
    # WeasyPrint logs every CSS property it ignores; those are not the user's problem.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        import weasyprint

        # Tagged: the structure (headings, lists, tables, figures with their alt text) reaches screen readers.
        # Each figure keeps the size its SVG declares, the size it was drawn at. Every image and style is
        # inline: WeasyPrint may read data: URIs and nothing else, so no note can make it fetch a URL or
        # read a file (an SVG image's links included).
        html_document = weasyprint.HTML(
            string=html, base_url=str(TEMPLATES_DIR), url_fetcher=_data_only_fetcher(weasyprint)
        )
        return html_document.write_pdf(pdf_tags=True)
    except Exception as error:  # WeasyPrint and its native libraries raise many types; all mean "no PDF".
        raise RenderError(
            f"PDF rendering failed ({type(error).__name__}: {error}); the HTML and JSON were still written"
        ) from None


def _data_only_fetcher(weasyprint):
    """A WeasyPrint URL fetcher that reads ``data:`` URIs and refuses everything else."""
    if hasattr(weasyprint, "URLFetcher"):
        return weasyprint.URLFetcher(allowed_protocols=("data",))

    def fetch(url: str, *args, **kwargs):  # Older WeasyPrint takes a function.
        if not url.startswith("data:"):
            raise ValueError(f"cnn-report reads no URL: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch
