"""What a build trains for its design: the models, their fits seed by seed, the fit that keeps its model, and how
the results come back together (training stood in for, as in test_runner.py)."""

from __future__ import annotations

import pytest

from analysis.cache import ResultCache
from analysis.design import Design, Experiment, kernel_design
from analysis.fits import TrainingSettings
from analysis.plan import TrainedModels, collect_models, design_fits, main_model_fit, plan_models
from analysis.workers import run_fits

import synthetic


def test_the_designs_fits_run_seed_by_seed_over_the_planned_models(tmp_path, training, dataset):
    settings, seeds, design = TrainingSettings(epochs=1, seed=42), (42, 43), kernel_design((7, 5, 5))
    fits = design_fits(settings, seeds, design)
    # Every model of the first seed before any of the second: an interrupted build has whole sets to resume from.
    assert [fit.label for fit in fits] == [
        "baseline seed 42",
        "cnn_k3 seed 42",
        "cnn_k5 seed 42",
        "cnn_k7 seed 42",
        "baseline seed 43",
        "cnn_k3 seed 43",
        "cnn_k5 seed 43",
        "cnn_k7 seed 43",
    ]
    # Only the first seed's main CNN keeps its trained model.
    assert [fit.label for fit in fits if fit.keep_model] == ["cnn_k3 seed 42"]
    assert main_model_fit(settings, seeds, design) == fits[1]
    results = collect_models(run_fits(fits, dataset, ResultCache(tmp_path)), settings, seeds, design)
    assert [(name, seed) for name, seed, _, _ in training.calls] == [
        ("baseline", 42),
        ("cnn_k3", 42),
        ("cnn_k5", 42),
        ("cnn_k7", 42),
        ("baseline", 43),
        ("cnn_k3", 43),
        ("cnn_k5", 43),
        ("cnn_k7", 43),
    ]
    assert results.design.experiment.values == (5, 7) and results.seeds == (42, 43)
    assert list(results.models) == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [run.test_loss for run in results.models["cnn_k5"].fits] == pytest.approx([0.042, 0.043])
    assert results.baseline.name == "baseline" and results.cnn.name == "cnn_k3"
    assert [variant.name for variant in results.design.variants()] == ["cnn_k5", "cnn_k7"]


def test_a_second_run_reads_every_model_back_and_force_trains_them_all_again(tmp_path, training, dataset):
    cache, settings, seeds, design = (
        ResultCache(tmp_path),
        TrainingSettings(epochs=1, seed=42),
        (42, 43),
        kernel_design((3,)),
    )
    fits = design_fits(settings, seeds, design)

    def run(**options) -> TrainedModels:
        return collect_models(run_fits(fits, dataset, cache, **options), settings, seeds, design)

    first = run()
    assert len(training.calls) == 4
    again = run()
    assert len(training.calls) == 4, "a cached model was trained again"
    assert all(fit.cached for fits in again.models.values() for fit in fits.fits)
    assert [run.test_loss for run in again.models["baseline"].fits] == [
        run.test_loss for run in first.models["baseline"].fits
    ]
    forced = run(force=True)
    assert len(training.calls) == 8
    assert not any(fit.cached for fits in forced.models.values() for fit in fits.fits)


def test_the_plan_is_the_baseline_the_main_cnn_and_the_sweep():
    assert [spec.name for spec in plan_models(Design())] == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    # The main CNN (3x3) is trained whether or not the sweep includes it, once, second.
    assert [spec.name for spec in plan_models(kernel_design((9, 1)))] == ["baseline", "cnn_k3", "cnn_k1", "cnn_k9"]
    assert [spec.name for spec in plan_models(kernel_design((5, 3)))] == ["baseline", "cnn_k3", "cnn_k5"]
    # Another variable: the variants are named after it, and the main CNN is its width 1 variant.
    widths = Design(experiment=Experiment("width", (0.5, 1, 2)))
    assert [spec.name for spec in plan_models(widths)] == ["baseline", "cnn_width_1", "cnn_width_0_5", "cnn_width_2"]
    # Each model carries its (variable, value), so that nothing decodes a name; the baseline has none, and neither
    # has a main CNN that is no row of the experiment (max pooling, where the values are avg and none).
    assert [spec.variant for spec in plan_models(widths)] == [None, ("width", 1), ("width", 0.5), ("width", 2)]
    pooling = Design(experiment=Experiment("pooling", ("avg", "none")))
    assert [(spec.name, spec.variant) for spec in plan_models(pooling)] == [
        ("baseline", None),
        ("cnn_pooling_max", None),
        ("cnn_pooling_avg", ("pooling", "avg")),
        ("cnn_pooling_none", ("pooling", "none")),
    ]


def test_trained_models_find_the_baseline_and_the_main_cnn(dataset):
    built = synthetic.build()
    results = TrainedModels(models=built.trained.models, design=kernel_design((3, 7)), seeds=(42, 43, 44))
    assert results.baseline is built.trained.models["baseline"]
    assert results.cnn is built.trained.models["cnn_k3"]
    assert [(variant.value, variant.is_main) for variant in results.design.variants()] == [(3, True), (7, False)]


def test_the_3x3_sweep_run_is_the_main_cnn():
    assert [spec.name for spec in plan_models(kernel_design((3, 5, 7)))] == ["baseline", "cnn_k3", "cnn_k5", "cnn_k7"]
    assert [spec.name for spec in plan_models(kernel_design((5,)))] == ["baseline", "cnn_k3", "cnn_k5"]
