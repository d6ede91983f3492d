"""The build, top to bottom: settings -> previous report -> data -> EDA -> notes checked -> fits -> summary (and
what changed since the previous report) -> figures -> HTML -> PDF.

Everything is computed before anything is written (report/outputs.py writes
the three files atomically, together), so a failed or interrupted build never
leaves a partial report and never replaces a good one with a broken one.
Trained models are the exception by design: each is cached the moment it finishes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING

from analysis.cache import ResultCache
from analysis.data import Dataset, load_dataset, resolve_data_path
from analysis.eda import EdaResults, describe_dataset
from analysis.errors import OptionError, RenderError
from analysis.fits import Fit
from analysis.plan import collect_models, design_fits, main_model_fit
from analysis.probes import collect_probes, probe_fits, transformed_sha256
from analysis.runner import cached_result, fit_key
from analysis.workers import run_fits
from report.changes import compare_reports
from report.config import BuildConfig
from report.history import extended, history_path, read_history, write_history
from report.outputs import (
    BuildOutputs,
    check_output_path,
    keep_report,
    report_files,
    report_key,
    restore_report,
    write_report,
)
from report.previous import previous_report
from report.progress import BuildProgress

if TYPE_CHECKING:
    from report.figures import Figures

# The stages timed before the HTML is rendered: report.json's environment.stage_seconds as the notes see it.
STAGES_BEFORE_HTML = ("data", "eda", "training", "figures")


def build(config: BuildConfig, progress: BuildProgress | None = None) -> BuildOutputs:
    """Build the report described by ``config`` and write its PDF, HTML and JSON."""
    progress = progress or BuildProgress()
    check_output_path(config.out)
    # Read before anything is written: by default it is the report this build replaces.
    previous = previous_report(config, progress)
    cache = ResultCache(config.resolved_cache_dir, on_warning=progress.warning)
    cache.prepare()
    timer = _StageTimer(progress)

    with timer.stage("data", "Reading MNIST"):
        dataset = load_dataset(resolve_data_path(config.data))
        progress.note(
            f"{dataset.path} ({dataset.format}, sha256 {dataset.sha256[:12]}…): {dataset.n_train:,} train, {dataset.n_test:,} test"
        )
        if config.limit_train is not None and config.limit_train > dataset.n_train:
            raise OptionError(
                f"Invalid value for '--limit-train': {config.limit_train:,} exceeds the {dataset.n_train:,} training "
                f"images in {dataset.path}; lower it or drop it"
            )

    main_fit = main_model_fit(config.training, config.seed_list, config.design)
    model_path = cache.model_path(fit_key(main_fit.spec, main_fit.settings, dataset.sha256))
    key = report_key(config, dataset, previous)
    if not config.force:
        reused = restore_report(cache, key, config, model_path, progress)
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
        from analysis.models import check_builders  # runs the student's code, with TensorFlow

        for warning in check_builders(config.design, builders):
            progress.warning(warning)

    jobs = config.resolved_jobs
    try:
        with timer.stage("training", "Training models: the networks of the design, then the probes"):
            results = run_fits(fits, dataset, cache, jobs=jobs, force=config.force, events=progress)
    except KeyboardInterrupt as interrupt:
        # Say what survived: every model that finished is already in the cache.
        raise type(interrupt)(
            f"every model that finished training is cached in {cache.directory}; "
            "run the same command again to resume from there"
        ) from None
    trained = collect_models(results, config.training, config.seed_list, config.design)
    probes = collect_probes(results, config.training, config.seed_list, dataset.n_train, trained.models, config.design)

    # Imported late: matplotlib and the renderer cost a second or two, and the
    # checks above should fail fast.
    from report.figures import make_figures
    from report.render import render_html, render_pdf
    from report.summary import summarize

    summary = summarize(
        dataset,
        eda,
        trained,
        probes,
        config.training,
        config.lang,
        config.as_command_line(shareable=True),
        timer.seconds,
        jobs=jobs,
        project=config.project.record() if config.project is not None else None,
    )
    summary["changes"] = compare_reports(previous, summary) if previous is not None else None
    history_file = history_path(config.resolved_cache_dir, config.out)
    summary["history"] = extended(read_history(history_file, progress.warning), summary)
    with timer.stage("figures", "Drawing figures"):
        figures = make_figures(dataset, eda, trained, summary, lang=config.lang)

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
    files = write_report(config, summary, html, pdf)
    write_history(history_file, summary["history"], progress.warning)
    if render_error is not None:
        raise render_error
    keep_report(cache, key, files)
    _keep_unchanged(config, dataset, cache, summary, figures)
    return BuildOutputs(pdf=config.out, html=config.html_path, json=config.json_path, summary=summary, model=model_path)


def _keep_unchanged(config: BuildConfig, dataset: Dataset, cache: ResultCache, summary: dict, figures: Figures) -> None:
    """Keep the report the next build writes if nothing changes: this one, compared with itself.

    Its "What changed" section is gone and its appendix says it is the same as
    this report. Rendered now, while the figures are at hand, so that a rebuild
    with nothing changed writes it from the cache instead of rendering again.
    """
    from report.render import render_html, render_pdf

    unchanged = {**summary, "changes": compare_reports(summary, summary)}
    html = render_html(unchanged, figures, lang=config.lang, project=config.project)
    try:
        pdf = render_pdf(html)
    except RenderError:
        return  # the report itself was written; only the shortcut for the next build is lost
    keep_report(cache, report_key(config, dataset, unchanged), report_files(unchanged, html, pdf))


def plan_fits(config: BuildConfig, n_train: int) -> list[Fit]:
    """Every fit of the build, in the order they are handed out: the design's models', then the probes'."""
    return design_fits(config.training, config.seed_list, config.design) + probe_fits(
        config.training, config.seed_list, n_train, config.design
    )


def check_notes(config: BuildConfig, dataset: Dataset, eda: EdaResults) -> None:
    """Render the whole report with the project's notes, as this build will, from stand-in numbers and blank figures.

    The structure is report.json's for these settings (summarize_plan), so a
    placeholder that names nothing, a formula that cannot be set or a note that
    leaves the report incomplete fails here, before any training.
    """
    from report.figures import Figures, Image
    from report.render import render_html
    from report.summary import summarize_plan

    shape = summarize_plan(
        dataset,
        eda,
        config.training,
        config.design,
        config.seed_list,
        config.lang,
        config.as_command_line(shareable=True),
        {stage: 0.0 for stage in STAGES_BEFORE_HTML},
        project=config.project.record() if config.project is not None else None,
    )
    blank = Image("data:,", 1, 1)
    render_html(shape, Figures(**{field.name: blank for field in fields(Figures)}), config.lang, config.project)


def _unfinished_builders(fits: list[Fit], dataset: Dataset, cache: ResultCache, force: bool) -> set[str]:
    """The names of the networks made by a builder function that some fit of this build has yet to train."""
    return {
        fit.spec.name
        for fit in fits
        if fit.spec.network.builder is not None
        and (force or cached_result(fit, transformed_sha256(dataset.sha256, fit.data), cache) is None)
    }


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
