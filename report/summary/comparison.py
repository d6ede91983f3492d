"""report.json's "comparison": the baseline against the main CNN, and the judgements its wording turns on."""

from __future__ import annotations

from analysis.data import Dataset
from analysis.fits import TrainingSettings
from analysis.plan import TrainedModels
from analysis.shapes import receptive_field
from report.summary.spread import differs_beyond_spread

# The CNN counts as "of comparable size" to the baseline up to this many times its parameters.
COMPARABLE_SIZE_RATIO = 1.5
# Fewer epochs than this (or a --limit-train run) is "this little training", where a comparison says little.
FEW_EPOCHS = 3


def compare(trained: TrainedModels, models: dict, dataset: Dataset, settings: TrainingSettings) -> dict:
    """The baseline against the main CNN: gains and ratios, overfitting, the digit helped most, weight sharing."""
    baseline, cnn = models[trained.baseline.name], models[trained.cnn.name]
    per_class_gain = {
        digit: cnn["per_class_accuracy"][digit] - baseline["per_class_accuracy"][digit]
        for digit in baseline["per_class_accuracy"]
    }
    most_helped = max(per_class_gain, key=lambda digit: (per_class_gain[digit], -int(digit)))
    conv1 = next(layer for layer in cnn["layers"] if layer["type"] == "conv")
    conv1_positions = conv1["output_shape"][0] * conv1["output_shape"][1]
    kernel = len(trained.cnn.first.probes["conv1_filters"][0])
    input_pixels = dataset.x_train.shape[1] * dataset.x_train.shape[2]
    cnn_better = cnn["test_accuracy"] > baseline["test_accuracy"]
    baseline_gap, cnn_gap = final_gap(baseline), final_gap(cnn)
    gain_beyond_spread = differs_beyond_spread(
        cnn["test_accuracy"], cnn["test_accuracy_std"], baseline["test_accuracy"], baseline["test_accuracy_std"]
    )
    return {
        "seeds": len(trained.seeds),
        "cnn_better": cnn_better,
        "accuracy_gain_pp": 100 * (cnn["test_accuracy"] - baseline["test_accuracy"]),
        "gain_beyond_spread": gain_beyond_spread,
        # Ahead, and not within the run-to-run spread: beyond it, or unmeasured (one seed), when the text says so.
        "cnn_clearly_better": cnn_better and gain_beyond_spread is not False,
        "error_ratio": baseline["test_error"] / cnn["test_error"] if cnn["test_error"] > 0 else None,
        "loss_ratio": baseline["test_loss"] / cnn["test_loss"] if cnn["test_loss"] > 0 else None,
        # A CNN can be right more often and still have the higher loss (its probabilities less well placed): the text
        # says which.
        "cnn_lower_loss": cnn["test_loss"] < baseline["test_loss"],
        "params_ratio": cnn["params"] / baseline["params"],
        "params_comparable": cnn["params"] <= COMPARABLE_SIZE_RATIO * baseline["params"],
        "time_ratio": cnn["train_seconds"] / baseline["train_seconds"] if baseline["train_seconds"] > 0 else None,
        "cnn_overfits_less": cnn_gap < baseline_gap,
        # Validation accuracy at or above training accuracy for both (early in training, Keras's training accuracy is
        # an average over an epoch in which the model was still improving): then no gap shows overfitting.
        "neither_overfits": cnn_gap <= 0 and baseline_gap <= 0,
        "baseline_generalization_gap_pp": 100 * baseline_gap,
        "cnn_generalization_gap_pp": 100 * cnn_gap,
        "most_helped_digit": int(most_helped),
        "most_helped_gain_pp": 100 * per_class_gain[most_helped],
        # Weight sharing, in numbers: a dense layer mapping the image to the
        # first conv layer's output would need one weight per (pixel, output unit) pair.
        "conv1_name": conv1["name"],
        "conv1_kernel": kernel,
        "conv1_params": conv1["params"],
        "conv1_positions": conv1_positions,
        "conv1_filters": conv1["output_shape"][2],
        "dense_equivalent_weights": input_pixels * conv1_positions * conv1["output_shape"][2],
        "cnn_receptive_field": receptive_field(trained.design.cnn),
        "little_training": settings.limit_train is not None or settings.epochs < FEW_EPOCHS,
        "input_pixels": input_pixels,
    }


def final_gap(model: dict) -> float:
    """Training accuracy minus validation accuracy at the last epoch (0 when nothing was held out)."""
    history = model["history"]
    if not history.get("val_accuracy"):
        return 0.0
    return history["accuracy"][-1] - history["val_accuracy"][-1]
