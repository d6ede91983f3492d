"""The SageMaker training-job contract: where a job finds its data and settings, and where it leaves results.

Inside a SageMaker training job the container is laid out under ``/opt/ml``:
the ``training`` channel's files in ``input/data/training``, hyperparameters in
``input/config/hyperparameters.json``, and two folders SageMaker uploads to S3
when the job ends, ``output/data`` (the report) and ``model`` (the results
cache). A failed job explains itself in the first line of ``output/failure``.
The ``SM_*`` variables set by AWS's training toolkit name the same places.

``cnn-report build`` follows this contract when it finds it, so the same
command runs on a laptop and as a job. Nothing here needs the network: the data
comes from the channel, never from Keras's download. The trained main CNN goes
to ``model`` as ``cnn_k3.keras``, so the job's model.tar.gz holds a model a
student can load with ``keras.models.load_model``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis.cache import ResultCache
from analysis.data import load_dataset
from analysis.errors import ReportError, SageMakerError
from analysis.plan import main_model_fit, plan_models
from analysis.runner import fit_key
from analysis.workers import run_fits
from report.build import build, plan_fits
from report.config import BuildConfig
from report.options import JOB_OPTIONS, BuildOption, convert
from report.outputs import BuildOutputs
from report.progress import BuildProgress

if TYPE_CHECKING:
    pass

ROOT_ENV_VAR = "CNN_REPORT_SM_ROOT"
# What AWS's training toolkit calls the same place, outside a real container.
TOOLKIT_ROOT_ENV_VAR = "SAGEMAKER_BASE_DIR"
DEFAULT_ROOT = Path("/opt/ml")
# The hyperparameter that turns a job into one step of a parallel pipeline:
# train this one model into the shared cache and write no report.
MODEL_HYPERPARAMETER = "model"
# SageMaker truncates a failure reason at 1024 characters.
_FAILURE_REASON_LIMIT = 1000


@dataclass(frozen=True)
class TrainingJob:
    """The places one SageMaker training job reads from and writes to."""

    root: Path
    channel: Path
    output_dir: Path
    model_dir: Path
    hyperparameters_env: str | None
    failure_dir: Path | None = None

    @property
    def hyperparameters_file(self) -> Path:
        return self.root / "input" / "config" / "hyperparameters.json"

    @property
    def failure_file(self) -> Path:
        return (self.failure_dir or self.root / "output") / "failure"

    def read_hyperparameters(self) -> dict[str, object]:
        """The job's hyperparameters as SageMaker passed them, without SageMaker's own ``sagemaker_*`` entries."""
        if self.hyperparameters_env is not None:
            text, source = self.hyperparameters_env, "$SM_HPS"
        elif self.hyperparameters_file.is_file():
            text, source = self.hyperparameters_file.read_text(encoding="utf-8"), str(self.hyperparameters_file)
        else:
            return {}
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise SageMakerError(f"{source}: hyperparameters are not valid JSON ({error})") from None
        if not isinstance(raw, dict):
            raise SageMakerError(f"{source}: hyperparameters must be a JSON object of name: value")
        # The script-mode container adds sagemaker_program and friends to the
        # file, and AWS's TensorFlow estimator adds model_dir; none is ours.
        return {name: value for name, value in raw.items() if not name.startswith("sagemaker_") and name != "model_dir"}

    def places(self) -> dict[str, Path]:
        """The settings the job itself decides: the data from its channel, the report and the cache in its folders."""
        return {"data": self.channel, "out": self.output_dir / "report.pdf", "cache_dir": self.model_dir}

    def write_failure(self, reason: str) -> None:
        """Leave ``reason`` as the one line SageMaker shows as the job's FailureReason."""
        line = " ".join(reason.split())[:_FAILURE_REASON_LIMIT]
        self.failure_file.parent.mkdir(parents=True, exist_ok=True)
        self.failure_file.write_text(line + "\n", encoding="utf-8")


