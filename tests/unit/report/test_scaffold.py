"""The project file: a student's report (metadata, notes in every mode, an image, a formula) built end to end on tiny
data, re-rendered without training after an edit, and every bad input stopped before training with exit code 2."""

from __future__ import annotations

from click.testing import CliRunner

from report.cli import build as build_command
from report.cli import main
from report.project import SECTIONS, load_project

from student_project import replace_in

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
        r"cnn-report\.toml: \[models\.cnn\] with \[experiment\] kernel = 11 \(the default experiment\), layer 3 \(conv2\): "
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
    project = load_project(folder / "cnn-report.toml")
    assert set(project.notes) == set(SECTIONS) and not project.report.has_title_page and not project.build
    # Run again after the student wrote something: nothing is overwritten.
    (folder / "notes" / "q1.md").write_text("My answer.")
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0 and "Kept 13 existing file(s)" in result.output
    assert (folder / "notes" / "q1.md").read_text() == "My answer."
    assert (folder / "cnn-report.toml").read_text() == text
