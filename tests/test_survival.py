"""Cox models, concordance, time-dependent AUC, Kaplan-Meier and log-rank against R
survival, lifelines and scikit-survival; the signature's threshold, refit and nested
validation on a small planted example."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from icarus_omics.survival import signature as sig
from icarus_omics.survival.cox import (
    cox_fit,
    cumulative_dynamic_auc,
    harrell_c,
    univariate_cox,
)
from icarus_omics.survival.folds import draw_folds
from icarus_omics.survival.km import kaplan_meier, logrank
from tests.conftest import rscript_with, shared_file


@pytest.fixture(scope="module")
def breast() -> pd.DataFrame:
    """GSE7390 (198 patients), times coarsened to 90 days so that events tie."""
    path = shared_file("08_survival_expression/sksurv_breast_cancer_GSE7390_tdm.tsv")
    data = pd.read_csv(path, sep="\t")
    data["time"] = np.ceil(data["t.tdm"] / 90) * 90
    data["event"] = data["e.tdm"].astype(int)
    return data


PROBES = ["X219340_s_at", "X217771_at", "X202418_at", "X206295_at", "X201091_s_at"]

R_COX = r"""
suppressPackageStartupMessages(library(survival))
a <- commandArgs(TRUE); d <- read.delim(a[1], check.names = FALSE)
probes <- strsplit(a[2], ",")[[1]]
for (p in probes) {
  f <- coxph(Surv(d$time, d$event) ~ scale(d[[p]]), ties = "efron")
  s <- summary(f)$coefficients
  cat("uni", p, sprintf("%.12g", s[1, c(1, 3, 5)]), "\n")
}
m <- coxph(as.formula(paste("Surv(time, event) ~", paste0("`", probes[1:3], "`", collapse = "+"))),
           data = d, ties = "efron")
