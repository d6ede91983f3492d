"""The settings of one build, as given on the command line and in the project file."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.architectures import Design
from analysis.experiments import DEFAULT_KERNEL_SIZES, kernel_design
from analysis.fits import TrainingSettings
from analysis.workers import default_jobs

if TYPE_CHECKING:
    from report.project import Project


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cnn-report``, i.e. ``~/.cache/cnn-report`` on most machines."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-report"


@dataclass(frozen=True)
class BuildConfig:
    """Everything ``cnn-report build`` needs; the CLI maps its options onto these fields one to one.

    ``project`` is the checked project file, if any; its [build] values are
    already merged into the other fields.
    """

    out: Path = Path("report.pdf")
    data: Path | None = None
    epochs: int = 10
    batch_size: int = 32
    seed: int = 42
    seeds: int = 3
    limit_train: int | None = None
    kernel_sizes: tuple[int, ...] = DEFAULT_KERNEL_SIZES
    cache_dir: Path | None = None
    force: bool = False
    quiet: bool = False
    lang: str = "en"
    # Fits trained at once, each in its own worker process; None chooses from
    # the machine's cores and memory (analysis.workers.default_jobs). The
    # numbers are the same for every value.
    jobs: int | None = None
    project: Project | None = None
    # The student's networks and experiment (the project file's [models.*] and [experiment]); None: the course's.
    design: Design | None = None

    @property
    def experiment_design(self) -> Design:
        """What this build trains: the student's design (``--kernel-sizes`` already applied), or the course's."""
        return self.design if self.design is not None else kernel_design(self.kernel_sizes)

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
        arguments += ["--epochs", str(self.epochs), "--batch-size", str(self.batch_size), "--seed", str(self.seed), "--seeds", str(self.seeds)]
        if self.limit_train is not None:
            arguments += ["--limit-train", str(self.limit_train)]
        if self.design is None or self.design.experiment == kernel_design(self.kernel_sizes).experiment:
            # A project file's own experiment is in the file that --config names.
            arguments += ["--kernel-sizes", ",".join(map(str, self.kernel_sizes))]
        arguments += ["--lang", self.lang]
        return shlex.join(arguments)
