"""Data loading, exploratory analysis, models and experiments for cnn-report."""

import os

# TensorFlow's C++ start-up chatter (CPU feature notices, oneDNN banners) is
# noise in a report tool's progress output; real errors still get through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow switches its oneDNN kernels on by default only on CPUs with
# AVX-512 VNNI, BF16 or AMX; elsewhere (our CI's AVX2 CPU, for one) it falls
# back to its generic kernels. oneDNN trains the course's CNNs 1.2-1.4x
# faster there, and stays deterministic under op determinism
# (bench/RESULTS.md). TensorFlow reads the setting once, when it is imported,
# so it has to be made here, before any module of this package imports it;
# a user's own TF_ENABLE_ONEDNN_OPTS=0 still wins.
ONEDNN_ENV_VAR = "TF_ENABLE_ONEDNN_OPTS"
os.environ.setdefault(ONEDNN_ENV_VAR, "1")
