"""The ``cnn-report`` command line: the commands, and the one place where errors become messages and exit codes.

cnn-report's own errors become click errors here, so users see
``Error: <what and how to fix it>`` and a non-zero exit, never a traceback.
The options of ``build`` are declared in :mod:`report.options`, and resolved
into one configuration by :func:`report.config.resolve_config`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import click
from click.core import ParameterSource

from analysis import show_tensorflow_logs
from analysis.errors import OptionError, ProjectError, ReportError
from report.build import build as run_build
from report.change_views import FAIL_ON, FORMATS, fails, view
from report.changes import compare_reports, read_report
from report.config import resolve_config
from report.notebook import check_builders, check_notebook_path, make_notebook_file
from report.notify import notify as notify_topic
from report.options import BUILD_OPTIONS, PROJECT_FILE_NAME, SnsTopic
from report.progress import key_numbers, make_progress
from report.project import Project, find_project_file, load_project
from report.sagemaker.aws_requests import AwsRequests, open_session
from report.sagemaker.checks import DEFAULT_INSTANCE_TYPE, DEFAULT_MAX_HOURS
from report.sagemaker.definitions import TENSORFLOW_IMAGE_TAG
from report.sagemaker.job import detect_training_job, failures_recorded, job_layers, run_training_job
from report.sagemaker.launch import (
    DEFAULT_NAME,
    default_job_name,
    delete_schedule,
    make_launch,
    run_report_job,
    schedule_report,
)
from report.scaffold import init_project
from report.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, SIGNALS, Terminated


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
            SIGNALS.install()
        try:
            return super().invoke(context)
        except OptionError as error:
            raise click.UsageError(str(error), context) from None
        except ProjectError as error:
            raise _BadInput(str(error)) from None
        except ReportError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt as interrupt:
            reason = "Terminated" if isinstance(interrupt, Terminated) else "Interrupted"
            click.echo(f"{reason}{': ' + str(interrupt) if str(interrupt) else ''}", err=True)
            raise click.exceptions.Exit(
                EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED
            ) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            if context.params.get("debug"):
                raise
            raise click.ClickException(
                f"unexpected {type(error).__name__}: {error} (run `cnn-report --debug ...` for the traceback)"
            ) from None


@click.group(cls=_ReportGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--debug", is_flag=True, help="Show the full traceback of unexpected errors, and TensorFlow's own log lines."
)
@click.version_option(package_name="cnn-report")
def main(debug: bool) -> None:
    """Measure why convolutional networks beat fully-connected ones on MNIST.

    Run `cnn-report build` to train the models and write the report as PDF,
    HTML and JSON; `cnn-report init` to make the report your own (your name,
    your course, your words); `cnn-report compare OLD NEW` to see what changed
    between two reports.
    """
    if debug:
        show_tensorflow_logs()


@main.command(params=list(BUILD_OPTIONS))
@click.pass_context
def build(context: click.Context, config_file: Path | None, **options) -> None:
    """Train the models, measure them, and write the report (PDF, HTML, JSON).

    Every option can also be set in the project file's [build] table; one given
    here wins. Inside a SageMaker training job, the data, output folders and
    settings come from the job (see docs/sagemaker.md).
    """
    job = detect_training_job()
    with failures_recorded(job):
        # The project file is checked in full here, before any data is read or model trained.
        project = _project(config_file)
        given = given_options(context)
        # A job lays its places and hyperparameters over the command line's options; a pipeline step names its model.
        job_settings, model = job_layers(job) if job is not None else ([], None)
        config = resolve_config(given, *job_settings, project=project)
        started = time.monotonic()
        progress = make_progress(config.quiet, write=lambda line: click.echo(line, err=True), check=SIGNALS.check)
        try:
            for warning in config.design.warnings:
                progress.warning(warning)
            outputs = run_build(config, progress) if job is None else run_training_job(job, config, model, progress)
            # A pipeline's one-model step fills the cache and writes no report.
            if outputs is not None:
                if config.notify is not None:
                    # Only when a conclusion flipped or a metric moved beyond seed noise; a failure is a warning.
                    notify_topic(config.notify, outputs.summary, progress)
                files = [outputs.pdf, outputs.html, outputs.json]
                if config.notebook:
                    files.append(make_notebook_file(config, config.out.with_suffix(".ipynb"), execute=False))
                progress.summary(files, key_numbers(outputs.summary), time.monotonic() - started)
        finally:
            progress.close()


def given_options(context: click.Context) -> dict[str, object]:
    """The options the command line gave, by name: the top layer over the project file's [build]."""
    return {
        name: value
        for name, value in context.params.items()
        if context.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    }


