"""The options of ``cnn-report build``, declared once: the schema of every setting, wherever it is given.

The command line, the project file's ``[build]`` table and a SageMaker job's
hyperparameters all set the same options, by the same names, and each value
goes through its option's own click type (its range, its choices), so a limit
is written once, here. :func:`report.config.resolve_config` lays the sources
over each other. A new setting is one more :class:`BuildOption` here and a
field of :class:`report.config.BuildConfig`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from analysis.data import DATA_ENV_VAR
from analysis.design import DEFAULT_KERNEL_SIZES
from analysis.variables import VARIABLES
from report.i18n import LANGUAGES

# The project file ``build`` reads from the folder it runs in, unless --config names another.
PROJECT_FILE_NAME = "cnn-report.toml"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cnn-report``, i.e. ``~/.cache/cnn-report`` on most machines."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-report"


class BuildOption(click.Option):
    """An option of ``build``, and where else it may be set: in ``[build]`` (``in_file``) and as a job's
    hyperparameter (``in_job``). The data and the report's place are the job's own; --config names the file itself."""

    def __init__(self, *arguments, in_file: bool = True, in_job: bool = True, **options):
        super().__init__(*arguments, **options)
        self.in_file = in_file
        self.in_job = in_job


class KernelSizes(click.ParamType):
    """``3,5,7`` on the command line and in a hyperparameter, ``[3, 5, 7]`` (or ``"3,5,7"``) in the project file.

    Each size follows the kernel variable's rule, as ``[experiment] values``
    do; whether the networks' shapes allow it is the design's check
    (:func:`report.config.resolve_design`), the same for both.
    """

    name = "sizes"

    def convert(self, value, parameter, context) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        parts = value if isinstance(value, list) else [value] if isinstance(value, int) else str(value).split(",")
        rule = VARIABLES["kernel"]
        sizes = []
        for part in parts:
            if isinstance(part, str):
                if not part.strip():
                    continue
                try:
                    size = int(part)
                except ValueError:
                    self.fail(f"{value!r} is not a comma-separated list of integers, e.g. 3,5,7", parameter, context)
            elif isinstance(part, int) and not isinstance(part, bool):
                size = part
            else:
                # A TOML list's true, 3.0 or 3.5 is not a size, as in [experiment] values.
                self.fail(f"kernel size {json.dumps(part)} is not {rule.expected}", parameter, context)
            if not rule.is_valid(size):
                self.fail(f"kernel size {size} is not {rule.expected}", parameter, context)
            sizes.append(size)
        if not sizes:
            self.fail("no kernel size given, e.g. 3,5,7", parameter, context)
        return tuple(sorted(set(sizes)))


class ReportSource(click.ParamType):
    """A previous report: a local path (checked when read, before any training) or an ``s3://`` prefix."""

    name = "report"

    def convert(self, value, parameter, context) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail("expected a report.json, a folder holding one, or s3://bucket/prefix/", parameter, context)
        return value


# arn:<partition>:sns:<region>:<account>:<topic>; a standard topic's name is 1-256 letters, digits, - and _.
SNS_TOPIC_ARN = re.compile(r"arn:aws[-a-z]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}")


class SnsTopic(click.ParamType):
    """An Amazon SNS standard topic's ARN, the shape checked here; whether it exists is AWS's to say."""

    name = "topic ARN"

    def convert(self, value, parameter, context) -> str:
        example = "arn:aws:sns:us-east-1:123456789012:cnn-report"
        if not isinstance(value, str):
            self.fail(f"expected an SNS topic ARN in quotes, e.g. {example}", parameter, context)
        if value.endswith(".fifo"):
            self.fail(
                f"{value!r} is a FIFO topic; cnn-report publishes to a standard topic (one without .fifo)",
                parameter,
                context,
            )
        if not SNS_TOPIC_ARN.fullmatch(value):
            self.fail(
                f"{value!r} is not an SNS topic ARN; expected arn:aws:sns:<region>:<12-digit account>:<topic name>, "
                f"e.g. {example}",
                parameter,
                context,
            )
        return value


class Language(click.Choice):
    """The report's language: one of :data:`report.i18n.LANGUAGES`."""

    name = "report language"

    def __init__(self) -> None:
        super().__init__(LANGUAGES)


