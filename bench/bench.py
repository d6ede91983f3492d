"""cnn-report's benchmark: training throughput against a plain Keras script, and the build's times and memory.

Run on demand, never in CI's test suite::

    python bench/bench.py [--limit-train N] [--variants all]

It prints one line per figure (paste them into bench/RESULTS.md):

- per model, the training throughput of a plain reference (``model.fit`` on
  numpy arrays, the same model and settings) and of the build's own training
  path, in samples/s and estimated GFLOP/s, and their ratio;
- per model, the build's path at each thread count of ``--threads`` (the
  build runs every fit on one thread), and ``--side-by-side`` fits at once,
  one thread each, as ``--jobs`` runs them;
- optionally, the same for speed variants of the build's path (XLA, steps per
  execution, a cached tf.data pipeline, the build without oneDNN), with the
  final epoch's accuracy so that equal accuracy can be checked;
- from those per-fit figures, the training time a default build should take
  at --jobs 1, 2, 4 and 16;
- the wall time of a whole default build at each ``--jobs`` value, side by
  side, split by stage, with the peak memory of its whole process tree and
  whether the numbers agree; and the wall time of a cached rebuild and whether
  it imported TensorFlow.

Every measurement runs in a fresh Python process that this script starts
again with ``--worker``: thread and oneDNN settings only take effect before
TensorFlow starts, op determinism (which the build switches on) cannot be
switched off for the plain reference once on, and a build's peak memory is
only its own in a process of its own. This process never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The first epoch traces the training graph (and compiles it, with XLA); it is
# run but not timed, so that throughput is the steady state a 10-epoch build sees.
WARMUP_EPOCHS = 1
# The course CNN's kernel sizes the benchmark can time: every odd size its 'valid' maps leave room for.
BENCH_KERNEL_SIZES = (1, 3, 5, 7, 9)
# Speed settings tried on top of the build's training path; a variant is one
# of these or several joined with "+", e.g. "jit+no-determinism".
TWEAKS = {
    "jit": "XLA: compile(jit_compile=True)",
    "no-spe": "compile(steps_per_execution=1): one training step per call into TensorFlow (the build runs 32)",
    "cache-prefetch": "tf.data: .cache() before the shuffle, .prefetch(AUTOTUNE), autotuning on",
    # Keras turns jit_compile off while op determinism is on, so XLA needs this one too.
    "no-determinism": "op determinism left off (the build switches it on)",
    # The build asks for TensorFlow's oneDNN kernels (analysis/__init__.py); this is the build without them.
    "no-onednn": "TensorFlow's oneDNN kernels left at TensorFlow's default for this CPU (the build switches them on)",
}
ALL_VARIANTS = ("no-onednn", "no-spe", "cache-prefetch", "no-determinism", "jit+no-determinism")
# The stages the build times, in the order it runs them (report.json, environment.stage_seconds).
BUILD_STAGES = ("data", "eda", "training", "figures", "html", "pdf")
RENDER_STAGES = ("figures", "html", "pdf")
# The targets, printed beside the figures they apply to.
TARGET_RENDER_SECONDS = 10.0
TARGET_CACHED_SECONDS = 3.0
TARGET_PEAK_RSS_GIB = 2.0
TARGET_EXTRA_WORKER_GIB = 1.2
GIB = 1024**3
# The machines bench/RESULTS.md predicts a default build's training time for, by --jobs.
PREDICTED_JOBS = (1, 2, 4, 16)
# How often the build's process tree is measured for its peak memory.
_MEMORY_SAMPLE_SECONDS = 0.1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark the command line asks for; the exit status is 1 if any measurement failed."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"] and len(argv) == 2:
        # Before anything imports ``analysis``, which would ask TensorFlow for oneDNN (see _worker_environment).
        _run_worker(Path(argv[1]))
        return 0
    arguments = _parse_arguments(argv)

    from analysis.data import load_dataset, resolve_data_path
    from analysis.environment import describe_machine, library_versions
    from analysis.errors import DataError
    from analysis.fits import TrainingSettings

    try:
        data_path = resolve_data_path(arguments.data)
        dataset = load_dataset(data_path)
    except DataError as error:
        sys.exit(f"Error: {error}")
    if arguments.limit_train is not None and arguments.limit_train > dataset.n_train:
        sys.exit(
            f"Error: --limit-train {arguments.limit_train:,} exceeds the {dataset.n_train:,} training images in {data_path}"
        )

    machine = describe_machine()
    versions = library_versions()
    protocol = TrainingSettings()
    images = f"all {dataset.n_train:,}" if arguments.limit_train is None else f"the first {arguments.limit_train:,}"
    _emit(f"cnn-report benchmark, {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}")
    _emit(f"command: {_command_line()}")
    _emit(
        f"machine: {machine['processor']}, {machine['cpu_count']} CPUs ({_vector_extensions()}), {machine['platform']}"
    )
    _emit(
        f"instruction set: {machine['instruction_set']} = {machine['instruction_set_description']}, the tier oneDNN picks "
        "its kernels by; the numbers of a build depend on it"
    )
    _emit(f"load average at start: {os.getloadavg()[0]:.2f} (a quiet machine reads near 0)")
    _emit("versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()))
    _emit(f"data: {data_path} (sha256 {dataset.sha256[:12]}…), {images} training images, the last 10% held out")
    _emit(
        f"throughput: batch {protocol.batch_size}, seed {protocol.seed}, {arguments.throughput_epochs} timed epoch(s) after {WARMUP_EPOCHS} "
        "warm-up epoch; samples/s count training images only, the validation pass excluded"
    )
    for variant in arguments.variants:
        _emit(f"variant {variant}: " + "; ".join(TWEAKS[tweak] for tweak in variant.split("+")))

    failures = 0
    per_fit: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cnn-report-bench-") as scratch:
        runner = _WorkerRunner(Path(scratch))
        for model in arguments.models:
            failures += _bench_model(runner, model, data_path, arguments, per_fit)
        _predict_scaling(per_fit, dataset.n_train, arguments)
        if not arguments.skip_build:
            failures += _bench_build(runner, arguments.keep_build or Path(scratch), data_path, arguments)
    return 1 if failures else 0


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    from analysis.design import Design, kernel_design
    from analysis.plan import plan_models

    known_models = [spec.name for spec in plan_models(kernel_design(BENCH_KERNEL_SIZES))]
    default_models = [spec.name for spec in plan_models(Design())]

    def model_list(value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in known_models]
        if not names or unknown:
            raise argparse.ArgumentTypeError(
                f"unknown model(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(known_models)}"
            )
        return names

    def variant_list(value: str) -> list[str]:
        if value.strip() == "all":
            return list(ALL_VARIANTS)
        variants = []
        for variant in filter(None, (part.strip() for part in value.split(","))):
            tweaks = variant.split("+")
            unknown = [tweak for tweak in tweaks if tweak not in TWEAKS]
            if unknown or len(set(tweaks)) != len(tweaks):
                raise argparse.ArgumentTypeError(
                    f"bad variant {variant!r}; join distinct names from {', '.join(TWEAKS)} with '+', or say 'all'"
                )
            # One spelling per combination, in TWEAKS's order, so "no-spe+jit" and "jit+no-spe" are one variant.
            variants.append("+".join(tweak for tweak in TWEAKS if tweak in tweaks))
        return list(dict.fromkeys(variants))

    parser = argparse.ArgumentParser(
        prog="bench/bench.py",
        description="Time cnn-report's training against a plain Keras script, and its whole build.",
    )
    parser.add_argument(
        "--limit-train",
        type=int,
        default=None,
        metavar="N",
        help="Train on the first N training images only (default: all 60,000).",
    )
    parser.add_argument("--epochs", type=int, default=10, metavar="N", help="Epochs of the timed build (default: 10).")
    parser.add_argument(
        "--throughput-epochs",
        type=int,
        default=1,
        metavar="N",
        help=f"Timed epochs per throughput measurement, after {WARMUP_EPOCHS} untimed warm-up epoch (default: 1).",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="mnist.npz or a folder of IDX files (default: found as `cnn-report build` finds it).",
    )
    parser.add_argument(
        "--models",
        type=model_list,
        default=default_models,
        metavar="NAMES",
        help=f"Comma-separated models to time (default: {','.join(default_models)}).",
    )
    parser.add_argument(
        "--variants",
        type=variant_list,
        default=[],
        metavar="LIST",
        help=f"Speed variants of the build's training to time as well: a comma-separated list of {', '.join(TWEAKS)} "
        f"and '+' combinations such as jit+no-determinism, or 'all' for {','.join(ALL_VARIANTS)} (default: none).",
    )
    parser.add_argument(
        "--threads",
        type=_number_list,
        default=[1, 2],
        metavar="LIST",
        help="TensorFlow intra-op thread counts to time each model's fit at (default: 1,2; the build uses 1).",
    )
    parser.add_argument(
        "--side-by-side",
        type=int,
        default=2,
        metavar="N",
        help="Also time N fits of each model at once, one thread each, as --jobs N runs them (default: 2; 1: skip).",
    )
    parser.add_argument(
        "--jobs",
        type=_number_list,
        default=[1, 2],
        metavar="LIST",
        help="Time the build at each of these --jobs values, one after the other (default: 1,2).",
    )
    parser.add_argument("--skip-build", action="store_true", help="Time training throughput only, not the build.")
    parser.add_argument(
        "--keep-build",
        type=Path,
        default=None,
        metavar="DIR",
        help="Build into DIR/build (the report) and DIR/cache (its cache) and keep them; DIR must not "
        "hold either yet (default: a temporary folder, removed at the end).",
    )
    arguments = parser.parse_args(argv)
    if arguments.keep_build is not None and any((arguments.keep_build / part).exists() for part in ("build", "cache")):
        parser.error(
            f"--keep-build {arguments.keep_build}: it already holds build/ or cache/; the build must start from an empty cache"
        )
    for name in ("limit_train", "epochs", "throughput_epochs", "side_by_side"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return arguments


def _number_list(value: str) -> list[int]:
    try:
        numbers = list(dict.fromkeys(int(part) for part in value.split(",") if part.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a comma-separated list of whole numbers, e.g. 1,2"
        ) from None
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give numbers of at least 1")
    return numbers


def _bench_model(
    runner: _WorkerRunner, model: str, data_path: Path, arguments: argparse.Namespace, per_fit: dict[str, float]
) -> int:
    """Print the throughput lines of one model; return how many measurements failed.

    ``per_fit`` gets the model's samples per CPU-second of a one-thread fit
    (side by side when measured, else alone), for :func:`_predict_scaling`.
    """
    from analysis import TRAINING_THREADS

    job = {
        "kind": "throughput",
        "model": model,
        "data": str(data_path),
        "limit_train": arguments.limit_train,
        "epochs": arguments.throughput_epochs,
    }
    plain = runner.run({**job, "mode": "plain", "tweaks": []})
    if plain is None:
        _emit(f"throughput {model} plain: failed (see the error above)")
        return 1
    _emit(
        f"forward FLOPs {model}: {plain['forward_flops'] / 1e6:.3f} MFLOP per image (conv and dense multiply-adds and biases)"
    )
    _emit(f"throughput {model} plain: {_describe_throughput(plain)}")
    failures = 0
    pipeline = None
    for variant in ["pipeline", *arguments.variants]:
        tweaks = [] if variant == "pipeline" else variant.split("+")
        measured = runner.run({**job, "mode": "pipeline", "tweaks": tweaks})
        if measured is None:
            _emit(f"throughput {model} {variant}: failed (see the error above)")
            failures += 1
            continue
        pipeline = measured if variant == "pipeline" else pipeline
        speed = _samples_per_second(measured) / _samples_per_second(plain)
        line = f"throughput {model} {variant}: {_describe_throughput(measured, f'{speed:.2f}x plain speed (time {1 / speed:.2f}x)')}"
        if "jit" in tweaks and not measured["xla"]:
            line += " (Keras refused XLA and ran without it)"
        _emit(line)
    if pipeline is None:
        return failures
    one = _samples_per_second(pipeline)
    per_fit[model] = pipeline["samples"] / pipeline["cpu_seconds"]
    for threads in arguments.threads:
        if threads == TRAINING_THREADS:
            continue
        measured = runner.run({**job, "mode": "pipeline", "tweaks": [], "threads": threads})
        if measured is None:
            _emit(f"throughput {model} threads={threads}: failed (see the error above)")
            failures += 1
            continue
        comparison = f"{_samples_per_second(measured) / one:.2f}x the build's {TRAINING_THREADS} thread"
        _emit(f"throughput {model} threads={threads}: {_describe_throughput(measured, comparison)}")
    if arguments.side_by_side > 1:
        measured_all = runner.run_many([{**job, "mode": "pipeline", "tweaks": []}] * arguments.side_by_side)
        if measured_all is None:
            _emit(f"throughput {model} {arguments.side_by_side} side by side: failed (see the error above)")
            return failures + 1
        speeds = [_samples_per_second(measured) for measured in measured_all]
        per_fit[model] = sum(measured["samples"] for measured in measured_all) / sum(
            measured["cpu_seconds"] for measured in measured_all
        )
        _emit(
            f"throughput {model} {len(speeds)} side by side, {TRAINING_THREADS} thread each (--jobs {len(speeds)}): "
            f"{sum(speeds) / len(speeds):,.0f} samples/s per fit ({', '.join(f'{speed:,.0f}' for speed in speeds)}), "
            f"{sum(speeds):,.0f} together: {sum(speeds) / one:.2f}x one fit alone; {per_fit[model]:,.0f} samples per CPU-second"
        )
    return failures


def _predict_scaling(per_fit: dict[str, float], n_train: int, arguments: argparse.Namespace) -> None:
    """Print the training time a default build should take at each of PREDICTED_JOBS, from the per-fit figures.

    With one fit per core, each fit gets one core's time, so it trains at its
    model's samples per CPU-second (measured with fits side by side, or
    alone): a figure that other load on the machine hardly changes, where
    wall-time throughput on a shared machine does. Every fit of the default
    build's plan takes epochs x its training images / that speed, and the fits
    are dealt out in plan order to whichever worker frees up first, as
    :mod:`analysis.workers` does. Evaluation and start-up are left out.
    """
    from report.build import plan_fits
    from report.config import resolve_config

    fits = plan_fits(resolve_config(), n_train)
    missing = sorted({fit.spec.name for fit in fits} - set(per_fit))
    if missing:
        _emit(f"predicted default build: skipped (no throughput of {', '.join(missing)}; time all models to get it)")
        return
    durations = [fit.settings.epochs * fit.settings.images_fitted(n_train) / per_fit[fit.spec.name] for fit in fits]
    basis = f"{arguments.side_by_side} side by side" if arguments.side_by_side > 1 else "alone"
    for jobs in PREDICTED_JOBS:
        loads = [0.0] * jobs
        for duration in durations:
            loads[loads.index(min(loads))] += duration
        _emit(
            f"predicted default build training at --jobs {jobs} on {jobs} free cores: {max(loads) / 60:.1f} min "
            f"({len(fits)} fits at the samples per CPU-second measured {basis} here; longest fit {max(durations) / 60:.1f} min)"
        )


def _bench_build(runner: _WorkerRunner, scratch: Path, data_path: Path, arguments: argparse.Namespace) -> int:
    """Print the lines of a fresh default build at each --jobs value, and of one cached rebuild; return how many failed."""
    builds: dict[int, dict] = {}
    for jobs in arguments.jobs:
        out = scratch / f"build-jobs{jobs}" / "report.pdf"
        out.parent.mkdir(parents=True)
        command = [
            "build",
            "--out",
            str(out),
            "--cache-dir",
            str(scratch / f"cache-jobs{jobs}"),
            "--data",
            str(data_path),
            "--epochs",
            str(arguments.epochs),
            "--jobs",
            str(jobs),
        ]
        if arguments.limit_train is not None:
            command += ["--limit-train", str(arguments.limit_train)]
        job = {"kind": "build", "arguments": command}
        started = time.perf_counter()
        fresh = runner.run(job, measure_tree=True)
        fresh_seconds = time.perf_counter() - started
        if fresh is None:
            _emit(f"build --jobs {jobs}: failed (see the error above)")
            return 1
        summary = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        builds[jobs] = {"job": job, "out": out, "summary": summary, "seconds": fresh_seconds}
        stages = summary["environment"]["stage_seconds"]
        options = shlex.join(command[command.index("--epochs") :])
        _emit(
            f"build --jobs {jobs} wall: {fresh_seconds:.1f} s (process start to exit; cnn-report build {options}, "
            "other options at their defaults)"
        )
        for stage in BUILD_STAGES:
            _emit(f"build --jobs {jobs} stage {stage}: {stages[stage]:.2f} s")
            if stage == "training":
                for name, model in summary["models"].items():
                    runs = model.get("runs", 1)
                    _emit(
                        f"build --jobs {jobs} training {name}: {model['train_seconds']:.1f} s per run, {runs} run(s) "
                        "(fit only, evaluation excluded)"
                    )
        render_seconds = sum(stages[stage] for stage in RENDER_STAGES)
        _emit(f"build --jobs {jobs} figures+html+pdf: {render_seconds:.2f} s (target <= {TARGET_RENDER_SECONDS:g} s)")
        target = TARGET_PEAK_RSS_GIB + TARGET_EXTRA_WORKER_GIB * (jobs - 1)
        _emit(
            f"build --jobs {jobs} peak RSS of the process tree: {fresh['tree_peak_rss_bytes'] / GIB:.3f} GiB, sampled every "
            f"{_MEMORY_SAMPLE_SECONDS:g} s (target <= {target:g} GiB); largest process {fresh['peak_rss_bytes'] / GIB:.3f} GiB"
        )
    first, *others = arguments.jobs
    for jobs in others:
        same = _numbers(builds[jobs]["summary"]) == _numbers(builds[first]["summary"])
        _emit(
            f"build --jobs {jobs} against --jobs {first}: wall {builds[jobs]['seconds'] / builds[first]['seconds']:.2f}x, "
            f"training stage {builds[jobs]['summary']['environment']['stage_seconds']['training'] / builds[first]['summary']['environment']['stage_seconds']['training']:.2f}x; "
            f"numbers identical: {'yes' if same else 'NO'}"
        )

    reference = builds[first]
    started = time.perf_counter()
    cached = runner.run(reference["job"])
    cached_seconds = time.perf_counter() - started
    if cached is None:
        _emit("cached rebuild: failed (see the error above)")
        return 1
    imported = "yes" if cached["tensorflow_imported"] else "no"
    rebuilt = json.loads(reference["out"].with_suffix(".json").read_text(encoding="utf-8"))["environment"]
    _emit(f"cached rebuild wall: {cached_seconds:.2f} s (target <= {TARGET_CACHED_SECONDS:g} s)")
    if rebuilt["generated_at"] == reference["summary"]["environment"]["generated_at"]:
        # The rebuild wrote back the first build's finished report, stage times included.
        _emit("cached rebuild stages: none ran (the finished report was reused from the cache)")
    else:
        _emit(
            "cached rebuild stages: "
            + ", ".join(f"{stage} {rebuilt['stage_seconds'][stage]:.2f} s" for stage in BUILD_STAGES)
        )
    _emit(f"cached rebuild imported tensorflow: {imported} (target: no)")
    return 0


def _numbers(summary: dict) -> object:
    """Every measured number of a report (models and probes), without times and cache flags, which differ run to run."""

    def strip(value):
        if isinstance(value, dict):
            return {
                key: strip(item)
                for key, item in value.items()
                if "seconds" not in key and key not in ("cached", "time_ratio")
            }
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip({"models": summary["models"], "probes": summary["probes"], "kernels": summary["kernels"]})


def _samples_per_second(measured: dict) -> float:
    return measured["samples"] / measured["seconds"]


def _describe_throughput(measured: dict, comparison: str | None = None) -> str:
    """Samples/s, estimated GFLOP/s (training taken as 3x the forward pass), and the final epoch's accuracy."""
    speed = _samples_per_second(measured)
    parts = [f"{speed:,.0f} samples/s", f"{3 * measured['forward_flops'] * speed / 1e9:.2f} GFLOP/s"]
    if measured.get("cpu_seconds"):
        parts.append(f"{measured['samples'] / measured['cpu_seconds']:,.0f} samples per CPU-second")
    if comparison is not None:
        parts.append(comparison)
    parts.append(f"oneDNN {'on' if measured['onednn'] else 'off'}")
    threads = measured.get("threads", "0")
    parts.append("threads: TensorFlow's default (one per core)" if threads == "0" else f"{threads} thread(s)")
    accuracy = f"final epoch accuracy {measured['accuracy']:.2%}"
    if measured["val_accuracy"] is not None:
        accuracy += f", val_accuracy {measured['val_accuracy']:.2%}"
    return ", ".join(parts) + f"; {accuracy}"


