"""The program AWS's TensorFlow training container runs: install cnn-report from its sdist, then build.

``cnn-report sagemaker`` packs this file beside cnn-report's source
distribution into the job's source directory (the container's
``sagemaker_submit_directory``), and the container runs it as
``python sagemaker_entry.py --<hyperparameter> <value> ...``. The arguments are
ignored: ``cnn-report build`` reads the same hyperparameters from the job
itself. This file runs before cnn-report is installed, so it imports only the
standard library.
"""

from __future__ import annotations

import ctypes.util
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata

DISTRIBUTION = "cnn-report"
# WeasyPrint draws the PDF with Pango and the report's fonts are DejaVu; AWS's
# TensorFlow images have neither.
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")


def select_requirements(requirements: list[str], tensorflow_installed: bool) -> list[str]:
    """cnn-report's runtime requirements, less TensorFlow when the image already has it.

    The image's TensorFlow is built for the image; installing tensorflow-cpu
    beside it would download half a gigabyte and shadow it.
    """
    selected = []
    for requirement in requirements:
        # Optional extras (the test tools) are not needed to build.
        if re.search(r"\bextra\s*==", requirement):
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower()
        if tensorflow_installed and name.startswith("tensorflow"):
            continue
        selected.append(requirement)
    return selected


def main() -> None:
    """Install what the build needs, unless the image already holds cnn-report, then run ``cnn-report build``."""
    if _installed(DISTRIBUTION):
        print(f"sagemaker_entry: using {DISTRIBUTION} {metadata.version(DISTRIBUTION)} from the image", flush=True)
    else:
        _install_system_packages()
        here = os.path.dirname(os.path.abspath(__file__))
        sdists = glob.glob(os.path.join(here, "cnn[-_]report-*.tar.gz"))
        if len(sdists) != 1:
            sys.exit(f"sagemaker_entry: expected one cnn-report sdist (cnn[-_]report-*.tar.gz) in {here}, found {len(sdists)}")
        _pip("install", "--no-deps", sdists[0])
        requirements = select_requirements(metadata.requires(DISTRIBUTION) or [], importlib.util.find_spec("tensorflow") is not None)
        if requirements:
            _pip("install", *requirements)
    command = os.path.join(sysconfig.get_path("scripts"), "cnn-report")
    os.execv(command, [command, "build"])


def _installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def _install_system_packages() -> None:
    if ctypes.util.find_library("pango-1.0"):
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print("sagemaker_entry: Pango is missing and cannot be installed here; the PDF will fail", file=sys.stderr)
        return
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *SYSTEM_PACKAGES], check=True)


def _pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments], check=True)


if __name__ == "__main__":
    main()
