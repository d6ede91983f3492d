"""Whole builds for the tests: run in the test's own process, and made once per test run when tests share them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from filelock import FileLock


class SharedBuilds:
    """Whole builds made once per test run, in a folder every xdist worker sees, under a file lock.

    The first worker that asks for a build makes it; the others wait on the lock and read what it wrote. Each build
    runs with --jobs 1 (no worker processes: the test process has TensorFlow loaded already) and --quiet. Tests must
    not change what a shared build wrote: copy it first.
    """

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def get(self, name: str, make: Callable[[Path], None]) -> Path:
        """The folder of the build ``name``, made by ``make(folder)`` unless a worker already made it."""
        folder = self.root / name
        with FileLock(str(self.root / f"{name}.lock")):
            if not (folder / ".done").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                (folder / ".done").touch()
        return folder


# The smallest build there is: one epoch, the course's CNN alone in its experiment, one seed (five fits on tiny data).
QUICK = ("--epochs", "1", "--kernel-sizes", "3", "--seeds", "1")


def run_build(*arguments: str) -> str:
    """``cnn-report build`` in this process, quiet and in one process; its output (nothing, when quiet works).

    Fails the test with that output if the build fails.
    """
    from report.cli import main

    result = CliRunner().invoke(main, ["build", *map(str, arguments), "--quiet", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return result.output


def read_report(out: Path) -> dict:
    """A built report: its ``pdf`` path, its ``html`` text, its ``json`` text and ``summary`` (report.json)."""
    return {
        "pdf": out,
        "html": out.with_suffix(".html").read_text(encoding="utf-8"),
        "json": out.with_suffix(".json").read_text(encoding="utf-8"),
        "summary": json.loads(out.with_suffix(".json").read_text(encoding="utf-8")),
    }