class _WorkerRunner:
    """Runs measurements in fresh ``bench.py --worker`` processes and reads back their results."""

    def __init__(self, scratch: Path):
        self._scratch = scratch
        self._count = 0

    def run(self, job: dict, measure_tree: bool = False) -> dict | None:
        """The worker's result, or None (after its error has shown on stderr) if it failed.

        With ``measure_tree``, the result also holds the peak resident memory
        of the worker and every process it started, summed, as sampled here.
        """
        process, result = self._start(job)
        sampler = _TreeMemory(process.pid) if measure_tree else None
        returncode = process.wait()
        peak = sampler.stop() if sampler is not None else None
        if returncode != 0:
            return None
        measured = json.loads(result.read_text(encoding="utf-8"))
        return {**measured, "tree_peak_rss_bytes": peak} if peak is not None else measured

    def run_many(self, jobs: list[dict]) -> list[dict] | None:
        """Run ``jobs`` at the same time, each in its own worker; their results, or None if any failed."""
        started = [self._start(job) for job in jobs]
        if any(process.wait() != 0 for process, _ in started):
            return None
        return [json.loads(result.read_text(encoding="utf-8")) for _, result in started]

    def _start(self, job: dict) -> tuple[subprocess.Popen, Path]:
        self._count += 1
        job_path = self._scratch / f"job-{self._count}.json"
        result = job_path.with_suffix(".result.json")
        job_path.write_text(json.dumps({**job, "result": str(result)}), encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(job_path)], env=_worker_environment(job)
        )
        return process, result


