"""The report's files: checked before any training, written atomically together, and kept in the cache for reuse.

Everything a build writes goes through here. A failed or interrupted build
never leaves a half-written file and never replaces a good report with a
broken one; JSON, HTML and PDF are written in that order, so the PDF's
presence means the whole set is new. A finished report is also kept in the
results cache under a key of everything it depends on, so a rebuild with
nothing changed writes it again without training or rendering.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from analysis.cache import ResultCache, make_key
from analysis.data import Dataset
from analysis.environment import library_versions, training_environment
from analysis.errors import OutputError
from analysis.files import write_atomically
from report.changes import comparable_digest
from report.config import BuildConfig
from report.progress import BuildProgress
from report.source import source_digest

REPORT_SUFFIXES = (".json", ".html", ".pdf")


@dataclass(frozen=True)
class BuildOutputs:
    """Where the report was written, what it says, and where the trained main CNN is kept (in the cache)."""

    pdf: Path
    html: Path
    json: Path
    summary: dict
    model: Path


def check_output_path(out: Path) -> None:
    """Fail before any training if the report could not be written where asked."""
    if out.is_dir():
        raise OutputError(f"{out} is a folder; pass --out with a file name such as {out / 'report.pdf'}")
    if out.suffix.lower() != ".pdf":
        raise OutputError(f"{out}: --out must name a .pdf file (report.html and report.json are written beside it)")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{out}: folder {folder} does not exist; create it or choose another --out")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: folder {folder} is not writable; choose another --out")


def write_report(config: BuildConfig, summary: dict, html: str, pdf: bytes | None) -> dict[str, bytes]:
    """Write report.json, then the HTML, then the PDF (when there is one); returns what was written, by suffix."""
    files = report_files(summary, html, pdf)
    _write_files(config, files)
    return files


def report_files(summary: dict, html: str, pdf: bytes | None) -> dict[str, bytes]:
    """A report's files as written, by suffix: report.json, the HTML and (when there is one) the PDF."""
    files = {".json": (json.dumps(summary, indent=2) + "\n").encode("utf-8"), ".html": html.encode("utf-8")}
    if pdf is not None:
        files[".pdf"] = pdf
    return files


def _write_files(config: BuildConfig, files: dict[str, bytes]) -> None:
    paths = {".json": config.json_path, ".html": config.html_path, ".pdf": config.out}
    for suffix, data in files.items():
        path = paths[suffix]
        try:
            write_atomically(path, data)
        except OSError as error:
            raise OutputError(
                f"{path}: cannot write ({error.strerror or error}); free some space or choose another --out"
            ) from None


def report_key(config: BuildConfig, dataset: Dataset, previous: dict | None = None) -> str:
    """Everything a finished report depends on: data, settings, libraries, the code that computes and renders it,
    and the report it is compared with (``previous``), all but that one's times."""
    return "report-" + make_key(
        {
            "data_sha256": dataset.sha256,
            "settings": config.training.to_dict(),
            # The networks (reasons included, which the report prints) and the experiment.
            "design": config.design.fingerprint(),
            "seeds": list(config.seed_list),
            "lang": config.lang,
            "command_line": config.as_command_line(),
            "versions": library_versions(),
            # Its numbers come from models trained under these settings (and on this kind of CPU).
            **training_environment(),
            # Any change to the program's code or templates renders the report anew.
            "code": source_digest(),
            # The title block's metadata, the notes' text and their images' bytes: an edit renders anew, from cached models.
            "project": config.project.fingerprint() if config.project is not None else None,
            # The "What changed" section: a rebuild with nothing changed compares with the report it replaces,
            # which differs from the one the kept report was compared with; the one after that reuses it.
            "previous": comparable_digest(previous) if previous is not None else None,
        }
    )


def keep_report(cache: ResultCache, key: str, files: dict[str, bytes]) -> None:
    """Keep a finished report's files in the cache under ``key``, for :func:`restore_report`."""
    cache.store_files(key, files)


def restore_report(
    cache: ResultCache, key: str, config: BuildConfig, model: Path, progress: BuildProgress
) -> BuildOutputs | None:
    """Write the report a previous build made from exactly these inputs, skipping every later stage.

    Only when the trained main CNN is still in the cache too: it is part of
    what a build delivers (on SageMaker, the job's model artifact).
    """
    files = cache.load_files(key, REPORT_SUFFIXES)
    if files is None or not model.is_file():
        return None
    try:
        summary = json.loads(files[".json"])
    except (UnicodeDecodeError, json.JSONDecodeError):
        progress.warning(f"cached report {cache.directory / key}.json is damaged; building it anew")
        return None
    _write_files(config, files)
    progress.note(
        f"Nothing changed since the report of {summary['environment']['generated_at']}: reused it from the cache (--force rebuilds)"
    )
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary, model=model)
