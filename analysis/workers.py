"""Running a build's fits: the cached ones read back, the rest trained one at a time here or several at once in workers.

With ``jobs`` above 1, each worker is a fresh Python process (``spawn``: no
TensorFlow state is ever forked) that loads the dataset from its file, makes
the form of it each fit trains on (its pixels permuted, say), trains the fits
it is handed one after another and caches each result the moment it is
finished, exactly as a build in one process does. Every process runs TensorFlow on the same number of threads
(:data:`analysis.TRAINING_THREADS`), so the numbers do not depend on ``jobs``.

The parent process hands out fits in plan order and reports what the workers
say (epochs, results) through :class:`~analysis.fits.FitEvents`. On
Ctrl-C or SIGTERM it stops every worker and keeps what finished. A worker that
dies (killed, out of memory) or fails ends the build with an error naming its
fit, after the fits still running elsewhere have finished and been cached.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from analysis import TRAINING_THREADS, show_tensorflow_logs, tensorflow_logs_shown
from analysis.cache import ResultCache
from analysis.data import Dataset, load_dataset
from analysis.environment import GIB, available_memory_bytes, usable_cpus
from analysis.errors import DataError, WorkerError
from analysis.fits import Fit, FitEvents, FitResult
from analysis.probes import transformed_dataset, transformed_sha256
from analysis.runner import cached_result, run_fit

# The memory budget the automatic --jobs keeps to: a build in one process
# stays within 2 GiB (bench/RESULTS.md), and each further worker, a process
# with its own TensorFlow and copy of the data, within 1.2 GiB more.
BASE_MEMORY_BYTES = 2 * GIB
WORKER_MEMORY_BYTES = int(1.2 * GIB)
# How long a worker asked to stop (SIGTERM) has to clean up before it is killed.
_STOP_GRACE_SECONDS = 10.0
# A worker is replaced by a fresh process after this many fits. TensorFlow
# keeps some memory from every model it trained (about 10-50 MB a fit,
# bench/RESULTS.md); a fresh process costs a few seconds, and keeps each
# worker within its 1.2 GiB however long the build.
FITS_PER_WORKER = 8


def default_jobs(environ: Mapping[str, str] | None = None) -> int:
    """How many fits to train at once here: one per usable CPU (a fit runs on one), as far as memory allows.

    Inside a SageMaker training job, the CPUs are the instance's vCPUs.
    """
    by_cpu = max(1, usable_cpus(environ) // TRAINING_THREADS)
    memory = available_memory_bytes()
    if memory is None:
        return by_cpu
    by_memory = 1 + max(0, (memory - BASE_MEMORY_BYTES) // WORKER_MEMORY_BYTES)
    return max(1, min(by_cpu, by_memory))


def run_fits(
    fits: Sequence[Fit],
    dataset: Dataset,
    cache: ResultCache,
    jobs: int = 1,
    force: bool = False,
    events: FitEvents | None = None,
) -> dict[Fit, FitResult]:
    """Every fit's result: read from the cache, or trained (``jobs`` at a time) and cached at once.

    ``dataset`` is the original data; each fit trains on it as its ``data`` says (permuted pixels, say).
    Fits that appear twice are run once.
    """
    events = events or FitEvents()
    fits = list(dict.fromkeys(fits))
    results: dict[Fit, FitResult] = {}
    for fit in fits:
        stored = None if force else cached_result(fit, transformed_sha256(dataset.sha256, fit.data), cache)
        if stored is not None:
            results[fit] = stored
    pending = [fit for fit in fits if fit not in results]
    workers = max(1, min(jobs, len(pending)))
    events.planned(fits, cached=len(results), jobs=workers, n_train=dataset.n_train)
    for fit, result in results.items():
        events.finished(fit, result)
    if workers == 1:
        transformed: dict[str, Dataset] = {}
        for fit in pending:
            if fit.data not in transformed:
                transformed[fit.data] = transformed_dataset(dataset, fit.data)
            # The cache was read above; a fit left is one to train.
            results[fit] = run_fit(fit, transformed[fit.data], cache, force=True, events=events)
    elif pending:
        results.update(_WorkerPool(workers, dataset, cache, events).run(pending))
    return {fit: results[fit] for fit in fits}


@dataclass
class _Worker:
    process: multiprocessing.Process
    connection: Connection
    fit: Fit | None = None
    fits_done: int = 0


class _RemoteTraceback(Exception):
    """A worker's traceback, chained to the error it raised so that ``--debug`` shows where it happened."""

    def __str__(self) -> str:
        return self.args[0]


