"""`cnn-report build` inside a SageMaker training job: the /opt/ml contract, run for real in a temporary /opt/ml."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.errors import SageMakerError
from report.cli import main
from report.sagemaker.entry import select_requirements
from report.sagemaker.job import ROOT_ENV_VAR, detect_training_job, parse_hyperparameters

# The command line, run from this checkout (`-m` puts the working directory first on the path).
CNN_REPORT = [sys.executable, "-m", "report.cli"]
PROJECT = Path(__file__).resolve().parents[1]


def make_job_root(tmp_path: Path, data: Path, hyperparameters: dict | None) -> Path:
    """A folder laid out like /opt/ml in a training job whose 'training' channel holds ``data`` as mnist.npz."""
    root = tmp_path / "opt-ml"
    channel = root / "input" / "data" / "training"
    channel.mkdir(parents=True)
    shutil.copy(data, channel / "mnist.npz")
    (root / "input" / "config").mkdir(parents=True)
    if hyperparameters is not None:
        (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    return root


def job_environment(root: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    """What AWS's training toolkit sets, pointing into ``root``; no network, no user cache."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SM_", "CNN_REPORT"))
    }
    environment.update(
        {
            ROOT_ENV_VAR: str(root),
            "SM_TRAINING_ENV": json.dumps({"job_name": "test-job"}),
            "SM_CHANNEL_TRAINING": str(root / "input" / "data" / "training"),
            "SM_OUTPUT_DATA_DIR": str(root / "output" / "data"),
            "SM_MODEL_DIR": str(root / "model"),
            "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
            "HOME": str(tmp_path / "home"),
            **extra,
        }
    )
    return environment


@pytest.mark.slow
def test_build_in_a_training_job_follows_the_contract(tmp_path, tiny_npz):
    """One model step fills the cache, then the report step builds from it; outputs land where SageMaker uploads."""
    checkpoints = tmp_path / "opt-ml" / "checkpoints"
    # What AWS's script-mode container writes: our hyperparameters as strings, plus its own.
    root = make_job_root(
        tmp_path,
        tiny_npz,
        {"epochs": "1", "limit-train": "200", "kernel_sizes": "3", "seeds": "2", "model": "cnn_k3",
         "cache-dir": str(checkpoints), "sagemaker_program": '"x.py"'},
    )
    step = subprocess.run(
        [*CNN_REPORT, "build"], env=job_environment(root, tmp_path), capture_output=True, text=True, timeout=600, cwd=PROJECT
    )
    assert step.returncode == 0, step.stderr
    # Every fit of the CNN: once per seed, on original and on permuted pixels.
    assert len(list(checkpoints.glob("*.json"))) == 4
    assert not (root / "output" / "data" / "report.pdf").exists()
    # The step that trains the main CNN delivers it as its model artifact.
    assert (root / "model" / "cnn_k3.keras").is_file()
    (root / "model" / "cnn_k3.keras").unlink()

    # The report step reads SM_HPS, which the toolkit has already decoded from JSON.
    hps = json.dumps({"epochs": 1, "limit-train": 200, "kernel-sizes": 3, "seeds": 2, "cache-dir": str(checkpoints)})
    report = subprocess.run(
        [*CNN_REPORT, "build"], env=job_environment(root, tmp_path, SM_HPS=hps), capture_output=True, text=True, timeout=600, cwd=PROJECT
    )
    assert report.returncode == 0, report.stderr
    assert "cnn_k3 seed 42: cached" in report.stderr and "cnn_k3 seed 43: cached" in report.stderr
    output = root / "output" / "data"
    assert (output / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (output / "report.html").read_text(encoding="utf-8").lower()
    summary = json.loads((output / "report.json").read_text(encoding="utf-8"))
    assert summary["settings"]["epochs"] == 1
    assert summary["settings"]["limit_train"] == 200
    assert summary["settings"]["kernel_sizes"] == [3]
    # The data came from the training channel: the report names it by file name and sha256 only.
    channel_file = root / "input" / "data" / "training" / "mnist.npz"
    assert summary["dataset"]["file"] == "mnist.npz"
    assert summary["dataset"]["sha256"] == hashlib.sha256(channel_file.read_bytes()).hexdigest()
    assert sorted(summary["models"]) == ["baseline", "cnn_k3"]
    models = [entry for entry in checkpoints.glob("*.json") if not entry.name.startswith("report-")]
    # baseline and cnn_k3, two seeds, original and permuted pixels, and the baseline in one fixed order per seed
    assert len(models) == 10
    assert not (root / "output" / "failure").exists()
    assert not (tmp_path / "user-cache" / "cnn-report").exists()
    # The main CNN, which this job read from the cache, is still its model artifact.
    assert (root / "model" / "cnn_k3.keras").is_file()

    # Once more, nothing changed: the finished report comes from the cache, and the model with it.
    (root / "model" / "cnn_k3.keras").unlink()
    again = subprocess.run(
        [*CNN_REPORT, "build"], env=job_environment(root, tmp_path, SM_HPS=hps), capture_output=True, text=True, timeout=600, cwd=PROJECT
    )
    assert again.returncode == 0, again.stderr
    assert "reused it from the cache" in again.stderr
    assert (root / "model" / "cnn_k3.keras").read_bytes() == (checkpoints / next(
        path.name for path in checkpoints.glob("*.keras"))).read_bytes()


def test_corrupt_channel_data_writes_a_one_line_failure_and_exits_non_zero(tmp_path, tiny_npz):
    root = make_job_root(tmp_path, tiny_npz, {"epochs": "1"})
    (root / "input" / "data" / "training" / "mnist.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    result = subprocess.run(
        [*CNN_REPORT, "build"], env=job_environment(root, tmp_path), capture_output=True, text=True, timeout=300, cwd=PROJECT
    )
    assert result.returncode == 1
    failure = (root / "output" / "failure").read_text(encoding="utf-8")
    assert failure.count("\n") == 1
    assert "mnist.npz: not a readable .npz archive" in failure
    assert failure.strip() in result.stderr
    assert not (root / "output" / "data" / "report.pdf").exists()


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({"epoch": "3"}, "unknown hyperparameter 'epoch'"),
        ({"epochs": "three"}, "hyperparameter epochs='three': expected a whole number"),
        ({"limit-train": "5"}, "must be at least 20"),
        ({"data": "s3://elsewhere"}, "the data comes from the 'training' channel"),
        ({"model": "cnn_k4", "kernel-sizes": "3"}, "choose from baseline, cnn_k3"),
    ],
)
def test_bad_hyperparameters_fail_the_job_with_the_reason(tmp_path, tiny_npz, hyperparameters, message):
    root = make_job_root(tmp_path, tiny_npz, hyperparameters)
    result = CliRunner().invoke(main, ["build"], env=job_environment(root, tmp_path))
    assert result.exit_code == 1
    assert message in result.output
    assert message in (root / "output" / "failure").read_text(encoding="utf-8")


