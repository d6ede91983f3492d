"""Launching the report on Amazon SageMaker, once or on a schedule, with plain boto3.

``cnn-report sagemaker run`` stages the data and cnn-report's own source
distribution in S3, starts a training job in AWS's TensorFlow container that
runs ``cnn-report build`` (see :mod:`report.sagemaker.job` for the job's side),
waits, and downloads the report. ``cnn-report sagemaker schedule`` turns the
same job into a SageMaker Pipeline and an EventBridge Scheduler schedule that
starts it.

Every input is checked before the first request. Every request goes through
:class:`AwsRequests`, which records it as ``{"service", "operation",
"params"}`` and, in a dry run, sends nothing: the record is the dry run's
output. Requests that depend on what exists (upload only if absent, create or
update) are preceded by the read that decides, and carry a ``when`` saying on
what they depend; a dry run lists both branches.

The SageMaker Python SDK is not used: it would add a large dependency for a
handful of requests whose exact form the tests pin down.
"""

from __future__ import annotations

import datetime as _datetime
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from analysis.architectures import Design
from analysis.data import PROJECT_DIR, load_dataset, resolve_data_path
from analysis.errors import SageMakerError
from analysis.experiments import DEFAULT_KERNEL_SIZES, plan_experiments
from report.project import Project, resolve_design
from report.sagemaker.job import MODEL_HYPERPARAMETER, parse_hyperparameters
from report.source import source_digest

ENTRY_SCRIPT = Path(__file__).with_name("entry.py")
# Where the project's files go in the job's source directory; the entry script builds from there.
PROJECT_FOLDER = "project"
IMAGE_TABLE = Path(__file__).with_name("images.json")
CHANNEL = "training"
CHECKPOINT_DIR = "/opt/ml/checkpoints"
DEFAULT_PREFIX = "cnn-report"
DEFAULT_NAME = "cnn-report"
DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"
DEFAULT_MAX_HOURS = 2.0
PIPELINE_SCHEMA_VERSION = "2020-12-01"
REPORT_FILES = ("report.pdf", "report.html", "report.json")
# AWS's current TensorFlow training image (Deep Learning Containers) for CPU
# instances; cnn-report supports TensorFlow 2.16 to 2.21.
TENSORFLOW_IMAGE_TAG = "2.19.0-cpu-py312"
# The container's log level (Python's logging.INFO), as AWS's SDK sends it.
_CONTAINER_LOG_LEVEL = 20
_ROLE_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/?(?P<prefix>.*)$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#-]+$")
_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)$")
# The published names of MNIST's IDX files, in either spelling ("-idx3" or ".idx3").
_IDX_PREFIXES = ("train-images", "train-labels", "t10k-images", "t10k-labels")
_TERMINAL_STATUSES = ("Completed", "Failed", "Stopped")
# Answers that mean "there is none", which the reads before a create expect.
_MISSING = ("404", "NoSuchKey", "NotFound", "ResourceNotFound", "ResourceNotFoundException")


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix under which everything of cnn-report is kept."""

    bucket: str
    prefix: str

    def key(self, *parts: str) -> str:
        return "/".join([self.prefix, *parts])

    def uri(self, *parts: str) -> str:
        return f"s3://{self.bucket}/{self.key(*parts)}"


@dataclass(frozen=True)
class Launch:
    """What every job of cnn-report on SageMaker shares, checked."""

    role: str
    location: S3Location
    region: str
    image: str
    instance_type: str = DEFAULT_INSTANCE_TYPE
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    max_runtime_seconds: int = int(DEFAULT_MAX_HOURS * 3600)
    # The student's project (--config): its networks, notes and images travel with the code into every job.
    project: Project | None = None

    @property
    def design(self) -> Design:
        """The networks and experiment the jobs train: the project's, with the job's kernel sizes if -H sets them."""
        settings = parse_hyperparameters(self.hyperparameters)
        given = "kernel_sizes" in settings or (self.project is not None and "kernel_sizes" in self.project.build)
        kernel_sizes = settings.get("kernel_sizes") or (self.project.build.get("kernel_sizes") if self.project else None)
        return resolve_design(self.project, tuple(kernel_sizes or DEFAULT_KERNEL_SIZES), given)

    @property
    def partition(self) -> str:
        return _ROLE_ARN.match(self.role).group("partition")

    @property
    def account(self) -> str:
        return _ROLE_ARN.match(self.role).group("account")


@dataclass(frozen=True)
class SourcePackage:
    """The job's source directory, packed: cnn-report's sdist, the entry script and the project, if any (its file,
    notes, images and builder files, under ``project/``); ``digest`` names the source in it."""

    path: Path
    digest: str


def check_role_arn(role: str, option: str = "--role") -> str:
    """An IAM role ARN, or a :class:`SageMakerError` that shows the expected form."""
    if not _ROLE_ARN.match(role or ""):
        raise SageMakerError(
            f"{option} {role!r} is not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>"
        )
    return role


def parse_bucket(uri: str) -> S3Location:
    """``s3://bucket[/prefix]`` as a location; the prefix defaults to ``cnn-report``."""
    match = _S3_URI.match(uri or "")
    if not match:
        raise SageMakerError(f"--bucket {uri!r} is not an S3 URI; expected s3://<bucket>[/<prefix>]")
    bucket, prefix = match.group("bucket"), match.group("prefix").strip("/")
    problem = None
    if not _BUCKET.match(bucket):
        problem = "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in bucket or ".-" in bucket or "-." in bucket:
        problem = "no two dots in a row and no dot next to a hyphen"
    elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+", bucket):
        problem = "not an IP address"
    elif bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3")):
        problem = "no prefix xn-- or sthree- and no suffix -s3alias or --ol-s3"
    if problem:
        raise SageMakerError(f"--bucket {uri!r}: {bucket!r} is not a valid S3 bucket name ({problem})")
    return S3Location(bucket=bucket, prefix=prefix or DEFAULT_PREFIX)


