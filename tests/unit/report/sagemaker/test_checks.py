"""The launcher's input, checked before the first request: bucket URIs and schedule expressions."""

from __future__ import annotations

from report.sagemaker.checks import S3Location, check_schedule_expression, parse_bucket


def test_bucket_and_schedule_parsing():
    assert parse_bucket("s3://my.bucket-1") == S3Location("my.bucket-1", "cnn-report")
    assert parse_bucket("s3://my-bucket/team/reports/") == S3Location("my-bucket", "team/reports")
    assert check_schedule_expression("cron(0 6 ? * MON *)") == "cron(0 6 ? * MON *)"
    assert check_schedule_expression("cron(30 4 1 * ? *)") == "cron(30 4 1 * ? *)"
    assert check_schedule_expression("rate(1 day)") == "rate(1 day)"
