"""The controlled experiment's figure: test accuracy and parameter count for each value of the variable."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from report.figures.style import COLOURS, WIDTH
from report.figures.svg import Image, to_image
from report.i18n import NumberFormat, Translate
from report.labels import value_label, variable_name


def plot_experiment(experiment: Mapping, _: Translate, numbers: NumberFormat) -> Image:
    """Test accuracy (with the seeds' spread) and parameter count (bars) for each value of the experiment.

    The accuracies are joined by a line only where the values are numbers in
    order (kernel sizes, widths, rates): between max and average pooling
    there is nothing for a line to pass through.
    """
    variants = experiment["variants"]
    positions = np.arange(len(variants))
    figure, accuracy_axis = plt.subplots(figsize=(WIDTH, 2.4))
    spreads = [100 * (variant["test_accuracy_std"] or 0.0) for variant in variants]
    accuracy_axis.errorbar(
        positions,
        [100 * variant["test_accuracy"] for variant in variants],
        yerr=spreads,
        marker="o",
        linestyle="-" if experiment["ordered"] else "none",
        capsize=3,
        color=COLOURS["cnn"],
        label=_("test accuracy"),
    )
    accuracy_axis.set_xlabel(variable_name(experiment["vary"], _))
    accuracy_axis.set_ylabel(_("test accuracy (%)"), color=COLOURS["cnn"])
    # One position per value, evenly spaced and labelled as the tables label them (5×5, ×0.5, average, ...).
    accuracy_axis.set_xticks(
        positions, [value_label(experiment["vary"], variant["value"], _, numbers) for variant in variants]
    )
    accuracy_axis.set_xlim(-0.6, len(variants) - 0.4)
    params_axis = accuracy_axis.twinx()
    params_axis.bar(
        positions,
        [variant["params"] / 1000 for variant in variants],
        width=0.5,
        alpha=0.25,
        color=COLOURS["baseline"],
        label=_("parameters"),
    )
    params_axis.set_ylabel(_("parameters (thousands)"), color=COLOURS["baseline"])
    # Bars start at zero; the headroom keeps the accuracy line's error bars clear of the tallest bar's top.
    params_axis.set_ylim(0, max(variant["params"] for variant in variants) / 1000 * 1.25)
    params_axis.grid(False)
    params_axis.spines["right"].set_visible(True)
    # Draw the accuracy line above the bars.
    accuracy_axis.set_zorder(params_axis.get_zorder() + 1)
    accuracy_axis.patch.set_visible(False)
    return to_image(figure, numbers)
