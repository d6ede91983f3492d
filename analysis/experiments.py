"""The experiments of the report: which models are trained, with which settings, and their results.

Every training run of a build is a :class:`Fit`, planned before any runs;
:func:`run_experiment` runs one (cache or train), :mod:`analysis.workers` runs
a build's list of them.

Nothing here imports TensorFlow: results already in the cache are read back
without it, and :mod:`analysis.training` is imported only when a model must
actually be trained.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np

from analysis.cache import ResultCache, make_key
from analysis.data import Dataset
from analysis.environment import native_stderr_silenced, training_environment, training_versions

MAIN_KERNEL_SIZE = 3
DEFAULT_KERNEL_SIZES = (3, 5, 7)
# With 'valid' padding, two conv + 2x2 pool stages leave a positive feature
# map on 28x28 inputs only for odd kernels up to 9.
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


@dataclass(frozen=True)
class ModelSpec:
    """Which architecture to build; the name is the key used in report.json."""

    architecture: str  # "baseline" or "cnn"
    kernel_size: int | None = None

    @property
    def name(self) -> str:
        return "baseline" if self.architecture == "baseline" else f"cnn_k{self.kernel_size}"

    def to_dict(self) -> dict:
        return {"architecture": self.architecture, "kernel_size": self.kernel_size}


BASELINE = ModelSpec("baseline")


def cnn(kernel_size: int) -> ModelSpec:
    return ModelSpec("cnn", kernel_size)


@dataclass(frozen=True)
class TrainingSettings:
    """The training protocol; the defaults are the course's."""

    epochs: int = 10
    batch_size: int = 32
    seed: int = 42
    limit_train: int | None = None
    validation_split: float = 0.1
    # The protocol reshuffles the training images every epoch, as fit(shuffle=True)
    # promises. False trains on one seeded order repeated in every epoch: what
    # Keras 3's fit(x, y, shuffle=True) does after keras.utils.set_random_seed,
    # measured by the report beside the protocol's own runs.
    reshuffle: bool = True

    def images_used(self, available: int) -> int:
        """How many of ``available`` training images this run uses (``limit_train`` or all)."""
        return available if self.limit_train is None else min(self.limit_train, available)

    def images_fitted(self, available: int) -> int:
        """Of those, how many are fitted on; Keras's ``validation_split`` holds out the rest, at the end."""
        return int(self.images_used(available) * (1.0 - self.validation_split))

    def to_dict(self) -> dict:
        settings = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "limit_train": self.limit_train,
            "validation_split": self.validation_split,
            "optimizer": "Adam (default learning rate 0.001)",
            "loss": "sparse categorical cross-entropy",
        }
        # Written only when it departs from the protocol, so that every result
        # cached before the option existed keeps its key.
        if not self.reshuffle:
            settings["epoch_order"] = "fixed"
        return settings


@dataclass(frozen=True)
class ModelResult:
    """One trained and evaluated model."""

    name: str
    params: int
    test_accuracy: float
    test_loss: float
    epochs: int
    train_seconds: float
    history: dict[str, list[float]]
    layers: list[dict]
    test_predictions: np.ndarray = field(repr=False)  # (n_test,) predicted digit
    test_confidence: np.ndarray = field(repr=False)  # (n_test,) probability of the predicted digit
    probes: dict = field(repr=False, default_factory=dict)  # see analysis.training.inspect_model
    cached: bool = False

    def to_dict(self) -> dict:
        """The JSON form, as stored in the cache (predictions included)."""
        return {
            "name": self.name,
            "params": self.params,
            "test_accuracy": self.test_accuracy,
            "test_loss": self.test_loss,
            "epochs": self.epochs,
            "train_seconds": self.train_seconds,
            "history": self.history,
            "layers": self.layers,
            "test_predictions": self.test_predictions.astype(int).tolist(),
            "test_confidence": np.round(self.test_confidence.astype(float), 5).tolist(),
            "probes": self.probes,
        }

    @classmethod
    def from_dict(cls, data: dict, cached: bool) -> ModelResult:
        return cls(
            name=data["name"],
            params=int(data["params"]),
            test_accuracy=float(data["test_accuracy"]),
            test_loss=float(data["test_loss"]),
            epochs=int(data["epochs"]),
            train_seconds=float(data["train_seconds"]),
            history={key: [float(v) for v in values] for key, values in data["history"].items()},
            layers=list(data["layers"]),
            test_predictions=np.asarray(data["test_predictions"], dtype=np.uint8),
            test_confidence=np.asarray(data["test_confidence"], dtype=np.float32),
            probes=data["probes"],
            cached=cached,
        )


_RESULT_FIELDS = tuple(ModelResult.__dataclass_fields__.keys() - {"cached"})


@dataclass(frozen=True)
class ModelRuns:
    """One model trained once per seed, with the statistics the report quotes."""

    name: str
    runs: tuple[ModelResult, ...]  # in seed order; runs[0] is the first seed's

    @property
    def params(self) -> int:
        return self.runs[0].params

    @property
    def first(self) -> ModelResult:
        """The run of the first seed, used where one trained model must be shown (confusions, mistakes)."""
        return self.runs[0]

    def mean(self, attribute: str) -> float:
        return float(np.mean([getattr(run, attribute) for run in self.runs]))

    def std(self, attribute: str) -> float | None:
        """Sample standard deviation over seeds; None with a single seed, where it is unknown."""
        if len(self.runs) < 2:
            return None
        return float(np.std([getattr(run, attribute) for run in self.runs], ddof=1))


