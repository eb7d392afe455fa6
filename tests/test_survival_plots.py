"""Survival figures: Kaplan-Meier (bands, censor marks, medians, numbers at risk, round
ticks), waterfall and forest plots are written as PNG, SVG and PDF, SVG bytes repeat, and
edge cases (one group, no events, one patient, NaN limits, no data left) draw, not raise.

The confidence limits and medians come from ``survival/km.py`` (R's survfit); given an
estimate without them (``BareKM``), the figure falls back to curves without bands. An empty
waterfall (every change NaN) is a figure that says "no data", not an error, so that a
report on a small cohort still completes. ``drawn`` keeps figures open to inspect them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from icarus_omics.io import survival_plots
from icarus_omics.io.survival_plots import forest_figure, km_figure, waterfall_figure
from icarus_omics.survival.km import kaplan_meier

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
FORMATS = ("png", "svg", "pdf")


def cohort(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times in months, events and two arms (B first, to check that order is kept)."""
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "B", "A")
    progression = rng.exponential(np.where(arm == "A", 14.0, 7.0))
    censoring = rng.uniform(3, 30, size=n)
    return np.minimum(progression, censoring).round(2), (progression <= censoring).astype(int), arm


@dataclass(frozen=True)
class BareKM:
    """An estimate without confidence limits or quantiles, as km.py had before them."""

    time: np.ndarray
    survival: np.ndarray
    n_censor: np.ndarray

    def at_risk(self, times: np.ndarray, all_times: np.ndarray) -> np.ndarray:
        return (all_times[None, :] >= np.asarray(times)[:, None]).sum(axis=1)

    def median(self) -> float:
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.time[below[0]]) if len(below) else math.nan


