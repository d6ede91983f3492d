"""The notebook of a student's design: Markdown that explains each step, and the code cells of report/notebook/code.py.

Written with nbformat as format 4.5 (every cell has an id), with a python3
kernelspec, in the report's language; the first code cell holds the
parameters and is tagged ``parameters``, as papermill expects. The notes of a
project file are not copied in: their numbers come from the report's run, and
a note's number must never disagree with the notebook's own outputs; the
notebook says so where they would go.
"""

from __future__ import annotations

import nbformat
from nbformat import v4

import report.notebook.code as code
from analysis.design import Design
from report.config import BuildConfig
from report.i18n import translator
from report.labels import variable_name


def make_notebook(config: BuildConfig, data: str) -> nbformat.NotebookNode:
    """The notebook of ``config``'s design and settings, reading MNIST from ``data`` (as the notebook will find it)."""
    _ = translator(config.lang)
    design = config.design
    models = design.networks()
    cells = [
        _markdown(_title(config, _)),
        _markdown(
            _(
                "Every number below is computed by this notebook when it runs. It follows the report's protocol step by "
                "step: run on the same machine with the same settings, its test accuracy and loss equal the report's "
                "to the last digit. On another kind of CPU (another instruction set) or with another thread count they "
                "differ slightly: TensorFlow's oneDNN kernels round differently, and the numbers are equally valid."
            )
        ),
        _markdown("## " + _("Parameters") + "\n\n" + _("Change them here, or pass them with papermill (-p EPOCHS 1).")),
        _code(
            code.parameters(data, config.epochs, config.batch_size, config.seed_list, config.limit_train),
            tags=["parameters"],
        ),
        _code(code.setup(_)),
        _markdown("## " + _("The data") + "\n\n" + _("MNIST is read from the file, never downloaded.")),
        _code(code.load_data(_)),
        _code(code.explore(_)),
        _markdown(
            "## "
            + _("The course's protocol")
            + "\n\n"
            + _(
                "Adam at its default learning rate, sparse categorical cross-entropy, the last 10% of the training "
                "images held out for validation, a new order of the training images every epoch, every model trained "
                "from a seeded start, once per seed."
            )
        ),
        _code(code.protocol(_)),
        _markdown("## " + _("The networks") + "\n\n" + _network_text(design, _)),
        _code(code.networks(design, models, _)),
        _code(code.summaries()),
        _markdown("## " + _("Training") + "\n\n" + _("Every model of the design, once per seed.")),
        _code(code.training(_)),
        _markdown("## " + _("Results") + "\n\n" + _("Mean ± standard deviation over the seeds.")),
        _code(code.results_table(_)),
        _markdown("### " + _("Learning curves")),
        _code(code.learning_curves(_)),
        _markdown("### " + _("Confusion matrix")),
        _code(code.confusion(_)),
        _markdown("## " + _("The experiment")),
        _code(
            code.experiment([(variant.name, variant.value) for variant in design.variants()], design.experiment.vary, _)
        ),
        _code(code.numbers_file(_)),
    ]
    if config.project is not None and config.project.notes:
        cells.append(
            _markdown(
                "## "
                + _("Your notes")
                + "\n\n"
                + _(
                    "Your notes are in the report, not here: their numbers come from the report's run, and a note here "
                    "must never quote a number that disagrees with this notebook's own outputs above."
                )
            )
        )
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return notebook


def _title(config: BuildConfig, _) -> str:
    info = config.project.report if config.project is not None else None
    title = (
        info.title
        if info is not None and info.title
        else _("Why convolutional networks beat fully-connected ones on images")
    )
    lines = [f"# {title}"]
    if info is not None:
        details = [", ".join(info.authors), info.course, info.institution, str(info.date) if info.date else None]
        lines += ["", " · ".join(detail for detail in details if detail)] if any(details) else []
    lines += ["", _("The analysis of the report as a notebook: run it top to bottom (Run All).")]
    return "\n".join(lines)


def _network_text(design: Design, _) -> str:
    return _(
        "The baseline, the CNN and the experiment's other variants (%(vary)s), built layer by layer in the order the "
        "report builds them: after the same seed they start from the same weights."
    ) % {"vary": variable_name(design.experiment.vary, _)}


def _markdown(source: str) -> nbformat.NotebookNode:
    return v4.new_markdown_cell(source)


def _code(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    return cell
