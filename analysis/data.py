"""Finding, reading and validating MNIST.

Two on-disk formats are understood: Keras's ``mnist.npz`` and the four original
IDX files (gzipped or not). Whatever the format, the result is a validated
:class:`Dataset` of uint8 images and labels, with the path and sha256 of what
was read, so the report can say exactly which bytes it measured.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.errors import DataError

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
DATA_ENV_VAR = "CNN_REPORT_DATA"
PROJECT_DIR = Path(__file__).resolve().parents[1]

# IDX file names as published, and as often re-shared with a dot before "idx".
_IDX_STEMS = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_IDX_MAGIC = {"x_train": 0x00000803, "x_test": 0x00000803, "y_train": 0x00000801, "y_test": 0x00000801}
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Dataset:
    """MNIST as read from disk: uint8 images (n, 28, 28) and uint8 labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    path: Path
    format: str
    sha256: str

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])


@dataclass(frozen=True)
class Candidate:
    """One place the data may be, and why we look there."""

    path: Path
    origin: str


def candidate_locations(
    explicit: Path | None,
    environ: Mapping[str, str] | None = None,
    project_dir: Path = PROJECT_DIR,
    home: Path | None = None,
) -> list[Candidate]:
    """List where to look for MNIST, in the order docs/build.md documents."""
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    candidates = []
    if explicit is not None:
        candidates.append(Candidate(Path(explicit), "--data"))
    if environ.get(DATA_ENV_VAR):
        candidates.append(Candidate(Path(environ[DATA_ENV_VAR]), f"${DATA_ENV_VAR}"))
    candidates.append(Candidate(project_dir / "data" / "mnist.npz", "the project's data/ folder"))
    candidates.append(Candidate(project_dir / "data", "the project's data/ folder (IDX files)"))
    candidates.append(Candidate(home / ".keras" / "datasets" / "mnist.npz", "Keras's cache"))
    return candidates


def resolve_data_path(
    explicit: Path | None,
    environ: Mapping[str, str] | None = None,
    project_dir: Path = PROJECT_DIR,
    home: Path | None = None,
    allow_download: bool = True,
) -> Path:
    """Return the first place that holds MNIST, downloading it with Keras as a last resort.

    A path the user named (``--data`` or the environment variable) must exist:
    silently falling back to another copy would measure data the user did not
    ask for.
    """
    candidates = candidate_locations(explicit, environ, project_dir, home)
    for candidate in candidates:
        user_named = candidate.origin in ("--data", f"${DATA_ENV_VAR}")
        if user_named and not candidate.path.exists():
            raise DataError(
                f"{candidate.path} (from {candidate.origin}) does not exist; "
                "point it at mnist.npz or at a folder holding the four MNIST IDX files"
            )
        if candidate.path.is_file() or (user_named and candidate.path.is_dir()):
            return candidate.path
        if candidate.path.is_dir() and _find_idx_files(candidate.path, required=False):
            return candidate.path
    if allow_download:
        downloaded, reason = _download_with_keras()
        if downloaded is not None:
            return downloaded
    else:
        reason = "download not attempted"
    looked = "; ".join(f"{c.path} ({c.origin})" for c in candidates)
    raise DataError(
        f"MNIST not found. Looked in: {looked}; Keras download failed ({reason}). "
        f"Fix: pass --data PATH or set {DATA_ENV_VAR} to mnist.npz or a folder of IDX files"
    )


def _download_with_keras() -> tuple[Path | None, str]:
    """Let Keras fetch mnist.npz into its cache; return the path or why it failed."""
    import analysis
    from analysis.environment import native_stderr_silenced

    try:
        # TensorFlow's start-up lines are noise here too (see analysis.runner.import_training).
        with native_stderr_silenced(enabled=not analysis.tensorflow_logs_shown()):
            import keras
        keras.datasets.mnist.load_data()
    except Exception as error:  # Any failure here means "offline"; the caller reports it.
        return None, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".strip(": ")
    path = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"
    return (path, "") if path.is_file() else (None, f"Keras saved nothing at {path}")


def load_dataset(path: Path) -> Dataset:
    """Read and validate MNIST from an ``.npz`` file, an IDX file's folder, or a single IDX file's folder."""
    path = Path(path)
    if path.is_dir():
        npz = path / "mnist.npz"
        if npz.is_file():
            return load_dataset(npz)
        files = _find_idx_files(path, required=True)
        arrays = {key: _read_idx(file, _IDX_MAGIC[key]) for key, file in files.items()}
        digest = _sha256_of_files([files[key] for key in NPZ_KEYS])
        dataset = Dataset(**arrays, path=path, format="idx", sha256=digest)
    elif path.is_file():
        if _looks_like_idx(path):
            raise DataError(
                f"{path} is a single IDX file; pass the folder that holds all four "
                "(train-images, train-labels, t10k-images, t10k-labels)"
            )
        arrays = _read_npz(path)
        dataset = Dataset(**arrays, path=path, format="npz", sha256=_sha256_of_files([path]))
    else:
        raise DataError(f"{path} does not exist; pass --data with the path to mnist.npz or an IDX folder")
    return validate_dataset(dataset)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path}: missing array(s) {', '.join(missing)}; expected Keras's mnist.npz "
                    f"with keys {', '.join(NPZ_KEYS)}"
                )
            return {key: archive[key] for key in NPZ_KEYS}
    except DataError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, zipfile.LargeZipFile) as error:
        raise DataError(
            f"{path}: not a readable .npz archive ({type(error).__name__}: {error}); "
            "re-download mnist.npz or pass the folder of IDX files instead"
        ) from None


