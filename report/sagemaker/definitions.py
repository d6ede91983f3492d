"""The bodies of the requests that start work on SageMaker: a training job's, and a pipeline's definition.

A job of cnn-report is a training job in AWS's TensorFlow container in
script mode: the container fetches the source directory, runs the entry script
in it with the job's hyperparameters, and syncs the results cache with S3
through the checkpoint folder. The bodies are written out here in full, rather
than through the SageMaker Python SDK, which would add a large dependency for
a handful of requests whose exact form the tests pin down. The image defaults
to AWS's TensorFlow training image for the region, from AWS's published table
(``images.json``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from analysis.errors import SageMakerError
from analysis.plan import plan_models
from report.sagemaker.checks import Launch
from report.sagemaker.job import MODEL_HYPERPARAMETER, parse_hyperparameters
from report.sagemaker.staging import ENTRY_SCRIPT

IMAGE_TABLE = Path(__file__).with_name("images.json")
# AWS's current TensorFlow training image (Deep Learning Containers) for CPU
# instances; cnn-report supports TensorFlow 2.16 to 2.21.
TENSORFLOW_IMAGE_TAG = "2.19.0-cpu-py312"
CHANNEL = "training"
CHECKPOINT_DIR = "/opt/ml/checkpoints"
# The folders under the prefix: the results cache (synced with CHECKPOINT_DIR), the report jobs' outputs (each
# <job name>/output/output.tar.gz, where the next report job finds the last report) and the --parallel steps'.
CACHE = "cache"
REPORTS = "reports"
STEPS = "steps"
PIPELINE_SCHEMA_VERSION = "2020-12-01"
# The container's log level (Python's logging.INFO), as AWS's SDK sends it.
_CONTAINER_LOG_LEVEL = 20


def image_accounts() -> dict[str, str]:
    """Region -> the ECR account that serves AWS's Deep Learning Containers there, from AWS's published table.

    The table (``images.json``) names its source and date; a region AWS does
    not list there has no default image.
    """
    return json.loads(IMAGE_TABLE.read_text(encoding="utf-8"))["accounts"]


def default_image(region: str) -> str:
    """AWS's TensorFlow training image for CPU instances in ``region``."""
    account = image_accounts().get(region)
    if account is None:
        raise SageMakerError(
            f"AWS publishes no Deep Learning Containers registry for region {region!r} (see {IMAGE_TABLE.name}'s source); "
            "pass --image with a training image URI that exists there"
        )
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{domain}/tensorflow-training:{TENSORFLOW_IMAGE_TAG}"


def encode_hyperparameters(hyperparameters: Mapping[str, object]) -> dict[str, str]:
    """Every value as JSON text, as AWS's SageMaker SDK sends hyperparameters.

    The training toolkit decodes each value with ``json.loads`` (and logs a
    "Failed to parse hyperparameter" line for any it cannot): ``"3"`` arrives
    as the string "3", ``20`` as the number 20.
    """
    return {str(name): json.dumps(value) for name, value in hyperparameters.items()}


def training_job_request(
    launch: Launch,
    source_uri: str,
    data_uri: str,
    output: str = REPORTS,
    extra_hyperparameters: Mapping[str, str] | None = None,
) -> dict:
    """A CreateTrainingJob request, less the job's name, for a job that runs ``cnn-report build``.

    The hyperparameters follow the script-mode contract of AWS's framework
    containers: ``sagemaker_submit_directory`` is the packed source,
    ``sagemaker_program`` the script to run in it; every value is JSON-encoded,
    as AWS's SDK encodes it. The results cache lives in the checkpoint folder, which
    SageMaker fills from S3 before the job and copies back as it is written, so
    later runs and the other steps of a pipeline reuse finished models.
    """
    return {
        "RoleArn": launch.role,
        "AlgorithmSpecification": {"TrainingImage": launch.image, "TrainingInputMode": "File"},
        "HyperParameters": encode_hyperparameters(
            {
                "sagemaker_program": ENTRY_SCRIPT.name,
                "sagemaker_submit_directory": source_uri,
                "sagemaker_region": launch.region,
                "sagemaker_container_log_level": _CONTAINER_LOG_LEVEL,
                "cache-dir": CHECKPOINT_DIR,
                **launch.hyperparameters,
                **(extra_hyperparameters or {}),
            }
        ),
        "InputDataConfig": [
            {
                "ChannelName": CHANNEL,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": data_uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "InputMode": "File",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": launch.location.uri(output)},
        "ResourceConfig": {"InstanceType": launch.instance_type, "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": launch.max_runtime_seconds},
        "CheckpointConfig": {"S3Uri": launch.location.uri(CACHE), "LocalPath": CHECKPOINT_DIR},
    }


def report_job_request(launch: Launch, source_uri: str, data_uri: str) -> dict:
    """The CreateTrainingJob request, less the job's name, of a job that builds the report (not a --parallel step)."""
    return training_job_request(launch, source_uri, data_uri, REPORTS, report_hyperparameters(launch))


def report_hyperparameters(launch: Launch) -> dict[str, str]:
    """What only a report job is given: the reports to compare with, and the topic to tell (``--notify``).

    The job compares its report with the newest under the prefix's ``reports/``
    (:mod:`report.sagemaker.previous`), unless ``-H compare=...`` names
    another or ``-H no-compare=true`` none.
    """
    given = parse_hyperparameters(launch.hyperparameters)
    extra = {}
    if "compare" not in given and not given.get("no_compare"):
        extra["compare"] = reports_uri(launch)
    if launch.notify is not None:
        extra["notify"] = launch.notify
    return extra


def reports_uri(launch: Launch) -> str:
    """Where the report jobs leave their outputs, one folder per job: ``s3://bucket/prefix/reports/``."""
    return launch.location.uri(REPORTS) + "/"


def pipeline_definition(launch: Launch, source_uri: str, data_uri: str, parallel: bool = False) -> dict:
    """The SageMaker Pipeline definition: one report step, or one step per model and then the report step.

    In the parallel form every model is trained by its own job into the shared
    cache (every fit of that model: each seed, and the probes' retraining of
    it), and the report step, which depends on all of them, finds every fit
    cached: the same ``cnn-report build`` as a local run. Inside each job the
    fits run side by side, one per vCPU of the instance.
    """
    steps = []
    if parallel:
        # One step per model of the student's design (the project's networks and experiment, or the course's).
        for spec in plan_models(launch.design):
            arguments = training_job_request(launch, source_uri, data_uri, STEPS, {MODEL_HYPERPARAMETER: spec.name})
            steps.append({"Name": f"Train-{spec.name}", "Type": "Training", "Arguments": arguments})
    report_step = {
        "Name": "BuildReport",
        "Type": "Training",
        "Arguments": report_job_request(launch, source_uri, data_uri),
    }
    if steps:
        report_step["DependsOn"] = [step["Name"] for step in steps]
    return {"Version": PIPELINE_SCHEMA_VERSION, "Metadata": {}, "Parameters": [], "Steps": steps + [report_step]}