def _project(config_file: Path | None) -> Project | None:
    """The project file --config names (or ./cnn-report.toml), checked in full; None without one."""
    path = find_project_file(config_file)
    return load_project(path) if path is not None else None


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
def init(folder: Path) -> None:
    """Start a project in FOLDER (default: here): a commented cnn-report.toml and an empty note per section.

    Nothing changes in the report until you write: fill in [report] for your
    title page, and the notes/*.md files for your own words. Existing files
    are never overwritten.
    """
    written, kept = init_project(folder)
    for path in written:
        click.echo(f"Wrote {path}")
    if kept:
        click.echo(f"Kept {len(kept)} existing file(s) as they were: {', '.join(str(path) for path in kept)}")
    click.echo(
        f"Next: edit {folder / PROJECT_FILE_NAME} and the notes, then run `cnn-report build`"
        + (f" in {folder}" if folder != Path(".") else "")
    )


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for the changes block itself.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=None,
    help="Exit 1 when a conclusion flipped (flip), a metric moved beyond seed noise or a conclusion flipped "
    "(change), or anything changed (any). Default: exit 0 whatever changed.",
)
def compare(old: Path, new: Path, output_format: str, fail_on: str | None) -> None:
    """Show what changed from the report OLD to the report NEW (each a report.json or the folder holding one)."""
    before, after = read_report(old), read_report(new)
    changes = compare_reports(before, after)
    # Coloured for a terminal; click.echo drops the colour anywhere else.
    click.echo(view(changes, before, after, output_format, color=True))
    if fails(changes, fail_on):
        raise click.exceptions.Exit(1)


