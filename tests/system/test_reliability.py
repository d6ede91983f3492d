"""Faults provoked for real: bad files, read-only and full folders, killed builds, damaged caches.

Each test checks what the user sees (message, exit code) and what is kept.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from report.cli import main

import builds
from mnist_files import make_arrays, write_npz

# The shared quick build's settings (tests/builds.py), quiet, in one process.
QUICK = [*builds.QUICK, "--quiet", "--jobs", "1"]


def invoke(*arguments: str):
    return CliRunner().invoke(main, [str(argument) for argument in arguments])


def cli_process(*arguments: str, new_session: bool = False) -> subprocess.Popen:
    """The real entry point in its own process, so that it can be signalled like a user's terminal would.

    SIGINT is reset to its default first: a test run started in the background
    by a non-interactive shell (as CI may be) inherits SIGINT as ignored, and
    a terminal's Ctrl-C never reaches a process in that state. With
    ``new_session`` it leads a process group of its own, which a test can
    signal as a terminal signals its foreground group.
    """
    return subprocess.Popen(
        [sys.executable, "-c", "from report.cli import main; main()", *map(str, arguments)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@contextmanager
def mounted_tmpfs(folder: Path, options: str):
    """A real read-only or tiny file system (root can write anywhere else)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        if os.geteuid() == 0:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", str(folder)], check=True)


# Fail fast, before any training ------------------------------------------------------------------


@pytest.mark.parametrize(
    "override, expected",
    [
        ({"x_test": np.zeros((100, 32, 32), np.uint8)}, "x_test has shape (100, 32, 32)"),
        ({"x_train": np.zeros((200, 28, 28, 3), np.uint8)}, "x_train has shape (200, 28, 28, 3)"),
        ({"x_train": np.full((200, 28, 28), np.nan, np.float32)}, "NaN"),
        ({"x_train": np.full((200, 28, 28), -3, np.int16)}, "pixel values from -3"),
        ({"y_test": np.full(100, 12, np.int64)}, "labels from 12 to 12"),
        ({"y_train": (np.arange(200) % 9).astype(np.uint8)}, "no examples of class(es) 9"),
        ({"x_train": np.zeros((0, 28, 28), np.uint8), "y_train": np.zeros(0, np.uint8)}, "x_train is empty"),
        ({"x_train": np.array(["a"] * 200)}, "x_train has shape"),
    ],
)
def test_bad_data_fails_with_exit_1_naming_file_key_and_expectation(tmp_path, override, expected):
    bad = write_npz(tmp_path / "bad.npz", **override)
    result = invoke("build", "--out", tmp_path / "report.pdf", "--data", bad, "--cache-dir", tmp_path / "cache", *QUICK)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}: ") and expected in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").glob("*.json"))


def test_out_is_a_folder(tmp_path, tiny_npz):
    result = invoke("build", "--out", tmp_path, "--data", tiny_npz, *QUICK)
    assert result.exit_code == 1
    assert "is a folder" in result.output


def test_out_folder_is_read_only(tmp_path, tiny_npz):
    with mounted_tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        result = invoke(
            "build", "--out", folder / "report.pdf", "--data", tiny_npz, "--cache-dir", tmp_path / "c", *QUICK
        )
    assert result.exit_code == 1
    assert "is not writable" in result.output


def test_limit_above_the_data_is_a_usage_error_naming_the_option(tmp_path, tiny_npz):
    result = invoke(
        "build",
        "--out",
        tmp_path / "r.pdf",
        "--data",
        tiny_npz,
        "--limit-train",
        "5000",
        "--cache-dir",
        tmp_path / "c",
        *QUICK,
    )
    assert result.exit_code == 2
    assert "--limit-train" in result.output and "5,000 exceeds the 200 training images" in result.output


# Nothing lost --------------------------------------------------------------------------------------