def _find_idx_files(folder: Path, required: bool) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for key, stems in _IDX_STEMS.items():
        for stem in stems:
            for name in (stem, stem + ".gz"):
                if (folder / name).is_file():
                    found.setdefault(key, folder / name)
    if len(found) == len(_IDX_STEMS):
        return found
    if required:
        missing = [_IDX_STEMS[key][0] for key in _IDX_STEMS if key not in found]
        raise DataError(
            f"{folder}: no mnist.npz, and IDX file(s) missing: {', '.join(missing)} (optionally .gz); "
            "put mnist.npz or all four IDX files there"
        )
    return {}


def _looks_like_idx(path: Path) -> bool:
    return any(path.name.startswith(stem) for stems in _IDX_STEMS.values() for stem in stems)


def _read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Parse one IDX file: a big-endian header (magic, dimension sizes) then raw uint8 data."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
        opener = gzip.open if head == _GZIP_MAGIC else open
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: cannot read ({type(error).__name__}: {error}); re-download this IDX file") from None
    if len(raw) < 4:
        raise DataError(f"{path}: only {len(raw)} bytes, too short for an IDX header; re-download this IDX file")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        kind = "images (idx3)" if expected_magic == 0x803 else "labels (idx1)"
        raise DataError(
            f"{path}: wrong IDX magic number 0x{magic:08x}, expected 0x{expected_magic:08x} for {kind}; "
            "is this the right file?"
        )
    ndim = expected_magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{path}: truncated IDX header; re-download this IDX file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_bytes = int(np.prod(shape, dtype=np.int64))
    actual_bytes = len(raw) - header_size
    if actual_bytes != expected_bytes:
        raise DataError(
            f"{path}: header says {' x '.join(map(str, shape))} = {expected_bytes} bytes of data "
            f"but the file holds {actual_bytes}; the file is truncated or corrupt, re-download it"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _sha256_of_files(paths: list[Path]) -> str:
    """Hash one file, or several in a fixed order as if concatenated."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def validate_dataset(dataset: Dataset) -> Dataset:
    """Check shapes, dtypes, value ranges and classes; return the dataset with uint8 arrays."""
    where = dataset.path
    arrays = {}
    for split in ("train", "test"):
        images = _validate_images(getattr(dataset, f"x_{split}"), where, f"x_{split}")
        labels = _validate_labels(getattr(dataset, f"y_{split}"), where, f"y_{split}")
        if len(labels) != len(images):
            raise DataError(
                f"{where}: x_{split} has {len(images)} images but y_{split} has {len(labels)} labels; "
                "they must match one to one"
            )
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    return Dataset(**arrays, path=dataset.path, format=dataset.format, sha256=dataset.sha256)


def _validate_images(images: np.ndarray, where: Path, key: str) -> np.ndarray:
    expected = f"expected uint8 images of shape (n, {IMAGE_SHAPE[0]}, {IMAGE_SHAPE[1]}) with values 0-255"
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{where}: {key} has shape {images.shape}; {expected}")
    if images.shape[0] == 0:
        raise DataError(f"{where}: {key} is empty; {expected}")
    if images.dtype == np.uint8:
        return images
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise DataError(f"{where}: {key} has dtype {images.dtype}; {expected}")
    if np.issubdtype(images.dtype, np.floating):
        if not np.isfinite(images).all():
            raise DataError(f"{where}: {key} contains NaN or infinite values; {expected}")
        if images.max() <= 1.0:
            raise DataError(
                f"{where}: {key} looks already scaled to [0, 1] (max {images.max():g}); "
                "the report scales by 1/255 itself, so provide raw 0-255 pixels"
            )
        if not np.array_equal(images, np.round(images)):
            raise DataError(f"{where}: {key} holds fractional pixel values; {expected}")
    low, high = images.min(), images.max()
    if low < 0 or high > 255:
        raise DataError(f"{where}: {key} has pixel values from {low} to {high}; {expected}")
    return images.astype(np.uint8)


def _validate_labels(labels: np.ndarray, where: Path, key: str) -> np.ndarray:
    expected = f"expected a 1-D array of integer labels 0-{NUM_CLASSES - 1}"
    if labels.ndim != 1:
        raise DataError(f"{where}: {key} has shape {labels.shape}; {expected}")
    if labels.shape[0] == 0:
        raise DataError(f"{where}: {key} is empty; {expected}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{where}: {key} has dtype {labels.dtype}; {expected}")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= NUM_CLASSES:
        raise DataError(f"{where}: {key} has labels from {low} to {high}; {expected}")
    missing = sorted(set(range(NUM_CLASSES)) - set(np.unique(labels).tolist()))
    if missing:
        raise DataError(
            f"{where}: {key} has no examples of class(es) {', '.join(map(str, missing))}; "
            f"every digit 0-{NUM_CLASSES - 1} must appear"
        )
    return labels.astype(np.uint8)
