"""The project file: a student's report (metadata, notes in every mode, an image, a formula) built end to end on tiny
data, re-rendered without training after an edit, and every bad input stopped before training with exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from analysis.data import load_dataset
from analysis.eda import describe_dataset
from analysis.errors import ProjectError
from report.cli import build as build_command
from report.cli import given_options, main
from report.config import resolve_config
from report.options import BUILD_OPTIONS, FILE_OPTIONS, defaults
from report.project import SECTIONS, load_project
from report.render import TEMPLATES_DIR

from mnist_files import write_npz
from student_project import IMAGE_SIZE, NOTES, PROJECT_FILE, replace_in, write_project

# --- Bad input: one line, exit 2, before any training -----------------------------------------------------------


BAD_PROJECTS = {
    "invalid TOML": (
        lambda toml, notes: (replace_in(toml, "epochs = 1", "epochs = = 1"), notes),
        r"cnn-report\.toml:15:10: invalid TOML: invalid value",
    ),
    "unknown table": (
        lambda toml, notes: (replace_in(toml, "[build]", "[buld]"), notes),
        r"unknown table \[buld\]; did you mean \[build\]\? Valid: \[build\], \[report\], \[notes\]",
    ),
    "key outside its table": (
        lambda toml, notes: ('title = "Mine"\n' + toml, notes),
        r"cnn-report\.toml: title must go inside a table: write it under \[report\]",
    ),
    "unknown build key": (
        lambda toml, notes: (replace_in(toml, "epochs = 1", "epoch = 1"), notes),
        r"unknown key in \[build\]: epoch; did you mean epochs\? Valid: out, data, epochs, batch_size",
    ),
    "unknown report key": (
        lambda toml, notes: (replace_in(toml, "authors =", "author ="), notes),
        r"unknown key in \[report\]: author; did you mean authors\?",
    ),
    "unknown key, no close match": (
        lambda toml, notes: (replace_in(toml, "epochs = 1", "colour = 1"), notes),
        r"unknown key in \[build\]: colour; valid: out, data",
    ),
    "bad build value": (
        lambda toml, notes: (replace_in(toml, "epochs = 1", "epochs = 0"), notes),
        r"\[build\] epochs = 0: 0 is not in the range x>=1",
    ),
    "wrong value type": (
        lambda toml, notes: (replace_in(toml, "epochs = 1", 'epochs = "one"'), notes),
        r'\[build\] epochs = "one": expected a whole number',
    ),
    "bad kernel sizes": (
        lambda toml, notes: (replace_in(toml, "kernel_sizes = [3]", "kernel_sizes = [0]"), notes),
        r"\[build\] kernel_sizes = \[0\]: kernel size 0 is not a whole number of at least 1",
    ),
    "kernel size the cnn has no room for": (
        lambda toml, notes: (replace_in(toml, "kernel_sizes = [3]", "kernel_sizes = [3, 11]"), notes),
        r"cnn-report\.toml: \[models\.cnn\] with \[experiment\] kernel = 11, layer 3 \(conv2\): "
        r"its 9×9 input is smaller than its 11×11 kernel",
    ),
    "unknown section": (
        lambda toml, notes: (replace_in(toml, "[notes.conclusion]", "[notes.conclusions]"), notes),
        r"unknown section \[notes\.conclusions\]; did you mean \[notes\.conclusion\]\? "
        r"Valid: \[notes\.introduction\], \[notes\.data\]",
    ),
    "unknown mode": (
        lambda toml, notes: (replace_in(toml, 'mode = "replace"', 'mode = "instead"'), notes),
        r'\[notes\.q1\] mode = "instead": unknown mode "instead"; valid: "after", "before", "replace"',
    ),
    "mode with a close match": (
        lambda toml, notes: (replace_in(toml, 'mode = "before"', 'mode = "befor"'), notes),
        r'unknown mode "befor"; did you mean "before"\?',
    ),
    "missing note": (
        lambda toml, notes: (replace_in(toml, "notes/q1.md", "notes/q01.md"), notes),
        r'\[notes\.q1\] file = "notes/q01\.md": no such file',
    ),
    "note outside the project": (
        lambda toml, notes: (replace_in(toml, '"notes/q1.md"', '"../q1.md"'), notes),
        r'\[notes\.q1\] file = "\.\./q1\.md": outside the project folder',
    ),
    "notes not a table": (
        lambda toml, notes: (
            replace_in(toml, "[notes.introduction]", '[notes]\nq2 = "notes/q2.md"\n\n[notes.introduction]'),
            notes,
        ),
        r"notes\.q2 must be a table: \[notes\.q2\] then file = ",
    ),
    "missing image": (
        lambda toml, notes: (toml, {**notes, "data": notes["data"].replace("run.png", "runs.png")}),
        r"notes/data\.md:5: image \.\./images/runs\.png not found",
    ),
    "image URL": (
        lambda toml, notes: (
            toml,
            {**notes, "data": notes["data"].replace("../images/run.png", "https://example.org/run.png")},
        ),
        r"notes/data\.md:5: image 'https://example\.org/run\.png' is not a file in the project; cnn-report never fetches URLs",
    ),
    "placeholder names nothing": (
        lambda toml, notes: (toml, {**notes, "q1": "Our answer.\n{{ models.cnn_k5.test_accuracy | pct }}\n"}),
        r"notes/q1\.md:2: \{\{ models\.cnn_k5\.test_accuracy \| pct \}\} names nothing: there is no key 'cnn_k5' "
        r"\(did you mean 'cnn_k3'\?\); there are: baseline, cnn_k3",
    ),
    "placeholder in the abstract": (
        lambda toml, notes: (replace_in(toml, "models.cnn_k3 | pct_pm", "model.cnn_k3 | pct_pm"), notes),
        r"cnn-report\.toml \[report\] abstract:1: \{\{ model\.cnn_k3 \| pct_pm \}\} names nothing: there is no name 'model' "
        r"\(did you mean 'models'\?\)",
    ),
    "unknown filter": (
        lambda toml, notes: (toml, {**notes, "conclusion": "{{ comparison.accuracy_gain_pp | percent }}\n"}),
        r"notes/conclusion\.md:1: No filter named 'percent'",
    ),
    "bad formula": (
        lambda toml, notes: (toml, {**notes, "data": notes["data"].replace("\\sum_i", "\\summ_i")}),
        r"notes/data\.md:3: cannot typeset \$y = \\summ_i w_i x_i\$: Unknown symbol: \\summ",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PROJECTS))
def test_bad_input_stops_before_training_with_one_line_and_exit_2(tmp_path, case):
    change, expected = BAD_PROJECTS[case]
    toml, notes = change(PROJECT_FILE, NOTES)
    project_file = write_project(tmp_path / "project", toml, notes)
    (tmp_path / "q1.md").write_text("A note outside the project folder.")
    tmp_path = tmp_path / "project"
    result = CliRunner().invoke(main, ["build", "--config", str(project_file)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert re.search(expected, result.output), result.output
    # Nothing trained, nothing written.
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").glob("*.json"))
    assert not any((tmp_path / "out").iterdir())


def test_a_missing_config_file_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert (
        result.output
        == f"Error: {tmp_path / 'nope.toml'}: project file not found; check --config, or run `cnn-report init` to create one\n"
    )


def test_the_project_file_in_the_working_directory_is_read(tmp_path, monkeypatch):
    write_project(tmp_path, replace_in(PROJECT_FILE, "[build]", "[buidl]"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2 and "cnn-report.toml: unknown table [buidl]" in result.output


# --- [build] and the command line --------------------------------------------------------------------------------


def build_options(folder: Path, *arguments: str) -> dict:
    """The settings a build would run with: the command line parsed by click, laid over the project's [build]."""
    context = build_command.make_context("build", ["--config", str(folder / "cnn-report.toml"), *arguments])
    config = resolve_config(given_options(context), project=load_project(folder / "cnn-report.toml"))
    return {name: getattr(config, name) for name in defaults() if name != "config_file"}


