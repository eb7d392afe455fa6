"""DESeq2's dispersion estimation (``fitDisp`` and ``fitDispGrid``), vectorised across genes.

DESeq2 maximises the Cox-Reid adjusted log posterior of each gene's log dispersion with a
backtracking line search (Armijo rule) that starts from an initial estimate, and falls back
to a grid search for genes that do not converge. The adjusted likelihood is often flat near
zero dispersion, so where the search starts decides where it ends; reproducing DESeq2's
answers therefore means reproducing its search, step for step, not just finding an optimum.
Here every gene takes the same steps as in DESeq2's C++ loop, but a whole block of genes
steps together: one batched evaluation per step instead of one call per gene.

The prior variance of the MAP step (``estimateDispersionsPriorVar``) is here too: with more
than three residual degrees of freedom it is the variance of the log dispersion residuals
less their expected sampling variance; with three or fewer, where that difference is too
noisy, DESeq2 finds it by simulation (:func:`prior_variance`).

Arrays are samples x genes; per-gene vectors have one value per gene column.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from icarus_omics.expression.gram import Gram

ARMIJO_EPSILON = 1e-4  # DESeq2.cpp fitDisp
LOG_ALPHA_LIMITS = (-30.0, 10.0)  # fitDisp keeps proposals inside these (lgamma stability)
GRID_POINTS = 20  # fitDispGridWrapper: 20 coarse points, then 20 fine ones
MIN_PRIOR_VARIANCE = 0.25  # estimateDispersionsPriorVar: pmax(..., 0.25)
# estimateDispersionsPriorVar with m - p <= 3: residual histogram on breaks -10, -9.5, ..., 10;
# 200 candidate variances in [0, 8], each with 10,000 simulated residuals; the KL divergence
# curve smoothed by loess(span = 0.2) and minimised on 1,000 points in [0, 8]
PRIOR_BREAKS = np.arange(-20, 21) / 2.0
PRIOR_GRID, PRIOR_FINE_GRID, PRIOR_DRAWS = np.linspace(0, 8, 200), np.linspace(0, 8, 1000), 10_000
# DESeq2 calls set.seed(2) before its simulation; numpy cannot replay R's generator, so the
# draws differ and the estimate moves by about one step of the 1,000-point grid, as it does
# in R between seeds (see tests/expected/rna/README.md)
PRIOR_SEED = 2


class DispersionPrior(NamedTuple):
    """Normal prior on log dispersion (DESeq2's MAP step): per-gene means, one variance."""

    log_mean: np.ndarray
    variance: float


class LineSearch(NamedTuple):
    """Result of :func:`line_search`, per gene: the final log dispersion, the number of
    steps tried, and the log posterior at the start and at the end (DESeq2's ``iter``,
    ``initial_lp`` and ``last_lp``)."""

    log_alpha: np.ndarray
    iterations: np.ndarray
    initial_lp: np.ndarray
    last_lp: np.ndarray


def prior_for(prior: DispersionPrior | None, idx: np.ndarray | slice) -> DispersionPrior | None:
    """The prior of the genes ``idx`` (None stays None)."""
    return None if prior is None else DispersionPrior(prior.log_mean[idx], prior.variance)


def log_posterior(
    log_alpha: np.ndarray,
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: DispersionPrior | None,
) -> np.ndarray:
    """DESeq2's ``log_posterior``: NB log-likelihood without the terms free of the
    dispersion, minus half the log determinant of X'WX (Cox-Reid), plus the prior."""
    alpha = np.exp(log_alpha)
    inverse = 1.0 / alpha
    likelihood = (
        gammaln(counts + inverse)
        - gammaln(inverse)
        - counts * np.log(mu + inverse)
        - inverse * np.log1p(mu * alpha)
    ).sum(axis=0)
    w = 1.0 / (1.0 / mu + alpha)
    value = likelihood - 0.5 * Gram(design, w).logdet()
    if prior is not None:
        value = value - 0.5 * (log_alpha - prior.log_mean) ** 2 / prior.variance
    return np.asarray(value)


def dlog_posterior(
    log_alpha: np.ndarray,
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: DispersionPrior | None,
) -> np.ndarray:
    """Derivative of :func:`log_posterior` with respect to log dispersion (DESeq2's
    ``dlog_posterior``)."""
    alpha = np.exp(log_alpha)
    inverse = 1.0 / alpha
    likelihood = inverse * (
        digamma(inverse)
        + np.log1p(mu * alpha)
        - mu * alpha / (1.0 + mu * alpha)
        - digamma(counts + inverse)
        + counts / (mu + inverse)
    ).sum(axis=0)
    w = 1.0 / (1.0 / mu + alpha)
    leverage = Gram(design, w).leverage()  # x_i' (X'WX)^-1 x_i
    cox_reid = 0.5 * alpha * (leverage * w * w).sum(axis=0)  # -1/2 tr(B^-1 dB) * alpha
    value = likelihood + cox_reid
    if prior is not None:
        value = value - (log_alpha - prior.log_mean) / prior.variance
    return np.asarray(value)


def line_search(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    log_alpha: np.ndarray,
    prior: DispersionPrior | None,
    min_log_alpha: float,
    kappa_0: float = 1.0,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
) -> LineSearch:
    """DESeq2's ``fitDisp``: gradient ascent on log dispersion with Armijo backtracking.

    Every gene starts at its ``log_alpha`` with step ``kappa_0``; a step that raises the log
    posterior by at least epsilon * kappa * slope^2 is taken (and the step grows by 10 %,
    halving every fifth accepted step), otherwise the step halves. A gene stops when an
    accepted step gains less than ``tolerance``, when it falls below ``min_log_alpha``, or
    after ``max_iterations`` tries.
    """
    a = log_alpha.astype(float).copy()
    lp = log_posterior(a, counts, mu, design, prior)
    dlp = dlog_posterior(a, counts, mu, design, prior)
    initial_lp = lp.copy()
    kappa = np.full(len(a), kappa_0)
    iterations = np.zeros(len(a), dtype=int)
    accepted = np.zeros(len(a), dtype=int)
    active = np.ones(len(a), dtype=bool)
    for _ in range(max_iterations):
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        iterations[idx] += 1
        k = _clamped_step(a[idx], kappa[idx], dlp[idx])
        proposal = a[idx] + k * dlp[idx]
        lp_new = log_posterior(proposal, counts[:, idx], mu[:, idx], design, prior_for(prior, idx))
        ok = -lp_new <= -lp[idx] - k * ARMIJO_EPSILON * dlp[idx] ** 2
        kappa[idx] = np.where(ok, k, k / 2.0)
        take = idx[ok]
        accepted[take] += 1
        a[take] = proposal[ok]
        change = lp_new[ok] - lp[take]
        small = change < tolerance
        lp[take[small]] = lp_new[ok][small]
        falling = ~small & (a[take] < min_log_alpha)
        go_on = take[~small & ~falling]
        active[take[small | falling]] = False
        if len(go_on) == 0:
            continue
        lp[go_on] = lp_new[ok][~small & ~falling]
        dlp[go_on] = dlog_posterior(a[go_on], counts[:, go_on], mu[:, go_on], design,
                                    prior_for(prior, go_on))  # fmt: skip
        kappa[go_on] = np.minimum(kappa[go_on] * 1.1, kappa_0)
        fifth = go_on[accepted[go_on] % 5 == 0]
        kappa[fifth] /= 2.0
    return LineSearch(a, iterations, initial_lp, lp)


def _clamped_step(a: np.ndarray, kappa: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Shorten steps whose proposal would leave ``LOG_ALPHA_LIMITS`` (as fitDisp does)."""
    proposal = a + kappa * slope
    low, high = LOG_ALPHA_LIMITS
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(proposal < low, (low - a) / slope, kappa)
        kappa = np.where(proposal > high, (high - a) / slope, kappa)
    return kappa


def grid_search(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: DispersionPrior | None,
    max_log_alpha: float,
    min_log_alpha: float = float(np.log(1e-8)),
) -> np.ndarray:
    """DESeq2's ``fitDispGrid``: the best of 20 log dispersions between the limits, then
    the best of 20 on a fine grid one coarse step either side of it. Returns log alphas."""
    n_genes = counts.shape[1]
    coarse = np.linspace(min_log_alpha, max_log_alpha, GRID_POINTS)
    delta = coarse[1] - coarse[0]
    best = _grid_best(np.broadcast_to(coarse, (n_genes, GRID_POINTS)), counts, mu, design, prior)
    fine = np.linspace(best - delta, best + delta, GRID_POINTS, axis=1)
    return _grid_best(fine, counts, mu, design, prior)


def _grid_best(
    grid: np.ndarray,
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: DispersionPrior | None,
) -> np.ndarray:
    """For each gene (row of ``grid``) the grid value with the highest log posterior
    (the first on ties, as arma's ``max``)."""
    values = np.stack(
        [log_posterior(grid[:, t], counts, mu, design, prior) for t in range(grid.shape[1])],
        axis=1,
    )
    return np.asarray(grid[np.arange(grid.shape[0]), np.argmax(values, axis=1)])


def parametric_trend(
    means: np.ndarray, dispersions: np.ndarray, min_disp: float = 1e-8
) -> tuple[float, float] | None:
    """DESeq2's ``parametricDispersionFit``: dispersion = a0 + a1 / mean, fitted as a
    Gamma GLM with identity link on the genes whose estimate is above 100 * ``min_disp``,
    refitted without genes more than 15-fold above (or 1e4-fold below) the curve until the
    coefficients settle. Returns (a0, a1), or None where DESeq2 gives up on the fit
    (a coefficient not positive, or more than 10 refits)."""
    use = (dispersions > 100 * min_disp) & np.isfinite(means) & (means > 0)
    means, dispersions = means[use], dispersions[use]
    coefficients = np.array([0.1, 1.0])
    for _ in range(11):
        residuals = dispersions / (coefficients[0] + coefficients[1] / means)
        good = (residuals > 1e-4) & (residuals < 15)
        if good.sum() < 2:
            return None
        try:
            fitted, converged = _gamma_identity_glm(
                1.0 / means[good], dispersions[good], coefficients
            )
        except np.linalg.LinAlgError:
            return None
        old, coefficients = coefficients, fitted
        if not (coefficients > 0).all():
            return None
        if np.sum(np.log(coefficients / old) ** 2) < 1e-6 and converged:
            return float(coefficients[0]), float(coefficients[1])
    return None


def _gamma_identity_glm(
    x: np.ndarray, y: np.ndarray, start: np.ndarray, max_iterations: int = 25
) -> tuple[np.ndarray, bool]:
    """R's ``glm(y ~ x, family = Gamma(link = "identity"), start = start)``: IRLS with
    weights 1 / mu^2, halving steps that make a fitted mean non-positive."""
    design = np.column_stack([np.ones_like(x), x])
    coefficients = start.astype(float)
    deviance = _gamma_deviance(y, design @ coefficients)
    for _ in range(max_iterations):
        mu = design @ coefficients
        weights = 1.0 / mu**2
        gram = design.T @ (design * weights[:, None])
        new = np.linalg.solve(gram, design.T @ (weights * y))
        for _ in range(30):  # glm.fit's inner loop: keep the means valid
            if (design @ new > 0).all():
                break
            new = (new + coefficients) / 2
        old_deviance, coefficients = deviance, new
        deviance = _gamma_deviance(y, design @ coefficients)
        if abs(deviance - old_deviance) / (abs(deviance) + 0.1) < 1e-8:
            return coefficients, True
    return coefficients, False


def _gamma_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    return float(-2.0 * np.sum(np.log(y / mu) - (y - mu) / mu))


def prior_variance(residuals: np.ndarray, residual_df: int, seed: int = PRIOR_SEED) -> float:
    """DESeq2's ``estimateDispersionsPriorVar``: the variance of the normal prior on log
    dispersion around the trend.

    ``residuals`` are log(gene-wise dispersion) - log(trend) of the genes whose gene-wise
    estimate is >= 100 x the minimum dispersion; ``residual_df`` is samples - coefficients.
    With more than three residual degrees of freedom: their squared MAD less trigamma(df / 2),
    the sampling variance of a log dispersion estimate; with df <= 3 (e.g. a paired design
    of two to four patients) that difference is dominated by noise, and DESeq2 instead picks
    the variance whose simulated residuals (log chi-square / df plus normal noise) best match
    the observed histogram (:func:`_simulated_prior_variance`). At least 0.25 either way,
    except with no residual degree of freedom, where it is the squared MAD.
    """
    if residual_df <= 0:
        return residual_variance(residuals)
    if residual_df <= 3:
        return max(_simulated_prior_variance(residuals, residual_df, seed), MIN_PRIOR_VARIANCE)
    expected = float(polygamma(1, residual_df / 2))
    return max(residual_variance(residuals) - expected, MIN_PRIOR_VARIANCE)


def residual_variance(residuals: np.ndarray) -> float:
    """DESeq2's ``varLogDispEsts``: R's ``mad(residuals)^2`` (constant 1.4826)."""
    return float((1.4826 * np.median(np.abs(residuals - np.median(residuals)))) ** 2)


def _simulated_prior_variance(residuals: np.ndarray, residual_df: int, seed: int) -> float:
    """The grid variance x minimising the KL divergence between the histogram of the
    residuals and that of log(chi2_df / df) + N(0, x) draws (DESeq2's small-df branch,
    step for step; numpy's generator seeded with ``seed`` in place of R's)."""
    rng = np.random.default_rng(seed)
    low, high = PRIOR_BREAKS[0], PRIOR_BREAKS[-1]
    observed = _histogram_density(residuals[(residuals > low) & (residuals < high)])
    shape = (len(PRIOR_GRID), PRIOR_DRAWS)
    chi2 = rng.chisquare(residual_df, shape)  # one generator, whole grid: same draws always
    noise = rng.standard_normal(shape) * np.sqrt(PRIOR_GRID)[:, None]
    simulated = np.log(chi2) + noise - np.log(residual_df)
    divergences = np.empty(len(PRIOR_GRID))
    for i, row in enumerate(simulated):
        expected = _histogram_density(row[(row > low) & (row < high)])
        both = np.concatenate([observed, expected])
        small = both[both > 0].min()
        divergences[i] = np.sum(observed * (np.log(observed + small) - np.log(expected + small)))
    smooth = _loess_quadratic(PRIOR_GRID, divergences, span=0.2, x_new=PRIOR_FINE_GRID)
    return float(PRIOR_FINE_GRID[np.argmin(smooth)])


def _histogram_density(values: np.ndarray) -> np.ndarray:
    """R's ``hist(values, breaks = PRIOR_BREAKS)$density``: right-closed bins whose breaks
    are moved by R's fuzz (1e-7 of the bin width) so that values on a break fall left."""
    fuzz = 1e-7 * 0.5
    breaks = PRIOR_BREAKS + np.r_[-fuzz, np.full(len(PRIOR_BREAKS) - 1, fuzz)]
    bins = np.searchsorted(breaks, values, side="left") - 1
    counts = np.bincount(bins, minlength=len(PRIOR_BREAKS) - 1).astype(float)
    return np.asarray(counts / (len(values) * np.diff(PRIOR_BREAKS)))


def _loess_quadratic(x: np.ndarray, y: np.ndarray, span: float, x_new: np.ndarray) -> np.ndarray:
    """R's ``predict(loess(y ~ x, span = span), x_new)`` for one sorted predictor without
    ties (degree 2, gaussian, ``surface = "interpolate"``, ``cell = 0.2``): local quadratic
    fits (tricube weights over the span's nearest points) at the vertices of loess's k-d
    tree, cubic Hermite interpolation of their values and slopes in between."""
    n = len(x)
    neighbours = min(n, int(np.floor(n * span + 1e-5)))
    cell_size = int(np.floor(n * span * 0.2))
    margin = 0.005 * max(x[-1] - x[0], 1e-10 * max(abs(x[0]), abs(x[-1])) + 1e-30)
    vertices = {x[0] - margin, x[-1] + margin}
    cells = [(0, n - 1, x[0] - margin, x[-1] + margin)]  # point range and vertex pair
    while cells:  # ehg124: split at the median point until a cell holds <= cell_size
        lo, hi, left, right = cells.pop()
        middle = (lo + hi + 2) // 2 - 1  # Fortran's m = (l + u) / 2 on 1-based indices
        if hi - lo + 1 <= cell_size or x[middle] in (left, right):
            continue
        vertices.add(x[middle])
        cells += [(lo, middle, left, x[middle]), (middle + 1, hi, x[middle], right)]
    knots = np.array(sorted(vertices))
    fits = np.array([_local_quadratic(x, y, knot, neighbours) for knot in knots])
    k = np.clip(np.searchsorted(knots, x_new, side="left") - 1, 0, len(knots) - 2)
    width = knots[k + 1] - knots[k]
    h = (x_new - knots[k]) / width
    value = (1 - h) ** 2 * (1 + 2 * h) * fits[k, 0] + h**2 * (3 - 2 * h) * fits[k + 1, 0]
    slope = h * (1 - h) ** 2 * fits[k, 1] + h**2 * (h - 1) * fits[k + 1, 1]
    return np.asarray(value + slope * width)


def _local_quadratic(x: np.ndarray, y: np.ndarray, at: float, neighbours: int) -> np.ndarray:
    """loess's ``ehg127``: value and slope at ``at`` of the quadratic fitted by weighted
    least squares to the ``neighbours`` nearest points, tricube weights on the distance
    relative to the farthest of them."""
    distance = np.abs(x - at)
    nearest = np.argsort(distance, kind="stable")[:neighbours]
    radius = distance[nearest].max()
    weights = np.sqrt((1 - (distance[nearest] / radius) ** 3) ** 3)
    offset = x[nearest] - at
    design = np.column_stack([np.ones_like(offset), offset, offset**2]) * weights[:, None]
    coefficients = np.linalg.lstsq(design, y[nearest] * weights, rcond=None)[0]
    return np.asarray(coefficients[:2])
