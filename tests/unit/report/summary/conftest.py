"""The summary tests' fixture: report.json of tests/synthetic.py's default scenario, worked out by hand in each test."""

from __future__ import annotations

import pytest

import synthetic
from synthetic import Scenario


@pytest.fixture
def summary() -> dict:
    # Built afresh for each test (it takes milliseconds): mutation testing (mutation/run.py) runs only the tests that
    # call a mutated function, and a module-wide fixture would hide that every test here calls summarize().
    return synthetic.build(Scenario()).summary("en")
