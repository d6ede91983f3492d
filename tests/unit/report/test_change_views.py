"""The changes between two reports as text and markdown (report/change_views.py), on hand-written reports.

tests/reports.py's default report: baseline 97.70 ± 0.20 %, cnn_k3 98.90 ± 0.20 % (loss 0.0400 ± 0.0030),
cnn_k5 99.00 ± 0.10 %. Every expectation below is worked out from these numbers by hand.
"""

from __future__ import annotations

import re

import click
import pytest

from report.change_views import RULE, as_markdown, as_text, fails
from report.changes import compare_reports

from reports import DATA, make_report

MINUS = "\N{MINUS SIGN}"


def text(old: dict, new: dict, color: bool = False) -> str:
    return as_text(compare_reports(old, new), old, new, color)


def markdown(old: dict, new: dict) -> str:
    return as_markdown(compare_reports(old, new), old, new)


def test_accuracy_in_percent_and_points_loss_in_four_decimals():
    old = make_report()
    new = make_report({"cnn_k3": (0.9790, 0.0020)}, {"cnn_k3": (0.0450, 0.0010)}, settings={"epochs": 5})
    lines = text(old, new).splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("model "))) :][:3]
    assert re.split(r"\s{2,}", table[0]) == ["model", "metric", "old", "new", "change", "verdict"]
    assert re.split(r"\s{2,}", table[1]) == [
        "cnn_k3",
        "test accuracy",
        "98.90 ± 0.20%",
        "97.90 ± 0.20%",
        f"{MINUS}1.00 pp",
        "beyond seed noise",
    ]
    # 0.0050 more loss, against 0.0030 + 0.0010 of spread.
    assert re.split(r"\s{2,}", table[2]) == [
        "cnn_k3",
        "test loss",
        "0.0400 ± 0.0030",
        "0.0450 ± 0.0010",
        "+0.0050",
        "beyond seed noise",
    ]


def test_the_table_is_aligned_numbers_to_the_right():
    old = make_report()
    new = make_report({"baseline": (0.9765, 0.0020), "cnn_k3": (0.9790, 0.0020)}, settings={"epochs": 5})
    lines = [line for line in text(old, new).splitlines() if line.startswith(("model ", "baseline ", "cnn_k3 "))]
    assert len(lines) == 3
    assert len({line.index(verdict) for line, verdict in zip(lines, ("verdict", "within", "beyond"))}) == 1
    assert len({line.index(" pp") + 3 for line in lines[1:]} | {lines[0].index("change") + 6}) == 1
    assert "within seed noise" in lines[1] and "beyond seed noise" not in lines[1]
    assert "beyond seed noise" in lines[2] and "within seed noise" not in lines[2]


def test_one_metric_unchanged_is_singular_and_the_rule_follows_the_table():
    old = make_report()
    new = make_report(
        {"baseline": (0.9771, 0.0020), "cnn_k3": (0.9891, 0.0020), "cnn_k5": (0.9901, 0.0010)},
        {"baseline": (0.0801, 0.0020), "cnn_k3": (0.0401, 0.0030)},
        settings={"epochs": 5},
    )
    lines = text(old, new).splitlines()
    assert len([line for line in lines if "within seed noise" in line]) == 5
    assert "1 metric unchanged." in lines and RULE in lines
    assert lines.index("1 metric unchanged.") + 1 == lines.index(RULE)


def test_the_best_model_flip_names_both_models():
    # Each time the best variant is ahead of the other by 0.50 and 0.60 points, beyond their 0.20 points of spread.
    old = make_report({"cnn_k3": (0.9850, 0.0010), "cnn_k5": (0.9900, 0.0010)})
    new = make_report({"cnn_k3": (0.9920, 0.0010), "cnn_k5": (0.9860, 0.0010)})
    output = text(old, new)
    assert "Flipped: the experiment's best model — was cnn_k5, now cnn_k3" in output
    assert "was cnn_k3, now cnn_k5" not in output


def test_a_best_model_no_longer_clear_says_which_leads():
    old = make_report({"cnn_k3": (0.9850, 0.0010), "cnn_k5": (0.9900, 0.0010)})
    new = make_report({"cnn_k3": (0.9850, 0.0010), "cnn_k5": (0.9860, 0.0010)})
    assert (
        "Flipped: the experiment's best model — was cnn_k5, now none beyond the seeds' spread (cnn_k5 leads)"
        in text(old, new)
    )


