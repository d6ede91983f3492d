"""Fits in worker processes: the same numbers as in one process, what the machine allows, and failures that say what failed.

Signals and killed workers are tested on the real command line in
tests/system/test_reliability.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import analysis.workers as workers
from analysis.cache import ResultCache
from analysis.data import load_dataset
from analysis.fits import Fit, FitEvents, TrainingSettings
from analysis.probes import PERMUTED_DATA
from analysis.runner import fit_key
from analysis.workers import run_fits

from course import BASELINE, cnn


class Recorder(FitEvents):
    """Every event, in the order the parent process heard it."""

    def __init__(self):
        self.events = []

    def planned(self, fits, cached, jobs, n_train):
        self.events.append(("planned", len(fits), cached, jobs))

    def started(self, fit):
        self.events.append(("started", fit.label))

    def epoch_finished(self, fit, epoch, seconds, logs):
        self.events.append(("epoch", fit.label, epoch))

    def finished(self, fit, result):
        self.events.append(("finished", fit.label, result.cached))


def tiny_plan() -> list[Fit]:
    settings = TrainingSettings(epochs=2, batch_size=16, seed=42)
    return [
        Fit(BASELINE, settings),
        Fit(cnn(3), settings, keep_model=True),
        Fit(cnn(3), settings, data=PERMUTED_DATA, purpose="permuted pixels"),
        Fit(BASELINE, replace(settings, seed=43, limit_train=100), purpose="100 training images"),
    ]


def test_jobs_1_and_2_give_the_same_numbers_and_cache_the_same_entries(tmp_path, tiny_npz, monkeypatch):
    # Each worker replaced by a fresh process after every fit, so that replacing one is tested too.
    monkeypatch.setattr(workers, "FITS_PER_WORKER", 1)
    dataset = load_dataset(tiny_npz)
    outcomes = {}
    for jobs in (1, 2):
        cache = ResultCache(tmp_path / f"cache-{jobs}")
        cache.prepare()
        recorder = Recorder()
        outcomes[jobs] = (run_fits(tiny_plan(), dataset, cache, jobs=jobs, events=recorder), cache, recorder)
    (one, cache_one, _), (two, cache_two, heard_two) = outcomes[1], outcomes[2]
    assert list(one) == list(two) == tiny_plan()
    for fit in tiny_plan():
        assert two[fit].history == one[fit].history, fit.label
        assert two[fit].test_loss == one[fit].test_loss, fit.label
        np.testing.assert_array_equal(two[fit].test_confidence, one[fit].test_confidence)
        assert two[fit].probes == one[fit].probes, fit.label
    assert sorted(path.name for path in cache_one.directory.iterdir()) == sorted(
        path.name for path in cache_two.directory.iterdir()
    )
    # Results from the cache, keyed the same way, whoever trained them; the kept model is there too.
    key = fit_key(cnn(3), tiny_plan()[1].settings, dataset.sha256)
    assert cache_two.model_path(key).is_file()
    # Every fit was reported: planned, then started, two epochs and finished, in that order for each.
    assert heard_two.events[0] == ("planned", 4, 0, 2)
    for fit in tiny_plan():
        mine = [event for event in heard_two.events[1:] if event[1] == fit.label]
        assert mine == [
            ("started", fit.label),
            ("epoch", fit.label, 1),
            ("epoch", fit.label, 2),
            ("finished", fit.label, False),
        ]

    again = Recorder()
    cached = run_fits(tiny_plan(), dataset, cache_two, jobs=2, events=again)
    assert again.events[0] == ("planned", 4, 4, 1) and all(result.cached for result in cached.values())
    assert [result.test_loss for result in cached.values()] == [result.test_loss for result in two.values()]
