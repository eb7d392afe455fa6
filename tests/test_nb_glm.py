"""The vectorised DESeq2 fits against pydeseq2's per-gene solvers and against calculus."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from pydeseq2 import utils

from icarus_omics.expression import dispersion as nb_dispersion
from icarus_omics.expression import glm as nb_glm
from icarus_omics.expression.inference import VectorisedInference, _dispersion_block


def simulate(n_genes: int = 60, n_pairs: int = 6, seed: int = 3):
    rng = np.random.default_rng(seed)
    n = 2 * n_pairs
    patient = np.repeat(np.arange(n_pairs), 2)
    treated = np.tile([0.0, 1.0], n_pairs)
    design = np.column_stack(
        [np.ones(n)] + [(patient == k).astype(float) for k in range(1, n_pairs)] + [treated]
    )
    size_factors = np.exp(rng.normal(0, 0.2, n))
    base = np.exp(rng.normal(3, 1.5, n_genes))
    lfc = rng.normal(0, 1, n_genes) * (rng.random(n_genes) < 0.3)
    dispersion = 0.05 + 1 / base
    mu = size_factors[:, None] * base[None, :] * np.exp(np.outer(treated, lfc))
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion)).astype(float)
    return counts, size_factors, design, dispersion


def test_irls_equals_pydeseq2_per_gene_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver, at pydeseq2's ridge (1e-6; ours is DESeq2's, see the next test)."""
    monkeypatch.setattr(nb_glm, "RIDGE", 1e-6)
    counts, sf, design, dispersion = simulate()
    fit = nb_glm.irls(counts, sf, design, dispersion, max_iterations=250)
    assert fit.converged.all()
    for g in range(counts.shape[1]):
        beta, mu, hat, _ = utils.irls_solver(counts[:, g], sf, design, dispersion[g])
        np.testing.assert_allclose(fit.beta[g], beta, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(fit.mu[:, g], mu, rtol=1e-6)
        np.testing.assert_allclose(fit.hat[:, g], hat, rtol=1e-5, atol=1e-10)


def test_ridge_is_deseq2s_lambda_on_the_natural_log_scale() -> None:
    """DESeq2's fitNbinomGLMs: lambda = 1e-6 (log2 scale), lambdaNatLogScale = lambda / log(2)^2."""
    assert pytest.approx(2.0813689810056077e-06, rel=1e-15) == nb_glm.RIDGE


def test_irls_flags_divergent_genes_for_the_fallback():
    counts, sf, design, dispersion = simulate(n_genes=5)
    counts[:, 0] = 0.0
    counts[1, 0] = 5000.0  # one sample carries everything: coefficients run off
    fit = nb_glm.irls(counts, sf, design, dispersion, max_beta=5.0)
    assert fit.fallback[0] and not fit.fallback[1:].any()


def test_vectorised_inference_matches_default_on_wald_test():
    counts, sf, design, dispersion = simulate()
    fit = nb_glm.irls(counts, sf, design, dispersion, max_iterations=250)
    contrast = np.zeros(design.shape[1])
    contrast[-1] = 1.0
    ridge = np.eye(design.shape[1]) * 1e-6  # pydeseq2's, which we replace by DESeq2's
    ours = VectorisedInference(min_mu=0.0).wald_test(
        design, dispersion, fit.beta, fit.mu, ridge, contrast, np.array(0.0)
    )
    deseq2_ridge = np.eye(design.shape[1]) * nb_glm.RIDGE
    for g in range(counts.shape[1]):
        p, stat, se = utils.wald_test(
            design, dispersion[g], fit.beta[g], fit.mu[:, g], deseq2_ridge, contrast, 0.0, None
        )
        np.testing.assert_allclose([ours[0][g], ours[1][g], ours[2][g]], [p, stat, se], rtol=1e-8)


def test_dlog_posterior_is_the_derivative_of_log_posterior():
    counts, sf, design, dispersion = simulate(n_genes=20)
    mu = np.maximum(nb_glm.irls(counts, sf, design, dispersion).mu, 0.5)
    prior = nb_dispersion.DispersionPrior(np.log(dispersion), 0.5)
    for log_alpha in (-4.0, -1.5, 0.5):
        a = np.full(20, log_alpha)
        h = 1e-6
        numeric = (
            nb_dispersion.log_posterior(a + h, counts, mu, design, prior)
            - nb_dispersion.log_posterior(a - h, counts, mu, design, prior)
        ) / (2 * h)
        analytic = nb_dispersion.dlog_posterior(a, counts, mu, design, prior)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-5)


