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

import pytest

import analysis.workers as workers
from analysis.cache import ResultCache
from analysis.data import load_dataset
from analysis.environment import GIB, instruction_set, training_environment
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

AVX2_EPYC = (
    "flags\t\t: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand avx2 bmi2 sha_ni\n"
)
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
    key = fit_key(cnn(3), TrainingSettings(), "abc")
    monkeypatch.setattr(
        "analysis.environment.instruction_set", lambda cpuinfo=None: {"name": "avx2", "description": "AVX2"}
    )
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key
    monkeypatch.undo()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    assert training_environment()["threads"] == "2"
    assert fit_key(cnn(3), TrainingSettings(), "abc") != key


def test_tensorflow_runs_each_fit_on_one_thread_with_the_kernels_of_the_detected_instruction_set():
    """Checked against oneDNN's own report (ONEDNN_VERBOSE), in a fresh process that trains as the build does."""
    script = (
        "import analysis.training, tensorflow as tf\n"
        "print(tf.nn.conv2d(tf.ones((1, 8, 8, 1)), tf.ones((3, 3, 1, 4)), 1, 'VALID').shape)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "TF_NUM_INTRAOP_THREADS"}
    finished = subprocess.run(
        [sys.executable, "-c", script],
        env={**environment, "ONEDNN_VERBOSE": "1"},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    info = [
        line
        for line in (finished.stdout + finished.stderr).splitlines()
        if line.startswith("onednn_verbose") and ",info,cpu," in line
    ]
    assert any(line.endswith("nthr:1") for line in info), info
    [isa] = [line.split("isa:", 1)[1] for line in info if "isa:" in line]
    tier = instruction_set()["name"]
    # oneDNN words it its own way; the family must agree.
    if tier.startswith("avx512"):
        assert "AVX-512" in isa and (("AMX" in isa) == ("amx" in tier))
    elif tier.startswith("avx2"):
        assert "AVX2" in isa and "AVX-512" not in isa
