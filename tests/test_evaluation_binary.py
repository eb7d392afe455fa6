"""Discrimination of a score for a binary outcome (evaluation/binary.py) and its figures.

Live references: R pROC 1.18 (``roc(y, score, levels = c(0, 1), direction = "<")`` with
``ci.auc(method = "delong")``, ``var(method = "delong")``, ``roc.test(method = "delong",
paired = TRUE)`` and ``coords``), scikit-learn (``average_precision_score``,
``precision_recall_curve``) and statsmodels (``cohens_kappa``).
"""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve
from statsmodels.stats.inter_rater import cohens_kappa

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation import binary
from icarus_omics.evaluation.metrics import Metric
from icarus_omics.io.figures import FigureFormat
from icarus_omics.io.roc_plots import pr_figure, roc_figure
from tests.conftest import rscript_with

RTOL = 1e-10
GRID = np.arange(101) / 100
DATA_THRESHOLDS = (-0.3, 0.0, 0.5, 1.2)  # values s1 takes: the >= rule decides their patients

R_SCRIPT = r"""
suppressPackageStartupMessages(library(pROC))
out <- function(name, key, v) cat(name, key, sprintf("%.17g", v), "\n")
for (path in commandArgs(TRUE)) {
  d <- read.csv(path)
  name <- basename(path)
  r1 <- roc(d$y, d$s1, levels = c(0, 1), direction = "<", quiet = TRUE)
  r2 <- roc(d$y, d$s2, levels = c(0, 1), direction = "<", quiet = TRUE)
  out(name, "ci1", as.numeric(ci.auc(r1, method = "delong")))
  out(name, "p1", 2 * pnorm(-abs((auc(r1) - 0.5) / sqrt(var(r1, method = "delong")))))
  t <- roc.test(r1, r2, method = "delong", paired = TRUE)
  out(name, "test", c(t$estimate, t$statistic, t$p.value, t$conf.int))
  for (k in 1:2) {
    r <- list(r1, r2)[[k]]
    b <- coords(r, "best", best.method = "youden", ret = c("threshold", "sensitivity",
                                                           "specificity"))
    out(name, paste0("best", k), c(b$threshold[1], b$sensitivity[1], b$specificity[1]))
    out(name, paste0("tied", k), b$threshold)
    out(name, paste0("se_at", k),
        coords(r, (0:100) / 100, input = "specificity", ret = "sensitivity")$sensitivity)
  }
  if (name == "simulated.csv") {
    a <- coords(r1, c(-0.3, 0, 0.5, 1.2), input = "threshold", ret = c("sensitivity",
                                                                       "specificity"))
    out(name, "at_se", a$sensitivity)
    out(name, "at_sp", a$specificity)
  }
}
"""


def _simulated() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """80 patients, 40% cases; s1 rounded to 0.1 and s2 to integers: many ties."""
    rng = np.random.default_rng(11)
    y = (rng.random(80) < 0.4).astype(np.int64)
    s1 = np.round(rng.normal(0, 1, 80) + 0.8 * y, 1)
    s2 = np.round(3 * rng.normal(0, 1, 80) + 1.2 * y + 0.5 * s1)
    return s1, s2, y


# Youden ties: thresholds 2.5 and 4.5 both give sensitivity + specificity = 5/3 for s1; s2
# is worse than chance, so its best is -inf and +inf (J = 0).
TIES = (
    np.array([1.0, 2, 3, 4, 5, 6]),
    np.array([6.0, 5, 4, 3, 2, 1]),
    np.array([0, 0, 1, 0, 1, 1]),
)
DATASETS = {"simulated.csv": _simulated(), "ties.csv": TIES}


