"""The spline hazard-ratio figure: how the hazard of progression changes along a score.

- ``spline_figure``: the hazard ratio against the reference score (log axis) from
  :func:`icarus_omics.evaluation.time_to_event.spline_hazard`, with its pointwise confidence
  band, the HR = 1 line, the reference marked, a rug of the patients' scores and the
  likelihood-ratio p-values of association and non-linearity.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from icarus_omics.evaluation.time_to_event import SplineCurve
from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.io.survival_plots import GROUP_COLOURS, p_text, ratio_axis

# The band can open wide where few patients are (beyond the outer knots); beyond these
# ratios it is cut at the edge of the axis so the curve stays readable.
HR_LIMITS = (1e-2, 1e2)
REFERENCE_COLOUR = "#555555"
RUG_COLOUR = "#444444"


def spline_figure(
    curve: SplineCurve,
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
    *,
    x_label: str = "Score",
) -> None:
    """Draw the hazard ratio along the score with its confidence band (log axis).

    ``curve``: a ``SplineCurve``. The HR = 1 line is solid, the reference score a dotted
    line with a point at HR 1, the knots triangles on the top edge, each patient's score a
    tick of the rug along the bottom; the likelihood-ratio p-values of any association and of
    non-linearity head the legend, placed where it hides least. Limits beyond 1/100 and 100
    are cut at the edge of the axis.
    """
    colour = GROUP_COLOURS[0]
    low_limit, high_limit = _hr_limits(curve)
    low = np.clip(curve.ci_low, low_limit, high_limit)
    high = np.clip(curve.ci_high, low_limit, high_limit)
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    axis.fill_between(curve.score, low, high, color=colour, alpha=0.15, linewidth=0,
                      label=f"{100 * curve.level:g}% pointwise CI")  # fmt: skip
    axis.plot(curve.score, np.clip(curve.hazard_ratio, low_limit, high_limit), color=colour,
              linewidth=1.8, label="hazard ratio")  # fmt: skip
    axis.axhline(1.0, color="black", linewidth=0.8)
    _mark_reference(axis, curve)
    _draw_rugs(axis, curve)
    _decorate(axis, curve, (low_limit, high_limit), (title, x_label))
    figure.tight_layout()
    save_figure(figure, path, figure_format)


def _decorate(axis: plt.Axes, curve: SplineCurve, limits: tuple[float, float],
              texts: tuple[str, str]) -> None:  # fmt: skip
    """The log axis and its ticks, labels (``texts``: title, x label), the legend headed by
    the p-values, and the grid."""
    title, x_label = texts
    ratio_axis(axis, "y", limits)
    axis.set_xlabel(x_label)
    axis.set_ylabel(f"Hazard ratio vs {curve.reference:.3g} (log scale)")
    axis.set_title(title)
    note = (f"p association {p_text(curve.p_overall)}\n"
            f"p non-linearity {p_text(curve.p_nonlinear)}")  # fmt: skip
    axis.legend(loc="best", fontsize=8, title=note, title_fontsize=8, frameon=True,
                framealpha=0.85, edgecolor="none")  # fmt: skip
    axis.grid(alpha=0.3)
    axis.spines[["top", "right"]].set_visible(False)


def _hr_limits(curve: SplineCurve) -> tuple[float, float]:
    """The log-axis range: the band and 1 with a margin, within ``HR_LIMITS``."""
    values = np.concatenate([curve.ci_low, curve.ci_high, [1.0]])
    values = values[np.isfinite(values) & (values > 0)]
    low = max(float(values.min()) / 1.3, HR_LIMITS[0])
    high = min(float(values.max()) * 1.3, HR_LIMITS[1])
    return low, high


def _mark_reference(axis: plt.Axes, curve: SplineCurve) -> None:
    """A dotted line at the reference score and a point where its HR is 1."""
    axis.axvline(curve.reference, color=REFERENCE_COLOUR, linestyle=":", linewidth=1)
    axis.plot([curve.reference], [1.0], marker="o", color=REFERENCE_COLOUR, markersize=5,
              linestyle="none", label=f"reference {curve.reference:.3g}", zorder=4)  # fmt: skip


def _draw_rugs(axis: plt.Axes, curve: SplineCurve) -> None:
    """Patients' scores as ticks along the bottom, knots as triangles along the top."""
    along_x = axis.get_xaxis_transform()  # x in data, y in axis fractions
    scores = np.sort(np.asarray(curve.observed, dtype=np.float64))
    axis.plot(scores, np.full(len(scores), 0.015), transform=along_x, linestyle="none",
              marker="|", markersize=8, color=RUG_COLOUR, alpha=0.5)  # fmt: skip
    axis.plot(curve.knots, np.full(len(curve.knots), 1.0), transform=along_x,
              linestyle="none", marker="v", markersize=5, color=REFERENCE_COLOUR,
              clip_on=False, label="knots")  # on the top edge, clear of the legend  # fmt: skip
