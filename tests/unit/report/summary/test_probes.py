"""The probes block of report.json (translation, permutation, data efficiency, inside, epoch order), worked out by hand.

Every expectation is worked out by hand from the default scenario of tests/synthetic.py (its table is in
conftest.py), not by the code's formulas.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.fits import FitResult, ModelFits
from report.summary.probes import advantage_largest_first, summarize_epoch_order

import synthetic
from course import BASELINE_PARAMS, CNN_PARAMS
from synthetic import Scenario

approx = pytest.approx


def test_translation_block(summary):
    translation = summary["probes"]["translation"]
    assert translation["distances"] == [0, 1, 2, 3, 4, 5, 6]
    assert translation["directions"] == ["left", "right", "up", "down"]
    assert translation["test_images"] == 1000
    base = translation["models"]["baseline"]
    assert base["mean"] == approx([0.97, 0.93, 0.80, 0.60, 0.40, 0.25, 0.15])
    assert base["std"] == approx([0.0] * 7)
    assert base["by_direction"]["up"] == approx(base["mean"])
    assert translation["gap_pp"] == approx([2, 5, 15, 25, 25, 20, 15])
    assert translation["cnn_degrades_slower"] is True
    assert translation["threshold"] == 0.9
    assert (translation["baseline_below_threshold_at"], translation["cnn_below_threshold_at"]) == (2, 3)


def test_translation_averages_directions_then_seeds():
    built = synthetic.build(Scenario())
    fits = built.trained.models["baseline"].fits
    # Seed 42 sees 1.0 left and right, 0.5 up and down; seed 43 0.5 everywhere; seed 44 as seed 42.
    curves = [
        {"left": [1.0] * 7, "right": [1.0] * 7, "up": [0.5] * 7, "down": [0.5] * 7},
        {d: [0.5] * 7 for d in fits[0].probes["shift_accuracy"]},
    ]
    changed = tuple(
        replace(fit, probes={**fit.probes, "shift_accuracy": curves[index % 2]}) for index, fit in enumerate(fits)
    )
    models = {**built.trained.models, "baseline": ModelFits("baseline", changed)}
    summary = replace(built, trained=replace(built.trained, models=models)).summary()
    base = summary["probes"]["translation"]["models"]["baseline"]
    assert base["mean"] == approx([(0.75 + 0.5 + 0.75) / 3] * 7)
    assert base["std"] == approx([0.25 / 3**0.5 * 1.0] * 7)  # sample std of 0.75, 0.5, 0.75
    assert base["by_direction"]["left"] == approx([(1.0 + 0.5 + 1.0) / 3] * 7)
    assert base["by_direction"]["down"] == approx([0.5] * 7)
    assert summary["probes"]["translation"]["baseline_below_threshold_at"] == 0


def test_permutation_block(summary):
    permutation = summary["probes"]["permutation"]
    assert permutation["pixels"] == 784
    assert permutation["models"]["baseline"] == {
        "original": approx(0.972),
        "original_std": approx(0.002),
        "permuted": approx(0.972),
        "permuted_std": approx(0.003),
        "change_pp": approx(0.0),
        "change_beyond_spread": False,
    }
    assert permutation["models"]["cnn_k3"] == {
        "original": approx(0.990),
        "original_std": approx(0.002),
        "permuted": approx(0.958),
        "permuted_std": approx(0.003),
        "change_pp": approx(-3.2),
        "change_beyond_spread": True,
    }
    assert permutation["cnn_still_better"] is False
    assert permutation["cnn_edge_pp"] == approx(-1.4)
    assert permutation["cnn_edge_beyond_spread"] is True


def test_data_efficiency_block(summary):
    efficiency = summary["probes"]["data_efficiency"]
    assert efficiency["sizes"] == [1000, 5000, 20000, 54000]
    assert [point["test_accuracy"] for point in efficiency["models"]["baseline"]] == approx([0.85, 0.92, 0.955, 0.972])
    assert [point["test_accuracy"] for point in efficiency["models"]["cnn_k3"]] == approx([0.92, 0.965, 0.982, 0.990])
    assert [point["test_accuracy_std"] for point in efficiency["models"]["cnn_k3"]] == approx([0, 0, 0, 0.002])
    assert efficiency["gap_pp"] == approx([7.0, 4.5, 2.7, 1.8])
    assert efficiency["gap_largest_at_smallest"] is True


def test_inside_and_parameter_efficiency_blocks(summary):
    probes = summary["probes"]
    assert probes["inside"] == {
        "filters": 32,
        "feature_maps_shown": 16,
        "test_index": 0,
        "layers": ["conv1", "conv2"],
        "map_sizes": ["26×26", "11×11"],
        "two_layers": True,
    }
    assert [(point["name"], point["params"]) for point in probes["parameter_efficiency"]] == [
        ("baseline", BASELINE_PARAMS),
        ("cnn_k3", CNN_PARAMS[3]),
        ("cnn_k5", CNN_PARAMS[5]),
        ("cnn_k7", CNN_PARAMS[7]),
    ]
    assert [point["test_accuracy"] for point in probes["parameter_efficiency"]] == approx([0.972, 0.990, 0.987, 0.984])
    assert probes["parameter_efficiency"][0]["test_accuracy_std"] == approx(0.002)


def test_advantage_largest_first_boundaries():
    assert advantage_largest_first([2.5, 2.5, 1.0])  # a tie at the top still counts
    assert not advantage_largest_first([0.0, -1.0, -2.0])  # no lead at all
    assert advantage_largest_first([0.5])


def test_epoch_order_block():
    summary = synthetic.build(Scenario(baseline_fixed_order=(42, 40, 38))).summary()
    order = summary["probes"]["epoch_order"]
    assert order["model"] == "baseline"
    assert order["reshuffled"] == {
        "test_accuracy": approx(0.972),
        "test_accuracy_std": approx(0.002),
        "test_loss": approx(0.095),
        "test_loss_std": approx(0.001),
    }
    assert order["fixed"]["test_accuracy"] == approx(0.960) and order["fixed"]["test_accuracy_std"] == approx(0.002)
    assert order["accuracy_change_pp"] == approx(-1.2) and order["loss_change"] == approx(0.0)
    assert order["fixed_order_worse"] is True and order["change_beyond_spread"] is True
    assert [row["seed"] for row in order["per_seed"]] == [42, 43, 44]
    assert order["per_seed"][1] == {
        "seed": 43,
        "reshuffled_test_accuracy": approx(0.972),
        "fixed_test_accuracy": approx(0.960),
        "reshuffled_test_loss": approx(0.095),
        "fixed_test_loss": approx(0.095),
    }


@pytest.mark.parametrize(
    "baseline_shift, cnn_shift, slower",
    [
        # CNN minus baseline: 1 pp unshifted, 5 pp at one pixel, 3 pp at two. The lead at two pixels is set against the
        # lead with no shift, not against the lead at one pixel.
        ((0.97, 0.90, 0.85, 0.60, 0.40, 0.25, 0.15), (0.98, 0.95, 0.88, 0.85, 0.65, 0.45, 0.30), True),
        ((0.97, 0.90, 0.85, 0.60, 0.40, 0.25, 0.15), (0.99, 0.91, 0.86, 0.85, 0.65, 0.45, 0.30), False),  # 2, 1, 1 pp
    ],
)
def test_the_cnn_degrades_slower_when_its_lead_grows_from_no_shift_to_two_pixels(baseline_shift, cnn_shift, slower):
    translation = synthetic.build(Scenario(baseline_shift=baseline_shift, cnn_shift=cnn_shift)).summary()["probes"][
        "translation"
    ]
    assert translation["cnn_degrades_slower"] is slower


@pytest.mark.parametrize(
    "baseline_shift, below_at",
    [
        ((0.97, 0.95, 0.92, 0.91, 0.91, 0.91, 0.91), None),  # never below 90% within six pixels
        ((0.97, 0.95, 0.90, 0.90, 0.89, 0.80, 0.70), 4),  # exactly 90% is not below it
    ],
)
def test_the_first_shift_below_the_threshold_is_strictly_below_and_may_never_come(baseline_shift, below_at):
    translation = synthetic.build(Scenario(baseline_shift=baseline_shift)).summary()["probes"]["translation"]
    assert translation["threshold"] == 0.9
    assert translation["baseline_below_threshold_at"] == below_at


@pytest.mark.parametrize("fixed_order, worse", [(None, False), ((29, 27, 25), True), ((27, 25, 23), False)])
def test_one_fixed_epoch_order_is_worse_only_with_fewer_right_answers(fixed_order, worse):
    """Against the reshuffled baseline's 28, 26 and 24 mistakes per seed (None: the same runs, a tie)."""
    order = synthetic.build(Scenario(baseline=(28, 26, 24), baseline_fixed_order=fixed_order)).summary()["probes"][
        "epoch_order"
    ]
    assert order["fixed_order_worse"] is worse


