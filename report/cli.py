"""The ``cnn-report`` command line: options in, a :class:`BuildConfig` out, then the build.

This is the one place where cnn-report's own errors become click errors, so
users see ``Error: <what and how to fix it>`` and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click
from click.core import ParameterSource

from analysis import show_tensorflow_logs
from analysis.data import DATA_ENV_VAR
from analysis.errors import OptionError, ProjectError, ReportError
from analysis.experiments import DEFAULT_KERNEL_SIZES, parse_kernel_sizes
from report.build import build as run_build
from report.config import BuildConfig, default_cache_dir
from report.i18n import LANGUAGES
from report.progress import key_numbers, make_progress
from report.project import (
    PROJECT_FILE_NAME,
    find_project_file,
    init_project,
    load_project,
    merge_build_options,
    resolve_design,
)
from report.sagemaker.launch import (
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_MAX_HOURS,
    DEFAULT_NAME,
    TENSORFLOW_IMAGE_TAG,
    AwsRequests,
    default_job_name,
    delete_schedule,
    make_launch,
    open_session,
    run_report_job,
    schedule_report,
)
from report.sagemaker.job import detect_training_job, run_training_job


class _KernelSizes(click.ParamType):
    """``3,5,7`` on the command line, ``[3, 5, 7]`` (or ``"3,5,7"``) in the project file."""

    name = "sizes"

    def convert(self, value, parameter, context) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_kernel_sizes(value)
        except ValueError as error:
            self.fail(str(error), parameter, context)


class _BadInput(click.ClickException):
    """A mistake in the user's input files: one line, and exit code 2 like any other usage error."""

    exit_code = 2


class _ReportGroup(click.Group):
    """Runs a subcommand and turns what can go wrong into a message and an exit code.

    0 success; 1 an error of cnn-report's own (``Error: ...``, one line); 2 a
    usage error (click's convention); 130 on Ctrl-C and 143 on SIGTERM, after
    the build has kept what finished. Tracebacks only with ``--debug``.
    """

    def invoke(self, context: click.Context):
        if threading.current_thread() is threading.main_thread():
            _SIGNALS.install()
        try:
            return super().invoke(context)
        except OptionError as error:
            raise click.UsageError(str(error), context) from None
        except ProjectError as error:
            raise _BadInput(str(error)) from None
        except ReportError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt as interrupt:
            reason = "Terminated" if isinstance(interrupt, _Terminated) else "Interrupted"
            click.echo(f"{reason}{': ' + str(interrupt) if str(interrupt) else ''}", err=True)
            raise click.exceptions.Exit(_EXIT_TERMINATED if isinstance(interrupt, _Terminated) else _EXIT_INTERRUPTED) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            if context.params.get("debug"):
                raise
            raise click.ClickException(
                f"unexpected {type(error).__name__}: {error} (run `cnn-report --debug ...` for the traceback)"
            ) from None


