"""What the numbers depend on besides the data: the CPU's instruction set as oneDNN names it, and one thread per fit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.environment import instruction_set

PROJECT = Path(__file__).resolve().parents[3]

# /proc/cpuinfo's flags line of four kinds of CPU, each with what the one before has and more.
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
