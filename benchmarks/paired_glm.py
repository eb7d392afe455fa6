"""Benchmark the paired DESeq2 fits with and without the patient block (expression/gram.py).

Simulates negative-binomial counts of PAIRS patients x 2 timepoints (patient effects,
30% of genes changed at on-treatment), then times DESeq2's per-gene fits as rna-de runs
them (IRLS, the gene-wise dispersion search, the Wald test) twice: with the patient block
solved by Schur complement (the default) and with dense p x p algebra (the block disabled,
as before), and prints the seconds, the ratio and the largest differences between the two.

    python benchmarks/paired_glm.py [--pairs 24 100 200] [--genes 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from icarus_omics.expression import glm as nb_glm
from icarus_omics.expression import gram
from icarus_omics.expression.inference import _dispersion_block


def simulate(pairs: int, genes: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n = 2 * pairs
    patient = np.repeat(np.arange(pairs), 2)
    treated = np.tile([0.0, 1.0], pairs)
    design = np.column_stack([np.ones(n), *[(patient == k).astype(float) for k in range(1, pairs)],
                              treated])  # fmt: skip
    size_factors = np.exp(rng.normal(0, 0.2, n))
    base = np.exp(rng.normal(3, 1.5, genes))
    dispersion = 0.05 + 1 / base
    effects = np.exp(rng.normal(0, 0.5, (pairs, genes)))[patient]
    lfc = rng.normal(0, 1, genes) * (rng.random(genes) < 0.3)
    mu = size_factors[:, None] * base * effects * np.exp(np.outer(treated, lfc))
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion)).astype(float)
    return counts, size_factors, design, dispersion


def fits(counts: np.ndarray, size_factors: np.ndarray, design: np.ndarray,
         dispersion: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:  # fmt: skip
    started = time.perf_counter()
    fit = nb_glm.irls(counts, size_factors, design, dispersion)
    mu = np.maximum(fit.mu, 0.5)
    found, _ = _dispersion_block(counts, mu, design, dispersion, (1e-8, 10.0), None)
    ridge = np.eye(design.shape[1]) * nb_glm.RIDGE
    contrast = np.eye(design.shape[1])[-1]
    p, _, se = nb_glm.wald_test(design, dispersion, fit.beta, mu, ridge, contrast, 0.0)
    seconds = time.perf_counter() - started
    return seconds, {"beta": fit.beta, "hat": fit.hat, "dispersion": found, "p": p, "se": se}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[24, 100, 200])
    parser.add_argument("--genes", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'pairs':>6}{'genes':>7}{'block s':>10}{'dense s':>10}{'ratio':>8}  largest difference")
    for pairs in args.pairs:
        data = simulate(pairs, args.genes)
        block_seconds, block = fits(*data)
        gram.MIN_BLOCK = 10**9  # the dense algebra of before
        try:
            dense_seconds, dense = fits(*data)
        finally:
            gram.MIN_BLOCK = 2
        worst = {k: float(np.nanmax(np.abs(block[k] - dense[k]) / (np.abs(dense[k]) + 1e-8)))
                 for k in block}  # fmt: skip
        shown = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
        print(f"{pairs:>6}{args.genes:>7}{block_seconds:>10.2f}{dense_seconds:>10.2f}"
              f"{dense_seconds / block_seconds:>8.1f}  {shown}")  # fmt: skip


if __name__ == "__main__":
    main()
