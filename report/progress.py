"""What a build shows while it runs: one live display on a terminal, plain lines elsewhere, nothing with ``--quiet``.

A build reports its stages, notes, warnings and every fit's progress to a
:class:`BuildProgress`, and hands it the finished report for a closing
summary. :func:`make_progress` picks the form: on a terminal, rich's live
display (stage, overall bar and time left, one line per fit in training,
finished fits scrolling above); in a log or a pipe, one plain line per event,
each epoch line with the time left; with ``--quiet``, nothing (errors are the
command line's to print).

The time left is estimated from the epochs already timed: each model's
seconds per training image and epoch, measured so far in this build (while
the other workers ran beside it), applied to what is left of every fit, and
the fits still waiting dealt out to the workers in order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from analysis.fits import Fit, FitEvents, FitResult


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``: a wall time as people read it."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def describe_epoch(logs: Mapping[str, float]) -> str:
    """``loss 0.1234, accuracy 97.10%, val_accuracy 98.00%`` from Keras's epoch logs."""
    parts = []
    if "loss" in logs:
        parts.append(f"loss {logs['loss']:.4f}")
    if "accuracy" in logs:
        parts.append(f"accuracy {logs['accuracy']:.2%}")
    if "val_accuracy" in logs:
        parts.append(f"val_accuracy {logs['val_accuracy']:.2%}")
    return ", ".join(parts)


class TimeLeft:
    """An estimate of a run of fits' remaining wall time, from the epochs timed so far."""

    def __init__(self):
        self._seconds: dict[str, float] = {}  # model name -> seconds of timed epochs
        self._work: dict[str, float] = {}  # model name -> training images x epochs in them
        self._architectures: dict[str, str] = {}  # model name -> "baseline" or "cnn"
        self._overheads: dict[str, list[float]] = {}  # model name -> per-fit seconds outside epochs (evaluation)
        self._queued: list[Fit] = []
        self._running: dict[Fit, list[float]] = {}  # fit -> [started, epochs done, end of the last epoch]
        self._jobs = 1
        self._n_train = 0

    def plan(self, fits: Sequence[Fit], jobs: int, n_train: int) -> None:
        self._queued, self._jobs, self._n_train = list(fits), jobs, n_train

    def start(self, fit: Fit, now: float) -> None:
        if fit in self._queued:
            self._queued.remove(fit)
        self._running[fit] = [now, 0, now]

    def epoch(self, fit: Fit, epoch: int, seconds: float, now: float) -> None:
        name = fit.spec.name
        self._seconds[name] = self._seconds.get(name, 0.0) + seconds
        self._work[name] = self._work.get(name, 0.0) + self._images(fit)
        self._architectures[name] = fit.spec.architecture
        if fit in self._running:
            self._running[fit][1:] = [epoch, now]

    def finish(self, fit: Fit, now: float) -> None:
        if fit in self._queued:
            self._queued.remove(fit)
        state = self._running.pop(fit, None)
        if state is not None and state[1] == fit.settings.epochs:
            self._overheads.setdefault(fit.spec.name, []).append(now - state[2])

    def seconds(self, now: float) -> float | None:
        """The estimated seconds left, or None until an epoch has been timed."""
        if not self._seconds:
            return None
        loads = []
        for fit, (_started, done, last) in self._running.items():
            per_epoch = self._rate(fit) * self._images(fit)
            left = (fit.settings.epochs - done) * per_epoch + self._overhead(fit)
            loads.append(max(0.0, left - (now - last)))
        loads += [0.0] * max(0, self._jobs - len(loads))
        for fit in self._queued:
            # Each waiting fit goes to the worker that frees up first, as the workers take them.
            index = loads.index(min(loads))
            loads[index] += fit.settings.epochs * self._rate(fit) * self._images(fit) + self._overhead(fit)
        return max(loads) if loads else 0.0

    def _images(self, fit: Fit) -> int:
        return fit.settings.images_fitted(self._n_train)

    def _rate(self, fit: Fit) -> float:
        """Seconds per training image and epoch: this model's, else the mean of its architecture's, else of all."""
        name = fit.spec.name
        if name in self._seconds:
            return self._seconds[name] / self._work[name]
        same = [
            self._seconds[other] / self._work[other]
            for other in self._seconds
            if self._architectures[other] == fit.spec.architecture
        ]
        rates = same or [self._seconds[other] / self._work[other] for other in self._seconds]
        return sum(rates) / len(rates)

    def _overhead(self, fit: Fit) -> float:
        times = self._overheads.get(fit.spec.name) or [value for values in self._overheads.values() for value in values]
        return sum(times) / len(times) if times else 0.0


