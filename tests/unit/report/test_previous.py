"""Which report a build compares itself with, read before anything is written."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from report.changes import ReportFileError
from report.cli import main
from report.config import resolve_config
from report.previous import previous_report
from report.progress import BuildProgress

import synthetic


class Warnings(BuildProgress):
    def __init__(self):
        self.said = []

    def warning(self, message: str) -> None:
        self.said.append(message)


@pytest.fixture
def report_at_out(tmp_path):
    report = json.loads(json.dumps(synthetic.build().summary()))
    (tmp_path / "report.json").write_text(json.dumps(report))
    return report


def test_by_default_the_report_at_out(tmp_path, report_at_out):
    config = resolve_config({"out": tmp_path / "report.pdf"})
    assert previous_report(config, Warnings()) == report_at_out
    assert previous_report(resolve_config({"out": tmp_path / "other.pdf"}), Warnings()) is None


def test_no_compare_reads_nothing(tmp_path, report_at_out):
    assert previous_report(resolve_config({"out": tmp_path / "report.pdf", "no_compare": True}), Warnings()) is None


def test_compare_names_another_report(tmp_path, report_at_out):
    (tmp_path / "elsewhere").mkdir()
    config = resolve_config({"out": tmp_path / "elsewhere" / "report.pdf", "compare": str(tmp_path)})
    assert previous_report(config, Warnings()) == report_at_out


def test_a_damaged_report_at_out_is_a_warning_not_an_error(tmp_path):
    (tmp_path / "report.json").write_text("{half written")
    progress = Warnings()
    assert previous_report(resolve_config({"out": tmp_path / "report.pdf"}), progress) is None
    assert len(progress.said) == 1 and "will not be compared" in progress.said[0]


def test_a_report_named_with_compare_must_be_readable(tmp_path):
    (tmp_path / "old.json").write_text('{"name": "not a report"}')
    config = resolve_config({"out": tmp_path / "report.pdf", "compare": str(tmp_path / "old.json")})
    with pytest.raises(ReportFileError, match="not a report.json written by cnn-report"):
        previous_report(config, Warnings())


def test_the_command_line_stops_on_a_bad_compare_before_reading_any_data(tmp_path):
    result = CliRunner().invoke(
        main, ["build", "--out", str(tmp_path / "report.pdf"), "--compare", str(tmp_path / "missing.json"), "--quiet"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'missing.json'}: no report.json there; pass a report.json or the folder holding one"
    ]
    assert not list(tmp_path.iterdir())
