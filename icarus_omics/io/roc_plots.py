"""Discrimination figures of continuous scores for a binary outcome, one colour per score.

- ``roc_figure``: ROC curves (sensitivity against 1 - specificity, as most journals draw
  them) with bootstrap bands of the sensitivity, the AUC and its interval in the legend,
  and the chance diagonal.
- ``pr_figure``: precision-recall curves as steps (scikit-learn's display), the average
  precision in the legend, and the prevalence: the precision of a score with no skill.

The curves come from ``evaluation/binary.py``; these functions only draw them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from icarus_omics.evaluation.binary import PrPoints, RocBand, RocPoints
from icarus_omics.evaluation.metrics import Metric
from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.io.survival_plots import GROUP_COLOURS

CHANCE_COLOUR = "#9e9e9e"
TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _estimate_text(name: str, label: str, metric: Metric) -> str:
    """The legend entry, e.g. ``name: AUC 0.72 (0.61-0.83)`` (no limits when NaN)."""
    text = f"{name}: {label} {metric.estimate:.2f}"
    if math.isfinite(metric.ci_low) and math.isfinite(metric.ci_high):
        text += f" ({metric.ci_low:.2f}-{metric.ci_high:.2f})"
    return text


def _unit_axes(title: str) -> tuple[plt.Figure, plt.Axes]:
    """A square figure whose axis spans [0, 1] both ways, with light grid and no top/right."""
    figure, axis = plt.subplots(figsize=(5.6, 5.6), layout="constrained")
    axis.set_title(title)
    axis.set_xlim(-0.02, 1.02)
    axis.set_ylim(-0.02, 1.02)
    axis.set_xticks(TICKS, [f"{t:g}" for t in TICKS])
    axis.set_yticks(TICKS, [f"{t:g}" for t in TICKS])
    axis.set_aspect("equal")
    axis.grid(alpha=0.3)
    axis.spines[["top", "right"]].set_visible(False)
    return figure, axis


def _no_data(axis: plt.Axes) -> None:
    axis.text(0.5, 0.5, "no data", ha="center", va="center", transform=axis.transAxes)


def roc_figure(
    curves: Mapping[str, tuple[RocPoints, RocBand | None, Metric]],
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
) -> None:
    """ROC curves of one or more scores, in the order given.

    ``curves``: score name -> (its :class:`RocPoints`, its :class:`RocBand` or None, its AUC
    :class:`Metric`). Each curve joins the points of its thresholds (ties give diagonal
    steps, as pROC draws them); its band is the bootstrap interval of the sensitivity at
    each specificity, translucent in the curve's colour. The legend gives each AUC with its
    interval. With no curves the figure says "no data".
    """
    figure, axis = _unit_axes(title)
    axis.plot([0, 1], [0, 1], color=CHANCE_COLOUR, linestyle="--", linewidth=1, zorder=1,
              label="Chance")  # fmt: skip
    if not curves:
        _no_data(axis)
    for index, (name, (points, band, auc)) in enumerate(curves.items()):
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        if band is not None:
            axis.fill_between(1 - band.specificity[::-1], band.low[::-1], band.high[::-1],
                              color=colour, alpha=0.15, linewidth=0, zorder=2)  # fmt: skip
        axis.plot(1 - points.specificity, points.sensitivity, color=colour, linewidth=1.6,
                  zorder=3, label=_estimate_text(name, "AUC", auc))  # fmt: skip
    axis.set_xlabel("1 - specificity")
    axis.set_ylabel("Sensitivity")
    axis.legend(loc="lower right", fontsize=8, frameon=False)
    save_figure(figure, path, figure_format)


def pr_figure(
    curves: Mapping[str, tuple[PrPoints, Metric] | tuple[PrPoints, Metric, RocBand | None]],
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
) -> None:
    """Precision-recall curves of one or more scores, in the order given.

    ``curves``: score name -> (its :class:`PrPoints`, its average precision as a
    :class:`Metric`, limits optional, and optionally a band from ``binary.pr_band``, drawn
    translucent). The curves are steps, as scikit-learn draws them; the prevalence (the
    precision of a score with no skill) is a dashed line, one per distinct prevalence (the
    scores may cover different patients). With no curves the figure says "no data".
    """
    figure, axis = _unit_axes(title)
    if not curves:
        _no_data(axis)
    for index, (name, (points, average, *band)) in enumerate(curves.items()):
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        if band and band[0] is not None:  # bootstrap band of the interpolated precision
            axis.fill_between(band[0].specificity, band[0].low, band[0].high, color=colour,
                              alpha=0.15, linewidth=0, step=None, zorder=2)  # fmt: skip
        axis.plot(points.recall, points.precision, drawstyle="steps-post", color=colour,
                  linewidth=1.6, zorder=3, label=_estimate_text(name, "AP", average))  # fmt: skip
    prevalences = dict.fromkeys(round(curve[0].prevalence, 12) for curve in curves.values())
    for prevalence in prevalences:
        axis.axhline(prevalence, color=CHANCE_COLOUR, linestyle="--", linewidth=1, zorder=1,
                     label=f"Prevalence {prevalence:.2f}")  # fmt: skip
    axis.set_xlabel("Recall (sensitivity)")
    axis.set_ylabel("Precision (PPV)")
    if curves:
        axis.legend(loc="lower left", fontsize=8, frameon=False)
    save_figure(figure, path, figure_format)
