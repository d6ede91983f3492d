"""A build's results with exactly chosen numbers, built from real result objects, for testing what the report says.

Every fit is a real :class:`FitResult` whose test predictions are wrong on a chosen number of the
:data:`N_TEST` test images, so its accuracy is exact (a multiple of 1/N_TEST) and agrees with the confusion
matrix that :func:`report.summary.summarize` computes from the predictions. Tests state a scenario in those
counts (mistakes per seed), run the real ``summarize()`` and render the real templates, and compare with numbers
worked out by hand. Nothing here trains a model or imports TensorFlow.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from analysis.builder import Builder
from analysis.data import Dataset
from analysis.design import Design, Experiment, main_value
from analysis.eda import describe_dataset
from analysis.fits import FitResult, ModelFits, TrainingSettings
from analysis.layers import DEFAULT_CNN, Network
from analysis.plan import TrainedModels
from analysis.probes import MAX_SHIFT, SHIFT_DIRECTIONS, ProbeResults
from analysis.shapes import layer_shapes
from report.figures import Figures, Image
from report.render import render_html
from report.summary import summarize

N_TEST = 1000
SEEDS = (42, 43, 44)
BASE = "baseline"


def baseline_layers() -> list[dict]:
    """The course's baseline, layer by layer as Keras describes it, with parameter counts worked out by hand."""
    return [
        {"name": "image", "type": "input", "output_shape": [28, 28, 1], "params": 0},
        {"name": "flatten", "type": "flatten", "output_shape": [784], "params": 0},
        {"name": "hidden", "type": "dense", "output_shape": [128], "params": 784 * 128 + 128},
        {"name": "probabilities", "type": "dense", "output_shape": [10], "params": 128 * 10 + 10},
    ]


def cnn_layers(kernel_size: int) -> list[dict]:
    """The course's CNN with ``kernel_size`` kernels ('valid' padding), layer by layer, by hand."""
    k = kernel_size
    conv1 = 28 - k + 1
    pool1 = conv1 // 2
    conv2 = pool1 - k + 1
    pool2 = conv2 // 2
    flattened = pool2 * pool2 * 64
    return [
        {"name": "image", "type": "input", "output_shape": [28, 28, 1], "params": 0},
        {"name": "conv1", "type": "conv", "output_shape": [conv1, conv1, 32], "params": 32 * (k * k * 1 + 1)},
        {"name": "pool1", "type": "maxpool", "output_shape": [pool1, pool1, 32], "params": 0},
        {"name": "conv2", "type": "conv", "output_shape": [conv2, conv2, 64], "params": 64 * (k * k * 32 + 1)},
        {"name": "pool2", "type": "maxpool", "output_shape": [pool2, pool2, 64], "params": 0},
        {"name": "flatten", "type": "flatten", "output_shape": [flattened], "params": 0},
        {"name": "hidden", "type": "dense", "output_shape": [64], "params": 64 * (flattened + 1)},
        {"name": "probabilities", "type": "dense", "output_shape": [10], "params": 64 * 10 + 10},
    ]


def make_dataset(train_counts: tuple[int, ...] = (60,) * 10, n_test: int = N_TEST) -> Dataset:
    """MNIST-shaped data with ``train_counts[d]`` training images of digit d and a balanced test set (digits 0..9 in turn)."""
    generator = np.random.default_rng(0)
    y_train = np.repeat(np.arange(10, dtype=np.uint8), train_counts)
    y_test = (np.arange(n_test) % 10).astype(np.uint8)
    return Dataset(
        x_train=generator.integers(0, 256, (len(y_train), 28, 28), dtype=np.uint8),
        y_train=y_train,
        x_test=generator.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        y_test=y_test,
        path=Path("/data/mnist.npz"),
        format="npz",
        sha256="5" * 64,
    )