def check_schedule_expression(expression: str) -> str:
    """An EventBridge Scheduler ``cron(...)`` (six fields) or ``rate(...)`` expression."""
    expected = 'expected cron(minutes hours day-of-month month day-of-week year), e.g. "cron(0 6 ? * MON *)", or rate(7 days)'
    rate = _RATE.match(expression or "")
    if rate:
        if (int(rate.group("value")) == 1) == rate.group("unit").endswith("s") or int(rate.group("value")) == 0:
            raise SageMakerError(f"--cron {expression!r}: use a positive number, singular for 1 (rate(1 day), rate(7 days))")
        return expression
    cron = _CRON.match(expression or "")
    if not cron:
        raise SageMakerError(f"--cron {expression!r} is not a schedule expression; {expected}")
    fields = cron.group("fields").split()
    if len(fields) != 6 or not all(_CRON_FIELD.match(part) for part in fields):
        raise SageMakerError(f"--cron {expression!r} has {len(fields)} field(s); {expected}")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise SageMakerError(
            f"--cron {expression!r}: exactly one of day-of-month (3rd field) and day-of-week (5th) must be '?'"
        )
    return expression


def check_name(name: str, option: str) -> str:
    """A name SageMaker and EventBridge Scheduler both accept: letters, digits and inner hyphens, at most 63."""
    if not _NAME.match(name or ""):
        raise SageMakerError(f"{option} {name!r}: use 1-63 letters, digits and hyphens, starting and ending with a letter or digit")
    return name


