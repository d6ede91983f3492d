"""Small hand-written report.json documents with exactly chosen numbers, for comparing two reports.

:func:`make_report` writes only the fields ``cnn-report compare`` reads: each model's test accuracy and loss
(mean and seed-to-seed standard deviation), the comparison and the experiment the claims are decided from, the
settings, the environment and the data's digest. The default, with 3 seeds:

    baseline  97.70 ± 0.20 %   loss 0.0800 ± 0.0020
    cnn_k3    98.90 ± 0.20 %   loss 0.0400 ± 0.0030   (the main CNN: 1.20 pp ahead, beyond the 0.40 pp spread)
    cnn_k5    99.00 ± 0.10 %   loss 0.0350 ± 0.0010   (the best variant, 0.10 pp ahead: within the 0.30 pp spread)

With one seed every standard deviation is None, as a one-seed build writes it.
"""

from __future__ import annotations

import copy

from report.summary.claims import claims_of

CODE = "c0de" * 16
DATA = "da7a" * 16
DESIGN = "de5165" + "0" * 10
ACCURACIES = {"baseline": (0.9770, 0.0020), "cnn_k3": (0.9890, 0.0020), "cnn_k5": (0.9900, 0.0010)}
LOSSES = {"baseline": (0.0800, 0.0020), "cnn_k3": (0.0400, 0.0030), "cnn_k5": (0.0350, 0.0010)}


def make_report(
    accuracies: dict[str, tuple[float, float]] | None = None,
    losses: dict[str, tuple[float, float]] | None = None,
    *,
    seeds: int = 3,
    generated_at: str = "2026-12-01T09:00:00+00:00",
    settings: dict | None = None,
    environment: dict | None = None,
    versions: dict | None = None,
    project: dict | None = None,
    without: tuple[str, ...] = (),
    before_schema_version: bool = False,
) -> dict:
    """A report.json whose models' (mean, std) test accuracies and losses are the defaults, these replacing them
    (a new name adds a model), less the models ``without``; the keys of ``settings`` and ``environment`` replace
    the defaults'. ``before_schema_version``: as cnn-report wrote it before
    schema_version, claims, code and design digests, and the project's record existed."""
    accuracies = {name: value for name, value in {**ACCURACIES, **(accuracies or {})}.items() if name not in without}
    losses = {name: (losses or {}).get(name, LOSSES.get(name, (0.0500, 0.0020))) for name in accuracies}
    spread = seeds > 1
    models = {
        name: {
            "runs": seeds,
            "test_accuracy": accuracies[name][0],
            "test_accuracy_std": accuracies[name][1] if spread else None,
            "test_loss": losses[name][0],
            "test_loss_std": losses[name][1] if spread else None,
        }
        for name in accuracies
    }
    report = {
        "schema_version": 1,
        "dataset": {"file": "mnist.npz", "sha256": DATA, "n_train": 60000, "n_test": 10000},
        "models": models,
        "comparison": _comparison(models),
        "experiment": _experiment(models),
        "settings": {
            "epochs": 10,
            "batch_size": 32,
            "seed": 42,
            "limit_train": None,
            "validation_split": 0.1,
            "seeds": [42 + index for index in range(seeds)],
            "lang": "en",
            "kernel_sizes": [int(name.removeprefix("cnn_k")) for name in models if name.startswith("cnn_k")],
            "n_fit": 54000,
            "n_validation": 6000,
            "several_seeds": spread,
            "design_digest": DESIGN,
            **(settings or {}),
        },
        "environment": {
            "command_line": "cnn-report build",
            "generated_at": generated_at,
            "versions": {"python": "3.11.7", "tensorflow": "2.21.0", "numpy": "2.4.6", **(versions or {})},
            "machine": {"instruction_set": "avx512_core", "instance_type": None},
            "tensorflow_onednn": "1",
            "training_threads": "1",
            "jobs": 2,
            "stage_seconds": {"training": 600.0},
            "code_digest": CODE,
            **(environment or {}),
        },
        "project": project,
    }
    report["claims"] = claims_of(report)
    if before_schema_version:
        for key in ("schema_version", "claims", "project"):
            del report[key]
        del report["environment"]["code_digest"], report["settings"]["design_digest"]
    return copy.deepcopy(report)


def _beyond(a: dict, b: dict, metric: str = "test_accuracy") -> bool | None:
    stds = a[f"{metric}_std"], b[f"{metric}_std"]
    return None if None in stds else abs(a[metric] - b[metric]) > stds[0] + stds[1]


def _comparison(models: dict) -> dict:
    """The main CNN (the first cnn_* model) against the baseline."""
    baseline, cnn = models["baseline"], next(model for name, model in models.items() if name.startswith("cnn"))
    return {
        "seeds": baseline["runs"],
        "cnn_better": cnn["test_accuracy"] > baseline["test_accuracy"],
        "accuracy_gain_pp": 100 * (cnn["test_accuracy"] - baseline["test_accuracy"]),
        "gain_beyond_spread": _beyond(cnn, baseline),
        "cnn_lower_loss": cnn["test_loss"] < baseline["test_loss"],
        "loss_ratio": baseline["test_loss"] / cnn["test_loss"],
        "cnn_overfits_less": True,
        "baseline_generalization_gap_pp": 1.7,
        "cnn_generalization_gap_pp": 0.6,
    }


def _experiment(models: dict) -> dict:
    """The cnn_* models as the experiment's variants; the best one clear when it beats the runner-up beyond spread."""
    variants = [{"name": name, **model} for name, model in models.items() if name.startswith("cnn")]
    ranked = sorted(variants, key=lambda variant: variant["test_accuracy"], reverse=True)
    return {
        "vary": "kernel",
        "variants": variants,
        "best": ranked[0]["name"],
        "difference_beyond_spread": _beyond(ranked[0], ranked[1]) if len(ranked) > 1 else None,
        "spread_pp": 100 * max(variant["test_accuracy_std"] or 0 for variant in variants),
    }
