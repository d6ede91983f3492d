"""The report a SageMaker job compares with: the newest report archive under an S3 prefix, read through botocore's
Stubber, which checks every request against S3's own service model and answers it without any network."""

from __future__ import annotations

import datetime
import io
import json
import sys
import tarfile

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from report.config import resolve_config
from report.previous import previous_report
from report.progress import BuildProgress
from report.sagemaker.previous import MAX_TRIES, newest_report, split_prefix

from reports import make_report

URI = "s3://cnn-report-test/cnn-report/reports/"
PREFIX = "cnn-report/reports/"


class Warnings(BuildProgress):
    def __init__(self):
        self.said = []

    def warning(self, message: str) -> None:
        self.said.append(message)


def s3_client():
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def archive(files: dict[str, bytes]) -> bytes:
    """A report job's output.tar.gz holding ``files``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def report_archive(report: dict) -> bytes:
    return archive(
        {"report.pdf": b"%PDF-1.7", "report.html": b"<html></html>", "report.json": json.dumps(report).encode()}
    )


def item(job: str, day: int, name: str = "output/output.tar.gz") -> dict:
    return {
        "Key": f"{PREFIX}{job}/{name}",
        "LastModified": datetime.datetime(2026, 12, day, 6, 0, tzinfo=datetime.timezone.utc),
        "Size": 1000,
    }


def expect_list(stubber: Stubber, pages: list[list[dict]]) -> None:
    """ListObjectsV2, one page after another, as the paginator asks for them."""
    for index, contents in enumerate(pages):
        response = {"Contents": contents, "IsTruncated": index < len(pages) - 1, "KeyCount": len(contents)}
        expected = {"Bucket": "cnn-report-test", "Prefix": PREFIX}
        if index < len(pages) - 1:
            response["NextContinuationToken"] = f"page-{index + 1}"
        if index:
            expected["ContinuationToken"] = f"page-{index}"
        stubber.add_response("list_objects_v2", response, expected)


def expect_get(stubber: Stubber, job: str, body: bytes) -> None:
    stubber.add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentLength": len(body)},
        {"Bucket": "cnn-report-test", "Key": f"{PREFIX}{job}/output/output.tar.gz"},
    )


def test_the_newest_archive_by_last_modified_across_pages_is_the_previous_report():
    client, progress = s3_client(), Warnings()
    newest = make_report(generated_at="2026-12-08T06:00:00+00:00")
    with Stubber(client) as stubber:
        # Listed by key, not by time; the newest is on the first page, and other files are not archives of a job.
        expect_list(
            stubber,
            [
                [item("a-job", 8), item("b-job", 1), item("b-job", 8, "model.tar.gz"), item("c-job", 3, "x/y")],
                [item("d-job", 7), {**item("e-job", 9), "Key": f"{PREFIX}output/output.tar.gz"}],
            ],
        )
        expect_get(stubber, "a-job", report_archive(newest))
        assert newest_report(URI, progress, client=client) == newest
        stubber.assert_no_pending_responses()
    assert progress.said == []


def test_the_newest_on_a_later_page_wins():
    client, newest = s3_client(), make_report(generated_at="2026-12-15T06:00:00+00:00")
    with Stubber(client) as stubber:
        expect_list(stubber, [[item("a-job", 8), item("b-job", 1)], [item("c-job", 15)]])
        expect_get(stubber, "c-job", report_archive(newest))
        assert newest_report(URI, Warnings(), client=client) == newest


def test_nothing_there_yet_is_a_warning_and_no_comparison():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        expect_list(stubber, [[]])
        assert newest_report(URI, progress, client=client) is None
    [warning] = progress.said
    assert warning.startswith(f"no report in {URI} yet") and "not be compared" in warning


def test_no_permission_to_list_names_the_permission_the_role_needs():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        stubber.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
        assert newest_report(URI, progress, client=client) is None
    [warning] = progress.said
    assert "\n" not in warning
    assert warning.startswith(f"cannot list {URI} (AccessDenied: Access Denied)")
    assert "give the job's role s3:ListBucket on arn:aws:s3:::cnn-report-test (prefix cnn-report/reports/)" in warning


def test_no_permission_to_read_names_s3_get_object():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        expect_list(stubber, [[item("a-job", 8)]])
        stubber.add_client_error("get_object", "AccessDenied", "Access Denied", 403)
        assert newest_report(URI, progress, client=client) is None
    [warning] = progress.said
    assert f"cannot read s3://cnn-report-test/{PREFIX}a-job/output/output.tar.gz" in warning
    assert "s3:GetObject on arn:aws:s3:::cnn-report-test/cnn-report/reports/*" in warning


def test_a_missing_bucket_says_to_check_it():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        stubber.add_client_error("list_objects_v2", "NoSuchBucket", "The specified bucket does not exist", 404)
        assert newest_report(URI, progress, client=client) is None
    assert "check the bucket of the compare hyperparameter" in progress.said[0]


def test_an_archive_without_report_json_is_a_warning():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        expect_list(stubber, [[item("failed-job", 8)]])
        expect_get(stubber, "failed-job", archive({"failure": b"AlgorithmError"}))
        assert newest_report(URI, progress, client=client) is None
    [warning] = progress.said
    assert warning == (
        f"s3://cnn-report-test/{PREFIX}failed-job/output/output.tar.gz: no report.json in it (a job that failed before "
        "writing its report?); this report will not be compared with a previous one"
    )


def test_a_failed_jobs_archive_is_passed_over_for_the_report_before_it():
    client, progress, before = s3_client(), Warnings(), make_report()
    with Stubber(client) as stubber:
        expect_list(stubber, [[item("good-job", 1), item("failed-job", 8)]])
        expect_get(stubber, "failed-job", archive({"failure": b"AlgorithmError"}))
        expect_get(stubber, "good-job", report_archive(before))
        assert newest_report(URI, progress, client=client) == before
    [warning] = progress.said
    assert "failed-job" in warning and warning.endswith("comparing with the report before it instead")


def test_only_a_few_archives_are_tried():
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        expect_list(stubber, [[item(f"job-{day}", day) for day in range(1, 10)]])
        for day in range(9, 9 - MAX_TRIES, -1):
            expect_get(stubber, f"job-{day}", b"not a tar.gz")
        assert newest_report(URI, progress, client=client) is None
        stubber.assert_no_pending_responses()
    assert len(progress.said) == MAX_TRIES
    assert all("damaged, not a tar.gz archive" in warning for warning in progress.said)


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"{half written", "its report.json is damaged"),
        (b'{"name": "not a report"}', "report.json: not a report.json written by cnn-report"),
        (json.dumps({**make_report(), "schema_version": 999}).encode(), "upgrade cnn-report to compare it"),
    ],
)
def test_a_damaged_report_json_is_a_warning(payload, problem):
    client, progress = s3_client(), Warnings()
    with Stubber(client) as stubber:
        expect_list(stubber, [[item("a-job", 8)]])
        expect_get(stubber, "a-job", archive({"report.json": payload}))
        assert newest_report(URI, progress, client=client) is None
    assert problem in progress.said[0]


def test_a_prefix_without_its_slash_lists_that_folder_only():
    assert split_prefix("s3://b/cnn-report/reports") == ("b", "cnn-report/reports/")
    assert split_prefix("s3://b/cnn-report/reports/") == ("b", "cnn-report/reports/")
    assert split_prefix("s3://b") == ("b", "")


def test_a_build_given_an_s3_prefix_reads_it_through_newest_report(tmp_path, monkeypatch):
    """report/previous.py hands an s3:// --compare to this module, and a warning from it never stops the build."""
    seen = []

    def fake(uri, progress):
        seen.append(uri)
        progress.warning("no report there yet")

    monkeypatch.setattr("report.sagemaker.previous.newest_report", fake)
    progress = Warnings()
    assert previous_report(resolve_config({"out": tmp_path / "report.pdf", "compare": URI}), progress) is None
    assert seen == [URI] and progress.said == ["no report there yet"]


def test_without_boto3_it_is_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    progress = Warnings()
    assert newest_report(URI, progress) is None
    assert progress.said == [
        f"cannot read {URI}: boto3 is not installed (pip install boto3); "
        "this report will not be compared with a previous one"
    ]
