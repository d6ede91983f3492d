"""What a build shows: a live display on a terminal, plain lines elsewhere, nothing with --quiet, no TensorFlow noise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.fits import Fit, FitResult, ModelSpec, TrainingSettings
from report.progress import PlainProgress, TimeLeft, format_duration

from course import BASELINE, cnn

PROJECT = Path(__file__).resolve().parents[3]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def result(accuracy: float, seconds: float, cached: bool = False) -> FitResult:
    import numpy as np

    return FitResult(
        name="x",
        params=1,
        test_accuracy=accuracy,
        test_loss=0.1,
        epochs=2,
        train_seconds=seconds,
        history={},
        layers=[],
        test_predictions=np.zeros(1),
        test_confidence=np.zeros(1),
        cached=cached,
    )


SETTINGS = TrainingSettings(epochs=2)
A, B = Fit(BASELINE, SETTINGS), Fit(cnn(3), SETTINGS)
C = Fit(BASELINE, TrainingSettings(epochs=2, limit_train=100), purpose="100 training images")


def test_time_left_comes_from_the_epochs_timed_so_far():
    estimate = TimeLeft()
    estimate.plan([A, B, C], jobs=2, n_train=1000)  # A and B fit on 900 images, C on 90
    estimate.start(A, 0.0)
    estimate.start(B, 0.0)
    assert estimate.seconds(5.0) is None  # nothing timed yet
    estimate.epoch(A, 1, 10.0, 10.0)  # the baseline: 10 s per epoch of 900 images
    # A: one epoch left, 10 s. B: no CNN timed yet, so the baseline's rate: 2 x 10 s, 10 s of it gone.
    # C waits for the first worker free: 2 epochs of 90 images, 2 s, after A's 10 s.
    assert estimate.seconds(10.0) == pytest.approx(12.0)
    estimate.epoch(B, 1, 30.0, 30.0)  # the CNN is three times slower
    estimate.epoch(A, 2, 10.0, 20.0)
    estimate.finish(A, 21.0)  # 1 s of evaluation after its last epoch
    estimate.start(C, 21.0)
    # B: one 30 s epoch left from t=30, plus the 1 s of evaluation seen for the baseline. C: 2 x 1 s + 1 s, from t=21.
    assert estimate.seconds(30.0) == pytest.approx(31.0)
    assert estimate.seconds(200.0) == 0.0  # overdue is not negative


def test_a_model_not_yet_timed_is_estimated_from_its_own_architecture():
    """A CNN variant takes a timed CNN's rate, whatever its name (a student's main CNN is plain "cnn")."""
    student_cnn = Fit(ModelSpec("cnn", cnn(3).network), SETTINGS)
    for untimed in (Fit(cnn(5), SETTINGS), student_cnn):
        estimate = TimeLeft()
        estimate.plan([A, B, untimed], jobs=1, n_train=1000)
        estimate.epoch(A, 2, 10.0, 0.0)  # the baseline: 10 s per epoch
        estimate.epoch(B, 2, 40.0, 0.0)  # the CNN: 40 s per epoch
        estimate.finish(A, 0.0)
        estimate.finish(B, 0.0)
        # Two epochs at the CNN's 40 s, not the baseline's 10 s nor the mean of both.
        assert estimate.seconds(0.0) == pytest.approx(80.0)


def test_plain_lines_name_each_fit_its_epochs_and_the_time_left():
    lines, clock = [], Clock()
    progress = PlainProgress(lines.append, clock=clock)
    progress.planned([A, B, C], cached=1, jobs=2, n_train=1000)
    progress.finished(C, result(0.5, 3.0, cached=True))
    progress.started(A)
    clock.now = 10.0
    progress.epoch_finished(A, 1, 10.0, {"loss": 0.5, "accuracy": 0.9, "val_accuracy": 0.91})
    clock.now = 20.0
    progress.finished(A, result(0.9012, 20.4))
    progress.warning("something to know")
    assert lines == [
        "    3 fits: 1 from the cache, 2 to train, 2 at a time",
        "[3/3] baseline seed 42, 100 training images: cached (50.00% test accuracy)",
        "[1/3] baseline seed 42: training 2 epoch(s) on 1,000 images",
        "[1/3] baseline seed 42 epoch 1/2, loss 0.5000, accuracy 90.00%, val_accuracy 91.00%, 10.0 s; about 20 s left",
        "[1/3] baseline seed 42: 90.12% test accuracy, 20 s",
        "warning: something to know",
    ]


def test_durations_read_as_people_say_them():
    assert [format_duration(seconds) for seconds in (0.4, 42, 185, 3725)] == ["0 s", "42 s", "3 min 05 s", "1 h 02 min"]


# The real command line ------------------------------------------------------------------------------


def test_tensorflow_start_up_lines_are_hidden_unless_debug():
    script = (
        "import sys, analysis\n"
        "if sys.argv[1] == 'debug': analysis.show_tensorflow_logs()\n"
        "from analysis.runner import import_training\n"
        "import_training()\n"
    )
    quiet, debug = (
        subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, cwd=PROJECT, timeout=300)
        for mode in ("plain", "debug")
    )
    assert quiet.returncode == debug.returncode == 0
    assert quiet.stderr == ""
    assert "oneDNN custom operations are on" in debug.stderr
