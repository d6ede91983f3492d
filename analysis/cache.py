"""A results cache on disk: one JSON file per finished fit.

Entries are keyed by a hash of everything that changes a result, written
atomically (temporary file, then rename) the moment a fit finishes,
and checked on read. A damaged or foreign entry is reported and recomputed,
never trusted; two builds sharing a folder at worst compute the same entry
twice, since a rename never exposes a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from analysis.errors import CacheError
from analysis.files import write_atomically

SCHEMA_VERSION = 1


def make_key(payload: dict) -> str:
    """A stable hash of a JSON-able description of what a result depends on."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


class ResultCache:
    """Finished results, stored under ``directory``."""

    def __init__(self, directory: Path, on_warning: Callable[[str], None] = lambda message: None):
        self.directory = Path(directory)
        self._on_warning = on_warning

    def prepare(self) -> None:
        """Create the folder and check it is writable, before any training depends on it."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.directory, prefix=".probe-", delete=True)
            probe.close()
        except OSError as error:
            raise CacheError(
                f"{self.directory}: cache folder is not writable ({error.strerror or error}); "
                "pass --cache-dir with a writable folder"
            ) from None

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str, required_fields: tuple[str, ...] = ()) -> dict | None:
        """The stored result for ``key``, or None if absent, damaged or from another schema."""
        path = self.path_for(key)
        if not path.exists():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            problem = None
            if not isinstance(entry, dict) or entry.get("schema") != SCHEMA_VERSION:
                problem = "written by another version"
            elif entry.get("key") != key:
                problem = "its key does not match its file name"
            elif not isinstance(entry.get("result"), dict):
                problem = "it holds no result"
            else:
                missing = [field for field in required_fields if field not in entry["result"]]
                if missing:
                    problem = f"it lacks {', '.join(missing)}"
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problem = f"unreadable ({type(error).__name__})"
        if problem:
            self._on_warning(f"cache entry {path} ignored and recomputed: {problem}")
            return None
        return entry["result"]

    def store(self, key: str, description: dict, result: dict) -> Path:
        """Save one finished result at once, atomically."""
        entry = {"schema": SCHEMA_VERSION, "key": key, "description": description, "result": result}
        path = self.path_for(key)
        _write_entry(path, json.dumps(entry, indent=1).encode("utf-8"))
        return path

    def store_files(self, key: str, files: dict[str, bytes]) -> None:
        """Keep finished files (a rendered report) under ``key``; each name is a suffix such as ``.pdf``."""
        for suffix, data in files.items():
            _write_entry(self.directory / f"{key}{suffix}", data)

    def model_path(self, key: str) -> Path:
        """Where the trained Keras model of ``key`` is kept, for the fits that keep theirs (``.keras``)."""
        return self.directory / f"{key}.keras"

    def store_model(self, key: str, save: Callable[[Path], None]) -> Path:
        """Keep a trained model under ``key``: ``save`` writes it to the path it is given, which is then renamed into place.

        Keras names the format by the file's suffix, so the temporary file ends
        in ``.keras`` too; a crash leaves at most a hidden ``.*.tmp.keras``.
        """
        path = self.model_path(key)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp.keras")
        os.close(handle)
        try:
            save(Path(temporary))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise CacheError(
                f"{path}: cannot write the trained model ({error.strerror or error}); check free space and permissions"
            ) from None
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    def load_files(self, key: str, suffixes: tuple[str, ...]) -> dict[str, bytes] | None:
        """The files stored under ``key``, or None unless every one of them is there."""
        try:
            return {suffix: (self.directory / f"{key}{suffix}").read_bytes() for suffix in suffixes}
        except OSError:
            return None


def _write_entry(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OSError as error:
        raise CacheError(
            f"{path}: cannot write cache entry ({error.strerror or error}); check free space and permissions"
        ) from None
