"""The HTML report in a real browser: Debian's Chromium, driven by Playwright, checked by axe-core.

At a phone's width (390 px) and a desktop's (1280 px), in light and dark mode, in both languages: nothing is
wider than the screen (a wide table scrolls inside its own box), every link of the table of contents leads to a
heading, and axe-core finds no violation of any of its rules: WCAG A to AAA, best practices and experimental
rules included. setup.sh installs the three tools; under CI a missing one fails these tests, elsewhere it skips
them with the command that installs it.

Set CNN_REPORT_SCREENSHOTS to a folder to keep a full-page screenshot of every combination, for a person to
look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser_checks import AXE, AXE_RUN, OVERFLOWING, TOC_TARGETS, WIDTHS


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_html_fits_the_screen_navigates_and_passes_axe(browser, editions, lang, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(editions[lang]["pdf"].with_suffix(".html").as_uri())
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")

        # Nothing wider than the window, and not by hiding what sticks out.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(
            "[getComputedStyle(document.documentElement).overflowX, getComputedStyle(document.body).overflowX]"
        ) == ["visible", "visible"]
        assert page.evaluate(OVERFLOWING) == []

        # Every entry of the table of contents leads to a heading.
        targets = page.evaluate(TOC_TARGETS)
        assert len(targets) >= 15
        assert all(tag in ("H2", "H3") for _, tag in targets), [
            href for href, tag in targets if tag not in ("H2", "H3")
        ]

        page.add_script_tag(path=str(AXE))
        result = page.evaluate(AXE_RUN)
        assert result["rules"] > 90
        assert result["violations"] == []

        folder = os.environ.get("CNN_REPORT_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{lang}-{width}-{scheme}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_students_report_fits_the_screen_and_passes_axe(browser, student, lang, width, scheme):  # noqa: F811
    """Title page, notes with a table, footnote, image and formulas, a conclusion: still no axe violation."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(student[lang]["pdf"].with_suffix(".html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOWING) == []
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN)["violations"] == []
    finally:
        context.close()