def predictions_with_mistakes(y_test: np.ndarray, mistakes: int, digits: tuple[int, ...] | None = None) -> np.ndarray:
    """``y_test`` with ``mistakes`` images (the first ones, of ``digits`` only if given) read as the next digit."""
    predictions = y_test.copy()
    candidates = np.flatnonzero(np.isin(y_test, digits)) if digits else np.arange(len(y_test))
    assert mistakes <= len(candidates), "more mistakes than candidate images"
    wrong = candidates[:mistakes]
    predictions[wrong] = (y_test[wrong] + 1) % 10
    return predictions


def model_fit(
    name: str,
    mistakes: int,
    loss: float,
    y_test: np.ndarray,
    *,
    layers: list[dict],
    params: int | None = None,
    epochs: int = 10,
    seconds: float = 60.0,
    final_accuracy: tuple[float, float] = (0.99, 0.98),
    shift_curve: list[float] | None = None,
    wrong_digits: tuple[int, ...] | None = None,
    kernel: int | None = None,
) -> FitResult:
    """One fit's trained model, as train_and_evaluate would return it, with exactly ``mistakes`` wrong test predictions.

    A CNN (``kernel``: its first conv layer's kernel size) also has its probes: filters and feature maps.
    """
    predictions = predictions_with_mistakes(y_test, mistakes, wrong_digits)
    train_accuracy, validation_accuracy = final_accuracy
    curve = shift_curve if shift_curve is not None else [1.0 - mistakes / len(y_test)] * (MAX_SHIFT + 1)
    probes: dict = {"shift_accuracy": {direction: list(curve) for direction in SHIFT_DIRECTIONS}}
    if kernel is not None:
        probes["conv1_filters"] = [[[0.0] * kernel] * kernel] * 32
        probes["feature_maps"] = {"test_index": 0, "conv1": [[[0.0]]] * 16, "conv2": [[[0.0]]] * 16}
    return FitResult(
        name=name,
        params=params if params is not None else sum(layer["params"] for layer in layers),
        test_accuracy=(len(y_test) - mistakes) / len(y_test),
        test_loss=loss,
        epochs=epochs,
        train_seconds=seconds,
        history={
            "loss": [0.5] * (epochs - 1) + [0.1],
            "accuracy": [0.9] * (epochs - 1) + [train_accuracy],
            "val_loss": [0.5] * (epochs - 1) + [0.12],
            "val_accuracy": [0.9] * (epochs - 1) + [validation_accuracy],
        },
        layers=layers,
        test_predictions=predictions.astype(np.uint8),
        test_confidence=np.full(len(y_test), 0.9, np.float32),
        probes=probes,
    )


