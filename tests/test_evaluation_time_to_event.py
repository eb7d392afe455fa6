"""A continuous score against PFS: hazard ratios, Harrell's C, landmark AUC, tertiles, the
maxstat cutpoint and the spline hazard curve, checked live against R and on planted data.

The R reference (``rscript_with("survival", "maxstat")``; written for survival 3.5-3 and
maxstat 0.7-25) is run once on two seeded data sets of 120 patients with ties in both
time (rounded to half months) and score: ``planted`` (log HR 0.6 per unit, plus age and
stage) and ``noise`` (a score unrelated to PFS, rounded to steps of 0.5). The calls are
``coxph(Surv(time, event) ~ score (+ age + stage))``, ``concordance(..., reverse = TRUE)``,
``maxstat.test(..., smethod = "LogRank", pmethod = "Lau94", minprop = 0.1, maxprop = 0.9)``,
``cut(score, quantile(score, 0:3 / 3), include.lowest = TRUE)`` and ``coxph`` on
``splines::ns(score, knots = inner, Boundary.knots = outer)``, whose log-HR curve against
the median (a contrast of the ``ns`` basis with ``vcov``) spans the same functions as ours.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.time_to_event import (
    SPLINE_COLUMNS,
    concordance,
    groups_by_tertile,
    hazard_ratio,
    landmark_auc,
    maxstat_cutpoint,
    spline_hazard,
)
from icarus_omics.io.spline_plots import spline_figure
from icarus_omics.survival.cox import harrell_c
from tests.conftest import rscript_with

N = 120
DATASETS = ("planted", "noise")
RTOL = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(maxstat)})
a <- commandArgs(TRUE)
all <- read.delim(a[1])
out <- file(a[2], "w")
put <- function(key, x) writeLines(paste(key, paste(format(x, digits = 17), collapse = " "),
                                         sep = "\t"), out)
for (name in unique(all$dataset)) {
  d <- all[all$dataset == name, ]
  f <- coxph(Surv(time, event) ~ score, d)
  put(paste(name, "cox"), c(summary(f)$conf.int[1, c(1, 3, 4)], summary(f)$coefficients[1, 5]))
  s <- coxph(Surv(time, event) ~ scale(score), d)
  put(paste(name, "cox_sd"), c(summary(s)$conf.int[1, c(1, 3, 4)],
                               summary(s)$coefficients[1, 5]))
  f2 <- coxph(Surv(time, event) ~ score + age + stage, d)
  put(paste(name, "cox_adjusted"), c(summary(f2)$conf.int[1, c(1, 3, 4)],
                                     summary(f2)$coefficients[1, 5]))
  cc <- concordance(Surv(time, event) ~ score, d, reverse = TRUE)
  put(paste(name, "concordance"), c(cc$concordance, sqrt(cc$var)))
  m <- maxstat.test(Surv(time, event) ~ score, d, smethod = "LogRank", pmethod = "Lau94",
                    minprop = 0.1, maxprop = 0.9)
  put(paste(name, "maxstat"), c(m$estimate, m$statistic, m$p.value))
  g <- cut(d$score, quantile(d$score, c(0, 1, 2, 3) / 3), include.lowest = TRUE,
           labels = c("low", "mid", "high"))
  put(paste(name, "tertiles"), as.character(g))
  k <- quantile(d$score, c(0.05, 0.35, 0.65, 0.95))
  basis <- splines::ns(d$score, knots = k[2:3], Boundary.knots = k[c(1, 4)])
  ns_fit <- coxph(Surv(time, event) ~ basis, d)
  grid <- seq(min(d$score), max(d$score), length.out = 100)
  contrast <- predict(basis, grid) - predict(basis, median(d$score))[rep(1, 100), ]
  put(paste(name, "knots"), k)
  put(paste(name, "spline_log_hr"), contrast %*% coef(ns_fit))
  put(paste(name, "spline_se"), sqrt(rowSums((contrast %*% vcov(ns_fit)) * contrast)))
  put(paste(name, "loglik"), c(ns_fit$loglik, f$loglik[2]))
}
close(out)
"""


def simulated(name: str, n: int = N) -> pd.DataFrame:
    """Seeded PFS of ``n`` patients (months; ties from rounding to half months) with a
    score (ties from rounding), age and stage; ``planted``: log HR 0.6 per unit of score."""
    rng = np.random.default_rng(7 if name == "planted" else 11)
    raw = rng.normal(0.0, 1.0, n)
    score = np.round(raw, 1) if name == "planted" else np.round(2 * raw) / 2
    age = np.round(rng.normal(60.0, 8.0, n))
    stage = rng.integers(0, 2, n).astype(float)
    effect = 0.6 * score if name == "planted" else 0.0
    progression = rng.exponential(1.0 / (0.08 * np.exp(effect + 0.3 * stage)))
    censoring = rng.uniform(6.0, 36.0, n)
    time = np.maximum(np.round(2 * np.minimum(progression, censoring)) / 2, 0.5)
    event = (progression <= censoring).astype(int)
    return pd.DataFrame({"dataset": name, "score": score, "time": time, "event": event,
                         "age": age, "stage": stage})  # fmt: skip


