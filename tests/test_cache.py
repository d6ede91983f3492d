"""The results cache: stable keys, atomic entries, and damaged entries recomputed rather than trusted."""

from __future__ import annotations

import json

from analysis.cache import ResultCache, make_key
from analysis.data import load_dataset
from analysis.experiments import BASELINE, cnn, experiment_key, plan_experiments
from analysis.fits import TrainingSettings
from report.build import _report_key
from report.config import BuildConfig


def test_key_ignores_dict_order_but_not_values():
    assert make_key({"a": 1, "b": 2}) == make_key({"b": 2, "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})


def test_experiment_key_changes_with_everything_that_changes_results():
    settings = TrainingSettings()
    key = experiment_key(cnn(3), settings, "abc")
    assert key == experiment_key(cnn(3), TrainingSettings(), "abc")
    assert key != experiment_key(cnn(5), settings, "abc")
    assert key != experiment_key(BASELINE, settings, "abc")
    assert key != experiment_key(cnn(3), TrainingSettings(epochs=9), "abc")
    assert key != experiment_key(cnn(3), TrainingSettings(batch_size=64), "abc")
    assert key != experiment_key(cnn(3), TrainingSettings(seed=1), "abc")
    assert key != experiment_key(cnn(3), TrainingSettings(limit_train=100), "abc")
    assert key != experiment_key(cnn(3), settings, "abd")


def test_experiment_key_changes_with_the_onednn_setting(monkeypatch):
    # oneDNN's kernels round differently: a model trained without them is not the one the default build caches.
    key = experiment_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert experiment_key(cnn(3), TrainingSettings(), "abc") != key


def test_a_finished_report_is_not_reused_across_onednn_settings(monkeypatch, tiny_npz):
    # Its numbers come from models trained with or without oneDNN, so the report's key follows the setting too.
    config, dataset = BuildConfig(out=tiny_npz.parent / "r.pdf"), load_dataset(tiny_npz)
    key = _report_key(config, dataset)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert _report_key(config, dataset) != key


def test_the_3x3_sweep_run_is_the_main_cnn():
    assert [spec.name for spec in plan_experiments((3, 5, 7))] == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [spec.name for spec in plan_experiments((5,))] == ["baseline", "cnn_k3", "cnn_k5"]


def test_store_then_load_round_trips(tmp_path):
    cache = ResultCache(tmp_path)
    cache.store("k1", {"what": "test"}, {"value": 1.5})
    assert cache.load("k1", required_fields=("value",)) == {"value": 1.5}
    assert cache.load("missing") is None
    assert [p.name for p in tmp_path.iterdir()] == ["k1.json"]  # no temporary files left


def test_damaged_entries_warn_and_read_as_missing(tmp_path):
    warnings = []
    cache = ResultCache(tmp_path, on_warning=warnings.append)
    cache.store("k1", {}, {"value": 1})
    full = cache.path_for("k1").read_text()

    cache.path_for("k1").write_text(full[: len(full) // 2])  # truncated
    assert cache.load("k1") is None

    entry = json.loads(full)
    cache.path_for("k1").write_text(json.dumps(entry | {"schema": 999}))  # another version
    assert cache.load("k1") is None

    cache.path_for("k1").write_text(full)
    assert cache.load("k1", required_fields=("value", "params")) is None  # wrong shape

    cache.path_for("k2").write_text(full)  # renamed: key does not match
    assert cache.load("k2") is None

    assert len(warnings) == 4
    assert all("ignored and recomputed" in warning for warning in warnings)


def test_the_course_networks_keep_the_cache_keys_they_had_before_networks_were_specs():
    # Keys as experiment_key built them when a model was ("baseline" | "cnn", kernel size): results cached by
    # earlier versions are found, not retrained.
    from analysis.environment import training_environment, training_versions

    settings = TrainingSettings(epochs=2, limit_train=3000)
    for spec, model in ((BASELINE, {"architecture": "baseline", "kernel_size": None}),
                        (cnn(5), {"architecture": "cnn", "kernel_size": 5})):
        before = make_key({"model": model, "settings": settings.to_dict(), "data_sha256": "abc",
                           "versions": training_versions(), **training_environment()})
        assert experiment_key(spec, settings, "abc") == before