class BuildProgress(FitEvents):
    """What a build reports as it runs, and its closing summary; this one shows nothing (``--quiet``)."""

    def stage(self, description: str) -> None:
        """A stage of the build begins."""

    def note(self, message: str) -> None:
        """A line of information within a stage."""

    def summary(self, files: Sequence[Path], numbers: Sequence[str], seconds: float) -> None:
        """The build is done: the files written, the key numbers, the time taken."""

    def close(self) -> None:
        """Stop any live display; called when the build ends, however it ends."""


class PlainProgress(BuildProgress):
    """One plain line per event, for logs and pipes; ``write`` prints a line, ``check`` runs before each."""

    def __init__(self, write: Callable[[str], None], check: Callable[[], None] = lambda: None, clock=time.monotonic):
        self._write = write
        self._check = check
        self._clock = clock
        self._positions: dict[Fit, str] = {}
        self._n_train = 0
        self._time_left = TimeLeft()

    def _line(self, text: str) -> None:
        self._check()
        self._write(text)

    def stage(self, description: str) -> None:
        self._line(f"==> {description}")

    def note(self, message: str) -> None:
        self._line(f"    {message}")

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")

    def planned(self, fits: Sequence[Fit], cached: int, jobs: int, n_train: int) -> None:
        self._positions = {fit: f"[{index}/{len(fits)}]" for index, fit in enumerate(fits, start=1)}
        self._n_train = n_train
        self._time_left.plan(fits, jobs, n_train)
        to_train = len(fits) - cached
        at_once = f", {jobs} at a time" if to_train > 1 else ""
        self._line(f"    {len(fits)} fits: {cached} from the cache, {to_train} to train{at_once}")

    def started(self, fit: Fit) -> None:
        self._time_left.start(fit, self._clock())
        images = fit.settings.images_used(self._n_train)
        self._line(
            f"{self._positions.get(fit, '')} {fit.label}: training {fit.settings.epochs} epoch(s) on {images:,} images"
        )

    def epoch_finished(self, fit: Fit, epoch: int, seconds: float, logs: Mapping[str, float]) -> None:
        now = self._clock()
        self._time_left.epoch(fit, epoch, seconds, now)
        left = self._time_left.seconds(now)
        line = f"{self._positions.get(fit, '')} {fit.label} epoch {epoch}/{fit.settings.epochs}, {describe_epoch(logs)}, {seconds:.1f} s"
        if left is not None:
            line += f"; about {format_duration(left)} left"
        self._line(line)

    def finished(self, fit: Fit, result: FitResult) -> None:
        self._time_left.finish(fit, self._clock())
        if result.cached:
            self._line(f"{self._positions.get(fit, '')} {fit.label}: cached ({result.test_accuracy:.2%} test accuracy)")
        else:
            self._line(
                f"{self._positions.get(fit, '')} {fit.label}: {result.test_accuracy:.2%} test accuracy, "
                f"{format_duration(result.train_seconds)}"
            )

    def summary(self, files: Sequence[Path], numbers: Sequence[str], seconds: float) -> None:
        self._line(f"Wrote {', '.join(map(str, files))} in {format_duration(seconds)}")
        for number in numbers:
            self._line(f"    {number}")


