"""`cnn-report build` inside a SageMaker training job: the /opt/ml contract, run for real in a temporary /opt/ml."""

from __future__ import annotations

import hashlib
import json
import subprocess

from sagemaker_jobs import CNN_REPORT, PROJECT, job_environment, make_job_root


def test_build_in_a_training_job_follows_the_contract(tmp_path, tiny_npz):
    """One model step fills the cache, then the report step builds from it; outputs land where SageMaker uploads."""
    checkpoints = tmp_path / "opt-ml" / "checkpoints"
    # What AWS's script-mode container writes: our hyperparameters as strings, plus its own.
    root = make_job_root(
        tmp_path,
        tiny_npz,
        {
            "epochs": "1",
            "limit-train": "200",
            "kernel_sizes": "3",
            "seeds": "2",
            "model": "cnn_k3",
            "cache-dir": str(checkpoints),
            "sagemaker_program": '"x.py"',
        },
    )
    step = subprocess.run(
        [*CNN_REPORT, "build"],
        env=job_environment(root, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT,
    )
    assert step.returncode == 0, step.stderr
    # Every fit of the CNN: once per seed, on original and on permuted pixels.
    assert len(list(checkpoints.glob("*.json"))) == 4
    assert not (root / "output" / "data" / "report.pdf").exists()
    # The step that trains the main CNN delivers it as its model artifact.
    assert (root / "model" / "cnn_k3.keras").is_file()
    (root / "model" / "cnn_k3.keras").unlink()

    # The report step reads SM_HPS, which the toolkit has already decoded from JSON.
    # notebook: the analysis as report.ipynb, in the job's output beside the report.
    hps = json.dumps(
        {
            "epochs": 1,
            "limit-train": 200,
            "kernel-sizes": 3,
            "seeds": 2,
            "cache-dir": str(checkpoints),
            "notebook": True,
        }
    )
    report = subprocess.run(
        [*CNN_REPORT, "build"],
        env=job_environment(root, tmp_path, SM_HPS=hps),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT,
    )
    assert report.returncode == 0, report.stderr
    assert "cnn_k3 seed 42: cached" in report.stderr and "cnn_k3 seed 43: cached" in report.stderr
    output = root / "output" / "data"
    assert (output / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (output / "report.html").read_text(encoding="utf-8").lower()
    assert '"nbformat": 4' in (output / "report.ipynb").read_text(encoding="utf-8")
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
        [*CNN_REPORT, "build"],
        env=job_environment(root, tmp_path, SM_HPS=hps),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT,
    )
    assert again.returncode == 0, again.stderr
    assert "reused it from the cache" in again.stderr
    assert (root / "model" / "cnn_k3.keras").read_bytes() == (
        checkpoints / next(path.name for path in checkpoints.glob("*.keras"))
    ).read_bytes()


def test_a_model_step_in_a_job_trains_the_projects_model_from_the_packed_folder(tmp_path, sagemaker_project, tiny_npz):
    """The job's `cnn-report build`, run where the entry script runs it (the packed project folder), trains one model."""
    checkpoints = tmp_path / "opt-ml" / "checkpoints"
    root = make_job_root(
        tmp_path,
        tiny_npz,
        {"epochs": "1", "limit-train": "200", "seeds": "1", "model": "cnn_width_0_5", "cache-dir": str(checkpoints)},
    )
    environment = job_environment(root, tmp_path, PYTHONPATH=str(PROJECT))
    step = subprocess.run(
        [*CNN_REPORT, "build"], env=environment, capture_output=True, text=True, timeout=600, cwd=sagemaker_project
    )
    assert step.returncode == 0, step.stderr
    # The variant of width 0.5 is neither the baseline nor the main CNN: no probe retrains it, one seed, one fit.
    [entry] = [path for path in checkpoints.glob("*.json")]
    stored = json.loads(entry.read_text())
    assert stored["description"]["model"]["builder"]["arguments"] == {"width": 0.5}
    assert stored["result"]["params"] == (9 + 1) * 4 + (4 + 1) * 10
