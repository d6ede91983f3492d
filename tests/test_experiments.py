"""The experiment plan and its cache, with a stand-in for training: what is trained, when, and what is read back.

``run_experiment`` imports :mod:`analysis.training` only when a model must be trained; these tests put a stand-in
module in its place that records each call and returns a result made from the settings, so every number read back
can be traced to the training call that made it. No TensorFlow is imported.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace

import numpy as np
import pytest

import synthetic
from analysis.cache import ResultCache
from analysis.experiments import (
    BASELINE,
    DEFAULT_KERNEL_SIZES,
    MAIN_KERNEL_SIZE,
    ExperimentResults,
    ModelResult,
    ModelRuns,
    ModelSpec,
    TrainingSettings,
    cnn,
    experiment_key,
    parse_kernel_sizes,
    plan_experiments,
    run_experiment,
    run_experiments,
)


# The key of the default 3x3 CNN on data "000...", pinned: results cached by earlier versions must keep their keys.
KNOWN_KEY = "c41a1333653250f640e6f0505d9dc44c"


class FakeTraining:
    """Stands in for analysis.training: records each call and returns a result that encodes its inputs."""

    def __init__(self):
        self.calls: list[tuple[str, int, int, int | None]] = []

    def train_and_evaluate(self, spec, dataset, settings, echo=lambda line: None):
        self.calls.append((spec.name, settings.seed, settings.epochs, settings.limit_train))
        echo("epoch 1/1, loss 0.1000")
        layers = synthetic.baseline_layers() if spec.architecture == "baseline" else synthetic.cnn_layers(spec.kernel_size)
        # Mistakes and loss encode the seed, so a result read back can be traced to the call that trained it.
        return replace(
            synthetic.model_run(spec.name, settings.seed % 100, settings.seed / 1000, dataset.y_test, layers=layers,
                                epochs=settings.epochs, seconds=12.5),
            probes={"shift_accuracy": {"left": [1.0]}},
        )


@pytest.fixture
def training(monkeypatch) -> FakeTraining:
    fake = FakeTraining()
    module = types.ModuleType("analysis.training")
    module.train_and_evaluate = fake.train_and_evaluate
    monkeypatch.setitem(sys.modules, "analysis.training", module)
    return fake


@pytest.fixture
def dataset():
    return synthetic.make_dataset()


def test_a_model_is_trained_once_then_read_back_and_force_trains_it_again(tmp_path, training, dataset):
    cache, settings, lines = ResultCache(tmp_path), TrainingSettings(epochs=2, seed=7), []
    first = run_experiment(cnn(5), dataset, settings, cache, echo=lines.append)
    assert training.calls == [("cnn_k5", 7, 2, None)]
    assert first.cached is False and first.test_accuracy == pytest.approx(0.993)
    assert lines == ["cnn_k5: training 2 epoch(s) on 600 images", "cnn_k5 epoch 1/1, loss 0.1000",
                     "cnn_k5: 99.30% test accuracy, 12 s"]

    lines.clear()
    again = run_experiment(cnn(5), dataset, settings, cache, echo=lines.append, label="[2/8] cnn_k5 seed 7")
    assert len(training.calls) == 1, "a cached model was trained again"
    assert again.cached is True
    assert lines == ["[2/8] cnn_k5 seed 7: cached (99.30% test accuracy)"]
    for name in ("name", "params", "test_accuracy", "test_loss", "epochs", "train_seconds", "history", "layers", "probes"):
        assert getattr(again, name) == getattr(first, name), name
    np.testing.assert_array_equal(again.test_predictions, first.test_predictions)

    forced = run_experiment(cnn(5), dataset, settings, cache, force=True)
    assert len(training.calls) == 2 and forced.cached is False
    # Other settings are another model: trained, not read back.
    run_experiment(cnn(5), dataset, replace(settings, batch_size=64), cache)
    run_experiment(cnn(5), replace(dataset, sha256="a" * 64), settings, cache)
    assert len(training.calls) == 4


def test_a_cached_entry_is_stored_with_what_describes_it(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(seed=3)
    run_experiment(BASELINE, dataset, settings, cache)
    entry = cache.path_for(experiment_key(BASELINE, settings, dataset.sha256))
    stored = json.loads(entry.read_text())
    assert stored["description"] == {"model": {"architecture": "baseline", "kernel_size": None},
                                     "settings": settings.to_dict(), "data_sha256": dataset.sha256}
    assert stored["result"]["name"] == "baseline" and stored["result"]["test_loss"] == pytest.approx(0.003)


def test_experiments_run_seed_by_seed_over_the_planned_models(tmp_path, training, dataset):
    lines = []
    results = run_experiments(dataset, TrainingSettings(epochs=1, seed=42), ResultCache(tmp_path), kernel_sizes=(7, 5, 5),
                              seeds=(42, 43), echo=lines.append)
    # Every model of the first seed before any of the second: an interrupted build has whole sets to resume from.
    assert [(name, seed) for name, seed, _, _ in training.calls] == [
        ("baseline", 42), ("cnn_k3", 42), ("cnn_k5", 42), ("cnn_k7", 42),
        ("baseline", 43), ("cnn_k3", 43), ("cnn_k5", 43), ("cnn_k7", 43)]
    assert lines[0] == "[1/8] baseline seed 42: training 1 epoch(s) on 600 images"
    assert lines[-1].startswith("[8/8] cnn_k7 seed 43: ")
    assert results.kernel_sizes == (5, 7) and results.seeds == (42, 43)
    assert list(results.models) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [run.test_loss for run in results.models["cnn_k5"].runs] == pytest.approx([0.042, 0.043])
    assert results.baseline.name == "baseline" and results.cnn.name == "cnn_k3"
    assert [(size, runs.name) for size, runs in results.kernel_results()] == [(5, "cnn_k5"), (7, "cnn_k7")]


def test_a_second_run_reads_every_model_back_and_force_trains_them_all_again(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(epochs=1, seed=42)
    first = run_experiments(dataset, settings, cache, kernel_sizes=(3,), seeds=(42, 43))
    assert len(training.calls) == 4
    again = run_experiments(dataset, settings, cache, kernel_sizes=(3,), seeds=(42, 43))
    assert len(training.calls) == 4, "a cached model was trained again"
    assert all(run.cached for runs in again.models.values() for run in runs.runs)
    assert [run.test_loss for run in again.models["baseline"].runs] == [run.test_loss for run in first.models["baseline"].runs]
    forced = run_experiments(dataset, settings, cache, kernel_sizes=(3,), seeds=(42, 43), force=True)
    assert len(training.calls) == 8
    assert not any(run.cached for runs in forced.models.values() for run in runs.runs)


def test_a_cached_entry_missing_a_field_is_trained_again_not_trusted(tmp_path, training, dataset):
    warnings: list[str] = []
    cache, settings = ResultCache(tmp_path, on_warning=warnings.append), TrainingSettings(seed=3)
    run_experiment(BASELINE, dataset, settings, cache)
    path = cache.path_for(experiment_key(BASELINE, settings, dataset.sha256))
    entry = json.loads(path.read_text())
    del entry["result"]["probes"]  # as an older version of cnn-report would have stored it
    path.write_text(json.dumps(entry))
    result = run_experiment(BASELINE, dataset, settings, cache)
    assert len(training.calls) == 2 and result.cached is False
    assert warnings and "it lacks probes" in warnings[0]


def test_without_seeds_the_settings_seed_is_the_only_one(tmp_path, training, dataset):
    results = run_experiments(dataset, TrainingSettings(epochs=1, seed=9), ResultCache(tmp_path), kernel_sizes=(3,))
    assert results.seeds == (9,)
    assert training.calls == [("baseline", 9, 1, None), ("cnn_k3", 9, 1, None)]
    assert results.kernel_sizes == (3,) and list(results.models) == ["baseline", "cnn_k3"]


def test_the_plan_is_the_baseline_the_main_cnn_and_the_sweep():
    assert [spec.name for spec in plan_experiments()] == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [spec.name for spec in plan_experiments((9, 1))] == ["baseline", "cnn_k1", "cnn_k3", "cnn_k9"]
    assert DEFAULT_KERNEL_SIZES == (3, 5, 7) and MAIN_KERNEL_SIZE == 3


def test_model_specs():
    assert BASELINE == ModelSpec("baseline") and BASELINE.name == "baseline"
    assert cnn(5) == ModelSpec("cnn", 5) and cnn(5).name == "cnn_k5"
    assert cnn(7).to_dict() == {"architecture": "cnn", "kernel_size": 7}
    assert BASELINE.to_dict() == {"architecture": "baseline", "kernel_size": None}


def test_training_settings_are_the_course_protocol():
    settings = TrainingSettings()
    assert (settings.epochs, settings.batch_size, settings.seed, settings.limit_train, settings.validation_split) == (
        10, 32, 42, None, 0.1)
    assert settings.to_dict() == {
        "epochs": 10, "batch_size": 32, "seed": 42, "limit_train": None, "validation_split": 0.1,
        "optimizer": "Adam (default learning rate 0.001)", "loss": "sparse categorical cross-entropy",
    }


@pytest.mark.parametrize("limit, available, used, fitted", [
    (None, 60_000, 60_000, 54_000), (1500, 60_000, 1500, 1350), (5000, 200, 200, 180), (999, 60_000, 999, 899),
    (10, 60_000, 10, 9), (None, 1, 1, 0),
])
def test_images_used_and_fitted(limit, available, used, fitted):
    settings = TrainingSettings(limit_train=limit)
    assert settings.images_used(available) == used
    assert settings.images_fitted(available) == fitted


def test_the_experiment_key_changes_with_the_validation_split():
    assert experiment_key(BASELINE, TrainingSettings(), "a") != experiment_key(BASELINE, TrainingSettings(validation_split=0.2), "a")


def test_a_result_survives_the_cache_round_trip(dataset):
    result = synthetic.model_run("cnn_k3", 17, 0.0421, dataset.y_test, layers=synthetic.cnn_layers(3), seconds=33.5)
    data = result.to_dict()
    assert data["test_accuracy"] == pytest.approx(0.983) and data["test_loss"] == pytest.approx(0.0421)
    assert data["test_predictions"][:3] == [1, 2, 3]  # the first mistakes read each digit as the next
    assert json.dumps(data["test_predictions"][:3]) == "[1, 2, 3]"  # stored as integers, not floats
    back = ModelResult.from_dict(data, cached=True)
    assert back.cached is True and ModelResult.from_dict(data, cached=False).cached is False
    for name in ("name", "params", "test_accuracy", "test_loss", "epochs", "train_seconds", "history", "layers", "probes"):
        assert getattr(back, name) == getattr(result, name), name
    assert back.test_predictions.dtype == np.uint8 and back.test_confidence.dtype == np.float32
    np.testing.assert_array_equal(back.test_predictions, result.test_predictions)
    np.testing.assert_allclose(back.test_confidence, result.test_confidence)


def test_confidences_are_stored_to_five_decimals(dataset):
    result = synthetic.model_run("baseline", 0, 0.1, dataset.y_test, layers=synthetic.baseline_layers())
    result = replace(result, test_confidence=np.full(len(dataset.y_test), 0.123456789, np.float32))
    assert result.to_dict()["test_confidence"][0] == 0.12346


def test_two_seeds_have_a_spread(dataset):
    runs = ModelRuns("baseline", tuple(
        synthetic.model_run("baseline", wrong, 0.1, dataset.y_test, layers=synthetic.baseline_layers()) for wrong in (30, 20)))
    assert runs.std("test_accuracy") == pytest.approx(0.01 / 2**0.5)


def test_experiment_keys_stay_what_earlier_versions_cached_under(monkeypatch):
    """A change to how keys are made orphans every model users have cached: make it on purpose, not by accident."""
    import analysis.experiments as experiments

    monkeypatch.setattr(experiments, "training_versions", lambda: {"python": "3.11.7", "tensorflow": "2.21.0",
                                                                   "keras": "3.15.1", "numpy": "2.4.6"})
    monkeypatch.setattr(experiments, "onednn_setting", lambda: "1")
    assert experiment_key(cnn(3), TrainingSettings(), "0" * 64) == KNOWN_KEY


def test_a_word_that_is_not_a_kernel_size_is_named():
    with pytest.raises(ValueError, match="'three' is not a comma-separated list of integers, e.g. 3,5,7"):
        parse_kernel_sizes("three")
    with pytest.raises(ValueError, match=r"unsupported kernel size\(s\) \(none given\); choose from 1, 3, 5, 7, 9"):
        parse_kernel_sizes(" , ")


def test_model_runs_statistics(dataset):
    runs = ModelRuns("baseline", tuple(
        synthetic.model_run("baseline", wrong, loss, dataset.y_test, layers=synthetic.baseline_layers(), seconds=seconds)
        for wrong, loss, seconds in ((30, 0.1, 10.0), (28, 0.2, 20.0), (20, 0.6, 60.0))))
    assert runs.params == 101_770 and runs.first is runs.runs[0]
    assert runs.mean("test_loss") == pytest.approx(0.3)
    assert runs.std("test_loss") == pytest.approx(((0.04 + 0.01 + 0.09) / 2) ** 0.5)  # sample standard deviation
    assert runs.mean("train_seconds") == pytest.approx(30.0)
    assert ModelRuns("baseline", runs.runs[:1]).std("test_loss") is None


def test_experiment_results_find_the_baseline_and_the_main_cnn(dataset):
    built = synthetic.build()
    results = ExperimentResults(models=built.experiments.models, kernel_sizes=(3, 7), seeds=(42, 43, 44))
    assert results.baseline is built.experiments.models["baseline"]
    assert results.cnn is built.experiments.models["cnn_k3"]
    assert [size for size, _ in results.kernel_results()] == [3, 7]
