"""The command line, through click's CliRunner: help, option checks and errors (tests/system/test_cli.py builds)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from report.cli import main

from mnist_files import write_npz

# Every flag of `build`, written out: the check that none is lost or renamed.
BUILD_FLAGS = [
    "--out",
    "--data",
    "--epochs",
    "--batch-size",
    "--seed",
    "--seeds",
    "--limit-train",
    "--kernel-sizes",
    "--cache-dir",
    "--force",
    "--quiet",
    "-q",
    "--lang",
    "--jobs",
    "-j",
    "--config",
]


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments))


def test_help_lists_the_build_command():
    result = run("--help")
    assert result.exit_code == 0
    assert "build" in result.output


def test_build_help_explains_every_option():
    result = run("build", "--help")
    assert result.exit_code == 0
    for flag in BUILD_FLAGS:
        assert re.search(rf"(^|[\s,]){flag}\b", result.output, re.MULTILINE), flag


@pytest.mark.parametrize(
    "arguments, option",
    [
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "-1"], "--batch-size"),
        (["--limit-train", "5"], "--limit-train"),
        (["--seeds", "0"], "--seeds"),
        (["--kernel-sizes", "0"], "--kernel-sizes"),
        (["--kernel-sizes", "three"], "--kernel-sizes"),
        # A size the course CNN has no room for, refused by the same shape check as [experiment] values.
        (["--kernel-sizes", "3,11"], "--kernel-sizes: [models.cnn] with [experiment] kernel = 11"),
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
    result = run(
        "build",
        "--out",
        str(tmp_path / "report.pdf"),
        "--data",
        str(bad),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--quiet",
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {bad}")
    assert not (tmp_path / "report.pdf").exists()


BAD_PROJECTS = {
    "unknown layer type": (
        '[models.cnn]\nlayers = [{ type = "convolution", filters = 8, kernel = 3 }]\n',
        "[models.cnn] layer 1: unknown layer type 'convolution'; did you mean 'conv'?",
    ),
    "unknown field": (
        '[models.cnn]\nlayers = [{ type = "conv", filters = 8, kernal = 3 }, { type = "flatten" }]\n',
        "unknown field 'kernal'; did you mean 'kernel'?",
    ),
    "wrong type": (
        '[models.cnn]\nlayers = [{ type = "conv", filters = "eight", kernel = 3 }, { type = "flatten" }]\n',
        'filters = "eight" is not a whole number of at least 1',
    ),
    "maps shrink to nothing": (
        '[models.cnn]\nlayers = [{ type = "conv", filters = 8, kernel = 3 }, { type = "maxpool", size = 8 },'
        ' { type = "conv", filters = 8, kernel = 5 }, { type = "flatten" }]\n[experiment]\nvary = "padding"\n'
        'values = ["valid"]\n',
        "layer 3 (conv2): its 3×3 input is smaller than its 5×5 kernel",
    ),
    "variable the CNN lacks": (
        '[experiment]\nvary = "dropout"\nvalues = [0.2, 0.5]\n',
        '[experiment] vary = "dropout": [models.cnn] has no dropout layer to vary',
    ),
    "bad value": (
        '[experiment]\nvary = "pooling"\nvalues = ["max", "min"]\n',
        "values: \"min\" is not one of 'max', 'avg', 'none'",
    ),
    "default kernel sweep too wide for the CNN": (
        '[models.cnn]\nlayers = [{ type = "conv", filters = 8, kernel = 3 }, { type = "maxpool", size = 4 },'
        ' { type = "conv", filters = 8, kernel = 3 }, { type = "flatten" }]\n',
        "with [experiment] kernel = 7 (the default experiment), layer 3 (conv2): its 5×5 input is smaller than its 7×7 kernel",
    ),
    "builder that is missing": ('[models.cnn]\nbuilder = "nowhere.py:make_model"\n', "no such file"),
    "builder that returns the wrong shapes": (
        '[models.cnn]\nbuilder = "wrong.py:make_model"\n',
        "its output is 2, not 10",
    ),
    "kernel sizes for a pooling experiment": (
        '[build]\nkernel_sizes = [3, 5]\n[experiment]\nvary = "pooling"\nvalues = ["max"]\n',
        "[build] kernel_sizes and [experiment] both set the experiment",
    ),
}


WRONG_BUILDER = """
import keras

def make_model(kernel=3):
    inputs = keras.Input(shape=(28, 28, 1))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs)))
"""


@pytest.mark.parametrize("case", list(BAD_PROJECTS))
def test_every_bad_spec_is_one_line_and_exit_2_before_any_training(tmp_path, case):
    toml, expected = BAD_PROJECTS[case]
    (tmp_path / "cnn-report.toml").write_text(toml)
    (tmp_path / "wrong.py").write_text(WRONG_BUILDER)
    cache = tmp_path / "cache"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(tmp_path / "cnn-report.toml"),
            "--out",
            str(tmp_path / "r.pdf"),
            "--data",
            str(write_npz(tmp_path / "mnist.npz")),
            "--epochs",
            "1",
            "--seeds",
            "1",
            "--cache-dir",
            str(cache),
        ],
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], result.output
    assert "Traceback" not in result.output and "Training models" not in result.output
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_kernel_sizes_on_the_command_line_for_a_pooling_experiment_is_refused(tmp_path):
    (tmp_path / "cnn-report.toml").write_text('[experiment]\nvary = "pooling"\nvalues = ["max", "avg"]\n')
    result = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "cnn-report.toml"), "--kernel-sizes", "3,5"])
    assert result.exit_code == 2
    assert "--kernel-sizes sets a kernel experiment, but [experiment] varies pooling" in result.output
