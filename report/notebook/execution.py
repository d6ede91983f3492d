"""Running a written notebook with nbclient, cell by cell, so that the saved notebook has genuine outputs.

The kernel is the python3 kernel of this environment (the ``[notebook]``
extra installs ipykernel). A cell that fails is a clear error naming the cell;
the notebook as far as it ran is kept beside the output (``<name>.partial.ipynb``),
never in its place.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import nbformat

from analysis.errors import NotebookError
from analysis.files import write_atomically


def execute_notebook(notebook: nbformat.NotebookNode, folder: Path, on_cell: Callable[[int, int, str], None]) -> None:
    """Run every cell of ``notebook`` in place, in ``folder`` (where its relative paths start).

    ``on_cell(number, count, first_line)`` hears of each code cell as it starts.
    """
    try:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        raise NotebookError(
            "running a notebook needs nbclient and ipykernel: pip install 'cnn-report[notebook]'"
        ) from None
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    def started(cell, cell_index, **_) -> None:
        if cell.cell_type == "code":
            number = code_cells.index(cell) + 1
            on_cell(number, len(code_cells), (cell.source.strip().splitlines() or [""])[0])

    client = NotebookClient(
        notebook,
        timeout=None,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        on_cell_start=started,
    )
    try:
        # The kernel process's own log lines (TensorFlow's start-up banners, ipykernel's notices) are not the
        # notebook's outputs: the cells' outputs are saved in the notebook, the rest is noise on the terminal.
        client.execute(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except CellExecutionError as error:
        failed = next(
            (
                index
                for index, cell in enumerate(code_cells, 1)
                if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            ),
            None,
        )
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise NotebookError(f"code cell {failed} failed: {reason}") from None


def write_notebook(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Validate ``notebook`` and write it atomically (nbformat's JSON, as Jupyter writes it)."""
    nbformat.validate(notebook)
    write_atomically(path, (nbformat.writes(notebook) + "\n").encode("utf-8"))