cat("multi", sprintf("%.12g", coef(m)), sprintf("%.12g", sqrt(diag(vcov(m)))), "\n")
g <- as.integer(d[[probes[1]]] > median(d[[probes[1]]]))
cat("logrank", sprintf("%.12g", survdiff(Surv(d$time, d$event) ~ g)$chisq), "\n")
k <- survfit(Surv(d$time, d$event) ~ 1)
cat("km", sprintf("%.12g", k$surv), "\n")
cat("conc", sprintf("%.12g", concordance(Surv(d$time, d$event) ~ d[[probes[1]]], reverse = TRUE)$concordance), "\n")
"""


@pytest.fixture(scope="module")
def r_results(breast: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict:
    rscript = rscript_with("survival")
    folder = tmp_path_factory.mktemp("coxph")
    breast.to_csv(folder / "d.tsv", sep="\t", index=False)
    script = folder / "cox.R"
    script.write_text(R_COX)
    run = subprocess.run([rscript, str(script), str(folder / "d.tsv"), ",".join(PROBES)],
                         capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    out: dict = {"uni": {}}
    for line in run.stdout.splitlines():
        fields = line.split()
        if fields[0] == "uni":
            out["uni"][fields[1]] = np.array(fields[2:], dtype=float)
        else:
            out[fields[0]] = np.array(fields[1:], dtype=float)
    return out


def zscores(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    x = frame[columns].to_numpy(dtype=float)
    return (x - x.mean(0)) / x.std(0, ddof=1)


def test_univariate_cox_equals_coxph_efron(breast: pd.DataFrame, r_results: dict) -> None:
    fit = univariate_cox(zscores(breast, PROBES), breast["time"], breast["event"])
    assert fit.converged.all()
    for j, probe in enumerate(PROBES):
        coef, se, p = r_results["uni"][probe]
        assert fit.coef[j] == pytest.approx(coef, rel=1e-7)
        assert fit.se[j] == pytest.approx(se, rel=1e-7)
        assert fit.p_value[j] == pytest.approx(p, rel=1e-5)


def test_multivariable_cox_equals_coxph(breast: pd.DataFrame, r_results: dict) -> None:
    fit, messages = cox_fit(breast[PROBES[:3]].to_numpy(dtype=float), breast["time"],
                            breast["event"])  # fmt: skip
    assert messages == [] and fit.converged
    np.testing.assert_allclose(fit.coef, r_results["multi"][:3], rtol=1e-6)
    np.testing.assert_allclose(fit.se, r_results["multi"][3:], rtol=1e-6)


def test_logrank_and_kaplan_meier_equal_r(breast: pd.DataFrame, r_results: dict) -> None:
    probe = breast[PROBES[0]]
    group = (probe > probe.median()).astype(int).to_numpy()
    chi2, p = logrank(breast["time"], breast["event"], group)
    assert chi2 == pytest.approx(r_results["logrank"][0], rel=1e-9)
    assert p == pytest.approx(float(stats.chi2.sf(r_results["logrank"][0], 1)), rel=1e-9)
    km = kaplan_meier(breast["time"], breast["event"])
    np.testing.assert_allclose(km.survival, r_results["km"], rtol=1e-10)


def test_harrell_c_equals_r_and_lifelines(breast: pd.DataFrame, r_results: dict) -> None:
    from lifelines.utils import concordance_index

    risk = breast[PROBES[0]].to_numpy()
    ours = harrell_c(risk, breast["time"], breast["event"])
    assert ours == pytest.approx(r_results["conc"][0], rel=1e-12)
    assert ours == pytest.approx(concordance_index(breast["time"], -risk, breast["event"]))


def test_time_dependent_auc_equals_scikit_survival(breast: pd.DataFrame) -> None:
    from sksurv.metrics import cumulative_dynamic_auc as reference

    time = breast["t.tdm"].to_numpy(dtype=float)  # untied times
    event = breast["event"].to_numpy()
    risk = breast[PROBES[2]].to_numpy()
    times = np.percentile(time[event > 0], [25, 50, 75])
    y = np.array(list(zip(event.astype(bool), time, strict=True)),
                 dtype=[("event", bool), ("time", float)])  # fmt: skip
    expected = reference(y, y, risk, times)[0]
    np.testing.assert_allclose(cumulative_dynamic_auc(risk, time, event, times), expected,
                               rtol=1e-12)  # fmt: skip


def test_harrell_c_by_hand() -> None:
    # times 1, 2, 3 (events), 4 (censored): comparable pairs (1,2) (1,3) (1,4) (2,3) (2,4)
    # (3,4); risks 4, 3, 3, 1: concordant 5, the tie (2,3) counts one half
    assert harrell_c(np.array([4, 3, 3, 1]), np.array([1, 2, 3, 4]), np.array([1, 1, 1, 0])) == (
        pytest.approx(5.5 / 6)
    )


def planted(n: int = 60, p: int = 40, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(p, n)) * 2 + 5
    z = (x - x.mean(1, keepdims=True)) / x.std(1, ddof=1, keepdims=True)
    lp = 1.4 * z[0] - 1.2 * z[1]
    t = rng.exponential(np.exp(-lp)) * 10
    c = rng.exponential(25, size=n)
    frame = pd.DataFrame(x, index=[f"G{j:02d}" for j in range(p)],
                         columns=[f"S{i:02d}" for i in range(n)])  # fmt: skip
    return frame, np.minimum(t, c), (t <= c).astype(float)


def test_signature_keeps_genes_above_the_threshold_only() -> None:
    expression, time, event = planted()
    data = sig.standardise(expression)
    settings = sig.Settings(repeats=4)
    folds = draw_folds("biospear", 5, event, 4, 1)
    selection = sig.select(data, time, event, folds, settings)
    frequency = dict(zip(data.genes, selection.frequency, strict=True))
    for threshold in (0.0, 0.5, 0.75):
        chosen = sig.signature_from(selection, data, time, event, threshold)
        assert set(chosen.genes) == {g for g, f in frequency.items() if f > threshold}
    chosen = sig.signature_from(selection, data, time, event, 0.8)
    assert {"G00", "G01"} <= set(chosen.genes)
    # the score of new raw expression uses the training mean and sd
    raw = expression.loc[chosen.genes].to_numpy().T
    np.testing.assert_allclose(chosen.score(raw), data.x[:, [data.genes.index(g)
                               for g in chosen.genes]] @ chosen.coef)  # fmt: skip
    table = selection.table()
    assert list(table["frequency"]) == sorted(table["frequency"], reverse=True)


def test_nested_validation_scores_every_sample_out_of_fold() -> None:
    expression, time, event = planted()
    settings = sig.Settings(repeats=3)
    times = sig.default_auc_times(time, event)
    result = sig.validate(expression, time, event, settings, 3, times)
    assert sorted(set(result.outer_folds)) == [1, 2, 3]
    assert (result.linear_predictor != 0).all()
    assert len(result.per_fold) == 3 and result.per_fold["n_test"].sum() == len(time)
    # two strong planted genes: out-of-fold concordance well above chance
    assert result.pooled.c_index > 0.7
    # nothing from the held-out fold reaches its own model: scoring the same samples
    # again with a different training set changes the predictions
    again = sig.validate(expression, time, event, sig.Settings(repeats=3, seed=5), 3, times)
    assert not np.allclose(again.linear_predictor, result.linear_predictor)


def test_standardise_drops_constant_genes() -> None:
    frame = pd.DataFrame([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], index=["A", "B"],
                         columns=["s1", "s2", "s3"])  # fmt: skip
    data = sig.standardise(frame)
    assert data.genes == ["A"] and data.constant == ["B"]
    np.testing.assert_allclose(data.x[:, 0], [-1.0, 0.0, 1.0])


def test_validation_folds_are_stratified(tmp_path: Path) -> None:
    event = np.array([1] * 20 + [0] * 10, dtype=float)
    folds = draw_folds("stratified", 5, event, 1, 2)[0]
    assert [int(event[folds == k].sum()) for k in range(1, 6)] == [4] * 5
