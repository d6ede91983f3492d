"""What the browser tests check in a page, as scripts Playwright runs in it, and where their tools are."""

from __future__ import annotations

import os

import pytest

from analysis.data import PROJECT_DIR

CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


def missing(what: str, how: str):
    message = f"{what} is missing ({how}; setup.sh does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
