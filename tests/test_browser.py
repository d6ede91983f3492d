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
import shutil
from pathlib import Path

import pytest

from analysis.data import PROJECT_DIR

pytestmark = pytest.mark.slow

CHROMIUM_ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                      "--disable-sync", "--no-first-run"]
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1280)

# Elements wider than the window that are not inside a box that scrolls sideways: the page itself would scroll.
OVERFLOWING = """() => {
  const scrolls = (element) => ['auto', 'scroll'].includes(getComputedStyle(element).overflowX);
  const inScrollBox = (element) => { for (let e = element.parentElement; e; e = e.parentElement) { if (scrolls(e)) return true; } return false; };
  return [...document.body.querySelectorAll('*')]
    .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5 && !inScrollBox(element))
    .map((element) => element.outerHTML.slice(0, 120));
}"""
TOC_TARGETS = """() => [...document.querySelectorAll('nav a')].map((link) => {
  const id = decodeURIComponent(link.getAttribute('href').slice(1));
  const target = document.getElementById(id);
  return [link.getAttribute('href'), target ? target.tagName : null];
})"""
# Every rule axe-core has, whatever its tags: "all rules" means the experimental and AAA ones too.
AXE_RUN = """async () => {
  const rules = axe.getRules().map((rule) => rule.ruleId);
  const results = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return {rules: rules.length, violations: results.violations.map((violation) => ({
    id: violation.id, help: violation.help, nodes: violation.nodes.slice(0, 3).map((node) => node.html.slice(0, 160))}))};
}"""


def _missing(what: str, how: str):
    message = f"{what} is missing ({how}; setup.sh does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("Chromium", "apt-get install chromium")
    if not AXE.is_file():
        _missing(f"axe-core ({AXE})", "npm ci")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright", "pip install playwright")
    with sync_playwright() as playwright:
        # Debian's Chromium: Playwright's own browser download needs internet the tests may not have.
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGUMENTS)
        yield launched
        launched.close()


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
        assert page.evaluate("[getComputedStyle(document.documentElement).overflowX, getComputedStyle(document.body).overflowX]") == ["visible", "visible"]
        assert page.evaluate(OVERFLOWING) == []

        # Every entry of the table of contents leads to a heading.
        targets = page.evaluate(TOC_TARGETS)
        assert len(targets) >= 15
        assert all(tag in ("H2", "H3") for _, tag in targets), [href for href, tag in targets if tag not in ("H2", "H3")]

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
