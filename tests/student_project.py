"""A student's project used across the project tests: a complete project file (metadata, notes in several modes, an
image, a formula, live numbers) over tiny MNIST data, and how to read the PDF it makes."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from mnist_files import write_npz

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
    "data": (
        "## Our SageMaker run\n\nA convolution computes $y = \\sum_i w_i x_i$ on {{ dataset.n_train | num }} images.\n\n"
        "![The training curve of our run](../images/run.png)\n\n"
        "$$\n\\mathrm{error} = 1 - {{ models.cnn_k3.test_accuracy | num(4) }}\n$$\n\n"
        "| model | test accuracy |\n|---|---|\n| CNN | {{ models.cnn_k3 | pct_pm }} |\n\nMeasured here.[^1]\n\n"
        "[^1]: By this very run.\n"
    ),
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


def replace_in(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)
