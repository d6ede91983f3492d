"""End to end on a subsample of the real MNIST: the PDF shows every section and report.json's numbers,
and a rebuild with the same settings trains nothing and never imports TensorFlow."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from report.cli import main

from course import BASELINE_PARAMS, CNN_PARAMS

SECTIONS = [
    "1. Introduction",
    "2. The data",
    "3. The baseline",
    "4. The convolutional network",
    "5. Baseline versus CNN",
    "6. Kernel size",
    "7. The course's questions",
    "8. Evidence: probing the inductive bias",
    "8.1 Translation",
    "8.2 Shuffled pixels",
    "8.3 Data efficiency",
    "8.4 Parameter efficiency",
    "9. Inside the CNN",
    "Why did the convolutional layers outperform the baseline",
    "What inductive bias does convolution introduce",
    "When would convolution NOT be appropriate",
    "Appendix: reproducibility",
]
LIMIT = "1500"


@pytest.fixture(scope="module")
def built(real_mnist, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("e2e")
    arguments = [
        "build",
        "--out",
        str(folder / "report.pdf"),
        "--data",
        str(real_mnist),
        "--epochs",
        "1",
        "--limit-train",
        LIMIT,
        "--seeds",
        "2",
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
        "output": result.output,
        "summary": json.loads((folder / "report.json").read_text()),
    }


# The report's English number formats, written out here rather than borrowed from report/i18n.py.
def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def _percent_spread(value: float, spread: float) -> str:
    return f"{100 * value:.2f} ± {100 * spread:.2f}%"


def _decimal_spread(value: float, spread: float) -> str:
    return f"{value:.4f} ± {spread:.4f}"


def _pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_progress_names_each_stage_and_epoch(built):
    for stage in ("Reading MNIST", "Exploring the data", "Training models", "Drawing figures", "Rendering PDF"):
        assert stage in built["output"]
    assert "cnn_k7 seed 43 epoch 1/1" in built["output"]


def test_report_json_has_the_documented_structure(built):
    summary = built["summary"]
    dataset = summary["dataset"]
    assert {"file", "sha256", "n_train", "n_test", "class_counts"} <= set(dataset) and "path" not in dataset
    assert (dataset["n_train"], dataset["n_test"]) == (60000, 10000)
    assert sum(dataset["class_counts"]["test"].values()) == 10000
    assert set(summary["models"]) == {"baseline", "cnn_k3", "cnn_k5", "cnn_k7"}
    for model in summary["models"].values():
        assert {"params", "test_accuracy", "test_loss", "epochs", "train_seconds", "history"} <= set(model)
        assert 0.5 < model["test_accuracy"] < 1.0  # 1,500 images, one epoch: well above chance, far from perfect
        # An accuracy is the share of the 10,000 test digits read right: it must agree with the mistakes counted
        # from the predictions (a loss, or any other number in its place, would not).
        for run in model["per_seed"]:
            assert run["test_accuracy"] == pytest.approx(1 - run["test_mistakes"] / 10_000, abs=1e-9)
            assert run["test_loss"] > 0 and run["test_loss"] != run["test_accuracy"]
        first = model["per_seed"][0]
        assert sum(row[index] for index, row in enumerate(model["confusion_matrix"])) == 10_000 - first["test_mistakes"]
        assert model["test_accuracy"] == pytest.approx(sum(run["test_accuracy"] for run in model["per_seed"]) / 2)
        assert len(model["history"]["val_accuracy"]) == 1
        assert len(model["per_seed"]) == 2 and model["test_accuracy_std"] is not None
    assert summary["models"]["baseline"]["params"] == BASELINE_PARAMS
    assert summary["models"]["cnn_k3"]["params"] == CNN_PARAMS[3]
    assert summary["settings"]["limit_train"] == int(LIMIT)
    assert summary["settings"]["n_fit"] + summary["settings"]["n_validation"] == int(LIMIT)
    assert {"versions", "machine", "stage_seconds", "command_line"} <= set(summary["environment"])


def test_pdf_contains_every_section_and_the_numbers_of_report_json(built):
    text = _pdf_text(built["folder"] / "report.pdf")
    for section in SECTIONS:
        assert section in text, section
    summary = built["summary"]
    for name, model in summary["models"].items():
        assert _percent_spread(model["test_accuracy"], model["test_accuracy_std"]) in text, name
        assert _decimal_spread(model["test_loss"], model["test_loss_std"]) in text, name
        assert f"{model['params']:,}" in text, name
        for run in model["per_seed"]:
            assert _percent(run["test_accuracy"]) in text, name
    for count in summary["dataset"]["class_counts"]["train"].values():
        assert f"{count:,}" in text
    assert summary["dataset"]["sha256"] in text.replace(" ", "")
    probes = summary["probes"]
    for row in probes["permutation"]["models"].values():
        assert _percent_spread(row["permuted"], row["permuted_std"]) in text
    for name in ("baseline", "cnn_k3"):
        curve = probes["translation"]["models"][name]
        assert _percent_spread(curve["mean"][-1], curve["std"][-1]) in text
    assert probes["data_efficiency"]["sizes"] == [1000, int(LIMIT)]
    assert f"{summary['dataset']['pixels']['train']['mean']:.4f}" in text
    # The answer to the course's first question follows the measured comparison, whichever way it went.
    if summary["comparison"]["cnn_better"]:
        assert "Why did the convolutional layers outperform the baseline?" in text
        assert "In this run the CNN did not beat the baseline" not in text
    else:
        assert "or why did they not?" in text and "In this run the CNN did not beat the baseline" in text
        assert "They did: the CNN's test error" not in text


def test_comparison_block_agrees_with_the_models(built):
    models, comparison = built["summary"]["models"], built["summary"]["comparison"]
    base, cnn = models["baseline"], models["cnn_k3"]
    assert comparison["seeds"] == 2
    assert comparison["cnn_better"] is (cnn["test_accuracy"] > base["test_accuracy"])
    assert comparison["accuracy_gain_pp"] == pytest.approx(100 * (cnn["test_accuracy"] - base["test_accuracy"]))
    spread = cnn["test_accuracy_std"] + base["test_accuracy_std"]
    assert comparison["gain_beyond_spread"] is (abs(cnn["test_accuracy"] - base["test_accuracy"]) > spread)
    assert comparison["error_ratio"] == pytest.approx(base["test_mistakes"] / cnn["test_mistakes"])
    assert comparison["params_ratio"] == pytest.approx(CNN_PARAMS[3] / BASELINE_PARAMS)
    experiment = built["summary"]["experiment"]
    accuracies = {name: models[name]["test_accuracy"] for name in ("cnn_k3", "cnn_k5", "cnn_k7")}
    assert accuracies[experiment["best"]] == max(accuracies.values())
    assert accuracies[experiment["worst"]] == min(accuracies.values())
    assert experiment["spread_pp"] == pytest.approx(100 * (max(accuracies.values()) - min(accuracies.values())))
    assert experiment["params_monotonic"] is False  # 121,930, 118,346, 119,114
    assert (comparison["conv1_params"], comparison["conv1_positions"], comparison["conv1_filters"]) == (320, 676, 32)
    assert comparison["dense_equivalent_weights"] == 784 * 676 * 32


def test_html_is_self_contained(built):
    html = (built["folder"] / "report.html").read_text()
    assert html.count("data:image/svg+xml;base64,") == html.count("<img ") >= 8
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)


def _rebuild(arguments: list[str]) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh interpreter, so TensorFlow imported by earlier tests cannot hide an import."""
    script = (
        "import sys; from report.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        "print('TF_IMPORTED' if 'tensorflow' in sys.modules else 'TF_NOT_IMPORTED')\n"
    )
    completed = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed


