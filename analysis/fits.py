"""What a fit (one training run of a build) is and what it yields: the types the analysis modules share.

:mod:`analysis.plan` plans the fits of the design's models, :mod:`analysis.probes`
the probes' fits, :mod:`analysis.runner` runs one (cache or train),
:mod:`analysis.training` trains one and :mod:`analysis.workers` runs a build's
list of them; each imports these types from here, so that none of them needs
another to describe a fit. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.layers import Network


@dataclass(frozen=True)
class ModelSpec:
    """One network to train, its name (the key of its results in report.json), and the experiment's
    ``(variable, value)`` it was built with (None for the baseline, and for a main CNN that is no variant)."""

    name: str
    network: Network
    variant: tuple[str, object] | None = None

    @property
    def architecture(self) -> str:
        """``"baseline"`` or ``"cnn"``."""
        return self.network.role

    def to_dict(self) -> dict:
        """What goes into the cache key: the network (:meth:`analysis.layers.Network.describe`)."""
        return self.network.describe()


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
        # Written only when it departs from the protocol: the cache keys of the protocol's own fits must not change.
        if not self.reshuffle:
            settings["epoch_order"] = "fixed"
        return settings


@dataclass(frozen=True)
class FitResult:
    """One fit's trained and evaluated model."""

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
    def from_dict(cls, data: dict, cached: bool) -> FitResult:
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


RESULT_FIELDS = tuple(FitResult.__dataclass_fields__.keys() - {"cached"})


@dataclass(frozen=True)
class ModelFits:
    """One model fitted once per seed, with the statistics the report quotes."""

    name: str
    fits: tuple[FitResult, ...]  # in seed order; fits[0] is the first seed's

    @property
    def params(self) -> int:
        return self.fits[0].params

    @property
    def first(self) -> FitResult:
        """The fit of the first seed, used where one trained model must be shown (confusions, mistakes)."""
        return self.fits[0]

    def mean(self, attribute: str) -> float:
        return float(np.mean([getattr(fit, attribute) for fit in self.fits]))

    def std(self, attribute: str) -> float | None:
        """Sample standard deviation over seeds; None with a single seed, where it is unknown."""
        if len(self.fits) < 2:
            return None
        return float(np.std([getattr(fit, attribute) for fit in self.fits], ddof=1))


ORIGINAL_DATA = "original"


@dataclass(frozen=True)
class Fit:
    """One training run of a build, described before it runs: small, frozen and picklable.

    A build plans every fit up front (:func:`analysis.plan.design_fits`,
    :func:`analysis.probes.probe_fits`), then reads the finished ones from the
    cache and trains the rest, in this process or in worker processes
    (:mod:`analysis.workers`), which load the data themselves and transform it
    as ``data`` says (:data:`analysis.probes.DATA_TRANSFORMS`). The first fits
    of the list are the most useful to have when a build is interrupted.
    """

    spec: ModelSpec
    settings: TrainingSettings  # seed and the number of training images included
    data: str = ORIGINAL_DATA  # what the fit trains on: the "original" data, or its "permuted" pixels
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

    def finished(self, fit: Fit, result: FitResult) -> None:
        """``fit`` is done: trained now, or read from the cache (``result.cached``)."""

    def warning(self, message: str) -> None:
        """Something the user should know that does not stop the build."""
