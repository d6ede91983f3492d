"""Data loading, exploratory analysis, the networks and their experiment, and training, for cnn-report."""

import os

# TensorFlow's C++ start-up chatter (CPU feature notices, oneDNN banners) is
# noise in a report tool's progress output; real errors still get through.
# ``cnn-report --debug`` lowers it again (see :func:`show_tensorflow_logs`).
TF_LOG_LEVEL_ENV_VAR = "TF_CPP_MIN_LOG_LEVEL"
_USER_TF_LOG_LEVEL = os.environ.get(TF_LOG_LEVEL_ENV_VAR)
os.environ.setdefault(TF_LOG_LEVEL_ENV_VAR, "2")
# TensorFlow switches its oneDNN kernels on by default only on CPUs with
# AVX-512 VNNI, BF16 or AMX; elsewhere (our CI's AVX2 CPU, for one) it falls
# back to its generic kernels. oneDNN trains the course's CNNs 1.2-1.4x
# faster there, and stays deterministic under op determinism
# (bench/RESULTS.md). TensorFlow reads the setting once, when it is imported,
# so it has to be made here, before any module of this package imports it;
# a user's own TF_ENABLE_ONEDNN_OPTS=0 still wins.
ONEDNN_ENV_VAR = "TF_ENABLE_ONEDNN_OPTS"
os.environ.setdefault(ONEDNN_ENV_VAR, "1")
# Every fit runs its operations on one thread. oneDNN splits a convolution's
# gradient over the threads it is given and sums the parts in another order
# with another count, so the thread count changes the last bits of every
# number (measured: cnn_k3's loss after one epoch differs at 1 and 2 threads,
# with op determinism on). One fixed count makes a build's numbers the same on
# a laptop, in CI and on a 16-vCPU instance, whatever --jobs is; one thread is
# also the fastest way to use several cores, one fit per core
# (bench/RESULTS.md). TensorFlow reads the variable when its runtime starts, in
# this process and in every worker process, which inherits it; a user's own
# value wins and goes into the cache key (analysis.environment).
INTRA_OP_THREADS_ENV_VAR = "TF_NUM_INTRAOP_THREADS"
TRAINING_THREADS = 1
os.environ.setdefault(INTRA_OP_THREADS_ENV_VAR, str(TRAINING_THREADS))


_tensorflow_logs_shown = False


def show_tensorflow_logs() -> None:
    """Let TensorFlow's own log lines through (``--debug``), unless the user chose a level; call it before TensorFlow starts.

    Worker processes inherit the level through the environment.
    """
    global _tensorflow_logs_shown
    _tensorflow_logs_shown = True
    if _USER_TF_LOG_LEVEL is None:
        os.environ[TF_LOG_LEVEL_ENV_VAR] = "0"


def tensorflow_logs_shown() -> bool:
    """Whether :func:`show_tensorflow_logs` was called in this process."""
    return _tensorflow_logs_shown