def test_every_kind_of_change_in_order():
    old = make_report(project={"title_page": "t1", "notes": {"q1": "a", "data": "b"}})
    new = make_report(
        {"cnn_k3": (0.9790, 0.0020), "cnn_k7": (0.9850, 0.0010)},
        settings={"epochs": 5, "seeds": [1, 2, 3], "design_digest": "another"},
        environment={"code_digest": "f" * 64, "training_threads": "2"},
        versions={"tensorflow": "2.22.0"},
        project={"title_page": "t2", "notes": {"q1": "changed", "data": "b", "q2": "new"}},
        without=("cnn_k5",),
    )
    new["dataset"]["sha256"] = "0123456789ab" + "0" * 52
    lines = text(old, new).splitlines()
    expected = [
        "Report of 2026-12-01 09:00 UTC (code c0dec0dec0de, settings 348a431dbe88) → "
        "report of 2026-12-01 09:00 UTC (code ffffffffffff, settings ",
        "cnn_k3  test accuracy",
        "3 metrics unchanged.",
        RULE,
        "Models added: cnn_k7.",
        "Models removed: cnn_k5.",
        "Flipped: the CNN beats the baseline by more than the seeds' spread — was true, now false",
        "Settings changed:",
        "  epochs: 10 → 5",
        "  kernel sizes: [3, 5] → [3, 7]",
        "  seeds: [42, 43, 44] → [1, 2, 3]",
        "The design changed (the networks or the experiment).",
        "Notes changed: q1, q2.",
        "The title page changed.",
        "Environment changed:",
        "  training threads: 1 → 2",
        "  tensorflow: 2.21.0 → 2.22.0",
        f"  data (sha256): {DATA[:12]} → 0123456789ab",
        "The code changed: c0dec0dec0de → ffffffffffff.",
    ]
    found = [next(index for index, line in enumerate(lines) if line.startswith(start)) for start in expected]
    assert found == sorted(found)
    # Digests shortened, nothing that did not change, and no failure to reproduce: there is plenty to explain it.
    assert not re.search(r"[0-9a-f]{13}", "\n".join(lines[1:]))
    assert "Not reproduced" not in "\n".join(lines) and "batch size" not in "\n".join(lines)


def test_no_metric_moved_but_notes_changed():
    old = make_report(project={"title_page": "t", "notes": {"q1": "a"}})
    new = make_report(project={"title_page": "t", "notes": {"q1": "b"}})
    output = text(old, new)
    assert "No metric changed (6 metrics unchanged)." in output and "Notes changed: q1." in output
    assert RULE not in output and "Nothing changed" not in output and "title page" not in output


def test_nothing_changed_stops_after_one_line():
    report = make_report()
    assert text(report, make_report()).splitlines()[1:] == [
        "",
        "Nothing changed: same as the report of 2026-12-01 09:00 UTC.",
    ]


def test_a_failure_to_reproduce_comes_first_and_stands_out():
    old, new = make_report(), make_report({"cnn_k3": (0.9891, 0.0020)}, generated_at="2026-12-03T08:00:00+01:00")
    lines = text(old, new).splitlines()
    assert lines[0].endswith("report of 2026-12-03 08:00+01:00 (code c0dec0dec0de, settings 348a431dbe88)")
    assert lines[2].startswith("Not reproduced: the numbers moved although the data, settings, design, code")
    assert "> **Not reproduced: the numbers moved" in markdown(old, new)
    alert = click.style(lines[2], fg="red", bold=True)
    assert alert in text(old, new, color=True)


def test_conclusions_only_one_report_draws_are_named():
    old = make_report()
    new = make_report()
    new["probes"] = {"permutation": {"cnn_still_better": True, "cnn_edge_pp": 1.0}}
    new["claims"]["cnn_still_better_when_permuted"] = {"holds": True, "cnn_edge_pp": 1.0}
    output = text(old, new)
    assert "Could not compare: the conclusions only one report draws (the CNN still beats the baseline when the " in (
        output
    )


def test_colour_marks_each_verdict_and_the_flips():
    old = make_report()
    new = make_report({"baseline": (0.9765, 0.0020), "cnn_k3": (0.9790, 0.0020)}, settings={"epochs": 5})
    coloured = text(old, new, color=True)
    assert click.style("beyond seed noise", fg="yellow", bold=True) in coloured
    assert click.style("within seed noise", fg="green") in coloured
    assert click.style("Flipped: the CNN beats", fg="magenta", bold=True)[:-4] in coloured
    assert click.unstyle(coloured) == text(old, new)
    assert "\x1b[" not in text(old, new)


def test_one_seed_is_dim_in_colour_and_never_bold_in_markdown():
    old, new = make_report(seeds=1), make_report({"cnn_k3": (0.9790, 0.0020)}, seeds=1, settings={"epochs": 5})
    assert click.style("cannot judge (one seed)", dim=True) in text(old, new, color=True)
    output = markdown(old, new)
    assert "| cnn_k3 | test accuracy | 98.90% | 97.90% | \N{MINUS SIGN}1.00 pp | cannot judge (one seed) |" in output


def test_markdown_lists_settings_and_environment_as_bullets():
    old = make_report()
    new = make_report({"cnn_k3": (0.9790, 0.0020)}, settings={"epochs": 5}, versions={"numpy": "2.5.0"})
    output = markdown(old, new)
    assert output.startswith("**Report of 2026-12-01 09:00 UTC")
    assert "**Settings changed:**\n\n- epochs: 10 → 5" in output
    assert "**Environment changed:**\n\n- numpy: 2.4.6 → 2.5.0" in output
    assert (
        "| cnn_k3 | test accuracy | 98.90 ± 0.20% | 97.90 ± 0.20% | \N{MINUS SIGN}1.00 pp | **beyond seed noise** |"
        in (output)
    )
    assert "\x1b[" not in output


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"flips": [], "beyond_noise": False, "nothing_changed": True},
            {None: False, "flip": False, "change": False, "any": False},
        ),
        (
            {"flips": [], "beyond_noise": False, "nothing_changed": False},
            {None: False, "flip": False, "change": False, "any": True},
        ),
        (
            {"flips": [], "beyond_noise": True, "nothing_changed": False},
            {None: False, "flip": False, "change": True, "any": True},
        ),
        (
            {"flips": [{}], "beyond_noise": False, "nothing_changed": False},
            {None: False, "flip": True, "change": True, "any": True},
        ),
    ],
)
def test_fail_on(changes, expected):
    assert {fail_on: fails(changes, fail_on) for fail_on in expected} == expected
