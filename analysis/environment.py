"""What the results depend on besides the data: library versions and the machine.

Versions are read from package metadata rather than by importing the
libraries, so that a cached rebuild can key its cache without importing
TensorFlow.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from analysis import ONEDNN_ENV_VAR

# TensorFlow ships under several distribution names; the first one installed wins.
_TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel")
_REPORTED = ("keras", "numpy", "matplotlib", "jinja2", "weasyprint", "click")


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


def describe_machine() -> dict[str, str | int]:
    """The machine the report was built on, in the terms a reader can compare."""
    return {
        "platform": platform.platform(),
        "processor": _processor_name(),
        "cpu_count": os.cpu_count() or 0,
        "python_executable": sys.executable,
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
