"""Running one fit, with a stand-in for training (tests/unit/analysis/conftest.py): what is trained, when, and what
is read back from the cache."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pytest

import analysis.runner as runner
from analysis.cache import ResultCache, make_key
from analysis.environment import training_environment, training_versions
from analysis.fits import Fit, FitEvents, TrainingSettings
from analysis.runner import fit_key, run_fit

from course import BASELINE, cnn


class Recorder(FitEvents):
    def __init__(self):
        self.events = []

    def started(self, fit):
        self.events.append(("started", fit.label))

    def epoch_finished(self, fit, epoch, seconds, logs):
        self.events.append(("epoch", fit.label, epoch, seconds, dict(logs)))

    def finished(self, fit, result):
        self.events.append(("finished", fit.label, result.cached))


def test_a_model_is_trained_once_then_read_back_and_force_trains_it_again(tmp_path, training, dataset):
    cache, settings, events = ResultCache(tmp_path), TrainingSettings(epochs=2, seed=7), Recorder()
    fit = Fit(cnn(5), settings)
    first = run_fit(fit, dataset, cache, events=events)
    assert training.calls == [("cnn_k5", 7, 2, None)]
    assert first.cached is False and first.test_accuracy == pytest.approx(0.993)
    # Each epoch's time and Keras's logs reach the progress display as training reported them.
    assert events.events == [
        ("started", "cnn_k5 seed 7"),
        ("epoch", "cnn_k5 seed 7", 1, 0.5, {"loss": 0.1}),
        ("finished", "cnn_k5 seed 7", False),
    ]
    assert not list(tmp_path.glob("*.keras")), "a fit that does not keep its model stored one"

    events.events.clear()
    again = run_fit(fit, dataset, cache, events=events)
    assert len(training.calls) == 1, "a cached model was trained again"
    assert again.cached is True
    assert events.events == [("finished", "cnn_k5 seed 7", True)]
    for name in (
        "name",
        "params",
        "test_accuracy",
        "test_loss",
        "epochs",
        "train_seconds",
        "history",
        "layers",
        "probes",
    ):
        assert getattr(again, name) == getattr(first, name), name
    np.testing.assert_array_equal(again.test_predictions, first.test_predictions)

    forced = run_fit(fit, dataset, cache, force=True)
    assert len(training.calls) == 2 and forced.cached is False
    # Other settings or other data are another model: trained, not read back.
    run_fit(Fit(cnn(5), replace(settings, batch_size=64)), dataset, cache)
    run_fit(Fit(cnn(5), replace(settings, reshuffle=False)), dataset, cache)
    run_fit(fit, replace(dataset, sha256="a" * 64), cache)
    assert len(training.calls) == 5


def test_a_fit_that_keeps_its_model_is_finished_only_with_the_model_file(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(seed=3)
    fit = Fit(cnn(3), settings, keep_model=True)
    run_fit(fit, dataset, cache)
    model = cache.model_path(fit_key(fit.spec, settings, dataset.sha256))
    assert model.read_bytes() == b"a trained model"
    assert run_fit(fit, dataset, cache).cached is True and len(training.calls) == 1
    model.unlink()
    assert run_fit(fit, dataset, cache).cached is False and len(training.calls) == 2
    assert model.is_file()
    # The same network and settings without keeping the model: the result is enough.
    assert run_fit(Fit(cnn(3), settings), dataset, cache).cached is True


def test_a_cached_entry_is_stored_with_what_describes_it(tmp_path, training, dataset):
    cache, settings = ResultCache(tmp_path), TrainingSettings(seed=3)
    run_fit(Fit(BASELINE, settings), dataset, cache)
    entry = cache.path_for(fit_key(BASELINE, settings, dataset.sha256))
    stored = json.loads(entry.read_text())
    assert stored["description"] == {
        "model": {"architecture": "baseline", "kernel_size": None},
        "settings": settings.to_dict(),
        "data_sha256": dataset.sha256,
    }
    assert stored["result"]["name"] == "baseline" and stored["result"]["test_loss"] == pytest.approx(0.003)


def test_a_cached_entry_missing_a_field_is_trained_again_not_trusted(tmp_path, training, dataset):
    warnings: list[str] = []
    cache, settings = ResultCache(tmp_path, on_warning=warnings.append), TrainingSettings(seed=3)
    run_fit(Fit(BASELINE, settings), dataset, cache)
    path = cache.path_for(fit_key(BASELINE, settings, dataset.sha256))
    entry = json.loads(path.read_text())
    del entry["result"]["probes"]  # as an older version of cnn-report would have stored it
    path.write_text(json.dumps(entry))
    result = run_fit(Fit(BASELINE, settings), dataset, cache)
    assert len(training.calls) == 2 and result.cached is False
    assert warnings and "it lacks probes" in warnings[0]


def test_the_fit_key_changes_with_the_validation_split():
    assert fit_key(BASELINE, TrainingSettings(), "a") != fit_key(BASELINE, TrainingSettings(validation_split=0.2), "a")


def test_training_is_imported_on_first_use_with_its_start_up_lines_hidden_unless_asked_for(monkeypatch):
    """TensorFlow's native start-up lines are hidden while analysis.training is first imported, unless --debug."""
    import analysis
    import analysis.training

    silenced: list[bool] = []

    @contextmanager
    def recording(enabled: bool = True):
        silenced.append(enabled)
        yield

    monkeypatch.setattr(runner, "native_stderr_silenced", recording)
    monkeypatch.setattr(analysis, "training", analysis.training)  # restored after the fresh imports below
    assert runner.import_training() is sys.modules["analysis.training"] is analysis.training
    assert silenced == [False]  # already imported: nothing to hide
    monkeypatch.delitem(sys.modules, "analysis.training")
    fresh = runner.import_training()
    assert fresh is sys.modules["analysis.training"] and hasattr(fresh, "train_and_evaluate")
    assert silenced == [False, True]  # a first import: hidden
    monkeypatch.setattr(analysis, "_tensorflow_logs_shown", True)  # --debug
    monkeypatch.delitem(sys.modules, "analysis.training")
    runner.import_training()
    assert silenced == [False, True, False]


