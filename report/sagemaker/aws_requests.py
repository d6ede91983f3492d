"""The record of a command's AWS requests, which is also what sends them.

Every request of ``cnn-report sagemaker`` goes through :class:`AwsRequests`,
which records it as ``{"service", "operation", "params"}`` and, in a dry run,
sends nothing: the record is the dry run's output, so what a dry run shows is
exactly what a real run sends. Requests that depend on what exists (upload
only if absent, create or update) are preceded by the read that decides, and
carry a ``when`` saying on what they depend; a dry run lists both branches.
A dry run also lists what the training job itself will ask of AWS (read the
last report, keep the history, tell the ``--notify`` topic), with a ``when``
that starts "inside"; those go out from the job, as its role, never from here.

boto3 and botocore are imported only when a command needs them, so that the
rest of cnn-report, and bad input, never pay for them.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from analysis.errors import SageMakerError

# Answers that mean "there is none", which the reads before a create expect.
_MISSING = ("404", "NoSuchKey", "NotFound", "ResourceNotFound", "ResourceNotFoundException")


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

    def by_the_job(self, service: str, operation: str, params: dict, when: str) -> None:
        """A request the training job sends itself, as its role: listed in a dry run, never sent from here."""
        if self.dry_run:
            self.log.append({"service": service, "operation": operation, "params": params, "when": when})

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
