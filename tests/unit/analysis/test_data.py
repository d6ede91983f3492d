"""Reading MNIST in both formats, finding it, and rejecting bad files with a clear message."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from analysis.data import candidate_locations, load_dataset, resolve_data_path
from analysis.errors import DataError

from mnist_files import IDX_NAMES, idx_bytes, make_arrays, write_idx_folder, write_npz


def test_npz_is_read_with_its_sha256(tiny_npz):
    dataset = load_dataset(tiny_npz)
    expected = make_arrays()
    np.testing.assert_array_equal(dataset.x_train, expected["x_train"])
    np.testing.assert_array_equal(dataset.y_test, expected["y_test"])
    assert (dataset.n_train, dataset.n_test, dataset.format) == (200, 100, "npz")
    assert dataset.sha256 == hashlib.sha256(tiny_npz.read_bytes()).hexdigest()


@pytest.mark.parametrize("compressed", [False, True])
def test_idx_folder_gives_the_same_arrays_as_npz(tmp_path, compressed):
    folder = write_idx_folder(tmp_path / "idx", compressed)
    dataset = load_dataset(folder)
    expected = make_arrays()
    for key in expected:
        np.testing.assert_array_equal(getattr(dataset, key), expected[key])
    assert dataset.format == "idx"
    assert len(dataset.sha256) == 64


def test_folder_with_mnist_npz_reads_the_npz(tmp_path):
    write_npz(tmp_path / "mnist.npz")
    assert load_dataset(tmp_path).format == "npz"


def _error_for(path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_dataset(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("hello")
    message = _error_for(path)
    assert str(path) in message and "not a readable .npz" in message


def test_truncated_npz(tmp_path, tiny_npz):
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(tiny_npz.read_bytes()[:500])
    assert "not a readable .npz" in _error_for(truncated)


def test_npz_missing_a_key(tmp_path):
    arrays = make_arrays()
    del arrays["y_test"]
    path = tmp_path / "partial.npz"
    np.savez(path, **arrays)
    assert "missing array(s) y_test" in _error_for(path)


@pytest.mark.parametrize(
    "override, expected",
    [
        ({"x_train": np.zeros((200, 32, 32), np.uint8)}, "x_train has shape (200, 32, 32)"),
        ({"x_test": np.zeros((100, 28, 28, 3), np.uint8)}, "x_test has shape (100, 28, 28, 3)"),
        ({"y_train": np.full(200, 10, np.uint8)}, "labels from 10 to 10"),
        ({"y_train": np.arange(199) % 10}, "x_train has 200 images but y_train has 199 labels"),
        ({"x_train": np.full((200, 28, 28), np.nan)}, "NaN"),
        ({"x_train": np.full((200, 28, 28), 300, np.int32)}, "pixel values from 300 to 300"),
        ({"x_train": np.full((200, 28, 28), 0.5, np.float32)}, "already scaled to [0, 1]"),
        ({"y_test": np.zeros(100, np.uint8)}, "no examples of class(es) 1, 2"),
        ({"y_train": np.arange(200, dtype=np.float32) % 10}, "y_train has dtype float32"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.uint8)}, "x_test is empty"),
    ],
)
def test_bad_arrays_name_the_file_key_and_expectation(tmp_path, override, expected):
    path = write_npz(tmp_path / "bad.npz", **override)
    message = _error_for(path)
    assert str(path) in message
    assert expected in message


def test_integer_pixels_in_range_are_accepted_as_uint8(tmp_path):
    arrays = make_arrays()
    path = write_npz(tmp_path / "wide.npz", x_train=arrays["x_train"].astype(np.int64))
    assert load_dataset(path).x_train.dtype == np.uint8


def test_idx_wrong_magic(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", compressed=False)
    labels = make_arrays()["y_train"]
    (folder / IDX_NAMES["y_train"]).write_bytes(idx_bytes(labels, magic=0x0803))
    message = _error_for(folder)
    assert IDX_NAMES["y_train"] in message and "wrong IDX magic number 0x00000803" in message


def test_idx_count_does_not_match_bytes(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", compressed=True)
    path = folder / f"{IDX_NAMES['x_test']}.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-28]))
    message = _error_for(folder)
    assert str(path) in message and "truncated or corrupt" in message


def test_idx_corrupt_gzip(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", compressed=True)
    path = folder / f"{IDX_NAMES['x_train']}.gz"
    path.write_bytes(path.read_bytes()[:100])
    assert str(path) in _error_for(folder)


def test_idx_folder_missing_a_file(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", compressed=False)
    (folder / IDX_NAMES["y_test"]).unlink()
    assert "t10k-labels-idx1-ubyte" in _error_for(folder)


def test_single_idx_file_is_explained(tmp_path):
    folder = write_idx_folder(tmp_path / "idx", compressed=False)
    assert "pass the folder" in _error_for(folder / IDX_NAMES["x_train"])


def test_lookup_order_prefers_option_then_env_then_project_then_keras(tmp_path):
    explicit, env = tmp_path / "a.npz", tmp_path / "b.npz"
    places = candidate_locations(
        explicit, {"CNN_REPORT_DATA": str(env)}, project_dir=tmp_path / "proj", home=tmp_path / "home"
    )
    assert [c.path for c in places] == [
        explicit,
        env,
        tmp_path / "proj" / "data" / "mnist.npz",
        tmp_path / "proj" / "data",
        tmp_path / "home" / ".keras" / "datasets" / "mnist.npz",
    ]


def test_resolve_finds_keras_cache(tmp_path):
    cached = write_npz_at(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    found = resolve_data_path(None, {}, project_dir=tmp_path / "proj", home=tmp_path / "home", allow_download=False)
    assert found == cached


def test_resolve_env_var_beats_project_copy(tmp_path):
    write_npz_at(tmp_path / "proj" / "data" / "mnist.npz")
    env_copy = write_npz_at(tmp_path / "elsewhere" / "mnist.npz")
    found = resolve_data_path(
        None, {"CNN_REPORT_DATA": str(env_copy)}, project_dir=tmp_path / "proj", home=tmp_path, allow_download=False
    )
    assert found == env_copy


def test_resolve_named_path_must_exist(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        resolve_data_path(tmp_path / "nope.npz", {}, project_dir=tmp_path, home=tmp_path, allow_download=False)


def test_nothing_found_lists_every_place(tmp_path):
    with pytest.raises(DataError) as caught:
        resolve_data_path(None, {}, project_dir=tmp_path / "proj", home=tmp_path / "home", allow_download=False)
    message = str(caught.value)
    assert str(tmp_path / "proj" / "data" / "mnist.npz") in message
    assert str(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz") in message
    assert "--data" in message and "CNN_REPORT_DATA" in message


def write_npz_at(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_npz(path)


def test_real_mnist_matches_its_published_description(real_mnist):
    dataset = load_dataset(real_mnist)
    assert (dataset.n_train, dataset.n_test) == (60000, 10000)
    assert dataset.x_train.shape[1:] == (28, 28) and dataset.x_train.dtype == np.uint8
