"""The study's repeated adaptive-lasso Cox selection, as biospear's ``alassoR`` runs it.

One repeat, for fold ids ``foldid`` (K distinct folds), on z-scored expression ``x``:

1. ridge Cox (glmnet's default lambda path for ``alpha = 0``), lambda by cross-validated
   partial-likelihood deviance (cv.glmnet's grouped deviance: for each fold, the deviance
   on all samples minus that on the training samples, per event, weighted by the events in
   the fold); refit at ``lambda.min * (K - 1) / K``;
2. weights ``1 / |beta_ridge|`` scaled to mean one (genes with a zero ridge coefficient
   dropped);
3. biospear's grid: ``lmax`` the first lambda of the weighted lasso's default path,
   ``lmin`` the last lambda of that path run with ``dfmax = p + 3``, both divided by
   ``1 - 1/K - 0.1``; 101 equally spaced values between them (R's ``seq(by =)``);
4. weighted lasso Cox over that grid, lambda by the same cross-validation on the same
   folds; refit at ``lambda.min * (K - 1) / K``; the selected genes are its non-zero
   coefficients.

The ridge fits are solved exactly (:mod:`icarus_omics.survival.ridge`), the lasso fits by
glmnet's algorithm (:mod:`icarus_omics.survival.coxnet`) at biospear's tolerance
(``thresh = 1e-16``); where glmnet's pass limit cuts a lasso path, so does this one, and the
message is recorded with the repeat, as R's warnings are.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from icarus_omics.survival.coxnet import (
    CoxPath,
    CoxProblem,
    cox_deviance,
    cox_path,
    lambda_max,
    prepare,
)
from icarus_omics.survival.ridge import ridge_path

BIOSPEAR_THRESH = 1e-16


@dataclass(frozen=True)
class Settings:
    """What one repeat needs besides the data and the folds."""

    thresh: float = BIOSPEAR_THRESH
    maxit: int = 100_000


@dataclass
class RepeatResult:
    """One repeat: the chosen lambdas, the final coefficients (all genes) and warnings."""

    lambda_ridge: float
    lambda_alasso: float
    coef: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def selected(self) -> np.ndarray:
        return np.flatnonzero(self.coef != 0)


@dataclass(frozen=True)
class CrossValidation:
    lambdas: np.ndarray
    cvm: np.ndarray
    lambda_min: float


def cross_validate(
    fit: Callable[[CoxProblem, np.ndarray | None], CoxPath],
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    foldid: np.ndarray,
    warnings: list[str],
    lambdas: np.ndarray | None = None,
) -> CrossValidation:
    """cv.glmnet(family = "cox", grouped = TRUE, type.measure = "deviance", foldid).

    ``fit(problem, lambdas)`` returns a path (the default path when ``lambdas`` is None).
    As in cv.glmnet, each fold is fitted with the ``lambdas`` given (its own default path
    when None) and its coefficients are interpolated, linearly in lambda, at the lambdas of
    the full-data path (``predict(s = lambda)``); a fold's path cut short is carried on
    with its last solution. A fold without events carries no weight (cv.glmnet would
    fail).
    """
    full = fit(prepare(x, time, event), lambdas)
    _note(full, "full data", warnings)
    grid = full.lambdas
    folds = np.unique(foldid)
    raw = np.zeros((len(folds), len(grid)))
    weights = np.zeros(len(folds))
    for index, fold in enumerate(folds):
        train = foldid != fold
        weights[index] = float(event[~train].sum())
        if weights[index] == 0:
            warnings.append(f"fold {fold} has no events and was given no weight")
            continue
        path = fit(prepare(x[train], time[train], event[train]), lambdas)
        _note(path, f"fold {fold}", warnings)
        beta = interpolate(path, grid, x.shape[1])
        eta = x @ beta
        raw[index] = cox_deviance(eta, time, event) - cox_deviance(eta[train], time[train],
                                                                   event[train])  # fmt: skip
        raw[index] /= weights[index]
    if weights.sum() == 0:
        raise ValueError("no fold has an event")
    cvm = weights @ raw / weights.sum()
    best = np.nanmin(cvm)
    lambda_min = float(np.max(grid[cvm <= best]))
    return CrossValidation(grid, cvm, lambda_min)


def interpolate(path: CoxPath, s: np.ndarray, p: int) -> np.ndarray:
    """Coefficients (p x len(s)) at lambdas ``s``: glmnet's ``lambda.interp``, linear in
    lambda between the path's lambdas, clamped to its ends."""
    lam = path.lambdas
    if len(lam) == 0:
        return np.zeros((p, len(s)))
    if len(lam) == 1:
        return np.repeat(path.beta[:, :1], len(s), axis=1)
    span = lam[0] - lam[-1]
    position = (lam[0] - lam) / span  # increasing from 0 to 1
    frac = np.clip((lam[0] - s) / span, position.min(), position.max())
    coord = np.interp(frac, position, np.arange(1, len(lam) + 1))
    left = np.floor(coord).astype(int) - 1
    right = np.ceil(coord).astype(int) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = (frac - position[right]) / (position[left] - position[right])
    weight[left == right] = 1.0
    weight[np.abs(position[left] - position[right]) < np.finfo(float).eps] = 1.0
    return path.beta[:, left] * weight + path.beta[:, right] * (1 - weight)


