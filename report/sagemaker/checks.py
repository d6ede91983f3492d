"""The user's input to ``cnn-report sagemaker``, checked, and the values it checks into.

Every option is checked here before the first AWS request, so that a mistake
is reported in the option's own words and nothing is sent on its account:
the role ARNs, the bucket URI, the job, pipeline and schedule names, the
schedule's ``cron(...)`` or ``rate(...)`` expression, the instance type, the
maximum hours, the ``-H name=value`` pairs, and the design the jobs will
train. What the checks yield, :class:`S3Location` and :class:`Launch`, is what
every other module of the launcher works from. The defaults of the options
checked here live here with them (the job's name is the launcher's, the
image's tag the request definitions').
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from analysis.design import Design
from analysis.errors import SageMakerError
from report.config import resolve_config
from report.options import JOB_OPTIONS, convert
from report.project import Project
from report.sagemaker.job import MODEL_HYPERPARAMETER, parse_hyperparameters

DEFAULT_PREFIX = "cnn-report"
DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"
DEFAULT_MAX_HOURS = 2.0
# An S3 URI split into its bucket and key; the launcher also splits the job's output path with it.
S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/?(?P<prefix>.*)$")
_ROLE_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#-]+$")
_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)$")


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix under which everything of cnn-report is kept."""

    bucket: str
    prefix: str

    def key(self, *parts: str) -> str:
        return "/".join([self.prefix, *parts])

    def uri(self, *parts: str) -> str:
        return f"s3://{self.bucket}/{self.key(*parts)}"


@dataclass(frozen=True)
class Launch:
    """What every job of cnn-report on SageMaker shares, checked."""

    role: str
    location: S3Location
    region: str
    image: str
    # The networks and experiment the jobs train (:func:`job_design`).
    design: Design
    instance_type: str = DEFAULT_INSTANCE_TYPE
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    max_runtime_seconds: int = int(DEFAULT_MAX_HOURS * 3600)
    # The student's project (--config): its networks, notes and images travel with the code into every job.
    project: Project | None = None
    # The SNS topic the report job tells when a conclusion flipped or a metric moved beyond seed noise (--notify).
    notify: str | None = None

    @property
    def partition(self) -> str:
        return _ROLE_ARN.match(self.role).group("partition")

    @property
    def account(self) -> str:
        return _ROLE_ARN.match(self.role).group("account")


def check_role_arn(role: str, option: str = "--role") -> str:
    """An IAM role ARN, or a :class:`SageMakerError` that shows the expected form."""
    if not _ROLE_ARN.match(role or ""):
        raise SageMakerError(
            f"{option} {role!r} is not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>"
        )
    return role


def check_topic_arn(topic: str, option: str = "--notify") -> str:
    """An SNS topic's ARN, checked by the ``notify`` build option's own type (the job checks it the same way)."""
    try:
        return convert(JOB_OPTIONS["notify"], topic)
    except ValueError as error:
        raise SageMakerError(f"{option}: {error}") from None


def parse_bucket(uri: str) -> S3Location:
    """``s3://bucket[/prefix]`` as a location; the prefix defaults to ``cnn-report``."""
    match = S3_URI.match(uri or "")
    if not match:
        raise SageMakerError(f"--bucket {uri!r} is not an S3 URI; expected s3://<bucket>[/<prefix>]")
    bucket, prefix = match.group("bucket"), match.group("prefix").strip("/")
    problem = None
    if not _BUCKET.match(bucket):
        problem = "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in bucket or ".-" in bucket or "-." in bucket:
        problem = "no two dots in a row and no dot next to a hyphen"
    elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+", bucket):
        problem = "not an IP address"
    elif bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3")):
        problem = "no prefix xn-- or sthree- and no suffix -s3alias or --ol-s3"
    if problem:
        raise SageMakerError(f"--bucket {uri!r}: {bucket!r} is not a valid S3 bucket name ({problem})")
    return S3Location(bucket=bucket, prefix=prefix or DEFAULT_PREFIX)


def check_schedule_expression(expression: str) -> str:
    """An EventBridge Scheduler ``cron(...)`` (six fields) or ``rate(...)`` expression."""
    expected = (
        'expected cron(minutes hours day-of-month month day-of-week year), e.g. "cron(0 6 ? * MON *)", or rate(7 days)'
    )
    rate = _RATE.match(expression or "")
    if rate:
        if (int(rate.group("value")) == 1) == rate.group("unit").endswith("s") or int(rate.group("value")) == 0:
            raise SageMakerError(
                f"--cron {expression!r}: use a positive number, singular for 1 (rate(1 day), rate(7 days))"
            )
        return expression
    cron = _CRON.match(expression or "")
    if not cron:
        raise SageMakerError(f"--cron {expression!r} is not a schedule expression; {expected}")
    fields = cron.group("fields").split()
    if len(fields) != 6 or not all(_CRON_FIELD.match(part) for part in fields):
        raise SageMakerError(f"--cron {expression!r} has {len(fields)} field(s); {expected}")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise SageMakerError(
            f"--cron {expression!r}: exactly one of day-of-month (3rd field) and day-of-week (5th) must be '?'"
        )
    return expression


def check_name(name: str, option: str) -> str:
    """A name SageMaker and EventBridge Scheduler both accept: letters, digits and inner hyphens, at most 63."""
    if not _NAME.match(name or ""):
        raise SageMakerError(
            f"{option} {name!r}: use 1-63 letters, digits and hyphens, starting and ending with a letter or digit"
        )
    return name


def check_instance_type(instance_type: str) -> str:
    """A SageMaker instance type (``ml.<family>.<size>``); whether the account may use it is AWS's to say."""
    if not _INSTANCE_TYPE.match(instance_type or ""):
        raise SageMakerError(
            f"--instance-type {instance_type!r} is not a SageMaker instance type such as {DEFAULT_INSTANCE_TYPE}"
        )
    return instance_type


def check_max_hours(max_hours: float) -> float:
    """The longest a job may run, in hours: more than 0 and at most 120."""
    if not 0 < max_hours <= 120:
        raise SageMakerError(
            f"--max-hours {max_hours}: choose more than 0 and at most 120 (SageMaker's limit is 5 days)"
        )
    return max_hours


def job_design(hyperparameters: Mapping[str, str], project: Project | None) -> Design:
    """The networks and experiment the jobs will train, resolved as a job resolves them: the project's [build],
    then the hyperparameters (their kernel sizes, if -H sets them). Checked here, before anything is sent."""
    settings = parse_hyperparameters(hyperparameters)
    settings.pop(MODEL_HYPERPARAMETER, None)
    return resolve_config(settings, project=project).design


def parse_hyperparameters_option(pairs: tuple[str, ...]) -> dict[str, str]:
    """``-H name=value`` pairs as SageMaker hyperparameters (strings), checked as the job will check them."""
    hyperparameters = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise SageMakerError(f"-H {pair!r}: expected name=value, e.g. -H epochs=3")
        hyperparameters[name.strip().replace("_", "-")] = value.strip()
    parse_hyperparameters(hyperparameters)
    # The launcher sets these itself: the cache lives in SageMaker's synced
    # checkpoint folder, and one-model steps exist only inside a pipeline.
    for reserved in ("cache-dir", MODEL_HYPERPARAMETER):
        if reserved in hyperparameters:
            raise SageMakerError(f"-H {reserved}: set by cnn-report sagemaker itself; leave it out")
    return hyperparameters
