"""The notes: Markdown, sandboxed placeholders with the report's number formats, math, images, and their errors."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from PIL import Image

from analysis.errors import ProjectError
from report.i18n import number_format
from report.notes import Note, check_markdown, filters, render_notes

from course import BASELINE_PARAMS, CNN_PARAMS

NBSP = "\u00a0"
SUMMARY = {
    "models": {
        "baseline": {
            "test_accuracy": 0.97812,
            "test_accuracy_std": 0.0011,
            "params": BASELINE_PARAMS,
            "test_loss": 0.0734,
            "test_loss_std": None,
        },
        "cnn_k3": {
            "test_accuracy": 0.99012,
            "test_accuracy_std": 0.00052,
            "params": CNN_PARAMS[3],
            "test_loss": 0.0321,
            "test_loss_std": 0.002,
        },
    },
    "comparison": {"accuracy_gain_pp": 1.2, "error_ratio": 2.2345},
    "settings": {"epochs": 10, "seeds": [42, 43, 44]},
    "kernels": [{"kernel_size": 3}, {"kernel_size": 5}],
}


def render(folder: Path, text: str, lang: str = "en", name: str = "note.md") -> str:
    """One note, written to ``folder/notes/name`` and rendered as the build renders it."""
    path = folder / "notes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    label = f"notes/{name}"
    images = check_markdown(text, label, path.parent, folder)
    note = Note(section="q1", label=label, path=path, mode="after", text=text, images=images)
    rendered = render_notes({"q1": note}, SUMMARY, lang, folder)
    return str(rendered["q1"].html) if rendered else ""


def test_placeholders_use_the_report_number_formats_in_its_language(tmp_path):
    text = (
        "{{ models.cnn_k3.test_accuracy | pct }}; {{ models.cnn_k3 | pct_pm }}; {{ models.cnn_k3.params | num }}; "
        "{{ comparison.accuracy_gain_pp | pp }}; {{ comparison.error_ratio | ratio }}; {{ models.cnn_k3 | num_pm }}; "
        "{{ models.baseline.test_loss | num(3) }}; {{ settings.seeds | length }}"
    )
    assert render(tmp_path, text, "en") == (
        '<div class="notes" data-section="q1">\n'
        "<p>99.01%; 99.01 ± 0.05%; 121,930; +1.20 pp; 2.2×; 0.0321 ± 0.0020; 0.073; 3</p>\n</div>\n"
    )
    spanish = render(tmp_path, text, "es")
    assert f"99,01{NBSP}%; 99,01{NBSP}±{NBSP}0,05{NBSP}%; 121.930; +1,20{NBSP}p.{NBSP}p.; 2,2×;" in spanish
    # The filters are the report's own formats, not a second implementation of them.
    numbers = number_format("es")
    assert filters(numbers)["pct"](0.99012) == numbers.percent(0.99012)


def test_markdown_features_render(tmp_path):
    text = (
        "# Our method\n\nSome *emphasis*, **bold**, `code` and a [link](https://example.org).[^1]\n\n"
        "- one\n- two\n\n| model | accuracy |\n|---|---|\n| CNN | {{ models.cnn_k3.test_accuracy | pct }} |\n\n"
        "```python\nprint('hi')\n```\n\n[^1]: A footnote.\n"
    )
    html = render(tmp_path, text)
    assert "<h4>Our method</h4>" in html  # a note on question 1 sits below its <h3>
    assert "<em>emphasis</em>" in html and "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://example.org">link</a>' in html
    assert "<li>one</li>" in html and "<td>99.01%</td>" in html
    assert '<code class="language-python">' in html
    # Footnote ids carry the section, so two notes' footnotes never share an id.
    assert 'id="fn-q1-1"' in html and 'href="#fn-q1-1"' in html


def test_raw_html_and_script_links_are_not_interpreted(tmp_path):
    html = render(tmp_path, '<script>alert(1)</script> <img src="http://x/y.png"> [x](javascript:alert(1))\n')
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("[x](javascript:", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_placeholder_values_cannot_inject_markdown(tmp_path):
    summary_text = "{{ '*not emphasis* [no](link) <b>' }}"
    html = render(tmp_path, summary_text)
    assert "<em>" not in html and "<a " not in html and "<b>" not in html
    assert "*not emphasis* [no](link) &lt;b&gt;" in html


def test_math_is_an_svg_with_its_tex_as_alt_text(tmp_path):
    html = render(
        tmp_path,
        "Inline $\\sum_i w_i x_i$ and\n\n$$\n\\frac{a}{b} \\approx {{ models.cnn_k3.test_accuracy | pct }}\n$$\n",
    )
    inline, display = re.findall(
        r'<img class="math" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)" style="([^"]+)"', html
    )
    assert inline[1] == "\\sum_i w_i x_i"
    assert display[1] == "\\frac{a}{b} \\approx 99.01\\%"  # the value, with % escaped for TeX
    assert '<div class="math-display">' in html
    svg = base64.b64decode(inline[0]).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # Below the baseline: a sum's subscript descends, so the image is lowered to keep the text's baseline.
    assert re.search(r"vertical-align:-0\.[1-9]", inline[2])


def test_images_are_embedded_from_the_project_folder(tmp_path):
    (tmp_path / "images").mkdir()
    Image.new("RGB", (40, 30), "red").save(tmp_path / "images" / "run.png")
    html = render(tmp_path, "![Our SageMaker run](../images/run.png)\n")
    data = base64.b64encode((tmp_path / "images" / "run.png").read_bytes()).decode()
    assert f'<img src="data:image/png;base64,{data}" alt="Our SageMaker run" />' in html
    assert "<figure>" in html and "<figcaption>Our SageMaker run</figcaption>" in html


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "ok\n{{ models.cnn_k9.test_accuracy | pct }}\n",
            "notes/note.md:2: {{ models.cnn_k9.test_accuracy | pct }} names nothing: there is no key 'cnn_k9' "
            "(did you mean 'cnn_k3'?); there are: baseline, cnn_k3",
        ),
        (
            "{{ modles.cnn_k3 }}\n",
            "notes/note.md:1: {{ modles.cnn_k3 }} names nothing: there is no name 'modles' (did you mean 'models'?)",
        ),
        ("{{ kernels[5].kernel_size }}\n", "index 5 is past the end of a list of 2 item(s)"),
        ("\n\n{{ models.cnn_k3.test_accuracy | pcnt }}\n", "notes/note.md:3: No filter named 'pcnt'"),
        ("{{ models.cnn_k3.test_accuracy \n", "notes/note.md:1: unexpected end of template"),
        # The sandbox: no way to Python's internals, and the report's data cannot be changed.
        (
            "{{ models.__class__ }}\n",
            "notes/note.md:1: {{ models.__class__ }} cannot be evaluated: access to attribute '__class__'",
        ),
        ("{{ models.pop('cnn_k3') }}\n", "cannot be evaluated: access to attribute 'pop'"),
        ("{{ settings.epochs | pct_pm('nothing') }}\n", "cannot be evaluated"),
        ("Line one\n\nSee $\\fooo{x}$ here.\n", "notes/note.md:3: cannot typeset $\\fooo{x}$: Unknown symbol: \\fooo"),
        ("![run](missing.png)\n", "notes/note.md:1: image missing.png not found"),
        ("![run](https://example.org/run.png)\n", "cnn-report never fetches URLs"),
        ("![run](../../outside.png)\n", "is outside the project folder"),
        ("![run](fake.png)\n", "fake.png is not a PNG, JPEG, GIF, WebP or SVG image"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path, text, message):
    project = tmp_path / "project"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "fake.png").write_text("not an image")
    Image.new("RGB", (4, 4)).save(tmp_path / "outside.png")
    with pytest.raises(ProjectError) as error:
        render(project, text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_empty_note_renders_nothing(tmp_path):
    assert render(tmp_path, "") == ""
    assert render(tmp_path, "\n  \n") == ""


def test_the_message_quotes_the_placeholder_that_failed(tmp_path):
    with pytest.raises(ProjectError, match=r"notes/note.md:1: \{\{ models.cnn_k9.params \}\} names nothing"):
        render(tmp_path, "{{ models.cnn_k3.params }} and {{ models.cnn_k9.params }}\n")


def test_headings_continue_the_outline_without_skipping_a_level(tmp_path):
    html = render(tmp_path, "## Method\n\ntext\n\n#### Detail\n\ntext\n\n## Results\n")
    assert re.findall(r"<(h\d)>", html) == ["h4", "h5", "h4"]  # under question 1's <h3>, the levels closed up
