"""The codebase's shape, as docs/architecture.md describes it: modules that import each other without a circle, none
much over 400 lines, TensorFlow imported only where models are built or trained, and ruff's checks clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("analysis", "report")
# The modules that build or train models, and so import TensorFlow (through Keras) when they are imported.
TENSORFLOW_MODULES = {"analysis.models", "analysis.training"}
# Imports of Keras inside one function, where nothing else would do: Keras's own download of MNIST, the last resort
# of the data search, needs internet and is never taken where the data is found.
LATE_TENSORFLOW_IMPORTS = {("analysis.data", "_download_with_keras")}
MAX_LINES = 400
# A module may run a little over MAX_LINES before it is split, but no further.
TOLERANCE = 1.1


def modules() -> dict[str, Path]:
    """Every module of the program, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(path: Path, known: set[str]) -> set[str]:
    """The program's modules ``path`` imports, at the top or inside a function (a late import is still an import)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        names.update(candidate for candidate in candidates if candidate in known)
    return names


def test_no_module_imports_another_in_a_circle():
    known = modules()
    graph = {name: imported(path, set(known)) - {name} for name, path in known.items()}
    visiting, done = [], set()

    def visit(module: str) -> None:
        assert module not in visiting, f"import circle: {' -> '.join(visiting[visiting.index(module) :] + [module])}"
        if module in done:
            return
        visiting.append(module)
        for other in sorted(graph.get(module, ())):
            visit(other)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_every_package_is_installed():
    """A folder of modules missing from pyproject.toml's packages works here (run from the tree) and nowhere else:
    not in a wheel, not in a SageMaker job."""
    import tomllib

    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for package in PACKAGES
        for path in (ROOT / package).rglob("__init__.py")
    }
    assert found - declared == set()


def test_no_module_is_much_over_400_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: lines for name, lines in lengths.items() if lines > MAX_LINES * TOLERANCE} == {}


def test_tensorflow_is_imported_only_by_the_modules_that_build_or_train_models():
    # In the source: Keras and TensorFlow at the top of those modules only, and inside the one function allowed.
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        enclosing = {}
        for function in (node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))):
            enclosing.update({id(child): function.name for child in ast.walk(function)})
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            if any(imported_name.split(".")[0] in ("keras", "tensorflow") for imported_name in names):
                where = enclosing.get(id(node))
                allowed = name in TENSORFLOW_MODULES or (name, where) in LATE_TENSORFLOW_IMPORTS
                assert allowed, f"{path.relative_to(ROOT)}:{node.lineno} imports {names[0]}"
    # And when run: every other module imported, with all it imports, leaves TensorFlow unloaded.
    others = sorted(set(modules()) - TENSORFLOW_MODULES - {"report.sagemaker.entry"})
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in others)
        + "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert finished.stdout.strip() == "[]"


def test_checking_a_design_never_imports_tensorflow(tmp_path):
    """A cached rebuild must stay free of TensorFlow's import: everything up to building a model is plain Python."""
    (tmp_path / "net.py").write_text("import keras\n\ndef make_model(kernel=3):\n    raise RuntimeError\n")
    script = f"""
import sys
from pathlib import Path
from analysis.design import DEFAULT_EXPERIMENT, apply_variant, check_experiment, read_design, read_experiment
from analysis.layers import read_network
from analysis.plan import design_fits
from analysis.fits import TrainingSettings
cnn = read_network({{"layers": [{{"type": "conv", "filters": 8, "kernel": 3}}, {{"type": "maxpool"}}, {{"type": "flatten"}}]}},
                   "cnn", "f", Path("."))
check_experiment(cnn, read_experiment({{"vary": "pooling", "values": ["max", "avg", "none"]}}, "f"), "f")
built = read_network({{"builder": "net.py:make_model"}}, "cnn", "f", Path({str(tmp_path)!r}))
check_experiment(built, DEFAULT_EXPERIMENT, "f")
for variant in (apply_variant(cnn, "width", 2), apply_variant(built, "kernel", 5)):
    variant.describe()
design_fits(TrainingSettings(), (1, 2), read_design(None, None, "f", Path(".")))
print(sorted(name for name in ("tensorflow", "keras") if name in sys.modules))
"""
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert finished.stdout.strip() == "[]"


def test_ruff_finds_nothing():
    """The linter configured in pyproject.toml ([tool.ruff]) passes on the program, its tests and its tools."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    finished = subprocess.run([ruff, "check", "--no-cache", "."], capture_output=True, text=True, cwd=ROOT)
    assert finished.returncode == 0, finished.stdout[-3000:]
