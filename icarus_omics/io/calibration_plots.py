"""Calibration and decision-curve figures of probability scores, one colour per score.

- ``calibration_figure``: observed against predicted probability, the ideal diagonal (grey,
  as rms::val.prob draws it), each score's quantile groups as points with Clopper-Pearson
  bars and its lowess curve; below, histograms of the predictions.
- ``decision_figure``: net benefit against the threshold probability, with treat-all and
  treat-none, as the dcurves package draws it.

The curves come from ``evaluation/probability.py``; these functions only draw them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from icarus_omics.evaluation.probability import CalibrationCurve
from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.io.survival_plots import GROUP_COLOURS

IDEAL_COLOUR = "#d9d9d9"  # rms::val.prob's gray(.85)
TREAT_ALL_COLOUR = "#7f7f7f"
HISTOGRAM_BINS = 50  # bars 0.02 wide over [0, 1]
LOWER_MARGIN = 0.15  # of the largest net benefit: how far below 0 the decision axis reaches


def calibration_figure(curves: Mapping[str, CalibrationCurve], path: Path, title: str,
                       figure_format: FigureFormat = "png") -> None:  # fmt: skip
    """Calibration curves of one or more scores, in the order given.

    ``curves``: score name -> :class:`CalibrationCurve` (from ``calibration``). Each score is
    drawn in its colour: the quantile groups as points (mean predicted, observed fraction)
    with their confidence bars, and the lowess line; the lower panel shows the distribution
    of its predictions as a step histogram. Both axes run over [0, 1]. With no curves the
    figure says "no data".
    """
    figure, (axis, spread) = plt.subplots(
        2, 1, figsize=(5.6, 6.4), sharex=True, layout="constrained",
        gridspec_kw={"height_ratios": [4.5, 1.0]},
    )  # fmt: skip
    axis.set_title(title)
    if not curves:
        _no_data(axis, spread)
        save_figure(figure, path, figure_format)
        return
    axis.plot([0, 1], [0, 1], color=IDEAL_COLOUR, linewidth=4, label="Ideal", zorder=1)
    edges = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    for index, (name, curve) in enumerate(curves.items()):
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        _draw_calibration(axis, curve, colour, name)
        spread.hist(curve.probability, bins=edges, histtype="step", color=colour, linewidth=1)
    level = next(iter(curves.values())).level
    axis.plot([], [], marker="o", linestyle="none", color="#444444",
              label=f"Quantile groups ({100 * level:g}% CI)")  # fmt: skip
    axis.set_xlim(-0.02, 1.02)
    axis.set_ylim(-0.02, 1.02)
    axis.set_ylabel("Observed fraction with the event")
    axis.legend(loc="upper left", fontsize=8, frameon=False)
    _tidy(axis)
    spread.set_xlabel("Predicted probability")
    spread.set_ylabel("Patients", fontsize=8)
    spread.tick_params(labelsize=8)
    spread.spines[["top", "right"]].set_visible(False)
    save_figure(figure, path, figure_format)


def _draw_calibration(axis: plt.Axes, curve: CalibrationCurve, colour: str, name: str) -> None:
    """One score: the lowess line (labelled with the score) and the binned points."""
    axis.plot(curve.smooth["predicted"], curve.smooth["observed"], color=colour,
              linewidth=1.5, label=name, zorder=3)  # fmt: skip
    bins = curve.bins
    below = (bins["observed"] - bins["ci_low"]).to_numpy(dtype=np.float64)
    above = (bins["ci_high"] - bins["observed"]).to_numpy(dtype=np.float64)
    axis.errorbar(bins["mean_predicted"], bins["observed"], yerr=np.vstack([below, above]),
                  fmt="o", color=colour, markersize=4, elinewidth=0.9, capsize=2,
                  zorder=4)  # fmt: skip


def decision_figure(curves: Mapping[str, pd.DataFrame], path: Path, title: str,
                    figure_format: FigureFormat = "png") -> None:  # fmt: skip
    """Decision curves of one or more scores, with treat-all and treat-none.

    ``curves``: score name -> table from ``decision_curve``. Treat-all is drawn once (grey)
    when every table has the same one (same patients), otherwise once per score in its
    colour, dashed. The y axis runs from a little below 0 to a little above the largest net
    benefit (at most the prevalence); lower parts of the curves, where treat-all falls
    steeply, are cut off, as dcurves does. With no curves the figure says "no data".
    """
    figure, axis = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    axis.set_title(title)
    if not curves:
        _no_data(axis)
        save_figure(figure, path, figure_format)
        return
    tables = list(curves.values())
    shared = all(len(t) == len(tables[0]) and np.allclose(t["treat_all"], tables[0]["treat_all"])
                 for t in tables)  # fmt: skip
    if shared:
        _draw_line(axis, tables[0], "treat_all", TREAT_ALL_COLOUR, "Treat all", "-")
    for index, (name, table) in enumerate(curves.items()):
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        _draw_line(axis, table, "net_benefit", colour, name, "-")
        if not shared:
            _draw_line(axis, table, "treat_all", colour, f"Treat all ({name})", "--")
    axis.axhline(0.0, color="black", linewidth=1.0, label="Treat none")
    axis.set_ylim(*_decision_limits(tables))
    thresholds = np.concatenate([t["threshold"].to_numpy(dtype=np.float64) for t in tables])
    axis.set_xlim(float(thresholds.min()), float(thresholds.max()))
    axis.set_xlabel("Threshold probability")
    axis.set_ylabel("Net benefit")
    axis.legend(loc="upper right", fontsize=8, frameon=False)
    _tidy(axis)
    save_figure(figure, path, figure_format)


def _draw_line(axis: plt.Axes, table: pd.DataFrame, column: str, colour: str, label: str,
               style: str) -> None:  # fmt: skip
    axis.plot(table["threshold"], table[column], color=colour, linestyle=style, linewidth=1.5,
              label=label)  # fmt: skip


def _decision_limits(tables: list[pd.DataFrame]) -> tuple[float, float]:
    """From -15% of the top to 5% above it; the top is the largest finite net benefit or
    treat-all value (treat-all at the lowest threshold is about the prevalence)."""
    values = np.concatenate([t[["net_benefit", "treat_all"]].to_numpy(dtype=np.float64).ravel()
                             for t in tables])  # fmt: skip
    values = values[np.isfinite(values)]
    top = float(values.max()) if len(values) and values.max() > 0 else 0.1
    return -LOWER_MARGIN * top, 1.05 * top


def _tidy(axis: plt.Axes) -> None:
    axis.grid(alpha=0.3)
    axis.spines[["top", "right"]].set_visible(False)


def _no_data(*axes: plt.Axes) -> None:
    axes[0].text(0.5, 0.5, "no data", ha="center", va="center", transform=axes[0].transAxes)
    for axis in axes:
        axis.set_axis_off()
