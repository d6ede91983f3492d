"""The student's notes: Markdown with live numbers, math and images, rendered into the report's sections.

A note goes through three steps, each with a maintained library:

1. ``{{ ... }}`` placeholders and ``{% ... %}`` tags are evaluated by a
   *sandboxed* Jinja environment over report.json's structure (``models``,
   ``comparison``, ``dataset``, ...), with filters that write numbers the way
   the report does in its language (:class:`report.i18n.NumberFormat`).
2. The Markdown is parsed by markdown-it-py (CommonMark, with tables,
   strikethrough, footnotes and ``$...$`` / ``$$...$$`` math from
   mdit-py-plugins). Raw HTML is not interpreted: it shows as text.
3. Math is typeset by matplotlib's mathtext (no LaTeX needed) as SVG, and
   images are embedded as data URIs, so the report stays one self-contained
   file. Images must be files inside the project folder: nothing is fetched.

Every mistake is a :class:`ProjectError` naming the file and line. The build
checks the notes against the structure report.json will have
(:func:`report.summary.summarize_plan`) before any training starts.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from analysis.errors import ProjectError
from report.i18n import NumberFormat, number_format

# A note's headings continue the report's outline: its top level sits one below the section's heading (<h2>, or
# <h3> for the course's questions), and its levels close up, so that no level is skipped ("#" then "###" is <h3>
# then <h4>). Screen readers navigate by these levels.
_FIRST_HEADING_LEVEL = 3
_SUBSECTIONS = {"q1", "q2", "q3"}
# The body text is 10 pt (templates/report.css); formulas are set at that size, displayed ones larger.
_TEXT_POINTS = 10.0
_DISPLAY_POINTS = 12.0
_IMAGE_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
# Characters that could turn a placeholder's value into Markdown (or, as %, end a formula); escaped with a backslash.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$%~])")
# A comma between digits (a decimal comma, a thousands separator) is part of the number: TeX's {,} sets it without
# the space a comma as punctuation gets.
_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d)")


@dataclass(frozen=True)
class Note:
    """One ``[notes.<section>]`` entry, read and checked: its Markdown and the images it shows."""

    section: str
    label: str  # the path as written in the project file, for messages
    path: Path
    mode: str
    text: str
    images: tuple[Path, ...]


@dataclass(frozen=True)
class RenderedNote:
    """A note as HTML, and where it goes in its section."""

    mode: str
    html: Markup


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (links followed) lies inside ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())


def check_markdown(text: str, label: str, base: Path, project_folder: Path) -> tuple[Path, ...]:
    """What can be checked before the data is read: placeholder syntax and images. Returns the images' paths."""
    _compile(_environment("en"), text, label)
    images = []
    for token, line in _walk(_markdown().parse(text)):
        if token.type == "image":
            images.append(_resolve_image(token.attrGet("src") or "", base, project_folder, f"{label}:{line}"))
    return tuple(dict.fromkeys(images))


def render_notes(notes: Mapping[str, Note], summary: dict, lang: str, project_folder: Path) -> dict[str, RenderedNote]:
    """Every note as HTML in ``lang``, by section; an empty note renders as nothing and is left out."""
    renderer = _Renderer(summary, lang, project_folder)
    rendered = {}
    for section, note in notes.items():
        body = renderer.render(note.text, note.label, note.path.parent, doc_id=section)
        if body:
            rendered[section] = RenderedNote(
                note.mode, Markup(f'<div class="notes" data-section="{section}">\n{body}</div>\n')
            )
    return rendered


def render_markdown(text: str, label: str, summary: dict, lang: str, project_folder: Path, doc_id: str) -> Markup:
    """One piece of Markdown from the project file itself (the abstract), rendered like a note."""
    return Markup(_Renderer(summary, lang, project_folder).render(text, label, project_folder, doc_id=doc_id))


class _Renderer:
    def __init__(self, summary: dict, lang: str, project_folder: Path):
        self.summary = summary
        self.environment = _environment(lang, top_level=tuple(summary))
        self.project_folder = project_folder

    def render(self, text: str, label: str, base: Path, doc_id: str) -> str:
        template = _compile(self.environment, text, label)
        try:
            markdown = template.render(**self.summary)
        except jinja2.UndefinedError as error:
            line = _template_line(error)
            raise ProjectError(
                f"{label}:{line}: {_expression(text, line, error)}names nothing: {error.message}"
            ) from None
        except jinja2.TemplateError as error:
            line = _template_line(error)
            raise ProjectError(
                f"{label}:{line}: {_expression(text, line, error)}cannot be evaluated: {error}"
            ) from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as error:
            line = _template_line(error)
            raise ProjectError(
                f"{label}:{line}: {_expression(text, line, error)}cannot be evaluated: {type(error).__name__}: {error}"
            ) from None
        if not markdown.strip():
            return ""
        parser = _markdown()
        environment = {"docId": doc_id}
        tokens = parser.parse(markdown, environment)
        levels = sorted({int(token.tag[1]) for token in tokens if token.type == "heading_open"})
        first = _FIRST_HEADING_LEVEL + (doc_id in _SUBSECTIONS)
        heading_tags = {f"h{level}": f"h{min(6, first + rank)}" for rank, level in enumerate(levels)}
        for token, line in _walk(tokens):
            where = f"{label}:{line}"
            if token.type in ("heading_open", "heading_close"):
                token.tag = heading_tags[token.tag]
            elif token.type == "image":
                path = _resolve_image(token.attrGet("src") or "", base, self.project_folder, where)
                token.attrSet("src", _data_uri(path, where))
            elif token.type in ("math_inline", "math_block", "math_block_label", "math_inline_double"):
                display = token.type.startswith("math_block") or token.type == "math_inline_double"
                token.type = "html_block" if token.type.startswith("math_block") else "html_inline"
                token.content = _math_html(token.content.strip(), display, where)
        _make_figures(tokens)
        return parser.renderer.render(tokens, parser.options, environment)


