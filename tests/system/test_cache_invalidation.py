"""What a rebuild reuses and what it redoes: a template or code edit renders again, ``--force`` trains again.

The report's cache key holds a digest of the program's code and templates (:func:`report.source.source_digest`).
These tests point the build at a copy of the project (the digest's folder and the template folder), edit the copy,
and watch what the next build does: whether it hands back the cached report, renders from the cached models, or trains anew. Training is
seen in the cache itself (each model's entry is rewritten when it is trained), not in the progress text.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import report.outputs
import report.render
from report.cli import main

from builds import QUICK


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text() if path.exists() else "") + text)


def _model_entries(cache: Path) -> dict[str, int]:
    """Each trained model's cache entry and when it was last written."""
    return {path.name: path.stat().st_mtime_ns for path in cache.glob("*.json") if not path.name.startswith("report-")}


def test_template_and_code_edits_render_again_from_cached_models_and_force_trains_again(
    quick_copy, project_copy, monkeypatch
):
    # The quick build's models are cached already; this program (the copy) has never rendered a report from them.
    monkeypatch.setattr(report.render, "TEMPLATES_DIR", project_copy / "templates")
    cache, out = quick_copy / "cache", quick_copy / "out" / "report.pdf"
    out.parent.mkdir()
    data = ["--data", str(quick_copy / "mnist.npz"), "--cache-dir", str(cache)]
    arguments = ["build", "--out", str(out), *data, *QUICK, "--quiet", "--jobs", "1"]

    def build(*extra: str) -> dict:
        result = CliRunner().invoke(main, [*arguments, *extra])
        assert result.exit_code == 0, result.output
        return json.loads(out.with_suffix(".json").read_text())

    trained = _model_entries(cache)
    assert len(trained) == 5  # the baseline and the CNN, on original and on permuted pixels; the fixed order
    first = build()
    assert all(model["cached"] for model in first["models"].values())
    assert _model_entries(cache) == trained

    # Nothing changed: the finished report comes back from the cache (the same generation time: not summarised
    # again), compared with the one it replaces, itself: no "What changed" section, and no model is touched.
    second = build()
    assert first["changes"] is None and second["changes"]["nothing_changed"] is True
    assert {key: value for key, value in second.items() if key != "changes"} == {
        key: value for key, value in first.items() if key != "changes"
    }
    assert build() == second
    assert _model_entries(cache) == trained

    # A template edit: rendered again, from the cached models.
    template = project_copy / "templates" / "report.html.j2"
    template.write_text(template.read_text().replace("<body>", "<body>\n<p>An edited template.</p>", 1))
    edited = build()
    assert all(model["cached"] for model in edited["models"].values())
    assert "An edited template." in out.with_suffix(".html").read_text()
    assert _model_entries(cache) == trained

    # A code edit: rendered again too.
    _append(project_copy / "analysis" / "plan.py", "\n# An edited module.\n")
    out.with_suffix(".html").write_text("stale")
    assert all(model["cached"] for model in build()["models"].values())
    assert "An edited template." in out.with_suffix(".html").read_text()
    assert _model_entries(cache) == trained

    # --force: every model trained again (its entry rewritten), and the report made anew.
    forced = build("--force")
    assert not any(model["cached"] for model in forced["models"].values())
    retrained = _model_entries(cache)
    assert set(retrained) == set(trained)
    assert all(retrained[name] != trained[name] for name in trained), "--force reused a cached model"
