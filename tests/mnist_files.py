"""Tiny MNIST-shaped files in both of MNIST's formats: every class present, a label anyone can read off the image."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


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