@dataclass(frozen=True)
class ExperimentResults:
    """All trained models, by name, each with one run per seed."""

    models: dict[str, ModelRuns]
    kernel_sizes: tuple[int, ...]
    seeds: tuple[int, ...]

    @property
    def baseline(self) -> ModelRuns:
        return self.models[BASELINE.name]

    @property
    def cnn(self) -> ModelRuns:
        return self.models[cnn(MAIN_KERNEL_SIZE).name]

    def kernel_results(self) -> list[tuple[int, ModelRuns]]:
        return [(size, self.models[cnn(size).name]) for size in self.kernel_sizes]


def confusion_matrix(true_labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows are true digits, columns predictions."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (true_labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def plan_experiments(kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES) -> list[ModelSpec]:
    """The models to train: the baseline, the main 3x3 CNN, and the kernel sweep.

    The 3x3 run of the sweep *is* the main CNN, so it appears once.
    """
    sizes = sorted(set(kernel_sizes) | {MAIN_KERNEL_SIZE})
    return [BASELINE] + [cnn(size) for size in sizes]


ORIGINAL_DATA = "original"


@dataclass(frozen=True)
class Fit:
    """One training run of a build, described before it runs: small, frozen and picklable.

    A build plans every fit up front (:func:`experiment_fits`,
    :func:`analysis.probes.probe_fits`), then reads the finished ones from the
    cache and trains the rest, in this process or in worker processes
    (:mod:`analysis.workers`), which load the data themselves and derive
    ``data``'s variant of it (:data:`analysis.probes.DATA_VARIANTS`). The first
    fits of the list are the most useful to have when a build is interrupted.
    """

    spec: ModelSpec
    settings: TrainingSettings  # seed and the number of training images included
    data: str = ORIGINAL_DATA  # which variant of the dataset: "original", or "permuted" pixels
    keep_model: bool = False  # keep the trained Keras model beside the result (the report's main CNN)
    # What the fit is for, in words, for progress lines; not part of what the fit is.
    purpose: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """How progress lines name it: ``cnn_k3 seed 42`` or ``cnn_k3 seed 42, permuted pixels``."""
        label = f"{self.spec.name} seed {self.settings.seed}"
        return f"{label}, {self.purpose}" if self.purpose else label


class FitEvents:
    """What running fits reports as it happens; every method does nothing here, and a progress display overrides them.

    The methods are called in the process that runs the build, also for fits
    trained by worker processes.
    """

    def planned(self, fits: Sequence[Fit], cached: int, jobs: int, n_train: int) -> None:
        """``fits`` will be run: ``cached`` of them read from the cache, the rest trained ``jobs`` at a time on data
        with ``n_train`` training images."""

    def started(self, fit: Fit) -> None:
        """``fit`` starts training."""

    def epoch_finished(self, fit: Fit, epoch: int, seconds: float, logs: Mapping[str, float]) -> None:
        """``fit`` finished epoch ``epoch`` (counted from 1) in ``seconds``, with Keras's ``logs``."""

    def finished(self, fit: Fit, result: ModelResult) -> None:
        """``fit`` is done: trained now, or read from the cache (``result.cached``)."""

    def warning(self, message: str) -> None:
        """Something the user should know that does not stop the build."""


def experiment_fits(
    settings: TrainingSettings, seeds: Sequence[int], kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES
) -> list[Fit]:
    """The main experiment's fits: every planned model once per seed, seeds first.

    The first seed's main CNN keeps its trained model: it is the report's
    model artifact (on SageMaker, the job's model.tar.gz).
    """
    specs = plan_experiments(kernel_sizes)
    return [
        Fit(spec, replace(settings, seed=seed), keep_model=(seed == seeds[0] and spec == cnn(MAIN_KERNEL_SIZE)))
        for seed in seeds
        for spec in specs
    ]


def collect_experiments(
    results: Mapping[Fit, ModelResult],
    settings: TrainingSettings,
    seeds: Sequence[int],
    kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES,
) -> ExperimentResults:
    """The main experiment's results, from the results of a build's fits (which include :func:`experiment_fits`)."""
    runs: dict[str, list[ModelResult]] = {}
    for fit in experiment_fits(settings, seeds, kernel_sizes):
        runs.setdefault(fit.spec.name, []).append(results[fit])
    return ExperimentResults(
        models={name: ModelRuns(name, tuple(model_runs)) for name, model_runs in runs.items()},
        kernel_sizes=tuple(sorted(set(kernel_sizes))),
        seeds=tuple(seeds),
    )


def main_model_fit(settings: TrainingSettings, seeds: Sequence[int]) -> Fit:
    """The fit whose trained model the build keeps: the main CNN, first seed."""
    return next(fit for fit in experiment_fits(settings, seeds, (MAIN_KERNEL_SIZE,)) if fit.keep_model)


def experiment_key(spec: ModelSpec, settings: TrainingSettings, data_sha256: str) -> str:
    """Everything that changes a result goes into its cache key (see :func:`analysis.environment.training_environment`)."""
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
    stored = cache.load(key, required_fields=_RESULT_FIELDS)
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
