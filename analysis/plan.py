"""What a build trains for its design, and how those fits' results come back together.

The models are the student's design (:mod:`analysis.design`): the baseline,
the main CNN and the experiment's other variants, each fitted once per seed.
The probes plan their own fits (:mod:`analysis.probes`); :mod:`analysis.runner`
runs one fit and :mod:`analysis.workers` a build's list of them. Nothing here
imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from analysis.design import Design
from analysis.fits import Fit, FitResult, ModelFits, ModelSpec, TrainingSettings


@dataclass(frozen=True)
class TrainedModels:
    """Every model of the design, by name, each with one fit per seed, and the design they were trained from."""

    models: dict[str, ModelFits]
    design: Design
    seeds: tuple[int, ...]

    @property
    def baseline(self) -> ModelFits:
        return self.models["baseline"]

    @property
    def cnn(self) -> ModelFits:
        """The main CNN: the student's own, which the probes and "inside the CNN" look at."""
        return self.models[self.design.main_name]


def plan_models(design: Design) -> list[ModelSpec]:
    """The models to train: the baseline, the main CNN, and the experiment's other variants.

    The variant equal to the main CNN *is* the main CNN, so it appears once.
    """
    return [ModelSpec(name, network, design.variant_of(name)) for name, network in design.networks().items()]


def design_fits(settings: TrainingSettings, seeds: Sequence[int], design: Design) -> list[Fit]:
    """The fits of the design's models: every model once per seed, seeds first.

    The first seed's main CNN keeps its trained model: it is the report's
    model artifact (on SageMaker, the job's model.tar.gz).
    """
    return [
        Fit(spec, replace(settings, seed=seed), keep_model=(seed == seeds[0] and spec.name == design.main_name))
        for seed in seeds
        for spec in plan_models(design)
    ]


def main_model_fit(settings: TrainingSettings, seeds: Sequence[int], design: Design) -> Fit:
    """The fit whose trained model the build keeps: the main CNN, first seed."""
    return next(fit for fit in design_fits(settings, seeds, design) if fit.keep_model)


def collect_models(
    results: Mapping[Fit, FitResult], settings: TrainingSettings, seeds: Sequence[int], design: Design
) -> TrainedModels:
    """The design's models, from the results of a build's fits (which include :func:`design_fits`)."""
    fits: dict[str, list[FitResult]] = {}
    for fit in design_fits(settings, seeds, design):
        fits.setdefault(fit.spec.name, []).append(results[fit])
    return TrainedModels(
        models={name: ModelFits(name, tuple(model_fits)) for name, model_fits in fits.items()},
        design=design,
        seeds=tuple(seeds),
    )