class _WorkerPool:
    """Worker processes, each given one fit at a time, in order, until none is left."""

    def __init__(self, count: int, dataset: Dataset, cache: ResultCache, events: FitEvents):
        self._count = count
        self._dataset = dataset
        self._cache = cache
        self._events = events
        self._workers: list[_Worker] = []
        self._retired: list[multiprocessing.Process] = []

    def run(self, fits: Sequence[Fit]) -> dict[Fit, FitResult]:
        results: dict[Fit, FitResult] = {}
        queue = deque(fits)
        failure: BaseException | None = None
        finished = False
        try:
            self._start()
            for worker in self._workers:
                self._hand_out(worker, queue)
            while any(worker.fit is not None for worker in self._workers):
                busy = [worker for worker in self._workers if worker.fit is not None]
                ready = set(wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy]))
                for worker in busy:
                    if worker.connection not in ready and worker.process.sentinel not in ready:
                        continue
                    error = self._read(worker, results)
                    if error is not None and failure is None:
                        failure = error
                        queue.clear()
                        running = [
                            other.fit.label for other in self._workers if other.fit is not None and other is not worker
                        ]
                        if running:
                            self._events.warning(
                                f"{error}; finishing what the other workers are training ({'; '.join(running)}) before stopping"
                            )
                    if worker.fit is None and worker.process.is_alive():
                        if worker.fits_done >= FITS_PER_WORKER and queue:
                            worker = self._replace(worker)
                        self._hand_out(worker, queue)
            if queue and failure is None:
                # Every worker ended between two fits, which only a kill from outside does.
                failure = WorkerError(
                    f"every worker process ended before {queue[0].label} and {len(queue) - 1} other fit(s) were trained; "
                    f"every fit that finished is cached in {self._cache.directory}: run the same command again to resume"
                )
            finished = True
        finally:
            self._stop(wait=not finished)
        if failure is not None:
            raise failure
        return results

    def _start(self) -> None:
        self._workers = [self._spawn(number) for number in range(1, self._count + 1)]

    def _spawn(self, number: int) -> _Worker:
        parent_end, child_end = multiprocessing.get_context("spawn").Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=_work,
            args=(
                child_end,
                str(self._dataset.path),
                self._dataset.sha256,
                str(self._cache.directory),
                tensorflow_logs_shown(),
            ),
            name=f"cnn-report-worker-{number}",
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _replace(self, worker: _Worker) -> _Worker:
        """A fresh process in ``worker``'s place; the old one is told to stop and left to exit."""
        try:
            worker.connection.send(None)
        except OSError:
            pass
        worker.connection.close()
        self._retired.append(worker.process)
        index = self._workers.index(worker)
        self._workers[index] = self._spawn(index + 1)
        return self._workers[index]

    def _hand_out(self, worker: _Worker, queue: deque) -> None:
        if queue:
            worker.fit = queue.popleft()
            try:
                worker.connection.send(worker.fit)
            except OSError:
                pass  # It died while idle; its sentinel says so, and _read names the fit it was given.

    def _read(self, worker: _Worker, results: dict[Fit, FitResult]) -> BaseException | None:
        """Handle every message the worker has sent; an error if its fit failed or it died."""
        try:
            while worker.connection.poll():
                kind, *payload = worker.connection.recv()
                if kind == "started":
                    self._events.started(worker.fit)
                elif kind == "epoch":
                    self._events.epoch_finished(worker.fit, *payload)
                elif kind == "warning":
                    self._events.warning(payload[0])
                elif kind == "finished":
                    results[worker.fit] = payload[0]
                    self._events.finished(worker.fit, payload[0])
                    worker.fit = None
                    worker.fits_done += 1
                elif kind == "failed":
                    error, remote_traceback = payload
                    error.__cause__ = _RemoteTraceback(remote_traceback)
                    worker.fit = None
                    return error
        except (EOFError, OSError):
            pass  # The worker is gone; its sentinel says how.
        if worker.fit is not None and not worker.process.is_alive():
            worker.process.join()
            fit, worker.fit = worker.fit, None
            return WorkerError(
                f"the worker process training {fit.label} died ({_describe_exit(worker.process.exitcode)}); every fit that "
                f"finished is cached in {self._cache.directory}: run the same command again to resume (with a lower --jobs "
                "if memory ran out)"
            )
        return None

    def _stop(self, wait: bool = True) -> None:
        """End every worker: a stop message to the idle, SIGTERM to the busy, SIGKILL to any still there after a grace period.

        After a run in which every worker went idle, ``wait=False`` lets them
        exit on their own (TensorFlow takes seconds to shut down) while the
        build goes on; Python reaps them.
        """
        for worker in self._workers:
            if worker.process.is_alive():
                try:
                    if worker.fit is None:
                        worker.connection.send(None)
                    else:
                        worker.process.terminate()
                except OSError:
                    worker.process.terminate()
        if not wait:
            for worker in self._workers:
                worker.connection.close()
            return
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for process in [*self._retired, *(worker.process for worker in self._workers)]:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for worker in self._workers:
            worker.connection.close()


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        cause = ", which is what the out-of-memory killer sends" if name == "SIGKILL" else ""
        return f"killed by {name}{cause}"
    return f"exit status {exitcode}"


