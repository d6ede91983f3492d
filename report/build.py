"""The build, top to bottom: data -> EDA -> notes checked -> experiments -> figures -> HTML -> PDF.

Everything is computed before anything is written, and every output is
written atomically, so a failed or interrupted build never leaves a partial
report and never replaces a good one with a broken one. Trained models are
the exception by design: each is cached the moment it finishes.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from analysis.architectures import check_builders
from analysis.cache import ResultCache, make_key
from analysis.data import Dataset, load_dataset, resolve_data_path
from analysis.eda import describe_dataset
from analysis.environment import library_versions, training_environment
from analysis.errors import OptionError, OutputError, RenderError
from analysis.experiments import cached_result, collect_experiments, experiment_fits, experiment_key, main_model_fit
from analysis.fits import Fit
from analysis.files import write_atomically
from analysis.probes import collect_probes, probe_fits, variant_sha256
from analysis.workers import run_fits
from report.config import BuildConfig
from report.progress import BuildProgress
from report.source import source_digest


@dataclass(frozen=True)
class BuildOutputs:
    """Where the report was written, what it says, and where the trained main CNN is kept (in the cache)."""

    pdf: Path
    html: Path
    json: Path
    summary: dict
    model: Path


class _StageTimer:
    """Wall time per stage, for the report's appendix."""

    def __init__(self, progress: BuildProgress):
        self.seconds: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def stage(self, name: str, description: str) -> Iterator[None]:
        self._progress.stage(description)
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started


def _unfinished_builders(fits: list[Fit], dataset: Dataset, cache: ResultCache, force: bool) -> set[str]:
    """The names of the networks made by a builder function that some fit of this build has yet to train."""
    return {
        fit.spec.name for fit in fits
        if fit.spec.network.builder is not None
        and (force or cached_result(fit, variant_sha256(dataset.sha256, fit.data), cache) is None)
    }


def plan_fits(config: BuildConfig, n_train: int) -> list[Fit]:
    """Every fit of the build, in the order they are handed out: the main experiment's, then the probes'."""
    design = config.experiment_design
    return experiment_fits(config.training, config.seed_list, design) + probe_fits(
        config.training, config.seed_list, n_train, design
    )


def build(config: BuildConfig, progress: BuildProgress | None = None) -> BuildOutputs:
    """Build the report described by ``config`` and write its PDF, HTML and JSON."""
    progress = progress or BuildProgress()
    check_output_path(config.out)
    cache = ResultCache(config.resolved_cache_dir, on_warning=progress.warning)
    cache.prepare()
    timer = _StageTimer(progress)

    with timer.stage("data", "Reading MNIST"):
        dataset = load_dataset(resolve_data_path(config.data))
        progress.note(f"{dataset.path} ({dataset.format}, sha256 {dataset.sha256[:12]}…): {dataset.n_train:,} train, {dataset.n_test:,} test")
        if config.limit_train is not None and config.limit_train > dataset.n_train:
            raise OptionError(
                f"Invalid value for '--limit-train': {config.limit_train:,} exceeds the {dataset.n_train:,} training "
                f"images in {dataset.path}; lower it or drop it"
            )

    model_path = cache.model_path(_main_model_key(config, dataset))
    report_key = _report_key(config, dataset)
    if not config.force:
        reused = _restore_report(cache, report_key, config, model_path, progress)
        if reused is not None:
            return reused

    with timer.stage("eda", "Exploring the data"):
        eda = describe_dataset(dataset)

    if config.project is not None:
        # The student's notes, against the report this build will write: a
        # placeholder naming nothing stops here, not after an hour of training.
        progress.stage("Checking your notes against the report to come")
        check_notes(config, dataset, eda)

    fits = plan_fits(config, dataset.n_train)
    builders = _unfinished_builders(fits, dataset, cache, config.force)
    if builders:
        # The student's builder functions, run once each before any model trains: a network with the
        # wrong shapes stops the build here, not after the models before it have trained.
        progress.stage("Checking the networks your builder functions make")
        for warning in check_builders(config.experiment_design, builders):
            progress.warning(warning)

    jobs = config.resolved_jobs
    try:
        with timer.stage("training", "Training models: the experiment, then the probes"):
            results = run_fits(fits, dataset, cache, jobs=jobs, force=config.force, events=progress)
    except KeyboardInterrupt as interrupt:
        # Say what survived: every model that finished is already in the cache.
        raise type(interrupt)(
            f"every model that finished training is cached in {cache.directory}; "
            "run the same command again to resume from there"
        ) from None
    experiments = collect_experiments(results, config.training, config.seed_list, config.experiment_design)
    probes = collect_probes(results, config.training, config.seed_list, dataset.n_train, experiments.models,
                            config.experiment_design)

    # Imported late: matplotlib and the renderer cost a second or two, and the
    # checks above should fail fast.
    from report.figures import make_figures
    from report.render import render_html, render_pdf
    from report.summary import summarize

    summary = summarize(
        dataset, eda, experiments, probes, config.training, config.lang, config.as_command_line(shareable=True), timer.seconds,
        jobs=jobs,
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
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary, model=model_path)


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
            # Its numbers come from models trained under these settings (and on this kind of CPU).
            **training_environment(),
            # Any change to the program's code or templates renders the report anew.
            "code": source_digest(),
            # The title block's metadata, the notes' text and their images' bytes: an edit renders anew, from cached models.
            "project": config.project.fingerprint() if config.project is not None else None,
        }
    )


# The stages timed before the HTML is rendered: report.json's environment.stage_seconds as the notes see it.
_STAGES_BEFORE_HTML = ("data", "eda", "training", "figures")


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


def _main_model_key(config: BuildConfig, dataset: Dataset) -> str:
    """The cache key of the fit whose trained model the build keeps."""
    fit = main_model_fit(config.training, config.seed_list, config.experiment_design)
    return experiment_key(fit.spec, fit.settings, dataset.sha256)


def _restore_report(
    cache: ResultCache, key: str, config: BuildConfig, model: Path, progress: BuildProgress
) -> BuildOutputs | None:
    """Write the report a previous build made from exactly these inputs, skipping every later stage.

    Only when the trained main CNN is still in the cache too: it is part of
    what a build delivers (on SageMaker, the job's model artifact).
    """
    files = cache.load_files(key, (".json", ".html", ".pdf"))
    if files is None or not model.is_file():
        return None
    try:
        summary = json.loads(files[".json"])
    except (UnicodeDecodeError, json.JSONDecodeError):
        progress.warning(f"cached report {cache.directory / key}.json is damaged; building it anew")
        return None
    _write_files([(config.json_path, files[".json"]), (config.html_path, files[".html"]), (config.out, files[".pdf"])])
    progress.note(f"Nothing changed since the report of {summary['environment']['generated_at']}: reused it from the cache (--force rebuilds)")
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary, model=model)

