"""The command line, through click's CliRunner: help, option checks, errors, and a tiny real build."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from report.cli import main

BUILD_OPTIONS = ["--out", "--data", "--epochs", "--batch-size", "--seed", "--seeds", "--limit-train", "--kernel-sizes",
                 "--cache-dir", "--force", "--quiet", "--lang"]


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments))


def test_help_lists_the_build_command():
    result = run("--help")
    assert result.exit_code == 0
    assert "build" in result.output


def test_build_help_explains_every_option():
    result = run("build", "--help")
    assert result.exit_code == 0
    for option in BUILD_OPTIONS:
        assert option in result.output


@pytest.mark.parametrize(
    "arguments, option",
    [
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "-1"], "--batch-size"),
        (["--limit-train", "5"], "--limit-train"),
        (["--seeds", "0"], "--seeds"),
        (["--kernel-sizes", "4"], "--kernel-sizes"),
        (["--kernel-sizes", "three"], "--kernel-sizes"),
    ],
)
def test_out_of_range_options_are_usage_errors(arguments, option):
    result = run("build", *arguments)
    assert result.exit_code == 2
    assert option in result.output


def test_missing_output_folder_fails_before_reading_data(tmp_path):
    result = run("build", "--out", str(tmp_path / "nope" / "report.pdf"), "--data", str(tmp_path / "absent.npz"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_output_must_be_a_pdf(tmp_path):
    result = run("build", "--out", str(tmp_path / "report.html"))
    assert result.exit_code == 1
    assert "must name a .pdf file" in result.output


def test_bad_data_is_one_line_error_without_traceback(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"not a zip")
    result = run("build", "--out", str(tmp_path / "report.pdf"), "--data", str(bad), "--cache-dir", str(tmp_path / "cache"), "--quiet")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {bad}")
    assert not (tmp_path / "report.pdf").exists()


def test_tiny_build_writes_all_three_files_and_quiet_is_silent(tmp_path, tiny_npz):
    out = tmp_path / "out" / "tiny.pdf"
    out.parent.mkdir()
    arguments = ["build", "--out", str(out), "--data", str(tiny_npz), "--epochs", "1", "--kernel-sizes", "3",
                 "--seeds", "2", "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert out.read_bytes().startswith(b"%PDF")
    assert "<html" in out.with_suffix(".html").read_text()
    summary = json.loads(out.with_suffix(".json").read_text())
    assert set(summary["models"]) == {"baseline", "cnn_k3"}
    assert summary["dataset"]["n_train"] == 200
    assert summary["settings"]["kernel_sizes"] == [3]
    assert summary["settings"]["seeds"] == [42, 43]
    runs = summary["models"]["cnn_k3"]["per_seed"]
    assert len(runs) == 2
    assert summary["models"]["cnn_k3"]["test_accuracy"] == (runs[0]["test_accuracy"] + runs[1]["test_accuracy"]) / 2
    # The baseline once more per seed with one fixed epoch order: its own fits, not copies of the reshuffled ones.
    order = summary["probes"]["epoch_order"]
    assert [row["seed"] for row in order["per_seed"]] == [42, 43]
    reshuffled = summary["models"]["baseline"]["per_seed"]
    assert [row["reshuffled_test_loss"] for row in order["per_seed"]] == [run["test_loss"] for run in reshuffled]
    assert [row["fixed_test_loss"] for row in order["per_seed"]] != [run["test_loss"] for run in reshuffled]
    assert 'id="epoch-order"' in out.with_suffix(".html").read_text()