def test_the_command_line_wins_over_the_file_and_the_file_over_defaults(tmp_path):
    write_project(tmp_path)
    options = build_options(tmp_path)
    assert (options["epochs"], options["seeds"], options["kernel_sizes"], options["batch_size"]) == (1, 2, (3,), 32)
    # Paths in the file are relative to the file, not to the working directory.
    assert options["data"] == tmp_path / "mnist.npz" and options["out"] == tmp_path / "out" / "report.pdf"
    options = build_options(tmp_path, "--epochs", "3", "--kernel-sizes", "3,5", "--out", "elsewhere.pdf")
    assert (options["epochs"], options["kernel_sizes"], options["out"], options["seeds"]) == (
        3,
        (3, 5),
        Path("elsewhere.pdf"),
        2,
    )
    # Given explicitly, even a default value wins.
    assert build_options(tmp_path, "--epochs", "10")["epochs"] == 10


def test_every_build_option_is_a_build_key_with_the_command_lines_limits(tmp_path):
    """An option declared once (report/options.py) is a [build] key, with the same type and limits, and nothing else is."""
    assert [option.name for option in BUILD_OPTIONS if option.name not in FILE_OPTIONS] == ["config_file"]
    assert list(FILE_OPTIONS) == [
        "out",
        "data",
        "epochs",
        "batch_size",
        "seed",
        "seeds",
        "limit_train",
        "kernel_sizes",
        "cache_dir",
        "force",
        "quiet",
        "lang",
        "jobs",
        "compare",
        "no_compare",
        "notify",
        "notebook",
    ]
    (tmp_path / "cnn-report.toml").write_text("[build]\njobs = 4\n")
    assert build_options(tmp_path)["jobs"] == 4
    (tmp_path / "cnn-report.toml").write_text("[build]\njobs = 0\n")
    with pytest.raises(ProjectError, match=r"\[build\] jobs = 0: 0 is not in the range x>=1"):
        load_project(tmp_path / "cnn-report.toml")
    assert CliRunner().invoke(main, ["build", "--jobs", "0"]).exit_code == 2
    (tmp_path / "cnn-report.toml").write_text('[build]\nconfig_file = "other.toml"\n')
    with pytest.raises(ProjectError, match=r"unknown key in \[build\]: config_file"):
        load_project(tmp_path / "cnn-report.toml")


