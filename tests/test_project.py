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

import click
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from analysis.data import load_dataset
from analysis.eda import describe_dataset
from analysis.errors import ProjectError
from conftest import write_npz
from report.cli import build as build_command
from report.cli import main
from report.config import BuildConfig
from report.i18n import number_format
from report.project import SECTIONS, load_project, merge_build_options, project_template
from report.render import TEMPLATES_DIR, render_project
from report.summary import TOP_CONFUSIONS, summarize_plan

PROJECT_FILE = """\
[report]
title = "Convolutions on handwritten digits"
subtitle = "Assignment 2"
authors = ["Ada Lovelace", "Alan Turing"]
course = "Deep Learning (CS 4321)"
institution = "Universidad de Buenos Aires"
date = 2025-05-12
keywords = ["MNIST", "weight sharing"]
abstract = \"\"\"
The CNN reached **{{ models.cnn_k3 | pct_pm }}** on the test set.
\"\"\"

[build]
data = "mnist.npz"
epochs = 1
seeds = 2
kernel_sizes = [3]
cache_dir = "cache"
out = "out/report.pdf"
quiet = true

[notes.introduction]
file = "notes/introduction.md"
mode = "before"

[notes.data]
file = "notes/data.md"

[notes.q1]
file = "notes/q1.md"
mode = "replace"

[notes.conclusion]
file = "notes/conclusion.md"
"""
NOTES = {
    "introduction": "Our introduction comes first: we trained {{ models | length }} models. <script>alert(1)</script>\n",
    "data": ("## Our SageMaker run\n\nA convolution computes $y = \\sum_i w_i x_i$ on {{ dataset.n_train | num }} images.\n\n"
             "![The training curve of our run](../images/run.png)\n\n"
             "$$\n\\mathrm{error} = 1 - {{ models.cnn_k3.test_accuracy | num(4) }}\n$$\n\n"
             "| model | test accuracy |\n|---|---|\n| CNN | {{ models.cnn_k3 | pct_pm }} |\n\nMeasured here.[^1]\n\n"
             "[^1]: By this very run.\n"),
    "q1": "Our own answer: the CNN's error was {{ models.cnn_k3.test_error | pct }}, the baseline's "
          "{{ models.baseline.test_error | pct }}.\n",
    "conclusion": "In conclusion, the gain was {{ comparison.accuracy_gain_pp | pp }}.\n",
}
IMAGE_SIZE = (48, 36)
# The generated answer to question 1 starts with one of these, whichever way the data went.
GENERATED_Q1 = ("They did: the CNN's test error", "Only within the noise", "In this run they did not")


def write_project(folder: Path, project_file: str = PROJECT_FILE, notes: dict[str, str] = NOTES) -> Path:
    """A complete student project in ``folder``: the file, the notes, an image and tiny MNIST data."""
    (folder / "notes").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    (folder / "out").mkdir(exist_ok=True)
    write_npz(folder / "mnist.npz")
    Image.new("RGB", IMAGE_SIZE, (200, 30, 30)).save(folder / "images" / "run.png")
    (folder / "cnn-report.toml").write_text(project_file, encoding="utf-8")
    for section, text in notes.items():
        (folder / "notes" / f"{section}.md").write_text(text, encoding="utf-8")
    return folder / "cnn-report.toml"


def pdf_text(path: Path, pages: slice = slice(None)) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(path).pages[pages]))


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> dict:
    """The sample project built in English, then in Spanish from the cached models."""
    folder = tmp_path_factory.mktemp("student")
    project_file = write_project(folder)
    editions = {}
    for lang in ("en", "es"):
        out = folder / "out" / f"report-{lang}.pdf"
        # --config by absolute path from another working directory: the file's relative paths still resolve.
        result = CliRunner().invoke(main, ["build", "--config", str(project_file), "--lang", lang, "--out", str(out)])
        assert result.exit_code == 0, result.output
        editions[lang] = {"pdf": out, "html": out.with_suffix(".html").read_text(encoding="utf-8"),
                          "summary": json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))}
    return {"folder": folder, "file": project_file, **editions}


