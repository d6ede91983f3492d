"""A student's own networks and experiment, end to end on tiny data: trained, measured and written up as designed."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import keras
import pytest
from click.testing import CliRunner
from keras import layers
from pypdf import PdfReader

from report.cli import main

from mnist_files import write_npz


def by_hand(pooling: str | None) -> keras.Model:
    """The project's CNN written out in Keras, as a student would in a notebook: the issue's example ('same'
    padding, batch normalisation after the first conv, a dense layer of 32 and dropout 0.3), narrower for speed."""
    pool = {"max": layers.MaxPooling2D, "avg": layers.AveragePooling2D, None: None}[pooling]
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = pool(2)(x) if pool else x
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = pool(2)(x) if pool else x
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(layers.Dense(32, activation="relu")(x))
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def _text(path: Path) -> str:
    """The PDF's text, whitespace collapsed and words hyphenated at line ends joined again."""
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))
    return text.replace("\u2010 ", "")


PROJECT = """
[build]
epochs = 1
seeds = 1

[models.baseline]
layers = [{ type = "flatten" }, { type = "dense", units = 64, why = "Half the course's width." }]

[models.cnn]
layers = [
  { type = "conv", filters = 8, kernel = 3, padding = "same", why = "Strokes that touch the border count too." },
  { type = "batchnorm" },
  { type = "maxpool", size = 2 },
  { type = "conv", filters = 16, kernel = 3, padding = "same" },
  { type = "maxpool", size = 2 },
  { type = "flatten" },
  { type = "dense", units = 32 },
  { type = "dropout", rate = 0.3, why = "The head overfits first." },
]

[experiment]
vary = "pooling"
values = ["max", "avg", "none"]
"""


