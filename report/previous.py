"""The report a build compares itself with: read once, at the start, before anything is written.

By default it is the report.json already at ``--out`` (the one this build
replaces); ``--compare`` names another (a report.json, a folder holding one,
or inside a SageMaker job an ``s3://`` prefix whose newest report is used);
``--no-compare`` names none. A report named with ``--compare`` that cannot be
read stops the build before any training, as bad input; the one at ``--out``
only earns a warning, since the build is about to replace it anyway.
"""

from __future__ import annotations

from pathlib import Path

from report.changes import ReportFileError, read_report
from report.config import BuildConfig
from report.progress import BuildProgress


def previous_report(config: BuildConfig, progress: BuildProgress) -> dict | None:
    """The report.json this build's report is compared with, or None."""
    if config.no_compare:
        return None
    if config.compare is not None and config.compare.startswith("s3://"):
        from report.sagemaker.previous import newest_report  # boto3, only where S3 is asked for

        return newest_report(config.compare, progress)
    if config.compare is not None:
        return read_report(Path(config.compare))
    if not config.json_path.is_file():
        return None
    try:
        return read_report(config.json_path)
    except ReportFileError as error:
        progress.warning(f"{error}; this report will not be compared with it")
        return None
