"""The SageMaker tests' fixtures: fake credentials, moto's AWS in their place, and a stand-in for the packed source."""

from __future__ import annotations

import io
import tarfile

import boto3
import pytest
from moto import mock_aws

from report.sagemaker.staging import pack_source

from sagemaker_jobs import BUCKET, REGION


@pytest.fixture
def aws_env(monkeypatch):
    """Fake credentials and a region, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def source(tmp_path):
    """A stand-in for cnn-report's sdist, packed as the job's source directory (building the real one is slower)."""
    sdist = tmp_path / "cnn_report-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        payload = b"Metadata-Version: 2.1\nName: cnn-report\n"
        info = tarfile.TarInfo("cnn_report-0.1.0/PKG-INFO")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return pack_source(sdist, tmp_path / "sourcedir.tar.gz", digest="0123456789abcdef" * 4)