def detect_training_job(environ: Mapping[str, str] | None = None) -> TrainingJob | None:
    """The training job this process runs in, or None when it is not inside SageMaker.

    ``$CNN_REPORT_SM_ROOT`` (or the toolkit's own ``$SAGEMAKER_BASE_DIR``)
    stands in for ``/opt/ml``, so the contract can be exercised outside a container.
    """
    environ = os.environ if environ is None else environ
    root = Path(environ.get(ROOT_ENV_VAR) or environ.get(TOOLKIT_ROOT_ENV_VAR) or DEFAULT_ROOT)
    inside = (
        environ.get("SM_TRAINING_ENV")
        or environ.get("SM_CHANNEL_TRAINING")
        or (root / "input" / "config" / "hyperparameters.json").is_file()
    )
    if not inside:
        return None
    return TrainingJob(
        root=root,
        channel=Path(environ.get("SM_CHANNEL_TRAINING") or root / "input" / "data" / "training"),
        output_dir=Path(environ.get("SM_OUTPUT_DATA_DIR") or root / "output" / "data"),
        model_dir=Path(environ.get("SM_MODEL_DIR") or root / "model"),
        hyperparameters_env=environ.get("SM_HPS"),
        failure_dir=Path(environ["SM_OUTPUT_DIR"]) if environ.get("SM_OUTPUT_DIR") else None,
    )


@contextmanager
def failures_recorded(job: TrainingJob | None) -> Iterator[None]:
    """Inside a job, leave any failure's reason in the job's failure file before it propagates.

    SageMaker then reports the reason rather than just a non-zero exit code.
    Outside a job (``None``) it does nothing.
    """
    try:
        yield
    except Exception as error:
        if job is not None:
            job.write_failure(str(error) if isinstance(error, ReportError) else f"{type(error).__name__}: {error}")
        raise


def job_layers(job: TrainingJob) -> tuple[list[Mapping[str, object]], str | None]:
    """What the job lays over the command line's options: its places, then its hyperparameters (each checked).

    Also the model a pipeline step trains (its ``model`` hyperparameter), or
    None for a job that builds the report.
    """
    settings = parse_hyperparameters(job.read_hyperparameters())
    model = settings.pop(MODEL_HYPERPARAMETER, None)
    return [job.places(), settings], model


def run_training_job(
    job: TrainingJob, config: BuildConfig, model: str | None, progress: BuildProgress | None = None
) -> BuildOutputs | None:
    """Build the report as the job's contract says; a model step (``model``) only fills the cache and returns None.

    ``config`` is resolved with the job's layers (:func:`job_layers`) on top.
    """
    progress = progress or BuildProgress()
    # SageMaker creates these folders; creating them here as well lets the
    # contract run anywhere, and the build checks them before training.
    job.output_dir.mkdir(parents=True, exist_ok=True)
    job.model_dir.mkdir(parents=True, exist_ok=True)
    progress.note(
        f"SageMaker job: data from {config.data}, report to {config.out.parent}, cache in {config.resolved_cache_dir}, "
        f"{config.resolved_jobs} fit(s) at a time"
    )
    if model is None:
        outputs = build(config, progress)
        main = main_model_fit(config.training, config.seed_list, config.design)
        deliver_model(outputs.model, job.model_dir / f"{main.spec.name}.keras")
        return outputs
    train_model(config, model, job, progress)
    return None


def deliver_model(model: Path, destination: Path) -> None:
    """Copy the trained model from the cache to where SageMaker packs model.tar.gz (a model a student can load)."""
    if model.resolve() != destination.resolve():
        shutil.copyfile(model, destination)


