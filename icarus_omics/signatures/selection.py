"""Per-sample signature selection: which signatures a sample's fit keeps, and their exposures.

Every function here fits one sample: observed counts (channels,) and signature profiles
(channels x signatures) -> exposures (signatures,). :mod:`.fitting` checks the inputs,
runs these over the cohort (in chunks, across processes) and describes each rule
against its source (``fit_strict``, ``fit_sparse``).

- :func:`solve_nnls` - Lawson-Hanson NNLS (``scipy.optimize.nnls``), the one solver of all fits.
- :func:`select_backwards`, :func:`select_best_subset` - MutationalPatterns 3.8.1
  ``fit_to_signatures_strict`` selection rules.
- :func:`select_sparse` - the SigProfiler single-sample sparsity step (Pich et al. 2019).

A useful fact for reading the selection rules: an NNLS fit ``p`` of ``y`` is orthogonal to its
residual (KKT), so ``cosine(y, p) = sqrt(1 - rss / |y|^2)``. Dropping a signature and refitting
can only raise the residual, so it can only lower the cosine similarity.
"""

from __future__ import annotations

from itertools import combinations
from typing import NamedTuple

import numpy as np
from scipy.optimize import nnls

NNLS_MAX_ITERATIONS = 30  # per signature: headroom over scipy's 3, past which it raises
Array = np.ndarray


def solve_nnls(observed: Array, profiles: Array) -> Array:
    """Lawson-Hanson NNLS exposures; none when there is nothing to fit."""
    if profiles.shape[1] == 0:
        return np.zeros(0)
    return nnls(profiles, observed, maxiter=NNLS_MAX_ITERATIONS * profiles.shape[1])[0]


def _similarity(observed: Array, fitted: Array) -> float:
    """Cosine similarity, 0 when undefined (MutationalPatterns' rule for NaN)."""
    norms = float(np.sqrt(observed @ observed) * np.sqrt(fitted @ fitted))
    return float(observed @ fitted) / norms if norms > 0 else 0.0


def select_backwards(
    observed: Array, profiles: Array, max_delta: float, present: Array | None = None
) -> Array:
    """MutationalPatterns backwards selection (see ``signatures.fit_strict``); ``present`` is
    the cohort filter, by default this sample's own non-zero NNLS exposures."""
    exposures = np.zeros(profiles.shape[1])
    if observed.sum() == 0:
        return exposures
    if present is None:
        present = np.flatnonzero(solve_nnls(observed, profiles))
    kept = list(present)
    fit = solve_nnls(observed, profiles[:, kept])
    similarity = _similarity(observed, profiles[:, kept] @ fit)
    while len(kept) > 1:
        weakest = int(np.argmin(fit))
        trial = kept[:weakest] + kept[weakest + 1 :]
        if fit[weakest] == 0:
            kept, fit = trial, np.delete(fit, weakest)
            continue
        trial_fit = solve_nnls(observed, profiles[:, trial])
        trial_similarity = _similarity(observed, profiles[:, trial] @ trial_fit)
        if similarity - trial_similarity > max_delta:
            break
        kept, fit, similarity = trial, trial_fit, trial_similarity
    exposures[kept] = fit
    return exposures


def select_best_subset(observed: Array, profiles: Array, max_delta: float) -> Array:
    """MutationalPatterns best-subset selection over all signatures (``signatures.fit_strict``)."""
    exposures = np.zeros(profiles.shape[1])
    if observed.sum() == 0:
        return exposures

    def similarity(subset: tuple[int, ...]) -> float:
        columns = profiles[:, list(subset)]
        return _similarity(observed, columns @ solve_nnls(observed, columns))

    everything = range(profiles.shape[1])
    best = tuple(everything)
    best_similarity = similarity(best)
    for size in range(len(best) - 1, 0, -1):
        scored = [(similarity(subset), subset) for subset in combinations(everything, size)]
        top = max(range(len(scored)), key=lambda i: scored[i][0])  # first maximum, as which.max
        if best_similarity - scored[top][0] > max_delta:
            break
        best_similarity, best = scored[top]
    exposures[list(best)] = solve_nnls(observed, profiles[:, list(best)])
    return exposures


