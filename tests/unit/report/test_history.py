"""A report's history: one entry per build, bounded, kept per report, and a damaged file started afresh."""

from __future__ import annotations

import json

from report.history import MAX_ENTRIES, extended, headline, history_path, read_history, write_history

import synthetic


def _report() -> dict:
    return json.loads(json.dumps(synthetic.build().summary()))


def test_an_entry_holds_the_baseline_and_the_main_cnn_with_their_spread():
    entry = headline(_report())
    assert entry["main"] == "cnn_k3"
    # 30, 28, 26 mistakes on 1,000 test images: 97.20% ± 0.20%.
    assert entry["models"]["baseline"]["test_accuracy"] == 0.972
    assert abs(entry["models"]["baseline"]["test_accuracy_std"] - 0.002) < 1e-12
    assert set(entry["models"]) == {"baseline", "cnn_k3"}


def test_the_history_is_bounded_oldest_dropped_first():
    report = _report()
    entries = [{**headline(report), "generated_at": f"build {index}"} for index in range(MAX_ENTRIES)]
    longer = extended(entries, report)
    assert len(longer) == MAX_ENTRIES
    assert longer[0]["generated_at"] == "build 1" and longer[-1] == headline(report)


def test_written_and_read_back(tmp_path):
    path = history_path(tmp_path / "cache", tmp_path / "report.pdf")
    entries = extended([], _report())
    write_history(path, entries, warn=lambda message: None)
    assert read_history(path, warn=lambda message: None) == entries


def test_each_report_has_its_own_history(tmp_path):
    assert history_path(tmp_path, tmp_path / "a.pdf") != history_path(tmp_path, tmp_path / "b.pdf")
    assert history_path(tmp_path, tmp_path / "a.pdf") == history_path(tmp_path, tmp_path / "x" / ".." / "a.pdf")


def test_a_damaged_history_is_reported_and_started_afresh(tmp_path):
    path = tmp_path / "history.json"
    warnings = []
    for damage in ("{truncated", '{"not": "a list"}', '[{"generated_at": 1}]'):
        path.write_text(damage)
        assert read_history(path, warnings.append) == []
    assert len(warnings) == 3 and all(str(path) in warning and "damaged" in warning for warning in warnings)
    assert read_history(tmp_path / "missing.json", warnings.append) == [] and len(warnings) == 3


def test_a_history_that_cannot_be_written_is_a_warning(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    warnings = []
    write_history(blocker / "history" / "x.json", [], warnings.append)
    assert len(warnings) == 1 and "cannot keep the report's history" in warnings[0]
