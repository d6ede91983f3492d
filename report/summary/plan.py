"""The structure of report.json before any training: the real summary of stand-in results.

The student's notes are checked against it before any training starts: a
placeholder that names nothing here names nothing in the real report. The
stand-in results are made for exactly the models, seeds and probes the build
plans and go through :func:`report.summary.document.summarize` itself, so the
structure cannot drift from the real one (tests/system/test_project.py compares the
two). No number of theirs reaches a report.
"""

from __future__ import annotations

import numpy as np

from analysis.data import Dataset
from analysis.design import Design
from analysis.eda import EdaResults
from analysis.fits import FitResult, ModelFits, ModelSpec, TrainingSettings
from analysis.layers import Network
from analysis.plan import TrainedModels, plan_models
from analysis.probes import (
    FEATURE_MAPS_SHOWN,
    FILTERS_SHOWN,
    MAX_SHIFT,
    SHIFT_DIRECTIONS,
    ProbeResults,
    data_efficiency_sizes,
    probed_models,
)
from analysis.shapes import layer_shapes
from report.history import extended
from report.summary.document import summarize


def summarize_plan(
    dataset: Dataset,
    eda: EdaResults,
    settings: TrainingSettings,
    design: Design,
    seeds: tuple[int, ...],
    lang: str,
    command_line: str,
    stage_seconds: dict[str, float],
    project: dict | None = None,
) -> dict:
    """The report.json this build will write, with stand-in numbers for everything training measures.

    Its comparison with a previous report is left out (``changes`` is None, as in a first build): a note must read
    the same with or without one. Its history is this report's entry alone.
    """
    specs = plan_models(design)
    models = {
        spec.name: ModelFits(
            spec.name,
            tuple(_stand_in_result(spec, dataset, settings, rank, seed_index) for seed_index in range(len(seeds))),
        )
        for rank, spec in enumerate(specs)
    }
    trained = TrainedModels(models=models, design=design, seeds=tuple(seeds))
    sizes = data_efficiency_sizes(settings.images_used(dataset.n_train))
    probed = [spec.name for spec in probed_models(design)]
    probes = ProbeResults(
        permuted={name: models[name] for name in probed},
        by_training_size={size: {name: models[name] for name in probed} for size in sizes},
        fixed_order=models["baseline"],
    )
    report = summarize(dataset, eda, trained, probes, settings, lang, command_line, stage_seconds, project=project)
    report["changes"] = None
    report["history"] = extended([], report)
    return report


def _stand_in_result(
    spec: ModelSpec, dataset: Dataset, settings: TrainingSettings, rank: int, seed_index: int
) -> FitResult:
    """A plausible, non-degenerate result for ``spec``: every model and seed differ a little, none is perfect."""
    accuracy = 0.9 + 0.01 * rank + 0.001 * seed_index
    predictions = dataset.y_test.copy()
    wrong = max(1, int(round(len(predictions) * (1 - accuracy))))
    predictions[:wrong] = (predictions[:wrong] + 1) % 10
    curve = [max(0.1, accuracy - 0.1 * distance) for distance in range(MAX_SHIFT + 1)]
    history = {"accuracy": [accuracy] * settings.epochs, "loss": [0.3] * settings.epochs}
    if settings.images_used(dataset.n_train) > settings.images_fitted(dataset.n_train):
        history |= {"val_accuracy": [accuracy - 0.01] * settings.epochs, "val_loss": [0.35] * settings.epochs}
    layers = _stand_in_layers(spec.network)
    probes: dict = {"shift_accuracy": {direction: curve for direction in SHIFT_DIRECTIONS}}
    convs = [layer for layer in layers if layer["type"] == "conv"][:2]
    if spec.architecture == "cnn":
        kernel = next((layer.kernel for layer in spec.network.layers if layer.type == "conv"), 3)
        probes["conv1_filters"] = [[[0.0] * kernel] * kernel] * min(FILTERS_SHOWN, convs[0]["output_shape"][2])
        probes["feature_maps"] = {"test_index": 0} | {
            f"conv{index}": [[[0.0]]] * min(FEATURE_MAPS_SHOWN, layer["output_shape"][2])
            for index, layer in enumerate(convs, start=1)
        }
    return FitResult(
        name=spec.name,
        params=sum(layer["params"] for layer in layers),
        test_accuracy=float(np.mean(predictions == dataset.y_test)),
        test_loss=0.3 - 0.01 * rank,
        epochs=settings.epochs,
        train_seconds=10.0 + rank + seed_index,
        history=history,
        layers=layers,
        test_predictions=predictions,
        test_confidence=np.full(len(predictions), 0.9, dtype=np.float32),
        probes=probes,
        cached=True,
    )


def _stand_in_layers(network: Network) -> list[dict]:
    """The layers of ``network`` as ``describe_layers`` lists them, computed without Keras.

    A builder's network is known only once it is built: it stands in as one
    conv layer before the output, enough for the report's structure.
    """
    if network.builder is None:
        return [
            {"name": shape.name, "type": shape.type, "output_shape": list(shape.output_shape), "params": shape.params}
            for shape in layer_shapes(network)
        ]
    layers = [{"name": "image", "type": "input", "output_shape": [28, 28, 1], "params": 0}]
    if network.role == "cnn":
        layers.append({"name": "conv", "type": "conv", "output_shape": [26, 26, 1], "params": 10})
    return layers + [
        {"name": "flatten", "type": "flatten", "output_shape": [676], "params": 0},
        {"name": "probabilities", "type": "output", "output_shape": [10], "params": 6770},
    ]
