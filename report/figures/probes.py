"""The probes' figures: accuracy on shifted digits, on permuted pixels, by training-set size, against parameters."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from report.figures.style import MIN_FONT_SIZE, WIDTH, ModelLooks, legend_above
from report.figures.svg import Image, to_image
from report.i18n import NumberFormat, Translate


def plot_translation(translation: Mapping, looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(WIDTH, 2.6))
    distances = np.array(translation["distances"])
    for name in looks.probed:
        curve = translation["models"][name]
        mean = 100 * np.array(curve["mean"])
        axis.plot(
            distances, mean, marker=looks.marker(name), markersize=3.5, color=looks.colour(name), label=looks.name(name)
        )
        if curve["std"] is not None:
            spread = 100 * np.array(curve["std"])
            axis.fill_between(distances, mean - spread, mean + spread, color=looks.colour(name), alpha=0.2, linewidth=0)
    axis.set_xlabel(_("shift (pixels, averaged over left, right, up and down)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.set_xticks(distances)
    axis.set_ylim(0, 100)
    legend_above(axis)
    return to_image(figure, numbers)


def plot_permutation(permutation: Mapping, looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(WIDTH * 0.62, 2.6))
    names = list(looks.probed)
    positions = np.arange(len(names))
    width = 0.38
    for offset, key, hatch in ((-width / 2, "original", None), (width / 2, "permuted", "///")):
        values = [100 * permutation["models"][name][key] for name in names]
        errors = [100 * (permutation["models"][name][f"{key}_std"] or 0.0) for name in names]
        bars = axis.bar(
            positions + offset,
            values,
            width,
            yerr=errors,
            capsize=3,
            hatch=hatch,
            color=[looks.colour(name) for name in names],
            edgecolor="white",
            alpha=0.9 if key == "original" else 0.6,
        )
        # The values themselves: on an axis from zero a drop of a few points is short, and it should still be read.
        axis.bar_label(bars, [numbers.percent(value / 100, 1) for value in values], padding=2, fontsize=MIN_FONT_SIZE)
    # Bars are lengths: the axis starts at zero, so their heights compare honestly.
    axis.set_ylim(0, 112)
    axis.set_yticks(range(0, 101, 20))
    axis.set_xticks(positions, [looks.name(name) for name in names])
    axis.set_ylabel(_("test accuracy (%)"))
    axis.grid(axis="x", visible=False)
    # The legend explains the hatching, in grey: the colours already name the models.
    handles = [
        matplotlib.patches.Patch(facecolor="#999999", edgecolor="white", label=_("original pixels")),
        matplotlib.patches.Patch(facecolor="#bbbbbb", edgecolor="white", hatch="///", label=_("permuted pixels")),
    ]
    legend_above(axis, handles=handles)
    return to_image(figure, numbers)


def plot_data_efficiency(efficiency: Mapping, looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(WIDTH, 2.6))
    sizes = np.array(efficiency["sizes"])
    for name in looks.probed:
        points = efficiency["models"][name]
        mean = np.array([100 * point["test_accuracy"] for point in points])
        spread = np.array([100 * (point["test_accuracy_std"] or 0.0) for point in points])
        axis.errorbar(
            sizes,
            mean,
            yerr=spread,
            marker=looks.marker(name),
            markersize=3.5,
            capsize=3,
            color=looks.colour(name),
            label=looks.name(name),
        )
    axis.set_xscale("log")
    axis.set_xticks(sizes, [numbers.integer(size) for size in sizes])
    axis.minorticks_off()
    axis.set_xlabel(_("training images (log scale)"))
    axis.set_ylabel(_("test accuracy (%)"))
    legend_above(axis)
    return to_image(figure, numbers)


def plot_parameter_efficiency(points: list[dict], looks: ModelLooks, _: Translate, numbers: NumberFormat) -> Image:
    figure, axis = plt.subplots(figsize=(WIDTH * 0.62, 2.8))
    # Models of similar size and accuracy sit close together: a legend above names them where labels beside the
    # points would cross each other's error bars, and a marker shape per model does not rely on colour alone.
    markers = "osD^vP"
    for position, point in enumerate(points):
        name = point["name"]
        axis.errorbar(
            point["params"] / 1000,
            100 * point["test_accuracy"],
            yerr=100 * (point["test_accuracy_std"] or 0.0),
            marker=markers[position % len(markers)],
            capsize=3,
            color=looks.colour(name),
            label=looks.name(name),
        )
    axis.set_xlabel(_("parameters (thousands)"))
    axis.set_ylabel(_("test accuracy (%)"))
    axis.xaxis.set_major_locator(ticker.MaxNLocator(4))
    axis.margins(x=0.15, y=0.1)
    legend_above(axis)
    return to_image(figure, numbers)
