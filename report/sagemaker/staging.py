"""What a job reads from S3, staged there once: the training data and the job's source directory.

The source directory is cnn-report's source distribution, the entry script
AWS's container runs first (:mod:`report.sagemaker.entry`) and the student's
project, if any. Everything is uploaded under a key and with a ``sha256``
that name its content, and only when S3 does not hold those bytes already;
the code's key is the digest of the source files themselves (and of the
project's), found before anything is built, so an unchanged source costs one
read and no build.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.data import PROJECT_DIR, load_dataset, resolve_data_path
from analysis.errors import SageMakerError
from report.project import Project
from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.checks import S3Location, parse_bucket
from report.source import source_digest

ENTRY_SCRIPT = Path(__file__).with_name("entry.py")
# Where the project's files go in the job's source directory; the entry script builds from there.
PROJECT_FOLDER = "project"
# The published names of MNIST's IDX files, in either spelling ("-idx3" or ".idx3").
_IDX_PREFIXES = ("train-images", "train-labels", "t10k-images", "t10k-labels")


@dataclass(frozen=True)
class SourcePackage:
    """The job's source directory, packed: cnn-report's sdist, the entry script and the project, if any (its file,
    notes, images and builder files, under ``project/``); ``digest`` names the source in it."""

    path: Path
    digest: str


def package_source(workdir: Path, project_dir: Path = PROJECT_DIR, project: Project | None = None) -> SourcePackage:
    """Build cnn-report's sdist and pack it with the entry script as the job's source directory.

    The sdist is built by calling setuptools' standard (PEP 517) hook, so no
    other build tool, and no network, is needed. The package is named by the
    digest of the source files themselves (:func:`report.source.source_digest`),
    not of the sdist, whose bytes depend on the setuptools that built it: the
    same source maps to the same S3 key, and the same pipeline definition, from
    any machine.
    """
    if not (project_dir / "pyproject.toml").is_file():
        raise SageMakerError(
            f"cnn-report's source (pyproject.toml) is not at {project_dir}; run cnn-report sagemaker from a source "
            "checkout installed with setup.sh"
        )
    dist = workdir / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))",
            str(dist),
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        tail = " ".join(built.stderr.strip().splitlines()[-3:])
        raise SageMakerError(f"building cnn-report's source distribution failed: {tail}")
    sdist = dist / built.stdout.strip().splitlines()[-1]
    return pack_source(sdist, workdir / "sourcedir.tar.gz", source_and_project_digest(project_dir, project), project)


def pack_source(sdist: Path, destination: Path, digest: str, project: Project | None = None) -> SourcePackage:
    """Pack ``sdist``, the entry script and the project's files into ``destination``, a tar.gz as SageMaker's
    script mode expects. ``digest`` names the source the sdist was built from, and the project.

    The project's files keep their places relative to its folder, under
    ``project/``; the entry script builds from there, so the job reads the
    same project file, notes, images and builder files as a build here would.
    """
    with tarfile.open(destination, "w:gz") as archive:
        archive.add(sdist, arcname=sdist.name)
        archive.add(ENTRY_SCRIPT, arcname=ENTRY_SCRIPT.name)
        if project is not None:
            folder = project.folder.resolve()
            for path in project.files():
                archive.add(path, arcname=f"{PROJECT_FOLDER}/{path.relative_to(folder).as_posix()}")
    return SourcePackage(path=destination, digest=digest)


def source_and_project_digest(project_dir: Path = PROJECT_DIR, project: Project | None = None) -> str:
    """The digest of cnn-report's source, and of the project's files when there is a project (their paths and bytes).

    Without a project it is the source's own digest, so the code already in S3 is found again.
    """
    digest = source_digest(project_dir)
    if project is None:
        return digest
    combined = hashlib.sha256(digest.encode())
    folder = project.folder.resolve()
    for path in project.files():
        content = path.read_bytes()
        combined.update(
            path.relative_to(folder).as_posix().encode() + b"\0" + len(content).to_bytes(8, "big") + content
        )
    return combined.hexdigest()


def local_data_files(data: Path | None) -> list[tuple[Path, str]]:
    """The files to upload as the training channel, with their names there, after checking they hold MNIST.

    Without ``data``, the build's own search is used (less Keras's download).
    """
    dataset = load_dataset(resolve_data_path(data, allow_download=False))
    if dataset.format == "npz":
        # The job looks for mnist.npz by name, whatever the file is called here.
        return [(dataset.path, "mnist.npz")]
    return [(path, path.name) for path in sorted(dataset.path.iterdir()) if path.name.startswith(_IDX_PREFIXES)]


def stage_data(aws: AwsRequests, location: S3Location, data: Path | str | None) -> str:
    """The S3 prefix of the training channel, uploading local data there unless S3 already holds the same bytes."""
    if isinstance(data, str) and data.startswith("s3://"):
        parse_bucket(data)
        return data.rstrip("/") + "/"
    for path, name in local_data_files(Path(data) if data is not None else None):
        _upload_once(aws, location, ("data", name), lambda path=path: path, _sha256(path))
    return location.uri("data") + "/"


def stage_source(
    aws: AwsRequests,
    location: S3Location,
    workdir: Path,
    source: SourcePackage | None = None,
    project_dir: Path = PROJECT_DIR,
    project: Project | None = None,
) -> str:
    """The S3 URI of the job's source directory, packed and uploaded only if this exact source is not there yet.

    ``source``, when given, is already packed; otherwise the source in
    ``project_dir`` and the ``project``'s files are named by their digest
    first and packed into ``workdir`` only when S3 lacks them.
    """
    digest = source.digest if source is not None else source_and_project_digest(project_dir, project)
    parts = ("code", digest[:16], "sourcedir.tar.gz")
    _upload_once(aws, location, parts, lambda: (source or package_source(workdir, project_dir, project)).path, digest)
    return location.uri(*parts)


def _upload_once(
    aws: AwsRequests, location: S3Location, parts: tuple[str, ...], file: Callable[[], Path], digest: str
) -> None:
    """Upload what ``file()`` makes under ``parts``, unless S3 holds an object there with the same sha256 already."""
    key = location.key(*parts)
    existing = aws.look_up("s3", "HeadObject", {"Bucket": location.bucket, "Key": key})
    if existing is None or existing.get("Metadata", {}).get("sha256") != digest:
        aws.send(
            "s3",
            "PutObject",
            {"Bucket": location.bucket, "Key": key, "Body": file(), "Metadata": {"sha256": digest}},
            when="unless HeadObject finds this object with the same sha256",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
