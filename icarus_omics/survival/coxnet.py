"""Elastic-net Cox regression paths that behave as R glmnet's ``family = "cox"`` does.

The model (Simon, Friedman, Hastie & Tibshirani, J Stat Softw 2011): with observation
weights ``q`` scaled to sum to one and Breslow's handling of tied event times, minimise

    -l(beta) + lambda * ((1 - alpha) / 2 * ||beta||^2 + alpha * sum_j vp_j |beta_j|)

where ``l`` is the weighted log partial likelihood and the penalty factors ``vp`` are
rescaled to sum to the number of features. The solver is cyclic coordinate descent on a
quadratic approximation of ``l`` (diagonal Hessian), with sequential strong-rule
screening and a KKT check, along a decreasing lambda path. Everything a user of glmnet can
observe is reproduced: the default path (lambda_max from the null gradient, divided by
``max(alpha, 1e-3)``; ``lambda.min.ratio`` 0.01 when n < p else 1e-4; the first value
extrapolated from the next two as R's ``fix.lam`` does), the convergence test
(``max_j v_j * delta_j^2 < thresh * null deviance``), the pass limit ``maxit`` counted over
the whole path (a path that reaches it is cut before the lambda that did not converge, and
the cut is reported, as glmnet warns), and the early end of a default path (after five
lambdas: when the deviance ratio grew by less than 0.1% over the last four, or exceeds
0.99, or more than ``dfmax`` features are in).

:func:`cox_deviance` is glmnet's ``coxnet.deviance`` (unit weights, Breslow), used for
the cross-validated partial-likelihood deviance.

Ties: glmnet nudges censored times by ``100 * .Machine$double.eps`` so that a censored
observation tied with an event time stays in that event's risk set, but the nudge is
lost to rounding for times above about 0.2; here a censored time tied with an event time
is always in the risk set (Breslow, as ``survival::coxph``), so results can differ from
glmnet only on data with such ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

BIG = 9.9e35
_EPS_FLMIN = 1e-6
_MIN_LAMBDAS = 5
_FRACTION_DEV = 1e-5 * 100.0  # glmnet.control's fdev, scaled for the Cox family
# glmnet.control's devmax, scaled for the Cox family by single-precision literals
_DEV_MAX = 0.999 * float(np.float32(0.99)) / float(np.float32(0.999))
_FMAX = float(np.log(np.finfo(np.float64).max * 0.1))


@dataclass(frozen=True)
class CoxProblem:
    """Observations prepared for the path solver.

    Rows are sorted by time (events before censored times at ties) and rows before the
    first event time are dropped (they are in no risk set); ``x`` is centred with the
    weights of all observations, as glmnet centres it, and stored column-major.
    """

    x: np.ndarray  # (m, p), Fortran order
    q: np.ndarray  # (m,) weights, summing to one over all observations
    dq: np.ndarray  # (m,) q * event
    start: np.ndarray  # (K,) first row of the risk set of each distinct event time
    dk: np.ndarray  # (K,) summed dq of the events at each distinct event time
    n_obs: int  # observations before dropping
    n_features: int


def prepare(x: np.ndarray, time: np.ndarray, event: np.ndarray) -> CoxProblem:
    """Sort, centre and group ``x`` (n x p), ``time`` and ``event`` (0/1) for the solver."""
    n, p = x.shape
    event = np.asarray(event, dtype=np.float64)
    time = np.asarray(time, dtype=np.float64)
    if event.sum() <= 0:
        raise ValueError("no events")
    q_all = np.full(n, 1.0 / n)
    centred = x - q_all @ x
    order = np.lexsort((-event, time))
    first_event = time[event > 0].min()
    order = order[time[order] >= first_event]
    t = time[order]
    d = event[order]
    q = q_all[order]
    death_times = np.unique(t[d > 0])
    start = np.searchsorted(t, death_times, side="left").astype(np.int64)
    dq = q * d
    dk = np.array([dq[(t == s) & (d > 0)].sum() for s in death_times])
    return CoxProblem(
        x=np.asfortranarray(centred[order]),
        q=q,
        dq=dq,
        start=start,
        dk=dk,
        n_obs=n,
        n_features=p,
    )


@njit(cache=True)
def path_ratio(lambda_min_ratio: float, n_lambda: int) -> float:
    """The ratio between successive lambdas of a default path. glmnet raises to the power
    ``1.0 / (nlam - 1)`` with a single-precision ``1.0``, so the exponent is a float32."""
    exponent = np.float64(np.float32(1.0) / np.float32(n_lambda - 1))
    return max(_EPS_FLMIN, lambda_min_ratio) ** exponent


@njit(cache=True)
def _risk_sums(e: np.ndarray, start: np.ndarray) -> np.ndarray:
    m = e.shape[0]
    k_count = start.shape[0]
    u = np.empty(k_count)
    h = 0.0
    i = m - 1
    for k in range(k_count - 1, -1, -1):
        while i >= start[k]:
            h += e[i]
            i -= 1
        u[k] = h
    return u


@njit(cache=True)
def _log_lik(dq: np.ndarray, dk: np.ndarray, start: np.ndarray, f: np.ndarray,
             e: np.ndarray) -> float:  # fmt: skip
    u = _risk_sums(e, start)
    total = 0.0
    for i in range(f.shape[0]):
        total += dq[i] * f[i]
    for k in range(dk.shape[0]):
        total -= dk[k] * np.log(u[k])
    return total


@njit(cache=True)
def _irls_weights(dq: np.ndarray, dk: np.ndarray, start: np.ndarray, e: np.ndarray,
                  w: np.ndarray, wr: np.ndarray) -> int:  # fmt: skip
    """Diagonal of the negative Hessian (w) and gradient (wr) of l at e = q exp(f)."""
    u = _risk_sums(e, start)
    m = e.shape[0]
    k_count = start.shape[0]
    b = 0.0
    c = 0.0
    k = 0
    for i in range(m):
        while k < k_count and start[k] <= i:
            b += dk[k] / u[k]
            c += dk[k] / (u[k] * u[k])
            k += 1
        w[i] = e[i] * (b - e[i] * c)
        if w[i] <= 0.0:
            return -30000
        wr[i] = dq[i] - e[i] * b
    return 0


@njit(cache=True)
def _exp_weights(q: np.ndarray, f: np.ndarray, e: np.ndarray) -> None:
    for i in range(f.shape[0]):
        v = f[i]
        if v > _FMAX:
            v = _FMAX
        elif v < -_FMAX:
            v = -_FMAX
        e[i] = q[i] * np.exp(v)


@njit(cache=True)
def _dot(x: np.ndarray, j: int, r: np.ndarray) -> float:
    s = 0.0
    for i in range(r.shape[0]):
        s += x[i, j] * r[i]
    return s


@njit(cache=True)
def _update(x: np.ndarray, j: int, a: np.ndarray, v: np.ndarray, vp: np.ndarray, w: np.ndarray,
            wr: np.ndarray, f: np.ndarray, sa: float, omal: float) -> float:  # fmt: skip
    """One coordinate step; returns v_j * delta^2, or -1 when the coefficient did not move."""
    u = a[j] * v[j] + _dot(x, j, wr)
    at = 0.0 if abs(u) <= vp[j] * sa else np.sign(u) * (abs(u) - vp[j] * sa) / (v[j] + vp[j] * omal)
    if at == a[j]:
        return -1.0
    delta = at - a[j]
    a[j] = at
    for i in range(wr.shape[0]):
        wr[i] -= delta * w[i] * x[i, j]
        f[i] += delta * x[i, j]
    return v[j] * delta * delta


@njit(cache=True)
def _path(x: np.ndarray, q: np.ndarray, dq: np.ndarray, start: np.ndarray, dk: np.ndarray,
          vp: np.ndarray, alpha: float, ulam: np.ndarray, flmin: float, nlam: int,
          thresh: float, maxit: int, ne: int, nx: int) -> tuple:  # fmt: skip
    m, p = x.shape
    coef = np.zeros((nx, nlam))
    entered = np.zeros(nx, dtype=np.int64)
    n_in = np.zeros(nlam, dtype=np.int64)
    lambdas = np.zeros(nlam)
    dev = np.zeros(nlam)
    f = np.zeros(m)
    e = np.empty(m)
    _exp_weights(q, f, e)
    r0 = _log_lik(dq, dk, start, f, e)
    rr = -r0
    for k in range(dk.shape[0]):
        rr -= dk[k] * np.log(dk[k])
    w = np.zeros(m)
    wr = np.zeros(m)
    jerr = _irls_weights(dq, dk, start, e, w, wr)
    if jerr != 0:
        return coef, entered, n_in, lambdas, dev, 0, 0, jerr, rr
    alf = 1.0
    if flmin < 1.0:
        alf = path_ratio(flmin, nlam)
    a = np.zeros(p)
    a_prev = np.zeros(p)
    v = np.zeros(p)
    ga = np.empty(p)
    strong = np.zeros(p, dtype=np.bool_)
    position = np.full(p, -1, dtype=np.int64)
    nin = 0
    npass = 0
    lmu = 0
    gram = np.zeros((0, 0))
    g = np.zeros(0)
    moved_by = np.zeros(0)
    built = 0
    cthr = thresh * rr
    for j in range(p):
        ga[j] = abs(_dot(x, j, wr))
    al = 0.0
    for ilm in range(nlam):
        al0 = al
        if flmin >= 1.0:
            al = ulam[ilm]
        elif ilm > 1:
            al = al * alf
        elif ilm == 0:
            al = BIG
        else:
            al0 = 0.0
            for j in range(p):
                if vp[j] > 0.0:
                    al0 = max(al0, ga[j] / vp[j])
            al0 = al0 / max(alpha, 1e-3)
            al = alf * al0
        sa = alpha * al
        omal = (1.0 - alpha) * al
        tlam = alpha * (2.0 * al - al0)
        for j in range(p):
            if not strong[j] and ga[j] > tlam * vp[j]:
                strong[j] = True
        while True:
            if npass > maxit:
                return coef, entered, n_in, lambdas, dev, lmu, npass, -(ilm + 1), rr
            for idx in range(nin):
                a_prev[entered[idx]] = a[entered[idx]]
            built = 0  # the Gram matrix is stale once the weights w change
            for j in range(p):
                if strong[j]:
                    s = 0.0
                    for i in range(m):
                        s += w[i] * x[i, j] * x[i, j]
                    v[j] = s
            too_many = False
            while True:
                npass += 1
                dli = 0.0
                for j in range(p):
                    if not strong[j]:
                        continue
                    moved = _update(x, j, a, v, vp, w, wr, f, sa, omal)
                    if moved >= 0.0:
                        dli = max(dli, moved)
                        if position[j] < 0:
                            nin += 1
                            if nin > nx:
                                too_many = True
                                break
                            position[j] = nin - 1
                            entered[nin - 1] = j
                if too_many or dli < cthr:
                    break
                if npass > maxit:
                    return coef, entered, n_in, lambdas, dev, lmu, npass, -(ilm + 1), rr
                # Sweeps over the active set: direct at first; when they drag on, on
                # covariance updates: with G = X_A' W X_A and g = X_A' wr, a step of feature
                # j changes g by -delta * G[:, j], nin operations instead of 3n; wr and f
                # catch up afterwards. Same steps, same pass counts, less arithmetic.
                settled = False
                for _ in range(nin // 6 + 2):
                    npass += 1
                    dli = 0.0
                    for idx in range(nin):
                        moved = _update(x, entered[idx], a, v, vp, w, wr, f, sa, omal)
                        if moved >= 0.0:
                            dli = max(dli, moved)
                    if dli < cthr:
                        settled = True
                        break
                    if npass > maxit:
                        return coef, entered, n_in, lambdas, dev, lmu, npass, -(ilm + 1), rr
                if settled:
                    continue
                if nin > gram.shape[0]:
                    grown = np.zeros((2 * nin, 2 * nin))
                    grown[:built, :built] = gram[:built, :built]
                    gram = grown
                    g = np.zeros(2 * nin)
                    moved_by = np.zeros(2 * nin)
                for col in range(built, nin):
                    jc = entered[col]
                    for row in range(col + 1):
                        jr = entered[row]
                        total = 0.0
                        for i in range(m):
                            total += w[i] * x[i, jr] * x[i, jc]
                        gram[row, col] = total
                        gram[col, row] = total
                built = nin
                for idx in range(nin):
                    g[idx] = _dot(x, entered[idx], wr)
                    moved_by[idx] = 0.0
                while True:
                    npass += 1
                    dli = 0.0
                    for idx in range(nin):
                        j = entered[idx]
                        u = a[j] * v[j] + g[idx]
                        if abs(u) <= vp[j] * sa:
                            at = 0.0
                        else:
                            at = np.sign(u) * (abs(u) - vp[j] * sa) / (v[j] + vp[j] * omal)
                        if at != a[j]:
                            delta = at - a[j]
                            a[j] = at
                            moved_by[idx] += delta
                            dli = max(dli, v[j] * delta * delta)
                            for k in range(nin):
                                g[k] -= delta * gram[k, idx]
                    if dli < cthr:
                        break
                    if npass > maxit:
                        return coef, entered, n_in, lambdas, dev, lmu, npass, -(ilm + 1), rr
                for idx in range(nin):
                    delta = moved_by[idx]
                    if delta != 0.0:
                        j = entered[idx]
                        for i in range(m):
                            wr[i] -= delta * w[i] * x[i, j]
                            f[i] += delta * x[i, j]
            if too_many:
                break
            _exp_weights(q, f, e)
            jerr = _irls_weights(dq, dk, start, e, w, wr)
            if jerr != 0:
                return coef, entered, n_in, lambdas, dev, lmu, npass, jerr - (ilm + 1), rr
            changed = False
            for idx in range(nin):
                k = entered[idx]
                if v[k] * (a[k] - a_prev[k]) ** 2 >= cthr:
                    changed = True
                    break
            if changed:
                continue
            for k in range(p):
                if strong[k]:
                    continue
                ga[k] = abs(_dot(x, k, wr))
                if ga[k] > sa * vp[k]:
                    strong[k] = True
                    changed = True
            if not changed:
                break
        if nin > nx:
            return coef, entered, n_in, lambdas, dev, lmu, npass, -10000 - (ilm + 1), rr
        for idx in range(nin):
            coef[idx, ilm] = a[entered[idx]]
        n_in[ilm] = nin
        lambdas[ilm] = al
        lmu = ilm + 1
        dev[ilm] = (_log_lik(dq, dk, start, f, e) - r0) / rr
        if ilm + 1 < _MIN_LAMBDAS or flmin >= 1.0:
            continue
        nonzero = 0
        for idx in range(nin):
            if coef[idx, ilm] != 0.0:
                nonzero += 1
        if nonzero > ne:
            break
        if (dev[ilm] - dev[ilm - _MIN_LAMBDAS + 1]) / dev[ilm] < _FRACTION_DEV:
            break
        if dev[ilm] > _DEV_MAX:
            break
    return coef, entered, n_in, lambdas, dev, lmu, npass, 0, rr


@dataclass(frozen=True)
class CoxPath:
    """A fitted path: ``beta`` is (p, L) for the L lambdas returned (decreasing)."""

    lambdas: np.ndarray
    beta: np.ndarray
    dev_ratio: np.ndarray
    n_passes: int
    error: int  # 0; -k: not converged at lambda k (path cut before it); -10000-k: pmax
    message: str


def _message(error: int, maxit: int, nx: int) -> str:
    if error == 0:
        return ""
    if error < -10000:
        return (
            f"more than pmax={nx} features along the path at the {-error - 10000}th lambda;"
            " solutions for larger lambdas returned"
        )
    if error < 0 and error > -10000:
        if error <= -30000:
            return "non-positive Hessian weight (the fit is saturated); path cut"
        return (
            f"convergence for the {-error}th lambda not reached after maxit={maxit} passes;"
            " solutions for larger lambdas returned"
        )
    return f"error {error}"


def fix_first_lambda(lambdas: np.ndarray) -> np.ndarray:
    """R glmnet's ``fix.lam``: the first lambda of a default path, extrapolated geometrically."""
    out = lambdas.copy()
    if len(out) > 2:
        llam = np.log(out)
        out[0] = np.exp(2 * llam[1] - llam[2])
    return out


