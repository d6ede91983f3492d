"""report.json's "models": each model's numbers over its seeds, its layers, and the confusions of its first seed."""

from __future__ import annotations

import numpy as np

from analysis.fits import ModelFits
from analysis.layers import Network
from analysis.shapes import layer_shapes

TOP_CONFUSIONS = 3


def summarize_model(fits: ModelFits, true_labels: np.ndarray, network: Network) -> dict:
    """One model: means and spreads over its seeds, each seed's own numbers, and the first seed's confusions."""
    per_seed = []
    for fit in fits.fits:
        matrix = confusion_matrix(true_labels, fit.test_predictions)
        per_seed.append(
            {
                "test_accuracy": fit.test_accuracy,
                "test_loss": fit.test_loss,
                "test_mistakes": int(matrix.sum() - matrix.trace()),
                "train_seconds": fit.train_seconds,
                "cached": fit.cached,
                "per_class_accuracy": (matrix.diagonal() / matrix.sum(axis=1)).tolist(),
                "history": fit.history,
            }
        )
    # Confusions and mistakes are shown for one trained model: the first seed's.
    first_matrix = confusion_matrix(true_labels, fits.first.test_predictions)
    return {
        "params": fits.params,
        "runs": len(fits.fits),
        "test_accuracy": fits.mean("test_accuracy"),
        "test_accuracy_std": fits.std("test_accuracy"),
        "test_loss": fits.mean("test_loss"),
        "test_loss_std": fits.std("test_loss"),
        "test_error": 1.0 - fits.mean("test_accuracy"),
        "test_error_std": fits.std("test_accuracy"),
        "test_mistakes": float(np.mean([seed["test_mistakes"] for seed in per_seed])),
        "epochs": fits.first.epochs,
        "train_seconds": fits.mean("train_seconds"),
        "train_seconds_std": fits.std("train_seconds"),
        "seconds_per_epoch": fits.mean("train_seconds") / max(1, fits.first.epochs),
        "cached": all(fit.cached for fit in fits.fits),
        "history": mean_history([fit.history for fit in fits.fits]),
        "layers": typed_layers(fits.first.layers, network),
        "per_class_accuracy": {
            str(digit): float(np.mean([seed["per_class_accuracy"][digit] for seed in per_seed])) for digit in range(10)
        },
        "confusion_matrix": first_matrix.tolist(),
        "top_confusions": top_confusions(first_matrix),
        "per_seed": per_seed,
    }


def confusion_matrix(true_labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows are true digits, columns predictions."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (true_labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def mean_history(histories: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    """Each curve of the training history, averaged epoch by epoch over the seeds."""
    return {key: np.mean([history[key] for history in histories], axis=0).tolist() for key in histories[0]}


def top_confusions(matrix: np.ndarray) -> list[dict]:
    """The :data:`TOP_CONFUSIONS` commonest mistakes, ties in reading order (true digit, then predicted)."""
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(-off_diagonal, axis=None, kind="stable")[:TOP_CONFUSIONS]
    pairs = [np.unravel_index(index, matrix.shape) for index in order]
    return [
        {"true": int(t), "predicted": int(p), "count": int(off_diagonal[t, p])} for t, p in pairs if off_diagonal[t, p]
    ]


def typed_layers(layers: list[dict], network: Network) -> list[dict]:
    """A trained model's layers (names, shapes and parameters as Keras built them), each with its spec type.

    Layers from a spec take their type from it, so that results cached before
    layers had types read the same; a builder's model has them from Keras
    (:func:`analysis.models.describe_layers`), its last layer being the output.
    """
    if network.builder is None:
        types = {shape.name: shape.type for shape in layer_shapes(network)}
        return [{**layer, "type": types[layer["name"]]} for layer in layers]
    typed = [dict(layer) for layer in layers]
    typed[-1]["type"] = "output"
    return typed
