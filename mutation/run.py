#!/usr/bin/env python3
"""Mutation testing of the code that decides what the report says, against the fast tests. On demand, never in CI.

    nice -n 19 .venv/bin/python mutation/run.py                 # everything below (see README.md for timings)
    nice -n 19 .venv/bin/python mutation/run.py --only summary  # the targets whose name contains "summary"
    .venv/bin/python mutation/run.py --only summary --function _compare  # one function's mutants, after editing it

mutmut (3.x) plants one small bug at a time (a flipped comparison, a changed constant, a dropped argument) in
TARGETS and runs the tests that reach the mutated function; a mutant the tests do not catch *survived*. The run
happens in a temporary copy of this working tree, so nothing here changes (and `mutants/` never lands in the repo).

It prints each survivor with its diff and the score per target: killed / (killed + survived + no tests), a timeout
counting as killed. Survivors already explained in SURVIVORS.md (by function and mutated line) are marked so; the
rest are new and need a test or an explanation there. Exits 1 when a target scores below --target (0.9) or a
survivor is unexplained, 2 when the run itself fails.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVIVORS_FILE = Path(__file__).resolve().with_name("SURVIVORS.md")

# Module file -> the functions whose mutants count ("*": every function and method of the module). Only the input
# pipeline of training.py is a target: the rest of it trains models, which the fast tests do not do. Of report/summary/,
# every module but plan.py, the stand-in results that the notes are checked against before training (no number of
# theirs reaches a report; tests/system/test_project.py checks their structure in whole builds).
TARGETS: dict[str, tuple[str, ...] | str] = {
    "report/summary/document.py": ("summarize", "summarize_settings", "summarize_environment"),
    "report/summary/dataset.py": ("summarize_dataset", "classes_balanced", "rarest_digit", "commonest_digit", "_digit"),
    "report/summary/models.py": (
        "summarize_model",
        "confusion_matrix",
        "mean_history",
        "top_confusions",
        "typed_layers",
    ),
    "report/summary/networks.py": ("summarize_networks",),
    "report/summary/comparison.py": ("compare", "final_gap"),
    "report/summary/experiment.py": ("summarize_experiment", "summarize_variant", "is_monotonic"),
    "report/summary/probes.py": (
        "summarize_probes",
        "summarize_translation",
        "summarize_permutation",
        "summarize_data_efficiency",
        "accuracy_over_seeds",
        "advantage_largest_first",
        "summarize_inside",
        "summarize_epoch_order",
    ),
    "report/summary/spread.py": ("differs_beyond_spread",),
    "report/summary/claims.py": "*",
    "report/changes.py": "*",
    "report/history.py": "*",
    "analysis/plan.py": "*",
    "analysis/runner.py": "*",
    "analysis/training.py": ("split_for_validation", "scale_images", "make_pipelines", "_make_pipeline"),
}
# The fast tests the mutants are run against: unit tests of the targets, on synthetic data, a few seconds each. A
# folder stands for every test file in it.
TESTS = [
    "tests/unit/report/summary/",
    "tests/unit/templates/test_wording.py",
    "tests/unit/analysis/test_plan.py",
    "tests/unit/analysis/test_runner.py",
    "tests/unit/analysis/test_fits.py",
    "tests/unit/analysis/test_cache.py",
    "tests/unit/analysis/test_training.py",
    "tests/unit/analysis/test_training_pipeline.py",
    "tests/unit/analysis/test_training_epoch_order.py",
    "tests/unit/analysis/test_probes.py",
    "tests/unit/analysis/test_eda.py",
    "tests/unit/analysis/test_models.py",
    "tests/unit/analysis/test_layers.py",
    "tests/unit/analysis/test_shapes.py",
    "tests/unit/analysis/test_design.py",
    "tests/unit/analysis/test_variables.py",
    "tests/unit/report/test_changes.py",
    "tests/unit/report/test_history.py",
    "tests/unit/report/test_change_views.py",
    "tests/unit/report/test_report_schema.py",
    "tests/unit/templates/test_changes_wording.py",
]
# Test files deliberately left out: whole builds (tests/system/, minutes per mutant), worker processes, AWS mocks, the
# real MNIST's files, the command line, the figures (drawn from the summary; no target of theirs). A test file in
# neither list is reported, so that a new one is placed on purpose.
NOT_RUN = [
    "tests/system/",
    "tests/unit/test_architecture.py",
    "tests/unit/test_docs.py",
    "tests/unit/report/sagemaker/",
    "tests/unit/analysis/test_workers.py",
    "tests/unit/analysis/test_data.py",
    "tests/unit/analysis/test_environment.py",
    "tests/unit/analysis/test_builder.py",
    "tests/unit/report/test_cli.py",
    "tests/unit/report/test_config.py",
    "tests/unit/report/test_options.py",
    "tests/unit/report/test_project.py",
    "tests/unit/report/test_scaffold.py",
    "tests/unit/report/test_notes.py",
    "tests/unit/report/test_outputs.py",
    "tests/unit/report/test_source.py",
    "tests/unit/report/test_progress.py",
    "tests/unit/report/test_signals.py",
    "tests/unit/report/test_i18n.py",
    "tests/unit/report/test_outline.py",
    "tests/unit/report/test_labels.py",
    "tests/unit/report/test_figures.py",
    "tests/unit/report/test_compare_command.py",
    "tests/unit/report/test_previous.py",
    "tests/unit/report/test_notify.py",
    "tests/unit/report/notebook/",
]
# Tests marked slow build whole reports; Hypothesis runs without deadlines (a timing assertion, and mutmut's
# trampolines slow every call) and derandomised, so that two runs on the same code give the same score.
PYTEST_ARGUMENTS = ["-m", "not slow", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]

STATUS_BY_EXIT_CODE = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -9: "segfault",
    -11: "segfault",
}
CAUGHT = {"killed", "timeout"}
MUTANT_NAME = re.compile(
    r"^(?P<module>[\w.]+?)\.x(?:_(?P<function>\w+?)|ǁ(?P<class>\w+)ǁ(?P<method>\w+?))__mutmut_(?P<number>\d+)$"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run only the targets whose path contains this text")
    parser.add_argument(
        "--function",
        action="append",
        metavar="NAME",
        help="run only the mutants of this target function (repeatable): a quick check after a change",
    )
    parser.add_argument(
        "--max-children",
        type=int,
        default=max(1, (os.cpu_count() or 2) - 1),
        help="mutants tested at once (default: one per CPU but one; 1 on a shared machine)",
    )
    parser.add_argument("--target", type=float, default=0.9, help="the lowest acceptable score per target")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    options = parser.parse_args()

    targets = {path: functions for path, functions in TARGETS.items() if not options.only or options.only in path}
    if options.function:
        # Each target keeps the names it lists, or, where every function is a target ("*"), those it defines.
        targets = {
            path: tuple(f for f in options.function if f in (_functions_in(path) if functions == "*" else functions))
            for path, functions in targets.items()
        }
        targets = {path: functions for path, functions in targets.items() if functions}
        unknown = sorted(set(options.function) - {f for functions in targets.values() for f in functions})
        if unknown:
            print(f"--function {', '.join(unknown)}: no target function of that name", file=sys.stderr)
            return 2
    if not targets:
        print(
            f"no target matches --only {options.only!r} and --function {options.function}; targets: {', '.join(TARGETS)}",
            file=sys.stderr,
        )
        return 2
    _check_test_lists()

    work = options.keep or Path(tempfile.mkdtemp(prefix="cnn-report-mutation-"))
    # A SIGTERM (a closed terminal, a killed job) ends the run like Ctrl-C, so that mutmut's processes are ended too.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
    try:
        _copy_working_tree(work)
        _configure(work / "pyproject.toml", targets)
        started = time.monotonic()
        names = [
            _name_glob(path, function)
            for path, functions in targets.items()
            for function in (("*",) if functions == "*" else functions)
        ]
        # The copy is imported from its own folder: the installed package and $CNN_REPORT_DATA must not leak in.
        environment = {key: value for key, value in os.environ.items() if key not in ("CNN_REPORT_DATA", "CI")}
        environment["CNN_REPORT_HYPOTHESIS_PROFILE"] = "mutation"
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(options.max_children), *names]
        print("$", " ".join(command), f"(in {work})", flush=True)
        returncode = _run_in_own_group(command, work, environment)
        if returncode != 0:
            print(f"mutmut failed (exit {returncode}); rerun with --keep DIR and see DIR/mutants", file=sys.stderr)
            return 2
        results = _read_results(work, targets)
        return _report(work, results, targets, options.target, time.monotonic() - started)
    finally:
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _run_in_own_group(command: list[str], work: Path, environment: dict[str, str]) -> int:
    """Run mutmut in a process group of its own, and end the whole group (its fork server and workers) if we stop."""
    process = subprocess.Popen(command, cwd=work, env=environment, start_new_session=True)
    try:
        return process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _check_test_lists() -> None:
    listed = [*TESTS, *NOT_RUN]
    files = (str(path.relative_to(ROOT)) for path in ROOT.glob("tests/**/test_*.py"))
    unplaced = sorted(
        name for name in files if not any(name == entry or name.startswith(entry) for entry in listed if entry)
    )
    for path in unplaced:
        print(f"note: {path} is in neither TESTS nor NOT_RUN of mutation/run.py; it is not run against the mutants")


def _copy_working_tree(work: Path) -> None:
    """This working tree as it is now (committed or not), without ignored files."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _configure(pyproject: Path, targets: dict) -> None:
    tests = [test for test in TESTS if (pyproject.parent / test).exists()]
    settings = {
        "source_paths": ["analysis/", "report/"],
        "only_mutate": list(targets),
        # docs/report.schema.json: the tests check every report.json against it.
        "also_copy": ["templates/", "tests/", "docs/"],
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": PYTEST_ARGUMENTS,
        # Each mutant is tested in a process forked from a server that has imported the tests (TensorFlow included)
        # but run none: forking a process whose TensorFlow thread pools are running can deadlock.
        "process_isolation": "forkserver",
        "forkserver_warmup": "collect",
        "use_git_change_detection": False,
    }
    text = pyproject.read_text(encoding="utf-8")
    if "[tool.mutmut]" in text:
        raise SystemExit("pyproject.toml already has a [tool.mutmut] section; mutation/run.py writes its own")
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    pyproject.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def _functions_in(path: str) -> set[str]:
    """The names of the functions and methods ``path`` defines."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _name_glob(path: str, function: str) -> str:
    module = path.removesuffix(".py").replace("/", ".")
    return f"{module}.*" if function == "*" else f"{module}.x_{function}__mutmut_*"


def _read_results(work: Path, targets: dict) -> dict[str, dict[str, str]]:
    """Target path -> mutant name -> status, for the mutants of the target functions."""
    results: dict[str, dict[str, str]] = {}
    for path, functions in targets.items():
        meta = work / "mutants" / f"{path}.meta"
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        chosen = {}
        for name, code in exit_codes.items():
            match = MUTANT_NAME.match(name)
            function = match and (match["function"] or match["method"])
            if functions == "*" or function in functions:
                chosen[name] = STATUS_BY_EXIT_CODE.get(code, "suspicious" if code is not None else "not checked")
        missing = [
            function
            for function in (() if functions == "*" else functions)
            if not any(_function_of(name) == function for name in chosen)
        ]
        if missing:
            raise SystemExit(f"{path}: no mutants of {', '.join(missing)}; update TARGETS in mutation/run.py")
        results[path] = chosen
    return results


def _function_of(name: str) -> str:
    match = MUTANT_NAME.match(name)
    if not match:
        return name
    return match["function"] or f"{match['class']}.{match['method']}"


def _mutated_line(work: Path, name: str) -> str:
    """The line a mutant changes, as mutmut shows it (its '+' line), whitespace collapsed."""
    shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work, capture_output=True, text=True)
    added = [line[1:] for line in shown.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " ".join(" ".join(added).split()) or shown.stdout.strip()


def _explained() -> set[str]:
    """The survivors SURVIVORS.md explains, each written there as `function`: `mutated line`."""
    if not SURVIVORS_FILE.exists():
        return set()
    found = re.findall(r"^\|\s*`([^`]+)`\s*\|\s*`(.+?)`\s*\|", SURVIVORS_FILE.read_text(encoding="utf-8"), flags=re.M)
    return {f"{function}: {' '.join(line.replace('&#124;', '|').split())}" for function, line in found}


def _report(work: Path, results: dict, targets: dict, target: float, seconds: float) -> int:
    explained = _explained()
    failing = False
    print()
    for path, statuses in results.items():
        counts = {status: sum(1 for value in statuses.values() if value == status) for status in set(statuses.values())}
        caught = sum(counts.get(status, 0) for status in CAUGHT)
        counted = sum(count for status, count in counts.items() if status not in ("not checked", "skipped"))
        score = caught / counted if counted else 1.0
        failing |= score < target
        detail = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        print(f"{path}: {score:.1%} of {counted} mutants caught ({detail})")
        for name in sorted(name for name, status in statuses.items() if status not in CAUGHT | {"not checked"}):
            key = f"{_function_of(name)}: {_mutated_line(work, name)}"
            known = key in explained
            failing |= not known
            print(f"    {'explained' if known else 'NEW      '} {statuses[name]:9} {name}\n        {key}")
    total_caught = sum(1 for statuses in results.values() for status in statuses.values() if status in CAUGHT)
    total = sum(
        1 for statuses in results.values() for status in statuses.values() if status not in ("not checked", "skipped")
    )
    print(f"\nall targets: {total_caught / max(total, 1):.1%} of {total} mutants caught, in {seconds / 60:.0f} min")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
