"""Data loading, exploratory analysis, models and experiments for cnn-report."""

import os

# TensorFlow's C++ start-up chatter (CPU feature notices, oneDNN banners) is
# noise in a report tool's progress output; real errors still get through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