@pytest.fixture
def bare_km(monkeypatch: pytest.MonkeyPatch) -> None:
    def fit(time: np.ndarray, event: np.ndarray, conf_level: float = 0.95) -> BareKM:
        km = kaplan_meier(time, event)
        return BareKM(km.time, km.survival, km.n_censor)

    monkeypatch.setattr(survival_plots, "kaplan_meier", fit)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Figures passed to save_figure, kept open (and closed at teardown) for inspection."""
    figures: list[Any] = []
    monkeypatch.setattr(survival_plots, "save_figure", lambda figure, *_: figures.append(figure))
    yield figures
    for figure in figures:
        plt.close(figure)


def texts(figure: Any) -> str:
    """Every text of the figure (titles, labels, legends, annotations), one per line."""
    found = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(t for t in found if isinstance(t, str))


# Kaplan-Meier ---------------------------------------------------------------------------


@pytest.mark.parametrize("figure_format", FORMATS)
def test_km_figure_is_written_in_each_format(tmp_path: Path, figure_format: str) -> None:
    time, event, arm = cohort()
    path = tmp_path / f"km.{figure_format}"
    km_figure(time, event, arm, path, "PFS by arm", "log-rank p = 0.03", "Months",
              figure_format, landmarks=(6, 12), show_median=True)  # fmt: skip
    assert path.read_bytes().startswith(MAGIC[figure_format])


def test_km_svg_bytes_repeat(tmp_path: Path) -> None:
    time, event, arm = cohort()
    outputs = []
    for run in (1, 2):
        path = tmp_path / f"km{run}.svg"
        km_figure(time, event, arm, path, "PFS", time_label="Months", figure_format="svg",
                  landmarks=(12,), show_median=True)  # fmt: skip
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_km_old_positional_call_still_works(tmp_path: Path) -> None:
    time, event, arm = cohort()
    km_figure(time, event, arm, tmp_path / "km.png", "PFS", "p = 0.1", "Months", "png")
    assert (tmp_path / "km.png").stat().st_size > 0


def test_km_legend_keeps_group_order_with_n_events_and_median(drawn: list[Any]) -> None:
    time = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    event = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    group = np.array(["late"] * 5 + ["early"] * 5)
    km_figure(time, event, group, Path("unused.png"), "PFS", show_median=True)
    legend = [t.get_text() for t in drawn[0].axes[0].get_legend().get_texts()]
    assert legend == ["late (n=5, events=4), median 3.0 (1.0-NR)",
                      "early (n=5, events=0), median NR"]  # fmt: skip
    assert drawn[0].axes[0].get_legend().get_title().get_text() == "median (95% CI)"


def test_km_numbers_at_risk_sit_on_the_ticks(drawn: list[Any]) -> None:
    time = np.array([2.0, 5.0, 7.0, 13.0, 20.0, 25.0])
    km_figure(time, np.ones(6), np.array(["a"] * 6), Path("x.png"), "PFS", time_label="Months")
    _, axis, table = drawn[0].axes
    assert list(axis.get_xticks()) == [0, 6, 12, 18, 24]
    cells = [(t.get_position()[0], t.get_text()) for t in table.texts]
    assert cells == [(0, "6"), (6, "4"), (12, "3"), (18, "2"), (24, "1")]


def test_km_bands_need_limits_and_the_option(drawn: list[Any]) -> None:
    time, event, arm = cohort()
    km_figure(time, event, arm, Path("x.png"), "PFS", bands=True)
    km_figure(time, event, arm, Path("x.png"), "PFS", bands=False)
    assert [len(f.axes[1].collections) for f in drawn] == [2, 0]


def test_km_without_limits_draws_curves_without_bands(drawn: list[Any], bare_km: None) -> None:
    time, event, arm = cohort()
    km_figure(time, event, arm, Path("x.png"), "PFS", bands=True, show_median=True)
    assert len(drawn[0].axes[1].collections) == 0
    assert "median" in texts(drawn[0])


def test_km_censorings_are_marked(drawn: list[Any]) -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0])
    km_figure(time, np.array([1, 0, 1, 0]), np.array(["a"] * 4), Path("x.png"), "PFS")
    marks = [line for line in drawn[0].axes[1].lines if line.get_marker() == "|"]
    assert len(marks) == 1
    assert list(marks[0].get_xdata()) == [2.0, 4.0]


def test_km_max_time_cuts_the_axis_and_landmarks(drawn: list[Any]) -> None:
    time, event, arm = cohort()
    km_figure(time, event, arm, Path("x.png"), "PFS", time_label="Months", max_time=12,
              landmarks=(6, 24))  # fmt: skip
    axis = drawn[0].axes[1]
    assert axis.get_xlim()[1] == pytest.approx(12.36)
    assert list(axis.get_xticks()) == [0, 3, 6, 9, 12]
    dotted = [line for line in axis.lines if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in dotted] == [6]


def test_km_labels(drawn: list[Any]) -> None:
    time, event, arm = cohort()
    km_figure(time, event, arm, Path("x.png"), "OS", time_label="Days", y_label="Overall survival")
    key, axis, _ = drawn[0].axes
    assert (key.get_title(), axis.get_xlabel(), axis.get_ylabel()) == ("OS", "Days",
                                                                        "Overall survival")  # fmt: skip


@pytest.mark.parametrize(
    ("time", "event", "group"),
    [
        ([3.0, 5.0, 8.0], [1, 0, 1], ["only"] * 3),  # a single group
        ([3.0, 5.0, 8.0, 4.0, 9.0], [1, 0, 1, 0, 0], ["a", "a", "a", "b", "b"]),  # b: no events
        ([3.0, 5.0, 8.0], [0, 0, 0], ["a", "b", "a"]),  # all censored
        ([4.5], [1], ["one"]),  # one patient
        ([0.0, 0.0], [1, 1], ["a", "a"]),  # every event at time 0
        ([2.0, 2.0, 2.0, 2.0], [1, 1, 1, 1], ["a"] * 4),  # survival falls to 0 at once
    ],
)
def test_km_edge_cases_draw(
    tmp_path: Path, time: list[float], event: list[int], group: list[str]
) -> None:
    path = tmp_path / "km.svg"
    km_figure(np.array(time), np.array(event), np.array(group), path, "PFS",
              time_label="Months", figure_format="svg", show_median=True, landmarks=(1,))  # fmt: skip
    assert b"PFS" in path.read_bytes()


def test_km_many_groups_stay_readable(drawn: list[Any]) -> None:
    rng = np.random.default_rng(1)
    group = np.repeat([f"cluster {i}" for i in range(12)], 6)
    km_figure(rng.exponential(10, 72).round(1), rng.integers(0, 2, 72), group, Path("x.png"),
              "PFS by cluster", time_label="Months", show_median=True)  # fmt: skip
    table = drawn[0].axes[2]
    colours = {label.get_text(): label.get_color() for label in table.get_yticklabels()}
    assert colours["cluster 0"] != colours["cluster 1"]
    assert len(colours) == 12


def test_km_refuses_no_patients(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no patients"):
        km_figure(np.array([]), np.array([]), np.array([]), tmp_path / "x.png", "PFS")


@pytest.mark.parametrize(
    ("end", "label", "step"),
    [(24, "Months", 3), (30, "Months", 6), (60, "months", 12), (8, "Months", 1),
     (700, "Days", 90), (17.3, "Time", 5), (0.7, "Time", 0.1), (5, "Years", 1)],
)  # fmt: skip
def test_time_ticks_are_round(end: float, label: str, step: float) -> None:
    ticks = survival_plots._time_ticks(end, label, None)
    assert ticks[0] == 0 and ticks[-1] <= end + 1e-9
    assert np.allclose(np.diff(ticks), step)


def test_time_step_can_be_given() -> None:
    assert list(survival_plots._time_ticks(20, "Months", 4)) == [0, 4, 8, 12, 16, 20]


def test_median_text() -> None:
    km = kaplan_meier(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 0, 0]))
    median, low, high = km.quantile(0.5)
    assert survival_plots._median(km) == (
        median,
        f"median {median:.1f} ({low:.1f}-{'NR' if np.isnan(high) else f'{high:.1f}'})",
    )
    assert survival_plots._median(kaplan_meier(np.array([1.0]), np.array([0]))) == (
        pytest.approx(np.nan, nan_ok=True), "median NR")  # fmt: skip
    assert survival_plots._time_text(245.26) == "245"


# Waterfall ------------------------------------------------------------------------------

CHANGES = [-100.0, 35.0, -45.0, np.nan, 5.0, -31.0, 12.0, -10.0]
RESPONSES = ["CR", "PD", "PR", "NE", "SD", "PR", "SD", "sd"]


@pytest.mark.parametrize("figure_format", FORMATS)
def test_waterfall_is_written_in_each_format(tmp_path: Path, figure_format: str) -> None:
    path = tmp_path / f"waterfall.{figure_format}"
    waterfall_figure(CHANGES, RESPONSES, path, "Best response", figure_format)
    assert path.read_bytes().startswith(MAGIC[figure_format])


def test_waterfall_svg_bytes_repeat(tmp_path: Path) -> None:
    for run in (1, 2):
        waterfall_figure(CHANGES, RESPONSES, tmp_path / f"w{run}.svg", "Best response", "svg")
    assert (tmp_path / "w1.svg").read_bytes() == (tmp_path / "w2.svg").read_bytes()


def test_waterfall_sorts_colours_and_counts_missing(drawn: list[Any]) -> None:
    waterfall_figure(pd.Series(CHANGES), pd.Series(RESPONSES), Path("x.png"), "Best response")
    axis = drawn[0].axes[0]
    heights = [bar.get_height() for bar in axis.patches]
    assert heights == [35.0, 12.0, 5.0, -10.0, -31.0, -45.0, -100.0]
    pd_colour = survival_plots.RESPONSE_COLOURS["PD"]
    assert plt.matplotlib.colors.to_hex(axis.patches[0].get_facecolor()) == pd_colour
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["CR (1)", "PR (2)",
                                                                    "SD (3)", "PD (1)"]  # fmt: skip
    assert sorted(line.get_ydata()[0] for line in axis.lines) == [-30.0, 0.0, 20.0]
    assert "1 without a measured change not shown" in texts(drawn[0])
    assert axis.get_ylabel() == "Best change in target lesions (%)"
    assert axis.get_title() == "Best response"


def test_waterfall_other_and_missing_responses_are_grey(drawn: list[Any]) -> None:
    waterfall_figure([10.0, -20.0], ["iUPD", None], Path("x.png"), "Best response")
    legend = [t.get_text() for t in drawn[0].axes[0].get_legend().get_texts()]
    assert legend == ["IUPD (1)", "missing (1)"]


def test_waterfall_with_no_change_left_says_no_data(tmp_path: Path, drawn: list[Any]) -> None:
    waterfall_figure([np.nan, np.nan], ["NE", "PD"], Path("x.png"), "Best response")
    waterfall_figure([], [], Path("x.png"), "Best response")
    assert "no data: none of 2 patients" in texts(drawn[0])
    assert "no data" in texts(drawn[1])
    assert drawn[0].axes[0].get_title() == "Best response"


def test_waterfall_needs_one_response_per_change(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 changes but 1 responses"):
        waterfall_figure([1.0, 2.0], ["PD"], tmp_path / "x.png", "Best response")


# Forest ---------------------------------------------------------------------------------


def forest_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["TP53 mutated", "PIK3CA mutated", "Basal", "High TMB", "ESR1 mutated",
                  "Age > 65"],
        "estimate": [1.8, 0.6, np.inf, 2.4, np.nan, 1.1],
        "ci_low": [1.1, 0.35, np.nan, 0.9, np.nan, np.nan],
        "ci_high": [2.9, 1.02, np.nan, np.inf, np.nan, 1.9],
        "p_value": [0.012, 0.06, np.nan, 0.0004, np.nan, 0.7],
        "group": ["HR for PFS", "HR for PFS", "HR for PFS", "OR for response",
                  "OR for response", "OR for response"],
    })  # fmt: skip


@pytest.mark.parametrize("figure_format", FORMATS)
def test_forest_is_written_in_each_format(tmp_path: Path, figure_format: str) -> None:
    path = tmp_path / f"forest.{figure_format}"
    forest_figure(forest_rows(), path, "Associations", figure_format)
    assert path.read_bytes().startswith(MAGIC[figure_format])


def test_forest_svg_bytes_repeat(tmp_path: Path) -> None:
    for run in (1, 2):
        forest_figure(forest_rows(), tmp_path / f"f{run}.svg", "Associations", "svg")
    assert (tmp_path / "f1.svg").read_bytes() == (tmp_path / "f2.svg").read_bytes()


def test_forest_sections_numbers_and_not_estimable(drawn: list[Any]) -> None:
    forest_figure(forest_rows(), Path("x.png"), "Associations")
    axis, numbers = drawn[0].axes
    assert axis.get_xscale() == "log"
    assert [t.get_text() for t in axis.get_yticklabels()] == [
        "HR for PFS", "  TP53 mutated", "  PIK3CA mutated", "  Basal",
        "OR for response", "  High TMB", "  ESR1 mutated", "  Age > 65"]  # fmt: skip
    shown = [t.get_text() for t in numbers.texts]
    for expected in ("1.80 (1.10-2.90)", "0.012", "0.60 (0.35-1.02)", "2.40 (0.90-Inf)",
                     "<0.001", "1.10 (NA-1.90)", "0.70", "0.060"):  # fmt: skip
        assert expected in shown
    assert shown.count("not estimable") == 2
    assert any(line.get_xdata()[0] == 1.0 for line in axis.lines)  # the line of no effect


def test_forest_without_group_and_all_inestimable(tmp_path: Path, drawn: list[Any]) -> None:
    rows = forest_rows().drop(columns="group").iloc[[2, 4]]
    forest_figure(rows, Path("x.png"), "Nothing estimable")
    assert [t.get_text() for t in drawn[0].axes[0].get_yticklabels()] == ["Basal", "ESR1 mutated"]
    assert drawn[0].axes[0].get_xlim() == pytest.approx((0.1 / 1.6, 16.0))


def test_forest_takes_none_and_object_columns(drawn: list[Any]) -> None:
    rows = pd.DataFrame({"label": ["a", "b"], "estimate": [1.5, None], "ci_low": [None, None],
                         "ci_high": [2.5, None], "p_value": [None, 0.2]}, dtype=object)  # fmt: skip
    forest_figure(rows, Path("x.png"), "Objects")
    assert [t.get_text() for t in drawn[0].axes[1].texts][:4] == ["", "1.50 (NA-2.50)", "0.20",
                                                                  "not estimable"]  # fmt: skip


def test_forest_empty_and_missing_columns(tmp_path: Path) -> None:
    forest_figure(forest_rows().iloc[:0], tmp_path / "empty.svg", "Associations", "svg")
    assert b"no data" in (tmp_path / "empty.svg").read_bytes()
    with pytest.raises(ValueError, match="ci_low, ci_high"):
        forest_figure(forest_rows().drop(columns=["ci_low", "ci_high"]), tmp_path / "x.png", "F")


@pytest.mark.parametrize(
    ("p_value", "text"),
    [(0.0004, "<0.001"), (0.0042, "0.0042"), (0.012, "0.012"), (0.06, "0.060"), (0.7, "0.70"),
     (1.0, "1.0"), (np.nan, "")],
)  # fmt: skip
def test_p_values_have_two_significant_digits(p_value: float, text: str) -> None:
    assert survival_plots.p_text(p_value) == text


def test_ratio_ticks_double_over_a_narrow_range_and_step_by_decades_over_a_wide_one() -> None:
    assert survival_plots._ratio_ticks(0.14, 4.6) == [0.25, 0.5, 1, 2, 4]
    assert survival_plots._ratio_ticks(0.01, 50) == [0.01, 0.1, 1, 10]
