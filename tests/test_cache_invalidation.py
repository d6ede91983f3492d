"""What a rebuild reuses and what it redoes: a template or code edit renders again, ``--force`` trains again.

The report's cache key holds a digest of the program's code and templates (:func:`report.source.source_digest`).
These tests point the build at a copy of the project (the digest's folder and the template folder), edit the copy,
and watch what the next build does: whether it hands back the cached report, renders from the cached models, or trains anew. Training is
seen in the cache itself (each model's entry is rewritten when it is trained), not in the progress text.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import report.build
import report.render
from analysis.data import load_dataset
from report.build import _report_key
from report.cli import main
from report.config import BuildConfig
from report.source import source_digest

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the project's code and templates that the build fingerprints and renders from."""
    root = tmp_path / "project"
    for folder in ("analysis", "report", "templates"):
        shutil.copytree(PROJECT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(PROJECT / "pyproject.toml", root / "pyproject.toml")
    (root / "README.md").write_text("# cnn-report\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_something.py").write_text("def test_it():\n    pass\n")
    monkeypatch.setattr(report.build, "source_digest", lambda: source_digest(root))
    return root


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text() if path.exists() else "") + text)


@pytest.mark.parametrize("edited", [
    "templates/report.html.j2", "templates/probes.html.j2", "templates/report.css", "templates/i18n/es/report.json",
    "templates/a_new_partial.html.j2", "analysis/experiments.py", "analysis/training.py", "analysis/a_new_module.py",
    "templates/experiment.html.j2", "analysis/architectures.py", "report/summary.py", "report/render.py",
    "report/i18n.py", "pyproject.toml",
])
def test_editing_code_or_templates_changes_the_fingerprint(project_copy, edited):
    before = source_digest(project_copy)
    assert source_digest(project_copy) == before  # stable while nothing changes
    _append(project_copy / edited, "\n")
    assert source_digest(project_copy) != before, f"an edit of {edited} would reuse the report rendered before it"


@pytest.mark.parametrize("edited", ["README.md", "tests/test_something.py"])
def test_editing_what_the_report_does_not_depend_on_keeps_the_fingerprint(project_copy, edited):
    before = source_digest(project_copy)
    _append(project_copy / edited, "\n# more\n")
    assert source_digest(project_copy) == before


def test_the_report_key_follows_every_setting_that_changes_the_report(tmp_path, tiny_npz, monkeypatch):
    dataset = load_dataset(tiny_npz)
    base = BuildConfig(out=tmp_path / "r.pdf", data=tiny_npz)
    key = _report_key(base, dataset)
    assert _report_key(BuildConfig(out=tmp_path / "r.pdf", data=tiny_npz), dataset) == key
    changed = [BuildConfig(out=tmp_path / "r.pdf", data=tiny_npz, **option) for option in (
        {"epochs": 9}, {"batch_size": 64}, {"seed": 1}, {"seeds": 2}, {"limit_train": 100}, {"kernel_sizes": (3, 5)},
        {"lang": "es"},
    )]
    assert len({_report_key(config, dataset) for config in changed} | {key}) == len(changed) + 1
    assert _report_key(base, replace(dataset, sha256="f" * 64)) != key
    # Neither --quiet, nor where the cache lives, nor how many fits train at once changes what the report says.
    same = BuildConfig(out=tmp_path / "r.pdf", data=tiny_npz, quiet=True, cache_dir=tmp_path / "elsewhere", jobs=2)
    assert _report_key(same, dataset) == key
    # Other program code or templates: another report.
    monkeypatch.setattr(report.build, "source_digest", lambda: "another program")
    assert _report_key(base, dataset) != key


def _model_entries(cache: Path) -> dict[str, int]:
    """Each trained model's cache entry and when it was last written."""
    return {path.name: path.stat().st_mtime_ns for path in cache.glob("*.json") if not path.name.startswith("report-")}


def test_template_and_code_edits_render_again_from_cached_models_and_force_trains_again(
    tmp_path, tiny_npz, project_copy, monkeypatch
):
    monkeypatch.setattr(report.render, "TEMPLATES_DIR", project_copy / "templates")
    cache, out = tmp_path / "cache", tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    arguments = ["build", "--out", str(out), "--data", str(tiny_npz), "--epochs", "1", "--kernel-sizes", "3",
                 "--seeds", "1", "--cache-dir", str(cache), "--quiet"]

    def build(*extra: str) -> dict:
        result = CliRunner().invoke(main, [*arguments, *extra])
        assert result.exit_code == 0, result.output
        return json.loads(out.with_suffix(".json").read_text())

    first = build()
    trained = _model_entries(cache)
    assert len(trained) >= 4  # the baseline and the CNN, on original and on permuted pixels
    assert not any(model["cached"] for model in first["models"].values())

    # Nothing changed: the finished report comes back as it was, and no model is touched.
    assert build() == first
    assert _model_entries(cache) == trained

    # A template edit: rendered again, from the cached models.
    template = project_copy / "templates" / "report.html.j2"
    template.write_text(template.read_text().replace("<body>", "<body>\n<p>An edited template.</p>", 1))
    edited = build()
    assert all(model["cached"] for model in edited["models"].values())
    assert "An edited template." in out.with_suffix(".html").read_text()
    assert _model_entries(cache) == trained

    # A code edit: rendered again too.
    _append(project_copy / "analysis" / "experiments.py", "\n# An edited module.\n")
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
