"""The project file, ``cnn-report.toml``: reading it, checking it, and laying it over the command line.

A project file makes the report a student's own: their settings (``[build]``),
their name and course (``[report]``), their words (``[notes.<section>]``), and
their networks and experiment (``[models.baseline]``, ``[models.cnn]``,
``[experiment]``, read and checked by :mod:`analysis.design`).
Everything in it is checked when it is read, before any data is loaded or any
model trained; a mistake is a :class:`ProjectError` (exit code 2) whose one
line names the file, the table and key, and the fix.

Each table has one reader in :data:`_TABLES`; a new table is a new reader and
a new field of :class:`Project`. ``[build]`` has no list of its own: its keys
are the ``build`` command's options (:data:`report.options.FILE_OPTIONS`),
checked by their own types, so every option the command line gains can be set
in the file as well. ``cnn-report init`` writes a commented file (report/scaffold.py).
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import click

from analysis.design import Design, read_design
from analysis.errors import ProjectError
from report import notes as notes_module
from report.options import FILE_OPTIONS, PROJECT_FILE_NAME, ReportSource, convert

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

NOTES_FOLDER = "notes"

# The report's sections, in document order, each with what it holds. Notes
# name them in [notes.<section>]; the ids are fixed (docs/project.md, `cnn-report init`, templates/sections/).
SECTIONS: dict[str, str] = {
    "introduction": "1. Introduction: what is measured and how",
    "data": "2. The data: class balance, sample digits, pixel statistics",
    "baseline": "3. The baseline: the fully-connected network",
    "cnn": "4. The convolutional network and the reason for each layer",
    "comparison": "5. Baseline versus CNN: accuracy, learning curves, confusions",
    "experiment": "6. The controlled experiment ([experiment]; kernel sizes unless you vary something else)",
    "q1": "7, question 1: why the convolutional layers outperformed the baseline (or not)",
    "q2": "7, question 2: the inductive bias convolution introduces",
    "q3": "7, question 3: when convolution would not be appropriate",
    "probes": "8. Evidence: the probes of inductive bias",
    "conclusion": "a conclusion before the appendix, shown only when you write it",
    "appendix": "Appendix: reproducibility",
}
MODES = ("after", "before", "replace")
DEFAULT_MODE = "after"

# The [report] keys and what each must hold; the reader below checks them in this order.
_REPORT_KEYS = ("title", "subtitle", "authors", "course", "institution", "date", "abstract", "keywords")
_NOTE_KEYS = ("file", "mode")


@dataclass(frozen=True)
class ReportInfo:
    """``[report]``: what the title block and the PDF's metadata say. Unset fields keep today's report."""

    title: str | None = None
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    course: str | None = None
    institution: str | None = None
    # A TOML date (2025-05-12) is shown in the report's language; a string ("Spring 2025") as written.
    date: datetime.date | str | None = None
    abstract: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def has_title_page(self) -> bool:
        """Whether the report opens with a title page: as soon as it names anyone or anything beyond a title."""
        return bool(self.authors or self.course or self.institution or self.date or self.abstract)

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "authors": list(self.authors),
            "course": self.course,
            "institution": self.institution,
            "date": self.date.isoformat() if isinstance(self.date, datetime.date) else self.date,
            "abstract": self.abstract,
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class Project:
    """A checked project file: options for ``build``, the report's metadata, and the notes by section."""

    path: Path
    build: Mapping[str, object] = field(default_factory=dict)
    report: ReportInfo = field(default_factory=ReportInfo)
    notes: Mapping[str, notes_module.Note] = field(default_factory=dict)
    # [models.*] and [experiment], checked together; None when the file has neither (the course's networks).
    design: Design | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    def files(self) -> list[Path]:
        """Every file the project uses, all inside its folder: itself, its notes and their images, its builder files.

        They are what a SageMaker job needs of the project (report/sagemaker/staging.py packs them).
        """
        files = [self.path]
        for note in self.notes.values():
            files += [note.path, *note.images]
        if self.design is not None:
            files += [network.builder.path for network in (self.design.baseline, self.design.cnn) if network.builder]
        return sorted(
            {path.resolve() for path in files}, key=lambda path: path.relative_to(self.folder.resolve()).as_posix()
        )

    def record(self) -> dict:
        """What report.json keeps of the project: a digest of the title page and of each note, never their text.

        Enough for ``cnn-report compare`` to say which notes changed; nothing
        that names a folder, since report.json may be handed in.
        """
        notes = self.fingerprint()["notes"]
        return {
            "title_page": _sha256(json.dumps(self.report.to_dict(), sort_keys=True).encode("utf-8"))[:16],
            "notes": {
                section: _sha256(
                    json.dumps([note["mode"], note["sha256"], sorted(note["images"].values())]).encode("utf-8")
                )[:16]
                for section, note in notes.items()
            },
        }

    def fingerprint(self) -> dict:
        """Everything of the project a finished report depends on: metadata, the notes' text, the images' bytes."""
        return {
            "report": self.report.to_dict(),
            "notes": {
                section: {
                    "file": note.label,
                    "mode": note.mode,
                    "sha256": _sha256(note.text.encode("utf-8")),
                    "images": {str(image): _sha256(image.read_bytes()) for image in note.images},
                }
                for section, note in sorted(self.notes.items())
            },
        }