_EXIT_INTERRUPTED = 130
_EXIT_TERMINATED = 143


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so that the same clean-up runs."""


class _Signals:
    """Turns SIGTERM (and Ctrl-C) into exceptions, and remembers them so that none is lost.

    Python runs a signal handler between any two bytecodes, also inside a
    garbage-collection or weakref callback, where an exception is printed and
    dropped ("Exception ignored in ..."). Keras collects garbage as each model
    starts, so a signal landing there would be lost; :meth:`check`, called with
    every progress line (each epoch at least), raises it again.
    """

    def __init__(self):
        self._received: type[KeyboardInterrupt] | None = None
        self._previous_unraisablehook = sys.unraisablehook

    def install(self) -> None:
        self._received = None
        if sys.unraisablehook != self._report_unraisable:
            self._previous_unraisablehook = sys.unraisablehook
            sys.unraisablehook = self._report_unraisable
        signal.signal(signal.SIGTERM, self._handle)
        # Only where Python's own Ctrl-C handler is in place: an ignored SIGINT stays ignored.
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signal_number, frame):
        self._received = _Terminated if signal_number == signal.SIGTERM else KeyboardInterrupt
        raise self._received()

    def _report_unraisable(self, unraisable) -> None:
        # A dropped signal is not an error to show: check() raises it again.
        if not (self._received is not None and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            self._previous_unraisablehook(unraisable)

    def check(self) -> None:
        """Raise again a signal whose exception was dropped where it landed."""
        if self._received is not None:
            raise self._received()


_SIGNALS = _Signals()


@click.group(cls=_ReportGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of unexpected errors, and TensorFlow's own log lines.")
@click.version_option(package_name="cnn-report")
def main(debug: bool) -> None:
    """Measure why convolutional networks beat fully-connected ones on MNIST.

    Run `cnn-report build` to train the models and write the report as PDF,
    HTML and JSON; `cnn-report init` to make the report your own (your name,
    your course, your words).
    """
    if debug:
        show_tensorflow_logs()


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("report.pdf"), show_default=True,
              help="The PDF to write; the .html and .json of the same name are written beside it.")
@click.option("--data", type=click.Path(path_type=Path), default=None,
              help=f"mnist.npz, or a folder with it or the four IDX files. Default: ${DATA_ENV_VAR}, "
                   "then data/mnist.npz, then ~/.keras/datasets/mnist.npz, then Keras's download.")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True, help="Training epochs per model.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Training batch size.")
@click.option("--seed", type=int, default=42, show_default=True, help="First random seed (weights and shuffling).")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Train every model this many times (seeds SEED, SEED+1, ...) and report mean ± std.")
@click.option("--limit-train", type=click.IntRange(min=20), default=None,
              help="Use only the first N training images (the last 10% of them for validation); for quick runs.")
@click.option("--kernel-sizes", type=_KernelSizes(), default=",".join(map(str, DEFAULT_KERNEL_SIZES)), show_default=True,
              help="Kernel sizes compared in the kernel-size experiment.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=f"Where finished results are kept. Default: {default_cache_dir()}.")
@click.option("--force", is_flag=True, help="Retrain everything, ignoring (and refreshing) the cache.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report: en (English) or es (Spanish).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Train this many models at once, each in its own process on one CPU; the numbers are the same for "
                   "any value. Default: one per CPU, as far as memory allows (1.2 GiB each). 1: all in this process.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help=f"The project file (settings, title page, your notes). Default: ./{PROJECT_FILE_NAME} if there is one.")
@click.pass_context
def build(context: click.Context, config_file: Path | None, **options) -> None:
    """Train the models, measure them, and write the report (PDF, HTML, JSON).

    Every option can also be set in the project file's [build] table; one given
    here wins. Inside a SageMaker training job, the data, output folders and
    settings come from the job (see the README's SageMaker section).
    """
    # The project file is checked in full here, before any data is read or model trained.
    project_file = find_project_file(config_file)
    project = load_project(project_file, context.command.params, context) if project_file is not None else None
    options = merge_build_options(context, project)
    given = context.get_parameter_source("kernel_sizes") == ParameterSource.COMMANDLINE or (
        project is not None and "kernel_sizes" in project.build)
    config = BuildConfig(project=project, **options, design=resolve_design(project, options["kernel_sizes"], given))
    started = time.monotonic()
    progress = make_progress(config.quiet, write=lambda line: click.echo(line, err=True), check=_SIGNALS.check)
    try:
        for warning in config.design.warnings:
            progress.warning(warning)
        job = detect_training_job()
        outputs = run_build(config, progress) if job is None else run_training_job(job, config, progress)
        # A pipeline's one-model step fills the cache and writes no report.
        if outputs is not None:
            progress.summary([outputs.pdf, outputs.html, outputs.json], key_numbers(outputs.summary), time.monotonic() - started)
    finally:
        progress.close()


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
def init(folder: Path) -> None:
    """Start a project in FOLDER (default: here): a commented cnn-report.toml and an empty note per section.

    Nothing changes in the report until you write: fill in [report] for your
    title page, and the notes/*.md files for your own words. Existing files
    are never overwritten.
    """
    written, kept = init_project(folder, build.params)
    for path in written:
        click.echo(f"Wrote {path}")
    if kept:
        click.echo(f"Kept {len(kept)} existing file(s) as they were: {', '.join(str(path) for path in kept)}")
    click.echo(f"Next: edit {folder / PROJECT_FILE_NAME} and the notes, then run `cnn-report build`"
               + (f" in {folder}" if folder != Path(".") else ""))


@main.group()
def sagemaker() -> None:
    """Build the report on Amazon SageMaker, once (`run`) or on a schedule (`schedule`).

    Needs boto3 and AWS credentials; --dry-run prints every AWS request as JSON
    and sends none.
    """


def _launch_options(command):
    """The options `sagemaker run` and `sagemaker schedule` share."""
    options = [
        click.option("--role", help="ARN of the IAM role the training job (and pipeline) runs as."),
        click.option("--bucket", help="s3://bucket[/prefix] for data, code, cache and reports (prefix default: cnn-report)."),
        click.option("--region", default=None, help="AWS region. Default: AWS_DEFAULT_REGION or ~/.aws/config."),
        click.option("--instance-type", default=DEFAULT_INSTANCE_TYPE, show_default=True, help="SageMaker instance type."),
        click.option("--image", default=None, help=f"Training image URI. Default: AWS's TensorFlow image ({TENSORFLOW_IMAGE_TAG})."),
        click.option("--data", default=None,
                     help="Local mnist.npz or IDX folder to upload (default: found as `build` finds it), "
                          "or an s3:// prefix holding it."),
        click.option("--hyperparameter", "-H", "hyperparameters", multiple=True, metavar="NAME=VALUE",
                     help="A `build` option for the job, e.g. -H epochs=3 -H limit-train=2000; repeatable."),
        click.option("--max-hours", type=float, default=DEFAULT_MAX_HOURS, show_default=True,
                     help="Stop a job that runs longer than this."),
        click.option("--dry-run", is_flag=True, help="Print every AWS request as JSON and send none."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
                     help=f"The project file whose settings, networks, notes and images the job uses (they travel "
                          f"with it). Default: ./{PROJECT_FILE_NAME} if there is one."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _launch_project(config_file: Path | None):
    """The project a SageMaker launch carries: found and checked here, as `build` would, before anything is sent."""
    project_file = find_project_file(config_file)
    return load_project(project_file, build.params) if project_file is not None else None


def _require(values: dict[str, object]) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise click.UsageError(f"Missing option(s) {', '.join(missing)}.")


@sagemaker.command("run")
@_launch_options
@click.option("--job-name", default=None, help="Training job name. Default: cnn-report-<UTC date and time>.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True,
              help="Where report.pdf, .html and .json are downloaded.")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait for the job and download the report.")
def sagemaker_run(role: str | None, bucket: str | None, region: str | None, instance_type: str, image: str | None,
                  data: str | None, hyperparameters: tuple[str, ...], max_hours: float, dry_run: bool,
                  config_file: Path | None, job_name: str | None, out_dir: Path, wait: bool) -> None:
    """Build the report in a SageMaker training job and download it."""
    _require({"--role": role, "--bucket": bucket})
    session = open_session(region)
    launch = make_launch(role, bucket, session.region_name, instance_type, image, hyperparameters, max_hours,
                         project=_launch_project(config_file))
    aws = AwsRequests(session, dry_run=dry_run)

    def echo(message: str) -> None:
        click.echo(message, err=True)

    files = run_report_job(aws, launch, out_dir, job_name or default_job_name(), data=data, wait=wait, echo=echo)
    if dry_run:
        click.echo(aws.to_json())
    for path in files:
        echo(f"Downloaded {path}")


@sagemaker.command("schedule")
@_launch_options
@click.option("--cron", "expression", default=None,
              help='When to rebuild: "cron(0 6 ? * MON *)" (Mondays 06:00) or "rate(7 days)".')
@click.option("--timezone", default="UTC", show_default=True, help="Time zone of --cron, e.g. Europe/Paris.")
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="Name of the pipeline and of the schedule.")
@click.option("--scheduler-role", default=None,
              help="ARN of the role EventBridge Scheduler assumes to start the pipeline. Default: --role.")
@click.option("--parallel", is_flag=True, help="Train each model in its own job, side by side, then build the report.")
@click.option("--delete", is_flag=True, help="Remove the schedule and the pipeline instead.")
def sagemaker_schedule(role: str | None, bucket: str | None, region: str | None, instance_type: str, image: str | None,
                       data: str | None, hyperparameters: tuple[str, ...], max_hours: float, dry_run: bool,
                       config_file: Path | None, expression: str | None, timezone: str, name: str, scheduler_role: str | None, parallel: bool,
                       delete: bool) -> None:
    """Create or update a SageMaker Pipeline that builds the report, and a schedule that starts it."""
    session = open_session(region)
    aws = AwsRequests(session, dry_run=dry_run)
    if delete:
        delete_schedule(aws, name)
        click.echo(aws.to_json() if dry_run else f"Deleted schedule and pipeline {name} (where they existed)")
        return
    _require({"--role": role, "--bucket": bucket, "--cron": expression})
    launch = make_launch(role, bucket, session.region_name, instance_type, image, hyperparameters, max_hours,
                         project=_launch_project(config_file))
    pipeline_arn = schedule_report(aws, launch, name, expression, scheduler_role or role, timezone=timezone,
                                   parallel=parallel, data=data)
    click.echo(aws.to_json() if dry_run else f"Pipeline {pipeline_arn} runs on {expression} ({timezone})")


if __name__ == "__main__":
    main()
