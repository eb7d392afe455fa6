"""Odds ratios, calibration and decision curves of probability scores (evaluation/
probability.py) and their figures (io/calibration_plots.py).

The logistic fits are compared live with base R (4.x) on a seeded simulated cohort of 100
patients: ``glm(y ~ score [+ age + stage], binomial)`` with ``confint.default`` and the
Wald p of ``summary``; ``glm(y ~ offset(qlogis(p)), binomial)`` and ``glm(y ~ qlogis(p),
binomial)`` for the calibration intercept and slope; ``lowess(p, y, iter = 0)`` for the
smooth curve (as rms::val.prob). R's glm runs with ``epsilon = 1e-14``: at its default 1e-8
its coefficients are at the maximum (to 1e-10) but its standard errors, computed from the
weights of the step before, are up to ~5e-6 (relative) from those at the maximum, where
statsmodels' Newton fit ends; with the tighter tolerance both agree to 1e-6 or better.
The Brier score and the decision curve are checked against hand-computed answers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import expit

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.metrics import Metric
from icarus_omics.evaluation.probability import (
    BIN_COLUMNS,
    DECISION_COLUMNS,
    THRESHOLDS,
    calibration,
    decision_curve,
    odds_ratios,
)
from icarus_omics.io import calibration_plots
from icarus_omics.io.calibration_plots import calibration_figure, decision_figure
from icarus_omics.io.figures import FigureFormat
from tests.conftest import rscript_with

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
R_SCRIPT = r"""
args <- commandArgs(TRUE)
d <- read.csv(args[1])
emit <- function(name, value) cat(sprintf("%s\t%.17g\n", name, value), sep = "")
wald <- function(fit, term, prefix, level = 0.95) {
  ci <- confint.default(fit, term, level = level)
  emit(paste0(prefix, "_b"), coef(fit)[[term]])
  emit(paste0(prefix, "_se"), summary(fit)$coefficients[term, "Std. Error"])
  emit(paste0(prefix, "_low"), ci[1])
  emit(paste0(prefix, "_high"), ci[2])
  emit(paste0(prefix, "_p"), summary(fit)$coefficients[term, "Pr(>|z|)"])
}
tight <- glm.control(epsilon = 1e-14, maxit = 100)
emit("sd", sd(d$score))
wald(glm(y ~ score, family = binomial, data = d, control = tight), "score", "unadjusted")
adjusted <- glm(y ~ score + age + stage, family = binomial, data = d, control = tight)
wald(adjusted, "score", "adjusted")
wald(adjusted, "score", "adjusted90", level = 0.90)
wald(glm(y ~ scale(score) + age + stage, family = binomial, data = d, control = tight), "scale(score)", "per_sd")
lp <- qlogis(d$p)
wald(glm(y ~ offset(lp), family = binomial, data = d, control = tight), "(Intercept)", "intercept")
wald(glm(y ~ lp, family = binomial, data = d, control = tight), "lp", "slope")
smooth <- lowess(d$p, d$y, iter = 0)
writeLines(sprintf("%.17g\t%.17g", smooth$x, smooth$y), args[2])
"""


def cohort(n: int = 100, seed: int = 20240601) -> pd.DataFrame:
    """A score with a planted effect (log OR 0.9 per unit), age and stage, and an
    overconfident probability (true slope 0.7 on its logit, intercept 0.3)."""
    rng = np.random.default_rng(seed)
    score = rng.normal(0.0, 1.3, n)
    age = rng.normal(62.0, 9.0, n).round(0)
    stage = (rng.uniform(size=n) < 0.4).astype(float)
    risk = expit(-0.4 + 0.9 * score + 0.03 * (age - 62) + 0.6 * stage)
    y = (rng.uniform(size=n) < risk).astype(int)
    p = expit((np.log(risk / (1 - risk)) - 0.3) / 0.7)
    return pd.DataFrame({"score": score, "age": age, "stage": stage, "y": y, "p": p})


@pytest.fixture(scope="module")
def r_fits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """R's numbers for :func:`cohort`, and its lowess curve."""
    rscript = rscript_with()
    folder = tmp_path_factory.mktemp("r_probability")
    data, script, smooth = folder / "cohort.csv", folder / "fits.R", folder / "lowess.tsv"
    cohort().to_csv(data, index=False, float_format="%.17g")
    script.write_text(R_SCRIPT)
    run = subprocess.run([rscript, str(script), str(data), str(smooth)], capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    values: dict[str, Any] = {}
    for line in run.stdout.splitlines():
        name, value = line.split("\t")
        values[name] = float(value)
    values["lowess"] = np.loadtxt(smooth, delimiter="\t")
    return values


def by_name(metrics: list[Metric]) -> dict[str, Metric]:
    return {m.metric: m for m in metrics}


def assert_metric(metric: Metric, estimate: float, low: float, high: float, p: float) -> None:
    np.testing.assert_allclose([metric.estimate, metric.ci_low, metric.ci_high, metric.p_value],
                               [estimate, low, high, p], rtol=1e-6)  # fmt: skip


# --- odds ratios ------------------------------------------------------------------------


def test_unadjusted_odds_ratios_match_r_glm(r_fits: dict[str, Any]) -> None:
    data = cohort()
    got = by_name(odds_ratios(data["score"], data["y"], per=0.1))
    b, low, high = (r_fits[f"unadjusted_{k}"] for k in ("b", "low", "high"))
    p, sd = r_fits["unadjusted_p"], r_fits["sd"]
    assert_metric(got["or_per_unit"], np.exp(b), np.exp(low), np.exp(high), p)
    assert_metric(got["or_per_sd"], np.exp(b * sd), np.exp(low * sd), np.exp(high * sd), p)
    assert_metric(got["or_per_0.1"], np.exp(b / 10), np.exp(low / 10), np.exp(high / 10), p)
    assert got["or_per_unit"].method == "logistic regression, unadjusted; Wald 95% CI"


def test_adjusted_odds_ratios_match_r_glm(r_fits: dict[str, Any]) -> None:
    data = cohort()
    got = by_name(odds_ratios(data["score"], data["y"], data[["age", "stage"]].to_numpy(),
                              covariate_names=["age", "stage"]))  # fmt: skip
    b, low, high, p = (r_fits[f"adjusted_{k}"] for k in ("b", "low", "high", "p"))
    assert_metric(got["or_per_unit"], np.exp(b), np.exp(low), np.exp(high), p)
    # per SD, from R's own fit of the standardised score
    b, low, high, p = (r_fits[f"per_sd_{k}"] for k in ("b", "low", "high", "p"))
    assert_metric(got["or_per_sd"], np.exp(b), np.exp(low), np.exp(high), p)
    assert got["or_per_unit"].method == "logistic regression, adjusted for age, stage; Wald 95% CI"
    assert list(got) == ["or_per_unit", "or_per_sd"]


def test_confidence_level_is_passed_to_the_wald_limits(r_fits: dict[str, Any]) -> None:
    data = cohort()
    got = odds_ratios(data["score"], data["y"], data[["age", "stage"]].to_numpy(), level=0.9)
    b, low, high, p = (r_fits[f"adjusted90_{k}"] for k in ("b", "low", "high", "p"))
    assert_metric(got[0], np.exp(b), np.exp(low), np.exp(high), p)
    assert "covariate 1, covariate 2" in got[0].method and "Wald 90% CI" in got[0].method


def test_a_planted_effect_is_found() -> None:
    data = cohort(n=400, seed=7)
    got = by_name(odds_ratios(data["score"], data["y"]))["or_per_unit"]
    assert got.ci_low < np.exp(0.9) < got.ci_high and got.p_value < 1e-6


@pytest.mark.parametrize(
    ("score", "y"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 1, 1, 1, 1]),  # complete separation
        ([1, 2, 3, 4, 4, 6, 7, 8], [0, 0, 0, 0, 1, 1, 1, 1]),  # quasi-complete: a tie at 4
    ],
)
def test_separation_is_an_error_naming_it(score: list[float], y: list[int]) -> None:
    with pytest.raises(IcarusError, match=r"separated.*Firth") as caught:
        odds_ratios(score, y)
    assert "\n" not in str(caught.value)


