"""Running one fit: read it back from the cache, or train it, evaluate it and cache it at once.

Nothing here imports TensorFlow: results already in the cache are read back
without it, and :mod:`analysis.training` is imported only when a model must
actually be trained.
"""

from __future__ import annotations

import sys

from analysis.cache import ResultCache, make_key
from analysis.data import Dataset
from analysis.environment import native_stderr_silenced, training_environment, training_versions
from analysis.fits import RESULT_FIELDS, Fit, FitEvents, FitResult, ModelSpec, TrainingSettings


def fit_key(spec: ModelSpec, settings: TrainingSettings, data_sha256: str) -> str:
    """Everything that changes a result goes into its cache key (see :func:`analysis.environment.training_environment`).

    The model is its network (:meth:`analysis.layers.Network.describe`): its
    layers, or its builder file's content and the arguments it is called with.
    The payload's shape must not change: every cached result would be retrained.
    """
    return make_key(
        {
            "model": spec.to_dict(),
            "settings": settings.to_dict(),
            "data_sha256": data_sha256,
            "versions": training_versions(),
            **training_environment(),
        }
    )


def cached_result(fit: Fit, data_sha256: str, cache: ResultCache) -> FitResult | None:
    """``fit``'s finished result from the cache, or None; ``data_sha256`` is that of the data the fit trains on.

    A fit that keeps its model counts as finished only with its model file.
    """
    key = fit_key(fit.spec, fit.settings, data_sha256)
    stored = cache.load(key, required_fields=RESULT_FIELDS)
    if stored is None or (fit.keep_model and not cache.model_path(key).is_file()):
        return None
    return FitResult.from_dict(stored, cached=True)


def run_fit(
    fit: Fit,
    dataset: Dataset,
    cache: ResultCache,
    force: bool = False,
    events: FitEvents | None = None,
) -> FitResult:
    """Train (or read back from the cache) one fit, evaluate it on the test set, and cache a new result at once.

    ``dataset`` is the data the fit trains on (already transformed). This is
    all a worker process does with each fit; it also serves on its own where
    one fit at a time is wanted.
    """
    events = events or FitEvents()
    stored = None if force else cached_result(fit, dataset.sha256, cache)
    if stored is not None:
        events.finished(fit, stored)
        return stored
    training = import_training()
    key = fit_key(fit.spec, fit.settings, dataset.sha256)
    events.started(fit)
    result = training.train_and_evaluate(
        fit.spec,
        dataset,
        fit.settings,
        on_epoch=lambda epoch, seconds, logs: events.epoch_finished(fit, epoch, seconds, logs),
        # The model file first: a result whose fit keeps its model is only finished with it.
        on_trained=(lambda model: cache.store_model(key, model.save)) if fit.keep_model else None,
    )
    cache.store(
        key,
        {"model": fit.spec.to_dict(), "settings": fit.settings.to_dict(), "data_sha256": dataset.sha256},
        result.to_dict(),
    )
    events.finished(fit, result)
    return result


def import_training():
    """:mod:`analysis.training`, imported on first use with TensorFlow's start-up lines hidden (unless ``--debug``).

    Imported here, not at the top: it pulls in TensorFlow, which a fully
    cached build never needs.
    """
    import analysis

    with native_stderr_silenced(
        enabled="analysis.training" not in sys.modules and not analysis.tensorflow_logs_shown()
    ):
        import analysis.training
    return analysis.training
