"""``cnn-report notebook``: the student's analysis as a Jupyter notebook that reproduces the report.

:mod:`~report.notebook.code` writes the code cells (plain numpy, Keras and
matplotlib), :mod:`~report.notebook.document` puts them together with the
Markdown that explains each step, and :mod:`~report.notebook.execution` runs
it with nbclient when asked. The settings and the design are the build's own,
resolved once (report/config.py), so the notebook trains the report's models.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from analysis.data import resolve_data_path
from analysis.errors import NotebookError, OutputError
from report.config import BuildConfig

NOTEBOOK_SUFFIX = ".ipynb"
INSTALL = "pip install 'cnn-report[notebook]' (nbformat, nbclient, ipykernel)"


def check_notebook_path(out: Path) -> None:
    """Fail before anything is written if the notebook could not be written at ``out``."""
    if out.suffix != NOTEBOOK_SUFFIX:
        raise OutputError(f"{out}: --out must name a {NOTEBOOK_SUFFIX} file, e.g. analysis.ipynb")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{out}: folder {folder} does not exist; create it or choose another --out")


def notebook_data_path(config: BuildConfig, out: Path) -> str:
    """The data as the notebook will find it: relative to the notebook's folder when it is near (at most two
    folders up), so that the notebook and its data move together; else as resolved."""
    path = resolve_data_path(config.data).resolve()
    folder = (out.parent if str(out.parent) else Path(".")).resolve()
    try:
        relative = os.path.relpath(path, folder)
    except ValueError:  # another drive
        return str(path)
    return relative if Path(relative).parts.count("..") <= 2 else str(path)


def check_builders(config: BuildConfig, warn: Callable[[str], None]) -> None:
    """Run each builder function of the design once and check its network, as a build does before training.

    Only ``cnn-report notebook`` calls it: ``build --notebook`` has checked them
    already, or reuses a report made from them, and must not start TensorFlow for it.
    """
    if any(network.builder is not None for network in config.design.networks().values()):
        from analysis.models import check_builders as check  # runs the student's code, with TensorFlow

        for warning in check(config.design):
            warn(warning)


def make_notebook_file(
    config: BuildConfig,
    out: Path,
    execute: bool,
    on_cell: Callable[[int, int, str], None] | None = None,
) -> Path:
    """Write the notebook of ``config`` at ``out`` and, with ``execute``, run it first; returns ``out``.

    A failed run keeps what ran beside ``out``, as ``<name>.partial.ipynb``.
    """
    check_notebook_path(out)
    try:
        from report.notebook.document import make_notebook
        from report.notebook.execution import execute_notebook, write_notebook
    except ImportError:
        raise NotebookError(f"writing a notebook needs nbformat: {INSTALL}") from None
    notebook = make_notebook(config, notebook_data_path(config, out))
    if execute:
        try:
            execute_notebook(notebook, out.parent if str(out.parent) else Path("."), on_cell or (lambda *cell: None))
        except NotebookError as error:
            partial = out.with_suffix(".partial" + NOTEBOOK_SUFFIX)
            write_notebook(notebook, partial)
            raise NotebookError(f"{out}: {error}; the notebook as far as it ran is in {partial}") from None
    write_notebook(notebook, out)
    return out


__all__ = ["INSTALL", "check_builders", "check_notebook_path", "make_notebook_file"]