def test_same_rebuild_reuses_the_report_without_tensorflow(built):
    names = ("report.json", "report.html", "report.pdf")
    before = json.loads((built["folder"] / "report.json").read_text())
    (built["folder"] / "report.pdf").unlink()
    completed = _rebuild(built["arguments"])
    assert "TF_NOT_IMPORTED" in completed.stdout
    assert "reused it from the cache" in completed.stderr and "Training models" not in completed.stderr
    # The report kept for this case: the same report, compared with the one it replaces (itself), so without a
    # "What changed" section.
    after = json.loads((built["folder"] / "report.json").read_text())
    assert after["changes"]["nothing_changed"] is True
    assert {key: value for key, value in after.items() if key != "changes"} == {
        key: value for key, value in before.items() if key != "changes"
    }
    # And again: the very same files (compared by digest: a failing comparison of a PDF's bytes takes pytest ages).
    kept = {name: hashlib.sha256((built["folder"] / name).read_bytes()).hexdigest() for name in names}
    assert "reused it from the cache" in _rebuild(built["arguments"]).stderr
    assert {name: hashlib.sha256((built["folder"] / name).read_bytes()).hexdigest() for name in names} == kept


def test_new_language_renders_again_from_cached_models_without_tensorflow(built):
    completed = _rebuild([*built["arguments"], "--lang", "es"])
    assert "TF_NOT_IMPORTED" in completed.stdout
    assert "training 1 epoch" not in completed.stderr
    # 4 models x 2 seeds, plus the probes: 2 models x 2 seeds on permuted pixels and on 1,000 images,
    # and the baseline x 2 seeds with a fixed epoch order.
    assert completed.stderr.count(": cached") == 18
    summary = json.loads((built["folder"] / "report.json").read_text())
    assert summary["settings"]["lang"] == "es"
    assert all(model["cached"] for model in summary["models"].values())
    for name, model in summary["models"].items():
        assert model["test_accuracy"] == built["summary"]["models"][name]["test_accuracy"]
