"""`--notify`: the SNS message a build publishes when a conclusion flipped or a metric moved beyond seed noise, sent
through botocore's Stubber, which checks the Publish request against SNS's own service model and sends nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from analysis.errors import ProjectError, SageMakerError
from report.change_views import as_text
from report.changes import compare_reports
from report.cli import main
from report.notify import MESSAGE_LIMIT, SUBJECT_FLIPPED, SUBJECT_MOVED, TRUNCATED, fit_message, notify, should_notify
from report.options import JOB_OPTIONS, convert
from report.outputs import BuildOutputs
from report.progress import BuildProgress
from report.project import load_project
from report.sagemaker.job import parse_hyperparameters

import synthetic
from reports import make_report

TOPIC = "arn:aws:sns:eu-west-1:123456789012:cnn-report"


class Said(BuildProgress):
    def __init__(self):
        self.warnings, self.notes = [], []

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def note(self, message: str) -> None:
        self.notes.append(message)


def sns_client():
    return boto3.client("sns", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def built(old: dict, new: dict) -> dict:
    """``new`` as a build writes it: with its comparison to ``old``."""
    return {**new, "changes": compare_reports(old, new)}


# Each verdict from the same old report: a flip (the best variant changes), a move beyond noise, one within it.
OLD = make_report({"cnn_k3": (0.9850, 0.0010), "cnn_k5": (0.9900, 0.0010)})
FLIPPED = make_report({"cnn_k3": (0.9920, 0.0010), "cnn_k5": (0.9860, 0.0010)})
MOVED = make_report({"cnn_k3": (0.9850, 0.0010), "cnn_k5": (0.9900, 0.0010), "baseline": (0.9700, 0.0010)})
WITHIN = make_report({"cnn_k3": (0.9851, 0.0010), "cnn_k5": (0.9900, 0.0010)})


def test_what_is_worth_telling():
    assert built(OLD, FLIPPED)["changes"]["flips"]
    assert not built(OLD, MOVED)["changes"]["flips"] and built(OLD, MOVED)["changes"]["beyond_noise"]
    assert should_notify(built(OLD, FLIPPED)["changes"]) and should_notify(built(OLD, MOVED)["changes"])
    assert not should_notify(built(OLD, WITHIN)["changes"])
    assert not should_notify(built(OLD, OLD)["changes"])
    assert not should_notify(None)  # a build with nothing to compare with


@pytest.mark.parametrize(("new", "subject"), [(FLIPPED, SUBJECT_FLIPPED), (MOVED, SUBJECT_MOVED)])
def test_a_flip_or_a_move_beyond_noise_publishes_the_comparison(new, subject):
    report, client, said = built(OLD, new), sns_client(), Said()
    # The text `cnn-report compare OLD NEW` prints, without colour: the old report's side comes from "changes".
    expected = {"TopicArn": TOPIC, "Subject": subject, "Message": as_text(report["changes"], OLD, new, color=False)}
    with Stubber(client) as stubber:
        stubber.add_response("publish", {"MessageId": "1"}, expected)
        assert notify(TOPIC, report, said, client=client) is True
        stubber.assert_no_pending_responses()
    assert len(subject) <= 100 and said.warnings == []
    assert said.notes == [f"Told {TOPIC}: {subject.removeprefix('cnn-report: ')}"]


@pytest.mark.parametrize("new", [WITHIN, OLD])
def test_nothing_worth_telling_publishes_nothing(new):
    client, said = sns_client(), Said()
    with Stubber(client):  # no response queued: a Publish would fail the test
        assert notify(TOPIC, built(OLD, new), said, client=client) is False
        assert notify(TOPIC, {**new, "changes": None}, said, client=client) is False
    assert said.warnings == [] and said.notes == []


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("AuthorizationError", f"allow sns:Publish on {TOPIC}"),
        ("NotFound", "create the topic"),
        ("Throttled", ""),
    ],
)
def test_a_failure_to_publish_is_a_warning(code, fix):
    client, said = sns_client(), Said()
    with Stubber(client) as stubber:
        stubber.add_client_error("publish", code, "no", 403)
        assert notify(TOPIC, built(OLD, FLIPPED), said, client=client) is False
    [warning] = said.warnings
    assert warning.startswith(f"cannot tell {TOPIC} what changed ({code}: no)") and fix in warning
    assert warning.endswith("the report is written") and "\n" not in warning


def test_a_message_over_snss_limit_is_cut_with_a_note():
    assert fit_message("short") == "short"
    cut = fit_message("é" * MESSAGE_LIMIT)
    assert len(cut.encode("utf-8")) <= MESSAGE_LIMIT and cut.endswith(TRUNCATED)
    assert set(cut.removesuffix(TRUNCATED)) == {"é"}  # never half a character
    assert fit_message("abcdef" * 100, limit=len(TRUNCATED.encode()) + 10) == "abcdefabcd" + TRUNCATED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("cnn-report", "'cnn-report' is not an SNS topic ARN; expected arn:aws:sns:<region>:<12-digit account>"),
        ("arn:aws:sns:us-east-1:12345:cnn-report", "is not an SNS topic ARN"),
        ("arn:aws:sqs:us-east-1:123456789012:cnn-report", "is not an SNS topic ARN"),
        ("arn:aws:sns:us-east-1:123456789012:my topic", "is not an SNS topic ARN"),
        ("arn:aws:sns:us-east-1:123456789012:cnn-report.fifo", "is a FIFO topic"),
    ],
)
def test_a_bad_topic_is_refused_in_the_same_words_everywhere(tmp_path, value, message):
    with pytest.raises(ValueError, match=message):
        convert(JOB_OPTIONS["notify"], value)
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "report.pdf"), "--notify", value])
    assert result.exit_code == 2 and "Invalid value for '--notify'" in result.output and message in result.output
    assert not list(tmp_path.iterdir())
    with pytest.raises(SageMakerError, match=f"hyperparameter notify='{value}': .*{message}"):
        parse_hyperparameters({"notify": json.dumps(value)})


@pytest.mark.parametrize(
    "topic",
    [
        TOPIC,
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b-C9",
        "arn:aws-cn:sns:cn-north-1:123456789012:x",
    ],
)
def test_a_topic_arn_of_any_partition_is_taken(topic):
    assert convert(JOB_OPTIONS["notify"], topic) == topic
    assert parse_hyperparameters({"notify": topic}) == {"notify": topic}


def test_the_project_file_takes_a_topic_and_refuses_a_number(tmp_path):
    (tmp_path / "cnn-report.toml").write_text(f'[build]\nnotify = "{TOPIC}"\n')
    assert load_project(tmp_path / "cnn-report.toml").build["notify"] == TOPIC
    (tmp_path / "cnn-report.toml").write_text("[build]\nnotify = 3\n")
    with pytest.raises(ProjectError, match=r"\[build\] notify = 3: expected an SNS topic ARN in quotes"):
        load_project(tmp_path / "cnn-report.toml")


def test_the_build_command_tells_the_topic_after_the_build(tmp_path, monkeypatch):
    summary = {**json.loads(json.dumps(synthetic.build().summary())), "changes": None}
    told = []
    monkeypatch.chdir(tmp_path)

    def fake_build(config, progress):
        return BuildOutputs(
            pdf=config.out, html=config.html_path, json=config.json_path, summary=summary, model=Path("m")
        )

    monkeypatch.setattr("report.cli.run_build", fake_build)
    monkeypatch.setattr("report.cli.notify_topic", lambda *arguments: told.append(arguments))
    assert CliRunner().invoke(main, ["build", "--quiet", "--notify", TOPIC]).exit_code == 0
    [(topic, report, _)] = told
    assert topic == TOPIC and report is summary
    told.clear()
    assert CliRunner().invoke(main, ["build", "--quiet"]).exit_code == 0
    assert told == []


def test_without_boto3_or_credentials_it_is_a_warning(monkeypatch):
    from botocore.exceptions import NoCredentialsError

    class NoCredentials:
        def publish(self, **request):
            raise NoCredentialsError()

    said = Said()
    assert notify(TOPIC, built(OLD, FLIPPED), said, client=NoCredentials()) is False
    assert said.warnings == [f"cannot tell {TOPIC} what changed (Unable to locate credentials); the report is written"]
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert notify(TOPIC, built(OLD, FLIPPED), said) is False
    assert said.warnings[-1] == f"cannot tell {TOPIC} what changed: boto3 is not installed (pip install boto3)"
