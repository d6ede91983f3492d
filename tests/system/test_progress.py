"""What a build shows: a live display on a terminal, plain lines elsewhere, nothing with --quiet, no TensorFlow noise."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# TensorFlow's own start-up lines, which its log level does not hold back.
TENSORFLOW_NOISE = ("oneDNN custom operations", "absl::InitializeLog", "cpu_feature_guard")


def build_command(tmp_path: Path, tiny_npz: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "report.cli",
        "build",
        "--out",
        str(tmp_path / "report.pdf"),
        "--data",
        str(tiny_npz),
        "--epochs",
        "1",
        "--kernel-sizes",
        "3",
        "--seeds",
        "1",
        "--cache-dir",
        str(tmp_path / "cache"),
        *extra,
    ]


def run_on_a_terminal(command: list[str]) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its stdout and stderr, as in a terminal window; its exit code and output."""
    main, secondary = pty.openpty()
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "110", "LINES": "40"}
    process = subprocess.Popen(
        command, stdout=secondary, stderr=secondary, stdin=subprocess.DEVNULL, cwd=PROJECT, env=environment
    )
    os.close(secondary)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closes when the process ends
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    code = process.wait(timeout=600)
    reader.join(timeout=30)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal_in_a_log_and_with_quiet(tmp_path, tiny_npz):
    # On a terminal: rich's live display, redrawn in place, then the closing summary.
    code, shown = run_on_a_terminal(build_command(tmp_path, tiny_npz, "--jobs", "2"))
    assert code == 0, shown
    assert "\x1b[" in shown  # the display moves the cursor to redraw itself
    text = ANSI.sub("", shown)
    assert "models trained" in text and "2 at a time" in text and "so far" in text
    assert re.search(r"✓ cnn_k3 seed 42: \d+\.\d\d% test accuracy", text)
    assert "Done in" in text and str(tmp_path / "report.pdf") in text and "test accuracy: CNN" in text
    assert not [noise for noise in TENSORFLOW_NOISE if noise in text]

    # In a pipe (a log file, CI, CloudWatch): plain lines, no escape codes, no TensorFlow lines, in one process too.
    piped = subprocess.run(
        build_command(tmp_path, tiny_npz, "--jobs", "1", "--force"),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=600,
    )
    assert piped.returncode == 0, piped.stderr
    assert "\x1b" not in piped.stderr and piped.stdout == ""
    lines = piped.stderr.splitlines()
    assert "==> Training models: the networks of the design, then the probes" in lines
    assert "    5 fits: 0 from the cache, 5 to train, 1 at a time" in lines
    assert any(
        re.fullmatch(r"\[2/5\] cnn_k3 seed 42 epoch 1/1, loss .*, \d+\.\d s; about .* left", line) for line in lines
    )
    assert lines[-4].startswith(f"Wrote {tmp_path / 'report.pdf'}, ")
    assert not [noise for noise in TENSORFLOW_NOISE if noise in piped.stderr]

    # --quiet: not a byte, from the build or from its workers' TensorFlow.
    quiet = subprocess.run(
        build_command(tmp_path, tiny_npz, "--jobs", "2", "--force", "--quiet"),
        capture_output=True,
        cwd=PROJECT,
        timeout=600,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == b"" and quiet.stderr == b""
