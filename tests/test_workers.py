"""Fits in worker processes: the same numbers as in one process, what the machine allows, and failures that say what failed.

Signals and killed workers are tested on the real command line in
tests/test_reliability.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import analysis.workers as workers
from analysis.cache import ResultCache
from analysis.data import load_dataset
from analysis.environment import GIB, instruction_set, training_environment
from analysis.errors import DataError
from analysis.experiments import BASELINE, cnn, experiment_key
from analysis.fits import Fit, FitEvents, TrainingSettings
from analysis.probes import PERMUTED_DATA
from analysis.workers import default_jobs, run_fits

PROJECT = Path(__file__).resolve().parents[1]


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


@pytest.mark.slow
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
    assert sorted(path.name for path in cache_one.directory.iterdir()) == sorted(path.name for path in cache_two.directory.iterdir())
    # Results from the cache, keyed the same way, whoever trained them; the kept model is there too.
    key = experiment_key(cnn(3), tiny_plan()[1].settings, dataset.sha256)
    assert cache_two.model_path(key).is_file()
    # Every fit was reported: planned, then started, two epochs and finished, in that order for each.
    assert heard_two.events[0] == ("planned", 4, 0, 2)
    for fit in tiny_plan():
        mine = [event for event in heard_two.events[1:] if event[1] == fit.label]
        assert mine == [("started", fit.label), ("epoch", fit.label, 1), ("epoch", fit.label, 2), ("finished", fit.label, False)]

    again = Recorder()
    cached = run_fits(tiny_plan(), dataset, cache_two, jobs=2, events=again)
    assert again.events[0] == ("planned", 4, 4, 1) and all(result.cached for result in cached.values())
    assert [result.test_loss for result in cached.values()] == [result.test_loss for result in two.values()]


def test_a_fit_without_its_model_file_is_not_finished(tmp_path, tiny_npz):
    """The main CNN's cache entry counts only with its .keras: a build must deliver the model."""
    dataset = load_dataset(tiny_npz)
    cache = ResultCache(tmp_path)
    fit = Fit(BASELINE, TrainingSettings(epochs=1), keep_model=True)
    key = experiment_key(fit.spec, fit.settings, dataset.sha256)
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
        run_fits(tiny_plan()[:2], dataset, cache, jobs=2)
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

AVX2_EPYC = "flags\t\t: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand avx2 bmi2 sha_ni\n"
SKYLAKE = AVX2_EPYC.rstrip("\n") + " avx512f avx512dq avx512cd avx512bw avx512vl\n"
ZEN4 = SKYLAKE.rstrip("\n") + " avx512_vnni avx512_bf16 avx512vbmi\n"
SAPPHIRE_RAPIDS = ZEN4.rstrip("\n") + " avx_vnni avx512_fp16 amx_bf16 amx_tile amx_int8\n"


@pytest.mark.parametrize(
    "cpuinfo, name",
    [(AVX2_EPYC, "avx2"), (SKYLAKE, "avx512_core"), (ZEN4, "avx512_core_bf16"), (SAPPHIRE_RAPIDS, "avx512_core_amx")],
)
def test_instruction_set_tiers_from_cpu_flags(cpuinfo, name):
    assert instruction_set(cpuinfo)["name"] == name


def test_the_instruction_set_and_the_thread_count_are_in_every_trained_results_key(monkeypatch):
    key = experiment_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setattr("analysis.environment.instruction_set", lambda cpuinfo=None: {"name": "avx2", "description": "AVX2"})
    assert experiment_key(cnn(3), TrainingSettings(), "abc") != key
    monkeypatch.undo()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    assert training_environment()["threads"] == "2"
    assert experiment_key(cnn(3), TrainingSettings(), "abc") != key


def test_tensorflow_runs_each_fit_on_one_thread_with_the_kernels_of_the_detected_instruction_set():
    """Checked against oneDNN's own report (ONEDNN_VERBOSE), in a fresh process that trains as the build does."""
    script = (
        "import analysis.training, tensorflow as tf\n"
        "print(tf.nn.conv2d(tf.ones((1, 8, 8, 1)), tf.ones((3, 3, 1, 4)), 1, 'VALID').shape)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "TF_NUM_INTRAOP_THREADS"}
    finished = subprocess.run([sys.executable, "-c", script], env={**environment, "ONEDNN_VERBOSE": "1"}, cwd=PROJECT,
                              capture_output=True, text=True, timeout=300, check=True)
    info = [line for line in (finished.stdout + finished.stderr).splitlines() if line.startswith("onednn_verbose") and ",info,cpu," in line]
    assert any(line.endswith("nthr:1") for line in info), info
    [isa] = [line.split("isa:", 1)[1] for line in info if "isa:" in line]
    tier = instruction_set()["name"]
    # oneDNN words it its own way; the family must agree.
    if tier.startswith("avx512"):
        assert "AVX-512" in isa and (("AMX" in isa) == ("amx" in tier))
    elif tier.startswith("avx2"):
        assert "AVX2" in isa and "AVX-512" not in isa
