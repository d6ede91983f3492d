"""What the launcher gives the job that builds the report: the reports to compare with and the topic to tell, and the
requests that job itself will send, listed by a dry run and checked against botocore's own service models."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from analysis.errors import SageMakerError
from report.cli import main
from report.config import resolve_config
from report.history import history_path
from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.definitions import CHECKPOINT_DIR, pipeline_definition, report_job_request
from report.sagemaker.job import DEFAULT_ROOT, parse_hyperparameters
from report.sagemaker.launch import run_report_job, schedule_report

from sagemaker_jobs import BUCKET, REGION, ROLE, SCHEDULER_ROLE, invalid_requests, launch

TOPIC = "arn:aws:sns:us-east-1:123456789012:cnn-report"
REPORTS = f"s3://{BUCKET}/reports-test/reports/"
DATA = f"s3://{BUCKET}/reports-test/data/"


def decoded(request: dict) -> dict:
    return {name: json.loads(value) for name, value in request["HyperParameters"].items()}


def dry_run(aws_env, source, **settings) -> list[dict]:
    """The requests of a dry `sagemaker run` with ``launch(**settings)``."""
    requests = AwsRequests(boto3.Session(region_name=REGION), dry_run=True)
    run_report_job(requests, launch(**settings), Path("."), "cnn-report-test", data=DATA, source=source, wait=False)
    return requests.log


def the_jobs(requests: list[dict]) -> list[dict]:
    return [entry for entry in requests if entry.get("when", "").startswith("inside")]


def test_a_report_job_compares_with_the_newest_report_of_its_prefix():
    request = report_job_request(launch(), "s3://b/code.tar.gz", DATA)
    assert decoded(request)["compare"] == REPORTS
    # Where the report jobs leave their archives is where the next one looks.
    assert request["OutputDataConfig"]["S3OutputPath"] + "/" == REPORTS
    assert "notify" not in decoded(request)
    assert decoded(report_job_request(launch(notify=TOPIC), "s3://b/c", DATA))["notify"] == TOPIC


@pytest.mark.parametrize(
    ("hyperparameters", "compare", "no_compare"),
    [
        (("compare=s3://elsewhere/last/",), "s3://elsewhere/last/", None),
        (("no-compare=true",), None, True),
        (("no_compare=true",), None, True),
        (("no-compare=false",), REPORTS, False),
    ],
)
def test_the_users_own_compare_or_no_compare_wins(hyperparameters, compare, no_compare):
    values = decoded(report_job_request(launch(hyperparameters=hyperparameters), "s3://b/c", DATA))
    assert values.get("compare") == compare
    assert values.get("no-compare", values.get("no_compare")) == (
        None if no_compare is None else str(no_compare).lower()
    )


def test_the_job_reads_compare_and_no_compare_as_build_options():
    """The hyperparameters as the request encodes them, and as the toolkit decodes them, set the build's options."""
    request = report_job_request(launch(hyperparameters=("no-compare=false",), notify=TOPIC), "s3://b/c", DATA)
    ours = {name: value for name, value in request["HyperParameters"].items() if not name.startswith("sagemaker_")}
    for raw in (ours, {name: json.loads(value) for name, value in ours.items()}):
        config = resolve_config(parse_hyperparameters(raw))
        assert (config.compare, config.no_compare, config.notify) == (REPORTS, False, TOPIC)


def test_parallel_steps_neither_compare_nor_tell():
    definition = pipeline_definition(launch(notify=TOPIC), "s3://b/code.tar.gz", DATA, parallel=True)
    *steps, report = definition["Steps"]
    assert steps and report["Name"] == "BuildReport"
    for step in steps:
        assert {"compare", "notify"}.isdisjoint(decoded(step["Arguments"]))
    assert decoded(report["Arguments"])["compare"] == REPORTS and decoded(report["Arguments"])["notify"] == TOPIC
    # Every step's request is one SageMaker takes, by botocore's model of CreateTrainingJob.
    entries = [
        {
            "service": "sagemaker",
            "operation": "CreateTrainingJob",
            "params": {"TrainingJobName": "x", **step["Arguments"]},
        }
        for step in definition["Steps"]
    ]
    assert invalid_requests(entries) == []


def test_the_dry_run_lists_what_the_job_asks_of_aws_and_aws_would_take_it(aws_env, source):
    requests = dry_run(aws_env, source, notify=TOPIC)
    assert invalid_requests(requests) == []
    [start] = [entry for entry in requests if entry["operation"] == "CreateTrainingJob"]
    listed = the_jobs(requests)
    assert requests.index(start) + 1 == requests.index(listed[0])
    assert [(entry["service"], entry["operation"]) for entry in listed] == [
        ("s3", "ListObjectsV2"),
        ("s3", "GetObject"),
        ("s3", "PutObject"),
        ("sns", "Publish"),
    ]
    read, get, history, publish = listed
    assert read["params"] == {"Bucket": BUCKET, "Prefix": "reports-test/reports/"}
    assert get["params"] == {"Bucket": BUCKET, "Key": "reports-test/reports/<newest job name>/output/output.tar.gz"}
    assert read["when"].startswith("inside the job, before its report is written")
    assert get["when"].startswith("inside the job, before its report is written")
    # The history the job keeps in its cache, at the place SageMaker's checkpoint sync copies it to.
    name = history_path(Path(CHECKPOINT_DIR), DEFAULT_ROOT / "output" / "data" / "report.pdf").name
    assert history["params"]["Key"] == f"reports-test/cache/history/{name}"
    assert history["when"] == "inside the job: SageMaker's checkpoint sync uploads it"
    assert publish["params"]["TopicArn"] == TOPIC and len(publish["params"]["Subject"]) <= 100
    assert publish["when"].startswith("inside the job, when a conclusion flipped or a metric moved beyond seed noise")


