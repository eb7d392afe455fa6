"""Clinical endpoints and biomarker associations against R (survival, stats) and scipy, on
the German Breast Cancer Study Group 2 data (686 patients) and the study's own figures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from icarus_omics.clinical.associations import associations, fisher_2xk
from icarus_omics.clinical.endpoints import Settings, endpoint_table
from icarus_omics.clinical.responses import clopper_pearson, rate
from tests.conftest import rscript_with, shared_file


def test_the_studys_intervals() -> None:
    orr = rate("ORR", 53, 99, 0.90, null=0.12)
    assert f"{100 * orr.estimate:.1f} {100 * orr.low:.1f}-{100 * orr.high:.1f}" == "53.5 44.8-62.1"
    assert orr.p_value < 1e-20
    cbr = rate("CBR", 62, 99, 0.95)
    assert f"{100 * cbr.estimate:.1f} {100 * cbr.low:.1f}-{100 * cbr.high:.1f}" == "62.6 52.3-72.1"


@pytest.mark.parametrize("n", [1, 2, 5, 17, 60, 99])
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_clopper_pearson_equals_scipy(n: int, level: float) -> None:
    for k in range(n + 1):
        expected = stats.binomtest(k, n).proportion_ci(level, method="exact")
        low, high = clopper_pearson(k, n, level)
        assert low == pytest.approx(expected.low, abs=1e-12)
        assert high == pytest.approx(expected.high, abs=1e-12)
    assert clopper_pearson(0, n, level)[0] == 0.0 and clopper_pearson(n, n, level)[1] == 1.0


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
d <- read.delim(commandArgs(TRUE)[1])
d$months <- d$time / 30.4375
out <- function(...) cat(..., "\n")
for (type in c("log-log", "log", "plain")) {
  k <- survfit(Surv(months, cens) ~ 1, data = d, conf.type = type)
  q <- quantile(k, 0.5); s <- summary(k, times = c(12, 24), extend = TRUE)
  out("km", type, sprintf("%.12g", c(q$quantile, q$lower, q$upper, s$surv, s$lower, s$upper)))
}
f <- coxph(Surv(months, cens) ~ horTh, data = d)
out("cox_horTh", sprintf("%.12g", c(exp(coef(f)), exp(confint(f)), summary(f)$coefficients[, 5])))
f <- coxph(Surv(months, cens) ~ age, data = d)
out("cox_age", sprintf("%.12g", c(exp(coef(f)), exp(confint(f)), summary(f)$coefficients[, 5])))
f <- coxph(Surv(months, cens) ~ tgrade, data = d)
out("cox_tgrade", sprintf("%.12g", c(exp(coef(f)), exp(confint(f)), summary(f)$coefficients[, 5])))
out("logrank_tgrade", sprintf("%.12g", pchisq(survdiff(Surv(months, cens) ~ tgrade, data = d)$chisq, 2, lower.tail = FALSE)))
d$responder <- as.integer(d$pnodes <= 3)
g <- glm(responder ~ tsize, family = binomial, data = d)
out("logit_tsize", sprintf("%.12g", c(exp(coef(g))[2], exp(confint.default(g))[2, ], summary(g)$coefficients[2, 4])))
g <- glm(responder ~ tgrade, family = binomial, data = d)
out("logit_tgrade", sprintf("%.12g", c(exp(coef(g))[-1], exp(confint.default(g))[-1, ], summary(g)$coefficients[-1, 4])))
out("fisher_tgrade", sprintf("%.12g", fisher.test(table(d$tgrade, d$responder))$p.value))
ft <- fisher.test(table(factor(d$horTh, c("yes", "no")), factor(d$responder, c(1, 0))))
out("fisher_horTh", sprintf("%.12g", c(ft$estimate, ft$conf.int, ft$p.value)))
"""


@pytest.fixture(scope="module")
def gbsg2() -> pd.DataFrame:
    return pd.read_csv(shared_file("08_survival_expression/sksurv_GBSG2.tsv"), sep="\t")