def test_separation_by_a_covariate_is_an_error() -> None:
    score = [0.3, 1.2, 0.8, 0.1, 0.9, 0.4, 1.1, 0.2]
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    with pytest.raises(IcarusError, match="separated"):
        odds_ratios(score, y, np.array([0, 0, 0, 0, 1, 1, 1, 1.0]), covariate_names=["stage"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": [1.0, 1.0, 1.0, 1.0]}, "the value 1; an odds ratio needs a score that varies"),
        ({"y": [1, 1, 1, 1]}, "4 events in 4 patients, so only one class"),
        ({"y": [0, 0, 0, 0]}, "0 events in 4 patients"),
        ({"y": [0, 1, 2, 1]}, "must be 0 or 1.*2.0"),
        ({"y": [0, 1, 0]}, "3 values for 4 patients"),
        ({"score": [1.0, np.nan, 2.0, 3.0]}, "score: 1 of 4 values are missing"),
        ({"per": 0.0}, "positive step"),
        ({"level": 95.0}, "between 0 and 1"),
        ({"covariates": [[1.0], [2.0], [3.0], [4.0]], "covariate_names": ["a", "b"]},
         "1 columns but 2 names"),
        ({"covariates": [1.0, 2.0, 3.0]}, r"shape \(3, 1\) does not match 4 patients"),
        ({"covariates": [2.0, 4.0, 6.0, 8.0], "covariate_names": ["twice"]},
         r"covariates \(twice\) are collinear"),
    ],
)  # fmt: skip
def test_odds_ratio_input_errors(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"score": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1], **kwargs}
    with pytest.raises(IcarusError, match=message) as caught:
        odds_ratios(**arguments)
    assert "\n" not in str(caught.value)


