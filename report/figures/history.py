"""The report's history figure: the test accuracy of the baseline and the main CNN over the past builds."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from report.figures.style import COLOURS, MARKERS, WIDTH, legend_above
from report.figures.svg import Image, to_image
from report.i18n import NumberFormat, Translate


def plot_history(history: Sequence[dict], _: Translate, numbers: NumberFormat) -> Image:
    """Each model's mean test accuracy build by build, the seeds' spread as a band around it.

    The x axis counts builds (oldest first), not dates: scheduled or not, the
    builds are what the reader compares. The main CNN is the main CNN of each
    build, whatever its name then.
    """
    builds = np.arange(1, len(history) + 1)
    figure, axis = plt.subplots(figsize=(WIDTH, 2.2))
    for role, label in (("baseline", _("baseline")), ("cnn", _("main CNN"))):
        names = [entry["main"] if role == "cnn" else "baseline" for entry in history]
        means = np.array([100 * entry["models"][name]["test_accuracy"] for entry, name in zip(history, names)])
        spreads = np.array(
            [100 * (entry["models"][name].get("test_accuracy_std") or 0.0) for entry, name in zip(history, names)]
        )
        axis.plot(builds, means, marker=MARKERS[role], color=COLOURS[role], label=label)
        axis.fill_between(builds, means - spreads, means + spreads, color=COLOURS[role], alpha=0.2, linewidth=0)
    axis.set_xlabel(_("build (oldest first; this report is the last)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.set_xticks(builds)
    legend_above(axis)
    return to_image(figure, numbers)
