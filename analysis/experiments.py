"""The experiments of the report: which models are trained, with which settings, and their results.

Nothing here imports TensorFlow: results already in the cache are read back
without it, and :mod:`analysis.training` is imported only when a model must
actually be trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from analysis.architectures import DEFAULT_BASELINE, DEFAULT_CNN, Design, Experiment, Network, apply_variant, variant_name
from analysis.cache import ResultCache, make_key
from analysis.data import Dataset
from analysis.environment import onednn_setting, training_versions

MAIN_KERNEL_SIZE = 3
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


@dataclass(frozen=True)
class ModelSpec:
    """One network to train, and its name: the key of its results in report.json."""

    name: str
    network: Network

    @property
    def architecture(self) -> str:
        """``"baseline"`` or ``"cnn"``."""
        return self.network.role

    def to_dict(self) -> dict:
        """What goes into the cache key: the network (the course's networks keep their keys from before specs)."""
        return self.network.describe()


BASELINE = ModelSpec("baseline", DEFAULT_BASELINE)


def cnn(kernel_size: int) -> ModelSpec:
    """The course's CNN with ``kernel_size`` kernels."""
    return ModelSpec(variant_name("kernel", kernel_size), apply_variant(DEFAULT_CNN, "kernel", kernel_size))


def kernel_design(kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES) -> Design:
    """The course's networks, with its kernel-size experiment over ``kernel_sizes``."""
    return Design(experiment=Experiment("kernel", tuple(sorted(set(kernel_sizes)))))


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


def probed_models(design: Design) -> tuple[ModelSpec, ModelSpec]:
    """The models the probes retrain: the baseline and the main CNN."""
    return ModelSpec("baseline", design.baseline), ModelSpec(design.main_name, design.cnn)


def experiment_key(spec: ModelSpec, settings: TrainingSettings, data_sha256: str) -> str:
    """Everything that changes a result goes into its cache key."""
    return make_key(
        {
            "model": spec.to_dict(),
            "settings": settings.to_dict(),
            "data_sha256": data_sha256,
            "versions": training_versions(),
            "onednn": onednn_setting(),
        }
    )


def run_experiments(
    dataset: Dataset,
    settings: TrainingSettings,
    cache: ResultCache,
    design: Design | None = None,
    seeds: tuple[int, ...] | None = None,
    force: bool = False,
    echo: Callable[[str], None] = lambda message: None,
) -> ExperimentResults:
    """Train (or read back from the cache) every planned model once per seed, and evaluate each on the test set.

    Seeds come first in the loop, so an interrupted build has whole sets of
    models to resume from; each result is stored the moment its training ends.
    """
    seeds = (settings.seed,) if seeds is None else tuple(seeds)
    design = design or kernel_design()
    specs = plan_experiments(design)
    runs: dict[str, list[ModelResult]] = {spec.name: [] for spec in specs}
    total = len(specs) * len(seeds)
    for seed_index, seed in enumerate(seeds):
        seeded = replace(settings, seed=seed)
        for spec_index, spec in enumerate(specs):
            label = f"[{seed_index * len(specs) + spec_index + 1}/{total}] {spec.name} seed {seed}"
            runs[spec.name].append(run_experiment(spec, dataset, seeded, cache, force=force, echo=echo, label=label))
    return ExperimentResults(
        models={name: ModelRuns(name, tuple(results)) for name, results in runs.items()},
        design=design,
        seeds=seeds,
    )


def run_experiment(
    spec: ModelSpec,
    dataset: Dataset,
    settings: TrainingSettings,
    cache: ResultCache,
    force: bool = False,
    echo: Callable[[str], None] = lambda message: None,
    label: str | None = None,
) -> ModelResult:
    """Train (or read back from the cache) one model, evaluate it on the test set, and cache a new result at once.

    Separate from :func:`run_experiments` so that independent jobs (one per
    model, as in a SageMaker pipeline) can fill a shared cache that a final
    build then reads back.
    """
    label = label or spec.name
    key = experiment_key(spec, settings, dataset.sha256)
    stored = None if force else cache.load(key, required_fields=_RESULT_FIELDS)
    if stored is not None:
        result = ModelResult.from_dict(stored, cached=True)
        echo(f"{label}: cached ({result.test_accuracy:.2%} test accuracy)")
        return result
    # Imported here, not at the top: it pulls in TensorFlow, which a fully cached build never needs.
    from analysis.training import train_and_evaluate

    echo(f"{label}: training {settings.epochs} epoch(s) on {settings.images_used(dataset.n_train):,} images")
    result = train_and_evaluate(spec, dataset, settings, echo=lambda line: echo(f"{label} {line}"))
    cache.store(key, {"model": spec.to_dict(), "settings": settings.to_dict(), "data_sha256": dataset.sha256}, result.to_dict())
    echo(f"{label}: {result.test_accuracy:.2%} test accuracy, {result.train_seconds:.0f} s")
    return result