class _TreeMemory:
    """Samples the summed resident memory of a process and all its descendants, from /proc, until stopped."""

    def __init__(self, pid: int):
        self._pid = pid
        self._peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        """The peak, in bytes."""
        self._done.set()
        self._thread.join()
        return self._peak

    def _sample(self) -> None:
        while not self._done.is_set():
            self._peak = max(self._peak, _tree_rss_bytes(self._pid))
            self._done.wait(_MEMORY_SAMPLE_SECONDS)


def _tree_rss_bytes(root: int) -> int:
    """VmRSS of ``root`` and its descendants, summed (0 for processes that end while being read)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                # The command name in parentheses may hold spaces; the parent id follows the state after it.
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return total


def _worker_environment(job: dict) -> dict[str, str]:
    """The environment of a job's worker: the plain reference and 'no-onednn' get TensorFlow's own oneDNN default.

    The build sets TF_ENABLE_ONEDNN_OPTS=1 itself when ``analysis`` is
    imported; setting it to 0 is how a user turns that off, but the plain
    reference must see what a plain script sees, so there it is unset and
    TensorFlow is imported before ``analysis`` (see :func:`_time_training`).
    The plain reference also runs on TensorFlow's own thread count ("0": one
    per core), and a job with ``threads`` on that many.
    """
    from analysis import INTRA_OP_THREADS_ENV_VAR, ONEDNN_ENV_VAR

    environment = dict(os.environ)
    if job.get("mode") == "plain" or "no-onednn" in job.get("tweaks", []):
        environment.pop(ONEDNN_ENV_VAR, None)
    if job.get("mode") == "plain":
        environment[INTRA_OP_THREADS_ENV_VAR] = "0"
    if job.get("threads"):
        environment[INTRA_OP_THREADS_ENV_VAR] = str(job["threads"])
    return environment


def _run_worker(job_path: Path) -> None:
    """The worker side: do one measurement and write its result as JSON where the job says."""
    job = json.loads(job_path.read_text(encoding="utf-8"))
    result = _time_training(job) if job["kind"] == "throughput" else _build_report(job)
    Path(job["result"]).write_text(json.dumps(result), encoding="utf-8")


def _build_report(job: dict) -> dict:
    """Run ``cnn-report build`` as a user does, in this process, and say what it cost."""
    from report.cli import main as cnn_report

    cnn_report.main(args=job["arguments"], prog_name="cnn-report", standalone_mode=False)
    return {"tensorflow_imported": "tensorflow" in sys.modules, "peak_rss_bytes": _peak_rss_bytes()}


def _time_training(job: dict) -> dict:
    """Train one model for a warm-up epoch plus the timed ones, and time the latter."""
    tweaks = set(job["tweaks"])
    # Imported before ``analysis``, which would ask for oneDNN: the plain
    # reference and 'no-onednn' run with what TensorFlow picks for this CPU.
    import tensorflow  # noqa: F401
    from tensorflow.python.util import _pywrap_util_port  # TensorFlow's own "is oneDNN on" switch

    onednn = bool(_pywrap_util_port.IsMklEnabled())

    import keras

    from analysis.data import load_dataset
    from analysis.design import kernel_design
    from analysis.fits import TrainingSettings
    from analysis.models import compile_for_training
    from analysis.plan import plan_models
    from analysis.training import (
        BUILD_COMPILE_OPTIONS,
        build_model,
        fit_model,
        make_pipelines,
        prepare_model,
        scale_images,
        split_for_validation,
    )

    spec = {spec.name: spec for spec in plan_models(kernel_design(BENCH_KERNEL_SIZES))}[job["model"]]
    dataset = load_dataset(Path(job["data"]))
    settings = TrainingSettings(epochs=WARMUP_EPOCHS + job["epochs"], limit_train=job["limit_train"])
    # Keras's validation_split holds out the same last 10% as the build's split.
    samples_per_epoch = len(split_for_validation(dataset.x_train, dataset.y_train, settings)[0])
    clock = _EpochClock()
    if job["mode"] == "plain":
        # The reference: what a short, straightforward Keras script does with the same model and settings.
        keras.utils.set_random_seed(settings.seed)
        model = compile_for_training(build_model(spec))
        x, y = scale_images(dataset.x_train[: settings.limit_train]), dataset.y_train[: settings.limit_train]
        history = model.fit(
            x,
            y,
            batch_size=settings.batch_size,
            epochs=settings.epochs,
            validation_split=settings.validation_split,
            verbose=0,
            callbacks=[clock.callback()],
        ).history
    else:
        options = {}
        if "jit" in tweaks:
            options["jit_compile"] = True
        if "no-spe" in tweaks:
            options["steps_per_execution"] = 1
        if "no-determinism" in tweaks:
            # prepare_model without its op determinism, with the build's compile options.
            keras.utils.set_random_seed(settings.seed)
            model = compile_for_training(build_model(spec), **(BUILD_COMPILE_OPTIONS | options))
        else:
            model = prepare_model(spec, settings, **options)
        pipelines = _cached_pipelines if "cache-prefetch" in tweaks else make_pipelines
        training_data, validation_data = pipelines(dataset, settings)
        history, _ = fit_model(model, training_data, validation_data, settings, callbacks=[clock.callback()])
    timed = clock.training_seconds[WARMUP_EPOCHS:]
    return {
        "forward_flops": forward_flops(model),
        "samples": samples_per_epoch * len(timed),
        "seconds": sum(timed),
        "cpu_seconds": sum(clock.cpu_seconds[WARMUP_EPOCHS:]),
        "accuracy": history["accuracy"][-1],
        "val_accuracy": history["val_accuracy"][-1] if "val_accuracy" in history else None,
        # Keras silently falls back to no XLA where it cannot use it; the line says so.
        "xla": bool(model.jit_compile),
        "onednn": onednn,
        # What the process told TensorFlow ("0": TensorFlow's own choice, one thread per core).
        "threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "0"),
    }


def _cached_pipelines(dataset, settings):
    """The 'cache-prefetch' variant of :func:`analysis.training.make_pipelines`: the tf.data recipe of the guides.

    Same split, scaling, seeded reshuffling and batches as the build's; only
    caching, prefetching and autotuning differ.
    """
    import numpy as np
    import tensorflow as tf

    from analysis.training import scale_images, split_for_validation

    def pipeline(x, y, shuffle_seed=None):
        data = tf.data.Dataset.from_tensor_slices((scale_images(x), y.astype(np.int32))).cache()
        if shuffle_seed is not None:
            data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
        return data.batch(settings.batch_size).prefetch(tf.data.AUTOTUNE)

    x_fit, y_fit, x_val, y_val = split_for_validation(dataset.x_train, dataset.y_train, settings)
    return pipeline(x_fit, y_fit, shuffle_seed=settings.seed), pipeline(x_val, y_val) if len(x_val) else None


class _EpochClock:
    """Seconds each epoch spends training: from its start to the start of its validation pass (or its end).

    Also the CPU seconds the process spent meanwhile, all its threads
    together: unlike wall time, a figure that other processes on a busy
    machine hardly change, and which says how much CPU a fit's threads burn
    for its work.
    """

    def __init__(self):
        self.training_seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self._began = 0.0
        self._cpu_began = 0.0
        self._trained: float | None = None
        self._cpu_trained: float | None = None

    def callback(self):
        """A Keras callback that feeds this clock."""
        import keras

        # Keras runs validation inside the epoch and calls on_test_begin when it starts.
        return keras.callbacks.LambdaCallback(
            on_epoch_begin=self._begin, on_test_begin=self._stop, on_epoch_end=self._end
        )

    def _begin(self, epoch, logs=None):
        self._began, self._trained = time.perf_counter(), None
        self._cpu_began, self._cpu_trained = time.process_time(), None

    def _stop(self, logs=None):
        self._trained, self._cpu_trained = time.perf_counter(), time.process_time()

    def _end(self, epoch, logs=None):
        finished = self._trained if self._trained is not None else time.perf_counter()
        cpu_finished = self._cpu_trained if self._cpu_trained is not None else time.process_time()
        self.training_seconds.append(finished - self._began)
        self.cpu_seconds.append(cpu_finished - self._cpu_began)


def forward_flops(model) -> int:
    """Floating-point operations of one image's forward pass, counted from the model's layers.

    Conv2D: 2·H_out·W_out·C_out·k_h·k_w·C_in for the multiply-adds, plus
    H_out·W_out·C_out for the bias. Dense: 2·in·out, plus out for the bias.
    Activations, pooling, flattening and the softmax are not counted: for the
    course's models they add about 1% at most.
    """
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            height, width, channels_out = layer.output.shape[1:]
            kernel_height, kernel_width = layer.kernel_size
            outputs = height * width * channels_out
            total += 2 * outputs * kernel_height * kernel_width * layer.input.shape[-1] + (
                outputs if layer.use_bias else 0
            )
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units + (layer.units if layer.use_bias else 0)
    return total


def _peak_rss_bytes() -> int:
    """This process's peak resident memory so far; Linux counts ru_maxrss in KiB, macOS in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _vector_extensions() -> str:
    """Which of the vector extensions TensorFlow's CPU kernels use this CPU has, from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = next((line.split(":", 1)[1].split() for line in handle if line.startswith("flags")), [])
    except OSError:
        return "CPU flags unknown"
    return ", ".join(f"{flag} {'yes' if flag in flags else 'no'}" for flag in ("avx2", "fma", "avx512f"))


def _command_line() -> str:
    """The command that ran this benchmark, with the interpreter relative to here when it lives below."""
    interpreter = Path(sys.executable)
    if interpreter.is_relative_to(Path.cwd()):
        interpreter = interpreter.relative_to(Path.cwd())
    return shlex.join([str(interpreter), *sys.argv])


def _emit(line: str) -> None:
    """One line of results on stdout, flushed at once, so that a long run shows its progress."""
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
