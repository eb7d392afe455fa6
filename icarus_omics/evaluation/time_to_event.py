"""A continuous score against progression-free survival (time in months, event 0/1).

Each function gives what R gives (survival 3.5, maxstat 0.7-25):

- :func:`hazard_ratio`: ``coxph(Surv(time, event) ~ score + covariates)``, per unit and SD;
- :func:`concordance`: ``concordance(Surv(time, event) ~ score, reverse = TRUE)``, Harrell's
  C with its infinitesimal-jackknife standard error;
- :func:`landmark_auc`: Uno's IPCW time-dependent AUC at landmark times;
- :func:`groups_by_tertile`: ``cut(score, quantile(score, 0:3 / 3), include.lowest = TRUE)``;
- :func:`maxstat_cutpoint`: ``maxstat.test(Surv(time, event) ~ score, smethod = "LogRank",
  pmethod = "Lau94")``, the maximally selected log-rank statistic;
- :func:`spline_hazard`: a Cox model on Harrell's restricted cubic spline of the score (the
  function space of ``splines::ns`` with the same knots): the log-HR curve against a
  reference score, likelihood-ratio tests of association and of non-linearity.

As R does (``timefix = TRUE``), the Cox models and the concordance first merge times that
differ by rounding error only (``km.merge_near_ties``); maxstat, like R's, does not.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.metrics import Metric
from icarus_omics.survival.cox import cox_fit, cumulative_dynamic_auc, harrell_c
from icarus_omics.survival.km import merge_near_ties

MIN_PATIENTS = 10
TERTILE_LABELS = ("low", "mid", "high")
# Harrell's default knot quantiles (Hmisc::rcspline.eval, Regression Modeling Strategies 2.4.6)
KNOT_QUANTILES = {
    3: (0.10, 0.50, 0.90),
    4: (0.05, 0.35, 0.65, 0.95),
    5: (0.05, 0.275, 0.50, 0.725, 0.95),
    6: (0.05, 0.23, 0.41, 0.59, 0.77, 0.95),
    7: (0.025, 0.1833, 0.3417, 0.50, 0.6583, 0.8167, 0.975),
}
SPLINE_COLUMNS = ("score", "log_hazard_ratio", "std_error", "hazard_ratio", "ci_low", "ci_high")


def _checked(score: np.ndarray, time: np.ndarray, event: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Score and time as floats, event as 0.0/1.0, or an IcarusError naming the problem."""
    score = np.asarray(score, dtype=np.float64).ravel()
    time = np.asarray(time, dtype=np.float64).ravel()
    event = np.asarray(event, dtype=np.float64).ravel()
    if not len(score) == len(time) == len(event):
        raise IcarusError(f"time-to-event: {len(score)} scores, {len(time)} times and "
                          f"{len(event)} event flags; give one of each per patient")  # fmt: skip
    if not (np.isfinite(score).all() and np.isfinite(time).all()):
        raise IcarusError("time-to-event: scores and times must be finite; drop patients "
                          "without a score or a PFS time")  # fmt: skip
    if not np.isin(event, (0.0, 1.0)).all():
        raise IcarusError("time-to-event: event flags must be 0 (censored) or 1 (progression)")
    if len(score) < MIN_PATIENTS:
        raise IcarusError(f"time-to-event: only {len(score)} patients with a score and PFS; "
                          f"at least {MIN_PATIENTS} are needed")  # fmt: skip
    if event.sum() == 0:
        raise IcarusError(f"time-to-event: no progression among {len(score)} patients; "
                          "nothing to relate the score to")  # fmt: skip
    if np.ptp(score) == 0:
        raise IcarusError(f"time-to-event: the score is {score[0]:g} for every patient; "
                          "a score without variation cannot be evaluated")  # fmt: skip
    return score, time, event


def _z(level: float) -> float:
    """The normal quantile of a two-sided ``level``."""
    if not 0.0 < level < 1.0:
        raise IcarusError(f"time-to-event: level must be between 0 and 1, got {level}")
    return float(stats.norm.ppf(0.5 + level / 2))


