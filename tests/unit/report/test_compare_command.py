"""`cnn-report compare OLD NEW` through click's CliRunner, on pairs of hand-written reports (tests/reports.py).

The numbers of tests/reports.py's default report, which each test changes:

    baseline  97.70 ± 0.20 %    cnn_k3  98.90 ± 0.20 %    cnn_k5  99.00 ± 0.10 %

so a move of cnn_k3's accuracy is beyond seed noise when it is larger than 0.40 points, and the CNN's lead over
the baseline (1.20 points) stays beyond the spread while it is larger than 0.40 points.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from report.changes import compare_reports
from report.cli import main

import synthetic
from reports import make_report
from synthetic import Scenario

LATER = "2026-12-02T10:30:00+00:00"
FLIP = "Flipped: the CNN beats the baseline by more than the seeds' spread — was true, now false"
NOT_REPRODUCED = "Not reproduced: the numbers moved"


def write(path: Path, report: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def compare(tmp_path: Path, old: object, new: object, *options: str, color: bool = False):
    """Run the command on ``old`` and ``new`` written as files.

    Not named report.json: tests/conftest.py checks those against docs/report.schema.json, and these hand-written
    reports hold only what the comparison reads.
    """
    old_file, new_file = write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)
    return CliRunner().invoke(main, ["compare", str(old_file), str(new_file), *options], color=color)


def row(output: str, model: str, metric: str = "test accuracy") -> str:
    """The line of the metrics table for one model's metric."""
    [line] = [line for line in output.splitlines() if line.startswith(f"{model} ") and metric in line]
    return line


def exit_codes(tmp_path: Path, old: dict, new: dict) -> dict[str | None, int]:
    """The exit code without --fail-on (None) and with each of its values."""
    codes = {None: compare(tmp_path, old, new).exit_code}
    for fail_on in ("flip", "change", "any"):
        codes[fail_on] = compare(tmp_path, old, new, "--fail-on", fail_on).exit_code
    return codes


def test_nothing_changed_exits_0_with_every_fail_on(tmp_path):
    old, new = make_report(), make_report(generated_at=LATER, environment={"stage_seconds": {"training": 5.0}})
    result = compare(tmp_path, old, new)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Report of 2026-12-01 09:00 UTC (code c0dec0dec0de, settings 348a431dbe88) → "
        "report of 2026-12-02 10:30 UTC (code c0dec0dec0de, settings 348a431dbe88)",
        "",
        "Nothing changed: same as the report of 2026-12-01 09:00 UTC.",
    ]
    assert exit_codes(tmp_path, old, new) == {None: 0, "flip": 0, "change": 0, "any": 0}


def test_a_change_within_noise_fails_only_on_any(tmp_path):
    # cnn_k3 +0.05 points, under the 0.40 points of spread, with another seed to explain it.
    old, new = make_report(), make_report({"cnn_k3": (0.9895, 0.0020)}, settings={"seed": 7, "seeds": [7, 8, 9]})
    output = compare(tmp_path, old, new).output
    line = row(output, "cnn_k3")
    assert "within seed noise" in line and "beyond seed noise" not in line
    assert "98.90 ± 0.20%" in line and "98.95 ± 0.20%" in line and "+0.05 pp" in line
    assert "5 metrics unchanged." in output and "seed: 42 → 7" in output
    assert NOT_REPRODUCED not in output and "Flipped" not in output
    assert exit_codes(tmp_path, old, new) == {None: 0, "flip": 0, "change": 0, "any": 1}


def test_a_change_beyond_noise_fails_on_change_but_not_on_flip(tmp_path):
    # The baseline −0.70 points: beyond its 0.40 points of spread, and the CNN's lead grows (no conclusion flips).
    old, new = make_report(), make_report({"baseline": (0.9700, 0.0020)}, settings={"epochs": 5})
    output = compare(tmp_path, old, new).output
    line = row(output, "baseline")
    assert "beyond seed noise" in line and "within seed noise" not in line and "\N{MINUS SIGN}0.70 pp" in line
    assert "Flipped" not in output
    assert "A change is beyond seed noise when it is larger than the sum of the two reports' seed-to-seed" in output
    assert exit_codes(tmp_path, old, new) == {None: 0, "flip": 0, "change": 1, "any": 1}


