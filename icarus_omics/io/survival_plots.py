"""Survival figures: Kaplan-Meier curves by group with numbers at risk, and the
selection frequency of the adaptive-lasso genes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.survival.km import kaplan_meier

GROUP_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def km_figure(
    time: np.ndarray,
    event: np.ndarray,
    groups: np.ndarray,
    path: Path,
    title: str,
    note: str = "",
    time_label: str = "Time",
    figure_format: FigureFormat = "png",
) -> None:
    """Kaplan-Meier curves, one per group (censorings marked), a note such as the
    log-rank p in the corner, and the numbers at risk below."""
    labels = list(dict.fromkeys(np.asarray(groups).tolist()))
    figure, (axis, table) = plt.subplots(
        2, 1, figsize=(7, 5.6), gridspec_kw={"height_ratios": [4, 1]}, sharex=True
    )
    end = float(np.max(time))
    ticks = np.linspace(0, end, 6)
    for index, label in enumerate(labels):
        members = np.asarray(groups) == label
        km = kaplan_meier(time[members], event[members])
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        steps_t = np.concatenate([[0.0], km.time])
        steps_s = np.concatenate([[1.0], km.survival])
        events = int(event[members].sum())
        axis.step(steps_t, steps_s, where="post", color=colour,
                  label=f"{label} (n={members.sum()}, events={events})")  # fmt: skip
        censored = km.n_censor > 0
        axis.plot(km.time[censored], km.survival[censored], "|", color=colour, markersize=8)
        at_risk = km.at_risk(ticks, time[members])
        for tick, count in zip(ticks, at_risk, strict=True):
            table.text(tick, len(labels) - 1 - index, str(count), ha="center", va="center",
                       color=colour, fontsize=8)  # fmt: skip
    axis.set_ylim(-0.02, 1.02)
    axis.set_ylabel("Survival probability")
    axis.set_title(title)
    axis.legend(loc="lower left", frameon=False, fontsize=8)
    if note:
        axis.text(0.98, 0.98, note, transform=axis.transAxes, ha="right", va="top", fontsize=9)
    axis.grid(alpha=0.3)
    table.set_ylim(-0.5, len(labels) - 0.5)
    table.set_yticks(range(len(labels)), list(reversed([str(x) for x in labels])), fontsize=8)
    table.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
    table.set_xlabel(time_label)
    table.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right"):
        table.spines[side].set_visible(False)
    figure.tight_layout()
    save_figure(figure, path, figure_format)


def selection_figure(frequencies: pd.DataFrame, threshold: float, path: Path, title: str,
                     top: int = 30, figure_format: FigureFormat = "png") -> None:  # fmt: skip
    """Bars of the most often selected genes, the threshold as a dashed line."""
    shown = frequencies[frequencies["frequency"] > 0].head(top)
    figure, axis = plt.subplots(figsize=(6.5, max(2.5, 0.22 * len(shown) + 1.2)))
    if len(shown) == 0:
        axis.text(0.5, 0.5, "no gene selected in any repeat", ha="center", va="center")
        axis.set_axis_off()
    else:
        positions = np.arange(len(shown))[::-1]
        colours = ["#d62728" if f > threshold else "#7f7f7f" for f in shown["frequency"]]
        axis.barh(positions, shown["frequency"], color=colours)
        axis.set_yticks(positions, shown["gene"], fontsize=7, family="monospace")
        axis.axvline(threshold, color="black", linestyle="--", linewidth=1)
        axis.set_xlim(0, 1.0)
        axis.set_xlabel("Frequency of selection over repeats")
    axis.set_title(title)
    figure.tight_layout()
    save_figure(figure, path, figure_format)
