"""What the SageMaker tests share: a launch of AWS's own test account and region (moto answers), and a folder laid out
like /opt/ml with the environment AWS's training toolkit sets, to run the job's contract for real."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tarfile
import uuid
from pathlib import Path

from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.job import ROOT_ENV_VAR
from report.sagemaker.launch import make_launch

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/CnnReportSageMaker"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/CnnReportScheduler"
BUCKET = "cnn-report-test"
IMAGE = f"763104351884.dkr.ecr.{REGION}.amazonaws.com/tensorflow-training:2.19.0-cpu-py312"
# The command line, run from this checkout (`-m` puts the working directory first on the path).
CNN_REPORT = [sys.executable, "-m", "report.cli"]
PROJECT = Path(__file__).resolve().parents[1]


def launch(**overrides):
    settings = {
        "role": ROLE,
        "bucket": f"s3://{BUCKET}/reports-test",
        "region": REGION,
        "hyperparameters": ("epochs=3",),
    }
    return make_launch(**(settings | overrides))


def put_job_output(session, job_name: str) -> None:
    """What SageMaker uploads from /opt/ml/output/data when a job ends (moto runs no container)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        files = {
            "report.pdf": b"%PDF-1.7 test",
            "report.html": b"<html></html>",
            "report.json": b"{}",
            "other.txt": b"x",
        }
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    key = f"reports-test/reports/{job_name}/output/output.tar.gz"
    session.client("s3").put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())


def operations(requests: AwsRequests) -> list[str]:
    return [entry["operation"] for entry in requests.log]


def invalid_requests(entries: list[dict]) -> list[str]:
    """What botocore's own service models (shipped with it, read offline) find wrong in recorded requests: a
    member missing, unknown or of the wrong type; none for requests AWS would take as written."""
    import botocore.session
    from botocore.validate import ParamValidator

    session = botocore.session.get_session()
    problems = []
    for entry in entries:
        operation = session.get_service_model(entry["service"]).operation_model(entry["operation"])
        # botocore fills an idempotency token (CreatePipeline's ClientRequestToken) itself, before it validates.
        tokens = {name: str(uuid.uuid4()) for name in operation.idempotent_members if name not in entry["params"]}
        found = ParamValidator().validate({**entry["params"], **tokens}, operation.input_shape)
        if found.has_errors():
            problems.append(f"{entry['service']} {entry['operation']}: {found.generate_report()}")
    return problems


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
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("SM_", "CNN_REPORT"))}
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


# A student's project that travels with a job: a note with an image, a builder file, and files it does not use.
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


def make_project(folder: Path) -> Path:
    """PROJECT_FILE and the files it names (and two it does not) in ``folder``."""
    from PIL import Image

    for name, text in {
        "cnn-report.toml": PROJECT_FILE,
        "notes/q1.md": NOTE,
        "nets/my_net.py": BUILDER,
        "notes/unused.md": "not named by the project file",
        "secret.txt": "not the job's business",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "images").mkdir()
    Image.new("RGB", (4, 4)).save(folder / "images" / "run.png")
    return folder
