"""A build that knows the one before it: three builds on the same --out, as a student rebuilding after a change."""

from __future__ import annotations

import json

from pypdf import PdfReader

from builds import QUICK, run_build


def _text(pdf) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)


def _fits(cache) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in cache.glob("*.json") if not path.name.startswith("report-")}


def test_a_rebuild_after_a_change_says_what_changed_and_one_with_no_change_says_it_is_the_same(quick_copy):
    cache, out = quick_copy / "cache", quick_copy / "out" / "report.pdf"
    out.parent.mkdir()
    common = ("--out", out, "--data", quick_copy / "mnist.npz", "--cache-dir", cache)

    run_build(*common, *QUICK)
    first = json.loads(out.with_suffix(".json").read_text())
    assert first["changes"] is None and len(first["history"]) == 1
    assert "What changed since the last report" not in _text(out)

    # Two epochs instead of one: every model trained again, compared with the report it replaces.
    run_build(*common, *QUICK, "--epochs", "2")
    second = json.loads(out.with_suffix(".json").read_text())
    changes = second["changes"]
    assert changes["previous"]["generated_at"] == first["environment"]["generated_at"]
    assert changes["settings"] == [{"name": "epochs", "old": 1, "new": 2}]
    assert changes["metrics_unchanged"] + len(changes["metrics"]) == 4  # two models, accuracy and loss
    text = _text(out)
    assert "What changed since the last report" in text and "epochs: 1 → 2" in text
    assert "Test accuracy over the last 2 builds of this report" in text
    assert len(second["history"]) == 2

    # The same again: nothing trained, nothing summarised again (the same generation time: the report kept in the
    # cache), and the report says it is the same as the last one.
    fits = _fits(cache)
    run_build(*common, *QUICK, "--epochs", "2")
    third = json.loads(out.with_suffix(".json").read_text())
    assert _fits(cache) == fits
    assert third["changes"]["nothing_changed"] is True
    assert third["environment"]["generated_at"] == second["environment"]["generated_at"]
    text = _text(out)
    assert "What changed since the last report" not in text
    assert f"the same as the report of {second['environment']['generated_at']}" in text
