"""Shared fixtures: tiny synthetic MNIST files in both formats, and the real MNIST when available."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import settings

from analysis.data import DATA_ENV_VAR, PROJECT_DIR

# Property tests run without Hypothesis's per-example deadline: a timing assertion, which fails on a busy machine.
# The mutation run (mutation/run.py) also derandomises them, so that its score is the same from run to run.
settings.register_profile("default", deadline=None)
settings.register_profile("mutation", deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("CNN_REPORT_HYPOTHESIS_PROFILE", "default"))


def make_arrays(n_train: int = 200, n_test: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    """MNIST-shaped uint8 data with every class present: a bright square whose position encodes the label."""
    generator = np.random.default_rng(seed)
    arrays = {}
    for split, count in (("train", n_train), ("test", n_test)):
        labels = np.arange(count, dtype=np.uint8) % 10
        generator.shuffle(labels)
        images = generator.integers(0, 40, size=(count, 28, 28), dtype=np.uint8)
        for index, label in enumerate(labels):
            row, column = 4 + 2 * (label // 5) * 5, 3 + 4 * (label % 5)
            images[index, row : row + 6, column : column + 4] = 255
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    return arrays


def write_npz(path: Path, **overrides) -> Path:
    arrays = make_arrays()
    arrays.update(overrides)
    np.savez_compressed(path, **arrays)
    return path


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Encode an array as an IDX file: big-endian magic and dimension sizes, then raw bytes."""
    magic = (0x0800 | array.ndim) if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    return header + array.astype(np.uint8).tobytes()


IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def write_idx_folder(folder: Path, compressed: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in make_arrays().items():
        data = idx_bytes(array)
        if compressed:
            (folder / f"{IDX_NAMES[key]}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / IDX_NAMES[key]).write_bytes(data)
    return folder


@pytest.fixture
def tiny_npz(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "mnist.npz")


@pytest.fixture(scope="session")
def real_mnist() -> Path:
    """The real MNIST, found the way users point at it: $CNN_REPORT_DATA, else data/mnist.npz.

    Missing data skips the test on a developer's machine but fails it under CI,
    where skipping would hide that the end-to-end tests never ran.
    """
    candidates = [Path(os.environ[DATA_ENV_VAR])] if os.environ.get(DATA_ENV_VAR) else []
    candidates.append(PROJECT_DIR / "data" / "mnist.npz")
    for candidate in candidates:
        if candidate.exists():
            return candidate
    message = f"real MNIST not found (set {DATA_ENV_VAR} or run ./setup.sh to link data/mnist.npz)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def editions(tmp_path_factory) -> dict:
    """The report built on tiny synthetic data in each language (the second build reuses the first's cache).

    Each edition: its ``pdf`` path, its ``html`` text, its ``summary`` (report.json) and the ``data`` file it read.
    """
    from report.cli import main

    folder = tmp_path_factory.mktemp("editions")
    data = write_npz(folder / "mnist.npz")
    built = {}
    for lang in ("es", "en"):
        out = folder / lang / "report.pdf"
        out.parent.mkdir()
        arguments = ["build", "--out", str(out), "--data", str(data), "--epochs", "1", "--kernel-sizes", "3",
                     "--seeds", "2", "--cache-dir", str(folder / "cache"), "--quiet", "--lang", lang]
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
        built[lang] = {
            "pdf": out,
            "html": out.with_suffix(".html").read_text(encoding="utf-8"),
            "json": out.with_suffix(".json").read_text(encoding="utf-8"),
            "summary": json.loads(out.with_suffix(".json").read_text(encoding="utf-8")),
            "data": data,
        }
    return built