def test_a_flipped_conclusion_fails_on_flip(tmp_path):
    # cnn_k3 falls to 97.90 %: only 0.20 points over the baseline, within the spread.
    old, new = make_report(), make_report({"cnn_k3": (0.9790, 0.0020)}, settings={"epochs": 5})
    output = compare(tmp_path, old, new).output
    assert FLIP in output
    assert FLIP.replace("was true, now false", "was false, now true") not in output
    assert exit_codes(tmp_path, old, new) == {None: 0, "flip": 1, "change": 1, "any": 1}


def test_numbers_that_moved_with_nothing_else_changed_are_a_failure_to_reproduce(tmp_path):
    # Only the date and the times differ; cnn_k3 moved anyway.
    old = make_report()
    new = make_report({"cnn_k3": (0.9892, 0.0020)}, generated_at=LATER, environment={"jobs": 1})
    output = compare(tmp_path, old, new).output
    lines = output.splitlines()
    alert = next(index for index, line in enumerate(lines) if line.startswith(NOT_REPRODUCED))
    assert alert == 2 and "the data, settings, design, code and environment are the same" in lines[alert]
    assert alert < lines.index(row(output, "cnn_k3"))
    assert "Environment changed" not in output


def test_numbers_that_moved_with_the_environment_are_explained_by_it(tmp_path):
    old = make_report()
    new = make_report({"cnn_k3": (0.9892, 0.0020)}, versions={"tensorflow": "2.22.0"})
    output = compare(tmp_path, old, new).output
    assert NOT_REPRODUCED not in output
    assert "Environment changed:\n  tensorflow: 2.21.0 → 2.22.0" in output


def test_models_added_and_removed_are_named(tmp_path):
    old = make_report()
    new = make_report({"cnn_k7": (0.9880, 0.0010)}, without=("cnn_k5",), settings={"kernel_sizes": [3, 7]})
    output = compare(tmp_path, old, new).output
    assert "Models added: cnn_k7." in output and "Models removed: cnn_k5." in output
    # No metric of a model only one report has; the CNNs both have are unchanged.
    assert not [line for line in output.splitlines() if line.startswith(("cnn_k5 ", "cnn_k7 "))]
    assert "No metric changed (4 metrics unchanged)." in output


def test_with_one_seed_no_change_can_be_judged(tmp_path):
    old, new = make_report(seeds=1), make_report({"cnn_k3": (0.9790, 0.0020)}, seeds=1, settings={"epochs": 5})
    result = compare(tmp_path, old, new, "--fail-on", "change")
    line = row(result.output, "cnn_k3")
    assert "cannot judge (one seed)" in line
    assert "beyond seed noise" not in line and "within seed noise" not in line
    assert "98.90%" in line and "±" not in line
    # Neither verdict is a conclusion with one seed: nothing flipped, nothing beyond noise.
    assert "Flipped" not in result.output and result.exit_code == 0


def test_a_report_older_than_schema_version_is_compared_as_far_as_it_goes(tmp_path):
    old = make_report(before_schema_version=True)
    result = compare(tmp_path, old, make_report({"cnn_k3": (0.9790, 0.0020)}, generated_at=LATER))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Report of 2026-12-01 09:00 UTC (code unknown, settings ")
    assert "beyond seed noise" in row(result.output, "cnn_k3") and FLIP in result.output
    assert "Could not compare: the design, the notes and the title page, the code version." in result.output
    # Without the code's digest, moved numbers are not called a failure to reproduce.
    assert NOT_REPRODUCED not in result.output


def test_an_old_report_with_the_same_numbers_says_what_it_could_not_compare(tmp_path):
    output = compare(tmp_path, make_report(before_schema_version=True), make_report()).output
    # Not "nothing changed": only what was compared can be said unchanged.
    assert "Nothing changed" not in output
    assert "No metric changed (6 metrics unchanged)." in output
    assert "Could not compare: the design, the notes and the title page, the code version." in output


@pytest.mark.parametrize(
    "content, message",
    [
        ({"hello": "world"}, "not a report.json written by cnn-report"),
        ({**make_report(), "schema_version": 99}, "report schema version 99 is newer than this cnn-report reads"),
        ("[1, 2", "cannot read it as JSON"),
    ],
)
def test_a_report_it_cannot_read_is_a_one_line_error_naming_the_file(tmp_path, content, message):
    other = tmp_path / "other.json"
    other.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    write(tmp_path / "new.json", make_report())
    result = CliRunner().invoke(main, ["compare", str(other), str(tmp_path / "new.json")])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {other}: ") and message in line
    assert "Traceback" not in result.output


def test_a_folder_without_a_report_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "new.json", make_report())
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "empty"), str(tmp_path / "new.json")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path / 'empty' / 'report.json'}: no report.json there")