def test_full_disk_leaves_no_partial_files_and_says_so(tmp_path, tiny_npz):
    with mounted_tmpfs(tmp_path / "full", "size=64k") as folder:
        result = invoke(
            "build", "--out", folder / "report.pdf", "--data", tiny_npz, "--cache-dir", tmp_path / "c", *QUICK
        )
        left = sorted(path.name for path in folder.iterdir())
    assert result.exit_code == 1
    assert "cannot write" in result.output and "free some space" in result.output
    # Whatever fitted was written whole; nothing half-written or temporary remains.
    assert not [name for name in left if name.endswith(".tmp")]
    assert "report.pdf" not in left
    assert any((tmp_path / "c").glob("*.json")), "the trained models stay cached"


def test_pdf_failure_keeps_html_and_json_and_the_previous_pdf(quick_copy, monkeypatch):
    # A good report from a build with these settings, and its cache: the next build renders from cached models.
    out = quick_copy / "report.pdf"
    arguments = ["build", "--out", out, "--data", quick_copy / "mnist.npz", "--cache-dir", quick_copy / "cache", *QUICK]
    good_pdf = out.read_bytes()
    (quick_copy / "report.html").unlink()

    import weasyprint

    def broken(*args, **kwargs):
        raise OSError("no usable font")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    # Another language, so that the report is rendered again rather than reused from the cache.
    result = invoke(*arguments, "--lang", "es")
    assert result.exit_code == 1
    assert "PDF rendering failed" in result.output and "HTML and JSON were still written" in result.output
    assert (quick_copy / "report.html").exists() and (quick_copy / "report.json").exists()
    assert out.read_bytes() == good_pdf


def test_failed_build_never_touches_a_previous_report(quick_copy):
    out, cache = quick_copy / "report.pdf", quick_copy / "cache"
    before = {path.name: path.read_bytes() for path in quick_copy.glob("report.*")}
    bad = quick_copy / "bad.npz"
    bad.write_bytes((quick_copy / "mnist.npz").read_bytes()[:1000])
    assert invoke("build", "--out", out, "--data", bad, "--cache-dir", cache, *QUICK).exit_code == 1
    assert {path.name: path.read_bytes() for path in quick_copy.glob("report.*")} == before


