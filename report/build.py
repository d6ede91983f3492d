"""The build, top to bottom: data -> EDA -> notes checked -> experiments -> figures -> HTML -> PDF.

Everything is computed before anything is written, and every output is
written atomically, so a failed or interrupted build never leaves a partial
report and never replaces a good one with a broken one. Trained models are
the exception by design: each is cached the moment it finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from analysis.architectures import check_builders
from analysis.cache import ResultCache, make_key
from analysis.data import Dataset, load_dataset, resolve_data_path
from analysis.eda import describe_dataset
from analysis.environment import library_versions, onednn_setting
from analysis.errors import OptionError, OutputError, RenderError
from analysis.experiments import run_experiments
from analysis.files import write_atomically
from analysis.probes import run_probes
from report.config import BuildConfig


@dataclass(frozen=True)
class BuildOutputs:
    """Where the report was written and what it says."""

    pdf: Path
    html: Path
    json: Path
    summary: dict


class _StageTimer:
    """Wall time per stage, for the report's appendix."""

    def __init__(self, echo: Callable[[str], None]):
        self.seconds: dict[str, float] = {}
        self._echo = echo

    @contextmanager
    def stage(self, name: str, description: str) -> Iterator[None]:
        self._echo(f"==> {description}")
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started


def build(config: BuildConfig, echo: Callable[[str], None] = lambda message: None) -> BuildOutputs:
    """Build the report described by ``config`` and write its PDF, HTML and JSON."""
    check_output_path(config.out)
    cache = ResultCache(config.resolved_cache_dir, on_warning=lambda message: echo(f"warning: {message}"))
    cache.prepare()
    timer = _StageTimer(echo)

    with timer.stage("data", "Reading MNIST"):
        dataset = load_dataset(resolve_data_path(config.data))
        echo(f"    {dataset.path} ({dataset.format}, sha256 {dataset.sha256[:12]}…): {dataset.n_train:,} train, {dataset.n_test:,} test")
        if config.limit_train is not None and config.limit_train > dataset.n_train:
            raise OptionError(
                f"Invalid value for '--limit-train': {config.limit_train:,} exceeds the {dataset.n_train:,} training "
                f"images in {dataset.path}; lower it or drop it"
            )

    report_key = _report_key(config, dataset)
    if not config.force:
        reused = _restore_report(cache, report_key, config, echo)
        if reused is not None:
            return reused

    with timer.stage("eda", "Exploring the data"):
        eda = describe_dataset(dataset)

    if config.project is not None:
        # The student's notes, against the report this build will write: a
        # placeholder naming nothing stops here, not after an hour of training.
        echo("==> Checking your notes against the report to come")
        check_notes(config, dataset, eda)

    if any(network.builder is not None for network in config.experiment_design.networks().values()):
        # The student's builder functions, run once each before any training: a model with the wrong
        # shapes stops the build here, not after the models before it have trained.
        echo("==> Checking the networks your builder function makes")
        for warning in check_builders(config.experiment_design):
            echo(f"warning: {warning}")

    try:
        with timer.stage("training", "Training models"):
            experiments = run_experiments(
                dataset, config.training, cache, design=config.experiment_design, seeds=config.seed_list,
                force=config.force, echo=echo,
            )
        with timer.stage("probes", "Probing inductive bias (permuted pixels, smaller training sets)"):
            probes = run_probes(
                dataset, config.training, cache, seeds=config.seed_list, main_runs=experiments.models,
                design=config.experiment_design, force=config.force, echo=echo,
            )
    except KeyboardInterrupt as interrupt:
        # Say what survived: every model that finished is already in the cache.
        raise type(interrupt)(
            f"every model that finished training is cached in {cache.directory}; "
            "run the same command again to resume from there"
        ) from None

    # Imported late: matplotlib and the renderer cost a second or two, and the
    # checks above should fail fast.
    from report.figures import make_figures
    from report.render import render_html, render_pdf
    from report.summary import summarize

    summary = summarize(
        dataset, eda, experiments, probes, config.training, config.lang, config.as_command_line(shareable=True), timer.seconds
    )
    with timer.stage("figures", "Drawing figures"):
        figures = make_figures(dataset, eda, experiments, summary, lang=config.lang)

    with timer.stage("html", "Rendering HTML"):
        # The HTML shows the stage times known by now; report.json gets all of them.
        summary["environment"]["stage_seconds"] = dict(timer.seconds)
        html = render_html(summary, figures, lang=config.lang, project=config.project)

    pdf, render_error = None, None
    try:
        with timer.stage("pdf", "Rendering PDF"):
            pdf = render_pdf(html)
    except RenderError as error:
        # The HTML and JSON are whole and correct: write them before reporting the failure.
        render_error = error
    summary["environment"]["stage_seconds"] = dict(timer.seconds)
    outputs = _write_outputs(config, summary, html, pdf)
    if render_error is not None:
        raise render_error
    cache.store_files(report_key, {path.suffix: data for path, data in outputs})
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary)


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