def test_without_a_comparison_the_dry_run_reads_nothing(aws_env, source):
    listed = the_jobs(dry_run(aws_env, source, hyperparameters=("no-compare=true",)))
    assert [entry["operation"] for entry in listed] == ["PutObject"]


def test_another_prefix_named_by_the_user_is_the_one_listed(aws_env, source):
    listed = the_jobs(dry_run(aws_env, source, hyperparameters=("compare=s3://elsewhere/old/reports",)))
    assert listed[0]["params"] == {"Bucket": "elsewhere", "Prefix": "old/reports/"}
    assert listed[1]["params"]["Key"] == "old/reports/<newest job name>/output/output.tar.gz"


def test_a_project_that_turns_the_comparison_off_reads_nothing_either(aws_env, source, tmp_path):
    from report.project import load_project

    (tmp_path / "cnn-report.toml").write_text(f'[build]\nno_compare = true\nnotify = "{TOPIC}"\n')
    listed = the_jobs(dry_run(aws_env, source, project=load_project(tmp_path / "cnn-report.toml")))
    assert [entry["operation"] for entry in listed] == ["PutObject", "Publish"]


def test_a_real_run_sends_none_of_the_jobs_requests(aws, tmp_path, source):
    requests = AwsRequests(aws)
    run_report_job(requests, launch(notify=TOPIC), tmp_path, "cnn-report-real", data=DATA, source=source, wait=False)
    assert [entry["operation"] for entry in requests.log] == ["HeadObject", "PutObject", "CreateTrainingJob"]
    job = aws.client("sagemaker").describe_training_job(TrainingJobName="cnn-report-real")
    assert json.loads(job["HyperParameters"]["compare"]) == f"s3://{BUCKET}/reports-test/reports/"
    assert json.loads(job["HyperParameters"]["notify"]) == TOPIC


def test_the_schedules_dry_run_lists_them_for_each_runs_report_job(aws_env, source):
    requests = AwsRequests(boto3.Session(region_name=REGION), dry_run=True)
    schedule_report(
        requests, launch(notify=TOPIC), "cnn-report", "rate(7 days)", SCHEDULER_ROLE, data=DATA, source=source
    )
    listed = the_jobs(requests.log)
    assert [entry["operation"] for entry in listed] == ["ListObjectsV2", "GetObject", "PutObject", "Publish"]
    assert requests.log[-len(listed) :] == listed  # after the schedule that starts the runs
    assert all(entry["when"].startswith("inside each run's BuildReport job") for entry in listed)
    assert invalid_requests(requests.log) == []


@pytest.mark.parametrize("command", ["run", "schedule"])
def test_notify_sets_the_report_jobs_topic_and_refuses_a_bad_one(aws_env, command):
    common = ["--role", ROLE, "--bucket", f"s3://{BUCKET}", "--data", DATA, "--dry-run"]
    extra = ["--cron", "rate(7 days)"] if command == "schedule" else ["--job-name", "cnn-report-cli"]
    result = CliRunner().invoke(main, ["sagemaker", command, *common, *extra, "--notify", "arn:aws:sns:x"])
    assert result.exit_code == 2
    assert "Invalid value for '--notify': 'arn:aws:sns:x' is not an SNS topic ARN" in result.output
    result = CliRunner().invoke(main, ["sagemaker", command, *common, *extra, "--notify", TOPIC])
    assert result.exit_code == 0, result.output
    requests = json.loads(result.stdout)
    assert invalid_requests(requests) == []
    starts = [entry for entry in requests if entry["operation"] in ("CreateTrainingJob", "CreatePipeline")]
    arguments = (
        starts[0]["params"]
        if command == "run"
        else json.loads(starts[0]["params"]["PipelineDefinition"])["Steps"][-1]["Arguments"]
    )
    assert (
        decoded(arguments)["notify"] == TOPIC and decoded(arguments)["compare"] == f"s3://{BUCKET}/cnn-report/reports/"
    )
    assert any(entry["operation"] == "Publish" and entry["params"]["TopicArn"] == TOPIC for entry in requests)


def test_notify_and_a_different_hyperparameter_are_refused():
    with pytest.raises(SageMakerError, match="--notify .* and -H notify=.* differ"):
        launch(hyperparameters=("notify=arn:aws:sns:us-east-1:123456789012:other",), notify=TOPIC)
    assert launch(hyperparameters=(f"notify={TOPIC}",), notify=TOPIC).notify == TOPIC
