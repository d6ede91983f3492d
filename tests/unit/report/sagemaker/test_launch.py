"""`cnn-report sagemaker run|schedule` against moto: the exact requests, read back from the mocked services."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from click.testing import CliRunner

from analysis.errors import SageMakerError
from report.cli import main
from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.launch import delete_schedule, run_report_job, schedule_report
from report.sagemaker.staging import ENTRY_SCRIPT

from sagemaker_jobs import (
    BUCKET,
    IMAGE,
    PROJECT_FILE,
    REGION,
    ROLE,
    SCHEDULER_ROLE,
    invalid_requests,
    launch,
    operations,
    put_job_output,
)


def test_run_uploads_data_and_code_starts_the_job_and_downloads_the_report(aws, tmp_path, tiny_npz, source):
    put_job_output(aws, "cnn-report-test-1")
    requests = AwsRequests(aws)
    progress = []
    files = run_report_job(
        requests,
        launch(),
        tmp_path,
        "cnn-report-test-1",
        data=tiny_npz,
        source=source,
        poll_seconds=0,
        echo=progress.append,
    )

    assert sorted(path.name for path in files) == ["report.html", "report.json", "report.pdf"]
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF-1.7 test"
    assert not (tmp_path / "other.txt").exists()
    assert any("Completed" in line for line in progress)
    s3 = aws.client("s3")
    data = s3.get_object(Bucket=BUCKET, Key="reports-test/data/mnist.npz")
    assert data["Body"].read() == tiny_npz.read_bytes()
    code_key = f"reports-test/code/{source.digest[:16]}/sourcedir.tar.gz"
    with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=BUCKET, Key=code_key)["Body"].read())) as archive:
        assert sorted(archive.getnames()) == ["cnn_report-0.1.0.tar.gz", ENTRY_SCRIPT.name]

    job = aws.client("sagemaker").describe_training_job(TrainingJobName="cnn-report-test-1")
    assert job["RoleArn"] == ROLE
    assert job["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    # JSON-encoded, every value, as AWS's SDK sends them (the toolkit json.loads each one).
    assert job["HyperParameters"] == {
        "sagemaker_program": '"entry.py"',
        "sagemaker_submit_directory": f'"s3://{BUCKET}/{code_key}"',
        "sagemaker_region": f'"{REGION}"',
        "sagemaker_container_log_level": "20",
        "cache-dir": '"/opt/ml/checkpoints"',
        "epochs": '"3"',
        # The report it compares with: the newest that a report job of this prefix left, found by listing.
        "compare": f'"s3://{BUCKET}/reports-test/reports/"',
    }
    assert job["InputDataConfig"] == [
        {
            "ChannelName": "training",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://{BUCKET}/reports-test/data/",
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "InputMode": "File",
        }
    ]
    assert job["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/reports-test/reports"}
    assert job["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10}
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200}
    assert job["CheckpointConfig"] == {"S3Uri": f"s3://{BUCKET}/reports-test/cache", "LocalPath": "/opt/ml/checkpoints"}

    # A second run finds data and code already in S3 and uploads neither.
    put_job_output(aws, "cnn-report-test-2")
    again = AwsRequests(aws)
    run_report_job(again, launch(), tmp_path, "cnn-report-test-2", data=tiny_npz, source=source, poll_seconds=0)
    assert operations(again) == ["HeadObject", "HeadObject", "CreateTrainingJob", "DescribeTrainingJob", "GetObject"]


def test_schedule_creates_a_pipeline_and_a_schedule_that_starts_it(aws, tiny_npz, source):
    requests = AwsRequests(aws)
    arn = schedule_report(
        requests, launch(), "cnn-report-weekly", "cron(0 6 ? * MON *)", SCHEDULER_ROLE, data=tiny_npz, source=source
    )

    pipeline = aws.client("sagemaker").describe_pipeline(PipelineName="cnn-report-weekly")
    assert pipeline["PipelineArn"] == arn
    assert pipeline["RoleArn"] == ROLE
    definition = json.loads(pipeline["PipelineDefinition"])
    assert definition["Version"] == "2020-12-01"
    [step] = definition["Steps"]
    assert step["Name"] == "BuildReport" and step["Type"] == "Training"
    arguments = step["Arguments"]
    assert "TrainingJobName" not in arguments
    assert arguments["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert json.loads(arguments["HyperParameters"]["epochs"]) == "3"
    assert arguments["HyperParameters"]["sagemaker_submit_directory"] == (
        f'"s3://{BUCKET}/reports-test/code/{source.digest[:16]}/sourcedir.tar.gz"'
    )
    assert arguments["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{BUCKET}/reports-test/data/"
    assert arguments["CheckpointConfig"]["S3Uri"] == f"s3://{BUCKET}/reports-test/cache"

    schedule = aws.client("scheduler").get_schedule(Name="cnn-report-weekly")
    assert schedule["ScheduleExpression"] == "cron(0 6 ? * MON *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == arn
    assert schedule["Target"]["RoleArn"] == SCHEDULER_ROLE
    assert "CreatePipeline" in operations(requests) and "CreateSchedule" in operations(requests)


def test_scheduling_again_updates_in_place(aws, tiny_npz, source):
    schedule_report(
        AwsRequests(aws), launch(), "cnn-report", "cron(0 6 ? * MON *)", SCHEDULER_ROLE, data=tiny_npz, source=source
    )
    again = AwsRequests(aws)
    schedule_report(
        again,
        launch(hyperparameters=("epochs=5",)),
        "cnn-report",
        "rate(7 days)",
        SCHEDULER_ROLE,
        data=tiny_npz,
        source=source,
    )

    assert operations(again) == [
        "HeadObject",
        "HeadObject",
        "ListPipelines",
        "UpdatePipeline",
        "GetSchedule",
        "UpdateSchedule",
    ]
    sagemaker = aws.client("sagemaker")
    assert [item["PipelineName"] for item in sagemaker.list_pipelines()["PipelineSummaries"]] == ["cnn-report"]
    definition = json.loads(sagemaker.describe_pipeline(PipelineName="cnn-report")["PipelineDefinition"])
    assert json.loads(definition["Steps"][0]["Arguments"]["HyperParameters"]["epochs"]) == "5"
    scheduler = aws.client("scheduler")
    assert [item["Name"] for item in scheduler.list_schedules()["Schedules"]] == ["cnn-report"]
    assert scheduler.get_schedule(Name="cnn-report")["ScheduleExpression"] == "rate(7 days)"


def test_parallel_pipeline_trains_each_model_in_its_own_step_then_builds_from_the_shared_cache(aws, tiny_npz, source):
    schedule_report(
        AwsRequests(aws),
        launch(hyperparameters=("epochs=3", "kernel-sizes=3,5")),
        "cnn-report",
        "rate(7 days)",
        SCHEDULER_ROLE,
        parallel=True,
        data=tiny_npz,
        source=source,
    )

    definition = json.loads(aws.client("sagemaker").describe_pipeline(PipelineName="cnn-report")["PipelineDefinition"])
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert list(steps) == ["Train-baseline", "Train-cnn_k3", "Train-cnn_k5", "BuildReport"]
    assert steps["BuildReport"]["DependsOn"] == ["Train-baseline", "Train-cnn_k3", "Train-cnn_k5"]
    assert "model" not in steps["BuildReport"]["Arguments"]["HyperParameters"]
    for name in ("baseline", "cnn_k3", "cnn_k5"):
        arguments = steps[f"Train-{name}"]["Arguments"]
        assert "DependsOn" not in steps[f"Train-{name}"]
        assert json.loads(arguments["HyperParameters"]["model"]) == name
        assert json.loads(arguments["HyperParameters"]["kernel-sizes"]) == "3,5"
        assert arguments["CheckpointConfig"] == steps["BuildReport"]["Arguments"]["CheckpointConfig"]


def test_delete_removes_schedule_and_pipeline_and_can_run_again(aws, tiny_npz, source):
    schedule_report(
        AwsRequests(aws), launch(), "cnn-report", "rate(1 day)", SCHEDULER_ROLE, data=tiny_npz, source=source
    )
    first = AwsRequests(aws)
    delete_schedule(first, "cnn-report")
    assert operations(first) == ["GetSchedule", "DeleteSchedule", "ListPipelines", "DeletePipeline"]
    assert aws.client("sagemaker").list_pipelines()["PipelineSummaries"] == []
    assert aws.client("scheduler").list_schedules()["Schedules"] == []

    second = AwsRequests(aws)
    delete_schedule(second, "cnn-report")
    assert operations(second) == ["GetSchedule", "ListPipelines"]


def test_cli_dry_run_prints_every_request_and_sends_none(aws, tiny_npz):
    result = CliRunner().invoke(
        main,
        [
            "sagemaker",
            "schedule",
            "--role",
            ROLE,
            "--bucket",
            f"s3://{BUCKET}",
            "--cron",
            "cron(0 6 ? * MON *)",
            "--data",
            str(tiny_npz),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    requests = json.loads(result.stdout)
    assert [entry["operation"] for entry in requests] == [
        "HeadObject",
        "PutObject",
        "HeadObject",
        "PutObject",
        "ListPipelines",
        "CreatePipeline",
        "UpdatePipeline",
        "GetSchedule",
        "CreateSchedule",
        "UpdateSchedule",
        # What each run's report job asks itself, as the role: the last report, then its history kept in S3.
        "ListObjectsV2",
        "GetObject",
        "PutObject",
    ]
    assert invalid_requests(requests) == []
    assert all(entry["when"].startswith("inside each run's BuildReport job") for entry in requests[-3:])
    create = requests[5]["params"]
    assert create["PipelineName"] == "cnn-report"
    assert json.loads(create["PipelineDefinition"])["Steps"][0]["Name"] == "BuildReport"
    assert requests[8]["params"]["Target"] == {
        "Arn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/cnn-report",
        "RoleArn": ROLE,
    }
    assert requests[1]["params"]["Body"].startswith(f"<contents of {tiny_npz}")
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert aws.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


def test_cli_run_ships_the_real_sdist_and_starts_the_job(aws, tiny_npz):
    result = CliRunner().invoke(
        main,
        [
            "sagemaker",
            "run",
            "--role",
            ROLE,
            "--bucket",
            f"s3://{BUCKET}/x",
            "--data",
            str(tiny_npz),
            "--job-name",
            "cnn-report-cli",
            "--no-wait",
            "-H",
            "limit-train=2000",
        ],
    )
    assert result.exit_code == 0, result.output
    job = aws.client("sagemaker").describe_training_job(TrainingJobName="cnn-report-cli")
    assert json.loads(job["HyperParameters"]["limit-train"]) == "2000"
    submit = json.loads(job["HyperParameters"]["sagemaker_submit_directory"])
    key = submit.removeprefix(f"s3://{BUCKET}/")
    body = aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as outer:
        [sdist_name] = [name for name in outer.getnames() if name.endswith(".tar.gz")]
        assert ENTRY_SCRIPT.name in outer.getnames()
        with tarfile.open(fileobj=outer.extractfile(sdist_name)) as sdist:
            names = {name.partition("/")[2] for name in sdist.getnames()}
    assert {
        "pyproject.toml",
        "report/cli.py",
        "report/sagemaker/job.py",
        "report/sagemaker/images.json",
        "templates/report.html.j2",
    } <= names


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "arn:aws:iam::12345:role/x"], "is not an IAM role ARN"),
        (["--role", "CnnReportSageMaker"], "is not an IAM role ARN"),
        (["--bucket", "my-bucket"], "is not an S3 URI"),
        (["--bucket", "s3://My_Bucket/reports"], "is not a valid S3 bucket name"),
        (["--bucket", "s3://a..b"], "no two dots in a row"),
        (["--cron", "cron(0 6 * * MON)"], "has 5 field(s)"),
        (["--cron", "cron(0 6 * * MON *)"], "exactly one of day-of-month"),
        (["--cron", "0 6 * * 1"], "is not a schedule expression"),
        (["--cron", "rate(1 days)"], "singular for 1"),
        (["--instance-type", "m5.xlarge"], "is not a SageMaker instance type"),
        (["-H", "epoch=3"], "unknown hyperparameter 'epoch'"),
        (["-H", "cache-dir=/tmp"], "set by cnn-report sagemaker itself"),
        (["--name", "weekly_report"], "use 1-63 letters, digits and hyphens"),
        (["--scheduler-role", "nope"], "--scheduler-role 'nope' is not an IAM role ARN"),
    ],
)
def test_bad_input_is_a_clear_error_before_any_request(aws, tiny_npz, arguments, message):
    defaults = {"--role": ROLE, "--bucket": f"s3://{BUCKET}", "--cron": "cron(0 6 ? * MON *)", "--data": str(tiny_npz)}
    for option in arguments[::2]:
        defaults.pop(option, None)
    command = ["sagemaker", "schedule", *[part for pair in defaults.items() for part in pair], *arguments]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_missing_credentials_are_reported_before_any_request(monkeypatch, tmp_path, tiny_npz):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(
        main,
        ["sagemaker", "run", "--role", ROLE, "--bucket", f"s3://{BUCKET}", "--region", REGION, "--data", str(tiny_npz)],
    )
    assert result.exit_code == 1
    assert "Error: no AWS credentials found" in result.output


def test_a_region_is_required(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = CliRunner().invoke(main, ["sagemaker", "run", "--role", ROLE, "--bucket", f"s3://{BUCKET}", "--dry-run"])
    assert result.exit_code == 1
    assert "no AWS region" in result.output


def test_a_failed_job_reports_sagemakers_reason(aws, tmp_path, tiny_npz, source, monkeypatch):
    # moto completes every job at once; make this one fail the way SageMaker reports it.
    from moto.sagemaker.models import FakeTrainingJob

    original = FakeTrainingJob.__init__

    def failing(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.training_job_status = "Failed"
        self.failure_reason = "AlgorithmError: mnist.npz: not a readable .npz archive"

    monkeypatch.setattr(FakeTrainingJob, "__init__", failing)
    with pytest.raises(SageMakerError, match="training job cnn-report-bad failed: AlgorithmError: mnist.npz"):
        run_report_job(
            AwsRequests(aws), launch(), tmp_path, "cnn-report-bad", data=tiny_npz, source=source, poll_seconds=0
        )


def test_kernel_sizes_for_a_width_experiment_are_refused_before_anything_is_sent(aws, sagemaker_project, tiny_npz):
    result = CliRunner().invoke(
        main,
        [
            "sagemaker",
            "run",
            "--role",
            ROLE,
            "--bucket",
            f"s3://{BUCKET}",
            "--region",
            REGION,
            "--data",
            str(tiny_npz),
            "--config",
            str(sagemaker_project / "cnn-report.toml"),
            "-H",
            "kernel-sizes=3,5",
            "--no-wait",
        ],
    )
    assert result.exit_code == 2
    assert "--kernel-sizes sets a kernel experiment, but [experiment] varies width" in result.output
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_cli_run_carries_the_project_into_the_job(aws, sagemaker_project, tiny_npz):
    result = CliRunner().invoke(
        main,
        [
            "sagemaker",
            "run",
            "--role",
            ROLE,
            "--bucket",
            f"s3://{BUCKET}/x",
            "--region",
            REGION,
            "--data",
            str(tiny_npz),
            "--config",
            str(sagemaker_project / "cnn-report.toml"),
            "--job-name",
            "cnn-report-project",
            "--no-wait",
        ],
    )
    assert result.exit_code == 0, result.output
    job = aws.client("sagemaker").describe_training_job(TrainingJobName="cnn-report-project")
    key = json.loads(job["HyperParameters"]["sagemaker_submit_directory"]).removeprefix(f"s3://{BUCKET}/")
    body = aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert "project/nets/my_net.py" in archive.getnames()
        assert archive.extractfile("project/cnn-report.toml").read().decode() == PROJECT_FILE