def hazard_ratio(score: np.ndarray, time: np.ndarray, event: np.ndarray,
                 covariates: np.ndarray | None = None, names: Sequence[str] = (),
                 level: float = 0.95) -> list[Metric]:  # fmt: skip
    """Fit the Cox model of PFS on the score (and covariates): the score's hazard ratio.

    R's ``coxph(Surv(time, event) ~ score + covariates)`` (Efron ties), Wald limits and p.

    Parameters
    ----------
    score, time, event : one per patient; time in months, event 1 for progression.
    covariates : patients x covariates (numeric, e.g. age, 0/1 for stage III-IV), or None.
    names : the covariates' names, for the ``method`` text.
    level : two-sided confidence level.

    Returns
    -------
    ``hr_per_unit`` and ``hr_per_sd`` (per sample standard deviation of the score, R's
    ``sd``): the same Wald p, limits ``exp((beta -/+ z se) * scale)``.
    """
    score, time, event = _checked(score, time, event)
    z = _z(level)
    fit, messages = cox_fit(_design(score, covariates), merge_near_ties(time), event)
    if not fit.converged:
        raise IcarusError(f"hazard_ratio: the Cox model did not converge ("
                          f"{'; '.join(messages)}); check for a score or covariate that "
                          "separates the events")  # fmt: skip
    beta, se, p = float(fit.coef[0]), float(fit.se[0]), float(fit.p_value[0])
    adjusted = f", adjusted for {', '.join(names)}" if names else ""
    method = f"Cox PH (Efron ties{adjusted}), Wald {100 * level:g}% CI and p"
    sd = float(np.std(score, ddof=1))
    rows = []
    for metric, scale in (("hr_per_unit", 1.0), ("hr_per_sd", sd)):
        with np.errstate(over="ignore"):  # a huge ratio is inf, not a crash
            estimate, low, high = np.exp(np.array([beta, beta - z * se, beta + z * se]) * scale)
        rows.append(Metric(metric, float(estimate), float(low), float(high), p, method))
    return rows


def _design(score: np.ndarray, covariates: np.ndarray | None) -> np.ndarray:
    """The score as the first column, then the covariates (patients x covariates)."""
    if covariates is None:
        return score[:, None]
    extra = np.asarray(covariates, dtype=np.float64).reshape(len(score), -1)
    if not np.isfinite(extra).all():
        raise IcarusError("hazard_ratio: covariates must be finite; drop or impute patients "
                          "with a missing covariate")  # fmt: skip
    design = np.column_stack([score, extra])
    if np.linalg.matrix_rank(design - design.mean(axis=0)) < design.shape[1]:
        raise IcarusError("hazard_ratio: the covariates are collinear with the score or each "
                          "other; drop one")  # fmt: skip
    return design


def concordance(score: np.ndarray, time: np.ndarray, event: np.ndarray,
                level: float = 0.95) -> Metric:  # fmt: skip
    """Harrell's C of the score with PFS, a higher score meaning a higher risk.

    R's ``concordance(Surv(time, event) ~ score, reverse = TRUE)``: comparable pairs are
    those whose shorter time is a progression (a censoring at the same time counts as
    longer; two progressions at the same time are not comparable); tied scores count one
    half. The standard error is R's infinitesimal jackknife: with ``c_i``, ``d_i``, ``t_i``
    the concordant, discordant and score-tied comparable pairs patient i belongs to, N all
    comparable pairs and ``s`` Somers' d (``2 C - 1``),
    ``dfbeta_i = (c_i - d_i - s (c_i + d_i + t_i)) / N`` and ``se(C) = sqrt(sum dfbeta_i^2) / 2``.

    Returns
    -------
    Metric ``c_index``: the estimate, Wald limits ``C -/+ z se`` and the p of C = 0.5.
    """
    score, time, event = _checked(score, time, event)
    z = _z(level)
    time = merge_near_ties(time)
    estimate = harrell_c(score, time, event)
    se = _jackknife_se(score, time, event)
    p_value = float(2 * stats.norm.sf(abs(estimate - 0.5) / se)) if se > 0 else math.nan
    return Metric("c_index", estimate, estimate - z * se, estimate + z * se, p_value,
                  f"Harrell's C, infinitesimal-jackknife {100 * level:g}% CI "
                  "(R survival concordance)")  # fmt: skip