@pytest.fixture(scope="module")
def pooling_report(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("pooling")
    (folder / "cnn-report.toml").write_text(PROJECT)
    arguments = [
        "build",
        "--config",
        str(folder / "cnn-report.toml"),
        "--out",
        str(folder / "report.pdf"),
        "--data",
        str(write_npz(folder / "mnist.npz")),
        "--cache-dir",
        str(folder / "cache"),
        "--jobs",
        "1",
    ]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    return {
        "folder": folder,
        "arguments": arguments,
        "summary": json.loads((folder / "report.json").read_text()),
        "messages": result.output.splitlines(),
        "text": _text(folder / "report.pdf"),
    }


def test_a_pooling_experiment_on_a_custom_cnn_trains_each_variant_once(pooling_report):
    summary = pooling_report["summary"]
    assert list(summary["models"]) == ["baseline", "cnn_pooling_max", "cnn_pooling_avg", "cnn_pooling_none"]
    # The max-pooling variant is the student's CNN itself: trained once, not twice.
    assert sum("cnn_pooling_max seed 42: training" in message for message in pooling_report["messages"]) == 1
    experiment = summary["experiment"]
    assert (experiment["vary"], experiment["main"], experiment["values"]) == (
        "pooling",
        "cnn_pooling_max",
        ["max", "avg", "none"],
    )
    assert [variant["is_main"] for variant in experiment["variants"]] == [True, False, False]


def test_every_parameter_count_is_keras_count_of_the_network_built_by_hand(pooling_report):
    models = pooling_report["summary"]["models"]
    assert models["cnn_pooling_max"]["params"] == by_hand("max").count_params()
    assert models["cnn_pooling_avg"]["params"] == by_hand("avg").count_params()
    assert models["cnn_pooling_none"]["params"] == by_hand(None).count_params()
    baseline = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert models["baseline"]["params"] == baseline.count_params()


def test_the_architecture_sections_show_the_students_reasons_and_generated_ones(pooling_report):
    text = pooling_report["text"]
    assert "conv1: Conv2D, 8 filters of 3×3, 'same' padding, relu. Strokes that touch the border count too." in text
    assert "dropout: Dropout(0.3). The head overfits first." in text
    assert "hidden: Dense(64, relu). Half the course's width." in text
    # A layer without `why` gets a reason generated from its settings and measured shapes.
    assert (
        "pool1: MaxPooling 2×2. Keeps the strongest response in each 2×2 window: the maps shrink from 28 × 28 × 8 to 14 × 14 × 8"
        in text
    )
    # The course's own reasons are not shown for a network they do not describe.
    assert "Thirty-two filters are enough" not in text


def test_the_experiment_section_follows_the_variable(pooling_report):
    text, summary = pooling_report["text"], pooling_report["summary"]
    assert "6. Pooling: maximum, average or none?" in text
    assert "Kernel size" not in text
    none = summary["experiment"]["variants"][2]
    # Without pooling the maps keep their 28×28 size and the dense layer grows with them.
    assert none["feature_maps"] == [
        {"name": "conv1", "output_shape": [28, 28, 8]},
        {"name": "conv2", "output_shape": [28, 28, 16]},
    ]
    assert none["flattened"] == 28 * 28 * 16 and none["receptive_field"] == 5
    assert "conv1 28×28×8 → conv2 28×28×16" in text
    assert "none: the conv layers hold 1,248 parameters (conv1 80, conv2 1,168)." in text
    best, worst = summary["experiment"]["best"], summary["experiment"]["worst"]
    names = {
        "cnn_pooling_max": "CNN (max pooling)",
        "cnn_pooling_avg": "CNN (average pooling)",
        "cnn_pooling_none": "CNN (no pooling)",
    }
    assert f"The best test accuracy came from {names[best]} and the worst from {names[worst]}" in text
    # One seed: the wording says the ranking's spread is unknown rather than claiming a winner.
    assert "With a single training run per variant the run-to-run spread is unknown" in text


def test_the_probes_and_inside_the_cnn_use_the_students_cnn(pooling_report):
    probes = pooling_report["summary"]["probes"]
    assert set(probes["permutation"]["models"]) == {"baseline", "cnn_pooling_max"}
    assert probes["inside"]["layers"] == ["conv1", "conv2"] and probes["inside"]["filters"] == 8
    assert (
        "come from CNN (max pooling), trained with seed 42. Its first convolutional layer holds 8 filters of 3×3 weights"
        in pooling_report["text"]
    )


def test_the_spanish_edition_of_a_custom_design_renders_from_the_cached_models(pooling_report):
    folder = pooling_report["folder"]
    arguments = [*pooling_report["arguments"], "--lang", "es", "--out", str(folder / "informe.pdf")]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert ": training" not in result.output
    text = _text(folder / "informe.pdf")
    assert "6. Pooling: ¿máximo, promedio o ninguno?" in text
    assert "CNN (pooling promedio)" in text and "cnn_pooling" not in text
    assert "conv1: Conv2D, 8 filtros de 3×3, relleno 'same', relu. Strokes that touch the border count too." in text


BUILDER = """
    import keras
    from keras import layers


    def make_model(kernel=3):
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(8, kernel, activation="relu", name="first")(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
"""


def test_a_builder_function_drives_the_experiment(tmp_path):
    (tmp_path / "my_net.py").write_text(textwrap.dedent(BUILDER))
    (tmp_path / "cnn-report.toml").write_text(
        textwrap.dedent("""
        [models.cnn]
        builder = "my_net.py:make_model"

        [experiment]
        vary = "kernel"
        values = [3, 5]
    """)
    )
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(tmp_path / "cnn-report.toml"),
            "--out",
            str(tmp_path / "report.pdf"),
            "--data",
            str(write_npz(tmp_path / "mnist.npz")),
            "--epochs",
            "1",
            "--seeds",
            "1",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "report.json").read_text())
    assert list(summary["models"]) == ["baseline", "cnn_k3", "cnn_k5"]
    assert summary["models"]["cnn_k5"]["params"] == (25 + 1) * 8 + 9 * 10
    assert summary["networks"]["cnn"]["builder"] == "my_net.py:make_model"
    assert summary["probes"]["inside"]["layers"] == ["first"]
    text = _text(tmp_path / "report.pdf")
    assert "This network is built by my_net.py:make_model" in text
    assert "9. Inside the CNN" in text and "The first test digit and the first 8 feature maps of first." in text


# --- every bad spec stops the build before training, in one line, with exit code 2 --------------------------------