@dataclass(frozen=True)
class Scenario:
    """A whole build's results, stated as mistakes per seed on the N_TEST test images.

    The defaults are a typical full run: the CNN well ahead of the baseline and
    beyond the spread, 3x3 kernels best, permutation hurting only the CNN, the
    CNN's lead largest with the least data, the epoch order making no difference.
    """

    seeds: tuple[int, ...] = SEEDS
    # The controlled experiment's variable; ``kernels`` holds its values (kernel sizes unless another is named here),
    # each with its CNN's test mistakes per seed. The main CNN (3x3 kernels, width 1, max pooling, ...) is the one
    # whose value it has, which must be among them.
    vary: str = "kernel"
    # The experiment's values, when not every key of ``kernels`` (the main CNN's own value left out, say).
    values: tuple | None = None
    baseline: tuple[int, ...] = (30, 28, 26)
    kernels: dict = field(default_factory=lambda: {3: (12, 10, 8), 5: (15, 13, 11), 7: (18, 16, 14)})
    baseline_loss: tuple[float, ...] = (0.096, 0.095, 0.094)
    cnn_loss: tuple[float, ...] = (0.032, 0.031, 0.030)
    # Which digits the mistakes fall on (None: the first test images, every digit alike).
    baseline_wrong_digits: tuple[int, ...] | None = None
    cnn_wrong_digits: tuple[int, ...] | None = None
    params: dict = field(default_factory=dict)  # name -> parameter count, overriding the hand-computed one
    cnn: Network | None = None  # the student's CNN; None: the course's
    seconds: dict = field(default_factory=lambda: {"baseline": 60.0, "cnn_k3": 180.0, "cnn_k5": 240.0, "cnn_k7": 300.0})
    # (training, validation) accuracy at the last epoch.
    baseline_final: tuple[float, float] = (0.995, 0.975)
    cnn_final: tuple[float, float] = (0.994, 0.989)
    # Mean accuracy over the four directions at shifts 0..MAX_SHIFT.
    baseline_shift: tuple[float, ...] = (0.97, 0.93, 0.80, 0.60, 0.40, 0.25, 0.15)
    cnn_shift: tuple[float, ...] = (0.99, 0.98, 0.95, 0.85, 0.65, 0.45, 0.30)
    # Mistakes per seed after retraining on permuted pixels.
    baseline_permuted: tuple[int, ...] = (31, 28, 25)
    cnn_permuted: tuple[int, ...] = (45, 42, 39)
    # Mistakes per seed of the baseline trained with one fixed order of the training images in every epoch
    # (None: the same as with the protocol's reshuffling).
    baseline_fixed_order: tuple[int, ...] | None = None
    # Training-set size -> (baseline mistakes per seed, CNN mistakes per seed); the main runs are the full size.
    efficiency: dict = field(
        default_factory=lambda: {
            1000: ((150, 150, 150), (80, 80, 80)),
            5000: ((80, 80, 80), (35, 35, 35)),
            20000: ((45, 45, 45), (18, 18, 18)),
        }
    )
    full_size: int = 54000
    train_counts: tuple[int, ...] = (60,) * 10
    epochs: int = 10
    limit_train: int | None = None

    def with_(self, **changes) -> Scenario:
        return replace(self, **changes)


# The default scenario's shape with a single seed: no spread, so no claim "beyond the spread" can be made.
ONE_SEED = Scenario(
    seeds=(42,),
    baseline=(28,),
    kernels={3: (10,), 5: (13,), 7: (16,)},
    baseline_loss=(0.095,),
    cnn_loss=(0.031,),
    baseline_permuted=(28,),
    cnn_permuted=(42,),
    efficiency={1000: ((150,), (80,)), 5000: ((80,), (35,)), 20000: ((45,), (18,))},
)


# A student's builder function as the design records it (its main CNN's kernel is 3); no file stands behind it.
STAND_IN_BUILDER = Builder(
    path=Path("/student/cnn.py"),
    function="make_cnn",
    label="cnn.py:make_cnn",
    sha256="0" * 64,
    keywords=(("kernel", 3),),
)


@dataclass(frozen=True)
class Built:
    """The objects a build hands to ``summarize()``."""

    dataset: Dataset
    trained: TrainedModels
    probes: ProbeResults
    settings: TrainingSettings

    def with_builder_cnn(self) -> Built:
        """This build with its CNN made by :data:`STAND_IN_BUILDER`: its layers are then the trained model's."""
        design = replace(self.trained.design, cnn=Network("cnn", builder=STAND_IN_BUILDER))
        return replace(self, trained=replace(self.trained, design=design))

    def summary(self, lang: str = "en") -> dict:
        return summarize(
            self.dataset,
            describe_dataset(self.dataset),
            self.trained,
            self.probes,
            self.settings,
            lang,
            "cnn-report build --out report.pdf",
            {"data": 1.0, "eda": 0.5},
        )