def cox_path(
    problem: CoxProblem,
    alpha: float,
    lambdas: np.ndarray | None = None,
    penalty_factor: np.ndarray | None = None,
    n_lambda: int = 100,
    lambda_min_ratio: float | None = None,
    thresh: float = 1e-7,
    maxit: int = 100_000,
    dfmax: int | None = None,
    pmax: int | None = None,
) -> CoxPath:
    """glmnet(x, y, family = "cox", alpha, lambda, penalty.factor, thresh, maxit, dfmax, pmax,
    standardize = FALSE) on a prepared problem."""
    p = problem.n_features
    vp = np.ones(p) if penalty_factor is None else np.maximum(0.0, penalty_factor)
    vp = vp * p / vp.sum()
    ne = p + 1 if dfmax is None else dfmax
    nx = min(ne * 2 + 20, p) if pmax is None else pmax
    if lambdas is None:
        ratio = lambda_min_ratio
        if ratio is None:
            ratio = 0.01 if problem.n_obs < p else 1e-4
        ulam = np.zeros(1)
        flmin, nlam = float(ratio), n_lambda
    else:
        ulam = np.sort(np.asarray(lambdas, dtype=np.float64))[::-1].copy()
        flmin, nlam = 1.0, len(ulam)
    coef, entered, n_in, lam, dev, lmu, npass, jerr, _ = _path(
        problem.x, problem.q, problem.dq, problem.start, problem.dk, vp, float(alpha), ulam,
        flmin, nlam, float(thresh), int(maxit), int(ne), int(nx),
    )  # fmt: skip
    beta = np.zeros((p, lmu))
    for col in range(lmu):
        k = n_in[col]
        beta[entered[:k], col] = coef[:k, col]
    lam = lam[:lmu]
    if lambdas is None:
        lam = fix_first_lambda(lam)
    return CoxPath(lam, beta, dev[:lmu], int(npass), int(jerr), _message(int(jerr), maxit, nx))