def test_line_search_reaches_the_grid_optimum_with_a_prior():
    counts, sf, design, dispersion = simulate(n_genes=40)
    mu = np.maximum(nb_glm.irls(counts, sf, design, dispersion).mu, 0.5)
    prior = nb_dispersion.DispersionPrior(np.log(dispersion), 0.3)
    search = nb_dispersion.line_search(
        counts, mu, design, np.log(dispersion) + 1.0, prior, min_log_alpha=np.log(1e-9)
    )
    grid = nb_dispersion.grid_search(counts, mu, design, prior, max_log_alpha=np.log(12))
    # the posterior is unimodal with a prior: both find the same optimum (grid step ~0.1)
    assert np.all(search.iterations < 100)
    np.testing.assert_allclose(search.log_alpha, grid, atol=0.1)
    lp_search = nb_dispersion.log_posterior(search.log_alpha, counts, mu, design, prior)
    lp_grid = nb_dispersion.log_posterior(grid, counts, mu, design, prior)
    assert np.all(lp_search >= lp_grid - 1e-6)


def test_line_search_keeps_a_flat_start_as_deseq2_does():
    # a Poisson-like gene starting at the minimum dispersion: the slope there is ~0, no step
    # gains, so DESeq2 (and we) stay at the start instead of wandering to another optimum
    counts, sf, design, _ = simulate(n_genes=30, seed=8)
    rng = np.random.default_rng(1)
    counts = rng.poisson(3.0, counts.shape).astype(float)
    mu = np.maximum(nb_glm.irls(counts, sf, design, np.full(30, 1e-8)).mu, 0.5)
    start = np.full(30, np.log(1e-8))
    search = nb_dispersion.line_search(counts, mu, design, start, None, np.log(1e-9))
    stalled = search.last_lp < search.initial_lp + np.abs(search.initial_lp) / 1e6
    assert stalled.sum() > 0
    np.testing.assert_allclose(search.log_alpha[stalled], start[stalled], atol=1e-5)
    # ... and DESeq2's rule then keeps exactly the starting value for those genes
    dispersion, _ = _dispersion_block(counts, mu, design, np.exp(start), (1e-8, 12.0), None)
    np.testing.assert_array_equal(dispersion[stalled], 1e-8)


def test_parametric_trend_recovers_planted_coefficients_and_matches_a_gamma_glm():
    rng = np.random.default_rng(4)
    means = np.exp(rng.uniform(0, 9, 4000))
    truth = 0.08 + 2.5 / means
    shape = 4.0
    dispersions = rng.gamma(shape, truth / shape)
    a0, a1 = nb_dispersion.parametric_trend(means, dispersions)
    assert a0 == pytest.approx(0.08, rel=0.1) and a1 == pytest.approx(2.5, rel=0.1)
    # one refit of the same genes with statsmodels' Gamma identity-link GLM
    residuals = dispersions / (a0 + a1 / means)
    good = (residuals > 1e-4) & (residuals < 15)
    x = sm.add_constant(1 / means[good])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        family = sm.families.Gamma(link=sm.families.links.Identity())
        reference = sm.GLM(dispersions[good], x, family=family).fit(start_params=[a0, a1])
    np.testing.assert_allclose([a0, a1], reference.params, rtol=1e-3)


def test_parametric_trend_gives_up_like_deseq2():
    means = np.array([1.0, 10.0, 100.0, 1000.0] * 10)
    assert nb_dispersion.parametric_trend(means, np.full(40, 1e-9)) is None


def test_shrinkage_optimum_is_at_least_as_good_as_pydeseq2s():
    counts, sf, design, dispersion = simulate(n_genes=40)
    fit = nb_glm.irls(counts, sf, design, dispersion, max_iterations=250)
    k = design.shape[1] - 1
    prior = nb_glm.ShrinkPrior(k, 0.4)
    args = (design, counts, 1 / dispersion, np.log(sf), prior)
    beta, inverse, converged = nb_glm.shrink_map(*args, start=fit.beta)
    assert converged.all()
    ours = nb_glm._shrink_parts(beta, *args)[0]
    for g in range(counts.shape[1]):
        theirs, _, _ = utils.nbinomGLM(
            design, counts[:, g], 1 / dispersion[g], np.log(sf), 15, 0.4, shrink_index=k
        )
        value = nb_glm._shrink_parts(
            theirs[None, :], design, counts[:, [g]], 1 / dispersion[[g]], np.log(sf), prior
        )[0][0]
        assert ours[g] <= value + 1e-9
        assert abs(beta[g, k] - theirs[k]) < 0.02
    # shrinkage pulls the tested coefficient towards zero (the others move too, so a
    # gene may drift slightly outward; the bulk must come in)
    assert np.mean(np.abs(beta[:, k]) <= np.abs(fit.beta[:, k]) + 1e-3) >= 0.9
    assert np.all(np.diagonal(inverse, axis1=1, axis2=2)[:, k] > 0)