@pytest.mark.slow
def test_pdf_metadata_comes_from_the_project(student):
    metadata = PdfReader(student["en"]["pdf"]).metadata
    assert metadata.title == "Convolutions on handwritten digits"
    assert metadata.author == "Ada Lovelace, Alan Turing"
    assert metadata.subject == "Deep Learning (CS 4321)"
    assert metadata["/Keywords"] == "MNIST, weight sharing"
    html = student["en"]["html"]
    assert '<meta name="author" content="Ada Lovelace">' in html and '<meta name="author" content="Alan Turing">' in html
    assert '<meta name="description" content="Deep Learning (CS 4321)">' in html
    assert '<meta name="dcterms.created" content="2025-05-12">' in html


@pytest.mark.slow
@pytest.mark.parametrize("lang, date", [("en", "12 May 2025"), ("es", "12 de mayo de 2025")])
def test_the_title_page_carries_the_metadata_and_a_live_number(student, lang, date):
    edition = student[lang]
    first_page = pdf_text(edition["pdf"], slice(0, 1))
    for text in ("Convolutions on handwritten digits", "Assignment 2", "Ada Lovelace", "Alan Turing",
                 "Deep Learning (CS 4321)", "Universidad de Buenos Aires", date):
        assert text in first_page, text
    cnn = edition["summary"]["models"]["cnn_k3"]
    measured = number_format(lang).percent_spread(cnn["test_accuracy"], cnn["test_accuracy_std"])
    assert f"The CNN reached {' '.join(measured.split())} on the test set." in first_page
    # A title page of its own: the report starts on the next page.
    assert "Introduc" not in first_page and "Introduc" in pdf_text(edition["pdf"], slice(1, 2))


@pytest.mark.slow
def test_notes_go_before_after_and_instead_of_the_generated_text(student):
    text = pdf_text(student["en"]["pdf"])
    # The body, after the table of contents (which names every section too).
    text = text[text.index("1. Introduction", text.index("1. Introduction") + 1):]
    summary = student["en"]["summary"]
    numbers = number_format("en")
    # before: the note, then the generated introduction.
    assert text.index("Our introduction comes first: we trained 2 models.") < text.index("A fully-connected network sees")
    assert "<script>alert(1)</script>" in text  # raw HTML is shown as text, never run
    # after (the default): the data section's figures, then the note, then the next section.
    assert text.index("Figure 4.") < text.index("Our SageMaker run") < text.index("3. The baseline")
    assert f"on {numbers.integer(summary['dataset']['n_train'])} images" in text
    # replace: question 1 keeps its question; the student's answer stands instead of the generated one.
    answer = text[text.index("Why did the convolutional layers"):text.index("What inductive bias does convolution")]
    models = summary["models"]
    assert (f"Our own answer: the CNN's error was {numbers.percent(models['cnn_k3']['test_error'])}, the baseline's "
            f"{numbers.percent(models['baseline']['test_error'])}.") in answer
    assert not any(generated in answer for generated in GENERATED_Q1)
    # A conclusion exists only because the student wrote one.
    gain = numbers.points(summary["comparison"]["accuracy_gain_pp"])
    assert text.index("10. Conclusion") < text.index(f"In conclusion, the gain was {gain}.") < text.index("Appendix")


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_stand_in_report_has_the_structure_of_the_real_one(student):
    """Notes are checked against summarize_plan before training: its structure must be report.json's, key for key."""
    real = student["en"]["summary"]
    config = BuildConfig(data=student["folder"] / "mnist.npz", epochs=1, seeds=2, kernel_sizes=(3,))
    dataset = load_dataset(config.data)
    stages = ("data", "eda", "training", "figures")
    plan = summarize_plan(dataset, describe_dataset(dataset), config.training, config.experiment_design, config.seed_list,
                          "en", config.as_command_line(), {stage: 0.0 for stage in stages})
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


