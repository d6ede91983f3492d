"""The results cache: stable keys, atomic entries, and damaged entries recomputed rather than trusted."""

from __future__ import annotations

import json

from analysis.cache import ResultCache, make_key


def test_key_ignores_dict_order_but_not_values():
    assert make_key({"a": 1, "b": 2}) == make_key({"b": 2, "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})


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
