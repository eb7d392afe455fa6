"""Negative-binomial GLM fits for many genes at once: DESeq2's IRLS and Wald test,
vectorised across genes.

DESeq2 (and pydeseq2) fit every gene on its own: a p x p solve per iteration per gene in a
loop. Here one iteration updates a whole block of genes: the per-gene information matrices
X' W X and their solves are batched in :class:`~icarus_omics.expression.gram.Gram`, which
also keeps a paired design's patient block out of them (linear, not cubic, in patients).
The dispersion search lives in :mod:`icarus_omics.expression.dispersion`.

Arrays are samples x genes (``counts``, ``mu``), as in pydeseq2; per-gene vectors have one
value per gene column; ``design`` is samples x coefficients.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import expit, gammaln
from scipy.stats import norm

from icarus_omics.expression.gram import Gram, information

# DESeq2's ridge for unpenalised fits: lambda = 1e-6 on the log2 scale (fitNbinomGLMs,
# betaPrior = FALSE), i.e. lambdaNatLogScale = 1e-6 / log(2)^2 on the natural-log scale
# the IRLS works in.
RIDGE = 1e-6 / np.log(2) ** 2


class IrlsFit(NamedTuple):
    """Result of :func:`irls`: coefficients (genes x coefficients, natural log), fitted means
    (samples x genes, not thresholded), hat-matrix diagonals (samples x genes), and which
    genes need the per-gene fallback (diverged or too many iterations)."""

    beta: np.ndarray
    mu: np.ndarray
    hat: np.ndarray
    fallback: np.ndarray

    @property
    def converged(self) -> np.ndarray:
        """Genes whose IRLS converged (all but the fallback ones)."""
        return ~self.fallback


def nb_nll(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Negative log-likelihood per gene of NB(mu, alpha) counts (pydeseq2's ``nb_nll``)."""
    inverse = 1.0 / alpha
    log_binomial = gammaln(counts + inverse) - gammaln(counts + 1.0) - gammaln(inverse)
    terms = (counts + inverse) * np.log(mu + inverse) - counts * np.log(mu) - log_binomial
    return counts.shape[0] * inverse * np.log(alpha) + terms.sum(axis=0)