def _fits(accuracies: list[float], losses: list[float]) -> ModelFits:
    results = tuple(
        FitResult(
            name="baseline",
            params=BASELINE_PARAMS,
            test_accuracy=accuracy,
            test_loss=loss,
            epochs=1,
            train_seconds=1.0,
            history={},
            layers=[],
            test_predictions=np.zeros(1, np.uint8),
            test_confidence=np.zeros(1, np.float32),
        )
        for accuracy, loss in zip(accuracies, losses)
    )
    return ModelFits("baseline", results)


@pytest.mark.parametrize(
    "fixed, beyond, worse",
    [
        ([0.9732, 0.9765, 0.9750], True, True),  # the measurement: a fixed order costs the baseline
        ([0.9780, 0.9786, 0.9790], False, True),  # a little lower, inside the spread
        ([0.9890, 0.9895, 0.9900], True, False),  # better, beyond the spread
    ],
)
def test_epoch_order_summary_compares_against_the_spread(fixed, beyond, worse):
    reshuffled = _fits([0.9784, 0.9782, 0.9800], [0.081, 0.081, 0.080])
    summary = summarize_epoch_order(reshuffled, _fits(fixed, [0.10, 0.09, 0.095]), (42, 43, 44))
    assert summary["change_beyond_spread"] is beyond
    assert summary["fixed_order_worse"] is worse
    assert summary["fixed"]["test_accuracy"] == pytest.approx(np.mean(fixed))
    assert summary["accuracy_change_pp"] == pytest.approx(100 * (np.mean(fixed) - np.mean([0.9784, 0.9782, 0.9800])))
    assert [row["seed"] for row in summary["per_seed"]] == [42, 43, 44]
    assert summary["per_seed"][0]["fixed_test_accuracy"] == fixed[0]