# --- calibration ------------------------------------------------------------------------


def test_calibration_intercept_and_slope_match_r_glm(r_fits: dict[str, Any]) -> None:
    data = cohort()
    got = by_name(calibration(data["p"], data["y"])[0])
    intercept, slope = got["calibration_intercept"], got["calibration_slope"]
    b, low, high, p = (r_fits[f"intercept_{k}"] for k in ("b", "low", "high", "p"))
    assert_metric(intercept, b, low, high, p)
    b, low, high, se = (r_fits[f"slope_{k}"] for k in ("b", "low", "high", "se"))
    # the slope's p is for slope 1, not R's test of 0
    assert_metric(slope, b, low, high, 2 * stats.norm.sf(abs((b - 1) / se)))
    assert "offset(logit p)" in intercept.method and "p for 1" in slope.method


def test_lowess_curve_matches_r_lowess(r_fits: dict[str, Any]) -> None:
    data = cohort()
    smooth = calibration(data["p"], data["y"])[1].smooth
    expected = r_fits["lowess"]
    np.testing.assert_allclose(smooth["predicted"], expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(smooth["observed"], expected[:, 1], rtol=1e-9, atol=1e-12)


def test_brier_and_scaled_brier_by_hand() -> None:
    got = by_name(calibration([0.2, 0.8, 0.5, 0.1, 0.7, 0.4], [0, 1, 1, 0, 0, 1])[0])
    # (0.04 + 0.04 + 0.25 + 0.01 + 0.49 + 0.36) / 6; prevalence 1/2: 1 - Brier / 0.25
    assert got["brier"].estimate == pytest.approx(1.19 / 6, abs=1e-15)
    assert got["scaled_brier"].estimate == pytest.approx(1 - 1.19 / 1.5, abs=1e-14)


def test_well_calibrated_probabilities_have_intercept_0_and_slope_1() -> None:
    rng = np.random.default_rng(11)
    p = rng.uniform(0.05, 0.95, 4000)
    y = (rng.uniform(size=4000) < p).astype(int)
    got = by_name(calibration(p, y)[0])
    assert got["calibration_intercept"].ci_low < 0 < got["calibration_intercept"].ci_high
    assert got["calibration_slope"].ci_low < 1 < got["calibration_slope"].ci_high


def test_planted_miscalibration_is_found() -> None:
    data = cohort(n=4000, seed=5)  # true calibration slope 0.7
    slope = by_name(calibration(data["p"], data["y"])[0])["calibration_slope"]
    assert slope.ci_low < 0.7 < slope.ci_high and slope.ci_high < 1 and slope.p_value < 1e-6


def test_probabilities_of_0_or_1_are_left_out_of_the_logistic_fits_only() -> None:
    data = cohort()
    base = by_name(calibration(data["p"], data["y"])[0])
    extended = by_name(calibration([*data["p"], 0.0, 1.0], [*data["y"], 0, 1])[0])
    for name in ("calibration_intercept", "calibration_slope"):
        assert extended[name].estimate == pytest.approx(base[name].estimate, rel=1e-10)
        assert extended[name].method.endswith("; 2 probabilities of 0 or 1 left out")
    assert extended["brier"].estimate == pytest.approx(base["brier"].estimate * 100 / 102)


def test_binned_curve_uses_quantile_groups_with_clopper_pearson_limits() -> None:
    p = np.arange(1, 21) / 21
    y = np.array([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1])
    bins = calibration(p, y, bins=4)[1].bins
    assert tuple(bins.columns) == BIN_COLUMNS
    assert bins["n"].tolist() == [5, 5, 5, 5] and bins["events"].tolist() == [0, 1, 3, 5]
    np.testing.assert_allclose(bins["mean_predicted"], [3 / 21, 8 / 21, 13 / 21, 18 / 21])
    limits = bins[["events", "n", "ci_low", "ci_high"]].to_numpy()
    for events, n, low, high in limits:
        ci = stats.binomtest(int(events), int(n)).proportion_ci(0.95, method="exact")
        assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_tied_predictions_stay_in_one_group() -> None:
    p = [0.1] * 6 + [0.4] * 2 + [0.7] * 2
    y = [0, 0, 0, 1, 0, 0, 1, 0, 1, 1]
    curve = calibration(p, y, bins=5)[1]
    assert curve.bins["n"].tolist() == [6, 2, 2]
    assert curve.bins["mean_predicted"].tolist() == pytest.approx([0.1, 0.4, 0.7])
    assert curve.smooth["predicted"].tolist() == pytest.approx([0.1, 0.4, 0.7])


@pytest.mark.parametrize(
    ("p", "y", "message"),
    [
        ([0.2, 1.3, 0.5, 0.1], [0, 1, 1, 0], "1 of 4 values lie outside"),
        ([0.2, -0.1, 0.5, 0.1], [0, 1, 1, 0], "outside \\[0, 1\\]"),
        ([0.2, np.inf, 0.5, 0.1], [0, 1, 1, 0], "missing or infinite"),
        ([0.3, 0.3, 0.3, 0.3], [0, 1, 1, 0], "probability 0.3; a calibration slope"),
        ([0.0, 1.0, 0.0, 1.0], [0, 1, 1, 0], "fewer than two distinct values strictly"),
        ([0.2, 0.8, 0.5, 0.1], [1, 1, 1, 1], "only one class"),
        ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], "separated"),
    ],
)
def test_calibration_input_errors(p: list[float], y: list[int], message: str) -> None:
    with pytest.raises(IcarusError, match=message) as caught:
        calibration(p, y)
    assert "\n" not in str(caught.value)