def test_a_previous_report_in_the_file_is_read_relative_to_the_file_and_s3_as_given(tmp_path):
    (tmp_path / "cnn-report.toml").write_text('[build]\ncompare = "last/report.json"\n')
    assert build_options(tmp_path)["compare"] == str(tmp_path / "last" / "report.json")
    (tmp_path / "cnn-report.toml").write_text('[build]\ncompare = "s3://bucket/cnn-report/reports/"\n')
    assert build_options(tmp_path)["compare"] == "s3://bucket/cnn-report/reports/"


# --- The sections a note goes to -----------------------------------------------------------------------------------


def test_every_section_id_is_a_template_of_its_own_included_once():
    """A note's section is the template of the same name (templates/sections/<id>.html.j2), where the note goes."""
    skeleton = (TEMPLATES_DIR / "report.html.j2").read_text()
    for section in SECTIONS:
        template = (TEMPLATES_DIR / "sections" / f"{section}.html.j2").read_text()
        assert skeleton.count(f'include "sections/{section}.html.j2"') == 1, section
        if section == "conclusion":
            assert '"conclusion" in notes' in template  # a section only when the student writes it
        else:
            assert template.count(f"section_notes('{section}')") == 1, section


# --- The finished report's cache key ------------------------------------------------------------------------------


def test_the_report_cache_key_follows_metadata_notes_and_image_bytes(tmp_path):
    """An edit must render the report anew (from cached models); an unchanged project must not."""
    from report.outputs import report_key

    project_file = write_project(tmp_path)
    dataset = load_dataset(tmp_path / "mnist.npz")

    def key() -> str:
        return report_key(resolve_config(project=load_project(project_file)), dataset)

    first = key()
    assert key() == first
    keys = {first}
    for edit in (
        lambda: project_file.write_text(PROJECT_FILE.replace("Ada Lovelace", "Ada King")),
        lambda: (tmp_path / "notes" / "q1.md").write_text(NOTES["q1"] + "One more sentence.\n"),
        lambda: Image.new("RGB", IMAGE_SIZE, (0, 0, 200)).save(tmp_path / "images" / "run.png"),
    ):
        edit()
        keys.add(key())
    assert len(keys) == 4


# --- Every section takes a note in every mode ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def unbalanced(tmp_path_factory) -> Path:
    """Tiny data whose classes are unbalanced: the data section then refers to section 5's per-digit table."""
    import numpy as np

    folder = tmp_path_factory.mktemp("unbalanced")
    labels = np.array([0] * 40 + [digit % 10 for digit in range(160)], dtype=np.uint8)
    return write_npz(folder / "mnist.npz", y_train=labels)


@pytest.mark.parametrize("mode", ["before", "after", "replace"])
@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_section_takes_a_note_in_every_mode(tmp_path, monkeypatch, unbalanced, section, mode):
    """The report renders whole with any one section's note in any mode (checked as a build checks it, no training)."""
    import report.render
    from report.build import check_notes

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.md").write_text(
        f"The student's own words on {section}: {{{{ models.cnn_k3.params | num }}}}.\n"
    )
    (tmp_path / "cnn-report.toml").write_text(f'[notes.{section}]\nfile = "notes/mine.md"\nmode = "{mode}"\n')
    project = load_project(tmp_path / "cnn-report.toml")
    config = resolve_config({"data": unbalanced, "epochs": 1, "seeds": 1, "kernel_sizes": (3, 5)}, project=project)
    dataset = load_dataset(unbalanced)
    rendered = []
    render_html = report.render.render_html
    monkeypatch.setattr(
        report.render, "render_html", lambda *arguments: rendered.append(render_html(*arguments)) or rendered[-1]
    )
    check_notes(config, dataset, describe_dataset(dataset))  # raises if the report cannot be rendered
    html = rendered[0]
    assert html.count(f"The student's own words on {section}: 121,930.") == 1
    if section != "conclusion":
        assert f'id="{section}"' in html  # the heading stays in every mode
    if not (section == "data" and mode == "replace"):
        # Section 2's sentence on unbalanced classes refers to section 5's table, unless a note replaced it.
        assert "classes are unbalanced" in html
        assert ("per-digit accuracy (<a" in html) == (section != "comparison" or mode != "replace")


# --- A very large network -----------------------------------------------------------------------------------------


def test_a_very_large_network_is_built_with_a_warning_giving_its_count(tmp_path):
    (tmp_path / "cnn-report.toml").write_text(
        '[models.cnn]\nlayers = [{ type = "conv", filters = 64, kernel = 3, padding = "same" }, { type = "flatten" },'
        ' { type = "dense", units = 100 }]\n[experiment]\nvary = "activation"\nvalues = ["relu"]\n'
    )
    project = load_project(tmp_path / "cnn-report.toml")
    [warning] = project.design.warnings
    assert "has 5,019,350 parameters (over 5,000,000)" in warning