def test_malformed_hyperparameters_file_fails_the_job(tmp_path, tiny_npz):
    root = make_job_root(tmp_path, tiny_npz, None)
    (root / "input" / "config" / "hyperparameters.json").write_text("{epochs: 1")
    result = CliRunner().invoke(main, ["build"], env=job_environment(root, tmp_path))
    assert result.exit_code == 1
    assert "hyperparameters are not valid JSON" in (root / "output" / "failure").read_text(encoding="utf-8")


def test_the_contract_is_detected_only_inside_a_job(tmp_path):
    assert detect_training_job({ROOT_ENV_VAR: str(tmp_path)}) is None
    (tmp_path / "input" / "config").mkdir(parents=True)
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text("{}")
    job = detect_training_job({ROOT_ENV_VAR: str(tmp_path)})
    assert job.channel == tmp_path / "input" / "data" / "training"
    assert job.output_dir == tmp_path / "output" / "data"
    assert job.model_dir == tmp_path / "model"
    by_variable = detect_training_job({ROOT_ENV_VAR: str(tmp_path / "elsewhere"), "SM_CHANNEL_TRAINING": "/data/in"})
    assert by_variable.channel == Path("/data/in")


def test_hyperparameters_map_onto_build_options_whatever_their_form():
    assert parse_hyperparameters(
        {"epochs": "10", "batch_size": 64, "limit-train": "2000", "kernel-sizes": '"3,5"', "seed": "-1", "force": "True"}
    ) == {"epochs": 10, "batch_size": 64, "limit_train": 2000, "kernel_sizes": (3, 5), "seed": -1, "force": True}
    with pytest.raises(SageMakerError, match="expected true or false"):
        parse_hyperparameters({"force": "maybe"})
    with pytest.raises(SageMakerError, match="unsupported kernel size"):
        parse_hyperparameters({"kernel-sizes": "4"})


def test_the_entry_script_installs_neither_test_tools_nor_a_second_tensorflow():
    requirements = [
        'tensorflow-cpu<2.22,>=2.16; sys_platform == "linux"',
        "numpy>=1.26",
        "weasyprint<71,>=62",
        'pytest>=8; extra == "test"',
    ]
    assert select_requirements(requirements, tensorflow_installed=True) == ["numpy>=1.26", "weasyprint<71,>=62"]
    assert select_requirements(requirements, tensorflow_installed=False)[0].startswith("tensorflow-cpu")


def test_the_entry_script_installs_the_fonts_when_they_are_missing_even_with_pango(tmp_path, monkeypatch):
    """AWS's TensorFlow image has Pango but not the DejaVu fonts: the fonts' presence, asked of fontconfig, decides."""
    from report.sagemaker import entry

    assert entry.missing_system_parts() == []  # this machine has Pango and the fonts (setup.sh installs them)
    # fontconfig with no font folder at all: Pango is still here, the fonts are not.
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    assert entry.missing_system_parts() == ["DejaVu Serif", "DejaVu Sans", "DejaVu Sans Mono"]

    commands = []
    real_run = subprocess.run

    def run(command, **options):
        if command[0] == "fc-list":
            return real_run(command, **options)
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(entry.subprocess, "run", run)
    monkeypatch.setattr(entry.os, "geteuid", lambda: 0)
    monkeypatch.setattr(entry.shutil, "which", lambda name: f"/usr/bin/{name}" if name in ("apt-get", "fc-list") else None)
    entry._install_system_packages()
    assert commands[0] == ["apt-get", "update", "-qq"]
    assert commands[1][:2] == ["apt-get", "install"] and "fonts-dejavu-core" in commands[1]
    # On an Amazon Linux image (dnf), its own package names.
    commands.clear()
    monkeypatch.setattr(entry.shutil, "which", lambda name: f"/usr/bin/{name}" if name in ("dnf", "fc-list") else None)
    entry._install_system_packages()
    assert commands == [["dnf", "install", "-y", "-q", "pango", "dejavu-serif-fonts", "dejavu-sans-fonts", "dejavu-sans-mono-fonts"]]