def select_sparse(observed: Array, profiles: Array, max_cosine_drop: float) -> Array:
    """SigProfiler removeAllSingleSignatures after an NNLS fit (``signatures.fit_sparse``)."""
    exposures = np.zeros(profiles.shape[1])
    if observed.sum() == 0:
        return exposures
    first_fit = solve_nnls(observed, profiles)
    active = np.flatnonzero(first_fit)
    fit = first_fit[active]
    first_similarity = _similarity(observed, profiles[:, active] @ fit)
    while len(active) > 1:
        removal = _best_removal(observed, profiles, active, fit)
        if first_similarity - removal.similarity >= max_cosine_drop or not removal.fit.any():
            break
        active, fit = removal.active[removal.fit > 0], removal.fit[removal.fit > 0]
    exposures[active] = fit
    return exposures


class _Removal(NamedTuple):
    score: float
    position: int  # in the active set
    active: Array  # signatures left
    fit: Array  # their NNLS exposures
    similarity: float
    rss: float


def _best_removal(observed: Array, profiles: Array, active: Array, fit: Array) -> _Removal:
    """The cheapest signature to remove from the active set, refitted without it.

    Candidates score the harmonic mean of ``1 - cosine`` and the relative error (Julia
    ``removeOneSig``); the lowest wins, ties going to the first in column order. Both terms
    grow with the refit's residual, and the least-squares downdate ``rss + x_j^2 /
    [(M'M)^-1]_jj`` bounds that residual from below (exactly, when the refit stays positive).
    So candidates are refitted in order of that bound, stopping once the bound exceeds the
    best residual found (with a margin for rounding): the same choice as refitting every
    candidate, in a few NNLS calls instead of one per active signature.
    """
    squared_norm = float(observed @ observed)
    rss = float(np.sum((observed - profiles[:, active] @ fit) ** 2))
    bounds = _removal_bounds(profiles[:, active], fit, rss)
    order = np.argsort(bounds, kind="stable")
    best = _refit_without(observed, profiles, active, int(order[0]), squared_norm)
    for position in order[1:]:
        if bounds[position] > best.rss * (1 + 1e-6) + 1e-9 * squared_norm:
            break
        candidate = _refit_without(observed, profiles, active, int(position), squared_norm)
        if (candidate.score, candidate.position) < (best.score, best.position):
            best = candidate
    return best


def _refit_without(
    observed: Array, profiles: Array, active: Array, position: int, squared_norm: float
) -> _Removal:
    trial = np.delete(active, position)
    fit = solve_nnls(observed, profiles[:, trial])
    fitted = profiles[:, trial] @ fit
    rss = float(np.sum((observed - fitted) ** 2))
    similarity = _similarity(observed, fitted)
    score = _harmonic_mean(max(1.0 - similarity, 0.0), np.sqrt(rss / squared_norm))
    return _Removal(score, position, trial, fit, similarity, rss)


def _removal_bounds(columns: Array, fit: Array, rss: float) -> Array:
    """Residual after dropping each column and refitting without sign constraints; a lower
    bound on the NNLS refit's residual (``rss`` alone where the algebra breaks down)."""
    upper = np.linalg.qr(columns, mode="r")
    if not np.all(np.abs(np.diag(upper)) > 0):
        return np.full(len(fit), rss)
    inverse = np.linalg.inv(upper)  # not scipy's solve_triangular: OpenBLAS threads it badly
    bounds = rss + fit**2 / np.sum(inverse**2, axis=1)  # diag((M'M)^-1) = row norms of R^-1
    return np.where(np.isfinite(bounds), bounds, rss)


def _harmonic_mean(a: float, b: float) -> float:
    """StatsBase ``harmmean`` of two values >= 0: 0 when either is 0."""
    return 2 * a * b / (a + b) if a > 0 and b > 0 else 0.0