def find_project_file(config: Path | None, working_directory: Path = Path(".")) -> Path | None:
    """The project file to use: ``--config`` (which must exist), else ``./cnn-report.toml`` if there is one."""
    if config is not None:
        if config.is_dir():
            config = config / PROJECT_FILE_NAME
        if not config.is_file():
            raise ProjectError(
                f"{config}: project file not found; check --config, or run `cnn-report init` to create one"
            )
        return config
    default = working_directory / PROJECT_FILE_NAME
    return default if default.is_file() else None


def load_project(path: Path) -> Project:
    """Read and check ``path``: every table, note, image and network, before any data is read."""
    reader = _Reader(path)
    document = reader.parse()
    for name in document:
        home = _table_of_key(name)
        if name not in _ALL_TABLES and not isinstance(document[name], dict) and home:
            raise ProjectError(f"{path}: {name} must go inside a table: write it under [{home}]")
        if name not in _ALL_TABLES:
            reader.unknown(name, list(_ALL_TABLES), "table", shown=lambda table: f"[{table}]")
        if not isinstance(document[name], dict):
            raise ProjectError(f"{path}: {name} must be a table, [{name}], not a single value")
    return Project(
        path=path,
        **{name: read(reader, document.get(name, {})) for name, read in _TABLES.items()},
        design=_read_design(reader, document),
    )


def _table_of_key(name: str) -> str | None:
    """The table a key written outside any table belongs in, if it is a key of one."""
    if name in FILE_OPTIONS:
        return "build"
    return "report" if name in _REPORT_KEYS else None


class _Reader:
    """Reads one project file; knows its path for error messages."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def folder(self) -> Path:
        return self.path.parent

    def parse(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ProjectError(f"{self.path}: not UTF-8 text; save it as UTF-8") from None
        except OSError as error:
            raise ProjectError(f"{self.path}: cannot read the project file ({error.strerror or error})") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ProjectError(
                f"{self.path}:{_toml_position(error, text)}: invalid TOML: {_toml_reason(error)}"
            ) from None

    def unknown(self, name: str, valid: Sequence[str], what: str, shown: Callable[[str], str] = str) -> NoReturn:
        """Raise the error for a name that is not one of ``valid``, with a close match when there is one."""
        raise ProjectError(f"{self.path}: {unknown_name(name, valid, what, shown)}")

    def check_keys(self, table: str, values: dict, valid: Sequence[str]) -> None:
        for key in values:
            if key not in valid:
                self.unknown(key, list(valid), f"key in [{table}]:")

    def fail(self, table: str, key: str, value: object, problem: str) -> NoReturn:
        raise ProjectError(f"{self.path}: [{table}] {key} = {_toml_value(value)}: {problem}")

    def relative(self, value: str | Path) -> Path:
        """A path from the file, read relative to the file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.folder / path


def _read_build(reader: _Reader, table: dict) -> dict[str, object]:
    """[build]: any ``build`` option by its name, checked and converted as the command line would."""
    reader.check_keys("build", table, list(FILE_OPTIONS))
    values = {}
    for name, value in table.items():
        option = FILE_OPTIONS[name]
        try:
            converted = convert(option, value)
        except ValueError as error:
            reader.fail("build", name, value, str(error))
        if isinstance(option.type, click.Path) and converted is not None:
            converted = reader.relative(converted)
        elif isinstance(option.type, ReportSource) and not str(converted).startswith("s3://"):
            converted = str(reader.relative(converted))
        values[name] = converted
    return values