def parse_hyperparameters_option(pairs: tuple[str, ...]) -> dict[str, str]:
    """``-H name=value`` pairs as SageMaker hyperparameters (strings), checked as the job will check them."""
    hyperparameters = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise SageMakerError(f"-H {pair!r}: expected name=value, e.g. -H epochs=3")
        hyperparameters[name.strip().replace("_", "-")] = value.strip()
    parse_hyperparameters(hyperparameters)
    # The launcher sets these itself: the cache lives in SageMaker's synced
    # checkpoint folder, and one-model steps exist only inside a pipeline.
    for reserved in ("cache-dir", MODEL_HYPERPARAMETER):
        if reserved in hyperparameters:
            raise SageMakerError(f"-H {reserved}: set by cnn-report sagemaker itself; leave it out")
    return hyperparameters


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


def open_session(region: str | None = None):
    """A boto3 Session for ``region``, or for the region configured for AWS's tools; it sends nothing yet."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        raise SageMakerError("cnn-report sagemaker needs boto3: pip install 'cnn-report[sagemaker]'") from None
    try:
        return boto3.Session(region_name=region)
    except botocore.exceptions.ProfileNotFound as error:
        raise SageMakerError(f"{error}; set AWS_PROFILE to a profile in ~/.aws/config, or unset it") from None


def make_launch(
    role: str,
    bucket: str,
    region: str | None,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    image: str | None = None,
    hyperparameters: tuple[str, ...] = (),
    max_hours: float = DEFAULT_MAX_HOURS,
    project: Project | None = None,
) -> Launch:
    """Check every setting shared by ``run`` and ``schedule``; raise :class:`SageMakerError` on the first bad one."""
    check_role_arn(role)
    location = parse_bucket(bucket)
    if not _INSTANCE_TYPE.match(instance_type or ""):
        raise SageMakerError(f"--instance-type {instance_type!r} is not a SageMaker instance type such as {DEFAULT_INSTANCE_TYPE}")
    if not 0 < max_hours <= 120:
        raise SageMakerError(f"--max-hours {max_hours}: choose more than 0 and at most 120 (SageMaker's limit is 5 days)")
    checked = parse_hyperparameters_option(hyperparameters)
    if not region:
        raise SageMakerError("no AWS region: pass --region, or set AWS_DEFAULT_REGION or a region in ~/.aws/config")
    launch = Launch(
        role=role,
        location=location,
        region=region,
        instance_type=instance_type,
        image=image or default_image(region),
        hyperparameters=checked,
        max_runtime_seconds=int(max_hours * 3600),
        project=project,
    )
    # The networks and experiment the jobs will train, checked with the jobs' own kernel sizes before anything is sent.
    launch.design
    return launch


class AwsRequests:
    """Every AWS request of one command, recorded in order, and sent unless this is a dry run."""

    def __init__(self, session, dry_run: bool = False):
        """``session`` is a boto3 Session; without credentials only a dry run is possible."""
        self.session = session
        self.dry_run = dry_run
        self.log: list[dict] = []
        self._clients: dict[str, object] = {}

    def send(self, service: str, operation: str, params: dict, when: str | None = None) -> dict | None:
        """Record one request and, unless dry-running, send it; a ``Path`` as ``Body`` uploads that file."""
        entry = {"service": service, "operation": operation, "params": _describe_files(params)}
        if when:
            entry["when"] = when
        self.log.append(entry)
        if self.dry_run:
            return None
        return self._call(service, operation, params, missing_ok=False)

    def look_up(self, service: str, operation: str, params: dict) -> dict | None:
        """A read whose "not found" is an answer: None then (and in a dry run, which assumes nothing exists)."""
        self.log.append({"service": service, "operation": operation, "params": params})
        if self.dry_run:
            return None
        return self._call(service, operation, params, missing_ok=True)

    def to_json(self) -> str:
        """The recorded requests as JSON."""
        return json.dumps(self.log, indent=2)

    def _call(self, service: str, operation: str, params: dict, missing_ok: bool) -> dict | None:
        # Imported here so that commands which never reach AWS do not pay for botocore.
        import botocore.exceptions

        client = self._clients.get(service)
        if client is None:
            # Checked here, at the first request, so that bad input is reported first.
            if self.session.get_credentials() is None:
                raise SageMakerError(
                    "no AWS credentials found: run `aws configure`, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY (--dry-run needs none)"
                )
            client = self._clients[service] = self.session.client(service)
        method = getattr(client, botocore.xform_name(operation))
        with ExitStack() as stack:
            arguments = {
                name: stack.enter_context(open(value, "rb")) if isinstance(value, Path) else value
                for name, value in params.items()
            }
            try:
                return method(**arguments)
            except botocore.exceptions.ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if missing_ok and code in _MISSING:
                    return None
                message = error.response.get("Error", {}).get("Message", "") or str(error)
                raise SageMakerError(f"AWS refused {service} {operation}: {code}: {message}") from None
            except botocore.exceptions.BotoCoreError as error:
                raise SageMakerError(f"{service} {operation} failed: {error}") from None


def _describe_files(params: dict) -> dict:
    """``params`` with each file to upload shown as its path and size, so the record is plain JSON."""
    return {
        name: f"<contents of {value} ({value.stat().st_size:,} bytes)>" if isinstance(value, Path) else value
        for name, value in params.items()
    }


def package_source(workdir: Path, project_dir: Path = PROJECT_DIR, project: Project | None = None) -> SourcePackage:
    """Build cnn-report's sdist and pack it with the entry script as the job's source directory.

    The sdist is built by calling setuptools' standard (PEP 517) hook, so no
    other build tool, and no network, is needed. The package is named by the
    digest of the source files themselves (:func:`report.source.source_digest`),
    not of the sdist, whose bytes depend on the setuptools that built it: the
    same source maps to the same S3 key, and the same pipeline definition, from
    any machine.
    """
    if not (project_dir / "pyproject.toml").is_file():
        raise SageMakerError(
            f"cnn-report's source (pyproject.toml) is not at {project_dir}; run cnn-report sagemaker from a source "
            "checkout installed with setup.sh"
        )
    dist = workdir / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    built = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))", str(dist)],
        cwd=project_dir,
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        tail = " ".join(built.stderr.strip().splitlines()[-3:])
        raise SageMakerError(f"building cnn-report's source distribution failed: {tail}")
    sdist = dist / built.stdout.strip().splitlines()[-1]
    return pack_source(sdist, workdir / "sourcedir.tar.gz", source_and_project_digest(project_dir, project), project)


def pack_source(sdist: Path, destination: Path, digest: str, project: Project | None = None) -> SourcePackage:
    """Pack ``sdist``, the entry script and the project's files into ``destination``, a tar.gz as SageMaker's
    script mode expects. ``digest`` names the source the sdist was built from, and the project.

    The project's files keep their places relative to its folder, under
    ``project/``; the entry script builds from there, so the job reads the
    same project file, notes, images and builder files as a build here would.
    """
    with tarfile.open(destination, "w:gz") as archive:
        archive.add(sdist, arcname=sdist.name)
        archive.add(ENTRY_SCRIPT, arcname=ENTRY_SCRIPT.name)
        if project is not None:
            folder = project.folder.resolve()
            for path in project.files():
                archive.add(path, arcname=f"{PROJECT_FOLDER}/{path.relative_to(folder).as_posix()}")
    return SourcePackage(path=destination, digest=digest)


def source_and_project_digest(project_dir: Path = PROJECT_DIR, project: Project | None = None) -> str:
    """The digest of cnn-report's source, and of the project's files when there is a project (their paths and bytes).

    Without a project it is the source's own digest, so the code already in S3 is found again.
    """
    digest = source_digest(project_dir)
    if project is None:
        return digest
    combined = hashlib.sha256(digest.encode())
    folder = project.folder.resolve()
    for path in project.files():
        content = path.read_bytes()
        combined.update(path.relative_to(folder).as_posix().encode() + b"\0" + len(content).to_bytes(8, "big") + content)
    return combined.hexdigest()


def local_data_files(data: Path | None) -> list[tuple[Path, str]]:
    """The files to upload as the training channel, with their names there, after checking they hold MNIST.

    Without ``data``, the build's own search is used (less Keras's download).
    """
    dataset = load_dataset(resolve_data_path(data, allow_download=False))
    if dataset.format == "npz":
        # The job looks for mnist.npz by name, whatever the file is called here.
        return [(dataset.path, "mnist.npz")]
    return [(path, path.name) for path in sorted(dataset.path.iterdir()) if path.name.startswith(_IDX_PREFIXES)]


def stage_data(aws: AwsRequests, location: S3Location, data: Path | str | None) -> str:
    """The S3 prefix of the training channel, uploading local data there unless S3 already holds the same bytes."""
    if isinstance(data, str) and data.startswith("s3://"):
        parse_bucket(data)
        return data.rstrip("/") + "/"
    for path, name in local_data_files(Path(data) if data is not None else None):
        _upload_once(aws, location, ("data", name), lambda path=path: path, _sha256(path))
    return location.uri("data") + "/"


def stage_source(
    aws: AwsRequests, location: S3Location, workdir: Path, source: SourcePackage | None = None, project_dir: Path = PROJECT_DIR,
    project: Project | None = None,
) -> str:
    """The S3 URI of the job's source directory, packed and uploaded only if this exact source is not there yet.

    ``source``, when given, is already packed; otherwise the source in
    ``project_dir`` and the ``project``'s files are named by their digest
    first and packed into ``workdir`` only when S3 lacks them.
    """
    digest = source.digest if source is not None else source_and_project_digest(project_dir, project)
    parts = ("code", digest[:16], "sourcedir.tar.gz")
    _upload_once(aws, location, parts, lambda: (source or package_source(workdir, project_dir, project)).path, digest)
    return location.uri(*parts)


def _upload_once(aws: AwsRequests, location: S3Location, parts: tuple[str, ...], file: Callable[[], Path], digest: str) -> None:
    """Upload what ``file()`` makes under ``parts``, unless S3 holds an object there with the same sha256 already."""
    key = location.key(*parts)
    existing = aws.look_up("s3", "HeadObject", {"Bucket": location.bucket, "Key": key})
    if existing is None or existing.get("Metadata", {}).get("sha256") != digest:
        aws.send(
            "s3",
            "PutObject",
            {"Bucket": location.bucket, "Key": key, "Body": file(), "Metadata": {"sha256": digest}},
            when="unless HeadObject finds this object with the same sha256",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def training_job_request(
    launch: Launch,
    source_uri: str,
    data_uri: str,
    output: str = "reports",
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
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": data_uri, "S3DataDistributionType": "FullyReplicated"}
                },
                "InputMode": "File",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": launch.location.uri(output)},
        "ResourceConfig": {"InstanceType": launch.instance_type, "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": launch.max_runtime_seconds},
        "CheckpointConfig": {"S3Uri": launch.location.uri("cache"), "LocalPath": CHECKPOINT_DIR},
    }


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
        for spec in plan_experiments(launch.design):
            arguments = training_job_request(launch, source_uri, data_uri, "steps", {MODEL_HYPERPARAMETER: spec.name})
            steps.append({"Name": f"Train-{spec.name}", "Type": "Training", "Arguments": arguments})
    report_step = {"Name": "BuildReport", "Type": "Training", "Arguments": training_job_request(launch, source_uri, data_uri)}
    if steps:
        report_step["DependsOn"] = [step["Name"] for step in steps]
    return {"Version": PIPELINE_SCHEMA_VERSION, "Metadata": {}, "Parameters": [], "Steps": steps + [report_step]}


def default_job_name(now: _datetime.datetime | None = None) -> str:
    """``cnn-report-YYYYmmdd-HHMMSS`` in UTC."""
    now = now or _datetime.datetime.now(_datetime.timezone.utc)
    return f"{DEFAULT_NAME}-{now:%Y%m%d-%H%M%S}"


def run_report_job(
    aws: AwsRequests,
    launch: Launch,
    out_dir: Path,
    job_name: str,
    data: Path | str | None = None,
    source: SourcePackage | None = None,
    wait: bool = True,
    poll_seconds: float = 30.0,
    echo: Callable[[str], None] = lambda message: None,
) -> list[Path]:
    """Start a training job that builds the report, wait for it, and download the report into ``out_dir``.

    Returns the downloaded files (none in a dry run or without waiting).
    """
    check_name(job_name, "--job-name")
    if wait and not aws.dry_run and not out_dir.is_dir():
        raise SageMakerError(f"--out-dir {out_dir} is not a folder; create it or choose another")
    data_uri = stage_data(aws, launch.location, data)
    with tempfile.TemporaryDirectory(prefix="cnn-report-sagemaker-") as workdir:
        source_uri = stage_source(aws, launch.location, Path(workdir), source, project=launch.project)
        aws.send("sagemaker", "CreateTrainingJob", {"TrainingJobName": job_name, **training_job_request(launch, source_uri, data_uri)})
    echo(f"{'Would start' if aws.dry_run else 'Started'} training job {job_name} ({launch.instance_type}) in {launch.region}")
    if not wait:
        return []
    job = wait_for_training_job(aws, job_name, poll_seconds=poll_seconds, echo=echo)
    return download_report(aws, job, job_name, launch.location, out_dir)


def wait_for_training_job(
    aws: AwsRequests,
    job_name: str,
    poll_seconds: float = 30.0,
    echo: Callable[[str], None] = lambda message: None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict | None:
    """Poll the job, echoing each change of status, until it ends; raise if it did not complete."""
    started = time.monotonic()
    last = None
    while True:
        job = aws.send(
            "sagemaker", "DescribeTrainingJob", {"TrainingJobName": job_name}, when=f"every {poll_seconds:g} s until the job ends"
        )
        if job is None:
            return None
        status = (job["TrainingJobStatus"], job.get("SecondaryStatus", ""))
        if status != last:
            transitions = job.get("SecondaryStatusTransitions") or [{}]
            message = transitions[-1].get("StatusMessage", "")
            echo(f"[{time.monotonic() - started:5.0f} s] {status[0]} / {status[1]}{': ' + message if message else ''}")
            last = status
        if status[0] in _TERMINAL_STATUSES:
            break
        sleep(poll_seconds)
    if status[0] != "Completed":
        reason = job.get("FailureReason") or "no reason given"
        raise SageMakerError(f"training job {job_name} {status[0].lower()}: {reason} (logs: CloudWatch /aws/sagemaker/TrainingJobs)")
    return job


def download_report(aws: AwsRequests, job: dict | None, job_name: str, location: S3Location, out_dir: Path) -> list[Path]:
    """Fetch the job's output archive and unpack report.pdf, .html and .json into ``out_dir``."""
    output_path = job["OutputDataConfig"]["S3OutputPath"] if job else location.uri("reports")
    match = _S3_URI.match(output_path.rstrip("/") + f"/{job_name}/output/output.tar.gz")
    answer = aws.send(
        "s3", "GetObject", {"Bucket": match.group("bucket"), "Key": match.group("prefix")}, when="once the job has completed"
    )
    if answer is None:
        return []
    written = []
    with tarfile.open(fileobj=io.BytesIO(answer["Body"].read()), mode="r:gz") as archive:
        for member in archive.getmembers():
            # Only the three report files, by their plain names: nothing in an
            # archive may choose where on this machine it lands.
            name = member.name.removeprefix("./")
            if member.isfile() and name in REPORT_FILES:
                target = out_dir / name
                target.write_bytes(archive.extractfile(member).read())
                written.append(target)
    if not any(path.name == "report.pdf" for path in written):
        raise SageMakerError(f"{output_path}: the job's output holds no report.pdf; see its logs in CloudWatch")
    return written


