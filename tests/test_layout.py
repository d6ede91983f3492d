"""The analysis package's modules import each other without a circle: the shared types live in analysis.fits."""

from __future__ import annotations

import ast
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


def imported_modules(path: Path) -> set[str]:
    """The analysis modules ``path`` imports, at the top or inside a function (a late import is still an import)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("analysis."))
    return names - {path.stem}


def test_no_module_of_analysis_imports_another_in_a_circle():
    graph = {path.stem: imported_modules(path) for path in ANALYSIS.glob("*.py") if path.stem != "__init__"}
    visiting, done = [], set()

    def visit(module: str) -> None:
        assert module not in visiting, f"import circle: {' -> '.join(visiting[visiting.index(module):] + [module])}"
        if module in done:
            return
        visiting.append(module)
        for imported in sorted(graph.get(module, ())):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_experiments_training_and_probes_share_the_types_of_fits():
    for module in ("experiments", "training", "probes", "workers"):
        imports = imported_modules(ANALYSIS / f"{module}.py")
        assert "fits" in imports, module
    assert "experiments" not in imported_modules(ANALYSIS / "probes.py")
    assert "experiments" not in imported_modules(ANALYSIS / "training.py")
