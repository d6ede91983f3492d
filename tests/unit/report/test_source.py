"""The program's own source and its digest: an edit of the code or templates is a new program; anything else is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.source import source_digest


@pytest.mark.parametrize(
    "edited",
    [
        "templates/report.html.j2",
        "templates/sections/probes.html.j2",
        "templates/report.css",
        "templates/i18n/es/report.json",
        "templates/a_new_partial.html.j2",
        "analysis/plan.py",
        "analysis/training.py",
        "analysis/a_new_module.py",
        "templates/sections/experiment.html.j2",
        "analysis/variables.py",
        "report/summary/__init__.py",
        "report/render.py",
        "report/i18n.py",
        "report/sagemaker/job.py",
        "pyproject.toml",
    ],
)
def test_editing_code_or_templates_changes_the_fingerprint(project_copy, edited):
    before = source_digest(project_copy)
    assert source_digest(project_copy) == before  # stable while nothing changes
    _append(project_copy / edited, "\n")
    assert source_digest(project_copy) != before, f"an edit of {edited} would reuse the report rendered before it"


@pytest.mark.parametrize("edited", ["README.md", "tests/test_something.py"])
def test_editing_what_the_report_does_not_depend_on_keeps_the_fingerprint(project_copy, edited):
    before = source_digest(project_copy)
    _append(project_copy / edited, "\n# more\n")
    assert source_digest(project_copy) == before


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text() if path.exists() else "") + text)
