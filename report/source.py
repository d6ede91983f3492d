"""cnn-report's own source: the files that make up the program, and one digest of them.

The finished-report cache keys on the digest (a changed template renders the
report anew), and so does the S3 key of the code a SageMaker job runs (the
same source maps to the same key from any machine, whatever tools built the
package that ships it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The packages the distribution ships (pyproject.toml's [tool.setuptools]), and its metadata.
_PACKAGES = ("analysis", "report", "templates")
_METADATA = ("pyproject.toml",)


def source_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file of the program under ``root``, sorted: pyproject.toml and the packages, without caches."""
    files = [root / name for name in _METADATA if (root / name).is_file()]
    for package in _PACKAGES:
        files += [
            path
            for path in (root / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
        ]
    return sorted(files, key=lambda path: path.relative_to(root).as_posix())


def source_digest(root: Path = PROJECT_ROOT, extra: tuple[Path, ...] = ()) -> str:
    """sha256 over the relative paths and contents of :func:`source_files` (and ``extra`` files); timestamps never count."""
    digest = hashlib.sha256()
    for path in [*source_files(root), *extra]:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        content = path.read_bytes()
        digest.update(name.encode() + b"\0" + len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()
