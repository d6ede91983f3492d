"""The summary tests' fixture: report.json of tests/synthetic.py's default scenario.

The default scenario of tests/synthetic.py, seed by seed (mistakes on the 1,000 test images, test digits 0..9 in turn,
each mistake reading a digit as the next one):

    baseline  30, 28, 26 mistakes  -> 97.0, 97.2, 97.4%   loss 0.096, 0.095, 0.094   60 s
    cnn_k3    12, 10,  8           -> 98.8, 99.0, 99.2%   loss 0.032, 0.031, 0.030  180 s
    cnn_k5    15, 13, 11           -> 98.5, 98.7, 98.9%                              240 s
    cnn_k7    18, 16, 14           -> 98.2, 98.4, 98.6%                              300 s

so each model's mean is the middle seed's and its sample standard deviation 0.2 points. Every expectation is
computed by hand from this table in the tests that use it, not by the code's formulas.
"""

from __future__ import annotations

import pytest

import synthetic
from synthetic import Scenario


@pytest.fixture
def oblong_conv1(monkeypatch) -> None:
    """The kernel-size CNNs' layers as Keras builds them, but conv1's map 26 × 24: a builder's 3 × 5 kernel, 'valid'."""
    square = synthetic.cnn_layers

    def oblong(kernel_size):
        layers = square(kernel_size)
        layers[1] = {**layers[1], "output_shape": [26, 24, 32]}
        return layers

    monkeypatch.setattr(synthetic, "cnn_layers", oblong)


@pytest.fixture
def summary() -> dict:
    # Built afresh for each test (it takes milliseconds): mutation testing (mutation/run.py) runs only the tests that
    # call a mutated function, and a module-wide fixture would hide that every test here calls summarize().
    return synthetic.build(Scenario()).summary("en")
