"""The report a SageMaker job compares itself with: the newest report archive under an S3 prefix, found by listing.

Report jobs leave their files in ``<prefix>/reports/<job name>/output/output.tar.gz``
(the launcher's ``OutputDataConfig``, :mod:`report.sagemaker.definitions`), so
the previous report of a pipeline, or of every ``sagemaker run`` with the same
``--bucket``, is the newest such archive by ``LastModified``: nothing keeps its
name anywhere else. It is read before this job writes its own (which S3 holds
only once the job has ended). An archive without a readable report.json (a job
that failed before writing one) is passed over for the one before it.

Nothing here fails a build: no archive yet, no permission, or a damaged one is
a warning that names the S3 place and the fix, and the build goes on without a
comparison. boto3 is imported only when a prefix is read.
"""

from __future__ import annotations

import io
import json
import tarfile

from report.changes import ReportFileError, check_report
from report.progress import BuildProgress

ARCHIVE = "output/output.tar.gz"
REPORT_FILE = "report.json"
# Archives tried, newest first, before giving up: each failed job in a row costs one.
MAX_TRIES = 3
# A report's archive holds its PDF, HTML and JSON: a few MB. Anything far bigger is not one.
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
_DENIED = ("AccessDenied", "AllAccessDisabled", "403")
_NOT_COMPARED = "this report will not be compared with a previous one"


class _Unreadable(Exception):
    """An archive that holds no report this cnn-report can compare with; the message says why."""


def newest_report(uri: str, progress: BuildProgress, client=None) -> dict | None:
    """The report.json of the newest report archive under ``uri`` (``s3://bucket/prefix/``), or None with a warning.

    ``client`` is an S3 client (boto3's by default, for the job's own region and role).
    """
    bucket, prefix = split_prefix(uri)
    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        progress.warning(f"cannot read {uri}: boto3 is not installed (pip install boto3); {_NOT_COMPARED}")
        return None

    failures = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
    try:
        client = client or boto3.client("s3")
        archives = _archives(client, bucket, prefix)
    except failures as error:
        permission = f"s3:ListBucket on arn:aws:s3:::{bucket} (prefix {prefix or '/'})"
        progress.warning(f"cannot list {uri} ({_reason(error)}){_fix(error, permission)}; {_NOT_COMPARED}")
        return None
    if not archives:
        progress.warning(
            f"no report in {uri} yet (no <job name>/{ARCHIVE} there), so {_NOT_COMPARED}; the next build there "
            "compares with this one"
        )
        return None
    tried = archives[:MAX_TRIES]
    for archive in tried:
        place = f"s3://{bucket}/{archive['Key']}"
        try:
            return _read(client, bucket, archive)
        except failures as error:
            permission = f"s3:GetObject on arn:aws:s3:::{bucket}/{prefix}*"
            progress.warning(f"cannot read {place} ({_reason(error)}){_fix(error, permission)}; {_NOT_COMPARED}")
            return None
        except _Unreadable as problem:
            after = _NOT_COMPARED if archive is tried[-1] else "comparing with the report before it instead"
            progress.warning(f"{place}: {problem}; {after}")
    return None


def split_prefix(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` as ("bucket", "a/b/"): a prefix ends with "/", so reports/ never lists reports-old/."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    prefix = prefix.lstrip("/")
    return bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _archives(client, bucket: str, prefix: str) -> list[dict]:
    """Every report archive directly under ``prefix`` (``<prefix><job>/output/output.tar.gz``), newest first."""
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            job, _, rest = item["Key"][len(prefix) :].partition("/")
            if job and rest == ARCHIVE:
                found.append(item)
    # By time, then by key, so that two archives of the same second come out the same way on every run.
    return sorted(found, key=lambda item: (item["LastModified"], item["Key"]), reverse=True)


def _read(client, bucket: str, archive: dict) -> dict:
    """The report.json in ``archive`` (an item ListObjectsV2 lists), checked; _Unreadable when there is none."""
    if archive.get("Size", 0) > MAX_ARCHIVE_BYTES:
        raise _Unreadable(f"too big for a report's archive ({archive['Size']:,} bytes)")
    body = client.get_object(Bucket=bucket, Key=archive["Key"])["Body"].read()
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            member = next(
                (item for item in tar.getmembers() if item.isfile() and item.name.removeprefix("./") == REPORT_FILE),
                None,
            )
            if member is None:
                raise _Unreadable(f"no {REPORT_FILE} in it (a job that failed before writing its report?)")
            text = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise _Unreadable(f"damaged, not a tar.gz archive ({error})") from None
    try:
        report = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Unreadable(f"its {REPORT_FILE} is damaged ({error})") from None
    try:
        check_report(report, REPORT_FILE)
    except ReportFileError as error:
        raise _Unreadable(str(error)) from None
    return report


def _reason(error: Exception) -> str:
    """AWS's code and message, or botocore's own words for a failure before any answer."""
    response = getattr(error, "response", None)
    if response is None:
        return str(error)
    code, message = response.get("Error", {}).get("Code", ""), response.get("Error", {}).get("Message", "")
    return f"{code}: {message}" if code and message else code or message or str(error)


def _fix(error: Exception, permission: str) -> str:
    """What to do about ``error``: the permission the job's role lacks, or the bucket to check."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    if code in _DENIED:
        return f"; give the job's role {permission} to compare with the last report there"
    if code == "NoSuchBucket":
        return "; check the bucket of the compare hyperparameter (--compare)"
    return ""
