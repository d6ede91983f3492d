"""The system tests' fixtures: a real browser, and whole builds of a student's project made once per test run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_checks import AXE, CHROMIUM_ARGUMENTS, missing
from builds import read_report, run_build
from student_project import write_project


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        missing("Chromium", "apt-get install chromium")
    if not AXE.is_file():
        missing(f"axe-core ({AXE})", "npm ci")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright", "pip install playwright")
    with sync_playwright() as playwright:
        # Debian's Chromium: Playwright's own browser download needs internet the tests may not have.
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGUMENTS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def student(shared_builds) -> dict:
    """The sample project (tests/student_project.py) built in English, then in Spanish from the cached models."""

    def make(folder: Path) -> None:
        project_file = write_project(folder)
        for lang in ("en", "es"):
            # --config by absolute path from another working directory: the file's relative paths still resolve.
            run_build("--config", project_file, "--lang", lang, "--out", folder / "out" / f"report-{lang}.pdf")

    folder = shared_builds.get("student", make)
    return {
        "folder": folder,
        "file": folder / "cnn-report.toml",
        **{lang: read_report(folder / "out" / f"report-{lang}.pdf") for lang in ("en", "es")},
    }
