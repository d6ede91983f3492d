"""The claims the report's wording rests on, as named booleans with the numbers each was decided from.

An autograder or a CI job reads ``report.json``'s ``claims`` instead of the
prose; ``cnn-report compare`` finds a flipped conclusion by comparing them.
They are a function of report.json alone, so a report written before claims
existed gets them too, as far as its fields allow (a claim whose fields are
missing is absent, and the comparison says it could not be compared).

``holds`` is True or False, or None where the results cannot decide it (one
seed gives no spread to be "beyond").
"""

from __future__ import annotations

from collections.abc import Callable

# What each claim says, in the words of the comparison (msgids: report/changes.py renders them in either language).
CLAIM_TEXT = {
    "cnn_beats_baseline": "the CNN is more accurate than the baseline",
    "cnn_beats_baseline_beyond_spread": "the CNN beats the baseline by more than the seeds' spread",
    "cnn_lower_loss": "the CNN has the lower test loss",
    "cnn_overfits_less": "the CNN overfits less than the baseline",
    "best_variant": "the experiment's best model",
    "variants_differ_beyond_spread": "the experiment's models differ by more than the seeds' spread",
    "cnn_degrades_slower_when_shifted": "the CNN degrades more slowly than the baseline when images are shifted",
    "cnn_still_better_when_permuted": "the CNN still beats the baseline when the pixels are permuted",
    "cnn_gap_largest_with_least_data": "the CNN's lead is largest with the smallest training set",
    "fixed_order_worse": "training on a fixed order of images is worse than a new order every epoch",
}


def claims_of(report: dict) -> dict[str, dict]:
    """Every claim the fields of ``report`` (a report.json) decide, by name: ``holds`` and its numbers."""
    claims = {}
    for name, decide in _CLAIMS.items():
        try:
            claim = decide(report)
        except (KeyError, TypeError, IndexError):
            continue  # a report without these fields (an older one, or a part not built)
        if claim is not None:
            claims[name] = claim
    return claims


def _comparison(report: dict) -> dict:
    return report["comparison"]


def _cnn_beats_baseline(report: dict) -> dict:
    comparison = _comparison(report)
    return {"holds": bool(comparison["cnn_better"]), "accuracy_gain_pp": comparison["accuracy_gain_pp"]}


def _beyond_spread(report: dict) -> dict:
    comparison = _comparison(report)
    beyond = comparison["gain_beyond_spread"]
    return {
        "holds": None if beyond is None else bool(comparison["cnn_better"] and beyond),
        "accuracy_gain_pp": comparison["accuracy_gain_pp"],
    }


def _cnn_lower_loss(report: dict) -> dict:
    comparison = _comparison(report)
    return {"holds": bool(comparison["cnn_lower_loss"]), "loss_ratio": comparison["loss_ratio"]}


def _cnn_overfits_less(report: dict) -> dict:
    comparison = _comparison(report)
    return {
        "holds": bool(comparison["cnn_overfits_less"]),
        "baseline_generalization_gap_pp": comparison["baseline_generalization_gap_pp"],
        "cnn_generalization_gap_pp": comparison["cnn_generalization_gap_pp"],
    }


def _best_variant(report: dict) -> dict | None:
    experiment = report["experiment"]
    if len(experiment["variants"]) < 2:
        return None
    best = next(variant for variant in experiment["variants"] if variant["name"] == experiment["best"])
    # A best model is a conclusion only when the experiment's models differ beyond their spread.
    return {
        "holds": experiment["difference_beyond_spread"],
        "model": best["name"],
        "test_accuracy": best["test_accuracy"],
        "spread_pp": experiment["spread_pp"],
    }


def _variants_differ(report: dict) -> dict | None:
    experiment = report["experiment"]
    if len(experiment["variants"]) < 2:
        return None
    return {"holds": experiment["difference_beyond_spread"], "spread_pp": experiment["spread_pp"]}


def _shifted(report: dict) -> dict:
    translation = report["probes"]["translation"]
    return {
        "holds": bool(translation["cnn_degrades_slower"]),
        "baseline_below_threshold_at": translation["baseline_below_threshold_at"],
        "cnn_below_threshold_at": translation["cnn_below_threshold_at"],
    }


def _permuted(report: dict) -> dict:
    permutation = report["probes"]["permutation"]
    return {"holds": bool(permutation["cnn_still_better"]), "cnn_edge_pp": permutation["cnn_edge_pp"]}


def _least_data(report: dict) -> dict | None:
    efficiency = report["probes"]["data_efficiency"]
    if efficiency.get("single_size"):
        return None
    return {"holds": bool(efficiency["gap_largest_at_smallest"])}


def _fixed_order(report: dict) -> dict:
    order = report["probes"]["epoch_order"]
    beyond = order["change_beyond_spread"]
    return {
        "holds": None if beyond is None else bool(order["fixed_order_worse"] and beyond),
        "accuracy_change_pp": order["accuracy_change_pp"],
    }


_CLAIMS: dict[str, Callable[[dict], dict | None]] = {
    "cnn_beats_baseline": _cnn_beats_baseline,
    "cnn_beats_baseline_beyond_spread": _beyond_spread,
    "cnn_lower_loss": _cnn_lower_loss,
    "cnn_overfits_less": _cnn_overfits_less,
    "best_variant": _best_variant,
    "variants_differ_beyond_spread": _variants_differ,
    "cnn_degrades_slower_when_shifted": _shifted,
    "cnn_still_better_when_permuted": _permuted,
    "cnn_gap_largest_with_least_data": _least_data,
    "fixed_order_worse": _fixed_order,
}
assert set(_CLAIMS) == set(CLAIM_TEXT)
