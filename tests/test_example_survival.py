"""The example's baseline expression and PFS: shapes, determinism, and planted effects a
plain Cox model sees."""

from __future__ import annotations

import numpy as np

from icarus_omics.example.survival import N_GENES, PLANTED, build_example_survival
from icarus_omics.survival.cox import univariate_cox


def test_shape_and_determinism() -> None:
    first, second = build_example_survival(), build_example_survival()
    assert first.expression.shape == (N_GENES, 50)
    assert first.expression.equals(second.expression) and first.pfs.equals(second.pfs)
    assert list(first.pfs["sample"]) == list(first.expression.columns)
    assert (first.pfs["time"] > 0).all() and set(first.pfs["event"]) == {0, 1}
    assert 25 <= first.pfs["event"].sum() <= 40  # censoring as in a 3-year trial follow-up
    assert not build_example_survival(seed=3).pfs.equals(first.pfs)


def test_planted_genes_have_the_planted_direction() -> None:
    example = build_example_survival()
    genes = list(example.expression.index)
    x = example.expression.to_numpy().T
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    fit = univariate_cox(x, example.pfs["time"].to_numpy(), example.pfs["event"].to_numpy())
    for gene, beta in PLANTED.items():
        j = genes.index(gene)
        assert np.sign(fit.coef[j]) == np.sign(beta) and fit.p_value[j] < 0.01, gene
