"""The project file: a student's report (metadata, notes in every mode, an image, a formula) built end to end on tiny
data, re-rendered without training after an edit, and every bad input stopped before training with exit code 2."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from analysis.data import load_dataset
from analysis.eda import describe_dataset
from report.cli import main
from report.config import resolve_config
from report.i18n import number_format
from report.project import load_project
from report.summary import summarize_plan
from report.summary.models import TOP_CONFUSIONS

from builds import QUICK
from student_project import GENERATED_Q1, IMAGE_SIZE, pdf_text


def test_pdf_metadata_comes_from_the_project(student):
    metadata = PdfReader(student["en"]["pdf"]).metadata
    assert metadata.title == "Convolutions on handwritten digits"
    assert metadata.author == "Ada Lovelace, Alan Turing"
    assert metadata.subject == "Deep Learning (CS 4321)"
    assert metadata["/Keywords"] == "MNIST, weight sharing"
    html = student["en"]["html"]
    assert (
        '<meta name="author" content="Ada Lovelace">' in html and '<meta name="author" content="Alan Turing">' in html
    )
    assert '<meta name="description" content="Deep Learning (CS 4321)">' in html
    assert '<meta name="dcterms.created" content="2025-05-12">' in html


@pytest.mark.parametrize("lang, date", [("en", "12 May 2025"), ("es", "12 de mayo de 2025")])
def test_the_title_page_carries_the_metadata_and_a_live_number(student, lang, date):
    edition = student[lang]
    first_page = pdf_text(edition["pdf"], slice(0, 1))
    for text in (
        "Convolutions on handwritten digits",
        "Assignment 2",
        "Ada Lovelace",
        "Alan Turing",
        "Deep Learning (CS 4321)",
        "Universidad de Buenos Aires",
        date,
    ):
        assert text in first_page, text
    cnn = edition["summary"]["models"]["cnn_k3"]
    measured = number_format(lang).percent_spread(cnn["test_accuracy"], cnn["test_accuracy_std"])
    assert f"The CNN reached {' '.join(measured.split())} on the test set." in first_page
    # A title page of its own: the report starts on the next page.
    assert "Introduc" not in first_page and "Introduc" in pdf_text(edition["pdf"], slice(1, 2))


def test_notes_go_before_after_and_instead_of_the_generated_text(student):
    text = pdf_text(student["en"]["pdf"])
    # The body, after the table of contents (which names every section too).
    text = text[text.index("1. Introduction", text.index("1. Introduction") + 1) :]
    summary = student["en"]["summary"]
    numbers = number_format("en")
    # before: the note, then the generated introduction.
    assert text.index("Our introduction comes first: we trained 2 models.") < text.index(
        "A fully-connected network sees"
    )
    assert "<script>alert(1)</script>" in text  # raw HTML is shown as text, never run
    # after (the default): the data section's figures, then the note, then the next section.
    assert text.index("Figure 4.") < text.index("Our SageMaker run") < text.index("3. The baseline")
    assert f"on {numbers.integer(summary['dataset']['n_train'])} images" in text
    # replace: question 1 keeps its question; the student's answer stands instead of the generated one.
    answer = text[text.index("Why did the convolutional layers") : text.index("What inductive bias does convolution")]
    models = summary["models"]
    assert (
        f"Our own answer: the CNN's error was {numbers.percent(models['cnn_k3']['test_error'])}, the baseline's "
        f"{numbers.percent(models['baseline']['test_error'])}."
    ) in answer
    assert not any(generated in answer for generated in GENERATED_Q1)
    # A conclusion exists only because the student wrote one.
    gain = numbers.points(summary["comparison"]["accuracy_gain_pp"])
    assert text.index("10. Conclusion") < text.index(f"In conclusion, the gain was {gain}.") < text.index("Appendix")


def test_the_image_and_the_formula_are_in_both_outputs(student):
    html = student["en"]["html"]
    image = base64.b64encode((student["folder"] / "images" / "run.png").read_bytes()).decode()
    assert f'<img src="data:image/png;base64,{image}" alt="The training curve of our run" />' in html
    assert '<img class="math" src="data:image/svg+xml;base64,' in html and 'alt="y = \\sum_i w_i x_i"' in html
    assert not re.search(r"""(src|href)=["'](?!data:|#|https?:)""", html)  # self-contained
    reader = PdfReader(student["en"]["pdf"])
    page = next(page for page in reader.pages if "Our SageMaker run" in page.extract_text())
    assert IMAGE_SIZE in [picture.image.size for picture in page.images]
    # The formula is drawn as vector paths (matplotlib's SVG), not as text.
    assert "sum_i" not in page.extract_text()


