"""The notebook's speed and memory against the build's own training, on the same machine, in one run.

    .venv/bin/python bench/notebook.py --limit-train 10000 --epochs 2 --seeds 1

Builds the report at ``--jobs 1`` (``--force``, into a temporary cache), writes the notebook of the same settings
and runs it with nbclient. It prints one line per figure:

- the build's training time for the main models' fits (the sum of their ``train_seconds`` in report.json: each
  fit's ``model.fit``, as the report's appendix lists them);
- the notebook's time for the same fits (the sum of its own ``train_seconds``, each ``model.fit`` timed as the build
  times it), and the ratio of the two; and its whole training cell, from its start to its reply (nbclient's
  timing: the fits, plus the seeding and the evaluation on the test set);
- the kernel's peak memory (its maximum resident set, read inside the kernel after the last cell), against the
  2 GiB the notebook must stay under;
- whether every model's test accuracy and loss, seed by seed, equal report.json's (they must, on one machine).
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="mnist.npz (default: found as cnn-report build finds it)")
    parser.add_argument("--limit-train", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=1)
    options = parser.parse_args(argv)
    settings = ["--limit-train", str(options.limit_train), "--epochs", str(options.epochs)]
    settings += ["--seeds", str(options.seeds)] + (["--data", options.data] if options.data else [])
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        command = [sys.executable, "-m", "report.cli"]
        build = [*command, "build", *settings, "--jobs", "1", "--force", "--no-compare", "-q"]
        subprocess.run(
            [*build, "--out", str(work / "report.pdf"), "--cache-dir", str(work / "cache")], check=True, cwd=ROOT
        )
        report = json.loads((work / "report.json").read_text())
        subprocess.run(
            [*command, "notebook", *settings, "-q", "--out", str(work / "analysis.ipynb")], check=True, cwd=ROOT
        )

        notebook = nbformat.read(work / "analysis.ipynb", as_version=4)
        notebook.cells.append(
            nbformat.v4.new_code_cell("import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        )
        NotebookClient(
            notebook, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(work)}}
        ).execute(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        training = next(
            cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith("RESULTS = {}")
        )
        timing = training.metadata.execution
        notebook_seconds = (_time(timing["shell.execute_reply"]) - _time(timing["iopub.execute_input"])).total_seconds()
        peak_kib = int(notebook.cells[-1].outputs[0]["text"].strip())
        numbers = json.loads((work / "notebook-results.json").read_text())

    main_models = list(numbers)
    build_seconds = sum(run["train_seconds"] for name in main_models for run in report["models"][name]["per_seed"])
    same = all(
        [run["test_accuracy"], run["test_loss"]] == [mine["test_accuracy"], mine["test_loss"]]
        for name in main_models
        for run, mine in zip(report["models"][name]["per_seed"], numbers[name], strict=True)
    )
    fits = sum(len(runs) for runs in numbers.values())
    print(f"settings: {' '.join(settings)}; {fits} fits of {', '.join(main_models)}")
    print(f"build, the main models' fits (sum of train_seconds, --jobs 1): {build_seconds:.1f} s")
    notebook_fits = sum(run["train_seconds"] for runs in numbers.values() for run in runs)
    ratio = notebook_fits / build_seconds
    print(
        f"notebook, the same fits (sum of its train_seconds): {notebook_fits:.1f} s = {ratio:.2f}x the build's (target: at most 1.10x)"
    )
    print(
        f"notebook, its whole training cell (the fits, seeding, evaluation on the test set): {notebook_seconds:.1f} s"
    )
    print(f"notebook kernel's peak memory: {peak_kib / 1024 / 1024:.2f} GiB (target: under 2 GiB)")
    print(f"every model's test accuracy and loss, seed by seed, equal report.json's: {'yes' if same else 'NO'}")
    return 0 if same else 1


def _time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


if __name__ == "__main__":
    raise SystemExit(main())
