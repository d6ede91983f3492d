"""The figures as drawn: read back from the SVG files the report embeds, not from the plotting code."""

from __future__ import annotations

import base64
import re

import pytest

from analysis.eda import describe_dataset
from report.figures import make_figures
from report.figures.style import COLOURS

import synthetic
from synthetic import Scenario


def accuracy_polylines(src: str) -> list[int]:
    """How many points each stroke in the accuracy colour joins (an error bar joins 2, a line through n values n)."""
    svg = base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode()
    counts = []
    for path in re.findall(r"<path [^>]*>", svg):
        if f"stroke: {COLOURS['cnn']}" in path and 'd="' in path:
            counts.append(1 + len(re.findall(r"\bL\b", re.search(r'd="([^"]*)"', path)[1])))
    return counts


@pytest.mark.parametrize(
    "vary, values, joined",
    [
        ("kernel", {3: (12, 10, 8), 5: (15, 13, 11), 7: (18, 16, 14)}, True),
        ("width", {0.5: (20, 18, 16), 1: (12, 10, 8), 2: (9, 8, 7)}, True),
        ("pooling", {"max": (12, 10, 8), "avg": (14, 12, 10), "none": (16, 14, 12)}, False),
        ("activation", {"relu": (12, 10, 8), "tanh": (16, 14, 12), "elu": (13, 11, 9)}, False),
    ],
)
def test_the_experiment_figure_joins_the_accuracies_only_for_values_in_order(vary, values, joined):
    """A line from max to average pooling to none would claim a trend between kinds that have no order."""
    built = synthetic.build(Scenario(vary=vary, kernels=values))
    figures = make_figures(built.dataset, describe_dataset(built.dataset), built.trained, built.summary())
    strokes = accuracy_polylines(figures.experiment.src)
    assert strokes.count(2) == 3  # one error bar per variant, drawn either way
    assert (3 in strokes) is joined  # the line through the three accuracies
