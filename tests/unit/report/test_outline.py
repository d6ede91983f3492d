"""Numbering and cross-references (report/outline.py and templates/macros.html.j2), on small made-up documents."""

from __future__ import annotations

import re

import pytest

from analysis.errors import RenderError
from report.outline import Outline
from report.render import make_environment

# A document that refers to a table before declaring it, and numbers sections, figures and tables in between.
DOCUMENT = """\
{% import "macros.html.j2" as doc with context %}
{{ doc.heading(2, "first", "First") }}
<p>See {{ doc.ref("table-late") }} and {{ doc.ref("figure-b") }}.</p>
{% call doc.figure("figure-a", image, "alt a") %}Caption A.{% endcall %}
{{ doc.heading(3, "first-sub", "Sub") }}
{% call doc.table("table-early", "Early.") %}<tbody><tr><td>1</td></tr></tbody>{% endcall %}
{{ doc.heading(2, "second", "Second") }}
{% call doc.figure("figure-b", image, "alt b") %}Caption B.{% endcall %}
{% call doc.table("table-late", "Late.") %}<tbody><tr><td>2</td></tr></tbody>{% endcall %}
{{ doc.heading(3, "second-sub", "Second sub") }}
{{ doc.heading(2, "appendix", "Appendix", numbered=false) }}
"""
IMAGE = {"src": "data:image/svg+xml;base64,", "width": 10, "height": 5}


def render(source: str, lang: str = "en") -> tuple[str, Outline]:
    """Render ``source`` in two passes, as report.render does."""
    template = make_environment(lang).from_string(source)
    first = Outline()
    template.render(outline=first, image=IMAGE)
    final = Outline(first)
    return template.render(outline=final, image=IMAGE), final


def test_sections_figures_and_tables_are_numbered_in_document_order():
    html, outline = render(DOCUMENT)
    assert [(h.id, h.number) for h in outline.headings] == [
        ("first", "1"),
        ("first-sub", "1.1"),
        ("second", "2"),
        ("second-sub", "2.1"),
        ("appendix", None),
    ]
    assert re.findall(r'<figcaption><span class="label">Figure (\d+)\.</span> Caption (\w)\.', html) == [
        ("1", "A"),
        ("2", "B"),
    ]
    assert re.findall(r'<span class="label">Table (\d+)\.</span> (\w+)\.', html) == [("1", "Early"), ("2", "Late")]
    assert '<h2 id="second"><a class="self-link" href="#second"><span class="number">2.</span> Second</a></h2>' in html
    assert (
        '<h3 id="second-sub"><a class="self-link" href="#second-sub"><span class="number">2.1</span> Second sub</a></h3>'
        in html
    )
    assert '<h2 id="appendix"><a class="self-link" href="#appendix">Appendix</a></h2>' in html


def test_a_reference_links_to_its_target_even_before_it_is_declared():
    html, _ = render(DOCUMENT)
    assert '<a class="xref" href="#table-late">Table 2</a>' in html
    assert '<a class="xref" href="#figure-b">Figure 2</a>' in html
    assert '<table id="table-late">' in html and '<figure id="figure-b">' in html


def test_numbers_follow_the_language():
    html, _ = render(DOCUMENT, "es")
    assert '<a class="xref" href="#table-late">Tabla 2</a>' in html
    assert '<span class="label">Figura 1.</span>' in html


def test_inserting_a_figure_renumbers_everything_after_it():
    """Nothing is typed: a figure added at the top moves every later number, references included."""
    extra = '{% call doc.figure("figure-new", image, "alt") %}New.{% endcall %}\n'
    html, _ = render(DOCUMENT.replace("<p>See", extra + "<p>See"))
    assert '<a class="xref" href="#figure-b">Figure 3</a>' in html
    assert re.findall(r'<span class="label">Figure (\d+)\.</span> (\w+)', html) == [
        ("1", "New"),
        ("2", "Caption"),
        ("3", "Caption"),
    ]


def test_the_contents_list_every_heading_of_the_first_pass():
    first = Outline()
    first.heading(2, "a", "A")
    first.heading(3, "a-1", "A one")
    assert Outline().contents == []
    assert [(h.level, h.id, h.number, h.title) for h in Outline(first).contents] == [
        (2, "a", "1", "A"),
        (3, "a-1", "1.1", "A one"),
    ]


def test_a_reference_to_nothing_is_an_error():
    with pytest.raises(RenderError, match="'table-missing', which no figure or table declares"):
        render('{% import "macros.html.j2" as doc with context %}{{ doc.ref("table-missing") }}')


def test_an_id_declared_twice_is_an_error():
    outline = Outline()
    outline.heading(2, "same", "Same")
    with pytest.raises(RenderError, match="'same' is declared twice"):
        outline.declare("figure", "same")


def test_a_numbered_subsection_needs_a_numbered_section():
    outline = Outline()
    outline.heading(2, "appendix", "Appendix", numbered=False)
    with pytest.raises(RenderError, match="needs a numbered section"):
        outline.heading(3, "appendix-1", "Sub")


def test_the_two_passes_must_agree():
    """A template that declared things in another order the second time would print numbers that do not match."""
    first = Outline()
    first.declare("figure", "a")
    first.declare("figure", "b")
    second = Outline(first)
    with pytest.raises(RenderError, match="figure 'b' was numbered differently"):
        second.declare("figure", "b")