def train_model(config: BuildConfig, model: str, job: TrainingJob, progress: BuildProgress | None = None) -> None:
    """Train every fit of one model into the cache: one parallel step of a pipeline whose last step builds the report.

    That is each seed of the model and, for the probed models, their probe
    fits, side by side on the instance's vCPUs. The step that trains the main
    CNN also delivers it as the step's model artifact.
    """
    progress = progress or BuildProgress()
    names = [spec.name for spec in plan_models(config.design)]
    if model not in names:
        raise SageMakerError(
            f"hyperparameter {MODEL_HYPERPARAMETER}={model!r} is not a model of this build; choose from {', '.join(names)}"
        )
    cache = ResultCache(config.resolved_cache_dir, on_warning=progress.warning)
    cache.prepare()
    dataset = load_dataset(config.data)
    fits = [fit for fit in plan_fits(config, dataset.n_train) if fit.spec.name == model]
    progress.stage(f"Training every fit of {model}")
    run_fits(fits, dataset, cache, jobs=config.resolved_jobs, force=config.force, events=progress)
    kept = [fit for fit in fits if fit.keep_model]
    for fit in kept:
        deliver_model(
            cache.model_path(fit_key(fit.spec, fit.settings, dataset.sha256)), job.model_dir / f"{model}.keras"
        )


def parse_hyperparameters(hyperparameters: Mapping[str, object]) -> dict[str, object]:
    """SageMaker hyperparameters as ``build`` option values (and ``model``, a pipeline step's), each checked.

    Names are the command line's options, with dashes or underscores
    (``limit-train`` or ``limit_train``); each value goes through its
    option's own type and limits (:mod:`report.options`). Values arrive as
    strings ("10"), or already decoded from JSON when read through
    ``$SM_HPS`` (10); both work.
    """
    parsed: dict[str, object] = {}
    for name, raw in hyperparameters.items():
        field = name.replace("-", "_")
        value = _decode(raw)
        if field in ("out", "data"):
            raise SageMakerError(
                f"hyperparameter {name!r} cannot be set in a SageMaker job: the data comes from the 'training' "
                "channel and the report goes to the job's output folder"
            )
        if field == MODEL_HYPERPARAMETER:
            if not isinstance(value, str) or not value.strip():
                raise SageMakerError(
                    f"hyperparameter {name}={value!r}: expected a model name such as baseline or cnn_k5"
                )
            parsed[field] = value.strip()
            continue
        if field not in JOB_OPTIONS:
            known = ", ".join(sorted(option.replace("_", "-") for option in [*JOB_OPTIONS, MODEL_HYPERPARAMETER]))
            raise SageMakerError(f"unknown hyperparameter {name!r}; known ones: {known}")
        try:
            parsed[field] = _job_value(JOB_OPTIONS[field], value)
        except ValueError as error:
            raise SageMakerError(f"hyperparameter {name}={value!r}: {error}") from None
    return parsed


def _job_value(option: BuildOption, value: object) -> object:
    """``value`` through ``option``'s own type and limits, taken and refused in a hyperparameter's words.

    A hyperparameter is text, or a JSON value read through ``$SM_HPS``: a
    whole-number option takes a number or its text (not true, not 2.5); any
    other option reads the value's text (JSON's true as "true"). A number
    under the option's minimum "must be at least" it; a choice names the others.
    """
    kind = option.type
    if isinstance(kind, click.types.IntParamType) and not _whole_number(value):
        raise ValueError("expected a whole number")
    text = value if isinstance(value, (str, list)) else json.dumps(value) if isinstance(value, bool) else str(value)
    try:
        return convert(option, text, from_text=True)
    except ValueError:
        # The value's type was checked first, so what is left is the option's range or choices.
        if isinstance(kind, click.IntRange) and kind.min is not None:
            raise ValueError(f"must be at least {kind.min}") from None
        if isinstance(kind, click.Choice):
            raise ValueError(f"unknown {kind.name}; choose one of {', '.join(kind.choices)}") from None
        raise


def _whole_number(value: object) -> bool:
    if isinstance(value, str):
        try:
            int(value)
        except ValueError:
            return False
        return True
    return isinstance(value, int) and not isinstance(value, bool)


def _decode(raw: object) -> object:
    """Undo the JSON quoting AWS's SageMaker SDK puts around string hyperparameters ('"3,5,7"')."""
    if isinstance(raw, str) and len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw
