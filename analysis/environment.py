"""What the results depend on besides the data: library versions and the machine.

Versions are read from package metadata rather than by importing the
libraries, and the CPU from ``/proc/cpuinfo``, so that a cached rebuild can
key its cache without importing TensorFlow.
"""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from analysis import INTRA_OP_THREADS_ENV_VAR, ONEDNN_ENV_VAR

# TensorFlow ships under several distribution names; the first one installed wins.
_TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel")
_REPORTED = ("keras", "numpy", "matplotlib", "jinja2", "weasyprint", "click")
# oneDNN's instruction-set tiers for x86-64, best first, with the /proc/cpuinfo
# flags each needs and the extensions it uses, named as Intel and AMD name
# them (the same in every language). oneDNN picks its kernels by tier at run
# time; the names are its ``cpu_isa`` values.
_AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}
_AMX = {"amx_tile", "amx_int8", "amx_bf16"}
_X86_TIERS = (
    (
        "avx512_core_amx_fp16",
        _AVX512 | _AMX | {"avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_fp16"},
        "AVX-512, VNNI, BF16, FP16, AMX (INT8, BF16, FP16)",
    ),
    ("avx512_core_amx", _AVX512 | _AMX | {"avx512_vnni", "avx512_bf16"}, "AVX-512, VNNI, BF16, AMX (INT8, BF16)"),
    ("avx512_core_fp16", _AVX512 | {"avx512_vnni", "avx512_bf16", "avx512_fp16"}, "AVX-512, VNNI, BF16, FP16"),
    ("avx512_core_bf16", _AVX512 | {"avx512_vnni", "avx512_bf16"}, "AVX-512, VNNI, BF16"),
    ("avx512_core_vnni", _AVX512 | {"avx512_vnni"}, "AVX-512, VNNI"),
    ("avx512_core", _AVX512, "AVX-512"),
    ("avx2_vnni_2", {"avx2", "avx_vnni", "avx_vnni_int8", "avx_ne_convert"}, "AVX2, AVX-VNNI (INT8, FP16, BF16)"),
    ("avx2_vnni", {"avx2", "avx_vnni"}, "AVX2, AVX-VNNI"),
    ("avx2", {"avx2"}, "AVX2"),
    ("avx", {"avx"}, "AVX"),
    ("sse41", {"sse4_1"}, "SSE4.1"),
)
GIB = 1024**3


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str]:
    """Versions of the libraries that compute or render the report."""
    versions = {"python": platform.python_version()}
    tensorflow = next(filter(None, map(_version, _TENSORFLOW_DISTRIBUTIONS)), None)
    versions["tensorflow"] = tensorflow or "not installed"
    for name in _REPORTED:
        versions[name] = _version(name) or "not installed"
    return versions


def training_versions() -> dict[str, str]:
    """The subset of versions that can change a trained model's numbers."""
    versions = library_versions()
    return {name: versions[name] for name in ("python", "tensorflow", "keras", "numpy")}


def onednn_setting() -> str:
    """What this process tells TensorFlow about its oneDNN kernels ("1" unless the user said otherwise).

    oneDNN's kernels round differently from TensorFlow's own, so a model
    trained with them has slightly different numbers: the setting belongs in
    every cache key of a trained result.
    """
    return os.environ.get(ONEDNN_ENV_VAR, "")


def training_threads() -> str:
    """The number of threads each fit's operations run on (``analysis.TRAINING_THREADS`` unless the user set it)."""
    return os.environ.get(INTRA_OP_THREADS_ENV_VAR, "")


def instruction_set(cpuinfo: str | None = None) -> dict[str, str]:
    """The CPU's instruction-set tier as oneDNN names it, and its extensions: ``{"name": "avx512_core_vnni", "description": "AVX-512, VNNI"}``.

    Read from the flags in ``/proc/cpuinfo`` (``cpuinfo`` stands in for it in
    tests). oneDNN chooses its kernels by this tier, and kernels of different
    tiers round differently: the same seed gives different, equally valid
    numbers on an AVX2 and an AVX-512 machine. Where the flags cannot be read
    (macOS, ARM), the machine's architecture stands in.
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    flags = next(
        (set(line.split(":", 1)[1].split()) for line in cpuinfo.splitlines() if line.startswith("flags")), None
    )
    machine = platform.machine() or "unknown"
    for name, needed, description in _X86_TIERS if flags is not None else ():
        if needed <= flags:
            return {"name": name, "description": description}
    return {"name": machine.lower(), "description": machine}


def training_environment() -> dict[str, str]:
    """What, besides the libraries, changes a trained model's numbers; part of every trained result's cache key.

    The instruction set is in the key, although it makes results trained on
    one kind of CPU useless on another: SageMaker shares the cache through S3
    between jobs, and a job on another instance type (an AVX2 ml.m6a after an
    AVX-512 ml.m5) would otherwise build its report from numbers no run on its
    own CPU can reproduce, under an appendix that names its own CPU. Each
    kind of machine keeps its own results instead, side by side in one cache.
    """
    return {"onednn": onednn_setting(), "threads": training_threads(), "isa": instruction_set()["name"]}


def describe_machine() -> dict[str, str | int]:
    """The machine the report was built on, in the terms a reader can compare."""
    isa = instruction_set()
    return {
        "platform": platform.platform(),
        "processor": _processor_name(),
        "cpu_count": os.cpu_count() or 0,
        "instruction_set": isa["name"],
        "instruction_set_description": isa["description"],
        # On SageMaker, the instance type (AWS's training toolkit sets it); elsewhere None. Never a local path:
        # report.json may be handed in.
        "instance_type": os.environ.get("SM_CURRENT_INSTANCE_TYPE") or None,
    }


def _processor_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cpus(environ: dict[str, str] | None = None) -> int:
    """The CPUs this process may run on: SageMaker's count inside a training job, else the affinity mask and cgroup quota."""
    environ = os.environ if environ is None else environ
    if environ.get("SM_NUM_CPUS", "").isdigit() and int(environ["SM_NUM_CPUS"]) > 0:
        # Set by AWS's training toolkit: the instance's vCPUs.
        return int(environ["SM_NUM_CPUS"])
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _read_first_line(Path("/sys/fs/cgroup/cpu.max"))
    if quota and quota.split()[0] != "max":
        limit, period = (int(part) for part in quota.split()[:2])
        count = min(count, max(1, math.ceil(limit / period)))
    return max(1, count)


def available_memory_bytes() -> int | None:
    """Memory this process tree can still use: Linux's MemAvailable, lowered by a cgroup limit; None where unknown."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    limit, used = (
        _read_first_line(Path("/sys/fs/cgroup/memory.max")),
        _read_first_line(Path("/sys/fs/cgroup/memory.current")),
    )
    if available is not None and limit and limit != "max" and used:
        available = min(available, int(limit) - int(used))
    return available


def _read_first_line(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        return None


@contextmanager
def native_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to /dev/null, for the duration.

    TensorFlow's C++ runtime logs through absl before any log level applies
    ("All log messages before absl::InitializeLog() ...", the oneDNN banner),
    straight to the file descriptor, where Python cannot filter it. Python's
    own exceptions are raised as usual; only bytes written meanwhile are lost.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
