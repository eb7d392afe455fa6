"""The Cox path solver, cross-validation and the adaptive-lasso repeats against R glmnet
4.1 and the anchor script (../shared/anchors/adaptive_lasso_cox.R), run live on the same
data: simulated with planted genes (p > n) and the 198-patient GSE7390 breast data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.survival.alasso import cross_validate, interpolate, one_repeat, r_seq_by
from icarus_omics.survival.coxnet import cox_deviance, cox_path, lambda_max, prepare
from icarus_omics.survival.folds import draw_folds
from icarus_omics.survival.ridge import ridge_path
from tests.conftest import SHARED, rscript_with, shared_file

ANCHOR = SHARED.parent / "anchors" / "adaptive_lasso_cox.R"


def simulated(
    n: int = 50, p: int = 120, seed: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z-scored expression (n x p) and PFS driven by the first five genes; no tied times."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    lp = x[:, :5] @ np.array([1.0, -0.8, 0.7, -0.6, 0.5])
    t = rng.exponential(np.exp(-lp)) * 12
    c = rng.exponential(24, size=n)
    return x, np.round(np.minimum(t, c), 6) + np.arange(n) * 1e-7, (t <= c).astype(float)


def write_r_inputs(folder: Path, x: np.ndarray, time: np.ndarray, event: np.ndarray) -> None:
    samples = [f"S{i:03d}" for i in range(len(time))]
    genes = [f"G{j:04d}" for j in range(x.shape[1])]
    frame = pd.DataFrame(x, index=pd.Index(samples, name="sample"), columns=genes)
    frame.to_csv(folder / "expr.tsv", sep="\t", float_format="%.17g")
    pd.DataFrame({"sample": samples, "time": time, "event": event.astype(int)}).to_csv(
        folder / "surv.tsv", sep="\t", index=False, float_format="%.17g"
    )


R_PATHS = r"""
suppressPackageStartupMessages({library(glmnet); library(survival)})
a <- commandArgs(TRUE); out <- a[1]
ex <- read.delim(file.path(out, "expr.tsv"), check.names = FALSE)
sv <- read.delim(file.path(out, "surv.tsv"))
x <- as.matrix(ex[, -1]); y <- Surv(sv$time, sv$event)
w <- as.numeric(read.delim(file.path(out, "w.tsv"), header = FALSE)[[1]])
fi <- as.integer(read.delim(file.path(out, "fold.tsv"), header = FALSE)[[1]])
put <- function(v, name) write.table(v, file.path(out, name), sep = "\t", quote = FALSE,
                                     col.names = FALSE, row.names = FALSE)
r <- glmnet(x, y, family = "cox", alpha = 0, standardize = FALSE, thresh = 1e-16)
put(cbind(r$lambda, r$dev.ratio), "ridge_path.tsv"); put(as.matrix(r$beta), "ridge_beta.tsv")
l <- glmnet(x, y, family = "cox", alpha = 1, standardize = FALSE, penalty.factor = w,
            dfmax = ncol(x) + 3)
put(cbind(l$lambda, l$dev.ratio), "lasso_path.tsv"); put(as.matrix(l$beta), "lasso_beta.tsv")
put(l$npasses, "lasso_passes.tsv")
lam <- seq(rev(l$lambda)[1], l$lambda[1], length.out = 101)
l2 <- suppressWarnings(glmnet(x, y, family = "cox", alpha = 1, standardize = FALSE,
                              penalty.factor = w, lambda = lam, thresh = 1e-16))
put(lam, "grid.tsv"); put(as.matrix(l2$beta), "grid_beta.tsv"); put(c(l2$npasses, l2$jerr), "grid_info.tsv")
put(coxnet.deviance(x = x, y = y, beta = as.matrix(l$beta[, c(10, 40)])), "deviance.tsv")
cr <- cv.glmnet(x, y, family = "cox", alpha = 0, foldid = fi, grouped = TRUE,
                standardize = FALSE, thresh = 1e-16)
cl <- suppressWarnings(cv.glmnet(x, y, family = "cox", alpha = 1, foldid = fi, grouped = TRUE,
                standardize = FALSE, penalty.factor = w, lambda = lam, thresh = 1e-16))
