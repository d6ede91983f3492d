"""The settings of one build, resolved once from everywhere they can be given.

:func:`resolve_config` is the one place where the command line, the project
file's ``[build]`` table and a SageMaker job's places and hyperparameters
become one frozen :class:`BuildConfig`, and where the design (the networks and
the experiment) is settled, once, with ``--kernel-sizes`` applied. Every
option's type and limits are those of :mod:`report.options`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.design import DEFAULT_EXPERIMENT, Design, checked_design, kernel_experiment
from analysis.errors import ProjectError
from analysis.fits import TrainingSettings
from analysis.workers import default_jobs
from report.options import default_cache_dir, defaults

if TYPE_CHECKING:
    from report.project import Project


@dataclass(frozen=True, kw_only=True)
class BuildConfig:
    """Everything ``cnn-report build`` needs: one field per option of :mod:`report.options`, the project, the design.

    Only :func:`resolve_config` makes one (the fields have no defaults of
    their own: those are the options'), settling ``design`` from the project
    and ``kernel_sizes``; ``kernel_sizes`` stays only to write the command line back.
    """

    out: Path
    data: Path | None
    epochs: int
    batch_size: int
    seed: int
    seeds: int
    limit_train: int | None
    kernel_sizes: tuple[int, ...]
    cache_dir: Path | None
    force: bool
    quiet: bool
    lang: str
    # Fits trained at once, each in its own worker process; None chooses from
    # the machine's cores and memory (analysis.workers.default_jobs). The
    # numbers are the same for every value.
    jobs: int | None
    # The previous report to compare with (a path or an s3:// prefix); None: the report.json at ``out``.
    compare: str | None
    no_compare: bool
    # The Amazon SNS topic told when a conclusion flipped or a metric moved beyond seed noise (report/notify.py).
    notify: str | None
    # Also write the analysis as a notebook, report.ipynb, beside the report.
    notebook: bool
    project: Project | None
    # The networks and the experiment this build trains (the project's, or the course's), --kernel-sizes applied.
    design: Design

    @property
    def html_path(self) -> Path:
        return self.out.with_suffix(".html")

    @property
    def json_path(self) -> Path:
        return self.out.with_suffix(".json")

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    @property
    def seed_list(self) -> tuple[int, ...]:
        """The seeds each model is trained with: ``seed``, ``seed + 1``, ..."""
        return tuple(self.seed + offset for offset in range(self.seeds))

    @property
    def training(self) -> TrainingSettings:
        return TrainingSettings(
            epochs=self.epochs, batch_size=self.batch_size, seed=self.seed, limit_train=self.limit_train
        )

    @property
    def resolved_jobs(self) -> int:
        """How many fits to train at once: ``jobs``, or the machine's choice."""
        return self.jobs if self.jobs is not None else default_jobs()

    def as_command_line(self, shareable: bool = False) -> str:
        """The command that reproduces this build's report, every setting that changes it spelled out (not --jobs).

        ``shareable`` names the output and data files without their folders, as
        the report prints it: a handed-in report must not show where its author
        keeps their files.
        """

        def path(value: Path) -> str:
            return value.name if shareable else str(value)

        arguments = ["cnn-report", "build"]
        if self.project is not None:
            # The project file's own name is shareable: it sits in the folder the report is built from.
            arguments += ["--config", path(self.project.path)]
        arguments += ["--out", path(self.out)]
        if self.data is not None:
            arguments += ["--data", path(self.data)]
        arguments += [
            "--epochs",
            str(self.epochs),
            "--batch-size",
            str(self.batch_size),
            "--seed",
            str(self.seed),
            "--seeds",
            str(self.seeds),
        ]
        if self.limit_train is not None:
            arguments += ["--limit-train", str(self.limit_train)]
        if self.design.experiment == kernel_experiment(self.kernel_sizes):
            # Another experiment is the project file's own, in the file that --config names.
            arguments += ["--kernel-sizes", ",".join(map(str, self.kernel_sizes))]
        arguments += ["--lang", self.lang]
        return shlex.join(arguments)


def resolve_config(*layers: Mapping[str, object], project: Project | None = None) -> BuildConfig:
    """The build's settings: each option's default, under the project's ``[build]``, under each of ``layers`` in turn.

    ``layers`` hold only what their source gave, already converted by the
    options' types: the command line's options, then, inside a SageMaker
    job, the job's places (data, output, cache) and its hyperparameters.
    ``--config`` is not a setting: the caller has read ``project`` from it.
    The design is resolved here, once (:func:`resolve_design`).
    """
    values = defaults()
    values.pop("config_file")
    given = [dict(project.build) if project is not None else {}, *layers]
    for layer in given:
        values.update({name: value for name, value in layer.items() if name != "config_file"})
    kernel_sizes_given = any("kernel_sizes" in layer for layer in given)
    design = resolve_design(project, values["kernel_sizes"], kernel_sizes_given)
    return BuildConfig(**values, project=project, design=design)


def resolve_design(project: Project | None, kernel_sizes: tuple[int, ...], kernel_sizes_given: bool) -> Design:
    """The networks and experiment a build trains: the project's, or the course's kernel sweep.

    ``kernel_sizes`` (``--kernel-sizes``, [build] kernel_sizes or a job's
    hyperparameter, when ``kernel_sizes_given``) sets the values of a kernel
    experiment; for an experiment on anything else it is a mistake, said
    before any training. The sizes are checked as [experiment] values are:
    every variant must have feature maps left.
    """
    design = project.design if project is not None and project.design is not None else Design()
    where = str(project.path) if project is not None else "--kernel-sizes"
    if kernel_sizes_given or design.experiment == DEFAULT_EXPERIMENT:
        if design.experiment.vary != "kernel":
            raise ProjectError(
                f"{where}: --kernel-sizes sets a kernel experiment, but [experiment] varies "
                f"{design.experiment.vary}; drop the option or change vary"
            )
        # Sizes someone gave are theirs to fix; the default sweep over the course's CNN always fits. The
        # warnings are those of the sizes trained, not of the file's own values.
        design = checked_design(
            design.baseline, design.cnn, kernel_experiment(kernel_sizes), where, default=not kernel_sizes_given
        )
    return design