@cache
def _markdown() -> MarkdownIt:
    """CommonMark with tables, strikethrough, footnotes and dollar math; raw HTML is shown as text."""
    parser = MarkdownIt("commonmark", {"html": False})
    parser.enable(["table", "strikethrough"])
    # allow_digits=False: "costs $5 and $6" stays text.
    return parser.use(footnote_plugin).use(dollarmath_plugin, allow_digits=False)


def _make_figures(tokens: list[Token]) -> None:
    """An image alone in its paragraph becomes a figure captioned with its description, like the report's own."""
    for opening, inline, closing in zip(tokens, tokens[1:], tokens[2:]):
        children = inline.children or []
        if (
            opening.type == "paragraph_open"
            and closing.type == "paragraph_close"
            and len(children) == 1
            and children[0].type == "image"
        ):
            opening.tag = closing.tag = "figure"
            caption = html.escape("".join(part.content for part in children[0].children or ()).strip())
            if caption:
                children.append(Token("html_inline", "", 0, content=f"<figcaption>{caption}</figcaption>"))


def _walk(tokens: list[Token]):
    """Every token, inline ones included, with the (1-based) line of the block it is in."""
    line = 1
    for token in tokens:
        if token.map:
            line = token.map[0] + 1
        yield token, line
        for child in token.children or ():
            yield child, line


# --- Placeholders -----------------------------------------------------------------------------------------------


def filters(numbers: NumberFormat) -> dict[str, Callable[..., str]]:
    """The number filters of notes, in the report's language: pct, pct_pm, num, num_pm, pp, ratio, seconds."""

    def pct_pm(value, std=None, digits: int = 2) -> str:
        """``98.94 ± 0.05%``; given a model (``models.cnn_k3 | pct_pm``), its test accuracy (or the named metric)."""
        if isinstance(value, Mapping):
            key = std if isinstance(std, str) else "test_accuracy"
            value, std = value[key], value.get(f"{key}_std")
        return numbers.percent_spread(value, std, digits)

    def num_pm(value, std=None, digits: int = 4) -> str:
        if isinstance(value, Mapping):
            key = std if isinstance(std, str) else "test_loss"
            value, std = value[key], value.get(f"{key}_std")
        return numbers.decimal_spread(value, std, digits)

    def num(value, digits: int | None = None) -> str:
        """Whole numbers grouped (``121,930``), others with ``digits`` decimals (2 unless given)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"num expects a number, not {value!r}")
        if isinstance(value, int) and digits is None:
            return numbers.integer(value)
        return numbers.decimal(value, 2 if digits is None else digits)

    return {
        "pct": numbers.percent,
        "pct_pm": pct_pm,
        "num": num,
        "num_pm": num_pm,
        "pp": numbers.points,
        "ratio": numbers.ratio,
        "seconds": numbers.seconds,
    }


def _environment(lang: str, top_level: tuple[str, ...] = ()) -> jinja2.Environment:
    """A sandboxed Jinja environment for notes: no access to Python internals, no changes to the data."""
    environment = ImmutableSandboxedEnvironment(
        undefined=_undefined_class(top_level),
        autoescape=False,  # The output is Markdown; markdown-it escapes what is HTML.
        finalize=_escape_markdown,
        keep_trailing_newline=True,
    )
    environment.filters.update(filters(number_format(lang)))
    return environment


def _escape_markdown(value: object) -> str:
    """A placeholder's value as plain text in Markdown (and in a formula): no stray emphasis, links or math."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def _compile(environment: jinja2.Environment, text: str, label: str) -> jinja2.Template:
    try:
        return environment.from_string(text)
    except jinja2.TemplateSyntaxError as error:
        raise ProjectError(
            f"{label}:{error.lineno}: {error.message} (placeholders are written {{{{ name | filter }}}})"
        ) from None


def _undefined_class(top_level: tuple[str, ...]) -> type[jinja2.StrictUndefined]:
    """StrictUndefined whose message says what does exist there, and the closest name to the one written."""

    class NamesNothing(jinja2.StrictUndefined):
        @property
        def _undefined_message(self) -> str:
            name, owner = self._undefined_name, self._undefined_obj
            if self._undefined_hint:  # The sandbox's own reason, such as an unsafe attribute.
                return self._undefined_hint
            if owner is jinja2.utils.missing:
                return _no_such(str(name), list(top_level), "name")
            if isinstance(owner, Mapping):
                return _no_such(str(name), [str(key) for key in owner], "key")
            if isinstance(owner, (list, tuple)):
                return f"index {name} is past the end of a list of {len(owner)} item(s)"
            return f"a {type(owner).__name__} has no {name!r}"

    return NamesNothing