def _note(path: CoxPath, where: str, warnings: list[str]) -> None:
    if path.error:
        warnings.append(f"{where}: {path.message}")


def r_seq_by(start: float, stop: float, steps: int = 100) -> np.ndarray:
    """R's ``seq(start, stop, (stop - start) / steps)``."""
    by = (stop - start) / steps
    count = int((stop - start) / by + 1e-10)
    values = start + np.arange(count + 1) * by
    return np.minimum(values, stop)


def one_repeat(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    foldid: np.ndarray,
    settings: Settings = Settings(),
) -> RepeatResult:
    """The selection of one repeat on z-scored ``x`` (n x p) with fold ids ``foldid``."""
    warnings: list[str] = []
    k = len(np.unique(foldid))
    shrink = (k - 1) / k

    def ridge(problem: CoxProblem, lambdas: np.ndarray | None) -> CoxPath:
        return ridge_path(problem, lambdas)

    cv_ridge = cross_validate(ridge, x, time, event, foldid, warnings)
    full = prepare(x, time, event)
    beta_ridge = ridge_path(full, np.array([cv_ridge.lambda_min * shrink])).beta[:, 0]
    keep = np.flatnonzero(beta_ridge != 0)
    weights = 1.0 / np.abs(beta_ridge[keep])
    weights = weights / weights.mean()
    xs = x[:, keep]
    full_s = prepare(xs, time, event)
    p = x.shape[1]
    lmax = lambda_max(full_s, 1.0, weights)
    default = cox_path(full_s, 1.0, penalty_factor=weights, dfmax=p + 3)
    _note(default, "lasso default path (lmin)", warnings)
    lmin = float(default.lambdas[-1])
    factor = 1 - 1 / k - 0.1
    grid = r_seq_by(lmin / factor, lmax / factor)

    def lasso(problem: CoxProblem, lambdas: np.ndarray | None) -> CoxPath:
        return cox_path(problem, 1.0, lambdas=lambdas, penalty_factor=weights,
                        thresh=settings.thresh, maxit=settings.maxit)  # fmt: skip

    cv_lasso = cross_validate(lasso, xs, time, event, foldid, warnings, grid)
    final = lasso(full_s, np.array([cv_lasso.lambda_min * shrink]))
    _note(final, "final lasso fit", warnings)
    coef = np.zeros(p)
    if final.beta.shape[1]:
        coef[keep] = final.beta[:, 0]
    return RepeatResult(cv_ridge.lambda_min, cv_lasso.lambda_min, coef, warnings)


_SHARED: dict[str, tuple] = {}


def _repeat_at(index: int) -> RepeatResult:
    x, time, event, folds, settings = _SHARED["data"]
    return one_repeat(x, time, event, folds[index], settings)


def run_repeats(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    folds: np.ndarray,
    settings: Settings,
    mapper: Callable[[Callable[..., RepeatResult], Sequence[tuple]], object] | None = None,
) -> list[RepeatResult]:
    """One result per row of ``folds`` (repeats x n), in order; ``mapper(function, jobs)``
    may run them on forked processes (results must come back in submission order). The
    data reach forked workers through memory they inherit, not through pickles."""
    warm_up()
    if mapper is None or "fork" not in multiprocessing.get_all_start_methods():
        return [one_repeat(x, time, event, folds[r], settings) for r in range(folds.shape[0])]
    _SHARED["data"] = (x, time, event, folds, settings)
    try:
        jobs = [(r,) for r in range(folds.shape[0])]
        return list(mapper(_repeat_at, jobs))  # type: ignore[call-overload]
    finally:
        _SHARED.clear()


def warm_up() -> None:
    """Compile the solver once, here, so that forked workers inherit it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    time = np.arange(1.0, 13.0)
    event = np.tile([1.0, 0.0], 6)
    cox_path(prepare(x, time, event), 1.0, n_lambda=5)