# --- decision curves --------------------------------------------------------------------

EIGHT_P = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
EIGHT_Y = [1, 1, 0, 1, 0, 1, 0, 0]


def test_decision_curve_by_hand() -> None:
    curve = decision_curve(EIGHT_P, EIGHT_Y, thresholds=[0.1, 0.25, 0.5, 0.8, 0.95])
    assert tuple(curve.columns) == DECISION_COLUMNS
    # pt 0.1: all 8 treated, TP 4, FP 4: 4/8 - 4/8 x 1/9, the same as treat-all
    # pt 0.25: p >= 0.25 treats 6, TP 4, FP 2: 4/8 - 2/8 x 1/3
    # pt 0.5: treats 4 (0.9, 0.8, 0.7, 0.6), TP 3, FP 1: 3/8 - 1/8 x 1
    # pt 0.8: p = 0.8 counts as positive: TP 2, FP 0
    # pt 0.95: nobody treated
    expected = [0.5 - 0.5 / 9, 0.5 - 0.25 / 3, 0.25, 0.25, 0.0]
    np.testing.assert_allclose(curve["net_benefit"], expected, atol=1e-15)
    np.testing.assert_allclose(curve["treat_all"], [0.5 - 0.5 / 9, 0.5 - 0.5 / 3, 0.0,
                                                    0.5 - 0.5 * 4, 0.5 - 0.5 * 19])  # fmt: skip
    assert (curve["treat_none"] == 0).all()
    np.testing.assert_allclose(curve["standardised_net_benefit"], np.array(expected) / 0.5)