def _read_report(reader: _Reader, table: dict) -> ReportInfo:
    """[report]: the title block's text and the PDF's metadata."""
    reader.check_keys("report", table, _REPORT_KEYS)
    values: dict[str, object] = {}
    for key in ("title", "subtitle", "course", "institution", "abstract"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                reader.fail("report", key, table[key], "expected non-empty text in quotes")
            values[key] = table[key].strip() if key != "abstract" else table[key]
    for key in ("authors", "keywords"):
        if key in table:
            value = table[key]
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
                reader.fail("report", key, value, f'expected a list of names in quotes, e.g. {key} = ["…", "…"]')
            values[key] = tuple(item.strip() for item in items)
    if "date" in table:
        date = table["date"]
        if isinstance(date, datetime.datetime):
            date = date.date()
        if not isinstance(date, (datetime.date, str)) or (isinstance(date, str) and not date.strip()):
            reader.fail("report", "date", date, 'expected a date (2025-05-12) or text in quotes ("Spring 2025")')
        values["date"] = date.strip() if isinstance(date, str) else date
    if "abstract" in values:
        notes_module.check_markdown(
            values["abstract"], f"{reader.path} [report] abstract", reader.folder, reader.folder
        )
    return ReportInfo(**values)


def _read_notes(reader: _Reader, table: dict) -> dict[str, notes_module.Note]:
    """[notes.<section>]: which Markdown file goes into which section, and how."""
    notes = {}
    for section, entry in table.items():
        if section not in SECTIONS:
            reader.unknown(section, list(SECTIONS), "section", shown=lambda name: f"[notes.{name}]")
        if not isinstance(entry, dict):
            raise ProjectError(
                f'{reader.path}: notes.{section} must be a table: [notes.{section}] then file = "notes/{section}.md"'
            )
        reader.check_keys(f"notes.{section}", entry, _NOTE_KEYS)
        if "file" not in entry:
            raise ProjectError(
                f'{reader.path}: [notes.{section}] needs file = "notes/{section}.md" (the Markdown to show)'
            )
        mode = entry.get("mode", DEFAULT_MODE)
        if mode not in MODES:
            reader.fail(f"notes.{section}", "mode", mode, unknown_name(str(mode), MODES, "mode", shown=_toml_value))
        label = entry["file"]
        if not isinstance(label, str) or not label.strip():
            reader.fail(f"notes.{section}", "file", label, "expected a path in quotes")
        path = reader.relative(label)
        if not path.is_file():
            reader.fail(f"notes.{section}", "file", label, f"no such file ({path}); create it or fix the path")
        if not notes_module.is_inside(path, reader.folder):
            reader.fail(f"notes.{section}", "file", label, f"outside the project folder {reader.folder}; move it in")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            reader.fail(f"notes.{section}", "file", label, "not UTF-8 text; save it as UTF-8")
        images = notes_module.check_markdown(text, label, path.parent, reader.folder)
        notes[section] = notes_module.Note(section=section, label=label, path=path, mode=mode, text=text, images=images)
    return notes


# One reader per table, in the order docs/project.md documents them. A new table
# is one more entry here and one more field of Project.
_TABLES: dict[str, Callable[[_Reader, dict], object]] = {
    "build": _read_build,
    "report": _read_report,
    "notes": _read_notes,
}
# The networks and the experiment depend on each other (a variable the CNN
# must have), so they are read together, by _read_design.
_DESIGN_TABLES = ("models", "experiment")
_ALL_TABLES = (*_TABLES, *_DESIGN_TABLES)


def _read_design(reader: _Reader, document: dict) -> Design | None:
    """[models.baseline], [models.cnn] and [experiment]: every network and variant checked, in plain Python.

    Warnings (a network over five million parameters) travel with the design
    and are printed once the build starts.
    """
    if not any(name in document for name in _DESIGN_TABLES):
        return None
    if "experiment" in document and "kernel_sizes" in document.get("build", {}):
        raise ProjectError(
            f"{reader.path}: [build] kernel_sizes and [experiment] both set the experiment; "
            'keep [experiment] (vary = "kernel", values = [...]) and remove kernel_sizes'
        )
    return read_design(document.get("models"), document.get("experiment"), str(reader.path), reader.folder)


def unknown_name(name: str, valid: Sequence[str], what: str, shown: Callable[[str], str] = str) -> str:
    """``unknown <what> <name>; did you mean <close match>? Valid: ...``, the close match only where there is one."""
    close = difflib.get_close_matches(name, list(valid), n=1)
    hint = f"; did you mean {shown(close[0])}? Valid: " if close else "; valid: "
    return f"unknown {what} {shown(name)}{hint}{', '.join(map(shown, valid))}"


def _toml_position(error: Exception, text: str) -> str:
    """``line:column`` of a TOML error (attributes on Python 3.14+, the message before)."""
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    if line is None:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
        else:  # "(at end of document)"
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
    return f"{line}:{column}"


def _toml_reason(error: Exception) -> str:
    reason = getattr(error, "msg", None) or re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
    return reason[0].lower() + reason[1:] if reason else "cannot parse"


def _toml_value(value: object) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return str(value)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