class LiveProgress(BuildProgress):
    """rich's live display on a terminal, for the whole build: the stage, and while models train a bar with the
    time left and a line per model in training.

    Stages, finished models and warnings print above the display and stay on
    screen; the display itself is redrawn in place, several times a second, by
    rich's own thread, which is why the state it reads sits behind a lock.
    """

    def __init__(self, console, check: Callable[[], None] = lambda: None, clock=time.monotonic):
        self._console = console
        self._check = check
        self._clock = clock
        self._lock = threading.Lock()
        self._live = None
        self._stage = ""
        self._started_at = clock()
        self._time_left = TimeLeft()
        self._training = False
        self._training_started_at = 0.0
        self._done = 0
        self._to_train = 0
        self._jobs = 1
        self._running: dict[Fit, str] = {}

    def _print(self, *renderables) -> None:
        self._check()
        self._console.print(*renderables, highlight=False)

    def stage(self, description: str) -> None:
        with self._lock:
            self._stage = description
        self._print(f"[bold]==>[/bold] {_escape(description)}")
        if self._live is None:
            from rich.live import Live

            self._live = Live(console=self._console, get_renderable=self._render, refresh_per_second=4, transient=True)
            self._live.start()

    def note(self, message: str) -> None:
        self._print(_escape(f"    {message}"))

    def warning(self, message: str) -> None:
        self._print(f"[yellow]warning:[/yellow] {_escape(message)}")

    def planned(self, fits: Sequence[Fit], cached: int, jobs: int, n_train: int) -> None:
        with self._lock:
            self._time_left.plan(fits, jobs, n_train)
            self._to_train, self._jobs, self._done = len(fits) - cached, jobs, 0
            self._training, self._training_started_at = self._to_train > 0, self._clock()
        at_once = f", {jobs} at a time" if self._to_train > 1 else ""
        self._print(_escape(f"    {len(fits)} fits: {cached} from the cache, {self._to_train} to train{at_once}"))

    def started(self, fit: Fit) -> None:
        self._check()
        with self._lock:
            self._time_left.start(fit, self._clock())
            self._running[fit] = f"epoch 1/{fit.settings.epochs}"

    def epoch_finished(self, fit: Fit, epoch: int, seconds: float, logs: Mapping[str, float]) -> None:
        self._check()
        with self._lock:
            self._time_left.epoch(fit, epoch, seconds, self._clock())
            now = f"epoch {epoch + 1}/{fit.settings.epochs}" if epoch < fit.settings.epochs else "evaluating"
            last = (
                f"val_accuracy {logs['val_accuracy']:.2%}"
                if "val_accuracy" in logs
                else f"accuracy {logs.get('accuracy', 0):.2%}"
            )
            self._running[fit] = f"{now} · {last} · {seconds:.1f} s per epoch"

    def finished(self, fit: Fit, result: FitResult) -> None:
        self._check()
        with self._lock:
            self._time_left.finish(fit, self._clock())
            if result.cached:
                return
            self._running.pop(fit, None)
            self._done += 1
            self._training = self._done < self._to_train
        self._print(
            _escape(
                f"  ✓ {fit.label}: {result.test_accuracy:.2%} test accuracy, {format_duration(result.train_seconds)}"
            )
        )

    def summary(self, files: Sequence[Path], numbers: Sequence[str], seconds: float) -> None:
        self._stop_live()
        self._print(f"[bold green]Done[/bold green] in {format_duration(seconds)}. Wrote:")
        for path in files:
            self._print(_escape(f"    {path}"))
        for number in numbers:
            self._print(_escape(f"    {number}"))

    def close(self) -> None:
        self._stop_live()

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _render(self):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        with self._lock:
            now = self._clock()
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True)
            table.add_column(no_wrap=True)
            table.add_row(f"[bold]{_escape(self._stage)}[/bold]", f"{format_duration(now - self._started_at)} so far")
            if not self._training:
                return table
            left = self._time_left.seconds(now)
            elapsed = now - self._training_started_at
            if left is None:
                completed, when = self._done / max(1, self._to_train), "estimating the time left…"
            else:
                completed, when = elapsed / max(elapsed + left, 1e-9), f"about {format_duration(left)} left"
            table.add_row(
                f"{self._done} of {self._to_train} models trained, {self._jobs} at a time",
                ProgressBar(total=1.0, completed=min(completed, 1.0), width=30),
            )
            table.add_row("", when)
            for fit, state in self._running.items():
                table.add_row(_escape(f"  {fit.label}"), _escape(state))
            return table


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def key_numbers(summary: Mapping) -> list[str]:
    """The few numbers a closing summary quotes, from report.json's structure."""

    def accuracy(model: Mapping) -> str:
        spread = model.get("test_accuracy_std")
        return f"{model['test_accuracy']:.2%}" + (f" ± {spread:.2%}" if spread is not None else "")

    from report.i18n import number_format
    from report.labels import value_label, variable_name

    models, experiment = summary["models"], summary["experiment"]
    seeds = len(summary["settings"]["seeds"])

    def english(text: str) -> str:
        return text

    labels = [
        value_label(experiment["vary"], variant["value"], english, number_format("en"))
        for variant in experiment["variants"]
    ]
    lines = [
        f"test accuracy: CNN {accuracy(models[experiment['main']])}, baseline {accuracy(models['baseline'])} "
        f"({seeds} seed{'s' if seeds > 1 else ''})",
        f"{variable_name(experiment['vary'], english)}: "
        + ", ".join(f"{label} {accuracy(variant)}" for label, variant in zip(labels, experiment["variants"])),
    ]
    machine = summary["environment"]["machine"]
    if "instruction_set" in machine:
        lines.append(
            f"instruction set: {machine['instruction_set']}, {machine['instruction_set_description']}; the numbers depend on it"
        )
    return lines


def make_progress(
    quiet: bool, write: Callable[[str], None], check: Callable[[], None] = lambda: None, stream=None
) -> BuildProgress:
    """Nothing with ``quiet``; rich's live display when ``stream`` (default stderr) is a terminal; plain lines otherwise."""
    if quiet:
        return BuildProgress()
    import sys

    from rich.console import Console

    console = Console(file=stream if stream is not None else sys.stderr)
    if console.is_terminal and not console.is_dumb_terminal:
        return LiveProgress(console, check)
    return PlainProgress(write, check)
