"""The experiment plan and its cache, with a stand-in for training: what is trained, when, and what is read back.

``run_experiment`` imports :mod:`analysis.training` only when a model must be trained (``import_training``); these
tests put a stand-in in its place that records each call and returns a result made from the settings, so every number
read back can be traced to the training call that made it. Fits run through :func:`analysis.workers.run_fits` with
one job, in this process. No TensorFlow is imported.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import analysis.experiments as experiments
import synthetic
from analysis.architectures import Design, Experiment
from analysis.cache import ResultCache
from analysis.experiments import (
    BASELINE,
    DEFAULT_KERNEL_SIZES,
    ExperimentResults,
    cnn,
    collect_experiments,
    experiment_fits,
    experiment_key,
    kernel_design,
    main_model_fit,
    parse_kernel_sizes,
    plan_experiments,
    run_experiment,
)
from analysis.fits import Fit, FitEvents, ModelResult, ModelRuns, TrainingSettings
from analysis.workers import run_fits


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
        layers = synthetic.baseline_layers() if spec.architecture == "baseline" else synthetic.cnn_layers(
            spec.network.layers[0].kernel)
        # Mistakes and loss encode the seed, so a result read back can be traced to the call that trained it.
        return replace(
            synthetic.model_run(spec.name, settings.seed % 100, settings.seed / 1000, dataset.y_test, layers=layers,
                                epochs=settings.epochs, seconds=12.5),
            probes={"shift_accuracy": {"left": [1.0]}},
        )


class Recorder(FitEvents):
    def __init__(self):
        self.events = []

    def started(self, fit):
        self.events.append(("started", fit.label))

    def epoch_finished(self, fit, epoch, seconds, logs):
        self.events.append(("epoch", fit.label, epoch, seconds, dict(logs)))

    def finished(self, fit, result):
        self.events.append(("finished", fit.label, result.cached))


@pytest.fixture
def training(monkeypatch) -> FakeTraining:
    fake = FakeTraining()
    monkeypatch.setattr(experiments, "import_training", lambda: fake)
    return fake


@pytest.fixture
def dataset():
    return synthetic.make_dataset()


def test_a_model_is_trained_once_then_read_back_and_force_trains_it_again(tmp_path, training, dataset):
    cache, settings, events = ResultCache(tmp_path), TrainingSettings(epochs=2, seed=7), Recorder()
    fit = Fit(cnn(5), settings)
    first = run_experiment(fit, dataset, cache, events=events)
    assert training.calls == [("cnn_k5", 7, 2, None)]
    assert first.cached is False and first.test_accuracy == pytest.approx(0.993)
    # Each epoch's time and Keras's logs reach the progress display as training reported them.
    assert events.events == [("started", "cnn_k5 seed 7"), ("epoch", "cnn_k5 seed 7", 1, 0.5, {"loss": 0.1}),
                             ("finished", "cnn_k5 seed 7", False)]
    assert not list(tmp_path.glob("*.keras")), "a fit that does not keep its model stored one"

    events.events.clear()
    again = run_experiment(fit, dataset, cache, events=events)
    assert len(training.calls) == 1, "a cached model was trained again"
    assert again.cached is True
    assert events.events == [("finished", "cnn_k5 seed 7", True)]
    for name in ("name", "params", "test_accuracy", "test_loss", "epochs", "train_seconds", "history", "layers", "probes"):
        assert getattr(again, name) == getattr(first, name), name
    np.testing.assert_array_equal(again.test_predictions, first.test_predictions)

    forced = run_experiment(fit, dataset, cache, force=True)
    assert len(training.calls) == 2 and forced.cached is False
    # Other settings or other data are another model: trained, not read back.
    run_experiment(Fit(cnn(5), replace(settings, batch_size=64)), dataset, cache)
    run_experiment(Fit(cnn(5), replace(settings, reshuffle=False)), dataset, cache)
    run_experiment(fit, replace(dataset, sha256="a" * 64), cache)
    assert len(training.calls) == 5


def test_a_fit_that_keeps_its_model_is_finished_only_with_the_model_file(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(seed=3)
    fit = Fit(cnn(3), settings, keep_model=True)
    run_experiment(fit, dataset, cache)
    model = cache.model_path(experiment_key(fit.spec, settings, dataset.sha256))
    assert model.read_bytes() == b"a trained model"
    assert run_experiment(fit, dataset, cache).cached is True and len(training.calls) == 1
    model.unlink()
    assert run_experiment(fit, dataset, cache).cached is False and len(training.calls) == 2
    assert model.is_file()
    # The same network and settings without keeping the model: the result is enough.
    assert run_experiment(Fit(cnn(3), settings), dataset, cache).cached is True


def test_a_cached_entry_is_stored_with_what_describes_it(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(seed=3)
    run_experiment(Fit(BASELINE, settings), dataset, cache)
    entry = cache.path_for(experiment_key(BASELINE, settings, dataset.sha256))
    stored = json.loads(entry.read_text())
    assert stored["description"] == {"model": {"architecture": "baseline", "kernel_size": None},
                                     "settings": settings.to_dict(), "data_sha256": dataset.sha256}
    assert stored["result"]["name"] == "baseline" and stored["result"]["test_loss"] == pytest.approx(0.003)


def test_experiments_run_seed_by_seed_over_the_planned_models(tmp_path, training, dataset):
    settings, seeds, design = TrainingSettings(epochs=1, seed=42), (42, 43), kernel_design((7, 5, 5))
    fits = experiment_fits(settings, seeds, design)
    # Every model of the first seed before any of the second: an interrupted build has whole sets to resume from.
    assert [fit.label for fit in fits] == [
        "baseline seed 42", "cnn_k3 seed 42", "cnn_k5 seed 42", "cnn_k7 seed 42",
        "baseline seed 43", "cnn_k3 seed 43", "cnn_k5 seed 43", "cnn_k7 seed 43"]
    # Only the first seed's main CNN keeps its trained model.
    assert [fit.label for fit in fits if fit.keep_model] == ["cnn_k3 seed 42"]
    assert main_model_fit(settings, seeds, design) == fits[1]
    results = collect_experiments(run_fits(fits, dataset, ResultCache(tmp_path)), settings, seeds, design)
    assert [(name, seed) for name, seed, _, _ in training.calls] == [
        ("baseline", 42), ("cnn_k3", 42), ("cnn_k5", 42), ("cnn_k7", 42),
        ("baseline", 43), ("cnn_k3", 43), ("cnn_k5", 43), ("cnn_k7", 43)]
    assert results.design.experiment.values == (5, 7) and results.seeds == (42, 43)
    assert list(results.models) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [run.test_loss for run in results.models["cnn_k5"].runs] == pytest.approx([0.042, 0.043])
    assert results.baseline.name == "baseline" and results.cnn.name == "cnn_k3"
    assert [variant.name for variant in results.design.variants()] == ["cnn_k5", "cnn_k7"]


def test_a_second_run_reads_every_model_back_and_force_trains_them_all_again(tmp_path, training, dataset):
    cache, settings, seeds, design = ResultCache(tmp_path), TrainingSettings(epochs=1, seed=42), (42, 43), kernel_design((3,))
    fits = experiment_fits(settings, seeds, design)

    def run(**options) -> ExperimentResults:
        return collect_experiments(run_fits(fits, dataset, cache, **options), settings, seeds, design)

    first = run()
    assert len(training.calls) == 4
    again = run()
    assert len(training.calls) == 4, "a cached model was trained again"
    assert all(run.cached for runs in again.models.values() for run in runs.runs)
    assert [run.test_loss for run in again.models["baseline"].runs] == [run.test_loss for run in first.models["baseline"].runs]
    forced = run(force=True)
    assert len(training.calls) == 8
    assert not any(run.cached for runs in forced.models.values() for run in runs.runs)


def test_a_cached_entry_missing_a_field_is_trained_again_not_trusted(tmp_path, training, dataset):
    warnings: list[str] = []
    cache, settings = ResultCache(tmp_path, on_warning=warnings.append), TrainingSettings(seed=3)
    run_experiment(Fit(BASELINE, settings), dataset, cache)
    path = cache.path_for(experiment_key(BASELINE, settings, dataset.sha256))
    entry = json.loads(path.read_text())
    del entry["result"]["probes"]  # as an older version of cnn-report would have stored it
    path.write_text(json.dumps(entry))
    result = run_experiment(Fit(BASELINE, settings), dataset, cache)
    assert len(training.calls) == 2 and result.cached is False
    assert warnings and "it lacks probes" in warnings[0]


def test_the_plan_is_the_baseline_the_main_cnn_and_the_sweep():
    assert [spec.name for spec in plan_experiments()] == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    # The main CNN (3x3) is trained whether or not the sweep includes it, once, second.
    assert [spec.name for spec in plan_experiments((9, 1))] == ["baseline", "cnn_k3", "cnn_k1", "cnn_k9"]
    assert [spec.name for spec in plan_experiments((5, 3))] == ["baseline", "cnn_k3", "cnn_k5"]
    assert DEFAULT_KERNEL_SIZES == (3, 5, 7)
    # Another variable: the variants are named after it, and the main CNN is its width 1 variant.
    widths = Design(experiment=Experiment("width", (0.5, 1, 2)))
    assert [spec.name for spec in plan_experiments(widths)] == ["baseline", "cnn_width_1", "cnn_width_0_5", "cnn_width_2"]


def test_model_specs():
    assert BASELINE.name == "baseline" and BASELINE.architecture == "baseline"
    assert cnn(5).name == "cnn_k5" and cnn(5).architecture == "cnn"
    assert [layer.kernel for layer in cnn(5).network.layers if layer.type == "conv"] == [5, 5]
    # The course's networks keep the descriptions (and so the cache keys) they had before networks were specs.
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
    results = ExperimentResults(models=built.experiments.models, design=kernel_design((3, 7)), seeds=(42, 43, 44))
    assert results.baseline is built.experiments.models["baseline"]
    assert results.cnn is built.experiments.models["cnn_k3"]
    assert [(variant.value, variant.is_main) for variant in results.design.variants()] == [(3, True), (7, False)]


def test_training_is_imported_on_first_use_with_its_start_up_lines_hidden_unless_asked_for(monkeypatch):
    """TensorFlow's native start-up lines are hidden while analysis.training is first imported, unless --debug."""
    import analysis
    import analysis.training

    silenced: list[bool] = []

    @contextmanager
    def recording(enabled: bool = True):
        silenced.append(enabled)
        yield

    monkeypatch.setattr(experiments, "native_stderr_silenced", recording)
    monkeypatch.setattr(analysis, "training", analysis.training)  # restored after the fresh imports below
    assert experiments.import_training() is sys.modules["analysis.training"] is analysis.training
    assert silenced == [False]  # already imported: nothing to hide
    monkeypatch.delitem(sys.modules, "analysis.training")
    fresh = experiments.import_training()
    assert fresh is sys.modules["analysis.training"] and hasattr(fresh, "train_and_evaluate")
    assert silenced == [False, True]  # a first import: hidden
    monkeypatch.setattr(analysis, "_tensorflow_logs_shown", True)  # --debug
    monkeypatch.delitem(sys.modules, "analysis.training")
    experiments.import_training()
    assert silenced == [False, True, False]
