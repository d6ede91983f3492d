"""The one resolver: every setting laid over its default from the project file, the command line and a job, and the
design settled once, with --kernel-sizes checked as [experiment] values are."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analysis.design import Experiment
from analysis.errors import ProjectError, SpecError
from report.config import resolve_config
from report.project import load_project

PADDED_CNN = """
[models.cnn]
layers = [
  { type = "conv", filters = 4, kernel = 3, padding = "same" },
  { type = "maxpool" },
  { type = "conv", filters = 4, kernel = 3, padding = "same" },
  { type = "maxpool" },
  { type = "flatten" },
]
"""


def project(folder: Path, text: str):
    (folder / "cnn-report.toml").write_text(textwrap.dedent(text))
    return load_project(folder / "cnn-report.toml")


def test_each_layer_wins_over_the_ones_below_it(tmp_path):
    file = project(tmp_path, '[build]\nepochs = 2\nseeds = 2\nlang = "es"\n')
    assert (resolve_config().epochs, resolve_config().seeds) == (10, 3)
    config = resolve_config(project=file)
    assert (config.epochs, config.seeds, config.lang) == (2, 2, "es")
    command_line = {"epochs": 3}
    job_places = {"data": Path("/opt/ml/input/data/training"), "out": Path("/opt/ml/output/data/report.pdf")}
    hyperparameters = {"seeds": 1, "epochs": 4}
    config = resolve_config(command_line, job_places, hyperparameters, project=file)
    assert (config.epochs, config.seeds, config.lang, config.data) == (4, 1, "es", Path("/opt/ml/input/data/training"))
    assert resolve_config(command_line, project=file).epochs == 3


@pytest.mark.parametrize(
    "layers, sizes",
    [
        ("", (2, 4)),  # the course's 'valid' CNN: even sizes leave maps too (28 -> 27 -> 13 -> 12 -> 6)
        ("", (3, 9)),
        ("", (3, 11)),  # 11 leaves conv2 a 9×9 input, smaller than its kernel
        (PADDED_CNN, (3, 11)),  # with 'same' padding the maps keep their size: 11 fits
        (PADDED_CNN, (15,)),  # ... up to the 7×7 the second conv sees, and beyond: 'same' pads
    ],
)
def test_the_command_line_and_the_file_accept_exactly_the_same_kernel_sizes(tmp_path, layers, sizes):
    """--kernel-sizes is shorthand for [experiment] vary = "kernel": the same sizes pass, the same fail, in the same words."""
    (tmp_path / "cli").mkdir()
    (tmp_path / "file").mkdir()
    outcomes = []
    for resolve in (
        lambda: resolve_config({"kernel_sizes": sizes}, project=project(tmp_path / "cli", layers)),
        lambda: resolve_config(
            project=project(tmp_path / "file", layers + f'\n[experiment]\nvary = "kernel"\nvalues = {list(sizes)}\n')
        ),
    ):
        try:
            outcomes.append(resolve().design.experiment)
        except SpecError as error:
            # The same words after the file's name, which each message starts with.
            outcomes.append(str(error).split(": ", 1)[1])
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] == Experiment("kernel", sizes)) == (sizes != (3, 11) or bool(layers))


def test_kernel_sizes_from_any_source_make_the_kernel_experiment(tmp_path):
    assert resolve_config({"kernel_sizes": (5,)}).design.experiment == Experiment("kernel", (5,))
    assert resolve_config({}, {}, {"kernel_sizes": (3, 7)}).design.experiment == Experiment("kernel", (3, 7))
    file = project(tmp_path, "[build]\nkernel_sizes = [9, 3]\n")
    assert resolve_config(project=file).design.experiment == Experiment("kernel", (3, 9))
    # Without them, a project's own experiment stands.
    pooling = project(tmp_path, PADDED_CNN + '[experiment]\nvary = "pooling"\nvalues = ["max", "none"]\n')
    assert resolve_config(project=pooling).design.experiment == Experiment("pooling", ("max", "none"))
    with pytest.raises(
        ProjectError, match="--kernel-sizes sets a kernel experiment, but \\[experiment\\] varies pooling"
    ):
        resolve_config({"kernel_sizes": (3, 5)}, project=pooling)


def test_the_command_line_written_back_reproduces_the_build(tmp_path):
    config = resolve_config(
        {
            "out": tmp_path / "out" / "r.pdf",
            "data": tmp_path / "mnist.npz",
            "kernel_sizes": (3, 5),
            "limit_train": 500,
            "jobs": 2,
        }
    )
    assert config.as_command_line(shareable=True) == (
        "cnn-report build --out r.pdf --data mnist.npz --epochs 10 --batch-size 32 --seed 42 --seeds 3 "
        "--limit-train 500 --kernel-sizes 3,5 --lang en"
    )
    assert f"--out {tmp_path / 'out' / 'r.pdf'}" in config.as_command_line()
    # A project's own experiment is in the file --config names; the sizes would contradict it.
    pooling = project(tmp_path, PADDED_CNN + '[experiment]\nvary = "pooling"\nvalues = ["max", "none"]\n')
    assert resolve_config(project=pooling).as_command_line(shareable=True) == (
        "cnn-report build --config cnn-report.toml --out report.pdf --epochs 10 --batch-size 32 --seed 42 --seeds 3 --lang en"
    )


def test_the_warnings_are_those_of_the_networks_trained(tmp_path):
    """--kernel-sizes replaces the file's values, and the warnings follow: a 1×1 kernel leaves 28×28×64 for the dense layer.

    By hand: conv 1×1×64 + 64 = 128, dense 50,176×100 + 100 = 5,017,700, output 100×10 + 10 = 1,010; 5,018,838 in all.
    """
    wide = (
        '[models.cnn]\nlayers = [{ type = "conv", filters = 64, kernel = 3 }, { type = "flatten" },'
        ' { type = "dense", units = 100 }]\n[experiment]\nvary = "kernel"\nvalues = [%s]\n'
    )
    (tmp_path / "warns").mkdir()
    (tmp_path / "fits").mkdir()
    warns, fits = project(tmp_path / "warns", wide % "1, 3"), project(tmp_path / "fits", wide % "3, 5")
    assert [len(resolve_config(project=file).design.warnings) for file in (warns, fits)] == [1, 0]
    assert "[experiment] kernel = 1 has 5,018,838 parameters" in resolve_config(project=warns).design.warnings[0]
    assert resolve_config({"kernel_sizes": (3, 5)}, project=warns).design.warnings == ()
    [warning] = resolve_config({"kernel_sizes": (1, 5)}, project=fits).design.warnings
    assert "[experiment] kernel = 1 has 5,018,838 parameters" in warning


def test_only_the_resolver_makes_a_config_with_a_field_per_option():
    from dataclasses import MISSING, fields

    from report.config import BuildConfig
    from report.options import BUILD_OPTIONS

    names = [field.name for field in fields(BuildConfig)]
    assert names == [option.name for option in BUILD_OPTIONS if option.name != "config_file"] + ["project", "design"]
    assert all(field.default is MISSING and field.default_factory is MISSING for field in fields(BuildConfig))
