"""What changed between two reports: each case a pair of synthetic builds whose numbers are chosen exactly.

Accuracies follow from mistakes on synthetic.N_TEST (1,000) test images: the baseline's default (30, 28, 26)
mistakes per seed give 97.20% ± 0.20%. Moving every seed by 1 mistake moves the mean by 0.1 pp, well within the
two spreads (0.2 + 0.2 pp); moving it by 10 mistakes (1.0 pp) is beyond them.
"""

from __future__ import annotations

import copy
import json

import pytest

from report.changes import ReportFileError, comparable_digest, compare_reports, read_report
from report.summary.document import SCHEMA_VERSION

import synthetic
from synthetic import Scenario


def _report(scenario: Scenario | None = None, **environment) -> dict:
    """The report.json of ``scenario``, as a file holds it (JSON round trip), with its environment amended."""
    report = json.loads(json.dumps(synthetic.build(scenario or Scenario()).summary()))
    report["environment"].update(environment)
    return report


@pytest.fixture(scope="module")
def default() -> dict:
    return _report()


def _metric(changes: dict, model: str, metric: str = "test_accuracy") -> dict:
    return next(row for row in changes["metrics"] if row["model"] == model and row["metric"] == metric)


def test_the_same_results_rebuilt_change_nothing(default):
    again = _report()
    again["environment"]["generated_at"] = "2030-01-01T00:00:00+00:00"
    again["environment"]["stage_seconds"] = {"data": 99.0}
    changes = compare_reports(default, again)
    assert changes["nothing_changed"] is True
    assert changes["metrics"] == [] and changes["flips"] == [] and changes["settings"] == []
    # Four models, accuracy and loss each.
    assert changes["metrics_unchanged"] == 8
    assert changes["previous"]["generated_at"] == default["environment"]["generated_at"]
    assert comparable_digest(default) == comparable_digest(again)


def test_a_change_within_the_spread_is_within_noise(default):
    moved = _report(Scenario(baseline=(31, 29, 27)))
    changes = compare_reports(default, moved)
    row = _metric(changes, "baseline")
    assert row["old"] == pytest.approx(0.972) and row["new"] == pytest.approx(0.971)
    assert row["change_pp"] == pytest.approx(-0.1)
    assert row["beyond_noise"] is False
    assert changes["beyond_noise"] is False and changes["within_noise"] >= 1
    assert changes["nothing_changed"] is False and changes["flips"] == []
    assert comparable_digest(default) != comparable_digest(moved)


def test_a_change_beyond_the_spread_is_beyond_noise(default):
    moved = _report(Scenario(baseline=(40, 38, 36)))
    row = _metric(compare_reports(default, moved), "baseline")
    assert row["change_pp"] == pytest.approx(-1.0)
    assert row["beyond_noise"] is True
    # The other way round too: the rule does not depend on the direction.
    assert _metric(compare_reports(moved, default), "baseline")["beyond_noise"] is True


def test_a_cnn_that_falls_behind_the_baseline_flips_the_verdicts(default):
    behind = _report(Scenario(kernels={3: (40, 38, 36), 5: (15, 13, 11), 7: (18, 16, 14)}))
    changes = compare_reports(default, behind)
    flipped = {flip["claim"]: flip for flip in changes["flips"]}
    assert flipped["cnn_beats_baseline"]["old"] is True and flipped["cnn_beats_baseline"]["new"] is False
    assert flipped["cnn_beats_baseline_beyond_spread"]["new"] is False
    # Back again: the same claims flip the other way.
    assert {flip["claim"] for flip in compare_reports(behind, default)["flips"]} >= {"cnn_beats_baseline"}


def test_a_new_best_model_beyond_the_spread_is_a_flip(default):
    assert default["claims"]["best_variant"]["model"] == "cnn_k3"
    assert default["claims"]["best_variant"]["holds"] is True
    five_best = _report(Scenario(kernels={3: (12, 10, 8), 5: (2, 1, 0), 7: (18, 16, 14)}))
    flip = next(flip for flip in compare_reports(default, five_best)["flips"] if flip["claim"] == "best_variant")
    assert (flip["old_model"], flip["new_model"]) == ("cnn_k3", "cnn_k5")


