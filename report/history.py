"""The history of a report: each build's headline numbers, kept with the results cache, for the trend figure.

One history per report (per ``--out`` path), as a JSON file under the
cache's ``history/`` folder; inside a SageMaker job the cache is the prefix's
``cache/`` in S3, so a scheduled pipeline keeps one history per prefix. It is
bounded (:data:`MAX_ENTRIES` builds), and a damaged file is reported and
started afresh, never fatal: the history is a convenience, the report is not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from analysis.files import write_atomically

MAX_ENTRIES = 100  # two years of weekly builds


def history_path(cache_dir: Path, out: Path) -> Path:
    """Where the history of the report written at ``out`` is kept."""
    name = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir / "history" / f"{name}.json"


def read_history(path: Path, warn: Callable[[str], None]) -> list[dict]:
    """The entries recorded so far, oldest first; none (and a warning) when the file is damaged."""
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        entries = None
    if not isinstance(entries, list) or not all(_is_entry(entry) for entry in entries):
        warn(f"the report's history {path} is damaged; starting a new one")
        return []
    return entries


def headline(report: dict) -> dict:
    """One build's entry: when, and the test accuracy of the baseline and the main CNN with their spread."""
    main = report["experiment"]["main"]
    return {
        "generated_at": report["environment"]["generated_at"],
        "main": main,
        "models": {
            name: {
                "test_accuracy": report["models"][name]["test_accuracy"],
                "test_accuracy_std": report["models"][name]["test_accuracy_std"],
            }
            for name in ("baseline", main)
        },
    }


def extended(entries: list[dict], report: dict) -> list[dict]:
    """``entries`` with this build's headline appended, the oldest dropped beyond :data:`MAX_ENTRIES`."""
    return [*entries, headline(report)][-MAX_ENTRIES:]


def write_history(path: Path, entries: list[dict], warn: Callable[[str], None]) -> None:
    """Keep ``entries`` at ``path``; a failure to write it is a warning, never the build's failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, (json.dumps(entries, indent=1) + "\n").encode("utf-8"))
    except OSError as error:
        warn(f"cannot keep the report's history in {path} ({error.strerror or error})")


def _is_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("generated_at"), str)
        and isinstance(entry.get("main"), str)
        and isinstance(entry.get("models"), dict)
        and all(
            isinstance(model, dict) and isinstance(model.get("test_accuracy"), (int, float))
            for model in entry["models"].values()
        )
    )
