"""`cnn-report build` inside a SageMaker training job: the /opt/ml contract, run for real in a temporary /opt/ml."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.errors import SageMakerError
from report.cli import main
from report.config import resolve_config
from report.project import load_project
from report.sagemaker.job import ROOT_ENV_VAR, detect_training_job, job_layers, parse_hyperparameters

from sagemaker_jobs import CNN_REPORT, PROJECT, job_environment, make_job_root


def test_corrupt_channel_data_writes_a_one_line_failure_and_exits_non_zero(tmp_path, tiny_npz):
    root = make_job_root(tmp_path, tiny_npz, {"epochs": "1"})
    (root / "input" / "data" / "training" / "mnist.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    result = subprocess.run(
        [*CNN_REPORT, "build"],
        env=job_environment(root, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT,
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
        ({"limit-train": "5"}, "hyperparameter limit-train='5': must be at least 20"),
        ({"epochs": True}, "hyperparameter epochs=True: expected a whole number"),
        # The kernel sizes the project file accepts, checked by the same shapes: 11 leaves the course CNN no map.
        ({"kernel-sizes": "3,11"}, "[experiment] kernel = 11, layer 3 (conv2): its 9×9 input"),
        ({"data": "s3://elsewhere"}, "the data comes from the 'training' channel"),
        ({"model": "cnn_k4", "kernel-sizes": "3"}, "choose from baseline, cnn_k3"),
    ],
)
def test_bad_hyperparameters_fail_the_job_with_the_reason(tmp_path, tiny_npz, hyperparameters, message):
    root = make_job_root(tmp_path, tiny_npz, hyperparameters)
    result = CliRunner().invoke(main, ["build"], env=job_environment(root, tmp_path))
    # A network the sizes leave no room for is bad input, as it is on the command line; the rest, the job's own errors.
    assert result.exit_code == (2 if "kernel = 11" in message else 1)
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
        {
            "epochs": "10",
            "batch_size": 64,
            "limit-train": "2000",
            "kernel-sizes": '"3,5"',
            "seed": "-1",
            "force": "True",
        }
    ) == {"epochs": 10, "batch_size": 64, "limit_train": 2000, "kernel_sizes": (3, 5), "seed": -1, "force": True}
    with pytest.raises(SageMakerError, match="expected true or false"):
        parse_hyperparameters({"force": "maybe"})
    with pytest.raises(SageMakerError, match="kernel size 0 is not a whole number of at least 1"):
        parse_hyperparameters({"kernel-sizes": "4,0"})
    # Any size [experiment] takes: whether the CNN's maps survive it is the design's check, as for the project file.
    assert parse_hyperparameters({"kernel-sizes": "4"}) == {"kernel_sizes": (4,)}


@pytest.mark.parametrize(
    "value, outcome",
    [
        # $SM_HPS gives JSON values: a number, or its text, for a whole-number option; never true or 2.5.
        ({"epochs": 0}, "must be at least 1"),
        ({"seeds": "0"}, "must be at least 1"),
        ({"batch-size": 2.5}, "expected a whole number"),
        ({"jobs": False}, "expected a whole number"),
        ({"seed": None}, "expected a whole number"),
        ({"lang": 1}, "unknown report language; choose one of en, es"),
        # Other options read the value's text: JSON's 1 and true are "1" and "true".
        ({"force": 1}, {"force": True}),
        ({"force": False}, {"force": False}),
        ({"cache_dir": 5}, {"cache_dir": Path("5")}),
    ],
)
def test_json_hyperparameters_are_read_as_their_text_would_be(value, outcome):
    if isinstance(outcome, dict):
        assert parse_hyperparameters(value) == outcome
    else:
        with pytest.raises(SageMakerError) as caught:
            parse_hyperparameters(value)
        assert str(caught.value).endswith(f": {outcome}")


def test_a_jobs_kernel_sizes_set_the_projects_kernel_experiment(tmp_path, tiny_npz):
    (tmp_path / "cnn-report.toml").write_text(
        textwrap.dedent("""
        [models.cnn]
        layers = [{ type = "conv", filters = 4, kernel = 3 }, { type = "flatten" }]
    """)
    )
    loaded = load_project(tmp_path / "cnn-report.toml")
    assert list(resolve_config(project=loaded).design.networks()) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    root = make_job_root(tmp_path, tiny_npz, {"kernel-sizes": "5", "model": "cnn_k5"})
    job = detect_training_job({ROOT_ENV_VAR: str(root), "SM_TRAINING_ENV": "{}"})
    layers, model = job_layers(job)
    config = resolve_config({"epochs": 2}, *layers, project=loaded)
    assert list(config.design.networks()) == ["baseline", "cnn_k3", "cnn_k5"]
    assert (config.data, config.out.parent, config.epochs, model) == (job.channel, job.output_dir, 2, "cnn_k5")


WIDE_CNN = (
    '[models.cnn]\nlayers = [{ type = "conv", filters = 64, kernel = 3 }, { type = "flatten" },'
    ' { type = "dense", units = 100 }]\n[experiment]\nvary = "kernel"\nvalues = [3, 5]\n'
)


@pytest.mark.parametrize("kernel_sizes", ["1,3", "3,5"])
def test_a_job_warns_about_the_networks_it_trains(tmp_path, tiny_npz, kernel_sizes):
    """The job's kernel sizes decide the design, and so the warnings: a 1×1 kernel makes the wide CNN over 5 million."""
    (tmp_path / "cnn-report.toml").write_text(WIDE_CNN)
    root = make_job_root(tmp_path, tiny_npz, {"kernel-sizes": kernel_sizes})
    # Data that is not MNIST stops the job after the warnings, before any training.
    (root / "input" / "data" / "training" / "mnist.npz").write_bytes(b"not a zip archive")
    result = CliRunner().invoke(
        main, ["build", "--config", str(tmp_path / "cnn-report.toml")], env=job_environment(root, tmp_path)
    )
    assert result.exit_code == 1 and "mnist.npz: not a readable .npz archive" in result.output
    assert ("[experiment] kernel = 1 has 5,018,838 parameters" in result.output) == (kernel_sizes == "1,3")


def test_a_bad_project_file_fails_the_job_with_the_reason(tmp_path, tiny_npz):
    (tmp_path / "cnn-report.toml").write_text("[build]\nepochs = 0\n")
    root = make_job_root(tmp_path, tiny_npz, {})
    result = CliRunner().invoke(
        main, ["build", "--config", str(tmp_path / "cnn-report.toml")], env=job_environment(root, tmp_path)
    )
    assert result.exit_code == 2
    failure = (root / "output" / "failure").read_text(encoding="utf-8")
    assert "cnn-report.toml" in failure and "epochs" in failure and failure.strip() in result.output