def _initial_beta(counts: np.ndarray, size_factors: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Least squares of log(normalised counts + 0.1) on the design, as DESeq2 starts IRLS."""
    p = design.shape[1]
    normalised = counts / size_factors[:, None]
    if np.linalg.matrix_rank(design) == p:
        q, r = np.linalg.qr(design)
        return np.linalg.solve(r, q.T @ np.log(normalised + 0.1)).T
    beta = np.zeros((counts.shape[1], p))
    with np.errstate(divide="ignore"):
        beta[:, 0] = np.log(normalised).mean(axis=0)
    return beta


def irls(
    counts: np.ndarray,
    size_factors: np.ndarray,
    design: np.ndarray,
    dispersion: np.ndarray,
    min_mu: float = 0.5,
    beta_tol: float = 1e-8,
    max_beta: float = 30.0,
    max_iterations: int = 100,
) -> IrlsFit:
    """Fit log-link NB GLMs by iteratively reweighted least squares, every gene at once.

    The same iteration as DESeq2's ``fitBeta`` / pydeseq2's ``irls_solver``: ridge 1e-6,
    means floored at ``min_mu``, stop when the deviance changes by less than ``beta_tol``
    relative to it.

    Parameters
    ----------
    counts
        Raw counts, samples x genes (pydeseq2's orientation).
    size_factors
        One per sample.
    design
        Design matrix, samples x coefficients.
    dispersion
        NB dispersion per gene.
    min_mu, beta_tol, max_beta, max_iterations
        Mean floor (counts), convergence tolerance, coefficient bound (natural log
        scale) and iteration limit.

    Returns
    -------
    IrlsFit
        Coefficients (genes x coefficients, natural log scale), fitted means and hat
        diagonals (samples x genes), and ``fallback``: genes whose coefficients left
        +-``max_beta`` or that reached ``max_iterations``, for the per-gene optimiser.
    """
    n_genes = counts.shape[1]
    beta = _initial_beta(counts, size_factors, design)
    active = np.ones(n_genes, dtype=bool)
    fallback = np.zeros(n_genes, dtype=bool)
    deviance = np.full(n_genes, 1000.0)
    mu = np.maximum(size_factors[:, None] * np.exp(design @ beta.T), min_mu)
    for iteration in range(1, max_iterations + 1):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        y, m, a = counts[:, idx], mu[:, idx], dispersion[idx]
        w = m / (1.0 + m * a)
        z = np.log(m / size_factors[:, None]) + (y - m) / m
        new = Gram(design, w, RIDGE).solve((design.T @ (w * z)).T)
        stop = (np.abs(new) > max_beta).any(axis=1) | (iteration >= max_iterations)
        fallback[idx[stop]] = True
        keep = idx[~stop]
        beta[keep] = new[~stop]
        mu[:, keep] = np.maximum(size_factors[:, None] * np.exp(design @ new[~stop].T), min_mu)
        old = deviance[keep]
        deviance[keep] = -2.0 * nb_nll(counts[:, keep], mu[:, keep], dispersion[keep])
        done = np.abs(deviance[keep] - old) / (np.abs(deviance[keep]) + 0.1) <= beta_tol
        active[idx[stop]] = False
        active[keep[done]] = False
    hat = hat_diagonals(design, mu, dispersion)
    fitted = size_factors[:, None] * np.exp(design @ beta.T)
    return IrlsFit(beta, fitted, hat, fallback)


def hat_diagonals(design: np.ndarray, mu: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Diagonal of W^1/2 X (X'WX + ridge)^-1 X' W^1/2 per gene (samples x genes)."""
    w = mu / (1.0 + mu * dispersion)
    return Gram(design, w, RIDGE).leverage() * w


def wald_test(
    design: np.ndarray,
    dispersion: np.ndarray,
    beta: np.ndarray,
    mu: np.ndarray,
    ridge: np.ndarray,
    contrast: np.ndarray,
    lfc_null: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided Wald test of ``contrast . beta = lfc_null`` per gene (natural log scale);
    the sandwich standard error DESeq2 uses, sqrt(c' H M H c) with M = X'WX and
    H = (M + ridge)^-1. ``ridge`` is a diagonal matrix. Returns p-values, statistics,
    standard errors."""
    contrast = np.asarray(contrast, dtype=float).ravel()
    w = mu / (1.0 + mu * dispersion)
    diagonal = np.diag(ridge)
    if not np.array_equal(ridge, np.diag(diagonal)) or np.ptp(diagonal) > 0:
        raise ValueError("wald_test: the ridge must be a multiple of the identity")
    gram = Gram(design, w, float(diagonal[0]))
    se = np.sqrt(gram.quadratic(gram.solve(contrast)))
    stat = (beta @ contrast - lfc_null * contrast.sum()) / se
    return 2.0 * norm.sf(np.abs(stat)), stat, se


class ShrinkPrior(NamedTuple):
    """apeGLM-style prior of pydeseq2's ``lfc_shrink``: a Cauchy prior of scale ``scale``
    on coefficient ``coefficient`` and a wide normal (sd ``wide``) on the others."""

    coefficient: int
    scale: float
    wide: float = 15.0


def _shrink_parts(
    beta: np.ndarray, design: np.ndarray, counts: np.ndarray, size: np.ndarray,
    offset: np.ndarray, prior: ShrinkPrior,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Negative log posterior, its gradient and its Hessian per gene (pydeseq2's
    ``nbinomFn`` and derivatives), for coefficients ``beta`` (genes x p)."""
    eta = design @ beta.T + offset[:, None]  # samples x genes
    log_size = np.log(size)[None, :]
    nll = -(counts * (eta - offset[:, None]) - (counts + size) * np.logaddexp(eta, log_size))
    shrunk = beta[:, prior.coefficient]
    wide = np.ones(beta.shape[1], dtype=bool)
    wide[prior.coefficient] = False
    value = (
        nll.sum(axis=0)
        + (beta[:, wide] ** 2).sum(axis=1) / (2 * prior.wide**2)
        + np.log1p((shrunk / prior.scale) ** 2)
    )
    sigma = expit(eta - log_size)  # mu / (mu + size), without overflow
    gradient = -((counts - (counts + size) * sigma).T @ design)
    gradient[:, wide] += beta[:, wide] / prior.wide**2
    gradient[:, prior.coefficient] += 2 * shrunk / (prior.scale**2 + shrunk**2)
    weights = (counts + size) * sigma * (1.0 - sigma)
    hessian = information(design, weights)
    diagonal = np.where(wide, 1.0 / prior.wide**2, 0.0)
    hessian += np.eye(len(wide)) * diagonal
    cauchy = 2 * (prior.scale**2 - shrunk**2) / (prior.scale**2 + shrunk**2) ** 2
    hessian[:, prior.coefficient, prior.coefficient] += cauchy
    return value, gradient, hessian


def shrink_map(
    design: np.ndarray,
    counts: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    prior: ShrinkPrior,
    start: np.ndarray,
    max_iterations: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum a posteriori coefficients under :class:`ShrinkPrior`, every gene at once:
    Newton steps (Hessians made positive definite by a diagonal shift where the Cauchy
    prior bends them the wrong way), halved until the posterior improves (Armijo).
    Returns coefficients (genes x p), the inverse Hessians at the optimum and whether each
    gene converged."""
    beta = start.astype(float).copy()
    p = design.shape[1]
    value, gradient, hessian = _shrink_parts(beta, design, counts, size, offset, prior)
    active = np.ones(len(beta), dtype=bool)
    for _ in range(max_iterations):
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        h = hessian[idx]
        lowest = np.linalg.eigvalsh(h)[:, 0]  # shift indefinite Hessians to positive
        shift = np.where(lowest < 1e-6, 1e-6 - lowest, 0.0)
        h = h + shift[:, None, None] * np.eye(p)
        step = np.linalg.solve(h, gradient[idx][:, :, None])[:, :, 0]
        slope = (gradient[idx] * step).sum(axis=1)  # > 0: -step descends
        scale = np.ones(len(idx))
        improved = np.zeros(len(idx), dtype=bool)
        for _ in range(40):
            trial = beta[idx] - scale[:, None] * step
            v = _shrink_parts(trial, design, counts[:, idx], size[idx], offset, prior)[0]
            improved = v <= value[idx] - 1e-4 * scale * slope
            if improved.all():
                break
            scale = np.where(improved, scale, scale / 2)
        scale = np.where(improved, scale, 0.0)
        beta[idx] -= scale[:, None] * step
        parts = _shrink_parts(beta[idx], design, counts[:, idx], size[idx], offset, prior)
        old = value[idx]
        value[idx], gradient[idx], hessian[idx] = parts
        done = (np.abs(old - value[idx]) <= 1e-10 * (np.abs(value[idx]) + 1)) | ~improved
        active[idx[done]] = False
    converged = np.abs(gradient).max(axis=1) < 1e-4 * (1 + np.abs(value))
    return beta, np.linalg.inv(hessian), converged