def _write_outputs(config: BuildConfig, summary: dict, html: str, pdf: bytes | None) -> list[tuple[Path, bytes]]:
    """JSON first, then HTML, then PDF: the PDF's presence means the whole set is new. Returns what was written."""
    outputs = [(config.json_path, (json.dumps(summary, indent=2) + "\n").encode("utf-8")), (config.html_path, html.encode("utf-8"))]
    if pdf is not None:
        outputs.append((config.out, pdf))
    _write_files(outputs)
    return outputs


def _write_files(outputs: list[tuple[Path, bytes]]) -> None:
    for path, data in outputs:
        try:
            write_atomically(path, data)
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error.strerror or error}); free some space or choose another --out") from None


def _report_key(config: BuildConfig, dataset: Dataset) -> str:
    """Everything a finished report depends on: data, settings, libraries, and the code that computes and renders it."""
    return "report-" + make_key(
        {
            "data_sha256": dataset.sha256,
            "settings": config.training.to_dict(),
            # The networks (reasons included, which the report prints) and the experiment.
            "design": config.experiment_design.fingerprint(),
            "seeds": list(config.seed_list),
            "lang": config.lang,
            "command_line": config.as_command_line(),
            "versions": library_versions(),
            "onednn": onednn_setting(),
            "code": _code_fingerprint(),
            # The title block's metadata, the notes' text and their images' bytes: an edit renders anew, from cached models.
            "project": config.project.fingerprint() if config.project is not None else None,
        }
    )


# The stages timed before the HTML is rendered: report.json's environment.stage_seconds as the notes see it.
_STAGES_BEFORE_HTML = ("data", "eda", "training", "probes", "figures")


def check_notes(config: BuildConfig, dataset: Dataset, eda) -> None:
    """Render the whole report with the project's notes, as this build will, from stand-in numbers and blank figures.

    The structure is report.json's for these settings (summarize_plan), so a
    placeholder that names nothing, a formula that cannot be set or a note that
    leaves the report incomplete fails here, before any training.
    """
    from dataclasses import fields

    from report.figures import Figures, Image
    from report.render import render_html
    from report.summary import summarize_plan

    shape = summarize_plan(
        dataset, eda, config.training, config.experiment_design, config.seed_list, config.lang,
        config.as_command_line(shareable=True), {stage: 0.0 for stage in _STAGES_BEFORE_HTML},
    )
    blank = Image("data:,", 1, 1)
    render_html(shape, Figures(**{field.name: blank for field in fields(Figures)}), config.lang, config.project)


def _code_fingerprint() -> str:
    """A hash of the project's own code and templates, so that any change to them renders the report anew."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*root.glob("analysis/*.py"), *root.glob("report/*.py"), *root.glob("templates/**/*.*")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _restore_report(cache: ResultCache, key: str, config: BuildConfig, echo: Callable[[str], None]) -> BuildOutputs | None:
    """Write the report a previous build made from exactly these inputs, skipping every later stage."""
    files = cache.load_files(key, (".json", ".html", ".pdf"))
    if files is None:
        return None
    try:
        summary = json.loads(files[".json"])
    except (UnicodeDecodeError, json.JSONDecodeError):
        echo(f"warning: cached report {cache.directory / key}.json is damaged; building it anew")
        return None
    _write_files([(config.json_path, files[".json"]), (config.html_path, files[".html"]), (config.out, files[".pdf"])])
    echo(f"Nothing changed since the report of {summary['environment']['generated_at']}: reused it from the cache (--force rebuilds)")
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary)

