"""The notebook reproduces the report: executed on the same machine with the same settings, every model's test
accuracy and loss, seed by seed, equal report.json's to the last digit."""

from __future__ import annotations

import json

import nbformat
import pytest
from click.testing import CliRunner

from report.cli import main

from builds import QUICK, run_build
from networks import CUSTOM_CNN_LAYERS, toml_layer, write_builder

SETTINGS = ("--epochs", "1", "--seeds", "1")
# A student's design: a baseline made by a builder function, a CNN with 'same' padding, batch normalisation and
# dropout, and a pooling experiment.
BASELINE_BUILDER = """
    import keras
    from keras import layers

    def make_baseline(units=64):
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Dense(units, activation="relu")(layers.Flatten()(inputs))
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
"""


def _report_numbers(out) -> dict:
    report = json.loads(out.with_suffix(".json").read_text())
    return {
        name: [[run["test_accuracy"], run["test_loss"]] for run in model["per_seed"]]
        for name, model in report["models"].items()
    }


def _notebook_numbers(folder) -> dict:
    numbers = json.loads((folder / "notebook-results.json").read_text())
    return {name: [[run["test_accuracy"], run["test_loss"]] for run in runs] for name, runs in numbers.items()}


@pytest.mark.parametrize("design", ["default", "student"])
def test_the_executed_notebook_equals_the_report_digit_for_digit(tmp_path, tiny_npz, design):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "mnist.npz").write_bytes(tiny_npz.read_bytes())
    options = [*SETTINGS, "--kernel-sizes", "3,5"]
    models = {"baseline", "cnn_k3", "cnn_k5"}
    if design == "student":
        write_builder(folder, BASELINE_BUILDER, "baseline.py")
        layers = ",\n  ".join(toml_layer(layer) for layer in CUSTOM_CNN_LAYERS)
        (folder / "cnn-report.toml").write_text(
            f'[models.baseline]\nbuilder = "baseline.py:make_baseline"\n[models.cnn]\nlayers = [\n  {layers},\n]\n'
            '[experiment]\nvary = "pooling"\nvalues = ["max", "avg"]\n'
        )
        options = [*SETTINGS, "--config", str(folder / "cnn-report.toml")]
        models = {"baseline", "cnn_pooling_max", "cnn_pooling_avg"}
    data = ["--data", str(folder / "mnist.npz")]
    run_build(*data, *options, "--out", folder / "report.pdf", "--cache-dir", tmp_path / "cache")

    result = CliRunner().invoke(
        main, ["notebook", *data, *options, "--out", str(folder / "analysis.ipynb"), "--execute"]
    )
    assert result.exit_code == 0, result.output
    assert "[1/" in result.output and "Wrote" in result.output  # progress per cell

    notebook = nbformat.read(folder / "analysis.ipynb", as_version=4)
    nbformat.validate(notebook)
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell_outputs is not None for cell_outputs in outputs) and not any(
        output.get("output_type") == "error" for cell_outputs in outputs for output in cell_outputs
    )
    expected = _report_numbers(folder / "report.pdf")
    assert set(expected) == models
    assert _notebook_numbers(folder) == expected


def test_a_failing_cell_is_named_and_the_partial_notebook_kept_beside(tmp_path):
    np = pytest.importorskip("numpy")
    # A file by the right name that is no MNIST: the notebook's loading cell fails on it.
    np.savez(tmp_path / "mnist.npz", images=np.zeros((2, 28, 28), dtype=np.uint8))
    out = tmp_path / "analysis.ipynb"
    arguments = ["notebook", "--data", str(tmp_path / "mnist.npz"), *SETTINGS, "--out", str(out), "--execute"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith(f"Error: {out}: code cell 3 failed: KeyError") and "analysis.partial.ipynb" in error
    assert not out.exists()
    partial = nbformat.read(tmp_path / "analysis.partial.ipynb", as_version=4)
    failed = [cell for cell in partial.cells if cell.cell_type == "code"][2]
    assert any(output.get("output_type") == "error" for output in failed.outputs)


def test_build_notebook_writes_report_ipynb_beside_the_report_also_from_the_cache(quick_copy):
    out = quick_copy / "out" / "report.pdf"
    out.parent.mkdir()
    arguments = ("--out", out, "--data", quick_copy / "mnist.npz", "--cache-dir", quick_copy / "cache", *QUICK)
    for _ in range(2):  # rendered from cached fits, then the finished report reused from the cache
        out.with_suffix(".ipynb").unlink(missing_ok=True)
        run_build(*arguments, "--notebook")
        notebook = nbformat.read(out.with_suffix(".ipynb"), as_version=4)
        nbformat.validate(notebook)
        parameters = next(cell for cell in notebook.cells if cell.cell_type == "code")
        assert "DATA_PATH = '../mnist.npz'" in parameters.source and "EPOCHS = 1" in parameters.source
        assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # not run