def test_the_stand_in_report_has_the_structure_of_the_real_one(student):
    """Notes are checked against summarize_plan before training: its structure must be report.json's, key for key."""
    real = student["en"]["summary"]
    config = resolve_config({"data": student["folder"] / "mnist.npz", "epochs": 1, "seeds": 2, "kernel_sizes": (3,)})
    dataset = load_dataset(config.data)
    stages = ("data", "eda", "training", "figures")
    plan = summarize_plan(
        dataset,
        describe_dataset(dataset),
        config.training,
        config.design,
        config.seed_list,
        "en",
        config.as_command_line(),
        {stage: 0.0 for stage in stages},
        project=load_project(student["file"]).record(),
    )
    real_stages = real["environment"].pop("stage_seconds")
    assert set(plan["environment"].pop("stage_seconds")) == set(stages) < set(real_stages)
    assert shape(plan) == shape(real)
    # The one list whose length depends on what the models got wrong: the stand-in has the longest it can be.
    for name, model in plan["models"].items():
        assert len(model["top_confusions"]) == TOP_CONFUSIONS >= len(real["models"][name]["top_confusions"])
        assert all(shape(item) == shape(model["top_confusions"][0]) for item in real["models"][name]["top_confusions"])


def shape(value, key: str | None = None):
    """A value's structure: the keys of dicts and the lengths of lists, all the way down; scalars are all alike.

    ``top_confusions`` lists a model's most frequent mistakes, as many as it made up to three: only its items'
    structure is compared.
    """
    if key == "top_confusions":
        return "checked apart"
    if isinstance(value, dict):
        return {key: shape(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return "scalar"


def test_an_edit_renders_again_in_seconds_without_training_or_tensorflow(student, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(student["folder"], folder)
    (folder / "notes" / "conclusion.md").write_text("Edited: {{ models.cnn_k3.params | num }} parameters.\n")
    text = (folder / "cnn-report.toml").read_text().replace('title = "Convolutions', 'title = "Edited convolutions')
    (folder / "cnn-report.toml").write_text(text)
    script = (
        "import sys; from report.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        "print('TF_IMPORTED' if 'tensorflow' in sys.modules else 'TF_NOT_IMPORTED')\n"
    )
    # In the project folder, as a student would run it; a fresh interpreter, so that no earlier import hides one.
    completed = subprocess.run(
        [sys.executable, "-c", script, "build"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert completed.returncode == 0, completed.stderr
    # No training (the models are cached, TensorFlow never imported): figures and the PDF again. No wall-time
    # bound here: it would flake on a loaded machine; timings belong to bench/.
    assert "TF_NOT_IMPORTED" in completed.stdout
    summary = json.loads((folder / "out" / "report.json").read_text())
    assert all(model["cached"] for model in summary["models"].values())
    text = pdf_text(folder / "out" / "report.pdf")
    assert "Edited convolutions on handwritten digits" in text
    assert "Edited: 121,930 parameters." in text and "In conclusion" not in text


def test_an_empty_project_leaves_the_report_as_it_is(quick_copy):
    """init's project renders the same report as no project at all, apart from how it was made (the command line)."""
    assert CliRunner().invoke(main, ["init", str(quick_copy / "p")]).exit_code == 0
    texts, heads = {}, {}
    # The plain report is the quick build's; the project's is rendered from the same cached models.
    project = ["--config", str(quick_copy / "p" / "cnn-report.toml")]
    arguments = ["build", "--out", str(quick_copy / "project.pdf"), "--data", str(quick_copy / "mnist.npz"), *QUICK]
    result = CliRunner().invoke(main, [*arguments, "--cache-dir", str(quick_copy / "cache"), "--quiet", *project])
    assert result.exit_code == 0, result.output
    for name, out in (("plain", quick_copy / "report.pdf"), ("project", quick_copy / "project.pdf")):
        summary = json.loads(out.with_suffix(".json").read_text())
        html = out.with_suffix(".html").read_text()
        html = html.replace(summary["environment"]["command_line"], "COMMAND").replace(
            summary["environment"]["generated_at"], "TIME"
        )
        texts[name] = html[html.index("<body>") : html.index('<section class="appendix">')]
        heads[name] = html[: html.index("<body>")]
    assert 'name="author"' not in heads["plain"] and 'name="keywords"' not in heads["plain"]
    assert "title-page" not in texts["plain"] and 'class="notes"' not in texts["plain"]
    assert texts["project"] == texts["plain"]