def test_default_thresholds_are_exact_hundredths() -> None:
    curve = decision_curve(EIGHT_P, EIGHT_Y)
    assert len(curve) == 99 and curve["threshold"].iloc[6] == 0.07
    assert THRESHOLDS[69] == 0.7
    # p = 0.7 is treated at pt = 0.7 (np.arange's 0.7000000000000001 would leave it out)
    at = curve.loc[curve["threshold"] == 0.7, "net_benefit"].item()
    assert at == pytest.approx(2 / 8 - 1 / 8 * 0.7 / 0.3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), min_size=2, max_size=30))
def test_decision_curve_invariants(patients: list[tuple[float, bool]]) -> None:
    p = np.array([q for q, _ in patients])
    y = np.array([int(e) for _, e in patients])
    if y.min() == y.max():
        y[0] = 1 - y[0]
    prevalence = y.mean()
    curve = decision_curve(p, y, thresholds=[0.0, *THRESHOLDS])
    assert curve["net_benefit"].iloc[0] == pytest.approx(prevalence)  # pt 0: treat everyone
    assert (curve["net_benefit"] <= prevalence + 1e-12).all()
    below = curve["threshold"] <= p.min()  # everyone is treated: the same as treat-all
    np.testing.assert_allclose(curve.loc[below, "net_benefit"], curve.loc[below, "treat_all"])
    above = curve["threshold"] > p.max()  # nobody is treated
    assert (curve.loc[above, "net_benefit"] == 0).all()


def test_perfect_model_net_benefit_is_prevalence() -> None:
    curve = decision_curve([1.0, 1.0, 0.0, 0.0, 0.0], [1, 1, 0, 0, 0])
    np.testing.assert_allclose(curve["net_benefit"], 0.4)