def build(scenario: Scenario = Scenario()) -> Built:
    """The result objects of ``scenario``, as collect_models and collect_probes would return them."""
    dataset = make_dataset(scenario.train_counts)
    y_test = dataset.y_test
    count = len(scenario.seeds)

    def fits(name: str, mistakes: tuple[int, ...], losses: tuple[float, ...], layers: list[dict], **extra) -> ModelFits:
        assert len(mistakes) == count, f"{name}: {len(mistakes)} fits for {count} seeds"
        return ModelFits(
            name,
            tuple(
                model_fit(
                    name,
                    wrong,
                    loss,
                    y_test,
                    layers=layers,
                    params=scenario.params.get(name),
                    epochs=scenario.epochs,
                    seconds=scenario.seconds.get(name, 60.0),
                    kernel=kernel_of.get(name),
                    **extra,
                )
                for wrong, loss in zip(mistakes, losses)
            ),
        )

    values = scenario.values if scenario.values is not None else tuple(scenario.kernels)
    design = Design(
        cnn=scenario.cnn or DEFAULT_CNN,
        experiment=Experiment(scenario.vary, tuple(sorted(values)) if scenario.vary == "kernel" else values),
    )
    main, networks = design.main_name, design.networks()
    value_of = {variant.name: variant.value for variant in design.variants()} | {
        main: main_value(design.cnn, scenario.vary)
    }
    # Each CNN's first kernel size: its value in a kernel experiment; the other experiments vary the course's 3x3 CNN.
    kernel_of = {name: value if scenario.vary == "kernel" else 3 for name, value in value_of.items()}
    models = {
        BASE: fits(
            BASE,
            scenario.baseline,
            scenario.baseline_loss,
            baseline_layers(),
            final_accuracy=scenario.baseline_final,
            shift_curve=list(scenario.baseline_shift),
            wrong_digits=scenario.baseline_wrong_digits,
        )
    }
    for name, network in networks.items():
        if name == BASE:
            continue
        is_main = name == main
        models[name] = fits(
            name,
            scenario.kernels[value_of[name]],
            scenario.cnn_loss,
            _cnn_layers(network, kernel_of[name] if scenario.vary == "kernel" else None),
            final_accuracy=scenario.cnn_final if is_main else (0.99, 0.98),
            shift_curve=list(scenario.cnn_shift) if is_main else None,
            wrong_digits=scenario.cnn_wrong_digits if is_main else None,
        )
    trained = TrainedModels(models=models, design=design, seeds=scenario.seeds)

    losses = {BASE: scenario.baseline_loss, main: scenario.cnn_loss}
    layers = {BASE: baseline_layers(), main: models[main].first.layers}
    permuted = {
        BASE: fits(BASE, scenario.baseline_permuted, losses[BASE], layers[BASE]),
        main: fits(main, scenario.cnn_permuted, losses[main], layers[main]),
    }
    by_size = {
        size: {BASE: fits(BASE, base, losses[BASE], layers[BASE]), main: fits(main, cnn, losses[main], layers[main])}
        for size, (base, cnn) in scenario.efficiency.items()
    }
    by_size[scenario.full_size] = {BASE: models[BASE], main: models[main]}
    probes = ProbeResults(
        permuted=permuted,
        by_training_size=by_size,
        fixed_order=fits(BASE, scenario.baseline_fixed_order or scenario.baseline, losses[BASE], layers[BASE]),
    )
    settings = TrainingSettings(epochs=scenario.epochs, limit_train=scenario.limit_train, seed=scenario.seeds[0])
    return Built(dataset=dataset, trained=trained, probes=probes, settings=settings)


def _cnn_layers(network: Network, kernel_size: int | None) -> list[dict]:
    """A CNN's layers as Keras describes them: worked out by hand for the kernel-size variants (``kernel_size``), else
    from the spec (the wording tests over other variables check words, not parameter counts)."""
    if kernel_size is not None:
        return cnn_layers(kernel_size)
    return [
        {
            "name": shape.name,
            "type": "dense" if shape.type == "output" else shape.type,
            "output_shape": list(shape.output_shape),
            "params": shape.params,
        }
        for shape in layer_shapes(network)
    ]


def blank_figures() -> Figures:
    """Every figure as an empty image: the words around them are what is tested."""
    return Figures(**{item.name: Image(src="data:,", width=100, height=100) for item in fields(Figures)})


def render(summary: dict, lang: str) -> str:
    return render_html(summary, blank_figures(), lang=lang)


def page_text(document: str) -> str:
    """The visible text of an HTML page, tags dropped and whitespace (no-break spaces included) collapsed."""
    body = re.sub(r"<(style|title)>.*?</\1>", " ", document, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()
