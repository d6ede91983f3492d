"""The build options, declared once: their types and limits, the same from the command line, [build] and a job."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from report.cli import main
from report.options import BUILD_OPTIONS, FILE_OPTIONS, JOB_OPTIONS, convert, defaults


def test_the_defaults_are_the_course_protocols():
    values = defaults()
    assert (values["epochs"], values["batch_size"], values["seed"], values["seeds"]) == (10, 32, 42, 3)
    assert (values["kernel_sizes"], values["out"], values["lang"], values["limit_train"]) == (
        (3, 5, 7),
        Path("report.pdf"),
        "en",
        None,
    )
    assert values["force"] is False and values["quiet"] is False and values["jobs"] is None


def test_where_each_option_may_be_set():
    names = [option.name for option in BUILD_OPTIONS]
    assert [name for name in names if name not in FILE_OPTIONS] == ["config_file"]
    # A job's data and report live in its own folders; what it prints is the job's log.
    assert [name for name in names if name not in JOB_OPTIONS] == ["out", "data", "quiet", "config_file"]


@pytest.mark.parametrize("text, sizes", [("3,5,7", (3, 5, 7)), ("7, 3,3", (3, 7)), ("4", (4,)), ("1,2,9", (1, 2, 9))])
def test_kernel_sizes_are_read_the_same_from_every_source(text, sizes):
    option = FILE_OPTIONS["kernel_sizes"]
    assert convert(option, text, from_text=True) == sizes  # a hyperparameter
    assert convert(option, [int(part) for part in text.split(",")]) == sizes  # [build] kernel_sizes = [...]
    assert convert(option, text) == sizes  # [build] kernel_sizes = "3,5,7"
    assert option.process_value(None, text) == sizes  # the command line


@pytest.mark.parametrize(
    "value, message",
    [
        ("three", "'three' is not a comma-separated list of integers, e.g. 3,5,7"),
        (" , ", "no kernel size given, e.g. 3,5,7"),
        ("3,0", "kernel size 0 is not a whole number of at least 1"),
        ("-1", "kernel size -1 is not a whole number of at least 1"),
        ([3, True], "kernel size true is not a whole number of at least 1"),
        ([3.0], "kernel size 3.0 is not a whole number of at least 1"),  # as [experiment] values refuses it
    ],
)
def test_a_kernel_size_no_experiment_takes_is_refused_everywhere_in_the_same_words(value, message):
    with pytest.raises(ValueError, match=message):
        convert(FILE_OPTIONS["kernel_sizes"], value)
    if isinstance(value, str):
        result = CliRunner().invoke(main, ["build", "--kernel-sizes", value])
        assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize(
    "name, value, from_text, expected",
    [
        ("epochs", "10", True, 10),
        ("epochs", 10, True, 10),
        ("force", "True", True, True),
        ("force", "off", True, False),
        ("lang", "es", False, "es"),
        ("cache_dir", "/tmp/cache", False, Path("/tmp/cache")),
    ],
)
def test_values_are_converted_by_the_options_own_types(name, value, from_text, expected):
    assert convert(FILE_OPTIONS[name], value, from_text=from_text) == expected


@pytest.mark.parametrize(
    "name, value, from_text, message",
    [
        # A TOML value of the wrong type, which click would quietly take (true as 1, "10" as 10).
        ("epochs", "10", False, "expected a whole number"),
        ("epochs", True, False, "expected a number"),
        ("epochs", 2.5, False, "expected a whole number"),
        ("force", 1, False, "expected true or false"),
        ("lang", 1, False, "expected text in quotes"),
        # A job's text that is not of the option's type.
        ("epochs", "three", True, "expected a whole number"),
        ("force", "maybe", True, "expected true or false"),
        # The limits, written once, in click's words (a job's hyperparameters say them in their own).
        ("epochs", 0, False, "0 is not in the range x>=1"),
        ("limit_train", "5", True, "5 is not in the range x>=20"),
        ("lang", "fr", True, "'fr' is not one of 'en', 'es'"),
    ],
)
def test_a_value_that_does_not_fit_its_option_says_why(name, value, from_text, message):
    with pytest.raises(ValueError) as caught:
        convert(FILE_OPTIONS[name], value, from_text=from_text)
    assert str(caught.value) == message


def read_kernel_sizes(value):
    """``--kernel-sizes`` (or ``[build] kernel_sizes``) as the build reads it."""
    return convert(FILE_OPTIONS["kernel_sizes"], value)


@given(st.lists(st.integers(1, 9), min_size=1, max_size=8))
def test_kernel_sizes_parse_sorted_and_once_each(sizes):
    expected = tuple(sorted(set(sizes)))
    assert read_kernel_sizes(",".join(map(str, sizes))) == expected
    assert read_kernel_sizes([str(size) for size in sizes]) == expected
    assert read_kernel_sizes(" , ".join(map(str, sizes)) + ",") == expected


@given(st.lists(st.integers(-3, 12), min_size=1, max_size=4).filter(lambda sizes: min(sizes) < 1))
def test_kernel_sizes_below_one_are_named(sizes):
    first = next(size for size in sizes if size < 1)
    with pytest.raises(ValueError) as caught:
        read_kernel_sizes(",".join(map(str, sizes)))
    assert f"kernel size {first} is not a whole number of at least 1" in str(caught.value)