@pytest.fixture(scope="module")
def proc(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], np.ndarray]:
    """pROC's answers per (data set, key), from one Rscript run over both data sets."""
    rscript = rscript_with("pROC")
    folder = tmp_path_factory.mktemp("proc")
    paths = []
    for name, (s1, s2, y) in DATASETS.items():
        rows = [f"{int(a)},{float(b)!r},{float(c)!r}" for a, b, c in zip(y, s1, s2, strict=True)]
        (folder / name).write_text("y,s1,s2\n" + "\n".join(rows) + "\n")
        paths.append(str(folder / name))
    (folder / "check.R").write_text(R_SCRIPT)
    done = subprocess.run([rscript, str(folder / "check.R"), *paths], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    answers = {}
    for line in done.stdout.splitlines():
        name, key, *values = line.split()
        answers[name, key] = np.array([float(v) for v in values])
    return answers


@pytest.mark.parametrize("name", list(DATASETS))
def test_auc_and_delong_interval_and_p_match_proc(proc: dict, name: str) -> None:
    s1, _, y = DATASETS[name]
    auc = binary.roc_auc(s1, y)
    low, estimate, high = proc[name, "ci1"]
    np.testing.assert_allclose([auc.ci_low, auc.estimate, auc.ci_high], [low, estimate, high],
                               rtol=RTOL, atol=0)  # fmt: skip
    np.testing.assert_allclose(auc.p_value, proc[name, "p1"][0], rtol=RTOL, atol=0)
    assert auc.metric == "auc" and "DeLong 95% CI" in auc.method


@pytest.mark.parametrize("name", list(DATASETS))
def test_paired_delong_test_matches_roc_test(proc: dict, name: str) -> None:
    s1, s2, y = DATASETS[name]
    test = binary.delong_test(s1, s2, y)
    auc1, auc2, z, p_value, low, high = proc[name, "test"]
    np.testing.assert_allclose([test.auc1, test.auc2, test.z, test.p_value, test.ci_low,
                                test.ci_high], [auc1, auc2, z, p_value, low, high],
                               rtol=RTOL, atol=0)  # fmt: skip
    assert test.difference == pytest.approx(auc1 - auc2, rel=RTOL)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("which", [1, 2])
def test_youden_threshold_matches_proc_coords_best(proc: dict, name: str, which: int) -> None:
    score, y = DATASETS[name][which - 1], DATASETS[name][2]
    best = binary.youden_threshold(score, y)
    np.testing.assert_allclose([best.threshold, best.sensitivity, best.specificity],
                               proc[name, f"best{which}"], rtol=RTOL, atol=0)  # fmt: skip
    np.testing.assert_allclose(best.tied, proc[name, f"tied{which}"], rtol=RTOL, atol=0)


def test_youden_ties_keep_the_first_threshold_pROC_lists() -> None:
    assert binary.youden_threshold(TIES[0], TIES[2]).tied == (2.5, 4.5)
    assert binary.youden_threshold(TIES[0], TIES[2]).threshold == 2.5
    assert binary.youden_threshold(TIES[1], TIES[2]).threshold == -math.inf


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("which", [1, 2])
def test_sensitivity_at_specificity_matches_proc_coords(proc: dict, name: str,
                                                        which: int) -> None:  # fmt: skip
    score, y = DATASETS[name][which - 1], DATASETS[name][2]
    np.testing.assert_allclose(binary.sensitivity_at(score, y, GRID), proc[name, f"se_at{which}"],
                               rtol=RTOL, atol=0)  # fmt: skip


def test_threshold_rule_is_greater_or_equal_as_proc(proc: dict) -> None:
    s1, _, y = DATASETS["simulated.csv"]
    assert all(np.isin(DATA_THRESHOLDS, s1))
    for index, threshold in enumerate(DATA_THRESHOLDS):
        metrics = {m.metric: m for m in binary.threshold_metrics(s1, y, threshold)}
        assert metrics["sensitivity"].estimate == pytest.approx(
            proc["simulated.csv", "at_se"][index], rel=RTOL)  # fmt: skip
        assert metrics["specificity"].estimate == pytest.approx(
            proc["simulated.csv", "at_sp"][index], rel=RTOL)  # fmt: skip
        assert f"score >= {threshold:g}" in metrics["ppv"].method


def test_metrics_at_the_youden_threshold_match_its_coordinates() -> None:
    s1, _, y = DATASETS["simulated.csv"]
    best = binary.youden_threshold(s1, y)
    metrics = {m.metric: m for m in binary.threshold_metrics(s1, y, best.threshold)}
    assert metrics["sensitivity"].estimate == best.sensitivity
    assert metrics["specificity"].estimate == best.specificity


def test_tiny_example_by_hand() -> None:
    # cases 0.8, 0.6, 0.4; controls 0.5, 0.4, 0.1: 7.5 of 9 pairs ordered (the tie is 1/2)
    score, y = [0.8, 0.6, 0.4, 0.5, 0.4, 0.1], [1, 1, 1, 0, 0, 0]
    assert binary.roc_auc(score, y).estimate == pytest.approx(7.5 / 9, rel=1e-15)
    # at 0.5 the control scoring 0.5 is positive: tp 2, fp 1, fn 1, tn 2; observed agreement
    # 4/6, chance agreement (3*3 + 3*3)/36 = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3
    metrics = {m.metric: m for m in binary.threshold_metrics(score, y, 0.5)}
    assert metrics["kappa"].estimate == pytest.approx(1 / 3, rel=1e-12)
    for name in ("sensitivity", "specificity", "ppv", "npv"):
        assert metrics[name].estimate == pytest.approx(2 / 3, rel=1e-15)
        assert metrics[name].ci_low < 2 / 3 < metrics[name].ci_high


def test_kappa_limits_and_p_match_statsmodels() -> None:
    s1, _, y = DATASETS["simulated.csv"]
    kappa = binary.threshold_metrics(s1, y, 0.45)[-1]
    called = s1 >= 0.45
    table = [[np.sum(called & (y == 1)), np.sum(called & (y == 0))],
             [np.sum(~called & (y == 1)), np.sum(~called & (y == 0))]]  # fmt: skip
    reference = cohens_kappa(np.array(table))
    np.testing.assert_allclose(
        [kappa.estimate, kappa.ci_low, kappa.ci_high, kappa.p_value],
        [reference.kappa, reference.kappa_low, reference.kappa_upp, reference.pvalue_two_sided],
        rtol=1e-12,
    )


def test_nobody_called_positive_leaves_ppv_undefined() -> None:
    metrics = {m.metric: m for m in binary.threshold_metrics([1, 2, 3, 4], [0, 1, 0, 1], 9)}
    assert math.isnan(metrics["ppv"].estimate) and metrics["sensitivity"].estimate == 0
    assert metrics["npv"].estimate == 0.5


AP_DATA = {
    "simulated_s1": (DATASETS["simulated.csv"][0], DATASETS["simulated.csv"][2]),
    "simulated_s2": (DATASETS["simulated.csv"][1], DATASETS["simulated.csv"][2]),
    "all_tied_but_one": (np.array([1.0, 1, 1, 1, 2]), np.array([0, 1, 0, 1, 1])),
    "perfect": (np.array([0.1, 0.2, 0.9, 0.8]), np.array([0, 0, 1, 1])),
    "reversed": (np.array([0.9, 0.8, 0.1, 0.2]), np.array([0, 0, 1, 1])),
    "continuous": (np.random.default_rng(3).normal(size=57), np.arange(57) % 3 == 0),
}


@pytest.mark.parametrize("name", list(AP_DATA))
def test_average_precision_equals_sklearn(name: str) -> None:
    score, y = AP_DATA[name]
    assert binary.average_precision(score, y) == pytest.approx(
        average_precision_score(y, score), rel=1e-12)  # fmt: skip


@pytest.mark.parametrize("name", list(AP_DATA))
def test_pr_points_equal_sklearn_curve(name: str) -> None:
    score, y = AP_DATA[name]
    points = binary.pr_points(score, y)
    precision, recall, thresholds = precision_recall_curve(y, score)
    np.testing.assert_allclose(points.precision, precision, rtol=1e-15)
    np.testing.assert_allclose(points.recall, recall, rtol=1e-15)
    np.testing.assert_array_equal(points.threshold, thresholds)
    assert points.prevalence == pytest.approx(np.mean(y))


def test_row_statistics_equal_their_one_sample_functions() -> None:
    s1, _, y = DATASETS["simulated.csv"]
    rows = binary.stratified_resamples(y, n=25, seed=4)
    scores, labels = s1[rows], y[rows]
    expected_ap = [binary.average_precision(s, t) for s, t in zip(scores, labels, strict=True)]
    expected_auc = [binary.roc_auc(s, t).estimate for s, t in zip(scores, labels, strict=True)]
    np.testing.assert_allclose(binary.average_precision_rows(scores, labels), expected_ap,
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(binary.auc_rows(scores, labels), expected_auc, rtol=1e-12)


def test_stratified_resamples_keep_class_counts() -> None:
    _, _, y = DATASETS["simulated.csv"]
    rows = binary.stratified_resamples(y, n=300, seed=1)
    assert rows.shape == (300, len(y))
    assert (y[rows].sum(axis=1) == y.sum()).all()
    assert (y[rows][:, : int((y == 0).sum())] == 0).all()  # controls first, drawn from controls
    assert len(np.unique(rows)) > 0.9 * len(y)  # every patient can be drawn


def test_bootstrap_ci_is_reproducible_and_contains_the_estimate() -> None:
    s1, _, y = DATASETS["simulated.csv"]
    first = binary.bootstrap_ci(binary.average_precision_rows, s1, y, seed=7)
    assert first == binary.bootstrap_ci(binary.average_precision_rows, s1, y, seed=7)
    assert first != binary.bootstrap_ci(binary.average_precision_rows, s1, y, seed=8)
    assert first[0] < binary.average_precision(s1, y) < first[1]
    low, high = binary.bootstrap_ci(binary.auc_rows, s1, y, level=0.9)
    auc = binary.roc_auc(s1, y)
    assert low < auc.estimate < high
    assert abs((high - low) - (auc.ci_high - auc.ci_low) * 1.645 / 1.96) < 0.05


def test_bootstrap_of_200_patients_takes_well_under_a_second() -> None:
    rng = np.random.default_rng(0)
    score, y = np.round(rng.normal(size=200), 2), (rng.random(200) < 0.3).astype(int)
    start = time.perf_counter()
    binary.bootstrap_ci(binary.average_precision_rows, score, y, n=2000)
    binary.roc_band(score, y, n=2000)
    assert time.perf_counter() - start < 1.0


def test_roc_band_brackets_the_curve_and_is_seeded() -> None:
    s1, _, y = DATASETS["simulated.csv"]
    band = binary.roc_band(s1, y, n=500, seed=2)
    assert (band.low <= band.median).all() and (band.median <= band.high).all()
    assert band.low[0] == band.high[0] == 1.0  # at specificity 0 every case is positive
    curve = binary.sensitivity_at(s1, y, band.specificity)
    assert np.mean((band.low <= curve) & (curve <= band.high)) > 0.95
    np.testing.assert_array_equal(band.high, binary.roc_band(s1, y, n=500, seed=2).high)


def test_roc_points_run_from_all_positive_to_none() -> None:
    points = binary.roc_points(TIES[0], TIES[2])
    np.testing.assert_array_equal(points.threshold, [-np.inf, 1.5, 2.5, 3.5, 4.5, 5.5, np.inf])
    np.testing.assert_allclose(points.sensitivity, [1, 1, 1, 2 / 3, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(points.specificity, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1])


def test_a_midpoint_rounding_onto_a_value_moves_up_as_proc() -> None:
    # 1 and the next double: their midpoint rounds to 1, which pROC 1.18 replaces by the
    # upper value (roc(c(0,0,1,1,1,0), c(.5,1,1.0000000000000002,2,3,.2), direction = "<")
    # has thresholds -Inf 0.35 0.75 1.0000000000000002 1.5 2.5 Inf)
    above_one = np.nextafter(1.0, 2.0)
    points = binary.roc_points([0.5, 1.0, above_one, 2, 3, 0.2], [0, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(points.threshold, [-np.inf, 0.35, 0.75, above_one, 1.5, 2.5,
                                                     np.inf])  # fmt: skip
    np.testing.assert_allclose(points.specificity, [0, 1 / 3, 2 / 3, 1, 1, 1, 1])


def test_single_case_gives_an_auc_without_interval() -> None:
    auc = binary.roc_auc([0.1, 0.2, 0.3, 0.9], [0, 0, 0, 1])
    assert auc.estimate == 1.0 and math.isnan(auc.ci_low) and math.isnan(auc.p_value)


@pytest.mark.parametrize(
    ("score", "y", "message"),
    [
        ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], "score has no variation"),
        ([0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1], "outcome has one class only (all 1)"),
        ([0.1, math.nan, 0.3, 0.4], [0, 1, 0, 1], "score has 1 missing or infinite"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1, math.nan, 1], "outcome has values other than 0 and 1"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1, 2, 1], "outcome has values other than 0 and 1"),
        ([0.1, 0.2, 0.3], [0, 1, 0, 1], "score and outcome differ in shape"),
    ],
)
def test_bad_inputs_raise_one_line_errors(score: list, y: list, message: str) -> None:
    for call in (binary.roc_auc, binary.average_precision, binary.youden_threshold,
                 binary.roc_points, binary.pr_points):  # fmt: skip
        with pytest.raises(IcarusError, match=None) as raised:
            call(score, y)
        assert message in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(IcarusError, match="no variation"):
        binary.delong_test([1.0, 2, 3, 4], [2.0, 2, 2, 2], [0, 1, 0, 1])


def _curves() -> tuple[dict, dict]:
    s1, s2, y = DATASETS["simulated.csv"]
    roc, pr = {}, {}
    for name, score in (("Score A", s1), ("Score B", s2)):
        band = binary.roc_band(score, y, n=200) if name == "Score A" else None
        roc[name] = (binary.roc_points(score, y), band, binary.roc_auc(score, y))
        pr[name] = (binary.pr_points(score, y), Metric("ap", binary.average_precision(score, y)))
    return roc, pr


@pytest.mark.parametrize("figure_format", ["png", "svg"])
def test_figures_are_written_the_same_twice(tmp_path: Path, figure_format: FigureFormat) -> None:
    roc, pr = _curves()
    for draw, curves in ((roc_figure, roc), (pr_figure, pr)):
        outputs = []
        for run in (1, 2):
            path = tmp_path / f"{draw.__name__}{run}.{figure_format}"
            draw(curves, path, "Response", figure_format=figure_format)
            outputs.append(path.read_bytes())
        assert outputs[0] == outputs[1] and len(outputs[0]) > 1000
    svg = (tmp_path / f"roc_figure1.{figure_format}").read_bytes()
    if figure_format == "svg":
        assert b"Score A: AUC 0.73 (0.62-0.84)" in svg


def test_figures_without_curves_say_no_data(tmp_path: Path) -> None:
    roc_figure({}, tmp_path / "roc.svg", "Response", figure_format="svg")
    pr_figure({}, tmp_path / "pr.svg", "Response", figure_format="svg")
    for name in ("roc.svg", "pr.svg"):
        assert b"no data" in (tmp_path / name).read_bytes()


def test_pr_band_brackets_the_interpolated_curve() -> None:
    """The bootstrap band of the interpolated precision holds the full-data curve at most
    recalls, is reproducible with its seed and stays in [0, 1]."""
    rng = np.random.default_rng(4)
    y = (rng.random(80) < 0.4).astype(int)
    score = np.round(y * 0.8 + rng.normal(size=80), 1)  # ties
    band = binary.pr_band(score, y, n=500, seed=3)
    again = binary.pr_band(score, y, n=500, seed=3)
    np.testing.assert_array_equal(band.low, again.low)
    assert ((band.low >= 0) & (band.high <= 1) & (band.low <= band.high)).all()
    points = binary.pr_points(score, y)
    interpolated = np.array([points.precision[points.recall >= r].max() for r in band.specificity])
    inside = (band.low - 1e-12 <= interpolated) & (interpolated <= band.high + 1e-12)
    assert inside.mean() > 0.9
