"""Unpenalised Cox models and the measures of a risk score.

- :func:`univariate_cox`: one Cox model per column, all columns at once (vectorised
  Newton-Raphson with Efron's ties, as ``survival::coxph`` by default): coefficient,
  standard error, Wald z and p.
- :func:`cox_fit`: one multivariable Cox model (statsmodels ``PHReg``, Efron ties).
- :func:`harrell_c`: Harrell's concordance of a risk score with survival.
- :func:`cumulative_dynamic_auc`: Uno's inverse-probability-of-censoring weighted
  time-dependent AUC (cumulative cases, dynamic controls).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class CoxFit:
    coef: np.ndarray
    se: np.ndarray
    converged: np.ndarray | bool
    loglik: np.ndarray | float

    @property
    def z(self) -> np.ndarray:
        return self.coef / self.se

    @property
    def p_value(self) -> np.ndarray:
        return 2 * stats.norm.sf(np.abs(self.z))


class _EventGroups:
    """Rows sorted by time; distinct event times with their risk-set starts and events."""

    def __init__(self, time: np.ndarray, event: np.ndarray) -> None:
        self.order = np.lexsort((-event, time))
        t = time[self.order]
        d = event[self.order] > 0
        times, counts = np.unique(t[d], return_counts=True)
        self.start = np.searchsorted(t, times, side="left")
        self.counts = counts
        self.event_rows = np.flatnonzero(d)  # sorted rows of events, grouped by time
        self.group_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])


def _efron_terms(x: np.ndarray, beta: np.ndarray, g: _EventGroups
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Log partial likelihood, score and information of one-covariate models, per column."""
    eta = x * beta
    shift = eta.max(axis=0)
    e = np.exp(eta - shift)
    ex = e * x
    exx = ex * x

    def at_risk(values: np.ndarray) -> np.ndarray:
        return np.cumsum(values[::-1], axis=0)[::-1][g.start]

    def tied(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[g.event_rows], g.group_starts, axis=0)

    s0, s1, s2 = at_risk(e), at_risk(ex), at_risk(exx)
    t0, t1, t2 = tied(e), tied(ex), tied(exx)
    sum_eta = tied(eta)
    sum_x = tied(x)
    loglik = sum_eta.sum(axis=0)
    score = sum_x.sum(axis=0)
    info = np.zeros_like(score)
    d = g.counts[:, None].astype(np.float64)
    for level in range(int(g.counts.max())):
        active = (level < g.counts)[:, None]
        frac = level / d
        a0 = s0 - frac * t0
        a1 = s1 - frac * t1
        a2 = s2 - frac * t2
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = a1 / a0
            loglik = loglik - np.where(active, np.log(a0) + shift, 0).sum(axis=0)
            score = score - np.where(active, mean, 0).sum(axis=0)
            info = info + np.where(active, a2 / a0 - mean**2, 0).sum(axis=0)
    return loglik, score, info


def univariate_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray,
                   max_iter: int = 30, eps: float = 1e-9) -> CoxFit:  # fmt: skip
    """Cox model ``time ~ x[:, j]`` for every column j, Efron ties (coxph's defaults:
    Newton-Raphson from 0 with step halving, converged when the log likelihood changes
    by less than ``eps`` relative)."""
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event, dtype=np.float64)
    g = _EventGroups(time, event)
    xs = np.asarray(x, dtype=np.float64)[g.order]
    p = xs.shape[1]
    beta = np.zeros(p)
    loglik, score, info = _efron_terms(xs, beta, g)
    converged = np.zeros(p, dtype=bool)
    for _ in range(max_iter):
        step = np.where(converged, 0.0, score / info)
        step = np.nan_to_num(step)
        trial = beta + step
        new_loglik, new_score, new_info = _efron_terms(xs, trial, g)
        worse = new_loglik < loglik - 1e-12 * np.abs(loglik)
        halvings = 0
        while worse.any() and halvings < 30:
            step = np.where(worse, step / 2, step)
            trial = beta + step
            new_loglik, new_score, new_info = _efron_terms(xs, trial, g)
            worse = new_loglik < loglik - 1e-12 * np.abs(loglik)
            halvings += 1
        done = np.abs(1 - loglik / new_loglik) < eps
        beta, loglik, score, info = trial, new_loglik, new_score, new_info
        converged |= done
        if converged.all():
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        se = 1 / np.sqrt(info)
    # monotone likelihood (a gene that orders the events perfectly): the log likelihood
    # settles while the coefficient runs off; coxph warns "coefficient may be infinite"
    finite = np.isfinite(se) & (np.abs(beta) < 20)
    return CoxFit(beta, se, converged & finite, loglik)


def cox_fit(x: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple[CoxFit, list[str]]:
    """A multivariable Cox model (statsmodels PHReg, Efron ties); warnings returned."""
    from statsmodels.duration.hazard_regression import PHReg

    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PHReg(np.asarray(time, dtype=np.float64), np.asarray(x, dtype=np.float64),
                      status=np.asarray(event, dtype=np.float64), ties="efron")  # fmt: skip
        result = model.fit()
    for item in caught:
        text = str(item.message).splitlines()[0]
        if text not in messages:
            messages.append(text)
    converged = bool(
        np.all(np.isfinite(result.bse))
        and np.max(np.abs(model.score(result.params)), initial=0.0) < 1e-4
    )
    fit = CoxFit(np.asarray(result.params), np.asarray(result.bse), converged, float(result.llf))
    return fit, messages


def harrell_c(risk: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    """Harrell's C: among comparable pairs (the shorter time is an event), the share in
    which the shorter time has the higher risk; tied risks count one half."""
    risk = np.asarray(risk, dtype=np.float64)
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event) > 0
    # comparable: the shorter time is an event; at equal times, an event before a censoring
    shorter = (
        (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & ~event[None, :])
    ) & event[:, None]
    concordant = (risk[:, None] > risk[None, :]) & shorter
    tied = (risk[:, None] == risk[None, :]) & shorter
    pairs = shorter.sum()
    if pairs == 0:
        return float("nan")
    return float((concordant.sum() + 0.5 * tied.sum()) / pairs)


def censoring_survival(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate of the censoring distribution G: (times, G just after each)."""
    censored = ~(np.asarray(event) > 0)
    times = np.unique(time[censored])
    at_risk = (time[None, :] >= times[:, None]).sum(axis=1)
    drops = np.array([(censored & (time == t)).sum() for t in times])
    return times, np.cumprod(1 - drops / at_risk)


def cumulative_dynamic_auc(risk: np.ndarray, time: np.ndarray, event: np.ndarray,
                           times: np.ndarray) -> np.ndarray:  # fmt: skip
    """Uno's IPCW time-dependent AUC at each of ``times``: cases died by t (weighted by
    1 / G(T_i), censorings at T_i counted, as scikit-survival does), controls still
    event-free after t."""
    risk = np.asarray(risk, dtype=np.float64)
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event) > 0
    g_times, g_values = censoring_survival(time, event)
    index = np.searchsorted(g_times, time, side="right") - 1
    g_at = np.where(index >= 0, g_values[np.maximum(index, 0)], 1.0)
    out = []
    for t in np.atleast_1d(times):
        cases = event & (time <= t)
        controls = time > t
        if not cases.any() or not controls.any():
            out.append(np.nan)
            continue
        weight = 1 / g_at[cases]
        higher = (risk[cases][:, None] > risk[controls][None, :]).astype(float)
        higher += 0.5 * (risk[cases][:, None] == risk[controls][None, :])
        out.append(float((weight @ higher).sum() / (weight.sum() * controls.sum())))
    return np.array(out)
