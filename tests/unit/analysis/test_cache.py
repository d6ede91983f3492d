"""The results cache: stable keys, atomic entries, and damaged entries recomputed rather than trusted."""

from __future__ import annotations

import json

from analysis.cache import ResultCache, make_key
from analysis.fits import TrainingSettings
from analysis.runner import fit_key

from course import BASELINE, cnn


def test_key_ignores_dict_order_but_not_values():
    assert make_key({"a": 1, "b": 2}) == make_key({"b": 2, "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})


def test_experiment_key_changes_with_everything_that_changes_results():
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


def test_experiment_key_changes_with_the_onednn_setting(monkeypatch):
    # oneDNN's kernels round differently: a model trained without them is not the one the default build caches.
    key = fit_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key


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
    # Keys as fit_key built them when a model was ("baseline" | "cnn", kernel size): results cached by
    # earlier versions are found, not retrained.
    from analysis.environment import training_environment, training_versions

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
