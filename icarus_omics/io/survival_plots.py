"""Survival and response figures, drawn as a clinical statistician expects them.

- ``km_figure``: Kaplan-Meier curves by group (survminer-like): pointwise confidence bands,
  censorings as ``|``, optional landmarks and medians, and the numbers at risk below,
  aligned with round time ticks (months every 3, 6 or 12, ...).
- ``waterfall_figure``: best % change in target lesions per patient, coloured by best
  response, with the RECIST +20% (progression) and -30% (partial response) lines.
- ``forest_figure``: ratios (HR, OR) with confidence intervals on a log axis.
- ``selection_figure``: how often each adaptive-lasso gene was selected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator
from numpy.typing import ArrayLike

from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.survival.km import KaplanMeier, kaplan_meier

GROUP_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                 "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")  # fmt: skip
RESPONSE_COLOURS = {  # RECIST best overall response, the usual waterfall palette
    "CR": "#08519c",
    "PR": "#6baed6",
    "SD": "#fdae6b",
    "PD": "#cb181d",
    "NE": "#bdbdbd",
}
OTHER_COLOUR = "#737373"
RECIST_LINES = (20.0, -30.0)  # progression at +20%, partial response at -30% (RECIST 1.1)
FOREST_COLUMNS = ("label", "estimate", "ci_low", "ci_high", "p_value")
# Tick steps per time unit: round calendar intervals, the smallest giving at most 8 of them.
TIME_STEPS = {
    "month": (1, 3, 6, 12, 24, 36, 60, 120),
    "week": (1, 2, 4, 8, 13, 26, 52, 104, 260),
    "day": (7, 14, 30, 60, 90, 180, 365, 730, 1825),
    "year": (0.25, 0.5, 1, 2, 5, 10, 20),
}
MAX_INTERVALS = 8


def km_figure(
    time: np.ndarray,
    event: np.ndarray,
    groups: np.ndarray,
    path: Path,
    title: str,
    note: str = "",
    time_label: str = "Time",
    figure_format: FigureFormat = "png",
    *,
    bands: bool = True,
    conf_level: float = 0.95,
    landmarks: Sequence[float] = (),
    show_median: bool = False,
    y_label: str = "Survival probability",
    max_time: float | None = None,
    time_step: float | None = None,
) -> None:
    """Kaplan-Meier curves, one per group in order of first appearance, with the numbers at
    risk below.

    ``time``, ``event`` (1/True = event), ``groups``: one entry per patient. ``note`` (e.g.
    the log-rank p) goes in the upper right corner. ``bands``: pointwise ``conf_level``
    limits from ``kaplan_meier`` as translucent steps (left out when the estimate has none).
    ``landmarks``: times drawn as dotted lines. ``show_median``: dashed lines at 0.5 to each
    median, and "median m (low-high)" in the legend (NR: not reached). ``max_time`` cuts the
    axis; ``time_step`` fixes the tick step, otherwise chosen from the unit in
    ``time_label`` (months: 3, 6, 12, ...).
    """
    time, event, groups = np.asarray(time, dtype=np.float64), np.asarray(event), np.asarray(groups)
    if len(time) == 0:
        raise ValueError("km_figure: no patients to draw")
    end = float(max_time) if max_time is not None else float(np.max(time))
    end = end if end > 0 else 1.0
    ticks = _time_ticks(end, time_label, time_step)
    labels = list(dict.fromkeys(groups.tolist()))
    n_groups = len(labels)
    figure, key, axis, table = _km_axes(n_groups, show_median)
    medians = []
    for index, label in enumerate(labels):
        members = groups == label
        colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
        km = kaplan_meier(time[members], event[members], conf_level=conf_level)
        _draw_curve(axis, km, colour, bands)
        median, median_text = _median(km)
        medians.append((median, colour))
        legend = f"{label} (n={int(members.sum())}, events={int((event[members] > 0).sum())})"
        axis.plot([], [], color=colour, label=f"{legend}, {median_text}" if show_median else legend)
        for tick, count in zip(ticks, km.at_risk(ticks, time[members]), strict=True):
            table.text(tick, n_groups - 1 - index, str(int(count)), ha="center", va="center",
                       color=colour, fontsize=8 if n_groups <= 6 else 7)  # fmt: skip
    if show_median:
        _draw_medians(axis, medians)
    for landmark in landmarks:
        if 0 < landmark <= end:
            axis.axvline(landmark, color="#555555", linestyle=":", linewidth=1, zorder=1)
    _decorate_km(axis, note, (time_label, y_label))
    _km_key(key, axis, title, conf_level if show_median else None)
    axis.set_xlim(-0.03 * end, end * 1.03)
    axis.set_xticks(ticks, [f"{t:g}" for t in ticks])
    _risk_table(table, [str(x) for x in labels])
    save_figure(figure, path, figure_format)


def _time_ticks(end: float, time_label: str, step: float | None) -> np.ndarray:
    """Ticks from 0 to ``end`` every ``step``, or every round interval of the unit."""
    if step is None or step <= 0:
        unit = next((u for u in TIME_STEPS if u in time_label.lower()), None)
        if unit is None:  # no known unit: 1, 2, 5 x 10^k
            power = 10.0 ** math.floor(math.log10(end / MAX_INTERVALS))
            candidates = [m * power for m in (1, 2, 5, 10)]
        else:
            candidates = [float(s) for s in TIME_STEPS[unit]]
        fits = [s for s in candidates if end / s <= MAX_INTERVALS]
        step = fits[0] if fits else end / MAX_INTERVALS
    return np.arange(0.0, end + 1e-9 * end, step)


def _draw_curve(axis: plt.Axes, km: KaplanMeier, colour: str, bands: bool) -> None:
    """The survival step, its confidence band and the censoring marks (``km``: a
    ``KaplanMeier``; the band is left out if it has no ``lower`` and ``upper``)."""
    steps_t = np.concatenate([[0.0], km.time])
    axis.step(steps_t, np.concatenate([[1.0], km.survival]), where="post", color=colour,
              linewidth=1.5, zorder=3)  # fmt: skip
    lower, upper = getattr(km, "lower", None), getattr(km, "upper", None)
    if bands and lower is not None and upper is not None:
        # where a limit is undefined (NaN: survival 0, or no one left), draw no band
        low = np.where(np.isfinite(lower), lower, km.survival)
        high = np.where(np.isfinite(upper), upper, km.survival)
        axis.fill_between(steps_t, np.concatenate([[1.0], low]), np.concatenate([[1.0], high]),
                          step="post", color=colour, alpha=0.15, linewidth=0, zorder=2)  # fmt: skip
    censored = km.n_censor > 0
    axis.plot(km.time[censored], km.survival[censored], linestyle="none", marker="|",
              color=colour, markersize=7, markeredgewidth=1.2, zorder=4)  # fmt: skip


def _median(km: KaplanMeier) -> tuple[float, str]:
    """The median and its legend text, "median 8.1 (5.2-11.0)", NR when not reached."""
    if hasattr(km, "quantile"):
        median, low, high = (float(v) for v in km.quantile(0.5))
    else:
        median, low, high = float(km.median()), math.nan, math.nan
    if math.isnan(median) and math.isnan(low):
        return median, "median NR"
    low_text = "NA" if math.isnan(low) else _time_text(low)  # an upper limit NaN: not reached
    return median, f"median {_time_text(median)} ({low_text}-{_time_text(high)})"


def _time_text(value: float) -> str:
    if not math.isfinite(value):
        return "NR"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


def _draw_medians(axis: plt.Axes, medians: list[tuple[float, str]]) -> None:
    """Dashed lines at survival 0.5 up to the longest median, and down from each median."""
    reached = [(m, c) for m, c in medians if math.isfinite(m)]
    if not reached:
        return
    longest = max(m for m, _ in reached)
    axis.plot([0, longest], [0.5, 0.5], color="#555555", linestyle="--", linewidth=0.8)
    for median, colour in reached:
        axis.plot([median, median], [0, 0.5], color=colour, linestyle="--", linewidth=0.8)


def _km_axes(n_groups: int, show_median: bool) -> tuple[Any, plt.Axes, plt.Axes, plt.Axes]:
    """The figure in three rows: a key (the title and the legend, kept off the curves, as
    survminer's "top"), the curves, and the numbers at risk (sharing the time axis); the
    key and the table are as tall as their lines of text."""
    legend_lines = math.ceil(n_groups / (1 if n_groups <= 4 else 2)) + (1 if show_median else 0)
    heights = [0.19 * legend_lines + 0.1, 3.8, 0.28 * n_groups + 0.45]
    figure, (key, axis, table) = plt.subplots(
        3, 1, figsize=(7.5, sum(heights) + 1.3), layout="constrained",
        gridspec_kw={"height_ratios": heights},
    )  # fmt: skip
    table.sharex(axis)
    return figure, key, axis, table


def _km_key(key: plt.Axes, axis: plt.Axes, title: str, conf_level: float | None) -> None:
    """The title, and below it the legend of the curves (titled with the CI level when
    medians are shown)."""
    key.set_axis_off()
    key.set_title(title)
    handles, labels = axis.get_legend_handles_labels()
    legend_title = None if conf_level is None else f"median ({100 * conf_level:g}% CI)"
    key.legend(handles, labels, loc="center", ncol=1 if len(labels) <= 4 else 2, fontsize=8,
               title=legend_title, title_fontsize=8, frameon=False, borderaxespad=0)  # fmt: skip


def _decorate_km(axis: plt.Axes, note: str, axis_labels: tuple[str, str]) -> None:
    """Limits, labels, grid, and the note (e.g. the log-rank p) in the upper right."""
    axis.set_ylim(-0.02, 1.02)
    axis.set_xlabel(axis_labels[0])
    axis.set_ylabel(axis_labels[1])
    if note:
        axis.text(0.98, 0.98, note, transform=axis.transAxes, ha="right", va="top", fontsize=9,
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})  # fmt: skip
    axis.grid(alpha=0.3)
    axis.spines[["top", "right"]].set_visible(False)


def _risk_table(table: plt.Axes, labels: list[str]) -> None:
    """Group names on the left of the numbers at risk, coloured as their curves."""
    n_groups = len(labels)
    table.set_ylim(-0.5, n_groups - 0.5)
    table.set_yticks(range(n_groups), list(reversed(labels)),
                     fontsize=8 if n_groups <= 6 else 7)  # fmt: skip
    for index, tick_label in enumerate(reversed(table.get_yticklabels())):
        tick_label.set_color(GROUP_COLOURS[index % len(GROUP_COLOURS)])
    table.tick_params(axis="x", length=0, labelbottom=False)
    table.tick_params(axis="y", length=0)
    table.set_title("Number at risk", fontsize=8, loc="left")
    table.spines[:].set_visible(False)


def waterfall_figure(
    change_pct: ArrayLike,
    best_response: ArrayLike,
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
) -> None:
    """Bars of each patient's best % change in the sum of target lesions, from the largest
    increase to the largest decrease (ties keep the input order), coloured by best response
    (CR, PR, SD, PD, NE; other codes grey), with the RECIST +20% and -30% lines.

    Patients without a change (NaN) are left out and counted in a note; when none is left
    the figure says "no data" instead of raising, so a run on a small cohort still ends.
    """
    change = np.asarray(change_pct, dtype=np.float64)
    response = np.array(["missing" if pd.isna(r) else str(r).strip().upper()
                         for r in np.asarray(best_response, dtype=object)])  # fmt: skip
    if change.shape != response.shape:
        raise ValueError(f"waterfall_figure: {len(change)} changes but {len(response)} "
                         "responses; give one of each per patient")  # fmt: skip
    kept = np.isfinite(change)
    order = np.argsort(-change[kept], kind="stable")
    change, response = change[kept][order], response[kept][order]
    figure, axis = plt.subplots(figsize=(max(6.0, min(14.0, 0.12 * len(change) + 4)), 4.5))
    axis.set_title(title)
    if len(change) == 0:
        axis.text(0.5, 0.5, f"no data: none of {len(kept)} patients has a measured change",
                  ha="center", va="center", transform=axis.transAxes)  # fmt: skip
        axis.set_axis_off()
        save_figure(figure, path, figure_format)
        return
    _draw_waterfall(axis, change, response)
    if (~kept).any():
        axis.text(0.01, 0.02, f"{int((~kept).sum())} without a measured change not shown",
                  transform=axis.transAxes, fontsize=8, color="#444444")  # fmt: skip
    figure.tight_layout()
    save_figure(figure, path, figure_format)


def _draw_waterfall(axis: plt.Axes, change: np.ndarray, response: np.ndarray) -> None:
    """The sorted bars, the zero and RECIST lines, the labels and the response legend."""
    colours = [RESPONSE_COLOURS.get(r, OTHER_COLOUR) for r in response]
    axis.bar(np.arange(len(change)), change, width=0.8, color=colours, linewidth=0)
    axis.axhline(0, color="black", linewidth=0.8)
    for level in RECIST_LINES:
        axis.axhline(level, color="#444444", linestyle="--", linewidth=0.9)
        axis.text(1.0, level, f" {level:+.0f}%", transform=axis.get_yaxis_transform(),
                  ha="left", va="center", fontsize=8, color="#444444")  # fmt: skip
    axis.set_xlim(-0.8, len(change) - 0.2)
    axis.set_ylim(min(-105.0, float(change.min()) - 5), max(35.0, float(change.max()) + 5))
    axis.set_xticks([])
    axis.set_xlabel(f"Patients (n = {len(change)})")
    axis.set_ylabel("Best change in target lesions (%)")
    axis.spines[["top", "right"]].set_visible(False)
    shown = [r for r in dict.fromkeys([*RESPONSE_COLOURS, *sorted(set(response))])
             if r in set(response)]  # fmt: skip
    handles = [Patch(color=RESPONSE_COLOURS.get(r, OTHER_COLOUR),
                     label=f"{r} ({int((response == r).sum())})") for r in shown]  # fmt: skip
    axis.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)


def forest_figure(
    rows: pd.DataFrame,
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
    *,
    x_label: str = "Ratio (log scale)",
) -> None:
    """Point estimates and confidence intervals of ratios on a log axis, a line at 1.

    ``rows``: one row per estimate with ``label, estimate, ci_low, ci_high, p_value`` and
    optionally ``group`` (e.g. "HR for PFS", "OR for response"), drawn as sections in order
    of first appearance. Labels are on the left, "estimate (low-high)" and p on the right.
    A NaN, infinite or non-positive estimate is "not estimable"; an infinite or zero limit
    is an arrow to the edge of the axis, a NaN limit is not drawn.
    """
    missing = [c for c in FOREST_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"forest_figure: rows lack the columns {', '.join(missing)}")
    layout = _forest_layout(rows)
    height = 1.4 + 0.3 * max(len(layout), 1)
    figure, (axis, numbers) = plt.subplots(
        1, 2, figsize=(8.0, height), sharey=True, gridspec_kw={"width_ratios": [3.0, 1.6]}
    )
    axis.set_title(title, loc="left")
    if len(rows) == 0:
        axis.text(0.5, 0.5, "no data", ha="center", va="center", transform=axis.transAxes)
        axis.set_axis_off()
        numbers.set_axis_off()
        save_figure(figure, path, figure_format)
        return
    low_limit, high_limit = _forest_limits(rows)
    for y, (_, row) in enumerate(layout):
        if row is not None:
            _forest_row(axis, numbers, y, row, (low_limit, high_limit))
    axis.axvline(1.0, color="black", linewidth=0.8)
    ratio_axis(axis, "x", (low_limit, high_limit))
    axis.set_xlabel(x_label)
    axis.set_yticks(range(len(layout)), [text for text, _ in layout], fontsize=8)
    for (_, row), tick_label in zip(layout, axis.get_yticklabels(), strict=True):
        tick_label.set_fontweight("bold" if row is None else "normal")
    axis.tick_params(axis="y", length=0)
    axis.set_ylim(len(layout) - 0.5, -1.5)
    axis.spines[["top", "right", "left"]].set_visible(False)
    numbers.text(0.0, -1, "Estimate (CI)", fontsize=8, fontweight="bold", va="center")
    numbers.text(1.0, -1, "p", fontsize=8, fontweight="bold", va="center", ha="right")
    numbers.set_xlim(0, 1)
    numbers.set_axis_off()
    figure.tight_layout()
    save_figure(figure, path, figure_format)


def _forest_layout(rows: pd.DataFrame) -> list[tuple[str, pd.Series | None]]:
    """Lines top to bottom: a bold header (row None) per group, then its rows indented."""
    if "group" not in rows.columns:
        return [(str(row["label"]), row) for _, row in rows.iterrows()]
    group = rows["group"].fillna("").astype(str)
    layout: list[tuple[str, pd.Series | None]] = []
    for name in dict.fromkeys(group):
        layout.append((name, None))
        layout += [(f"  {row['label']}", row) for _, row in rows[group == name].iterrows()]
    return layout


def _forest_limits(rows: pd.DataFrame) -> tuple[float, float]:
    """The log-axis range: every finite positive value and 1, with a margin."""
    values = rows[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=np.float64).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    low = min(float(values.min()) if len(values) else 0.1, 1.0)
    high = max(float(values.max()) if len(values) else 10.0, 1.0)
    return max(low / 1.6, 1e-3), min(high * 1.6, 1e3)


def ratio_axis(axis: plt.Axes, which: str, limits: tuple[float, float]) -> None:
    """A log axis of ratios (``which``: "x" or "y") between ``limits``, ticked at
    :func:`_ratio_ticks`, labelled as plain numbers, without minor ticks."""
    low, high = limits
    ticks = _ratio_ticks(low, high)
    if which == "x":
        axis.set_xscale("log")
        axis.set_xlim(low, high)
        axis.set_xticks(ticks, [f"{t:g}" for t in ticks])
        axis.xaxis.set_minor_locator(NullLocator())
    else:
        axis.set_yscale("log")
        axis.set_ylim(low, high)
        axis.set_yticks(ticks, [f"{t:g}" for t in ticks])
        axis.yaxis.set_minor_locator(NullLocator())


def _ratio_ticks(low: float, high: float) -> list[float]:
    """Doublings (0.25, 0.5, 1, 2, 4) over a narrow range, else 1-2-5 or whole decades."""
    doublings = [2.0**k for k in range(-10, 11) if low <= 2.0**k <= high]
    if len(doublings) <= 8:
        return doublings
    steps = [m * 10.0**k for k in range(-3, 4) for m in (1, 2, 5) if low <= m * 10.0**k <= high]
    return steps if len(steps) <= 8 else [t for t in steps if math.log10(t).is_integer()]


def _forest_row(axis: plt.Axes, numbers: plt.Axes, y: int, row: pd.Series,
                limits: tuple[float, float]) -> None:  # fmt: skip
    """One estimate: its whisker and point, and its numbers on the right."""
    values = pd.to_numeric(row[["estimate", "ci_low", "ci_high", "p_value"]], errors="coerce")
    estimate, low, high, p_value = (float(v) for v in values)  # None or NA: NaN
    numbers.text(1.0, y, p_text(p_value), fontsize=8, va="center", ha="right")
    if not (math.isfinite(estimate) and estimate > 0):
        numbers.text(0.0, y, "not estimable", fontsize=8, va="center", style="italic")
        return
    numbers.text(0.0, y, f"{_ratio_text(estimate)} ({_ratio_text(low)}-{_ratio_text(high)})",
                 fontsize=8, va="center")  # fmt: skip
    for limit, edge, marker in ((low, limits[0], "<"), (high, limits[1], ">")):
        if math.isnan(limit):
            continue
        beyond = not math.isfinite(limit) or limit <= 0 or not limits[0] <= limit <= limits[1]
        end = edge if beyond else limit
        axis.plot([estimate, end], [y, y], color="black", linewidth=1.1)
        if beyond:
            axis.plot([end], [y], marker=marker, color="black", markersize=5, clip_on=False)
    axis.plot([estimate], [y], marker="s", color="black", markersize=5)


def _ratio_text(value: float) -> str:
    if math.isnan(value):
        return "NA"
    if math.isinf(value):
        return "Inf"
    return f"{value:.2f}" if 0.01 <= value < 100 else f"{value:.2g}"


def p_text(p_value: float) -> str:
    """A p-value as figures print it: two significant digits, "<0.001" below 0.001."""
    if math.isnan(p_value):
        return ""
    if p_value < 0.001:
        return "<0.001"
    decimals = max(1 - math.floor(math.log10(p_value)), 1)  # two significant digits
    return f"{p_value:.{decimals}f}"


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