def schedule_report(
    aws: AwsRequests,
    launch: Launch,
    name: str,
    expression: str,
    scheduler_role: str,
    timezone: str = "UTC",
    parallel: bool = False,
    data: Path | str | None = None,
    source: SourcePackage | None = None,
) -> str:
    """Create or update the pipeline ``name`` and the schedule ``name`` that starts it; return the pipeline's ARN.

    Running it again with the same settings leaves one pipeline and one schedule, updated in place.
    """
    check_name(name, "--name")
    check_schedule_expression(expression)
    check_role_arn(scheduler_role, "--scheduler-role")
    data_uri = stage_data(aws, launch.location, data)
    with tempfile.TemporaryDirectory(prefix="cnn-report-sagemaker-") as workdir:
        source_uri = stage_source(aws, launch.location, Path(workdir), source, project=launch.project)
    pipeline = {
        "PipelineName": name,
        "PipelineDefinition": json.dumps(pipeline_definition(launch, source_uri, data_uri, parallel), indent=1),
        "PipelineDescription": "Builds the cnn-report report (PDF, HTML, JSON) from the data in S3",
        "RoleArn": launch.role,
    }
    exists = _pipeline_exists(aws, name)
    answer = None
    if aws.dry_run or not exists:
        answer = aws.send("sagemaker", "CreatePipeline", pipeline, when="if ListPipelines finds no pipeline of this name")
    if aws.dry_run or exists:
        answer = aws.send("sagemaker", "UpdatePipeline", pipeline, when="if ListPipelines finds the pipeline")
    # SageMaker writes pipeline names in lower case in ARNs; the real answer, when there is one, is authoritative.
    pipeline_arn = (
        answer["PipelineArn"]
        if answer
        else f"arn:{launch.partition}:sagemaker:{launch.region}:{launch.account}:pipeline/{name.lower()}"
    )
    schedule = {
        "Name": name,
        "GroupName": "default",
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": pipeline_arn, "RoleArn": scheduler_role},
        "State": "ENABLED",
        "Description": f"Starts the SageMaker pipeline {name}, which rebuilds the cnn-report report",
    }
    existing = aws.look_up("scheduler", "GetSchedule", {"Name": name, "GroupName": "default"})
    if aws.dry_run or existing is None:
        aws.send("scheduler", "CreateSchedule", schedule, when="if GetSchedule finds none")
    if aws.dry_run or existing is not None:
        aws.send("scheduler", "UpdateSchedule", schedule, when="if GetSchedule finds it")
    return pipeline_arn


def delete_schedule(aws: AwsRequests, name: str) -> None:
    """Remove the schedule ``name`` and then the pipeline ``name``; whatever is already gone is skipped."""
    check_name(name, "--name")
    existing = aws.look_up("scheduler", "GetSchedule", {"Name": name, "GroupName": "default"})
    if aws.dry_run or existing is not None:
        aws.send("scheduler", "DeleteSchedule", {"Name": name, "GroupName": "default"}, when="if GetSchedule finds it")
    exists = _pipeline_exists(aws, name)
    if aws.dry_run or exists:
        aws.send("sagemaker", "DeletePipeline", {"PipelineName": name}, when="if ListPipelines finds it")


def _pipeline_exists(aws: AwsRequests, name: str) -> bool:
    # Listing by prefix, rather than describing, because services disagree on
    # the error a describe of a missing pipeline returns.
    answer = aws.look_up("sagemaker", "ListPipelines", {"PipelineNamePrefix": name, "MaxResults": 100})
    return answer is not None and any(item["PipelineName"] == name for item in answer.get("PipelineSummaries", []))
