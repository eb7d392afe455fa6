"""Scores and predicted probabilities against a binary outcome (1 = event, e.g. response):
odds ratios of a score, calibration of a probability, and its decision curve.

- :func:`odds_ratios`: logistic regression of the outcome on the score (and adjustment
  covariates) with Wald limits and p, as R's ``glm(binomial)`` with ``confint.default``.
- :func:`calibration`: Brier score, scaled Brier, calibration intercept and slope, and the
  binned and lowess calibration curves, as ``rms::val.prob`` and Van Calster et al. (J Clin
  Epidemiol 2016, the "calibration hierarchy") define them.
- :func:`decision_curve`: net benefit against the threshold probability (Vickers & Elkin,
  Med Decis Making 2006), with the formulas of the dcurves package.

A separated outcome has no maximum-likelihood estimate, and Firth's penalised regression is
not available here, so such a fit raises :class:`IcarusError` rather than report an
estimate that only reflects when the optimiser stopped.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import logit

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.metrics import Metric

BIN_COLUMNS = ("bin", "n", "events", "mean_predicted", "observed", "ci_low", "ci_high")
SMOOTH_COLUMNS = ("predicted", "observed")
DECISION_COLUMNS = ("threshold", "net_benefit", "treat_all", "treat_none",
                    "standardised_net_benefit")  # fmt: skip
# dcurves' default grid, 0.01 to 0.99, as k / 100: each the double nearest its hundredth.
# np.arange(0.01, 1, 0.01) is one ulp off at 25 of them (0.06999999999999999,
# 0.7000000000000001), and "p >= pt" would then treat a probability of exactly 0.07 at 0.07
# but not one of exactly 0.7 at 0.7.
THRESHOLDS: tuple[float, ...] = tuple(k / 100 for k in range(1, 100))
LOWESS_FRACTION = 2 / 3  # R's lowess default f, which rms::val.prob keeps (with iter = 0)


@dataclass(frozen=True)
class CalibrationCurve:
    """What a calibration figure draws for one probability score.

    ``bins``: one row per quantile group of the predictions, columns :data:`BIN_COLUMNS`
    (``observed``: the fraction with the event, ``ci_low``/``ci_high``: its Clopper-Pearson
    limits at ``level``). ``smooth``: the lowess curve at each distinct prediction, columns
    :data:`SMOOTH_COLUMNS`, ascending. ``probability``: the predictions, for a histogram.
    """

    bins: pd.DataFrame
    smooth: pd.DataFrame
    probability: np.ndarray
    level: float


def odds_ratios(
    score: ArrayLike,
    y: ArrayLike,
    covariates: ArrayLike | None = None,
    per: float | None = None,
    level: float = 0.95,
    covariate_names: Sequence[str] | None = None,
) -> list[Metric]:
    """Odds ratios of the outcome per unit, per SD and per ``per`` units of a score.

    Parameters
    ----------
    score, y : one value per patient; ``y`` is 0/1 (1 = event).
    covariates : n x k floats to adjust for (e.g. age, stage as 0/1), or None.
    per : a further step of the score (e.g. 0.1), reported as ``or_per_0.1``.
    level : confidence level of the Wald limits, exp(b ± z se) as ``confint.default``.
    covariate_names : the k names, for ``method`` ("covariate 1", ... when None).

    Returns
    -------
    ``or_per_unit``, ``or_per_sd`` (SD: the sample SD of the score, as R's ``sd``) and, with
    ``per``, ``or_per_<per>``; each with its limits and the Wald p of the score's coefficient.
    """
    x = _finite(score, "score")
    outcome = _outcome(y, len(x))
    _check_level(level)
    if np.ptp(x) == 0:
        raise IcarusError(f"score: all {len(x)} patients have the value {x[0]:g}; an odds "
                          "ratio needs a score that varies")  # fmt: skip
    if per is not None and not (math.isfinite(per) and per > 0):
        raise IcarusError(f"odds ratio per {per} units: give a positive step of the score")
    adjust, names = _covariates(covariates, covariate_names, len(x))
    design = np.column_stack([np.ones(len(x)), x, adjust])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise IcarusError(f"odds ratio of the score: the covariates ({', '.join(names)}) are "
                          "collinear with the score or each other; drop one")  # fmt: skip
    params, se = _fit_logit(design, outcome, "odds ratio of the score")
    b, s = float(params[1]), float(se[1])
    adjusted = f"adjusted for {', '.join(names)}" if names else "unadjusted"
    method = f"logistic regression, {adjusted}; Wald {100 * level:g}% CI"
    sd = float(np.std(x, ddof=1))
    steps = [("or_per_unit", 1.0, method), ("or_per_sd", sd, f"{method}; SD {sd:.4g}")]
    if per is not None:
        steps.append((f"or_per_{per:g}", float(per), method))
    z, p_value = _z(level), _wald_p(b, s)
    return [Metric(name, _exp(b * k), _exp((b - z * s) * k), _exp((b + z * s) * k), p_value,
                   text) for name, k, text in steps]  # fmt: skip


def calibration(
    probability: ArrayLike, y: ArrayLike, bins: int = 10, level: float = 0.95
) -> tuple[list[Metric], CalibrationCurve]:
    """Calibration of predicted probabilities against the observed outcome.

    Parameters
    ----------
    probability, y : one value per patient, probability in [0, 1], ``y`` 0/1 (1 = event).
    bins : number of quantile groups for the binned curve (fewer when predictions tie).
    level : confidence level of the Wald limits and of the Clopper-Pearson limits per bin.

    Returns
    -------
    metrics : ``brier`` (mean (p - y)^2), ``scaled_brier`` (1 - Brier / (prevalence x (1 -
        prevalence)), as val.prob.ci.2), ``calibration_intercept`` (calibration-in-the-large:
        the intercept of ``glm(y ~ offset(qlogis(p)), binomial)``, p for 0) and
        ``calibration_slope`` (the slope of ``glm(y ~ qlogis(p), binomial)``, p for 1).
        rms::val.prob's "Intercept" is the other coefficient of that second fit, not this
        one. Probabilities of exactly 0 or 1 have no logit: like rms::val.prob, they are left
        out of the two fits (and the method says how many), but kept in the Brier scores.
    curve : :class:`CalibrationCurve`; groups cut at the quantiles of the predictions,
        intervals [a, b) with the last one closed (ties stay together, as Hmisc::cut2), and
        R's ``lowess(p, y, iter = 0)`` (f = 2/3, delta = 1% of the range), as rms::val.prob.
    """
    p = _probabilities(probability)
    outcome = _outcome(y, len(p))
    _check_level(level)
    if bins < 1:
        raise IcarusError(f"calibration: bins is {bins}; give at least 1")
    if np.ptp(p) == 0:
        raise IcarusError(f"probability: all {len(p)} patients have the probability {p[0]:g}; "
                          "a calibration slope needs predictions that vary")  # fmt: skip
    brier = float(np.mean((p - outcome) ** 2))
    prevalence = float(outcome.mean())
    scaled = 1 - brier / (prevalence * (1 - prevalence))
    metrics = [
        Metric("brier", brier, method="mean squared difference of probability and outcome"),
        Metric("scaled_brier", scaled, method="1 - Brier / (prevalence x (1 - prevalence))"),
        *_logistic_calibration(p, outcome, level),
    ]
    curve = CalibrationCurve(bins=_binned(p, outcome, bins, level), smooth=_lowess(p, outcome),
                             probability=p.copy(), level=level)  # fmt: skip
    return metrics, curve


def decision_curve(
    probability: ArrayLike, y: ArrayLike, thresholds: ArrayLike = THRESHOLDS
) -> pd.DataFrame:
    """Net benefit of treating patients whose probability is at least each threshold.

    Parameters
    ----------
    probability, y : one value per patient, probability in [0, 1], ``y`` 0/1 (1 = event).
        A constant probability is allowed (it is a policy too).
    thresholds : threshold probabilities pt in [0, 1); by default 0.01 to 0.99 by 0.01.

    Returns
    -------
    One row per threshold, columns :data:`DECISION_COLUMNS`: ``net_benefit`` = TP/n - FP/n x
    pt/(1 - pt) with "positive" meaning p >= pt, ``treat_all`` = prevalence - (1 -
    prevalence) x pt/(1 - pt), ``treat_none`` = 0 and ``standardised_net_benefit`` = net
    benefit / prevalence (Kerr et al. 2016; rmda's "standardized net benefit").
    """
    p = _probabilities(probability)
    outcome = _outcome(y, len(p))
    pt = np.asarray(thresholds, dtype=np.float64).ravel()
    if len(pt) == 0 or not ((pt >= 0) & (pt < 1)).all():
        raise IcarusError("decision curve: thresholds must be probabilities in [0, 1), at "
                          "least one (at 1 the odds pt/(1 - pt) are infinite)")  # fmt: skip
    n, prevalence = len(p), float(outcome.mean())
    positive = p[None, :] >= pt[:, None]
    true_positive = (positive & (outcome == 1)).sum(axis=1) / n
    false_positive = (positive & (outcome == 0)).sum(axis=1) / n
    odds = pt / (1 - pt)
    net_benefit = true_positive - false_positive * odds
    return pd.DataFrame({
        "threshold": pt,
        "net_benefit": net_benefit,
        "treat_all": prevalence - (1 - prevalence) * odds,
        "treat_none": np.zeros(len(pt)),
        "standardised_net_benefit": net_benefit / prevalence,
    }, columns=list(DECISION_COLUMNS))  # fmt: skip


def _logistic_calibration(p: np.ndarray, outcome: np.ndarray, level: float) -> list[Metric]:
    """Calibration intercept (slope fixed at 1) and slope, from the patients whose
    probability has a logit (0 < p < 1)."""
    inner = (p > 0) & (p < 1)
    left_out = int((~inner).sum())
    note = f"; {left_out} probabilities of 0 or 1 left out" if left_out else ""
    lp, events = logit(p[inner]), outcome[inner]
    if len(lp) == 0 or np.ptp(lp) == 0:
        raise IcarusError("probability: fewer than two distinct values strictly between 0 "
                          "and 1; the calibration slope needs varying logits")  # fmt: skip
    ones = np.ones((len(lp), 1))
    params, se = _fit_logit(ones, events, "calibration intercept", offset=lp)
    a, sa = float(params[0]), float(se[0])
    params, se = _fit_logit(np.column_stack([ones, lp]), events, "calibration slope")
    b, sb = float(params[1]), float(se[1])
    z, ci = _z(level), f"Wald {100 * level:g}% CI"
    return [
        Metric("calibration_intercept", a, a - z * sa, a + z * sa, _wald_p(a, sa),
               f"glm(y ~ offset(logit p), binomial); {ci}, p for 0{note}"),
        Metric("calibration_slope", b, b - z * sb, b + z * sb, _wald_p(b - 1, sb),
               f"glm(y ~ logit p, binomial); {ci}, p for 1{note}"),
    ]  # fmt: skip


def _binned(p: np.ndarray, outcome: np.ndarray, bins: int, level: float) -> pd.DataFrame:
    """Observed event fraction per quantile group of the predictions (empty groups, from
    ties, dropped), with Clopper-Pearson limits."""
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)[1:-1]))
    group = np.searchsorted(edges, p, side="right")  # [a, b): a prediction on an edge goes up
    used = np.unique(group)
    n = np.array([(group == g).sum() for g in used])
    events = np.array([outcome[group == g].sum() for g in used]).astype(np.int64)
    alpha = 1 - level
    low = stats.beta.ppf(alpha / 2, np.maximum(events, 1), n - events + 1)
    high = stats.beta.ppf(1 - alpha / 2, events + 1, np.maximum(n - events, 1))
    return pd.DataFrame({
        "bin": np.arange(1, len(used) + 1),
        "n": n,
        "events": events,
        "mean_predicted": [float(p[group == g].mean()) for g in used],
        "observed": events / n,
        "ci_low": np.where(events == 0, 0.0, low),
        "ci_high": np.where(events == n, 1.0, high),
    }, columns=list(BIN_COLUMNS))  # fmt: skip


def _lowess(p: np.ndarray, outcome: np.ndarray) -> pd.DataFrame:
    """R's ``lowess(p, y, iter = 0)``: its default span 2/3 and delta 1% of the range of p
    (statsmodels' default delta is 0, which fits at every point and differs slightly)."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    fitted = lowess(outcome, p, frac=LOWESS_FRACTION, it=0, delta=0.01 * float(np.ptp(p)),
                    return_sorted=True)  # fmt: skip
    x, first = np.unique(fitted[:, 0], return_index=True)  # tied predictions share one fit
    return pd.DataFrame({"predicted": x, "observed": fitted[first, 1]},
                        columns=list(SMOOTH_COLUMNS))  # fmt: skip


def _fit_logit(design: np.ndarray, outcome: np.ndarray, what: str,
               offset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Maximum-likelihood logistic coefficients and their standard errors (Newton-Raphson,
    as R's glm reaches them); an IcarusError when the estimate does not exist."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(outcome, design, offset=offset).fit(disp=0, maxiter=100)
        except np.linalg.LinAlgError as error:
            raise IcarusError(f"{what}: the logistic fit failed ({error}); check for "
                              "constant or duplicated covariates") from error  # fmt: skip
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    params, se = np.asarray(fit.params), np.asarray(fit.bse)
    if separated or not fit.mle_retvals["converged"] or not np.isfinite(se).all():
        raise IcarusError(f"{what}: the outcome is (quasi-)completely separated, so the "
                          "logistic fit does not converge and has no estimate; Firth's "
                          "penalised regression is not available here")  # fmt: skip
    return params, se


def _finite(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    bad = int((~np.isfinite(array)).sum())
    if bad:
        raise IcarusError(f"{name}: {bad} of {len(array)} values are missing or infinite; "
                          "leave those patients out first")  # fmt: skip
    return array


def _probabilities(values: ArrayLike) -> np.ndarray:
    p = _finite(values, "probability")
    outside = int(((p < 0) | (p > 1)).sum())
    if outside:
        raise IcarusError(f"probability: {outside} of {len(p)} values lie outside [0, 1]; "
                          "give predicted probabilities, not scores or percentages")  # fmt: skip
    return p


def _outcome(values: ArrayLike, n: int) -> np.ndarray:
    """The outcome as floats 0/1, one per patient, with both classes present."""
    y = np.asarray(values, dtype=np.float64).ravel()
    if len(y) != n:
        raise IcarusError(f"outcome: {len(y)} values for {n} patients; give one per patient")
    if not np.isin(y, (0.0, 1.0)).all():
        raise IcarusError("outcome: values must be 0 or 1 (1 = event), none missing; found "
                          f"{sorted(set(y[~np.isin(y, (0.0, 1.0))].tolist()))[:3]}")  # fmt: skip
    events = int(y.sum())
    if events in (0, n):
        raise IcarusError(f"outcome: {events} events in {n} patients, so only one class; "
                          "odds ratios and calibration need both")  # fmt: skip
    return y


def _covariates(covariates: ArrayLike | None, names: Sequence[str] | None,
                n: int) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """The adjustment covariates as an n x k matrix (k may be 0) and their k names."""
    if covariates is None:
        return np.zeros((n, 0)), []
    matrix = np.asarray(covariates, dtype=np.float64)
    matrix = matrix[:, None] if matrix.ndim == 1 else matrix
    if matrix.ndim != 2 or len(matrix) != n:
        raise IcarusError(f"covariates: shape {matrix.shape} does not match {n} patients; "
                          "give an n x k matrix, one row per patient")  # fmt: skip
    _finite(matrix, "covariates")
    labels = list(names) if names is not None else [
        f"covariate {j + 1}" for j in range(matrix.shape[1])]  # fmt: skip
    if len(labels) != matrix.shape[1]:
        raise IcarusError(f"covariates: {matrix.shape[1]} columns but {len(labels)} names")
    return matrix, labels


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise IcarusError(f"confidence level {level}: give a value between 0 and 1, e.g. 0.95")


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def _wald_p(estimate: float, se: float) -> float:
    return float(2 * stats.norm.sf(abs(estimate / se)))


def _exp(value: float) -> float:
    with np.errstate(over="ignore"):
        return float(np.exp(value))