put(c(cr$lambda.min, cl$lambda.min), "lambda_min.tsv"); put(cr$cvm, "ridge_cvm.tsv"); put(cl$cvm, "lasso_cvm.tsv")
"""


@pytest.fixture(scope="module")
def r_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    rscript = rscript_with("glmnet", "survival")
    folder = tmp_path_factory.mktemp("glmnet")
    x, time, event = simulated()
    write_r_inputs(folder, x, time, event)
    rng = np.random.default_rng(11)
    w = rng.uniform(0.2, 3, size=x.shape[1])
    w = w / w.mean()
    np.savetxt(folder / "w.tsv", w, fmt="%.17g")
    fold = draw_folds("balanced", 5, event, 1, 9)[0]
    np.savetxt(folder / "fold.tsv", fold, fmt="%d")
    script = folder / "paths.R"
    script.write_text(R_PATHS)
    run = subprocess.run([rscript, str(script), str(folder)], capture_output=True, text=True,
                         timeout=600, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = {"x": x, "time": time, "event": event, "w": w, "fold": fold}
    return folder, data


def table(folder: Path, name: str) -> np.ndarray:
    return np.loadtxt(folder / name, ndmin=2)


def test_ridge_path_is_glmnets_converged(r_paths: tuple[Path, dict[str, np.ndarray]]) -> None:
    folder, d = r_paths
    ours = ridge_path(prepare(d["x"], d["time"], d["event"]))
    path = table(folder, "ridge_path.tsv")
    np.testing.assert_allclose(ours.lambdas, path[:, 0], rtol=1e-13)
    # glmnet's coordinate descent stops about 1e-7 from the optimum even at thresh 1e-16
    np.testing.assert_allclose(ours.dev_ratio, path[:, 1], atol=1e-7)
    beta = table(folder, "ridge_beta.tsv")
    assert np.max(np.abs(ours.beta - beta)) < 1e-6 * np.max(np.abs(beta))


def test_lasso_default_path_equals_glmnet(r_paths: tuple[Path, dict[str, np.ndarray]]) -> None:
    folder, d = r_paths
    problem = prepare(d["x"], d["time"], d["event"])
    ours = cox_path(problem, 1.0, penalty_factor=d["w"], dfmax=d["x"].shape[1] + 3)
    path = table(folder, "lasso_path.tsv")
    assert len(ours.lambdas) == len(path)  # the same early end of the path
    np.testing.assert_allclose(ours.lambdas, path[:, 0], rtol=1e-12)
    np.testing.assert_allclose(ours.dev_ratio, path[:, 1], atol=1e-12)
    np.testing.assert_allclose(ours.beta, table(folder, "lasso_beta.tsv"), atol=1e-10)
    assert ours.n_passes == int(table(folder, "lasso_passes.tsv")[0, 0])
    assert lambda_max(problem, 1.0, d["w"]) == pytest.approx(path[0, 0], rel=1e-13)


def test_pass_limit_cuts_the_path_where_glmnet_does(
    r_paths: tuple[Path, dict[str, np.ndarray]],
) -> None:
    folder, d = r_paths
    grid = table(folder, "grid.tsv")[:, 0]
    ours = cox_path(prepare(d["x"], d["time"], d["event"]), 1.0, lambdas=grid,
                    penalty_factor=d["w"], thresh=1e-16)  # fmt: skip
    passes, error = table(folder, "grid_info.tsv")[:, 0]
    assert (ours.n_passes, ours.error) == (int(passes), int(error))
    beta = table(folder, "grid_beta.tsv")
    assert ours.beta.shape == beta.shape
    np.testing.assert_allclose(ours.beta, beta, atol=1e-9)
    if error:
        assert "not reached after maxit=100000" in ours.message


def test_deviance_equals_coxnet_deviance(r_paths: tuple[Path, dict[str, np.ndarray]]) -> None:
    folder, d = r_paths
    beta = table(folder, "lasso_beta.tsv")[:, [9, 39]]
    ours = cox_deviance(d["x"] @ beta, d["time"], d["event"])
    np.testing.assert_allclose(ours, table(folder, "deviance.tsv")[:, 0], rtol=1e-12)


def test_cross_validation_equals_cv_glmnet(r_paths: tuple[Path, dict[str, np.ndarray]]) -> None:
    folder, d = r_paths
    x, time, event, fold = d["x"], d["time"], d["event"], d["fold"]
    warnings: list[str] = []
    ridge = cross_validate(lambda pr, lam: ridge_path(pr, lam), x, time, event, fold, warnings)
    grid = table(folder, "grid.tsv")[:, 0]

    def lasso(problem, lambdas):  # type: ignore[no-untyped-def]
        return cox_path(problem, 1.0, lambdas=lambdas, penalty_factor=d["w"], thresh=1e-16)

    lasso_cv = cross_validate(lasso, x, time, event, fold, warnings, grid)
    r_min = table(folder, "lambda_min.tsv")[:, 0]
    assert ridge.lambda_min == pytest.approx(r_min[0], rel=1e-12)
    assert lasso_cv.lambda_min == pytest.approx(r_min[1], rel=1e-12)
    np.testing.assert_allclose(ridge.cvm, table(folder, "ridge_cvm.tsv")[:, 0], rtol=1e-6)
    r_cvm = table(folder, "lasso_cvm.tsv")[:, 0]
    np.testing.assert_allclose(lasso_cv.cvm, r_cvm, rtol=1e-9)


def test_lambda_interpolation_is_glmnets() -> None:
    from icarus_omics.survival.coxnet import CoxPath

    path = CoxPath(np.array([4.0, 2.0, 1.0]), np.array([[0.0, 1.0, 3.0]]), np.zeros(3), 0, 0, "")
    got = interpolate(path, np.array([5.0, 4.0, 3.0, 1.5, 1.0, 0.5]), 1)[0]
    np.testing.assert_allclose(got, [0.0, 0.0, 0.5, 2.0, 3.0, 3.0])


def test_r_seq_by_matches_r() -> None:
    grid = r_seq_by(0.1, 2.3)
    assert len(grid) == 101 and grid[0] == 0.1 and grid[-1] == 2.3


def run_anchor(folder: Path, folds: np.ndarray, samples: list[str], repeats: int) -> pd.DataFrame:
    rscript = rscript_with("glmnet", "survival")
    if not ANCHOR.exists():
        shared_file("../anchors/adaptive_lasso_cox.R")
    frame = pd.DataFrame(folds[:repeats], columns=samples)
    frame.insert(0, "repeat", np.arange(1, repeats + 1))
    frame.to_csv(folder / "folds.tsv", sep="\t", index=False)
    run = subprocess.run(
        [rscript, str(ANCHOR), str(folder / "expr.tsv"), str(folder / "surv.tsv"),
         str(folder / "r_"), "--repeats", str(repeats), "--foldids", str(folder / "folds.tsv")],
        capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return pd.read_csv(folder / "r_per_repeat.tsv", sep="\t")


def compare_with_anchor(folder: Path, x: np.ndarray, time: np.ndarray, event: np.ndarray,
                        repeats: int, scheme: str) -> None:  # fmt: skip
    write_r_inputs(folder, x, time, event)
    samples = [f"S{i:03d}" for i in range(len(time))]
    genes = np.array([f"G{j:04d}" for j in range(x.shape[1])])
    folds = draw_folds(scheme, 5, event, repeats, 1)
    r = run_anchor(folder, folds, samples, repeats)
    # the anchor z-scores what it reads; so does the command (here x is already z-scored)
    for k in range(repeats):
        ours = one_repeat(x, time, event, folds[k])
        assert ",".join(genes[ours.selected]) == (r.selected[k] if isinstance(r.selected[k], str)
                                                  else ""), f"repeat {k + 1}"  # fmt: skip
        assert ours.lambda_ridge == pytest.approx(r.lambda_ridge[k], rel=1e-6)
        assert ours.lambda_alasso == pytest.approx(r.lambda_alasso[k], rel=1e-4)
        assert len(ours.warnings) == r.n_warnings[k], ours.warnings


def test_repeats_select_what_r_selects_on_simulated_data(tmp_path: Path) -> None:
    x, time, event = simulated(60, 150, seed=5)
    compare_with_anchor(tmp_path, x, time, event, repeats=6, scheme="biospear")


def test_repeats_select_what_r_selects_on_gse7390(tmp_path: Path) -> None:
    path = shared_file("08_survival_expression/sksurv_breast_cancer_GSE7390_tdm.tsv")
    data = pd.read_csv(path, sep="\t")
    probes = [c for c in data.columns if c.startswith("X")]
    raw = data[probes].to_numpy(dtype=float)
    x = (raw - raw.mean(0)) / raw.std(0, ddof=1)
    time = data["t.tdm"].to_numpy(dtype=float)
    event = data["e.tdm"].to_numpy(dtype=float)
    compare_with_anchor(tmp_path, x, time, event, repeats=3, scheme="balanced")


R_FOLDS = r"""
set.seed(42); a <- rbind(sample(1:5, 30, replace = TRUE), sample(1:5, 30, replace = TRUE))
set.seed(7); b <- sample(rep(1:4, length.out = 23))
write.table(a, "", row.names = FALSE, col.names = FALSE); cat(b, "\n")
"""


def test_folds_are_r_draws() -> None:
    rscript = rscript_with()
    run = subprocess.run([rscript, "-e", R_FOLDS], capture_output=True, text=True, timeout=120,
                         check=True)  # fmt: skip
    lines = [list(map(int, line.split())) for line in run.stdout.strip().splitlines()]
    np.testing.assert_array_equal(draw_folds("biospear", 5, np.ones(30), 2, 42), lines[:2])
    np.testing.assert_array_equal(draw_folds("balanced", 4, np.ones(23), 1, 7)[0], lines[2])


def test_stratified_folds_balance_events() -> None:
    event = np.array([1] * 21 + [0] * 19)
    folds = draw_folds("stratified", 5, event, 3, 1)
    for row in folds:
        counts = [int(event[row == k].sum()) for k in range(1, 6)]
        assert max(counts) - min(counts) <= 1
        assert sorted(np.bincount(row)[1:]) == [8] * 5
