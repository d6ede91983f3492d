"""A student's project on SageMaker: its file, notes, images and builder travel with the job, and the job builds it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from report.cli import build as build_command
from report.cli import main
from report.project import load_project
from report.sagemaker.entry import project_folder
from report.sagemaker.launch import (
    AwsRequests,
    pack_source,
    pipeline_definition,
    source_and_project_digest,
)
from report.sagemaker.job import ROOT_ENV_VAR, apply_training_job, detect_training_job
from test_sagemaker import BUCKET, REGION, ROLE, aws, aws_env, launch  # noqa: F401  (fixtures)
from test_sagemaker_job import CNN_REPORT, PROJECT, job_environment, make_job_root

PROJECT_FILE = """
[report]
title = "My CNN"

[notes.q1]
file = "notes/q1.md"

[models.cnn]
builder = "nets/my_net.py:make_model"

[experiment]
vary = "width"
values = [0.5, 1]
"""
NOTE = "The CNN: {{ models.cnn_width_1.test_accuracy | pct }}.\n\n![the run](../images/run.png)\n"
BUILDER = """
import keras

def make_model(width=1.0):
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(int(8 * width), 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
"""


@pytest.fixture
def project(tmp_path):
    from PIL import Image

    folder = tmp_path / "assignment"
    for name, text in {"cnn-report.toml": PROJECT_FILE, "notes/q1.md": NOTE, "nets/my_net.py": BUILDER,
                       "notes/unused.md": "not named by the project file", "secret.txt": "not the job's business"}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "images").mkdir()
    Image.new("RGB", (4, 4)).save(folder / "images" / "run.png")
    return folder


def test_the_project_and_only_the_files_it_uses_are_packed_under_project(project, tmp_path):
    loaded = load_project(project / "cnn-report.toml", build_command.params)
    sdist = tmp_path / "cnn_report-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz"):
        pass
    package = pack_source(sdist, tmp_path / "sourcedir.tar.gz", "0" * 64, loaded)
    with tarfile.open(package.path) as archive:
        names = sorted(archive.getnames())
    assert names == ["cnn_report-0.1.0.tar.gz", "entry.py", "project/cnn-report.toml", "project/images/run.png",
                     "project/nets/my_net.py", "project/notes/q1.md"]


def test_the_code_key_follows_the_projects_files(project):
    def digest() -> str:
        return source_and_project_digest(project=load_project(project / "cnn-report.toml", build_command.params))

    first = digest()
    assert first != source_and_project_digest() and digest() == first
    (project / "nets" / "my_net.py").write_text(BUILDER + "\n# wider next time\n")
    assert digest() != first


def test_parallel_steps_train_the_projects_own_models(project):
    loaded = load_project(project / "cnn-report.toml", build_command.params)
    definition = pipeline_definition(launch(project=loaded), "s3://b/code.tar.gz", "s3://b/data/", parallel=True)
    assert [step["Name"] for step in definition["Steps"]] == ["Train-baseline", "Train-cnn_width_1", "Train-cnn_width_0_5",
                                                             "BuildReport"]


def test_kernel_sizes_for_a_width_experiment_are_refused_before_anything_is_sent(aws, project, tiny_npz):  # noqa: F811
    result = CliRunner().invoke(main, ["sagemaker", "run", "--role", ROLE, "--bucket", f"s3://{BUCKET}", "--region", REGION,
                                       "--data", str(tiny_npz), "--config", str(project / "cnn-report.toml"),
                                       "-H", "kernel-sizes=3,5", "--no-wait"])
    assert result.exit_code == 2
    assert "--kernel-sizes sets a kernel experiment, but [experiment] varies width" in result.output
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_cli_run_carries_the_project_into_the_job(aws, project, tiny_npz):  # noqa: F811
    result = CliRunner().invoke(main, ["sagemaker", "run", "--role", ROLE, "--bucket", f"s3://{BUCKET}/x", "--region", REGION,
                                       "--data", str(tiny_npz), "--config", str(project / "cnn-report.toml"),
                                       "--job-name", "cnn-report-project", "--no-wait"])
    assert result.exit_code == 0, result.output
    job = aws.client("sagemaker").describe_training_job(TrainingJobName="cnn-report-project")
    key = json.loads(job["HyperParameters"]["sagemaker_submit_directory"]).removeprefix(f"s3://{BUCKET}/")
    body = aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert "project/nets/my_net.py" in archive.getnames()
        assert archive.extractfile("project/cnn-report.toml").read().decode() == PROJECT_FILE


def test_the_entry_script_builds_from_the_packed_project(tmp_path):
    assert project_folder(str(tmp_path)) is None
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "cnn-report.toml").write_text("")
    assert project_folder(str(tmp_path)) == str(tmp_path / "project")


def test_a_jobs_kernel_sizes_set_the_projects_kernel_experiment(tmp_path, tiny_npz):
    (tmp_path / "cnn-report.toml").write_text(textwrap.dedent("""
        [models.cnn]
        layers = [{ type = "conv", filters = 4, kernel = 3 }, { type = "flatten" }]
    """))
    from report.config import BuildConfig
    from report.project import resolve_design

    loaded = load_project(tmp_path / "cnn-report.toml", build_command.params)
    config = BuildConfig(project=loaded, design=resolve_design(loaded, (3, 5, 7), False))
    root = make_job_root(tmp_path, tiny_npz, {})
    job = detect_training_job({ROOT_ENV_VAR: str(root), "SM_TRAINING_ENV": "{}"})
    networks = apply_training_job(config, job, {"kernel_sizes": (5,)}).experiment_design.networks()
    assert list(networks) == ["baseline", "cnn_k3", "cnn_k5"]


def test_a_model_step_in_a_job_trains_the_projects_model_from_the_packed_folder(tmp_path, project, tiny_npz):
    """The job's `cnn-report build`, run where the entry script runs it (the packed project folder), trains one model."""
    checkpoints = tmp_path / "opt-ml" / "checkpoints"
    root = make_job_root(tmp_path, tiny_npz, {"epochs": "1", "limit-train": "200", "seeds": "1", "model": "cnn_width_0_5",
                                               "cache-dir": str(checkpoints)})
    environment = job_environment(root, tmp_path, PYTHONPATH=str(PROJECT))
    step = subprocess.run([*CNN_REPORT, "build"], env=environment, capture_output=True, text=True, timeout=600, cwd=project)
    assert step.returncode == 0, step.stderr
    # The variant of width 0.5 is neither the baseline nor the main CNN: no probe retrains it, one seed, one fit.
    [entry] = [path for path in checkpoints.glob("*.json")]
    stored = json.loads(entry.read_text())
    assert stored["description"]["model"]["builder"]["arguments"] == {"width": 0.5}
    assert stored["result"]["params"] == (9 + 1) * 4 + (4 + 1) * 10
