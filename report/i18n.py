"""The report's languages: translation catalogs and number formats.

English is the source language: every string in the templates and figures is
written in English and is its own translation. Every other language has a
catalog, the JSON files under ``templates/i18n/<lang>/`` merged into one
mapping from the English text (the msgid) to its translation. A catalog may be
split into several files so that separate parts of the report keep separate
files; a msgid may appear in more than one of them only with the same
translation.

A msgid missing from a catalog is an error, never a silent fallback to
English: an edition with one English paragraph in it would look finished and
be wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from analysis.errors import RenderError

LANGUAGES = ("en", "es")
SOURCE_LANGUAGE = "en"
CATALOGS_DIR = Path(__file__).resolve().parents[1] / "templates" / "i18n"
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}

Translate = Callable[[str], str]


def check_language(lang: str) -> str:
    """``lang`` itself, or a RenderError listing the languages there are."""
    if lang not in LANGUAGES:
        raise RenderError(f"unknown report language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@cache
def load_catalog(lang: str) -> dict[str, str]:
    """Every msgid -> translation of ``lang``, merged from all of ``templates/i18n/<lang>/*.json``."""
    folder = CATALOGS_DIR / check_language(lang)
    catalog: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise RenderError(f"{path}: cannot read the translation catalog ({error})") from None
        if not isinstance(entries, dict) or not all(isinstance(value, str) for value in entries.values()):
            raise RenderError(f"{path}: a translation catalog must be a JSON object of English text -> translated text")
        for msgid, msgstr in entries.items():
            if msgid in catalog and catalog[msgid] != msgstr:
                raise RenderError(
                    f"{path}: {msgid!r} is translated differently in {origin[msgid]}; keep one translation"
                )
            catalog[msgid] = msgstr
            origin[msgid] = path
    return catalog


def translator(lang: str) -> Translate:
    """A gettext-like function for ``lang``: English text in, translated text out.

    For English it returns its argument. For any other language a msgid with no
    (or an empty) translation raises RenderError naming it.
    """
    if check_language(lang) == SOURCE_LANGUAGE:
        return lambda message: message
    catalog = load_catalog(lang)
    folder = CATALOGS_DIR / lang

    def translate(message: str) -> str:
        translation = catalog.get(message)
        if not translation:
            raise RenderError(f"no {_LANGUAGE_NAMES[lang]} translation of {message!r}; add it to a catalog in {folder}")
        return translation

    return translate


def install(environment: jinja2.Environment, lang: str) -> None:
    """Give ``environment`` the ``{% trans %}`` tag and ``_()`` in ``lang``.

    Gettext is new-style: ``_()`` and ``{% trans %}`` substitute their named
    variables after translating and escape them, and blocks are trimmed so a
    paragraph's msgid is one line whatever the template's line breaks.
    """
    translate = translator(lang)
    environment.add_extension("jinja2.ext.i18n")
    environment.policies["ext.i18n.trimmed"] = True

    def ngettext(singular: str, plural: str, count: int) -> str:
        return translate(singular if count == 1 else plural)

    environment.install_gettext_callables(translate, ngettext, newstyle=True)


@dataclass(frozen=True)
class NumberFormat:
    """How one language writes numbers. Every method returns the text the report shows."""

    decimal_point: str
    thousands_separator: str
    # CLDR's minimum grouping digits: Spanish writes 5923 but 60.000.
    minimum_grouping_digits: int
    # Between a number and its unit; Spanish uses a no-break space so '98,94 %' never breaks.
    space: str
    percent_sign: str
    points_unit: str
    not_available: str

    def _number(self, value: float, digits: int, sign: bool = False, group: bool = False) -> str:
        text = f"{value:{'+' if sign else ''},.{digits}f}"
        whole, _, fraction = text.partition(".")
        grouped = len(whole.lstrip("+-").replace(",", "")) >= 3 + self.minimum_grouping_digits
        whole = whole.replace(",", self.thousands_separator if group and grouped else "")
        # A typeset minus sign, as wide as the plus sign it stands beside in the tables.
        return whole.replace("-", "\N{MINUS SIGN}") + (self.decimal_point + fraction if fraction else "")

    def percent(self, value: float, digits: int = 2) -> str:
        """0.98941 -> '98.94%' (es: '98,94 %')."""
        return self._number(100 * value, digits) + self.percent_sign

    def points(self, value: float, digits: int = 2) -> str:
        """A difference in percentage points, signed: 1.4 -> '+1.40 pp' (es: '+1,40 p. p.')."""
        return self._number(value, digits, sign=True) + self.space + self.points_unit

    def integer(self, value: int) -> str:
        """121930 -> '121,930' (es: '121.930')."""
        return self._number(int(value), 0, group=True)

    def decimal(self, value: float, digits: int = 4) -> str:
        """0.041612 -> '0.0416' (es: '0,0416')."""
        return self._number(value, digits)

    def change(self, value: float, digits: int = 4) -> str:
        """A signed difference of decimals: -0.0031 -> '−0.0031' (es: '−0,0031'), 0.002 -> '+0.0020'."""
        return self._number(value, digits, sign=True)

    def ratio(self, value: float | None, digits: int = 1) -> str:
        """2.345 -> '2.3×' (es: '2,3×'); 'n/a' when there is no ratio."""
        return self.not_available if value is None else self._number(value, digits) + "×"

    def seconds(self, value: float) -> str:
        """Seconds, as a reader wants them: '0.4 s', '42 s', '6 min 05 s'."""
        if value < 10:
            return self._number(value, 1) + self.space + "s"
        if value < 60:
            return self._number(value, 0) + self.space + "s"
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes}{self.space}min{self.space}{seconds:02d}{self.space}s"

    def percent_spread(self, value: float, spread: float | None, digits: int = 2) -> str:
        """Mean and standard deviation over seeds: '98.94 ± 0.05%'; just '98.94%' with a single seed."""
        if spread is None:
            return self.percent(value, digits)
        return f"{self._number(100 * value, digits)}{self.space}±{self.space}{self._number(100 * spread, digits)}{self.percent_sign}"

    def decimal_spread(self, value: float, spread: float | None, digits: int = 4) -> str:
        """'0.0416 ± 0.0012', or '0.0416' with a single seed."""
        if spread is None:
            return self.decimal(value, digits)
        return f"{self._number(value, digits)}{self.space}±{self.space}{self._number(spread, digits)}"

    def count(self, value: float) -> str:
        """A count, or a mean of counts over seeds: '1,234' or '105.3'."""
        return self.integer(value) if float(value).is_integer() else self._number(value, 1, group=True)

    def filters(self) -> dict[str, Callable[..., str]]:
        """The methods as Jinja filters, under the names the templates use."""
        names = (
            "percent",
            "points",
            "integer",
            "decimal",
            "change",
            "ratio",
            "seconds",
            "percent_spread",
            "decimal_spread",
            "count",
        )
        return {name: getattr(self, name) for name in names}


_NBSP = "\u00a0"
_NUMBER_FORMATS = {
    "en": NumberFormat(
        decimal_point=".",
        thousands_separator=",",
        minimum_grouping_digits=1,
        space=" ",
        percent_sign="%",
        points_unit="pp",
        not_available="n/a",
    ),
    "es": NumberFormat(
        decimal_point=",",
        thousands_separator=".",
        minimum_grouping_digits=2,
        space=_NBSP,
        percent_sign=_NBSP + "%",
        points_unit=f"p.{_NBSP}p.",
        not_available="n/d",
    ),
}


def number_format(lang: str) -> NumberFormat:
    """The :class:`NumberFormat` of ``lang``."""
    return _NUMBER_FORMATS[check_language(lang)]
