"""The report as readers meet it on paper and in a screen reader: the HTML's structure and the PDF built from it.

Both editions are built once on tiny synthetic data (the ``editions`` fixture). The PDF is read back with
pypdf, as a reader's software would: its tags and the figures' alternative text, its bookmarks, its
numbering, its links and its text. Page layout (headings stranded at the foot of a page, pages left half
empty) is measured on WeasyPrint's own layout of the same HTML.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from report.figures.style import MIN_FONT_SIZE
from report.render import TEMPLATES_DIR

LANGS = ("en", "es")
LABELS = {"en": ("Figure", "Table"), "es": ("Figura", "Tabla")}


def headings(document: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h2 and h3 of the report's body, as a reader sees them."""
    main = document[document.index("<main") :]
    found = []
    for level, id_, inner in re.findall(r'<h([23]) id="([^"]+)">(.*?)</h\1>', main, flags=re.S):
        found.append((int(level), id_, " ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())))
    return found


def pdf_lines(reader: PdfReader) -> list[str]:
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def flat_outline(reader: PdfReader, items=None, level: int = 1) -> list[tuple[int, str, int]]:
    """(level, title, page number) of every bookmark, in order."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += flat_outline(reader, item, level + 1)
        else:
            found.append((level, item.title, reader.get_destination_page_number(item) + 1))
    return found


def structure(node, found: list[dict]) -> list[dict]:
    """Every element of the PDF's structure tree, depth first."""
    node = node.get_object() if isinstance(node, IndirectObject) else node
    if not hasattr(node, "keys"):
        return found
    if "/S" in node:
        found.append(node)
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
        structure(kid, found)
    return found


# --- HTML ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_html_has_landmarks_a_viewport_and_table_headers(editions, lang):
    document = editions[lang]["html"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in document
    assert document.count("<main") == 1 and document.count("<nav") == 1 and document.count("<header") == 1
    tables = re.findall(r"<table.*?</table>", document, flags=re.S)
    assert len(tables) >= 10
    for table in tables:
        assert "<thead>" in table and "<caption" in table, table[:200]
        assert not re.search(r"<th(?=[\s>])(?![^>]*scope=)", table), table[:200]


@pytest.mark.parametrize("lang", LANGS)
def test_every_heading_is_in_the_table_of_contents_and_links_to_itself(editions, lang):
    document = editions[lang]["html"]
    found = headings(document)
    assert {
        "introduction",
        "data",
        "baseline",
        "cnn",
        "comparison",
        "experiment",
        "q1",
        "q2",
        "q3",
        "probes",
        "appendix",
    } <= {id_ for _, id_, _ in found}
    toc = document[document.index("<nav") : document.index("</nav>")]
    entries = re.findall(r'<a href="#([^"]+)">(.*?)</a>', toc, flags=re.S)
    assert [(id_, " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())) for id_, text in entries] == [
        (id_, text) for _, id_, text in found
    ]
    for level, id_, _ in found:
        assert f'<h{level} id="{id_}"><a class="self-link" href="#{id_}">' in document


@pytest.mark.parametrize("lang", LANGS)
def test_cross_references_link_to_the_figure_or_table_they_name(editions, lang):
    document = editions[lang]["html"]
    figure_word, table_word = LABELS[lang]
    numbers = {}
    for kind, word in (("figure", figure_word), ("table", table_word)):
        for id_, number in re.findall(
            rf'<{kind} id="([^"]+)".*?<span class="label">{word} (\d+)\.</span>', document, flags=re.S
        ):
            numbers[id_] = f"{word} {number}"
    references = re.findall(r'<a class="xref" href="#([^"]+)">([^<]+)</a>', document)
    assert len(references) >= 15
    for target, text in references:
        assert numbers[target] == text, (target, text)


@pytest.mark.parametrize("lang", LANGS)
def test_figures_are_sharp_and_legible_at_print_size(editions, lang):
    """Every figure is an SVG shown at its own size, so a point in it is a point on paper: none of its text is smaller
    than MIN_FONT_SIZE, and none is wider than the A4 text column."""
    column = (210 - 2 * 18) / 25.4 * 96  # CSS px: A4 less the page margins of report.css
    images = re.findall(
        r'<img src="data:image/svg\+xml;base64,([^"]+)" width="(\d+)" height="(\d+)"', editions[lang]["html"]
    )
    assert len(images) == editions[lang]["html"].count("<img ") >= 10
    for data, width, _height in images:
        svg = base64.b64decode(data).decode("utf-8")
        drawn = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg)[1]) * 96 / 72
        assert abs(drawn - int(width)) <= 1 and int(width) <= column
        # matplotlib draws each text as glyph paths scaled by font size / 100.
        sizes = [
            100 * float(scale)
            for scale in re.findall(
                r'<g id="text_\d+">\s*(?:<!--.*?-->\s*)?<g transform="[^"]*scale\(([\d.]+) -', svg, flags=re.S
            )
        ]
        assert all(size >= MIN_FONT_SIZE - 1e-9 for size in sizes), sizes


@pytest.mark.parametrize("lang", LANGS)
def test_no_absolute_path_is_shown_or_stored(editions, lang):
    """A student's folders never reach the handed-in files: the data is named by its file name and sha256."""
    edition = editions[lang]
    folder = str(edition["data"].parent)
    text = " ".join(pdf_lines(PdfReader(edition["pdf"])))
    for output in (edition["html"], edition["json"], text, text.replace(" ", "")):
        assert folder not in output and str(Path.home()) + "/" not in output
    assert edition["summary"]["dataset"]["file"] == "mnist.npz"
    assert "--data mnist.npz" in edition["summary"]["environment"]["command_line"]
    assert edition["summary"]["dataset"]["sha256"] in text.replace(" ", "")


# --- PDF ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_tagged_with_the_figures_alternative_text(editions, lang):
    reader = PdfReader(editions[lang]["pdf"])
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == lang
    elements = structure(root["/StructTreeRoot"], [])
    kinds = {element["/S"] for element in elements}
    assert {"/H1", "/H2", "/H3", "/P", "/Table", "/TH", "/TD", "/Figure", "/Caption", "/L", "/LI", "/Link"} <= kinds
    alternatives = [element.get("/Alt") for element in elements if element["/S"] == "/Figure"]
    expected = [
        html.unescape(alt)
        for alt in re.findall(r'<img src="[^"]+" width="\d+" height="\d+" alt="([^"]+)">', editions[lang]["html"])
    ]
    assert alternatives == expected and len(expected) == editions[lang]["html"].count("<img ") >= 10


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_bookmarks_follow_the_headings(editions, lang):
    reader = PdfReader(editions[lang]["pdf"])
    bookmarks = flat_outline(reader)
    title = re.search(r"<h1>(.*?)</h1>", editions[lang]["html"])[1]
    assert bookmarks[0][:2] == (1, html.unescape(title))
    assert [(level, text) for level, text, _ in bookmarks[1:]] == [
        (level, text) for level, _, text in headings(editions[lang]["html"])
    ]
    pages = [page for _, _, page in bookmarks]
    assert pages == sorted(pages)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_contents_give_each_headings_page(editions, lang):
    """The printed table of contents (target-counter) agrees with where each heading really is."""
    reader = PdfReader(editions[lang]["pdf"])
    pages = {text: page for _, text, page in flat_outline(reader)[1:]}
    lines = reader.pages[0].extract_text().splitlines()
    listed = {}
    for line in lines:
        match = re.fullmatch(r"(.+?)\s*\.{3,}\s*(\d+)", line.strip())
        if match:
            listed[" ".join(match[1].split())] = int(match[2])
    assert listed == pages


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_numbers_figures_and_tables_in_page_order(editions, lang):
    document = editions[lang]["html"]
    lines = pdf_lines(PdfReader(editions[lang]["pdf"]))
    for word, count in zip(LABELS[lang], (document.count("<figure "), document.count("<table "))):
        captions = [int(match[1]) for line in lines if (match := re.match(rf"{word} (\d+)\. ", line))]
        assert captions == list(range(1, count + 1)), (word, captions)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_links_lead_somewhere(editions, lang):
    reader = PdfReader(editions[lang]["pdf"])
    destinations = set(reader.named_destinations)
    links = [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots", []) or []
        if annotation.get_object().get("/Subtype") == "/Link"
    ]
    internal = [link["/Dest"] for link in links if "/Dest" in link]
    assert len(set(internal)) >= 30
    assert set(internal) <= destinations


# --- Page layout --------------------------------------------------------------------------------------------------


def _layout(document: str):
    import weasyprint

    return weasyprint.HTML(string=document, base_url=str(TEMPLATES_DIR)).render()


def _blocks(box) -> list:
    return [
        child
        for child in getattr(box, "children", [])
        if getattr(child, "element_tag", None) and not type(child).__name__.startswith("Line")
    ]


def _last_chain(page) -> list:
    """The page's last block, and each block it is the last one of, outermost first."""
    chain, box = [], page._page_box.children[0]
    while True:
        chain.append(box)
        blocks = _blocks(box)
        if not blocks:
            return chain
        box = blocks[-1]


def _elements(box, found: set) -> set:
    """The HTML elements laid out in ``box`` (identities), at any depth."""
    if getattr(box, "element", None) is not None:
        found.add(id(box.element))
    for child in getattr(box, "children", []):
        _elements(child, found)
    return found


def _starts_with_forced_break(page, previous) -> bool:
    """Whether ``page`` begins with an element that asks for a page break before it (not one continued from
    ``previous``, which keeps its style on every page it spans)."""
    before = _elements(previous._page_box, set())
    box = page._page_box.children[0]
    while True:
        if box.style["break_before"] in ("page", "left", "right", "recto", "verso") and id(box.element) not in before:
            return True
        blocks = _blocks(box)
        if not blocks:
            return False
        box = blocks[0]


@pytest.mark.parametrize("lang", LANGS)
def test_no_heading_ends_a_page_and_no_page_is_left_half_empty(editions, lang):
    """A heading always has some of its section under it, and a figure too tall for the rest of a page does not leave
    more than half of it blank (except before a page break the report asks for, and on the last page)."""
    pages = _layout(editions[lang]["html"]).pages
    for number, page in enumerate(pages, start=1):
        chain = _last_chain(page)
        assert not any(box.element_tag in ("h1", "h2", "h3") for box in chain), f"page {number} ends with a heading"
        if number == len(pages) or _starts_with_forced_break(pages[number], page):
            continue
        body = page._page_box.children[0]
        last = chain[-1]
        filled = (last.position_y + last.margin_height() - body.content_box_y()) / body.height
        assert filled >= 0.5, f"page {number} is {filled:.0%} full"
