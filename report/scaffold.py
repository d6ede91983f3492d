"""``cnn-report init``: a new project's commented ``cnn-report.toml`` and an empty note per section.

The file lists every key the project file takes, commented out, so that
nothing in the report changes until the student writes; the [build] keys and
their help come from the options themselves (:mod:`report.options`).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import click

from analysis.errors import ProjectError
from analysis.variables import VARIABLES
from report.options import FILE_OPTIONS, PROJECT_FILE_NAME
from report.project import DEFAULT_MODE, NOTES_FOLDER, SECTIONS


def project_template() -> str:
    """The commented ``cnn-report.toml`` that ``init`` writes: every key, a note per section, nothing changed yet."""
    lines = [
        "# cnn-report project file: `cnn-report build` reads it from this folder (or --config PATH).",
        "# Every setting is optional; an option given on the command line wins over this file.",
        "# Paths are relative to this file. docs/project.md explains every key, with a complete example.",
        "",
        "[report]",
        "# Your report's title page and the PDF's metadata (Title, Author, Subject = course, Keywords).",
        '# title = "Why convolutional networks beat fully-connected ones on images"',
        '# subtitle = "Assignment 2: CNNs on MNIST"',
        '# authors = ["Ada Lovelace", "Alan Turing"]',
        '# course = "Deep Learning"',
        '# institution = "Universidad de Buenos Aires"',
        '# date = 2025-05-12          # default: the day of the build; text such as "Spring 2025" works too',
        '# keywords = ["MNIST", "CNN", "inductive bias"]',
        '# abstract = """',
        "# Markdown, with live numbers: the CNN reached {{ models.cnn_k3.test_accuracy | pct }}.",
        '# """',
        "",
        "[build]",
        "# The options of `cnn-report build`, under the same names (see `cnn-report build --help`).",
    ]
    context = click.Context(click.Command("build", params=list(FILE_OPTIONS.values())))
    for name, option in FILE_OPTIONS.items():
        help_text = " ".join((option.help or "").split())
        lines += textwrap.wrap(
            f"{name}: {help_text}" if help_text else name,
            width=100,
            initial_indent="# ",
            subsequent_indent="#   ",
            break_on_hyphens=False,
        )
        lines.append(f"# {name} = {_example_value(option.get_default(context, call=True), option)}")
    lines += [
        "",
        "# Your own networks and controlled experiment; without these tables, the course's: Flatten -> Dense(128)",
        "# against two conv/pool stages -> Dense(64), with kernel sizes 3, 5 and 7 compared. The 28 x 28 x 1 input",
        '# and the 10-way softmax output are added for you; any layer may say why = "...", shown in the report.',
        '# Layers: conv (filters, kernel, strides = 1, padding = "valid" or "same", activation = "relu"),',
        '# maxpool and avgpool (size = 2), globalavgpool, flatten, dense (units, activation = "relu"),',
        "# dropout (rate), batchnorm. The baseline takes flatten, dense, dropout and batchnorm only.",
        "# [models.baseline]",
        '# layers = [{ type = "flatten" }, { type = "dense", units = 128 }]',
        "# [models.cnn]",
        "# layers = [",
        '#   { type = "conv", filters = 32, kernel = 3, padding = "same", why = "keep the strokes at the border" },',
        '#   { type = "maxpool" },',
        '#   { type = "conv", filters = 64, kernel = 3 },',
        '#   { type = "maxpool" },',
        '#   { type = "flatten" },',
        '#   { type = "dense", units = 64 },',
        '#   { type = "dropout", rate = 0.3 },',
        "# ]",
        '# builder = "my_net.py:make_model"  # instead of layers: a function that returns an uncompiled keras.Model',
        "# [experiment]",
        f'# vary = "kernel"  # or {", ".join(name for name in VARIABLES if name != "kernel")}',
        "# values = [3, 5, 7]",
        "",
        "# Your own words, section by section: Markdown files, shown after (default), before or instead of",
        '# (mode = "replace") the generated text of their section. Each starts empty, so the report stays as it',
        "# is until you write. Numbers come from report.json: {{ models.cnn_k3.test_accuracy | pct }} gives",
        '# "99.01%" ("99,01 %" in Spanish); filters: pct, pct_pm, num, num_pm, pp, ratio, seconds.',
        "# Math: $x^2$ inline, $$...$$ on its own; images: ![what it shows](images/run.png), inside this folder.",
    ]
    for section, description in SECTIONS.items():
        lines += [
            "",
            f"# {description}",
            f"[notes.{section}]",
            f'file = "{NOTES_FOLDER}/{section}.md"',
            f'mode = "{DEFAULT_MODE}"  # or "before", "replace"',
        ]
    return "\n".join(lines) + "\n"


def _example_value(default: object, option: click.Option) -> str:
    """An option's default written as TOML, or a placeholder where it has none."""
    if default is None:
        return "<path>" if isinstance(option.type, click.Path) else "<value>"
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (int, float)):
        return str(default)
    if isinstance(default, (tuple, list)):
        return "[" + ", ".join(map(str, default)) + "]"
    if re.fullmatch(r"\d+(,\d+)*", str(default)):
        return "[" + ", ".join(str(default).split(",")) + "]"
    return f'"{default}"'


def init_project(folder: Path) -> tuple[list[Path], list[Path]]:
    """Write ``cnn-report.toml`` and one empty note per section into ``folder``; never overwrite. Returns (written, kept)."""
    try:
        (folder / NOTES_FOLDER).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProjectError(f"{folder}: cannot create the project folder ({error.strerror or error})") from None
    files = {folder / PROJECT_FILE_NAME: project_template()}
    files.update({folder / NOTES_FOLDER / f"{section}.md": "" for section in SECTIONS})
    written, kept = [], []
    for path, text in files.items():
        try:
            # "x" mode creates the file only if it does not exist, atomically with the check.
            with path.open("x", encoding="utf-8") as stream:
                stream.write(text)
            written.append(path)
        except FileExistsError:
            kept.append(path)
        except OSError as error:
            raise ProjectError(f"{path}: cannot write ({error.strerror or error})") from None
    return written, kept
