"""The experiments of the report: which models are trained, with which settings, and their results.

The models come from the student's design (:mod:`analysis.architectures`):
the baseline, the main CNN and the experiment's other variants. Every training
run of a build is a :class:`~analysis.fits.Fit`, planned before any runs;
:func:`run_experiment` runs one (cache or train), :mod:`analysis.workers`
runs a build's list of them.

Nothing here imports TensorFlow: results already in the cache are read back
without it, and :mod:`analysis.training` is imported only when a model must
actually be trained.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

from analysis.architectures import DEFAULT_BASELINE, DEFAULT_CNN, Design, Experiment, apply_variant, variant_name
from analysis.cache import ResultCache, make_key
from analysis.data import Dataset
from analysis.environment import native_stderr_silenced, training_environment, training_versions
from analysis.fits import RESULT_FIELDS, Fit, FitEvents, ModelResult, ModelRuns, ModelSpec, TrainingSettings

DEFAULT_KERNEL_SIZES = (3, 5, 7)
# With 'valid' padding, two conv + 2x2 pool stages leave a positive feature
# map on 28x28 inputs only for odd kernels up to 9. (A project file's
# [experiment] may vary the kernel of any CNN: its shapes are checked instead.)
SUPPORTED_KERNEL_SIZES = (1, 3, 5, 7, 9)


def parse_kernel_sizes(value: str | list) -> tuple[int, ...]:
    """``"3,5,7"`` (or a list) -> ``(3, 5, 7)``; ValueError naming the problem otherwise."""
    parts = value if isinstance(value, list) else str(value).split(",")
    try:
        sizes = tuple(sorted({int(part) for part in parts if str(part).strip()}))
    except ValueError:
        raise ValueError(f"{value!r} is not a comma-separated list of integers, e.g. 3,5,7") from None
    unknown = [size for size in sizes if size not in SUPPORTED_KERNEL_SIZES]
    if not sizes or unknown:
        raise ValueError(
            f"unsupported kernel size(s) {', '.join(map(str, unknown)) or '(none given)'}; "
            f"choose from {', '.join(map(str, SUPPORTED_KERNEL_SIZES))}"
        )
    return sizes


BASELINE = ModelSpec("baseline", DEFAULT_BASELINE)


def cnn(kernel_size: int) -> ModelSpec:
    """The course's CNN with ``kernel_size`` kernels."""
    return ModelSpec(variant_name("kernel", kernel_size), apply_variant(DEFAULT_CNN, "kernel", kernel_size))


def kernel_design(kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES) -> Design:
    """The course's networks, with its kernel-size experiment over ``kernel_sizes``."""
    return Design(experiment=Experiment("kernel", tuple(sorted(set(kernel_sizes)))))


@dataclass(frozen=True)
class ExperimentResults:
    """All trained models, by name, each with one run per seed, and the design they were trained from."""

    models: dict[str, ModelRuns]
    design: Design
    seeds: tuple[int, ...]

    @property
    def baseline(self) -> ModelRuns:
        return self.models[BASELINE.name]

    @property
    def cnn(self) -> ModelRuns:
        """The main CNN: the student's own, which the probes and "inside the CNN" look at."""
        return self.models[self.design.main_name]


