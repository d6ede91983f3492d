"""A builder file, read without running it: the function found, its keywords and their defaults, its bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.builder import read_builder
from analysis.errors import SpecError
from analysis.layers import read_network

from networks import GOOD_BUILDER, WHERE, write_builder


def test_the_function_and_its_keywords_are_read_from_the_source(tmp_path):
    write_builder(
        tmp_path,
        """
        def helper():
            pass

        def make_model(kernel=3, width=2 * 0.5, *, rate=0.25, **rest):
            pass
    """,
    )
    builder = read_builder("my_net.py:make_model", "place", tmp_path)
    assert (builder.function, builder.label, builder.path) == (
        "make_model",
        "my_net.py:make_model",
        tmp_path / "my_net.py",
    )
    # A default that is not a literal cannot be compared with the experiment's values: None, as if there were none.
    assert builder.keywords == (("kernel", 3), ("width", None), ("rate", 0.25), ("**", None))


def test_a_builder_named_by_its_absolute_path_is_labelled_from_the_project_folder(tmp_path):
    """The label reaches report.json, which may be handed in: it must not say where the student keeps their files."""
    (tmp_path / "nets").mkdir()
    path = write_builder(tmp_path / "nets", GOOD_BUILDER)
    builder = read_builder(f"{path}:make_model", "place", tmp_path)
    assert (builder.label, builder.path) == ("nets/my_net.py:make_model", path)
    assert read_builder("nets/my_net.py:make_model", "place", tmp_path) == builder


def test_the_builder_files_content_is_in_the_description(tmp_path):
    path = write_builder(tmp_path, GOOD_BUILDER)
    before = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path).describe()
    path.write_text(path.read_text() + "\n# edited\n")
    after = read_network({"builder": "my_net.py:make_model"}, "cnn", WHERE, tmp_path).describe()
    assert before != after and before["builder"]["function"] == "make_model"


@pytest.mark.parametrize(
    "value, files, expected",
    [
        ("my_net.py", {}, 'expected "file.py:function"'),
        ("missing.py:make_model", {}, "no such file"),
        (
            "my_net.py:build",
            {"my_net.py": GOOD_BUILDER},
            "my_net.py defines no function 'build' at its top level; it defines make_model",
        ),
        ("my_net.py:make_model", {"my_net.py": "def make_model(:\n"}, "my_net.py:1: "),
    ],
)
def test_builders_that_cannot_be_found_fail_before_anything_runs(tmp_path, value, files, expected):
    for name, body in files.items():
        write_builder(tmp_path, body, name)
    with pytest.raises(SpecError) as caught:
        read_network({"builder": value}, "cnn", WHERE, tmp_path)
    assert expected in str(caught.value)


def test_a_builder_outside_the_project_folder_is_refused(tmp_path):
    write_builder(tmp_path, GOOD_BUILDER)
    (tmp_path / "project").mkdir()
    with pytest.raises(SpecError, match="is outside the project folder"):
        read_builder("../my_net.py:make_model", "place", tmp_path / "project")
    assert read_builder(str(tmp_path / "my_net.py") + ":make_model", "place", tmp_path).path == Path(
        tmp_path / "my_net.py"
    )