class _PipeEvents(FitEvents):
    """A worker's side of :class:`FitEvents`: each event goes to the parent process as a message."""

    def __init__(self, connection: Connection):
        self._connection = connection

    def started(self, fit: Fit) -> None:
        self._connection.send(("started",))

    def epoch_finished(self, fit: Fit, epoch: int, seconds: float, logs) -> None:
        self._connection.send(("epoch", epoch, seconds, dict(logs)))

    def finished(self, fit: Fit, result: FitResult) -> None:
        self._connection.send(("finished", result))

    def warning(self, message: str) -> None:
        self._connection.send(("warning", message))


class _Stop(BaseException):
    """SIGTERM in a worker: unwinds like an exception, so that no temporary file is left behind."""


def _stop_on_sigterm(signal_number, frame):
    raise _Stop()


def _work(connection: Connection, data_path: str, data_sha256: str, cache_dir: str, show_logs: bool) -> None:
    """A worker process: load the data, then train each fit the parent sends until it sends None or goes away."""
    # Ctrl-C in a terminal reaches every process of the group; the parent
    # decides what happens and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if show_logs:
        show_tensorflow_logs()
    else:
        # TensorFlow's C++ runtime writes to file descriptor 2 whatever its log
        # level; errors of this process reach the parent as messages instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    events = _PipeEvents(connection)
    cache = ResultCache(Path(cache_dir), on_warning=events.warning)
    dataset: Dataset | None = None
    transformed: dict[str, Dataset] = {}
    try:
        while True:
            try:
                fit = connection.recv()
            except EOFError:
                return  # The parent is gone.
            if fit is None:
                return
            try:
                if dataset is None:
                    dataset = load_dataset(Path(data_path))
                    if dataset.sha256 != data_sha256:
                        raise DataError(f"{data_path} changed while the build was running; run the build again")
                if fit.data not in transformed:
                    transformed[fit.data] = transformed_dataset(dataset, fit.data)
                run_fit(fit, transformed[fit.data], cache, force=True, events=events)
            except Exception as error:  # noqa: BLE001 - every failure goes to the parent, which decides
                connection.send(("failed", _picklable(error), traceback.format_exc()))
    except (_Stop, BrokenPipeError, ConnectionResetError):
        return


def _picklable(error: Exception) -> Exception:
    """``error`` itself when it survives pickling (cnn-report's own errors do), else a plain stand-in with its message."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any pickling problem means: send a stand-in
        return RuntimeError(f"{type(error).__name__}: {error}")