def _jackknife_se(score: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    """The standard error of C by R's infinitesimal jackknife (``concordancefit``)."""
    observed = event > 0
    comparable = observed[:, None] & (
        (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & ~observed[None, :])
    )  # row i progressed first
    concordant = comparable & (score[:, None] > score[None, :])
    discordant = comparable & (score[:, None] < score[None, :])
    tied = comparable & (score[:, None] == score[None, :])
    pairs = float(comparable.sum())
    if pairs == 0:
        raise IcarusError("concordance: no comparable pair of patients (every progression "
                          "is at the last time); C is not defined")  # fmt: skip
    somers = (concordant.sum() - discordant.sum()) / pairs
    c, d, t = (m.sum(axis=0) + m.sum(axis=1) for m in (concordant, discordant, tied))
    dfbeta = (c - d - somers * (c + d + t)) / pairs  # patient i's dSomers/dweight_i
    return float(np.sqrt(np.sum(dfbeta**2)) / 2)


def landmark_auc(score: np.ndarray, time: np.ndarray, event: np.ndarray,
                 landmarks: Sequence[float]) -> list[Metric]:  # fmt: skip
    """Time-dependent AUC of the score at each landmark (months).

    Uno's inverse-probability-of-censoring weighted estimator (cumulative cases: progressed
    by the landmark; dynamic controls: progression-free beyond it), as scikit-survival's
    ``cumulative_dynamic_auc``. No confidence limits.

    Returns
    -------
    One Metric ``auc_<landmark>m`` per landmark, in order; NaN where the landmark has no
    case or no control (before the first progression, at or after the last time).
    """
    score, time, event = _checked(score, time, event)
    values = cumulative_dynamic_auc(score, time, event, np.asarray(landmarks, dtype=np.float64))
    method = "Uno IPCW cumulative/dynamic AUC at {:g} months"
    return [Metric(f"auc_{t:g}m", float(v), method=method.format(t))
            for t, v in zip(landmarks, values, strict=True)]  # fmt: skip


def groups_by_tertile(score: np.ndarray) -> np.ndarray:
    """Split patients into ``low``, ``mid`` and ``high`` thirds of the score.

    R's ``cut(score, quantile(score, c(0, 1/3, 2/3, 1)), include.lowest = TRUE)`` (quantile
    type 7): low is at or below the first tertile, high above the second.

    Returns
    -------
    An array of labels, one per patient, in the order of ``score``.
    """
    values = np.asarray(score, dtype=np.float64).ravel()
    if len(values) < 3 or not np.isfinite(values).all():
        raise IcarusError("groups_by_tertile: need at least 3 patients, each with a score")
    first, second = np.quantile(values, [1 / 3, 2 / 3])
    if not values.min() < first < second < values.max():
        raise IcarusError("groups_by_tertile: too many tied scores to form three groups; "
                          "use a cutpoint instead")  # fmt: skip
    index = (values > first).astype(int) + (values > second).astype(int)
    return np.array(TERTILE_LABELS, dtype=object)[index]


class Cutpoint(NamedTuple):
    """The maximally selected log-rank cutpoint: patients with a score at or below
    ``cutpoint`` form the low group; ``statistic`` is maxstat's M and ``p_value`` its
    Lau94 approximation, which allows for the search over cutpoints."""

    cutpoint: float
    statistic: float
    p_value: float

    def metric(self) -> Metric:
        """The ``maxstat_cutpoint`` row, its method flagging the cutpoint as data-driven."""
        return Metric("maxstat_cutpoint", self.cutpoint, p_value=self.p_value,
                      method=f"maximally selected log-rank, M = {self.statistic:.4g}, "
                      "Lau94 p (R maxstat); data-driven cutpoint: optimistic, "
                      "validate in an independent cohort")  # fmt: skip


def maxstat_cutpoint(score: np.ndarray, time: np.ndarray, event: np.ndarray,
                     minprop: float = 0.1, maxprop: float = 0.9) -> Cutpoint:  # fmt: skip
    """Find the score cutpoint that best separates PFS (maximally selected log-rank).

    R's ``maxstat.test(Surv(time, event) ~ score, smethod = "LogRank", pmethod = "Lau94",
    minprop =, maxprop =)``. Each patient gets the log-rank score ``event_i - sum over
    t_j <= t_i of event_j / (N - r_j + 1)``, r_j the highest rank among times tied with t_j
    (``exactRankTests::cscores.Surv``). For each split after the m lowest scores, m from
    ``max(1, floor(N minprop))`` to ``floor(N maxprop)`` and never inside a run of tied
    scores, the sum of the low group's log-rank scores is standardised by its permutation
    mean and variance; M is the largest absolute value, the cutpoint the highest score of
    the first split reaching it, and p Lausen, Sauerbrei & Schumacher (1994)'s bound.
    """
    score, time, event = _checked(score, time, event)
    if not 0.0 < minprop < maxprop < 1.0:
        raise IcarusError(f"maxstat: need 0 < minprop < maxprop < 1, got {minprop}, {maxprop}")
    n = len(score)
    highest_rank = np.searchsorted(np.sort(time), time, side="right")
    cumulative = np.cumsum((event / (n - highest_rank + 1))[np.argsort(time, kind="stable")])
    logrank_scores = event - cumulative[highest_rank - 1]
    order = np.argsort(score, kind="stable")
    x, y = score[order], logrank_scores[order]
    m = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))  # patients below each value
    m = m[(m >= max(1, math.floor(n * minprop))) & (m <= math.floor(n * maxprop))]
    if len(m) == 0:
        raise IcarusError(f"maxstat: no cutpoint leaves between {minprop:g} and {maxprop:g} "
                          "of the patients below it; the score has too many ties")  # fmt: skip
    total = y.sum()
    expected = m / n * total
    variance = m * (n - m) / (n**2 * (n - 1)) * (n * np.sum(y**2) - total**2)
    tests = np.abs((np.cumsum(y)[m - 1] - expected) / np.sqrt(variance))
    best = int(np.argmax(tests))
    statistic = float(tests[best])
    return Cutpoint(float(x[m[best] - 1]), statistic, _lausen94(statistic, n, m))