def _build_options() -> list[click.Parameter]:
    return [
        BuildOption(
            ["--out"],
            type=click.Path(path_type=Path),
            default=Path("report.pdf"),
            show_default=True,
            in_job=False,
            help="The PDF to write; the .html and .json of the same name are written beside it.",
        ),
        BuildOption(
            ["--data"],
            type=click.Path(path_type=Path),
            default=None,
            in_job=False,
            help=f"mnist.npz, or a folder with it or the four IDX files. Default: ${DATA_ENV_VAR}, "
            "then data/mnist.npz, then ~/.keras/datasets/mnist.npz, then Keras's download.",
        ),
        BuildOption(
            ["--epochs"], type=click.IntRange(min=1), default=10, show_default=True, help="Training epochs per model."
        ),
        BuildOption(
            ["--batch-size"], type=click.IntRange(min=1), default=32, show_default=True, help="Training batch size."
        ),
        BuildOption(
            ["--seed"], type=int, default=42, show_default=True, help="First random seed (weights and shuffling)."
        ),
        BuildOption(
            ["--seeds"],
            type=click.IntRange(min=1),
            default=3,
            show_default=True,
            help="Train every model this many times (seeds SEED, SEED+1, ...) and report mean ± std.",
        ),
        BuildOption(
            ["--limit-train"],
            type=click.IntRange(min=20),
            default=None,
            help="Use only the first N training images (the last 10% of them for validation); for quick runs.",
        ),
        BuildOption(
            ["--kernel-sizes"],
            type=KernelSizes(),
            default=",".join(map(str, DEFAULT_KERNEL_SIZES)),
            show_default=True,
            help="Kernel sizes compared in the kernel-size experiment.",
        ),
        BuildOption(
            ["--cache-dir"],
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            # Written the same on every machine: `cnn-report init` copies it into a project file that may be handed in.
            help="Where finished results are kept. Default: $XDG_CACHE_HOME/cnn-report, else ~/.cache/cnn-report.",
        ),
        BuildOption(["--force"], is_flag=True, help="Retrain everything, ignoring (and refreshing) the cache."),
        BuildOption(["--quiet", "-q"], is_flag=True, in_job=False, help="Print nothing but errors."),
        BuildOption(
            ["--lang"],
            type=Language(),
            default="en",
            show_default=True,
            help="Language of the report: en (English) or es (Spanish).",
        ),
        BuildOption(
            ["--jobs", "-j"],
            type=click.IntRange(min=1),
            default=None,
            help="Train this many models at once, each in its own process on one CPU; the numbers are the same "
            "for any value. Default: one per CPU, as far as memory allows (1.2 GiB each). 1: all in this process.",
        ),
        BuildOption(
            ["--compare"],
            type=ReportSource(),
            default=None,
            help="The report to compare this one with: a report.json or a folder holding one (in a SageMaker job, "
            "s3://bucket/prefix/ whose newest report). Default: the report.json already at --out, if any.",
        ),
        BuildOption(["--no-compare"], is_flag=True, help='Compare with no previous report: no "What changed" section.'),
        BuildOption(
            ["--notify"],
            type=SnsTopic(),
            default=None,
            metavar="TOPIC_ARN",
            help="Publish the comparison to this Amazon SNS topic when a conclusion flipped or a metric moved "
            "beyond seed noise (needs boto3 and sns:Publish; a failure to publish is a warning).",
        ),
        BuildOption(
            ["--notebook"],
            is_flag=True,
            help="Also write report.ipynb beside the report: the analysis as a Jupyter notebook that reproduces it "
            "(not run here; `cnn-report notebook --execute` runs one).",
        ),
        BuildOption(
            ["--config", "config_file"],
            type=click.Path(path_type=Path),
            default=None,
            in_file=False,
            in_job=False,
            help=f"The project file (settings, title page, your notes). Default: ./{PROJECT_FILE_NAME} if there is one.",
        ),
    ]


BUILD_OPTIONS: tuple[BuildOption, ...] = tuple(_build_options())
FILE_OPTIONS: dict[str, BuildOption] = {option.name: option for option in BUILD_OPTIONS if option.in_file}
JOB_OPTIONS: dict[str, BuildOption] = {option.name: option for option in BUILD_OPTIONS if option.in_job}
_COMMAND = click.Command("build", params=list(BUILD_OPTIONS))


def defaults() -> dict[str, object]:
    """Every option's default value, converted by its type as if given (``kernel_sizes`` as ``(3, 5, 7)``)."""
    context = click.Context(_COMMAND)
    return {option.name: option.process_value(context, option.get_default(context)) for option in BUILD_OPTIONS}


def convert(option: BuildOption, value: object, from_text: bool = False) -> object:
    """``value`` for ``option`` as the command line would take it; ValueError with the reason, one line.

    Values from the project file are TOML values, checked for their type
    first (click would quietly turn true into 1, 2.5 into 2); a job's
    hyperparameters may be text (``from_text``), which click converts.
    """
    problem = _type_problem(option, value, from_text)
    if problem:
        raise ValueError(problem)
    try:
        return option.process_value(click.Context(_COMMAND), value)
    except click.BadParameter as error:
        raise ValueError(error.message.rstrip(".")) from None


def _type_problem(option: click.Option, value: object, from_text: bool) -> str | None:
    kind = option.type
    if from_text and isinstance(value, str):
        return _text_problem(kind, value)
    if isinstance(kind, click.types.BoolParamType):
        return None if isinstance(value, bool) else "expected true or false"
    if isinstance(value, bool):
        return (
            "expected a number"
            if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType))
            else "expected text"
        )
    if isinstance(kind, click.types.IntParamType) and not isinstance(value, int):
        return "expected a whole number"
    if isinstance(kind, click.types.FloatParamType) and not isinstance(value, (int, float)):
        return "expected a number"
    if isinstance(kind, (click.Path, click.Choice)) and not isinstance(value, str):
        return "expected text in quotes"
    return None


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _text_problem(kind: click.ParamType, value: str) -> str | None:
    """What is wrong with a job's text value for an option of type ``kind`` (its range is click's to check)."""
    if isinstance(kind, click.types.BoolParamType):
        return None if value.strip().lower() in _TRUE | _FALSE else "expected true or false"
    if isinstance(kind, click.types.IntParamType):
        try:
            int(value)
        except ValueError:
            return "expected a whole number"
    return None