def _no_such(name: str, valid: list[str], what: str) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"there is no {what} {name!r}{hint}; there are: {', '.join(valid)}"


def _template_line(error: BaseException) -> int:
    """The note's line where Jinja failed (Jinja maps template frames back to the template's lines)."""
    line = getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line or 1


def _expression(text: str, line: int, error: BaseException) -> str:
    """The placeholder on ``line`` that failed, quoted, to start the message (empty if it cannot be told)."""
    lines = text.splitlines()
    candidates = _PLACEHOLDER.findall(lines[line - 1]) if 0 < line <= len(lines) else []
    # The first quoted name of the message is the one that failed ("there is no key 'cnn_k9' ...").
    missing = re.search(r"'(\w+)'", getattr(error, "message", None) or "")
    named = [candidate for candidate in candidates if missing and missing.group(1) in candidate]
    chosen = named or candidates
    return f"{chosen[0]} " if chosen else ""


# --- Images -----------------------------------------------------------------------------------------------------


def _resolve_image(source: str, base: Path, project_folder: Path, where: str) -> Path:
    """The image file ``source`` names, checked: a local file inside the project folder, of a type browsers and PDFs show."""
    if not source or _URL.match(source):
        raise ProjectError(
            f"{where}: image {source!r} is not a file in the project; cnn-report never fetches URLs — save the image "
            "in the project folder and give its relative path"
        )
    # Relative to the note, as Markdown editors read it; failing that, to the project folder.
    candidates = [base / unquote(source), project_folder / unquote(source)]
    path = next((candidate for candidate in candidates if candidate.is_file()), candidates[0])
    if not path.is_file():
        raise ProjectError(f"{where}: image {source} not found ({path}); check the path, relative to the note")
    if not is_inside(path, project_folder):
        raise ProjectError(f"{where}: image {source} is outside the project folder {project_folder}; move it in")
    _image_type(path, where)
    return path


def _image_type(path: Path, where: str) -> str:
    """The MIME type of an image, from its first bytes (a name can lie)."""
    with path.open("rb") as stream:
        head = stream.read(1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        kind = "gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = "webp"
    elif b"<svg" in head:
        kind = "svg"
    else:
        raise ProjectError(f"{where}: {path.name} is not a PNG, JPEG, GIF, WebP or SVG image; convert it to PNG")
    return _IMAGE_TYPES[kind]


def _data_uri(path: Path, where: str) -> str:
    return f"data:{_image_type(path, where)};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


# --- Math -------------------------------------------------------------------------------------------------------


def _math_html(tex: str, display: bool, where: str) -> str:
    """A formula as an SVG image sized in em, on the text's baseline, with its TeX as the alt text for screen readers."""
    svg, width, height, depth = _typeset(tex, _DISPLAY_POINTS if display else _TEXT_POINTS, where)
    source = base64.b64encode(svg).decode("ascii")
    # Sizes in em of the 10 pt text, so that the formula scales with it on screen and in print.
    style = f"width:{width / _TEXT_POINTS:.3f}em;height:{height / _TEXT_POINTS:.3f}em;vertical-align:{-depth / _TEXT_POINTS:.3f}em"
    image = f'<img class="math" src="data:image/svg+xml;base64,{source}" alt="{html.escape(tex)}" style="{style}">'
    return f'<div class="math-display">{image}</div>\n' if display else image


@lru_cache(maxsize=256)
def _typeset(tex: str, points: float, where: str) -> tuple[bytes, float, float, float]:
    """SVG of ``$tex$`` at ``points``, and its width, height and depth below the baseline, in points."""
    # Imported here: matplotlib takes a moment to load, and most notes have no math.
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    prop = FontProperties(size=points, math_fontfamily="dejavuserif")
    formula = "$" + _NUMBER_COMMA.sub("{,}", tex) + "$"
    # Measured at ten times 72 dpi, so sizes come in tenths of a point.
    try:
        width, height, depth, _, _ = MathTextParser("path").parse(formula, dpi=720, prop=prop)
    except ValueError as error:
        reason = " ".join(str(error).split()).split("Exception: ")[-1]
        raise ProjectError(
            f"{where}: cannot typeset ${tex}$: {reason} (matplotlib's mathtext, a subset of TeX)"
        ) from None
    width, height, depth = width / 10, height / 10, depth / 10
    figure = Figure(figsize=(width / 72, height / 72))
    figure.text(0, depth / height, formula, fontproperties=prop)
    output = io.BytesIO()
    # A fixed hash salt and no date keep the SVG the same from build to build.
    with matplotlib.rc_context({"svg.hashsalt": "cnn-report", "svg.fonttype": "path"}):
        figure.savefig(output, format="svg", transparent=True, metadata={"Date": None})
    return output.getvalue(), width, height, depth