def _lausen94(b: float, n: int, m: np.ndarray) -> float:
    """Lausen, Sauerbrei & Schumacher (1994)'s approximate p of the maximally selected
    statistic ``b`` over splits after ``m`` patients (maxstat's ``pLausen94``)."""
    d = 0.0
    if len(m) > 1:
        m1, m2 = m[:-1].astype(np.float64), m[1:].astype(np.float64)
        t = np.sqrt(1 - m1 * (n - m2) / ((n - m1) * m2))
        d = float(np.sum(1 / np.pi * np.exp(-(b**2) / 2) * (t - (b**2 / 4 - 1) * t**3 / 6)))
    return float(1 - (stats.norm.cdf(b) - stats.norm.cdf(-b)) + d)


@dataclass(frozen=True)
class SplineCurve:
    """The log hazard ratio of a score value against ``reference`` along a grid of scores,
    from a Cox model on a restricted cubic spline of the score.

    Attributes
    ----------
    score : the grid, from the lowest to the highest observed score.
    log_hazard_ratio, std_error : log HR against the reference and its standard error.
    hazard_ratio, ci_low, ci_high : the HR and its pointwise ``level`` limits.
    reference, knots, observed : the score of HR 1, the knots, every patient's score.
    p_overall, p_nonlinear : likelihood-ratio p of any association (spline against no
        score) and of non-linearity (spline against a linear score).
    """

    score: np.ndarray
    log_hazard_ratio: np.ndarray
    std_error: np.ndarray
    hazard_ratio: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    reference: float
    knots: np.ndarray
    observed: np.ndarray
    p_overall: float
    p_nonlinear: float
    level: float

    def table(self) -> pd.DataFrame:
        """One row per grid point, columns ``SPLINE_COLUMNS``."""
        return pd.DataFrame({column: getattr(self, column) for column in SPLINE_COLUMNS})

    def metrics(self) -> list[Metric]:
        """The two likelihood-ratio tests as rows (estimate: the number of knots)."""
        k, knots = len(self.knots), ", ".join(f"{v:.4g}" for v in self.knots)
        method = f"Cox PH on a restricted cubic spline, knots at {knots}; LR test"
        return [Metric("spline_association", float(k), p_value=self.p_overall,
                       method=f"{method} of any association, {k - 1} df"),
                Metric("spline_nonlinearity", float(k), p_value=self.p_nonlinear,
                       method=f"{method} of non-linearity, {k - 2} df")]  # fmt: skip


