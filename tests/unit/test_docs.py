"""The docs a student copies from work as written: the README's project is the example folder, file for file, and
loads; docs/project.md's notes render in both languages; docs/networks.md's example is what Keras builds, and its
table lists every experiment variable the code has."""

from __future__ import annotations

import re
from pathlib import Path

import keras
import pytest
from keras import layers
from PIL import Image

from analysis.data import load_dataset
from analysis.eda import describe_dataset
from analysis.shapes import count_params
from analysis.variables import VARIABLES
from report.build import check_notes
from report.config import resolve_config
from report.i18n import number_format
from report.project import load_project
from report.render import render_project
from report.summary import summarize_plan

from mnist_files import write_npz
from student_project import write_project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "assignment"


def blocks(text: str) -> list[tuple[str, str]]:
    """Every ```toml and ```markdown block of a page: (kind, body)."""
    return re.findall(r"```(toml|markdown)\n(.*?)```", text, flags=re.S)


def section(path: Path, start: str, end: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index(start) : text.index(end)]


def test_the_readmes_project_is_the_example_folder_and_loads(tmp_path):
    found = blocks(section(ROOT / "README.md", "## Make it yours", "## Where to read more"))
    [project_file] = [body for kind, body in found if kind == "toml"]
    assert project_file == (EXAMPLE / "cnn-report.toml").read_text(encoding="utf-8")
    notes = [body for kind, body in found if kind == "markdown"]
    assert notes
    for note in notes:
        # Each note block starts with the file it is, as a comment the student leaves out of the file.
        name, body = re.match(r"<!-- (\S+) -->\n(.*)", note, flags=re.S).groups()
        assert (EXAMPLE / name).read_text(encoding="utf-8") == body, name
    project = load_project(EXAMPLE / "cnn-report.toml")
    assert project.design is not None and set(project.notes) == {"q1"}
    # Its notes and abstract name only what its report.json will hold: checked as a build checks them, before training.
    config = resolve_config({"data": write_npz(tmp_path / "mnist.npz"), "seeds": 1}, project=project)
    dataset = load_dataset(config.data)
    check_notes(config, dataset, describe_dataset(dataset))
    assert len((ROOT / "README.md").read_bytes()) <= 8 * 1024  # a student's page, not the reference


@pytest.mark.parametrize("lang, expected", [("en", "fewer mistakes than the baseline"), ("es", "menos errores")])
def test_the_project_pages_example_works_in_both_languages(tmp_path, lang, expected):
    found = blocks(section(ROOT / "docs" / "project.md", "## A complete example", "## `[report]`"))
    [project_file] = [body for kind, body in found if kind == "toml"]
    notes = [re.match(r"<!-- (\S+) -->\n", body).group(1) for kind, body in found if kind == "markdown"]
    assert notes == ["notes/q1.md", "notes/data.md", "notes/q1.md"]
    write_project(tmp_path, project_file, {})
    markdown = [body for kind, body in found if kind == "markdown"]
    for index in (0, 1) if lang == "en" else (2, 1):
        (tmp_path / notes[index]).write_text(markdown[index], encoding="utf-8")
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", markdown[1]):
        (tmp_path / "notes" / image).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8)).save(tmp_path / "notes" / image)
    project = load_project(tmp_path / "cnn-report.toml")
    config = resolve_config({"lang": lang}, project=project)
    dataset = load_dataset(config.data)
    plan = summarize_plan(
        dataset,
        describe_dataset(dataset),
        config.training,
        config.design,
        config.seed_list,
        lang,
        config.as_command_line(),
        {},
    )
    rendered = render_project(project, plan, lang)
    q1 = str(rendered["notes"]["q1"].html)
    numbers = number_format(lang)
    main = config.design.main_name
    assert expected in q1 and numbers.integer(plan["comparison"]["dense_equivalent_weights"]) in q1
    assert numbers.percent(plan["models"][main]["test_error"]) in q1 and 'class="math"' in q1
    assert "data:image/png;base64," in str(rendered["notes"]["data"].html)
    # The abstract's live number, as the report's number format writes it.
    accuracy = plan["models"][main]
    assert numbers.percent_spread(accuracy["test_accuracy"], accuracy["test_accuracy_std"]) in str(rendered["abstract"])


def test_the_networks_pages_example_is_the_network_keras_builds_by_hand(tmp_path):
    found = blocks(section(ROOT / "docs" / "networks.md", "## An example", "## Layers"))
    (tmp_path / "cnn-report.toml").write_text(found[0][1])
    design = load_project(tmp_path / "cnn-report.toml").design
    assert list(design.networks()) == ["baseline", "cnn_pooling_max", "cnn_pooling_avg", "cnn_pooling_none"]
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.BatchNormalization()(layers.Conv2D(32, 3, padding="same", activation="relu")(inputs))
    x = layers.MaxPooling2D(2)(layers.Conv2D(64, 3, padding="same", activation="relu")(layers.MaxPooling2D(2)(x)))
    x = layers.Dropout(0.3)(layers.Dense(32, activation="relu")(layers.Flatten()(x)))
    by_hand = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    assert count_params(design.cnn) == by_hand.count_params()
    assert count_params(design.baseline) == (784 + 1) * 256 + (256 + 1) * 10


def test_the_networks_page_lists_every_experiment_variable_as_the_table_defines_it():
    page = (ROOT / "docs" / "networks.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", page, flags=re.M))
    for name, variable in VARIABLES.items():
        assert name in rows, f"docs/networks.md has no row for the variable {name!r}"
        row = rows[name]
        assert variable.changes in row and variable.expected in row, name
        assert all(f"`{variable.model_key(value)}`" in row for value in variable.examples), name