def lambda_max(problem: CoxProblem, alpha: float, penalty_factor: np.ndarray | None = None,
               n_lambda: int = 100, lambda_min_ratio: float | None = None) -> float:  # fmt: skip
    """The first lambda of glmnet's default path (as R reports it after ``fix.lam``)."""
    p = problem.n_features
    vp = np.ones(p) if penalty_factor is None else np.maximum(0.0, penalty_factor)
    vp = vp * p / vp.sum()
    e = problem.q.copy()
    w = np.zeros(len(e))
    wr = np.zeros(len(e))
    _irls_weights(problem.dq, problem.dk, problem.start, e, w, wr)
    ga = np.abs(problem.x.T @ wr)
    keep = vp > 0
    top = float(np.max(ga[keep] / vp[keep])) / max(alpha, 1e-3)
    ratio = lambda_min_ratio if lambda_min_ratio is not None else (
        0.01 if problem.n_obs < p else 1e-4)  # fmt: skip
    alf = path_ratio(ratio, n_lambda)
    l2 = alf * top
    l3 = l2 * alf
    return float(fix_first_lambda(np.array([BIG, l2, l3]))[0])


def cox_deviance(eta: np.ndarray, time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """glmnet's ``coxnet.deviance`` with unit weights: 2 * (l_saturated - l(eta)) for each
    column of ``eta`` (n x L); Breslow ties."""
    eta = np.atleast_2d(np.asarray(eta, dtype=np.float64).T).T
    event = np.asarray(event, dtype=np.float64)
    order = np.lexsort((-event, time))
    t = np.asarray(time, dtype=np.float64)[order]
    d = event[order]
    f = eta[order] - eta.mean(axis=0)
    f = np.clip(f, -_FMAX, _FMAX)
    death_times, counts = np.unique(t[d > 0], return_counts=True)
    start = np.searchsorted(t, death_times, side="left")
    u = np.cumsum(np.exp(f)[::-1], axis=0)[::-1][start]
    loglik = d @ f - counts @ np.log(u)
    saturated = -float(np.sum(counts * np.log(counts)))
    return 2.0 * (saturated - loglik)
