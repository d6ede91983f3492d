"""`cnn-report notebook` checks what `build` checks, in the same words, before writing anything."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from report.cli import main


@pytest.mark.parametrize(
    "project",
    [
        "[build]\nepochs = 0\n",
        '[experiment]\nvary = "kernel"\nvalues = [3, 40]\n',
        '[models.cnn]\nbuilder = "missing.py:make_model"\n',
    ],
)
def test_a_bad_project_file_stops_it_as_it_stops_a_build(tmp_path, project):
    (tmp_path / "cnn-report.toml").write_text(project)
    config = ["--config", str(tmp_path / "cnn-report.toml")]
    built = CliRunner().invoke(main, ["build", *config, "--out", str(tmp_path / "report.pdf")])
    written = CliRunner().invoke(main, ["notebook", *config, "--out", str(tmp_path / "analysis.ipynb")])
    assert written.exit_code == built.exit_code == 2
    assert written.output == built.output and written.output.startswith("Error: ")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cnn-report.toml"]


def test_the_notebook_must_be_an_ipynb(tmp_path):
    result = CliRunner().invoke(main, ["notebook", "--out", str(tmp_path / "analysis.pdf")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'analysis.pdf'}: --out must name a .ipynb file, e.g. analysis.ipynb\n"
