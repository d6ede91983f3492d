"""Shared fixtures: tiny synthetic MNIST files, the real MNIST when available, and whole builds made once per test run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from analysis.data import DATA_ENV_VAR, PROJECT_DIR

from builds import QUICK, SharedBuilds, read_report, run_build
from mnist_files import write_npz

# Property tests run without Hypothesis's per-example deadline: a timing assertion, which fails on a busy machine.
# The mutation run (mutation/run.py) also derandomises them, so that its score is the same from run to run.
settings.register_profile("default", deadline=None)
settings.register_profile("mutation", deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("CNN_REPORT_HYPOTHESIS_PROFILE", "default"))

SYSTEM_TESTS = Path(__file__).resolve().parent / "system"
REPORT_SCHEMA = PROJECT_DIR / "docs" / "report.schema.json"
_SCHEMA_PROBLEMS = pytest.StashKey[list]()


def pytest_collection_modifyitems(items) -> None:
    """Every test under tests/system/ builds whole reports or runs the program's processes: it is slow, by its folder."""
    for item in items:
        if Path(item.fspath).resolve().is_relative_to(SYSTEM_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def tiny_npz(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "mnist.npz")


@pytest.fixture(scope="session")
def real_mnist() -> Path:
    """The real MNIST, found the way users point at it: $CNN_REPORT_DATA, else data/mnist.npz.

    Missing data skips the test on a developer's machine but fails it under CI,
    where skipping would hide that the end-to-end tests never ran.
    """
    candidates = [Path(os.environ[DATA_ENV_VAR])] if os.environ.get(DATA_ENV_VAR) else []
    candidates.append(PROJECT_DIR / "data" / "mnist.npz")
    for candidate in candidates:
        if candidate.exists():
            return candidate
    message = f"real MNIST not found (set {DATA_ENV_VAR} or run ./setup.sh to link data/mnist.npz)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_builds(tmp_path_factory) -> SharedBuilds:
    """The whole builds of this test run, shared by every xdist worker (their base folders have a common parent)."""
    base = tmp_path_factory.getbasetemp()
    return SharedBuilds((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-builds")


@pytest.fixture(scope="session")
def editions(shared_builds) -> dict:
    """The report built on tiny synthetic data in each language (the second build reuses the first's cache).

    Each edition: its ``pdf`` path, its ``html`` text, its ``summary`` (report.json), the ``data`` file it read, and
    the ``output`` the command printed (nothing: the builds are --quiet).
    """
    settings = ("--epochs", "1", "--kernel-sizes", "3", "--seeds", "2")

    def make(folder: Path) -> None:
        data = write_npz(folder / "mnist.npz")
        for lang in ("es", "en"):
            (folder / lang).mkdir()
            out = folder / lang / "report.pdf"
            output = run_build("--out", out, "--data", data, *settings, "--cache-dir", folder / "cache", "--lang", lang)
            (folder / lang / "output.txt").write_text(output, encoding="utf-8")

    folder = shared_builds.get("editions", make)
    return {
        lang: {
            **read_report(folder / lang / "report.pdf"),
            "data": folder / "mnist.npz",
            "output": (folder / lang / "output.txt").read_text(encoding="utf-8"),
        }
        for lang in ("es", "en")
    }


@pytest.fixture(scope="session")
def quick_build(shared_builds) -> Path:
    """The QUICK build (tests/builds.py) of tiny data, made once per test run: its mnist.npz, cache/ and report.*"""

    def make(folder: Path) -> None:
        data = write_npz(folder / "mnist.npz")
        run_build("--out", folder / "report.pdf", "--data", data, "--cache-dir", folder / "cache", *QUICK)

    return shared_builds.get("quick", make)


@pytest.fixture
def quick_copy(quick_build, tmp_path) -> Path:
    """A copy of the quick build for one test to change: its data, its cache (every fit trained) and its report."""
    return Path(shutil.copytree(quick_build, tmp_path / "quick", ignore=shutil.ignore_patterns(".done")))


@pytest.fixture
def sagemaker_project(tmp_path) -> Path:
    """A student's project folder as a SageMaker job carries it (tests/sagemaker_jobs.py)."""
    from sagemaker_jobs import make_project

    return make_project(tmp_path / "assignment")


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the project's code and templates that the build fingerprints and renders from."""
    root = tmp_path / "project"
    for folder in ("analysis", "report", "templates"):
        shutil.copytree(PROJECT_DIR / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(PROJECT_DIR / "pyproject.toml", root / "pyproject.toml")
    (root / "README.md").write_text("# cnn-report\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_something.py").write_text("def test_it():\n    pass\n")
    import report.outputs
    from report.source import source_digest

    monkeypatch.setattr(report.outputs, "source_digest", lambda: source_digest(root))
    return root


@pytest.hookimpl(tryfirst=True)  # before pytest's own clean-up of the base folder
def pytest_sessionfinish(session) -> None:
    """Fail the run if a report a build wrote during it (report.json, ...) does not satisfy docs/report.schema.json.

    Under pytest-xdist the main process checks, not the workers: a worker's exit status does not reach the run's,
    and every worker's base folder (popen-gw0, ...) and the shared builds (shared-builds/) are inside the main
    process's base folder. Without xdist that folder holds everything too.
    """
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker
    base = getattr(getattr(session.config, "_tmp_path_factory", None), "_basetemp", None)
    if base is None or not base.is_dir():
        return  # no test asked for a temporary folder (and asking now would make, or empty, one)
    problems = report_schema_problems(base)
    if problems:
        session.config.stash[_SCHEMA_PROBLEMS] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config) -> None:
    problems = config.stash.get(_SCHEMA_PROBLEMS, [])
    if problems:
        terminalreporter.section(f"report.json against {REPORT_SCHEMA.relative_to(PROJECT_DIR)}", red=True)
        for problem in problems:
            terminalreporter.line(problem, red=True)


def report_schema_problems(folder: Path) -> list[str]:
    """Each way a report a build wrote under ``folder`` breaks docs/report.schema.json, as "file: where: why".

    A build writes ``name.json`` and ``name.html`` together (report/outputs.py; the cache and a SageMaker job's
    output keep them together too): a JSON file beside its HTML is a report. A report.json alone is a test's own,
    written to feed ``cnn-report compare`` (tests/reports.py: only the fields it reads, some broken on purpose).
    Left out too: JSON that is no report at all (no models and environment, as ``cnn-report compare`` tells them),
    such as the stand-in output of a SageMaker job that never ran.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
    problems = []
    for path in sorted(folder.rglob("*.json")):
        if not path.with_suffix(".html").is_file():
            continue
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path}: not JSON ({error})")
            continue
        if not (isinstance(report, dict) and "models" in report and "environment" in report):
            continue
        for error in validator.iter_errors(report):
            where = "/".join(map(str, error.absolute_path)) or "(top level)"
            problems.append(f"{path}: {where}: {error.message[:300]}")
    return problems
