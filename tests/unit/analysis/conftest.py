"""The analysis tests' stand-in for training: it records each call and returns a result that encodes its inputs.

:func:`analysis.runner.run_fit` imports :mod:`analysis.training` only when a model must be trained
(``import_training``); the ``training`` fixture puts the stand-in in its place, so every number read back can be
traced to the training call that made it, and no TensorFlow is imported.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import analysis.runner as runner

import synthetic


class FakeModel:
    """What ``on_trained`` gets: a model that can save itself."""

    def save(self, path: Path) -> None:
        Path(path).write_bytes(b"a trained model")


class FakeTraining:
    """Stands in for analysis.training: records each call and returns a result that encodes its inputs."""

    def __init__(self):
        self.calls: list[tuple[str, int, int, int | None]] = []

    def train_and_evaluate(self, spec, dataset, settings, on_epoch=None, on_trained=None):
        self.calls.append((spec.name, settings.seed, settings.epochs, settings.limit_train))
        if on_epoch is not None:
            on_epoch(1, 0.5, {"loss": 0.1})
        if on_trained is not None:
            on_trained(FakeModel())
        layers = (
            synthetic.baseline_layers()
            if spec.architecture == "baseline"
            else synthetic.cnn_layers(spec.network.layers[0].kernel)
        )
        # Mistakes and loss encode the seed, so a result read back can be traced to the call that trained it.
        return replace(
            synthetic.model_fit(
                spec.name,
                settings.seed % 100,
                settings.seed / 1000,
                dataset.y_test,
                layers=layers,
                epochs=settings.epochs,
                seconds=12.5,
            ),
            probes={"shift_accuracy": {"left": [1.0]}},
        )


@pytest.fixture
def training(monkeypatch) -> FakeTraining:
    fake = FakeTraining()
    monkeypatch.setattr(runner, "import_training", lambda: fake)
    return fake


@pytest.fixture
def dataset():
    return synthetic.make_dataset()