def columns(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = simulated(name)
    return data["score"].to_numpy(), data["time"].to_numpy(), data["event"].to_numpy()


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """R's numbers for both data sets, keyed (data set, quantity); one Rscript run."""
    rscript = rscript_with("survival", "maxstat")
    folder = tmp_path_factory.mktemp("time_to_event")
    data = pd.concat([simulated(name) for name in DATASETS])
    # %.17g keeps every bit, so R reads exactly the doubles we use
    data.to_csv(folder / "d.tsv", sep="\t", index=False, float_format="%.17g")
    (folder / "reference.R").write_text(R_SCRIPT)
    subprocess.run([rscript, str(folder / "reference.R"), str(folder / "d.tsv"),
                    str(folder / "out.tsv")], capture_output=True, text=True, timeout=120,
                   check=True)  # fmt: skip
    results = {}
    for line in (folder / "out.tsv").read_text().splitlines():
        key, values = line.split("\t")
        name, quantity = key.split(" ")
        results[(name, quantity)] = values.split()
    return results


def r_numbers(results: dict[tuple[str, str], list[str]], name: str, key: str) -> np.ndarray:
    return np.array([float(v) for v in results[(name, key)]])


@pytest.mark.parametrize("name", DATASETS)
def test_hazard_ratio_matches_coxph(r_results: dict, name: str) -> None:
    data = simulated(name)
    score, time, event = columns(name)
    per_unit, per_sd = hazard_ratio(score, time, event)
    adjusted = hazard_ratio(score, time, event, data[["age", "stage"]].to_numpy(),
                            names=("age", "stage"))[0]  # fmt: skip
    for metric, key in ((per_unit, "cox"), (per_sd, "cox_sd"), (adjusted, "cox_adjusted")):
        ours = [metric.estimate, metric.ci_low, metric.ci_high, metric.p_value]
        np.testing.assert_allclose(ours, r_numbers(r_results, name, key), rtol=RTOL)
    assert "adjusted for age, stage" in adjusted.method and "Efron" in per_unit.method


@pytest.mark.parametrize("name", DATASETS)
def test_concordance_matches_r(r_results: dict, name: str) -> None:
    c_index, se = r_numbers(r_results, name, "concordance")
    metric = concordance(*columns(name))
    z = stats.norm.ppf(0.975)
    assert metric.estimate == pytest.approx(c_index, rel=1e-12)
    assert (metric.ci_high - metric.ci_low) / (2 * z) == pytest.approx(se, rel=1e-9)
    assert metric.metric == "c_index" and "jackknife" in metric.method


@pytest.mark.parametrize("name", DATASETS)
def test_maxstat_matches_r(r_results: dict, name: str) -> None:
    cutpoint, statistic, p_value = r_numbers(r_results, name, "maxstat")
    found = maxstat_cutpoint(*columns(name))
    assert found.cutpoint == cutpoint
    assert found.statistic == pytest.approx(statistic, rel=1e-10)
    assert found.p_value == pytest.approx(p_value, rel=1e-9)


@pytest.mark.parametrize("name", DATASETS)
def test_tertiles_match_cut(r_results: dict, name: str) -> None:
    score, _, _ = columns(name)
    assert groups_by_tertile(score).tolist() == r_results[(name, "tertiles")]


@pytest.mark.parametrize("name", DATASETS)
def test_spline_curve_matches_ns(r_results: dict, name: str) -> None:
    curve = spline_hazard(*columns(name))
    np.testing.assert_allclose(curve.knots, r_numbers(r_results, name, "knots"), rtol=1e-12)
    np.testing.assert_allclose(curve.log_hazard_ratio, r_numbers(r_results, name,
                               "spline_log_hr"), rtol=0, atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(curve.std_error, r_numbers(r_results, name, "spline_se"),
                               rtol=0, atol=1e-6)  # fmt: skip
    null, spline, linear = r_numbers(r_results, name, "loglik")
    assert curve.p_overall == pytest.approx(stats.chi2.sf(2 * (spline - null), 3), rel=1e-6)
    assert curve.p_nonlinear == pytest.approx(stats.chi2.sf(2 * (spline - linear), 2), rel=1e-6)


def test_planted_effect_is_found() -> None:
    score, time, event = columns("planted")
    per_unit, per_sd = hazard_ratio(score, time, event)
    assert per_unit.ci_low > 1 and per_unit.p_value < 1e-3
    assert per_sd.estimate == pytest.approx(per_unit.estimate ** np.std(score, ddof=1))
    assert concordance(score, time, event).ci_low > 0.5
    assert all(m.estimate > 0.6 for m in landmark_auc(score, time, event, [6, 12]))
    assert maxstat_cutpoint(score, time, event).p_value < 0.05
    curve = spline_hazard(score, time, event)
    assert curve.p_overall < 1e-3 and curve.p_nonlinear > 0.05  # linear truth
    assert curve.hazard_ratio[-1] > 1 > curve.hazard_ratio[0]


def test_noise_score_is_not_found() -> None:
    score, time, event = columns("noise")
    per_unit, _ = hazard_ratio(score, time, event)
    assert per_unit.ci_low < 1 < per_unit.ci_high and per_unit.p_value > 0.05
    c_index = concordance(score, time, event)
    assert c_index.ci_low < 0.5 < c_index.ci_high
    assert maxstat_cutpoint(score, time, event).p_value > 0.05
    assert spline_hazard(score, time, event).p_overall > 0.05


def test_maxstat_cutpoint_separates_a_step_and_is_flagged() -> None:
    rng = np.random.default_rng(3)
    score = np.round(rng.uniform(0, 10, 200), 1)
    time = rng.exponential(np.where(score > 6.0, 4.0, 20.0))
    found = maxstat_cutpoint(score, time, np.ones(200))
    assert 5.5 <= found.cutpoint <= 6.5
    metric = found.metric()
    assert metric.estimate == found.cutpoint and "data-driven" in metric.method


def test_tertiles_known_answer() -> None:
    labels = groups_by_tertile(np.array([9, 1, 5, 2, 8, 3, 7, 4, 6], dtype=float))
    assert labels.tolist() == ["high", "low", "mid", "low", "high", "low", "high", "mid", "mid"]


def test_spline_is_zero_at_the_reference_and_tabulates() -> None:
    score, time, event = columns("planted")
    curve = spline_hazard(score, time, event, knots=3, grid=41, reference=score.min())
    assert curve.log_hazard_ratio[0] == pytest.approx(0.0, abs=1e-12)
    assert curve.std_error[0] == pytest.approx(0.0, abs=1e-9)
    table = curve.table()
    assert tuple(table.columns) == SPLINE_COLUMNS and len(table) == 41
    assert [m.metric for m in curve.metrics()] == ["spline_association", "spline_nonlinearity"]


def test_near_tied_times_are_merged_as_r_does() -> None:
    score, time, event = columns("planted")
    values, counts = np.unique(time[event == 1], return_counts=True)
    tied = time == values[np.argmax(counts)]  # the most often tied progression time
    later = tied & (np.cumsum(tied) > 1)
    nudged = np.where(later, time * (1 + 1e-12), time)  # as days / 30.4375 computed twice
    assert harrell_c(score, nudged, event) != harrell_c(score, time, event)  # R would merge
    assert concordance(score, nudged, event) == concordance(score, time, event)
    assert hazard_ratio(score, nudged, event) == hazard_ratio(score, time, event)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("few", "only 8 patients"),
        ("no_events", "no progression"),
        ("constant", "without variation"),
        ("missing", "must be finite"),
        ("lengths", "give one of each"),
    ],
)
def test_errors(change: str, message: str) -> None:
    score, time, event = columns("planted")
    if change == "few":
        score, time, event = score[:8], time[:8], event[:8]
    elif change == "no_events":
        event = np.zeros_like(event)
    elif change == "constant":
        score = np.full_like(score, 2.5)
    elif change == "missing":
        score = np.where(np.arange(N) == 3, np.nan, score)
    else:
        time = time[:-1]
    for function in (hazard_ratio, concordance, maxstat_cutpoint, spline_hazard):
        with pytest.raises(IcarusError, match=message) as raised:
            function(score, time, event)
        assert "\n" not in str(raised.value)


def test_too_many_ties_for_tertiles_or_knots() -> None:
    score = np.array([0.0] * 8 + [1.0, 2.0, 3.0, 4.0])
    time, event = np.arange(1.0, 13.0), np.ones(12)
    with pytest.raises(IcarusError, match="three groups"):
        groups_by_tertile(score)
    with pytest.raises(IcarusError, match="fewer knots"):
        spline_hazard(score, time, event)


@pytest.mark.parametrize("figure_format", ["png", "svg", "pdf"])
def test_spline_figure_is_written_and_repeats(tmp_path: Path, figure_format: str) -> None:
    curve = spline_hazard(*columns("planted"))
    first, second = tmp_path / f"a.{figure_format}", tmp_path / f"b.{figure_format}"
    spline_figure(curve, first, "PFS by score", figure_format=figure_format)  # type: ignore[arg-type]
    spline_figure(curve, second, "PFS by score", figure_format=figure_format)  # type: ignore[arg-type]
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[figure_format]
    assert first.read_bytes().startswith(magic)
    assert first.read_bytes() == second.read_bytes()