def spline_hazard(score: np.ndarray, time: np.ndarray, event: np.ndarray, knots: int = 4,
                  grid: int = 100, reference: float | None = None,
                  level: float = 0.95) -> SplineCurve:  # fmt: skip
    """Fit a Cox model on a restricted cubic spline of the score: the shape of its HR.

    Harrell's ``rcs``: knots at his default quantiles of the score (type 7; for 4 knots
    .05, .35, .65, .95), cubic between them and linear beyond the outer knots; the same
    function space as R's ``splines::ns(score, knots = inner, Boundary.knots = outer)``.

    Parameters
    ----------
    score, time, event : one per patient; time in months, event 1 for progression.
    knots : number of knots, 3 to 7.
    grid : number of evenly spaced scores from the lowest to the highest observed.
    reference : the score whose HR is 1; the median score when None.
    level : two-sided level of the pointwise (Wald) limits.

    Returns
    -------
    SplineCurve, with likelihood-ratio p-values of any association (``knots - 1`` df) and
    of non-linearity (``knots - 2`` df).
    """
    score, time, event = _checked(score, time, event)
    z = _z(level)
    if grid < 2:
        raise IcarusError(f"spline_hazard: the grid needs at least 2 points, got {grid}")
    places = _knot_places(score, knots)
    centre = float(np.median(score)) if reference is None else float(reference)
    time = merge_near_ties(time)
    beta, covariance, loglik, null_loglik = _cox_model(_rcs_basis(score, places), time, event)
    _, _, linear_loglik, _ = _cox_model(score[:, None], time, event)
    values = np.linspace(score.min(), score.max(), grid)
    contrast = _rcs_basis(values, places) - _rcs_basis(np.array([centre]), places)
    log_hr = contrast @ beta
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", contrast, covariance, contrast), 0.0))
    p_overall = float(stats.chi2.sf(2 * (loglik - null_loglik), knots - 1))
    p_nonlinear = float(stats.chi2.sf(max(2 * (loglik - linear_loglik), 0.0), knots - 2))
    return SplineCurve(values, log_hr, se, np.exp(log_hr), np.exp(log_hr - z * se),
                       np.exp(log_hr + z * se), centre, places, score, p_overall, p_nonlinear,
                       level)  # fmt: skip


def _knot_places(score: np.ndarray, knots: int) -> np.ndarray:
    """Harrell's default knots: quantiles (type 7) of the score, which must be distinct."""
    if knots not in KNOT_QUANTILES:
        raise IcarusError(f"spline_hazard: knots must be 3 to 7, got {knots}")
    places = np.quantile(score, KNOT_QUANTILES[knots])
    if np.any(np.diff(places) <= 0):
        raise IcarusError(f"spline_hazard: too many tied scores for {knots} distinct knots; "
                          "use fewer knots")  # fmt: skip
    return places


def _rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Harrell's restricted cubic spline basis (``Hmisc::rcspline.eval(inclx = TRUE)``):
    x, then one column per knot but the last two, scaled by the squared outer-knot span."""
    t, k = knots, len(knots)

    def cube(u: np.ndarray) -> np.ndarray:
        return np.maximum(u, 0.0) ** 3

    span = t[k - 1] - t[k - 2]
    columns = [x]
    for j in range(k - 2):
        column = (cube(x - t[j]) - cube(x - t[k - 2]) * (t[k - 1] - t[j]) / span
                  + cube(x - t[k - 1]) * (t[k - 2] - t[j]) / span)  # fmt: skip
        columns.append(column / (t[k - 1] - t[0]) ** 2)
    return np.column_stack(columns)


def _cox_model(x: np.ndarray, time: np.ndarray, event: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, float, float]:  # fmt: skip
    """Coefficients, their covariance, and the log partial likelihood at the fit and at 0
    (statsmodels PHReg, Efron ties: ``cox_fit`` gives no covariance, which the pointwise
    limits of a spline need)."""
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PHReg(time, x, status=event, ties="efron")
        result = model.fit()
    covariance = np.asarray(result.cov_params())
    trouble = [str(w.message).splitlines()[0] for w in caught
               if issubclass(w.category, (ConvergenceWarning, RuntimeWarning))]  # fmt: skip
    if trouble or not np.isfinite(covariance).all():
        reason = (trouble or ["infinite variance"])[0]
        raise IcarusError(
            f"spline_hazard: the Cox model did not converge ({reason}); use fewer knots"
        )
    null = float(model.loglike(np.zeros(x.shape[1])))
    return np.asarray(result.params), covariance, float(result.llf), null
