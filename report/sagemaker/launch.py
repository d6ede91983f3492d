"""The launcher: ``cnn-report sagemaker run|schedule``, with plain boto3.

``cnn-report sagemaker run`` stages the data and cnn-report's own source
distribution in S3 (:mod:`report.sagemaker.staging`), starts a training job in
AWS's TensorFlow container that runs ``cnn-report build`` (the request is
:mod:`report.sagemaker.definitions`'s; see :mod:`report.sagemaker.job` for the
job's side), waits, and downloads the report. ``cnn-report sagemaker
schedule`` turns the same job into a SageMaker Pipeline and an EventBridge
Scheduler schedule that starts it, created or updated in place.

Every input is checked before the first request (:mod:`report.sagemaker.checks`).
Every request goes through :class:`~report.sagemaker.aws_requests.AwsRequests`,
which records it and, in a dry run, sends nothing: the record is the dry run's
output. A dry run also lists what the report job will ask of AWS itself
(:func:`list_job_requests`): the last report under ``reports/``, which it
compares with, the history its cache keeps, and the ``--notify`` topic.
"""

from __future__ import annotations

import datetime as _datetime
import io
import json
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analysis.errors import SageMakerError
from report.config import resolve_config
from report.history import history_path
from report.notify import SUBJECT_FLIPPED
from report.project import Project
from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.checks import (
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_MAX_HOURS,
    S3_URI,
    Launch,
    S3Location,
    check_instance_type,
    check_max_hours,
    check_name,
    check_role_arn,
    check_schedule_expression,
    check_topic_arn,
    job_design,
    parse_bucket,
    parse_hyperparameters_option,
)
from report.sagemaker.definitions import (
    CACHE,
    CHECKPOINT_DIR,
    REPORTS,
    default_image,
    pipeline_definition,
    report_hyperparameters,
    report_job_request,
)
from report.sagemaker.job import DEFAULT_ROOT, parse_hyperparameters
from report.sagemaker.previous import ARCHIVE, split_prefix
from report.sagemaker.staging import SourcePackage, stage_data, stage_source

DEFAULT_NAME = "cnn-report"
REPORT_FILES = ("report.pdf", "report.html", "report.json")
_TERMINAL_STATUSES = ("Completed", "Failed", "Stopped")


def make_launch(
    role: str,
    bucket: str,
    region: str | None,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    image: str | None = None,
    hyperparameters: tuple[str, ...] = (),
    max_hours: float = DEFAULT_MAX_HOURS,
    project: Project | None = None,
    notify: str | None = None,
) -> Launch:
    """Check every setting shared by ``run`` and ``schedule``; raise :class:`SageMakerError` on the first bad one."""
    check_role_arn(role)
    location = parse_bucket(bucket)
    check_instance_type(instance_type)
    check_max_hours(max_hours)
    checked = parse_hyperparameters_option(hyperparameters)
    if notify is not None:
        check_topic_arn(notify)
        if checked.get("notify", notify) != notify:
            raise SageMakerError(f"--notify {notify} and -H notify={checked['notify']} differ; give one of them")
    if not region:
        raise SageMakerError("no AWS region: pass --region, or set AWS_DEFAULT_REGION or a region in ~/.aws/config")
    return Launch(
        role=role,
        location=location,
        region=region,
        image=image or default_image(region),
        design=job_design(checked, project),
        instance_type=instance_type,
        hyperparameters=checked,
        max_runtime_seconds=int(max_hours * 3600),
        project=project,
        notify=notify,
    )


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
        aws.send(
            "sagemaker",
            "CreateTrainingJob",
            {"TrainingJobName": job_name, **report_job_request(launch, source_uri, data_uri)},
        )
    list_job_requests(aws, launch, "the job")
    echo(
        f"{'Would start' if aws.dry_run else 'Started'} training job {job_name} ({launch.instance_type}) in {launch.region}"
    )
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
            "sagemaker",
            "DescribeTrainingJob",
            {"TrainingJobName": job_name},
            when=f"every {poll_seconds:g} s until the job ends",
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
        raise SageMakerError(
            f"training job {job_name} {status[0].lower()}: {reason} (logs: CloudWatch /aws/sagemaker/TrainingJobs)"
        )
    return job


def download_report(
    aws: AwsRequests, job: dict | None, job_name: str, location: S3Location, out_dir: Path
) -> list[Path]:
    """Fetch the job's output archive and unpack report.pdf, .html and .json into ``out_dir``."""
    output_path = job["OutputDataConfig"]["S3OutputPath"] if job else location.uri(REPORTS)
    match = S3_URI.match(output_path.rstrip("/") + f"/{job_name}/output/output.tar.gz")
    answer = aws.send(
        "s3",
        "GetObject",
        {"Bucket": match.group("bucket"), "Key": match.group("prefix")},
        when="once the job has completed",
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
        answer = aws.send(
            "sagemaker", "CreatePipeline", pipeline, when="if ListPipelines finds no pipeline of this name"
        )
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
    list_job_requests(aws, launch, "each run's BuildReport job")
    return pipeline_arn


def list_job_requests(aws: AwsRequests, launch: Launch, job: str) -> None:
    """In a dry run, what the report ``job`` itself asks of AWS, as ``--role``: the last report, the history, SNS.

    The job's settings are resolved as the job resolves them (the project's
    [build], then its hyperparameters), so the list is what it will do.
    """
    if not aws.dry_run:
        return
    settings = parse_hyperparameters({**launch.hyperparameters, **report_hyperparameters(launch)})
    config = resolve_config(settings, project=launch.project)
    before = f"inside {job}, before its report is written"
    if not config.no_compare and config.compare is not None and config.compare.startswith("s3://"):
        bucket, prefix = split_prefix(config.compare)
        aws.by_the_job(
            "s3",
            "ListObjectsV2",
            {"Bucket": bucket, "Prefix": prefix},
            when=f"{before}: the newest <job name>/{ARCHIVE} there is the report it compares with",
        )
        aws.by_the_job(
            "s3",
            "GetObject",
            {"Bucket": bucket, "Key": f"{prefix}<newest job name>/{ARCHIVE}"},
            when=f"{before}: its report.json (or the one before, if it holds none) is the previous report",
        )
    # The job's history of headline numbers is kept in its cache, SageMaker's checkpoint folder, synced with S3.
    history = history_path(Path(CHECKPOINT_DIR), DEFAULT_ROOT / "output" / "data" / "report.pdf")
    aws.by_the_job(
        "s3",
        "PutObject",
        {
            "Bucket": launch.location.bucket,
            "Key": launch.location.key(CACHE, *history.relative_to(CHECKPOINT_DIR).parts),
            "Body": f"<the report's history: each build's headline numbers, as JSON, from {history}>",
        },
        when=f"inside {job}: SageMaker's checkpoint sync uploads it",
    )
    if config.notify is not None:
        aws.by_the_job(
            "sns",
            "Publish",
            {
                "TopicArn": config.notify,
                "Subject": SUBJECT_FLIPPED,
                "Message": "<what changed since the previous report, as `cnn-report compare` prints it>",
            },
            when=f"inside {job}, when a conclusion flipped or a metric moved beyond seed noise (Subject: which)",
        )


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