def test_numbers_that_move_with_nothing_else_changed_are_a_failure_to_reproduce(default):
    moved = _report(Scenario(baseline=(31, 29, 27)))
    changes = compare_reports(default, moved)
    assert changes["environment"] == [] and changes["code_changed"] is False
    assert changes["numbers_moved_alone"] is True
    # The same numbers moved on another instruction set: explained, not a failure.
    elsewhere = copy.deepcopy(moved)
    elsewhere["environment"]["machine"]["instruction_set"] = "avx2_other"
    changes = compare_reports(default, elsewhere)
    assert changes["numbers_moved_alone"] is False
    assert {
        "name": "instruction_set",
        "old": default["environment"]["machine"]["instruction_set"],
        "new": "avx2_other",
    } in (changes["environment"])


def test_an_environment_change_alone_is_named(default):
    newer = copy.deepcopy(default)
    newer["environment"]["versions"]["tensorflow"] = "9.9.9"
    newer["dataset"]["sha256"] = "f" * 64
    changes = compare_reports(default, newer)
    names = [item["name"] for item in changes["environment"]]
    assert names == ["tensorflow", "data_sha256"]
    assert changes["metrics"] == [] and changes["numbers_moved_alone"] is False
    assert changes["nothing_changed"] is False


def test_models_added_and_removed(default):
    two_sizes = _report(Scenario(kernels={3: (12, 10, 8), 5: (15, 13, 11)}))
    changes = compare_reports(default, two_sizes)
    assert changes["models_removed"] == ["cnn_k7"] and changes["models_added"] == []
    assert {"name": "kernel_sizes", "old": [3, 5, 7], "new": [3, 5]} in changes["settings"]
    assert changes["design_changed"] is True
    assert compare_reports(two_sizes, default)["models_added"] == ["cnn_k7"]


def test_with_one_seed_no_change_can_be_judged():
    one = synthetic.ONE_SEED
    before, after = _report(one), _report(one.with_(baseline=(40,)))
    changes = compare_reports(before, after)
    assert _metric(changes, "baseline")["beyond_noise"] is None
    assert changes["unjudged"] >= 1 and changes["beyond_noise"] is False
    # Nor is any verdict that needs a spread a conclusion that could flip.
    assert "cnn_beats_baseline_beyond_spread" not in {flip["claim"] for flip in changes["flips"]}


def test_an_older_report_is_compared_as_far_as_its_fields_allow(default):
    older = copy.deepcopy(default)
    for key in ("schema_version", "claims", "project"):
        del older[key]
    del older["settings"]["design_digest"]
    del older["environment"]["code_digest"]
    changes = compare_reports(older, _report(Scenario(baseline=(40, 38, 36))))
    assert changes["previous"]["schema_version"] is None
    assert set(changes["not_compared"]) == {"design", "notes", "code"}
    # Its claims are worked out from its fields, its numbers compared as ever.
    assert changes["claims_not_compared"] == [] and "claims" not in changes["not_compared"]
    assert _metric(changes, "baseline")["beyond_noise"] is True
    # The same numbers: still not "nothing changed", since not everything could be compared.
    same = compare_reports(older, default)
    assert same["metrics"] == [] and same["flips"] == [] and same["nothing_changed"] is False


def test_notes_and_title_page_changes_are_named_not_quoted(default):
    before, after = copy.deepcopy(default), copy.deepcopy(default)
    before["project"] = {"title_page": "a", "notes": {"q1": "1", "q2": "2"}}
    after["project"] = {"title_page": "b", "notes": {"q1": "1", "q2": "3", "conclusion": "4"}}
    changes = compare_reports(before, after)
    assert changes["notes_changed"] == ["conclusion", "q2"]
    assert changes["title_page_changed"] is True
    assert changes["nothing_changed"] is False