@main.command(
    params=[option for option in BUILD_OPTIONS if option.name != "out"]
    + [
        click.Option(
            ["--out"],
            type=click.Path(path_type=Path),
            default=Path("analysis.ipynb"),
            show_default=True,
            help="The notebook to write.",
        ),
        click.Option(
            ["--execute"], is_flag=True, help="Run it first (nbclient), so that it is saved with its outputs."
        ),
    ]
)
@click.pass_context
def notebook(context: click.Context, config_file: Path | None, out: Path, execute: bool, **options) -> None:
    """Write the analysis as a Jupyter notebook that reproduces the report: your networks, experiment and settings.

    It takes the options of `build` (and the project file's [build]), and trains what the report's main models train.
    """
    project = _project(config_file)
    given = {name: value for name, value in given_options(context).items() if name not in ("out", "execute")}
    config = resolve_config(given, project=project)

    def on_cell(number: int, count: int, first_line: str) -> None:
        if not config.quiet:
            click.echo(f"[{number}/{count}] {first_line[:70]}", err=True)

    check_notebook_path(out)
    check_builders(config, warn=lambda message: click.echo(f"Warning: {message}", err=True))
    written = make_notebook_file(config, out, execute, on_cell)
    if not config.quiet:
        click.echo(f"Wrote {written}" + (" (executed)" if execute else ""), err=True)


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
        click.option(
            "--bucket", help="s3://bucket[/prefix] for data, code, cache and reports (prefix default: cnn-report)."
        ),
        click.option("--region", default=None, help="AWS region. Default: AWS_DEFAULT_REGION or ~/.aws/config."),
        click.option(
            "--instance-type", default=DEFAULT_INSTANCE_TYPE, show_default=True, help="SageMaker instance type."
        ),
        click.option(
            "--image",
            default=None,
            help=f"Training image URI. Default: AWS's TensorFlow image ({TENSORFLOW_IMAGE_TAG}).",
        ),
        click.option(
            "--data",
            default=None,
            help="Local mnist.npz or IDX folder to upload (default: found as `build` finds it), "
            "or an s3:// prefix holding it.",
        ),
        click.option(
            "--hyperparameter",
            "-H",
            "hyperparameters",
            multiple=True,
            metavar="NAME=VALUE",
            help="A `build` option for the job, e.g. -H epochs=3 -H limit-train=2000; repeatable.",
        ),
        click.option(
            "--max-hours",
            type=float,
            default=DEFAULT_MAX_HOURS,
            show_default=True,
            help="Stop a job that runs longer than this.",
        ),
        click.option(
            "--notify",
            type=SnsTopic(),
            default=None,
            metavar="TOPIC_ARN",
            help="An Amazon SNS topic the report job tells when a conclusion flipped or a metric moved beyond "
            "seed noise since the last report under --bucket (the role needs sns:Publish on it).",
        ),
        click.option("--dry-run", is_flag=True, help="Print every AWS request as JSON and send none."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            default=None,
            help=f"The project file whose settings, networks, notes and images the job uses (they travel "
            f"with it). Default: ./{PROJECT_FILE_NAME} if there is one.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _require(values: dict[str, object]) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise click.UsageError(f"Missing option(s) {', '.join(missing)}.")


@sagemaker.command("run")
@_launch_options
@click.option("--job-name", default=None, help="Training job name. Default: cnn-report-<UTC date and time>.")
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Where report.pdf, .html and .json are downloaded.",
)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait for the job and download the report.")
def sagemaker_run(
    role: str | None,
    bucket: str | None,
    region: str | None,
    instance_type: str,
    image: str | None,
    data: str | None,
    hyperparameters: tuple[str, ...],
    max_hours: float,
    notify: str | None,
    dry_run: bool,
    config_file: Path | None,
    job_name: str | None,
    out_dir: Path,
    wait: bool,
) -> None:
    """Build the report in a SageMaker training job and download it."""
    _require({"--role": role, "--bucket": bucket})
    session = open_session(region)
    launch = make_launch(
        role,
        bucket,
        session.region_name,
        instance_type,
        image,
        hyperparameters,
        max_hours,
        project=_project(config_file),
        notify=notify,
    )
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
@click.option(
    "--cron",
    "expression",
    default=None,
    help='When to rebuild: "cron(0 6 ? * MON *)" (Mondays 06:00) or "rate(7 days)".',
)
@click.option("--timezone", default="UTC", show_default=True, help="Time zone of --cron, e.g. Europe/Paris.")
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="Name of the pipeline and of the schedule.")
@click.option(
    "--scheduler-role",
    default=None,
    help="ARN of the role EventBridge Scheduler assumes to start the pipeline. Default: --role.",
)
@click.option("--parallel", is_flag=True, help="Train each model in its own job, side by side, then build the report.")
@click.option("--delete", is_flag=True, help="Remove the schedule and the pipeline instead.")
def sagemaker_schedule(
    role: str | None,
    bucket: str | None,
    region: str | None,
    instance_type: str,
    image: str | None,
    data: str | None,
    hyperparameters: tuple[str, ...],
    max_hours: float,
    notify: str | None,
    dry_run: bool,
    config_file: Path | None,
    expression: str | None,
    timezone: str,
    name: str,
    scheduler_role: str | None,
    parallel: bool,
    delete: bool,
) -> None:
    """Create or update a SageMaker Pipeline that builds the report, and a schedule that starts it."""
    session = open_session(region)
    aws = AwsRequests(session, dry_run=dry_run)
    if delete:
        delete_schedule(aws, name)
        click.echo(aws.to_json() if dry_run else f"Deleted schedule and pipeline {name} (where they existed)")
        return
    _require({"--role": role, "--bucket": bucket, "--cron": expression})
    launch = make_launch(
        role,
        bucket,
        session.region_name,
        instance_type,
        image,
        hyperparameters,
        max_hours,
        project=_project(config_file),
        notify=notify,
    )
    pipeline_arn = schedule_report(
        aws, launch, name, expression, scheduler_role or role, timezone=timezone, parallel=parallel, data=data
    )
    click.echo(aws.to_json() if dry_run else f"Pipeline {pipeline_arn} runs on {expression} ({timezone})")


if __name__ == "__main__":
    main()
