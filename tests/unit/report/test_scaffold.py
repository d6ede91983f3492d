"""`cnn-report init`: a commented project file and an empty note per section, changing nothing until the student
writes, never overwriting a file."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from analysis.data import PROJECT_DIR
from report.cli import build as build_command
from report.cli import main
from report.project import SECTIONS, load_project


def test_init_writes_a_project_that_changes_nothing_and_never_overwrites(tmp_path):
    folder = tmp_path / "assignment"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (folder / "notes").iterdir()) == sorted(f"{section}.md" for section in SECTIONS)
    assert all((folder / "notes" / f"{section}.md").read_text() == "" for section in SECTIONS)
    text = (folder / "cnn-report.toml").read_text()
    for option in build_command.params:
        if option.name != "config_file":
            assert f"# {option.name} = " in text, option.name  # every build option, commented out
    # Each with its --help line and its default, as TOML.
    assert "# epochs: Training epochs per model.\n# epochs = 10\n" in text
    assert '# lang: Language of the report: en (English) or es (Spanish).\n# lang = "en"\n' in text
    project = load_project(folder / "cnn-report.toml")
    assert set(project.notes) == set(SECTIONS) and not project.report.has_title_page and not project.build
    # Run again after the student wrote something: nothing is overwritten.
    (folder / "notes" / "q1.md").write_text("My answer.")
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0 and "Kept 13 existing file(s)" in result.output
    assert (folder / "notes" / "q1.md").read_text() == "My answer."
    assert (folder / "cnn-report.toml").read_text() == text


def test_the_project_file_names_no_folder_of_the_machine(tmp_path):
    # The file is handed in with the report: its comments (the options' --help) must read the same on every machine.
    folder = tmp_path / "assignment"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    text = (folder / "cnn-report.toml").read_text()
    folders = [str(Path.home()), str(PROJECT_DIR), str(tmp_path), "/root", "/home/"]
    folders += [os.environ[name] for name in ("CNN_REPORT_DATA", "XDG_CACHE_HOME") if os.environ.get(name)]
    assert [name for name in folders if name in text] == []
    assert [word for word in re.split(r"[\s\"'`()\[\],=]+", text) if word.startswith("/")] == []