def test_read_report_takes_a_file_or_its_folder(tmp_path, default):
    (tmp_path / "report.json").write_text(json.dumps(default))
    assert read_report(tmp_path) == read_report(tmp_path / "report.json") == default


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read it as JSON"),
        ('{"name": "a package.json"}', "not a report.json written by cnn-report"),
        ("[1, 2]", "not a report.json written by cnn-report"),
    ],
)
def test_read_report_refuses_what_is_not_a_report(tmp_path, content, message):
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ReportFileError, match=message) as raised:
        read_report(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_read_report_refuses_a_newer_schema(tmp_path, default):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({**default, "schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ReportFileError, match=f"schema version {SCHEMA_VERSION + 1} is newer"):
        read_report(path)


def test_read_report_names_a_missing_file(tmp_path):
    with pytest.raises(ReportFileError, match="no report.json there"):
        read_report(tmp_path / "nowhere")


# --- Each rule on its own (mutation testing found these unchecked) ---------------------------------------------


def test_a_setting_or_library_only_one_report_has_is_a_change(default):
    newer = copy.deepcopy(default)
    newer["settings"]["new_setting"] = 1
    newer["environment"]["versions"]["nbformat"] = "5.10"
    newer["environment"]["versions"]["python"] = "3.99.0"
    changes = compare_reports(default, newer)
    assert {"name": "new_setting", "old": None, "new": 1} in changes["settings"]
    assert {"name": "nbformat", "old": None, "new": "5.10"} in changes["environment"]
    # Python is named once, as Python, not again among the libraries.
    assert [item["name"] for item in changes["environment"]].count("python") == 1
    assert compare_reports(newer, default)["settings"] == [{"name": "new_setting", "old": 1, "new": None}]


def test_a_report_without_its_data_block_cannot_compare_the_data(default):
    older = copy.deepcopy(default)
    del older["dataset"]
    changes = compare_reports(older, default)
    assert changes["not_compared"] == ["data"] and changes["nothing_changed"] is False
    assert compare_reports(default, copy.deepcopy(default))["not_compared"] == []


def test_claims_a_report_holds_are_read_as_written(default):
    """An autograder reads report.json's claims: the comparison reads the same ones, not its own version of them."""
    edited = copy.deepcopy(default)
    edited["claims"]["cnn_overfits_less"]["holds"] = not default["claims"]["cnn_overfits_less"]["holds"]
    assert [flip["claim"] for flip in compare_reports(default, edited)["flips"]] == ["cnn_overfits_less"]
    assert [flip["claim"] for flip in compare_reports(edited, default)["flips"]] == ["cnn_overfits_less"]


def test_a_claim_one_report_cannot_decide_is_passed_over_and_the_rest_still_compared(default):
    edited = copy.deepcopy(default)
    # The first claim in order is undecided in the new report, the last flips.
    edited["claims"]["best_variant"]["holds"] = None
    edited["claims"]["fixed_order_worse"]["holds"] = not default["claims"]["fixed_order_worse"]["holds"]
    assert [flip["claim"] for flip in compare_reports(default, edited)["flips"]] == ["fixed_order_worse"]
    # Undecided before and decided now is no flip either.
    assert "best_variant" not in [flip["claim"] for flip in compare_reports(edited, default)["flips"]]


def test_a_different_leader_within_the_spread_is_no_flip(default):
    old, new = copy.deepcopy(default), copy.deepcopy(default)
    old["claims"]["best_variant"] |= {"holds": False, "model": "cnn_k3"}
    new["claims"]["best_variant"] |= {"holds": False, "model": "cnn_k5"}
    assert compare_reports(old, new)["flips"] == []


def test_a_metric_only_one_report_has_is_not_compared_and_losses_have_no_points(default):
    older = copy.deepcopy(default)
    del older["models"]["baseline"]["test_loss"]
    moved = _report(Scenario(baseline=(40, 38, 36), baseline_loss=(0.2, 0.2, 0.2)))
    changes = compare_reports(older, moved)
    assert [row["metric"] for row in changes["metrics"] if row["model"] == "baseline"] == ["test_accuracy"]
    loss = _metric(compare_reports(default, moved), "baseline", "test_loss")
    assert loss["change"] == pytest.approx(0.2 - 0.095) and loss["change_pp"] is None


def test_the_counts_of_verdicts(default):
    one = synthetic.ONE_SEED
    changes = compare_reports(_report(one), _report(one.with_(baseline=(40,), kernels={3: (20,), 5: (13,), 7: (16,)})))
    assert changes["unjudged"] == len(changes["metrics"]) >= 2 and changes["within_noise"] == 0
    changes = compare_reports(
        default, _report(Scenario(baseline=(31, 29, 27), kernels={3: (13, 11, 9), 5: (15, 13, 11), 7: (18, 16, 14)}))
    )
    assert changes["within_noise"] == len(changes["metrics"]) == 2 and changes["unjudged"] == 0
    assert changes["previous"]["schema_version"] == SCHEMA_VERSION


def test_models_added_alone_explain_numbers_that_moved(default):
    # Only the models differ (a model gone, a number moved): that is an explanation, not a failure to reproduce.
    moved = copy.deepcopy(default)
    moved["models"]["baseline"]["test_accuracy"] += 0.001
    del moved["models"]["cnn_k7"]
    changes = compare_reports(default, moved)
    assert changes["models_removed"] == ["cnn_k7"] and changes["numbers_moved_alone"] is False


def test_an_older_report_without_a_project_block_has_no_title_page_change(default):
    older = copy.deepcopy(default)
    del older["project"]
    assert compare_reports(older, default)["title_page_changed"] is False


def test_the_comparable_digest_ignores_times_order_the_comparison_and_the_history(default):
    again = json.loads(json.dumps(default))
    again["experiment"]["variants"][0]["train_seconds"] += 50.0  # a time, inside a list
    again["changes"] = {"anything": 1}
    again["history"] = [{"generated_at": "x"}]
    again = dict(reversed(list(again.items())))  # another key order
    assert comparable_digest(again) == comparable_digest(default)
    again["experiment"]["variants"][0]["params"] += 1  # a number, inside a list
    assert comparable_digest(again) != comparable_digest(default)


def test_read_report_refuses_a_true_schema_version_and_says_what_to_do(tmp_path, default):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({**default, "schema_version": True}))
    with pytest.raises(
        ReportFileError, match=r"is newer than this cnn-report reads \(1\); upgrade cnn-report to compare it$"
    ):
        read_report(path)


def test_read_report_says_why_a_file_cannot_be_read(tmp_path):
    (tmp_path / "report.json" / "report.json").mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(ReportFileError, match=r"cannot read it as JSON \(Is a directory\)"):
        read_report(tmp_path / "report.json")


def test_a_claim_only_one_report_has_is_listed_and_the_rest_still_compared(default):
    edited = copy.deepcopy(default)
    del edited["claims"]["best_variant"]  # first in order
    edited["claims"]["fixed_order_worse"]["holds"] = not default["claims"]["fixed_order_worse"]["holds"]
    changes = compare_reports(default, edited)
    assert changes["claims_not_compared"] == ["best_variant"] and changes["not_compared"] == ["claims"]
    assert [flip["claim"] for flip in changes["flips"]] == ["fixed_order_worse"]


def test_claims_are_worked_out_for_a_new_report_that_holds_none(default):
    behind = _report(Scenario(kernels={3: (40, 38, 36), 5: (15, 13, 11), 7: (18, 16, 14)}))
    del behind["claims"]
    assert "cnn_beats_baseline" in [flip["claim"] for flip in compare_reports(default, behind)["flips"]]


def test_the_second_metric_is_compared_when_the_first_is_missing(default):
    older = copy.deepcopy(default)
    del older["models"]["baseline"]["test_accuracy"]
    moved = _report(Scenario(baseline_loss=(0.2, 0.2, 0.2)))
    assert [row["metric"] for row in compare_reports(older, moved)["metrics"]] == ["test_loss"]


def test_libraries_removed_and_reports_without_versions(default):
    older = copy.deepcopy(default)
    older["environment"]["versions"]["theano"] = "1.0"
    assert {"name": "theano", "old": "1.0", "new": None} in compare_reports(older, default)["environment"]
    del older["environment"]["versions"]
    names = [item["name"] for item in compare_reports(older, default)["environment"]]
    assert "tensorflow" in names and "python" in names


def test_a_title_page_change_alone_is_a_change(default):
    old, new = copy.deepcopy(default), copy.deepcopy(default)
    old["project"] = {"title_page": "a", "notes": {"q1": "1"}}
    new["project"] = {"title_page": "b", "notes": {"q1": "1"}}
    changes = compare_reports(old, new)
    assert changes["title_page_changed"] is True and changes["notes_changed"] == []
    assert changes["code_changed"] is False and changes["nothing_changed"] is False


def test_a_setting_changed_alone_explains_numbers_that_moved(default):
    moved = _report(Scenario(baseline=(31, 29, 27)))
    moved["settings"]["epochs"] = default["settings"]["epochs"] + 1
    changes = compare_reports(default, moved)
    assert changes["design_changed"] is False and changes["environment"] == [] and changes["code_changed"] is False
    assert changes["numbers_moved_alone"] is False