@pytest.fixture(scope="module")
def r_values(
    gbsg2: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, np.ndarray]:
    rscript = rscript_with("survival")
    folder = tmp_path_factory.mktemp("gbsg2")
    gbsg2.to_csv(folder / "d.tsv", sep="\t", index=False)
    (folder / "r.R").write_text(R_SCRIPT)
    run = subprocess.run([rscript, str(folder / "r.R"), str(folder / "d.tsv")],
                         capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    values: dict[str, np.ndarray] = {}
    for line in run.stdout.splitlines():
        fields = line.split()
        key = fields[0] if fields[0] != "km" else f"km_{fields[1]}"
        values[key] = np.array(fields[2 if fields[0] == "km" else 1 :], dtype=float)
    return values


def patients_of(gbsg2: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "patient": [f"G{i}" for i in range(len(gbsg2))],
        "pfs_months": gbsg2["time"].to_numpy() / 30.4375,
        "pfs_event": gbsg2["cens"].to_numpy(dtype=float),
    })  # fmt: skip


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_kaplan_meier_endpoints_equal_r(gbsg2: pd.DataFrame, r_values: dict[str, np.ndarray],
                                        conf_type: str) -> None:  # fmt: skip
    settings = Settings(landmarks=(12.0, 24.0), conf_type=conf_type)
    table = endpoint_table(patients_of(gbsg2), settings).set_index("endpoint")
    expected = r_values[f"km_{conf_type}"]
    median = table.loc["PFS median", ["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)
    np.testing.assert_allclose(median, expected[:3], rtol=1e-10)
    rates = table.loc[["PFS at 12 months", "PFS at 24 months"]]
    np.testing.assert_allclose(rates["estimate"], expected[3:5], rtol=1e-10)
    np.testing.assert_allclose(rates["ci_low"], expected[5:7], rtol=1e-10)
    np.testing.assert_allclose(rates["ci_high"], expected[7:9], rtol=1e-10)


def test_associations_equal_r(gbsg2: pd.DataFrame, r_values: dict[str, np.ndarray]) -> None:
    patients = patients_of(gbsg2)
    responders = pd.Series((gbsg2["pnodes"] <= 3).to_numpy(), dtype=object)
    markers = {
        "horTh": pd.Series(gbsg2["horTh"].to_numpy(), dtype=object),
        "age": pd.Series(gbsg2["age"].to_numpy(), dtype=object),
        "tgrade": pd.Series(gbsg2["tgrade"].to_numpy(), dtype=object),
        "tsize": pd.Series(gbsg2["tsize"].to_numpy(), dtype=object),
    }  # fmt: skip
    table = associations(patients, markers, responders)

    def row(marker: str, test: str, outcome: str) -> pd.DataFrame:
        chosen = table[(table.marker == marker) & (table.test == test) & (table.outcome == outcome)]
        return chosen[["estimate", "ci_low", "ci_high", "p_value"]].astype(float)

    for marker in ("horTh", "age"):
        got = row(marker, "cox", "PFS").to_numpy()[0]
        np.testing.assert_allclose(got, r_values[f"cox_{marker}"], rtol=1e-6)
    grade = row("tgrade", "cox", "PFS").to_numpy()  # II vs I, III vs I
    expected = r_values["cox_tgrade"].reshape(4, 2).T  # R: estimates, lows, highs, p
    np.testing.assert_allclose(grade, expected, rtol=1e-6)
    logrank = row("tgrade", "logrank", "PFS")["p_value"].iloc[0]
    assert logrank == pytest.approx(r_values["logrank_tgrade"][0], rel=1e-8)
    # R's glm stops at a deviance change of 1e-8: p-values of 1e-10 agree to 1e-5
    got = row("tsize", "logistic", "response").to_numpy()[0]
    np.testing.assert_allclose(got, r_values["logit_tsize"], rtol=1e-5)
    got = row("tgrade", "logistic", "response").to_numpy()
    np.testing.assert_allclose(got, r_values["logit_tgrade"].reshape(4, 2).T, rtol=1e-5)
    fisher = row("tgrade", "fisher", "response")["p_value"].iloc[0]
    assert fisher == pytest.approx(r_values["fisher_tgrade"][0], rel=1e-9)
    # 2 x 2: R's conditional maximum-likelihood odds ratio and its exact interval (R finds
    # them with uniroot at its default tolerance, about 1e-4)
    got = row("horTh", "fisher", "response").to_numpy()[0]
    np.testing.assert_allclose(got, r_values["fisher_horTh"], rtol=1e-4)


def test_fisher_2xk_by_hand() -> None:
    # 2 x 2 reduces to scipy's two-sided Fisher test
    assert fisher_2xk(np.array([3, 9]), np.array([10, 12])) == pytest.approx(
        stats.fisher_exact([[3, 7], [9, 3]]).pvalue, rel=1e-10)  # fmt: skip
    # a single column, or nobody responding: p = 1
    assert fisher_2xk(np.array([0, 0, 0]), np.array([4, 5, 6])) == pytest.approx(1.0)


def test_endpoints_by_group_sum_to_all(tmp_path: Path) -> None:
    patients = pd.DataFrame({
        "patient": [f"P{i}" for i in range(8)],
        "best_response": ["CR", "PR", "PR", "SD", "SD", "PD", "PD", "NE"],
        "confirmed": [True, True, False, True, True, True, True, True],
        "sd_months": [np.nan, np.nan, 8.0, 7.0, 3.0, np.nan, np.nan, np.nan],
    })  # fmt: skip
    by = {"arm": pd.Series(["a", "b"] * 4, dtype=object)}
    table = endpoint_table(patients, Settings(), by).set_index(["endpoint", "group"])
    assert table.loc[("ORR", "all"), "events"] == 2 and table.loc[("ORR", "all"), "n"] == 7
    assert table.loc[("CBR", "all"), "events"] == 4  # CR, PR, PR unconfirmed 8 m, SD 7 m
    assert table.loc[("DCR", "all"), "events"] == 5
    for endpoint in ("ORR", "CBR", "DCR"):
        parts = table.loc[[(endpoint, "arm=a"), (endpoint, "arm=b")]]
        assert parts["events"].sum() == table.loc[(endpoint, "all"), "events"]
        assert parts["n"].sum() == table.loc[(endpoint, "all"), "n"]


def test_cox_equals_lifelines(gbsg2: pd.DataFrame) -> None:
    from lifelines import CoxPHFitter

    patients = patients_of(gbsg2)
    markers = {"age": pd.Series(gbsg2["age"].to_numpy(), dtype=object)}
    table = associations(patients, markers, None)
    ours = table[table.test == "cox"].iloc[0]
    frame = pd.DataFrame({"t": patients["pfs_months"], "e": patients["pfs_event"],
                          "age": gbsg2["age"]})  # fmt: skip
    fit = CoxPHFitter().fit(frame, "t", "e")  # Efron ties, as coxph and ours
    assert ours["estimate"] == pytest.approx(float(np.exp(fit.params_["age"])), rel=1e-6)
    assert ours["p_value"] == pytest.approx(float(fit.summary.loc["age", "p"]), rel=1e-4)