def worker_pids(parent: int) -> list[int]:
    """The build's worker processes: children of ``parent`` started by multiprocessing's spawn."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                if b"spawn_main" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def wait_for(condition, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[1]


def gone(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not Path(f"/proc/{pid}").exists()


# (what is sent, to whom, exit code, word): a terminal's Ctrl-C reaches every
# process of the group, workers included; `kill` reaches the build alone. What
# survived is the same either way, so the next build resumes from it once.
@pytest.mark.parametrize(
    "sent, to_group, exit_code, word, resume",
    [(signal.SIGINT, True, 130, "Interrupted", False), (signal.SIGTERM, False, 143, "Terminated", True)],
)
def test_killed_build_stops_its_workers_keeps_finished_models_and_the_next_build_resumes(
    tmp_path, sent, to_group, exit_code, word, resume
):
    # Enough data that each model trains for a few seconds, so the signal lands mid-training.
    np.savez(tmp_path / "mnist.npz", **make_arrays(n_train=2000, n_test=200))
    cache = tmp_path / "cache"
    arguments = [
        "build",
        "--out",
        tmp_path / "report.pdf",
        "--data",
        tmp_path / "mnist.npz",
        "--epochs",
        "4",
        "--kernel-sizes",
        "3",
        "--seeds",
        "1",
        "--cache-dir",
        cache,
        "--jobs",
        "2",
    ]
    process = cli_process(*arguments, new_session=to_group)
    wait_for(lambda: list(cache.glob("*.json")), process)
    workers = worker_pids(process.pid)
    assert len(workers) == 2
    if to_group:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == exit_code, stderr
    assert word in stderr and f"cached in {cache}" in stderr and "Traceback" not in stderr
    assert all(gone(pid) for pid in workers), "every worker stops with the build"
    # Of the baseline, the CNN, their fits on permuted pixels and on 1,000 images, and the fixed order.
    finished = len([entry for entry in cache.glob("*.json")])
    assert 1 <= finished < 7
    assert not list(tmp_path.glob("report.*"))
    assert not list(cache.glob(".*.tmp")) and not list(cache.glob(".*.tmp.keras"))
    if not resume:
        return
    # In one process this time: how many fits train at once changes no cache key.
    resumed = cli_process(*arguments[:-2], "--jobs", "1")
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert stderr.count(": cached") == finished
    assert (tmp_path / "report.pdf").exists()


def test_a_killed_worker_is_a_one_line_error_naming_its_fit_and_the_rest_is_kept(tmp_path):
    np.savez(tmp_path / "mnist.npz", **make_arrays(n_train=2000, n_test=200))
    cache = tmp_path / "cache"
    process = cli_process(
        "build",
        "--out",
        tmp_path / "report.pdf",
        "--data",
        tmp_path / "mnist.npz",
        "--epochs",
        "4",
        "--kernel-sizes",
        "3",
        "--seeds",
        "1",
        "--cache-dir",
        cache,
        "--jobs",
        "2",
    )
    wait_for(lambda: list(cache.glob("*.json")), process)
    victim, other = worker_pids(process.pid)
    os.kill(victim, signal.SIGKILL)  # as the out-of-memory killer does
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    error = stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"Error: the worker process training (baseline|cnn_k3) seed 42(, permuted pixels|, 1,000 training images|, one fixed epoch order)? died \(killed by SIGKILL, which is "
        r"what the out-of-memory killer sends\); every fit that finished is cached in .*",
        error,
    ), error
    assert "Traceback" not in stderr and gone(other)
    entries = list(cache.glob("*.json"))
    assert 1 <= len(entries) < 7
    assert all(json.loads(entry.read_text())["result"]["params"] > 0 for entry in entries)
    assert not list(tmp_path.glob("report.*")) and not list(cache.glob(".*.tmp"))


def test_damaged_cache_entry_is_reported_and_recomputed(quick_copy):
    cache = quick_copy / "cache"
    arguments = ["build", "--out", quick_copy / "r.pdf", "--data", quick_copy / "mnist.npz", "--cache-dir", cache]
    entry = sorted(path for path in cache.glob("*.json") if not path.name.startswith("report-"))[0]
    entry.write_text(entry.read_text()[:200])
    # Another --out, so that the models are read back rather than the whole report reused.
    result = invoke(*arguments, "--epochs", "1", "--kernel-sizes", "3", "--seeds", "1", "--jobs", "1")
    assert result.exit_code == 0
    assert f"warning: cache entry {entry} ignored and recomputed" in result.output
    assert json.loads(entry.read_text())["schema"] == 1


def test_two_builds_sharing_a_cache_both_succeed(tmp_path, tiny_npz):
    cache = tmp_path / "shared-cache"
    processes = [
        cli_process("build", "--out", tmp_path / f"r{i}.pdf", "--data", tiny_npz, "--cache-dir", cache, *QUICK)
        for i in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    models = [entry for entry in cache.glob("*.json") if not entry.name.startswith("report-")]
    for entry in models:
        assert json.loads(entry.read_text())["result"]["params"] > 0
    # The baseline and the CNN, each on original and on permuted pixels, and the baseline with a fixed epoch order.
    assert len(models) == 5 and not list(cache.glob(".*.tmp"))
    # Two finished reports per build (each shows its own command line, its own --out): the report, and the one the
    # next build writes if nothing changes (the same, compared with itself).
    assert len(list(cache.glob("report-*.pdf"))) == 4


# Exit codes and messages -------------------------------------------------------------------------


def test_unexpected_errors_are_one_line_unless_debug(tmp_path, tiny_npz, monkeypatch):
    import report.build

    def explode(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(report.build, "describe_dataset", explode)
    arguments = ["build", "--out", tmp_path / "r.pdf", "--data", tiny_npz, "--cache-dir", tmp_path / "c", *QUICK]
    result = invoke(*arguments)
    assert result.exit_code == 1
    assert (
        result.output
        == "Error: unexpected RuntimeError: something nobody expected (run `cnn-report --debug ...` for the traceback)\n"
    )
    debug = invoke("--debug", *arguments)
    assert isinstance(debug.exception, RuntimeError)
