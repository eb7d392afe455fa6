"""The block-aware information matrices against the dense p x p algebra they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from icarus_omics.expression.design import Contrast, interaction_design
from icarus_omics.expression.gram import Gram, indicator_block, information, outer_products


def paired(n_pairs: int) -> np.ndarray:
    patient = np.repeat(np.arange(n_pairs), 2)
    columns = [np.ones(2 * n_pairs)]
    columns += [(patient == k).astype(float) for k in range(1, n_pairs)]
    return np.column_stack([*columns, np.tile([0.0, 1.0], n_pairs)])


def nested(n_per_group: int) -> np.ndarray:
    patients = [f"P{i}" for i in range(2 * n_per_group)]
    sheet = pd.DataFrame(
        {
            "patient": np.repeat(patients, 2),
            "response": np.repeat(["R"] * n_per_group + ["NR"] * n_per_group, 2),
            "timepoint": ["BL", "onT"] * (2 * n_per_group),
        }
    )
    design, _ = interaction_design(
        sheet, Contrast("response", "R", "NR"), Contrast("timepoint", "onT", "BL"), "patient"
    )
    return design.to_numpy()


def weights(n: int, n_genes: int = 7, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).gamma(2.0, 3.0, (n, n_genes))


def test_patient_columns_are_the_block_not_the_treatment_column() -> None:
    design = paired(5)
    block = indicator_block(design)
    assert block.tolist() == [1, 2, 3, 4]  # patients 2..5; not the intercept nor treatment


def test_nested_design_block_is_every_patient_column() -> None:
    design = nested(4)
    block = set(indicator_block(design).tolist())
    patient_columns = {j for j in range(design.shape[1]) if (design[:, j] != 0).sum() == 2}
    assert block == patient_columns and len(block) == 6  # 3 per group (first is baseline)


def test_a_design_without_patients_has_no_block() -> None:
    x = np.column_stack([np.ones(8), np.tile([0.0, 1.0], 4), np.linspace(0, 1, 8)])
    assert len(indicator_block(x)) == 1
    assert not Gram(x, weights(8)).blocked


@pytest.mark.parametrize("design", [paired(6), paired(40), nested(5)], ids=["6", "40", "nested"])
def test_block_algebra_equals_dense(design: np.ndarray) -> None:
    n, p = design.shape
    w = weights(n)
    ridge = 2e-6
    gram = Gram(design, w, ridge)
    assert gram.blocked
    dense = information(design, w) + ridge * np.eye(p)
    rhs = np.random.default_rng(1).normal(size=(w.shape[1], p))
    np.testing.assert_allclose(
        gram.solve(rhs), np.linalg.solve(dense, rhs[:, :, None])[:, :, 0], rtol=1e-8, atol=1e-10
    )
    inverse = np.linalg.inv(dense).reshape(-1, p * p)
    np.testing.assert_allclose(
        gram.leverage(), outer_products(design) @ inverse.T, rtol=1e-8, atol=1e-12
    )
    plain = information(design, w)
    np.testing.assert_allclose(Gram(design, w).logdet(), np.linalg.slogdet(plain)[1], rtol=1e-10)
    np.testing.assert_allclose(
        gram.quadratic(rhs), np.einsum("gp,gpq,gq->g", rhs, plain, rhs), rtol=1e-10
    )
    np.testing.assert_allclose(gram.matrices(), dense)


def test_leverages_sum_to_the_trace() -> None:
    """sum_i w_i x_i' M^-1 x_i = tr(M^-1 M) = p without ridge (hat matrix trace)."""
    design = nested(6)
    w = weights(len(design))
    lev = Gram(design, w).leverage()
    np.testing.assert_allclose((lev * w).sum(axis=0), design.shape[1], rtol=1e-9)


def test_block_path_scales_without_p_by_p_arrays() -> None:
    """300 patients: the fit keeps only genes x f x k parts (no genes x p x p array)."""
    design = paired(300)
    gram = Gram(design, weights(600, n_genes=50))
    largest = max(v.size for v in vars(gram).values() if isinstance(v, np.ndarray))
    assert largest < 50 * 300 * 300 / 10
    assert gram.solve(np.ones(design.shape[1])).shape == (50, design.shape[1])
