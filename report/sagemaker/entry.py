"""The program AWS's TensorFlow training container runs: install cnn-report from its sdist, then build.

``cnn-report sagemaker`` packs this file beside cnn-report's source
distribution into the job's source directory (the container's
``sagemaker_submit_directory``), and the container runs it as
``python entry.py --<hyperparameter> <value> ...``. The arguments are
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
from importlib import metadata

DISTRIBUTION = "cnn-report"
# The launcher packs a student's project here (report/sagemaker/staging.py's PROJECT_FOLDER).
PROJECT_FOLDER = "project"
PROJECT_FILE = "cnn-report.toml"
# WeasyPrint draws the PDF with Pango, in the report's DejaVu fonts
# (templates/report.css). AWS's TensorFlow image has Pango but not the fonts;
# without them the PDF silently falls back to whatever fonts there are.
FONT_FAMILIES = ("DejaVu Serif", "DejaVu Sans", "DejaVu Sans Mono")
# What provides both, by package manager: Debian/Ubuntu images, then Amazon Linux ones.
SYSTEM_PACKAGES = {
    "apt-get": ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"),
    "dnf": ("pango", "dejavu-serif-fonts", "dejavu-sans-fonts", "dejavu-sans-mono-fonts"),
}


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
    """Install what the build needs (the PDF's fonts, cnn-report unless the image holds it), then run ``cnn-report build``."""
    _install_system_packages()
    here = os.path.dirname(os.path.abspath(__file__))
    if _installed(DISTRIBUTION):
        print(f"entry: using {DISTRIBUTION} {metadata.version(DISTRIBUTION)} from the image", flush=True)
    else:
        sdists = glob.glob(os.path.join(here, "cnn[-_]report-*.tar.gz"))
        if len(sdists) != 1:
            sys.exit(f"entry: expected one cnn-report sdist (cnn[-_]report-*.tar.gz) in {here}, found {len(sdists)}")
        _pip("install", "--no-deps", sdists[0])
        requirements = select_requirements(
            metadata.requires(DISTRIBUTION) or [], importlib.util.find_spec("tensorflow") is not None
        )
        if requirements:
            _pip("install", *requirements)
    # The student's project, packed beside this file by the launcher: building
    # from its folder reads its cnn-report.toml, notes, images and builder files.
    project = project_folder(here)
    if project is not None:
        print(f"entry: building the project in {project}", flush=True)
        os.chdir(project)
    # The interpreter that has cnn-report, not a script path: an image may
    # install packages where no console script of them lands.
    os.execv(sys.executable, [sys.executable, "-m", "report.cli", "build"])


def project_folder(source_directory: str) -> str | None:
    """The packed project's folder in the job's source directory (``project/``), if the launch carried one."""
    folder = os.path.join(source_directory, PROJECT_FOLDER)
    return folder if os.path.isfile(os.path.join(folder, PROJECT_FILE)) else None


def _installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def missing_system_parts() -> list[str]:
    """What the PDF needs and this machine lacks: Pango, and each of the report's font families (by fontconfig)."""
    missing = [] if ctypes.util.find_library("pango-1.0") else ["Pango"]
    return missing + [family for family in FONT_FAMILIES if not _has_font(family)]


def _has_font(family: str) -> bool:
    """Whether fontconfig knows a font of exactly this family (no fontconfig: no fonts for Pango either)."""
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True, check=False)
    return listed.returncode == 0 and bool(listed.stdout.strip())


def _install_system_packages() -> None:
    missing = missing_system_parts()
    if not missing:
        return
    manager = next((name for name in SYSTEM_PACKAGES if shutil.which(name)), None)
    if manager is None or os.geteuid() != 0:
        print(
            f"entry: {', '.join(missing)} missing and cannot be installed here; the PDF will fail or use other fonts",
            file=sys.stderr,
            flush=True,
        )
        return
    print(f"entry: installing {', '.join(missing)} with {manager}", flush=True)
    if manager == "apt-get":
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *SYSTEM_PACKAGES[manager]], check=True
        )
    else:
        subprocess.run([manager, "install", "-y", "-q", *SYSTEM_PACKAGES[manager]], check=True)


def _pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments], check=True)


if __name__ == "__main__":
    main()