@pytest.mark.parametrize(
    ("thresholds", "y", "message"),
    [
        ([0.5, 1.0], EIGHT_Y, "thresholds must be probabilities in \\[0, 1\\)"),
        ([], EIGHT_Y, "at least one"),
        ([-0.1], EIGHT_Y, "thresholds must be"),
        ([0.5], [0] * 8, "only one class"),
    ],
)
def test_decision_curve_errors(thresholds: list[float], y: list[int], message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        decision_curve(EIGHT_P, y, thresholds=thresholds)


# --- figures ----------------------------------------------------------------------------


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Figures handed to save_figure, kept open to inspect (closed at the end)."""
    figures: list[Any] = []
    monkeypatch.setattr(calibration_plots, "save_figure", lambda f, *_: figures.append(f))
    yield figures
    for figure in figures:
        plt.close(figure)


def two_scores() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    data = cohort()
    other = expit(0.5 * data["score"].to_numpy())
    curves = {"model": calibration(data["p"], data["y"])[1],
              "score": calibration(other, data["y"])[1]}  # fmt: skip
    decisions = {"model": decision_curve(data["p"], data["y"]),
                 "score": decision_curve(other, data["y"])}  # fmt: skip
    return curves, decisions


@pytest.mark.parametrize("figure_format", ["png", "svg", "pdf"])
def test_figures_are_written_in_each_format(tmp_path: Path, figure_format: FigureFormat) -> None:
    curves, decisions = two_scores()
    calibration_figure(curves, tmp_path / "cal", "Calibration", figure_format)
    decision_figure(decisions, tmp_path / "dca", "Decision curve", figure_format)
    for name in ("cal", "dca"):
        assert (tmp_path / name).read_bytes().startswith(MAGIC[figure_format])


def test_svg_bytes_repeat(tmp_path: Path) -> None:
    curves, decisions = two_scores()
    for run in ("a", "b"):
        calibration_figure(curves, tmp_path / f"cal_{run}.svg", "Calibration", "svg")
        decision_figure(decisions, tmp_path / f"dca_{run}.svg", "Decision curve", "svg")
    for name in ("cal", "dca"):
        assert (tmp_path / f"{name}_a.svg").read_bytes() == (
            tmp_path / f"{name}_b.svg").read_bytes()  # fmt: skip


def test_no_curves_draw_no_data(tmp_path: Path) -> None:
    calibration_figure({}, tmp_path / "cal.png", "Calibration")
    decision_figure({}, tmp_path / "dca.png", "Decision curve")
    assert (tmp_path / "cal.png").stat().st_size > 0 and (tmp_path / "dca.png").stat().st_size > 0


def test_calibration_figure_draws_points_bars_lines_and_histograms(drawn: list[Any]) -> None:
    curves, _ = two_scores()
    calibration_figure(curves, Path("unused.png"), "Calibration")
    axis, spread = drawn[0].axes
    labels = [t.get_text() for t in axis.get_legend().get_texts()]
    assert labels == ["Ideal", "model", "score", "Quantile groups (95% CI)"]
    assert len(spread.patches) == 2  # one step histogram per score
    assert axis.get_xlim() == (-0.02, 1.02) and axis.get_ylim() == (-0.02, 1.02)


def test_decision_figure_draws_treat_all_once_for_the_same_patients(drawn: list[Any]) -> None:
    _, decisions = two_scores()
    decision_figure(decisions, Path("unused.png"), "Decision curve")
    axis = drawn[0].axes[0]
    labels = [t.get_text() for t in axis.get_legend().get_texts()]
    assert labels == ["Treat all", "model", "score", "Treat none"]
    low, high = axis.get_ylim()
    prevalence = cohort()["y"].mean()
    assert low < 0 < prevalence < high < 1.1 * prevalence


def test_decision_figure_draws_treat_all_per_cohort_when_they_differ(drawn: list[Any]) -> None:
    decisions = {
        "A": decision_curve(EIGHT_P, EIGHT_Y),
        "B": decision_curve(EIGHT_P, [1] * 6 + [0] * 2),
    }
    decision_figure(decisions, Path("unused.png"), "Decision curve")
    labels = [t.get_text() for t in drawn[0].axes[0].get_legend().get_texts()]
    assert labels == ["A", "Treat all (A)", "B", "Treat all (B)", "Treat none"]