def confusion_matrix(true_labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows are true digits, columns predictions."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (true_labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def plan_experiments(design: Design | tuple[int, ...] = DEFAULT_KERNEL_SIZES) -> list[ModelSpec]:
    """The models to train: the baseline, the main CNN, and the experiment's other variants.

    The variant equal to the main CNN *is* the main CNN, so it appears once.
    A tuple of kernel sizes stands for the course's networks and kernel sweep.
    """
    design = design if isinstance(design, Design) else kernel_design(design)
    return [ModelSpec(name, network) for name, network in design.networks().items()]


def experiment_fits(settings: TrainingSettings, seeds: Sequence[int], design: Design) -> list[Fit]:
    """The main experiment's fits: every planned model once per seed, seeds first.

    The first seed's main CNN keeps its trained model: it is the report's
    model artifact (on SageMaker, the job's model.tar.gz).
    """
    return [
        Fit(spec, replace(settings, seed=seed), keep_model=(seed == seeds[0] and spec.name == design.main_name))
        for seed in seeds
        for spec in plan_experiments(design)
    ]


def collect_experiments(
    results: Mapping[Fit, ModelResult], settings: TrainingSettings, seeds: Sequence[int], design: Design
) -> ExperimentResults:
    """The main experiment's results, from the results of a build's fits (which include :func:`experiment_fits`)."""
    runs: dict[str, list[ModelResult]] = {}
    for fit in experiment_fits(settings, seeds, design):
        runs.setdefault(fit.spec.name, []).append(results[fit])
    return ExperimentResults(
        models={name: ModelRuns(name, tuple(model_runs)) for name, model_runs in runs.items()},
        design=design,
        seeds=tuple(seeds),
    )


def main_model_fit(settings: TrainingSettings, seeds: Sequence[int], design: Design) -> Fit:
    """The fit whose trained model the build keeps: the main CNN, first seed."""
    return next(fit for fit in experiment_fits(settings, seeds, design) if fit.keep_model)


def experiment_key(spec: ModelSpec, settings: TrainingSettings, data_sha256: str) -> str:
    """Everything that changes a result goes into its cache key (see :func:`analysis.environment.training_environment`).

    The model is its network (:meth:`analysis.architectures.Network.describe`):
    its layers, or its builder file's content and the arguments it is called
    with; the course's networks keep the description they always had.
    """
    return make_key(
        {
            "model": spec.to_dict(),
            "settings": settings.to_dict(),
            "data_sha256": data_sha256,
            "versions": training_versions(),
            **training_environment(),
        }
    )


def cached_result(fit: Fit, data_sha256: str, cache: ResultCache) -> ModelResult | None:
    """``fit``'s finished result from the cache, or None; ``data_sha256`` is that of the fit's variant of the data.

    A fit that keeps its model counts as finished only with its model file.
    """
    key = experiment_key(fit.spec, fit.settings, data_sha256)
    stored = cache.load(key, required_fields=RESULT_FIELDS)
    if stored is None or (fit.keep_model and not cache.model_path(key).is_file()):
        return None
    return ModelResult.from_dict(stored, cached=True)


def run_experiment(
    fit: Fit,
    dataset: Dataset,
    cache: ResultCache,
    force: bool = False,
    events: FitEvents | None = None,
) -> ModelResult:
    """Train (or read back from the cache) one fit, evaluate it on the test set, and cache a new result at once.

    ``dataset`` is the fit's own variant of the data. This is all a worker
    process does with each fit; it also serves on its own where one fit at a
    time is wanted.
    """
    events = events or FitEvents()
    stored = None if force else cached_result(fit, dataset.sha256, cache)
    if stored is not None:
        events.finished(fit, stored)
        return stored
    training = import_training()
    key = experiment_key(fit.spec, fit.settings, dataset.sha256)
    events.started(fit)
    result = training.train_and_evaluate(
        fit.spec,
        dataset,
        fit.settings,
        on_epoch=lambda epoch, seconds, logs: events.epoch_finished(fit, epoch, seconds, logs),
        # The model file first: a result whose fit keeps its model is only finished with it.
        on_trained=(lambda model: cache.store_model(key, model.save)) if fit.keep_model else None,
    )
    cache.store(key, {"model": fit.spec.to_dict(), "settings": fit.settings.to_dict(), "data_sha256": dataset.sha256}, result.to_dict())
    events.finished(fit, result)
    return result


def import_training():
    """:mod:`analysis.training`, imported on first use with TensorFlow's start-up lines hidden (unless ``--debug``).

    Imported here, not at the top: it pulls in TensorFlow, which a fully
    cached build never needs.
    """
    import analysis

    with native_stderr_silenced(enabled="analysis.training" not in sys.modules and not analysis.tensorflow_logs_shown()):
        import analysis.training
    return analysis.training
