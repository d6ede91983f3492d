"""Staging in S3: the code's key is the digest of the source files, found before any package is built."""

from __future__ import annotations

import io
import os
import tarfile

from report.project import load_project
from report.sagemaker.aws_requests import AwsRequests
from report.sagemaker.checks import S3Location
from report.sagemaker.staging import pack_source, source_and_project_digest, stage_source
from report.source import PROJECT_ROOT, source_digest, source_files

from sagemaker_jobs import BUCKET, BUILDER, operations


def copy_of_the_source(tmp_path):
    root = tmp_path / "project"
    for path in source_files():
        target = root / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return root


def test_the_code_key_is_the_digest_of_the_source_files_not_of_a_package(tmp_path):
    root = copy_of_the_source(tmp_path)
    digest = source_digest(root)
    assert digest == source_digest()  # the copy is the same source
    for path in root.rglob("*.py"):
        os.utime(path, (0, 0))  # another checkout, other timestamps
    (root / "tests").mkdir()
    (root / "tests" / "test_new.py").write_text("def test(): pass\n")  # not part of the program
    assert source_digest(root) == digest
    template = root / "templates" / "report.css"
    template.write_text(template.read_text() + "\n")
    assert source_digest(root) != digest


def test_the_code_key_is_found_before_any_package_is_built(aws, tmp_path, monkeypatch):
    """The same source maps to the same key whatever setuptools would make of it, and an upload skips the build."""
    import report.sagemaker.staging as staging_module

    location = S3Location(BUCKET, "x")
    built = []
    monkeypatch.setattr(
        staging_module,
        "package_source",
        lambda workdir, project_dir, project=None: (
            built.append(workdir)
            or pack_source(_fake_sdist(tmp_path), tmp_path / "sourcedir.tar.gz", source_digest(project_dir))
        ),
    )
    uri = stage_source(AwsRequests(aws), location, tmp_path)
    assert uri == f"s3://{BUCKET}/x/code/{source_digest()[:16]}/sourcedir.tar.gz"
    assert len(built) == 1
    again = AwsRequests(aws)
    assert stage_source(again, location, tmp_path) == uri
    assert len(built) == 1 and operations(again) == ["HeadObject"]  # found in S3: nothing built, nothing sent


def _fake_sdist(tmp_path):
    sdist = tmp_path / "cnn_report-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        info = tarfile.TarInfo("cnn_report-0.1.0/PKG-INFO")
        archive.addfile(info, io.BytesIO(b""))
    return sdist


def test_the_project_and_only_the_files_it_uses_are_packed_under_project(sagemaker_project, tmp_path):
    loaded = load_project(sagemaker_project / "cnn-report.toml")
    sdist = tmp_path / "cnn_report-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz"):
        pass
    package = pack_source(sdist, tmp_path / "sourcedir.tar.gz", "0" * 64, loaded)
    with tarfile.open(package.path) as archive:
        names = sorted(archive.getnames())
    assert names == [
        "cnn_report-0.1.0.tar.gz",
        "entry.py",
        "project/cnn-report.toml",
        "project/images/run.png",
        "project/nets/my_net.py",
        "project/notes/q1.md",
    ]


def test_the_code_key_follows_the_projects_files(sagemaker_project):
    def digest() -> str:
        return source_and_project_digest(project=load_project(sagemaker_project / "cnn-report.toml"))

    first = digest()
    assert first != source_and_project_digest() and digest() == first
    (sagemaker_project / "nets" / "my_net.py").write_text(BUILDER + "\n# wider next time\n")
    assert digest() != first