def test_the_fit_key_changes_with_everything_that_changes_results():
    settings = TrainingSettings()
    key = fit_key(cnn(3), settings, "abc")
    assert key == fit_key(cnn(3), TrainingSettings(), "abc")
    assert key != fit_key(cnn(5), settings, "abc")
    assert key != fit_key(BASELINE, settings, "abc")
    assert key != fit_key(cnn(3), TrainingSettings(epochs=9), "abc")
    assert key != fit_key(cnn(3), TrainingSettings(batch_size=64), "abc")
    assert key != fit_key(cnn(3), TrainingSettings(seed=1), "abc")
    assert key != fit_key(cnn(3), TrainingSettings(limit_train=100), "abc")
    assert key != fit_key(cnn(3), settings, "abd")


def test_the_fit_key_changes_with_the_onednn_setting(monkeypatch):
    # oneDNN's kernels round differently: a model trained without them is not the one the default build caches.
    key = fit_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key


def test_the_course_networks_keep_the_cache_keys_they_had_before_networks_were_specs():
    # Keys as fit_key built them when a model was ("baseline" | "cnn", kernel size): results cached by
    # earlier versions are found, not retrained.
    from analysis.environment import training_environment

    settings = TrainingSettings(epochs=2, limit_train=3000)
    for spec, model in (
        (BASELINE, {"architecture": "baseline", "kernel_size": None}),
        (cnn(5), {"architecture": "cnn", "kernel_size": 5}),
    ):
        before = make_key(
            {
                "model": model,
                "settings": settings.to_dict(),
                "data_sha256": "abc",
                "versions": training_versions(),
                **training_environment(),
            }
        )
        assert fit_key(spec, settings, "abc") == before


def test_the_instruction_set_and_the_thread_count_are_in_every_trained_results_key(monkeypatch):
    key = fit_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setattr(
        "analysis.environment.instruction_set", lambda cpuinfo=None: {"name": "avx2", "description": "AVX2"}
    )
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key
    monkeypatch.undo()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    assert training_environment()["threads"] == "2"
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key