@pytest.mark.slow
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
    completed = subprocess.run([sys.executable, "-c", script, "build"], cwd=folder, capture_output=True, text=True,
                               timeout=120, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert completed.returncode == 0, completed.stderr
    # No training (the models are cached, TensorFlow never imported): figures and the PDF again. No wall-time
    # bound here: it would flake on a loaded machine; timings belong to bench/.
    assert "TF_NOT_IMPORTED" in completed.stdout
    summary = json.loads((folder / "out" / "report.json").read_text())
    assert all(model["cached"] for model in summary["models"].values())
    text = pdf_text(folder / "out" / "report.pdf")
    assert "Edited convolutions on handwritten digits" in text
    assert "Edited: 121,930 parameters." in text and "In conclusion" not in text


# --- Bad input: one line, exit 2, before any training -----------------------------------------------------------


def replace_in(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


BAD_PROJECTS = {
    "invalid TOML": (lambda toml, notes: (replace_in(toml, "epochs = 1", "epochs = = 1"), notes),
                     r"cnn-report\.toml:15:10: invalid TOML: invalid value"),
    "unknown table": (lambda toml, notes: (replace_in(toml, "[build]", "[buld]"), notes),
                      r"unknown table \[buld\]; did you mean \[build\]\? Valid: \[build\], \[report\], \[notes\]"),
    "key outside its table": (lambda toml, notes: ('title = "Mine"\n' + toml, notes),
                              r"cnn-report\.toml: title must go inside a table: write it under \[report\]"),
    "unknown build key": (lambda toml, notes: (replace_in(toml, "epochs = 1", "epoch = 1"), notes),
                          r"unknown key in \[build\]: epoch; did you mean epochs\? Valid: out, data, epochs, batch_size"),
    "unknown report key": (lambda toml, notes: (replace_in(toml, "authors =", "author ="), notes),
                           r"unknown key in \[report\]: author; did you mean authors\?"),
    "unknown key, no close match": (lambda toml, notes: (replace_in(toml, "epochs = 1", "colour = 1"), notes),
                                    r"unknown key in \[build\]: colour; valid: out, data"),
    "bad build value": (lambda toml, notes: (replace_in(toml, "epochs = 1", "epochs = 0"), notes),
                        r"\[build\] epochs = 0: 0 is not in the range x>=1"),
    "wrong value type": (lambda toml, notes: (replace_in(toml, "epochs = 1", 'epochs = "one"'), notes),
                         r'\[build\] epochs = "one": expected a whole number'),
    "bad kernel sizes": (lambda toml, notes: (replace_in(toml, "kernel_sizes = [3]", "kernel_sizes = [4]"), notes),
                         r"\[build\] kernel_sizes = \[4\]: unsupported kernel size\(s\) 4"),
    "unknown section": (lambda toml, notes: (replace_in(toml, "[notes.conclusion]", "[notes.conclusions]"), notes),
                        r"unknown section \[notes\.conclusions\]; did you mean \[notes\.conclusion\]\? "
                        r"Valid: \[notes\.introduction\], \[notes\.data\]"),
    "unknown mode": (lambda toml, notes: (replace_in(toml, 'mode = "replace"', 'mode = "instead"'), notes),
                     r'\[notes\.q1\] mode = "instead": unknown mode "instead"; valid: "after", "before", "replace"'),
    "mode with a close match": (lambda toml, notes: (replace_in(toml, 'mode = "before"', 'mode = "befor"'), notes),
                                r'unknown mode "befor"; did you mean "before"\?'),
    "missing note": (lambda toml, notes: (replace_in(toml, "notes/q1.md", "notes/q01.md"), notes),
                     r'\[notes\.q1\] file = "notes/q01\.md": no such file'),
    "note outside the project": (lambda toml, notes: (replace_in(toml, '"notes/q1.md"', '"../q1.md"'), notes),
                                 r'\[notes\.q1\] file = "\.\./q1\.md": outside the project folder'),
    "notes not a table": (lambda toml, notes: (replace_in(toml, "[notes.introduction]", '[notes]\nq2 = "notes/q2.md"\n\n[notes.introduction]'), notes),
                          r"notes\.q2 must be a table: \[notes\.q2\] then file = "),
    "missing image": (lambda toml, notes: (toml, {**notes, "data": notes["data"].replace("run.png", "runs.png")}),
                      r"notes/data\.md:5: image \.\./images/runs\.png not found"),
    "image URL": (lambda toml, notes: (toml, {**notes, "data": notes["data"].replace("../images/run.png", "https://example.org/run.png")}),
                  r"notes/data\.md:5: image 'https://example\.org/run\.png' is not a file in the project; cnn-report never fetches URLs"),
    "placeholder names nothing": (
        lambda toml, notes: (toml, {**notes, "q1": "Our answer.\n{{ models.cnn_k5.test_accuracy | pct }}\n"}),
        r"notes/q1\.md:2: \{\{ models\.cnn_k5\.test_accuracy \| pct \}\} names nothing: there is no key 'cnn_k5' "
        r"\(did you mean 'cnn_k3'\?\); there are: baseline, cnn_k3"),
    "placeholder in the abstract": (
        lambda toml, notes: (replace_in(toml, "models.cnn_k3 | pct_pm", "model.cnn_k3 | pct_pm"), notes),
        r"cnn-report\.toml \[report\] abstract:1: \{\{ model\.cnn_k3 \| pct_pm \}\} names nothing: there is no name 'model' "
        r"\(did you mean 'models'\?\)"),
    "unknown filter": (lambda toml, notes: (toml, {**notes, "conclusion": "{{ comparison.accuracy_gain_pp | percent }}\n"}),
                       r"notes/conclusion\.md:1: No filter named 'percent'"),
    "bad formula": (lambda toml, notes: (toml, {**notes, "data": notes["data"].replace("\\sum_i", "\\summ_i")}),
                    r"notes/data\.md:3: cannot typeset \$y = \\summ_i w_i x_i\$: Unknown symbol: \\summ"),
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
    assert result.output == f"Error: {tmp_path / 'nope.toml'}: project file not found; check --config, or run `cnn-report init` to create one\n"


def test_the_project_file_in_the_working_directory_is_read(tmp_path, monkeypatch):
    write_project(tmp_path, replace_in(PROJECT_FILE, "[build]", "[buidl]"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2 and "cnn-report.toml: unknown table [buidl]" in result.output


# --- [build] and the command line --------------------------------------------------------------------------------


def build_options(folder: Path, *arguments: str) -> dict:
    """The options a build would run with: the command line parsed by click, with the project laid over it."""
    context = build_command.make_context("build", ["--config", str(folder / "cnn-report.toml"), *arguments])
    project = load_project(folder / "cnn-report.toml", context.command.params, context)
    return merge_build_options(context, project)


def test_the_command_line_wins_over_the_file_and_the_file_over_defaults(tmp_path):
    write_project(tmp_path)
    options = build_options(tmp_path)
    assert (options["epochs"], options["seeds"], options["kernel_sizes"], options["batch_size"]) == (1, 2, (3,), 32)
    # Paths in the file are relative to the file, not to the working directory.
    assert options["data"] == tmp_path / "mnist.npz" and options["out"] == tmp_path / "out" / "report.pdf"
    options = build_options(tmp_path, "--epochs", "3", "--kernel-sizes", "3,5", "--out", "elsewhere.pdf")
    assert (options["epochs"], options["kernel_sizes"], options["out"], options["seeds"]) == (3, (3, 5), Path("elsewhere.pdf"), 2)
    # Given explicitly, even a default value wins.
    assert build_options(tmp_path, "--epochs", "10")["epochs"] == 10


def test_a_new_build_option_is_a_build_key_without_changing_the_project_module(tmp_path):
    """Issue 13's --jobs, say: every option of the build command can be set in [build]."""
    jobs = click.Option(["--jobs"], type=click.IntRange(min=1), default=1, help="Worker processes.")
    command = click.Command("build", params=[*build_command.params, jobs])
    (tmp_path / "cnn-report.toml").write_text("[build]\njobs = 4\n")
    context = command.make_context("build", [])
    assert merge_build_options(context, load_project(tmp_path / "cnn-report.toml", command.params, context))["jobs"] == 4
    (tmp_path / "cnn-report.toml").write_text("[build]\njobs = 0\n")
    with pytest.raises(ProjectError, match=r"\[build\] jobs = 0: 0 is not in the range x>=1"):
        load_project(tmp_path / "cnn-report.toml", command.params, command.make_context("build", []))
    assert "# jobs: Worker processes.\n# jobs = 1\n" in project_template(command.params)


# --- cnn-report init ---------------------------------------------------------------------------------------------


def test_init_writes_a_project_that_changes_nothing_and_never_overwrites(tmp_path):
    folder = tmp_path / "assignment"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (folder / "notes").iterdir()) == sorted(f"{section}.md" for section in SECTIONS)
    assert all((folder / "notes" / f"{section}.md").read_text() == "" for section in SECTIONS)
    text = (folder / "cnn-report.toml").read_text()
    for option in build_command.params:
        if option.name != "config_file":
            assert f"# {option.name} = " in text, option.name  # every build option, commented out
    project = load_project(folder / "cnn-report.toml", build_command.params)
    assert set(project.notes) == set(SECTIONS) and not project.report.has_title_page and not project.build
    # Run again after the student wrote something: nothing is overwritten.
    (folder / "notes" / "q1.md").write_text("My answer.")
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0 and "Kept 13 existing file(s)" in result.output
    assert (folder / "notes" / "q1.md").read_text() == "My answer."
    assert (folder / "cnn-report.toml").read_text() == text


@pytest.mark.slow
def test_an_empty_project_leaves_the_report_as_it_is(tmp_path):
    """init's project renders the same report as no project at all, apart from how it was made (the command line)."""
    data = write_npz(tmp_path / "mnist.npz")
    assert CliRunner().invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    texts, heads = {}, {}
    for name, extra in (("plain", []), ("project", ["--config", str(tmp_path / "p" / "cnn-report.toml")])):
        out = tmp_path / f"{name}.pdf"
        arguments = ["build", "--out", str(out), "--data", str(data), "--epochs", "1", "--seeds", "1", "--kernel-sizes", "3",
                     "--cache-dir", str(tmp_path / "cache"), "--quiet", *extra]
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
        summary = json.loads(out.with_suffix(".json").read_text())
        html = out.with_suffix(".html").read_text()
        html = html.replace(summary["environment"]["command_line"], "COMMAND").replace(summary["environment"]["generated_at"], "TIME")
        texts[name] = html[html.index("<body>"): html.index('<section class="appendix">')]
        heads[name] = html[: html.index("<body>")]
    assert 'name="author"' not in heads["plain"] and 'name="keywords"' not in heads["plain"]
    assert "title-page" not in texts["plain"] and 'class="notes"' not in texts["plain"]
    assert texts["project"] == texts["plain"]


def test_every_section_id_has_its_place_in_the_templates():
    templates = "".join((TEMPLATES_DIR / name).read_text() for name in ("report.html.j2", "experiment.html.j2", "probes.html.j2"))
    for section in SECTIONS:
        if section == "conclusion":
            assert '"conclusion" in notes' in templates
        else:
            assert templates.count(f"section_notes('{section}')") == 1, section


# --- The README's example ------------------------------------------------------------------------------------------


def readme_example() -> tuple[str, list[tuple[str, str]]]:
    """The project file and the notes (path, text) of the README's "Make it yours" section, in order."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Make it yours"):readme.index("## The cache")]
    blocks = re.findall(r"```(toml|markdown)\n(.*?)```", section, flags=re.S)
    project_file = next(body for kind, body in blocks if kind == "toml")
    notes = [(re.match(r"<!-- (\S+) -->\n", body).group(1), body) for kind, body in blocks if kind == "markdown"]
    return project_file, notes


@pytest.mark.parametrize("lang, q1_index, expected", [("en", 0, "fewer mistakes than the baseline"), ("es", 2, "menos errores")])
def test_the_readme_example_works_in_both_languages(tmp_path, lang, q1_index, expected):
    project_file, notes = readme_example()
    assert [path for path, _ in notes] == ["notes/q1.md", "notes/data.md", "notes/q1.md"]
    write_project(tmp_path, project_file, {})
    for path, text in (notes[q1_index], notes[1]):
        (tmp_path / path).write_text(text, encoding="utf-8")
    Image.new("RGB", (8, 8)).save(tmp_path / "images" / "sagemaker-run.png")
    project = load_project(tmp_path / "cnn-report.toml", build_command.params)
    config = BuildConfig(project=project, **{**project.build, "lang": lang})
    dataset = load_dataset(config.data)
    plan = summarize_plan(dataset, describe_dataset(dataset), config.training, config.experiment_design, config.seed_list,
                          lang, config.as_command_line(), {})
    rendered = render_project(project, plan, lang)
    q1 = str(rendered["notes"]["q1"].html)
    numbers = number_format(lang)
    assert expected in q1 and numbers.integer(plan["comparison"]["dense_equivalent_weights"]) in q1
    assert numbers.percent(plan["models"]["cnn_k3"]["test_error"]) in q1 and 'class="math"' in q1
    assert "data:image/png;base64," in str(rendered["notes"]["data"].html)
    assert numbers.percent_spread(plan["models"]["cnn_k3"]["test_accuracy"], plan["models"]["cnn_k3"]["test_accuracy_std"]) \
        in str(rendered["abstract"])


def test_the_report_cache_key_follows_metadata_notes_and_image_bytes(tmp_path):
    """An edit must render the report anew (from cached models); an unchanged project must not."""
    from report.build import _report_key

    project_file = write_project(tmp_path)
    dataset = load_dataset(tmp_path / "mnist.npz")

    def key() -> str:
        project = load_project(project_file, build_command.params)
        return _report_key(BuildConfig(project=project, **project.build), dataset)

    first = key()
    assert key() == first
    keys = {first}
    for edit in (lambda: project_file.write_text(PROJECT_FILE.replace("Ada Lovelace", "Ada King")),
                 lambda: (tmp_path / "notes" / "q1.md").write_text(NOTES["q1"] + "One more sentence.\n"),
                 lambda: Image.new("RGB", IMAGE_SIZE, (0, 0, 200)).save(tmp_path / "images" / "run.png")):
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
    (tmp_path / "notes" / "mine.md").write_text(f"The student's own words on {section}: {{{{ models.cnn_k3.params | num }}}}.\n")
    (tmp_path / "cnn-report.toml").write_text(f'[notes.{section}]\nfile = "notes/mine.md"\nmode = "{mode}"\n')
    project = load_project(tmp_path / "cnn-report.toml", build_command.params)
    config = BuildConfig(project=project, data=unbalanced, epochs=1, seeds=1, kernel_sizes=(3, 5))
    dataset = load_dataset(unbalanced)
    rendered = []
    render_html = report.render.render_html
    monkeypatch.setattr(report.render, "render_html", lambda *arguments: rendered.append(render_html(*arguments)) or rendered[-1])
    check_notes(config, dataset, describe_dataset(dataset))  # raises if the report cannot be rendered
    html = rendered[0]
    assert html.count(f"The student's own words on {section}: 121,930.") == 1
    if section != "conclusion":
        assert f'id="{section}"' in html  # the heading stays in every mode
    if not (section == "data" and mode == "replace"):
        # Section 2's sentence on unbalanced classes refers to section 5's table, unless a note replaced it.
        assert "classes are unbalanced" in html
        assert ("per-digit accuracy (<a" in html) == (section != "comparison" or mode != "replace")


# --- In a browser: the student's report passes axe-core as the generated one does ------------------------------------

from test_browser import AXE, AXE_RUN, OVERFLOWING, browser  # noqa: E402,F401  (browser is a fixture)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_students_report_fits_the_screen_and_passes_axe(browser, student, lang, width, scheme):  # noqa: F811
    """Title page, notes with a table, footnote, image and formulas, a conclusion: still no axe violation."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(student[lang]["pdf"].with_suffix(".html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOWING) == []
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN)["violations"] == []
    finally:
        context.close()