def test_a_folder_holding_report_json_is_read(tmp_path):
    # Whole reports, as a build writes them (tests/synthetic.py): the main CNN's mistakes 10 -> 20 of 1,000 per seed.
    write(tmp_path / "old" / "report.json", synthetic.build().summary())
    more_mistakes = Scenario().with_(kernels={3: (22, 20, 18), 5: (15, 13, 11), 7: (18, 16, 14)})
    write(tmp_path / "new" / "report.json", synthetic.build(more_mistakes).summary())
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "old"), str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    line = row(result.output, "cnn_k3")
    assert "99.00 ± 0.20%" in line and "98.00 ± 0.20%" in line and "\N{MINUS SIGN}1.00 pp" in line
    assert "beyond seed noise" in line and "within seed noise" not in line
    assert "Could not compare" not in result.output


def test_json_is_the_changes_block_itself(tmp_path):
    old, new = make_report(), make_report({"cnn_k3": (0.9790, 0.0020)}, versions={"numpy": "2.5.0"})
    result = compare(tmp_path, old, new, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == compare_reports(old, new)
    assert result.output.startswith('{\n  "previous": {')


def test_markdown_has_a_pipe_table_for_a_pull_request(tmp_path):
    old, new = make_report(), make_report({"cnn_k3": (0.9790, 0.0020)})
    output = compare(tmp_path, old, new, "--format", "markdown").output
    assert "| model | metric | old | new | change | verdict |\n|---|---|--:|--:|--:|---|\n" in output
    assert (
        "| cnn_k3 | test accuracy | 98.90 ± 0.20% | 97.90 ± 0.20% | \N{MINUS SIGN}1.00 pp | **beyond seed noise** |"
        in (output)
    )
    assert f"- {FLIP}" in output


def test_colour_only_on_a_terminal(tmp_path):
    old, new = make_report(), make_report({"cnn_k3": (0.9790, 0.0020)})
    assert "\x1b[" not in compare(tmp_path, old, new).output
    coloured = compare(tmp_path, old, new, color=True).output
    assert "\x1b[" in coloured and "beyond seed noise" in coloured
    for form in ("markdown", "json"):
        assert "\x1b[" not in compare(tmp_path, old, new, "--format", form, color=True).output


def test_help_names_the_formats_and_fail_on():
    result = CliRunner().invoke(main, ["compare", "--help"])
    assert result.exit_code == 0
    assert "text|markdown|json" in result.output and "flip|change|any" in result.output


def test_the_example_of_docs_build_md_is_what_the_command_prints(tmp_path):
    page = (Path(__file__).resolve().parents[3] / "docs" / "build.md").read_text(encoding="utf-8")
    command = "    $ cnn-report compare last-week today --fail-on change\n"
    block = page[page.index(command) + len(command) :].split("\n\n    $", 1)[0].split("\n\nIt exits 1 here")[0]
    example = "\n".join(line.removeprefix("    ") for line in block.splitlines())
    old = make_report()
    new = make_report(
        {"baseline": (0.9752, 0.0018), "cnn_k3": (0.9945, 0.0010)},
        {"cnn_k3": (0.0262, 0.0012)},
        generated_at="2026-12-08T09:00:00+00:00",
        settings={"epochs": 15},
        versions={"tensorflow": "2.22.0"},
    )
    result = compare(tmp_path, old, new, "--fail-on", "change")
    assert result.exit_code == 1
    assert result.output.rstrip("\n") == example
