"""The SageMaker job run as AWS's TensorFlow container runs it: AWS's own training toolkit drives the entry script.

The toolkit (``sagemaker-training`` from PyPI) is installed into an
environment of its own, which sees this project's libraries (TensorFlow and
the rest, as AWS's image has them) but not cnn-report: the entry script must
install cnn-report from the source package the launcher builds, as in a real
job. The toolkit reads an /opt/ml laid out as SageMaker lays it out, with the
hyperparameters exactly as the launcher sends them, runs the job, and reports
success or failure in its own way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from filelock import FileLock

from report.sagemaker.definitions import training_job_request
from report.sagemaker.launch import make_launch
from report.sagemaker.staging import package_source

from course import CNN_PARAMS
from mnist_files import write_npz

TOOLKIT = "sagemaker-training==5.1.4"
# Names of this project's own installation in the environment it runs from, which the toolkit's must not see.
_OWN = ("cnn_report", "__editable__", "_cnn_report")


def _toolkit_home() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (
        base / "cnn-report-tests" / f"{TOOLKIT.replace('==', '-')}-py{sys.version_info.major}.{sys.version_info.minor}"
    )


@pytest.fixture(scope="session")
def toolkit() -> Path:
    """The ``train`` command of AWS's toolkit, in its own virtual environment (made once, then reused)."""
    home = _toolkit_home()
    home.mkdir(parents=True, exist_ok=True)
    venv, libraries = home / "venv", home / "project-libraries"
    train = venv / "bin" / "train"
    with FileLock(str(home / ".lock")):
        # This project's libraries, less cnn-report itself, refreshed on every run.
        shutil.rmtree(libraries, ignore_errors=True)
        libraries.mkdir()
        for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
            if not entry.name.startswith(_OWN):
                (libraries / entry.name).symlink_to(entry)
        try:
            if not train.exists():
                shutil.rmtree(venv, ignore_errors=True)
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
                site = subprocess.run(
                    [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                # After the environment's own packages: what the toolkit installs comes first for it.
                (Path(site) / "project-libraries.pth").write_text(f"{libraries}\n")
                subprocess.run(
                    [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", TOOLKIT],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
            # A job installs cnn-report into it; every test session starts without it, as a fresh container does.
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "uninstall", "--yes", "--quiet", "cnn-report"],
                check=False,
                capture_output=True,
            )
        except subprocess.CalledProcessError as error:
            message = f"cannot install {TOOLKIT} from PyPI: {(error.stderr or '').strip()[-500:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return train


def lay_out_opt_ml(root: Path, data: Path, hyperparameters: dict[str, str]) -> None:
    """/opt/ml as SageMaker lays it out for a one-instance training job with a 'training' channel."""
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"})
    )
    (config / "inputdataconfig.json").write_text(
        json.dumps(
            {
                "training": {
                    "TrainingInputMode": "File",
                    "S3DistributionType": "FullyReplicated",
                    "RecordWrapperType": "None",
                }
            }
        )
    )
    channel = root / "input" / "data" / "training"
    channel.mkdir(parents=True)
    shutil.copy(data, channel / "mnist.npz")
    for folder in ("model", "output/data", "checkpoints"):
        (root / folder).mkdir(parents=True, exist_ok=True)


def run_job(train: Path, root: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SM_", "CNN_REPORT", "SAGEMAKER"))
    }
    environment.update(
        {
            "SAGEMAKER_BASE_DIR": str(root),  # the toolkit's stand-in for /opt/ml
            "SM_STUDIO_LOCAL_MODE": "true",  # no DNS lookup of the cluster's host names (algo-1)
            "HOME": str(tmp_path / "home"),
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        }
    )
    return subprocess.run([str(train)], env=environment, capture_output=True, text=True, timeout=1200, cwd=tmp_path)


def test_the_job_under_awss_training_toolkit_delivers_the_report_and_the_model_and_explains_a_failure(
    toolkit, tmp_path
):
    data = write_npz(tmp_path / "mnist.npz")
    work = tmp_path / "work"
    work.mkdir()
    source = package_source(work)  # what `cnn-report sagemaker` uploads: the real sdist and the entry script
    launch = make_launch(
        "arn:aws:iam::123456789012:role/CnnReport",
        "s3://bucket",
        "us-east-1",
        hyperparameters=("epochs=1", "kernel-sizes=3", "seeds=1"),
    )
    root = tmp_path / "opt-ml"
    hyperparameters = training_job_request(launch, str(source.path), "s3://bucket/cnn-report/data/")["HyperParameters"]
    # The checkpoint folder SageMaker syncs with S3, here inside the temporary /opt/ml.
    hyperparameters["cache-dir"] = json.dumps(str(root / "checkpoints"))
    lay_out_opt_ml(root, data, hyperparameters)

    job = run_job(toolkit, root, tmp_path)
    log = job.stdout + job.stderr
    assert job.returncode == 0, log[-3000:]
    assert "Reporting training SUCCESS" in log
    assert "Failed to parse hyperparameter" not in log  # every value JSON-encoded, as AWS's SDK does
    assert "Successfully installed cnn-report" in log  # from the sdist, as in AWS's image
    output = root / "output" / "data"
    assert (output / "report.pdf").read_bytes().startswith(b"%PDF")
    summary = json.loads((output / "report.json").read_text(encoding="utf-8"))
    assert summary["settings"]["epochs"] == 1 and summary["settings"]["kernel_sizes"] == [3]
    assert not (root / "output" / "failure").exists()

    # model.tar.gz's content: the trained main CNN, which Keras loads and which scores what the report says.
    model_file = root / "model" / "cnn_k3.keras"
    script = (
        "import json, sys, numpy as np, keras\n"
        "model = keras.models.load_model(sys.argv[1])\n"
        "data = np.load(sys.argv[2])\n"
        "loss, accuracy = model.evaluate((data['x_test'].astype('float32') / 255.0)[..., None], data['y_test'], verbose=0)\n"
        "print(json.dumps([accuracy, loss, model.count_params()]))\n"
    )
    evaluated = subprocess.run(
        [sys.executable, "-c", script, str(model_file), str(data)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    accuracy, loss, params = json.loads(evaluated.stdout.strip().splitlines()[-1])
    first_run = summary["models"]["cnn_k3"]["per_seed"][0]
    assert params == CNN_PARAMS[3]
    assert accuracy == pytest.approx(first_run["test_accuracy"], abs=1e-6)
    assert loss == pytest.approx(first_run["test_loss"], rel=1e-5)

    # A second job in the same environment, now with cnn-report installed (as in an image that holds it), on data
    # that is not MNIST: the reason reaches the failure file, which the toolkit leaves as cnn-report wrote it.
    failed_root = tmp_path / "opt-ml-2"
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 this is not a zip archive")
    lay_out_opt_ml(failed_root, broken, hyperparameters | {"cache-dir": json.dumps(str(failed_root / "checkpoints"))})
    failed = run_job(toolkit, failed_root, tmp_path)
    log = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "entry: using cnn-report" in log
    failure = (failed_root / "output" / "failure").read_text(encoding="utf-8")
    assert failure.count("\n") == 1 and "mnist.npz: not a readable .npz archive" in failure
    assert not (failed_root / "output" / "data" / "report.pdf").exists()