def test_with_one_seed_no_claim_about_the_spread():
    summary = summarize_epoch_order(_fits([0.97], [0.1]), _fits([0.96], [0.11]), (42,))
    assert summary["change_beyond_spread"] is None


GAPS = st.lists(st.floats(min_value=-20, max_value=20, allow_nan=False), min_size=1, max_size=5)


@given(GAPS, st.floats(min_value=0.01, max_value=5))
def test_a_new_smallest_set_with_the_largest_lead_is_largest_first(gaps, margin):
    assert advantage_largest_first([max(max(gaps), 0.0) + margin, *gaps])


@given(GAPS, st.floats(min_value=0.01, max_value=5))
def test_a_larger_lead_at_a_later_size_is_not_largest_first(gaps, margin):
    assert not advantage_largest_first([*gaps, gaps[0] + margin])


@given(GAPS)
def test_a_cnn_behind_at_the_smallest_set_has_no_advantage_there(gaps):
    assert not advantage_largest_first([-abs(gaps[0]), *gaps[1:]])


@given(GAPS, st.randoms())
def test_only_the_smallest_sets_lead_counts_not_the_order_of_the_others(gaps, random):
    later = gaps[1:]
    random.shuffle(later)
    assert advantage_largest_first([gaps[0], *later]) == advantage_largest_first(gaps)
