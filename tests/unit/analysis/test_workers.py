"""Fits in worker processes: the same numbers as in one process, what the machine allows, and failures that say what failed.

Signals and killed workers are tested on the real command line in
tests/system/test_reliability.py.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

import analysis.workers as workers
from analysis.cache import ResultCache
from analysis.data import load_dataset
from analysis.environment import GIB
from analysis.errors import DataError
from analysis.fits import Fit, TrainingSettings
from analysis.runner import fit_key
from analysis.workers import default_jobs, run_fits

from course import BASELINE, cnn

PROJECT = Path(__file__).resolve().parents[3]


def test_a_fit_without_its_model_file_is_not_finished(tmp_path, tiny_npz):
    """The main CNN's cache entry counts only with its .keras: a build must deliver the model."""
    dataset = load_dataset(tiny_npz)
    cache = ResultCache(tmp_path)
    fit = Fit(BASELINE, TrainingSettings(epochs=1), keep_model=True)
    key = fit_key(fit.spec, fit.settings, dataset.sha256)
    result = run_fits([fit], dataset, cache)[fit]
    assert cache.model_path(key).is_file()
    cache.model_path(key).unlink()
    retrained = run_fits([fit], dataset, cache)[fit]
    assert not retrained.cached and retrained.test_loss == result.test_loss
    assert cache.model_path(key).is_file()


def test_a_failing_worker_is_reported_with_its_own_error(tmp_path, tiny_npz):
    # The workers read the data from its file; a file that no longer matches
    # what the build read is their error, and the build's.
    dataset = replace(load_dataset(tiny_npz), sha256="0" * 64)
    cache = ResultCache(tmp_path / "cache")
    cache.prepare()
    with pytest.raises(DataError, match="changed while the build was running"):
        run_fits(
            [Fit(BASELINE, TrainingSettings(epochs=1)), Fit(cnn(3), TrainingSettings(epochs=1))], dataset, cache, jobs=2
        )
    assert not list(cache.directory.iterdir())


def test_default_jobs_follow_the_cpus_and_the_memory(monkeypatch):
    monkeypatch.setattr(workers, "available_memory_bytes", lambda: 64 * GIB)
    assert default_jobs({"SM_NUM_CPUS": "4"}) == 4  # inside a SageMaker job: the instance's vCPUs
    assert default_jobs({"SM_NUM_CPUS": "16"}) == 16
    # 2 GiB for the build and 1.2 GiB per further worker: 4.5 GiB allows 3 in all.
    monkeypatch.setattr(workers, "available_memory_bytes", lambda: int(4.5 * GIB))
    assert default_jobs({"SM_NUM_CPUS": "16"}) == 3
    monkeypatch.setattr(workers, "available_memory_bytes", lambda: 1 * GIB)
    assert default_jobs({"SM_NUM_CPUS": "16"}) == 1
    monkeypatch.setattr(workers, "available_memory_bytes", lambda: None)
    assert default_jobs({"SM_NUM_CPUS": "8"}) == 8
    # Outside a job: the CPUs this process may use.
    assert 1 <= default_jobs({}) <= len(os.sched_getaffinity(0))


# What the numbers depend on ------------------------------------------------------------------------
