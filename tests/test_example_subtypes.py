"""Tests of the example baseline expression with planted PAM50 subtypes
(icarus_omics.example.subtypes) and its writer (icarus_omics.io.cohort)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.example.subtypes import (
    PAM50_GENES,
    PROGRAMS,
    SUBTYPE_PLAN,
    TRUTH_COLUMNS,
    ExampleExpression,
    build_example_expression,
)
from icarus_omics.io.cohort import write_example_expression
from tests.conftest import shared_file

SAMPLES = pd.DataFrame({"patient": [f"P{i:02d}" for i in range(1, 13)], "response": "R"})
CENTROIDS = "05_pam50/hoadley_lab_pam50/pam50_centroids.tsv"
SIGMA = "05_pam50/er_her2_subgroup_normalization/SIGMA.txt"
CENTROID_NAMES = {
    "basal": "Basal", "her2": "Her2", "luminal_a": "LumA", "luminal_b": "LumB",
    "normal": "Normal",
}  # fmt: skip
OLD_SYMBOLS = {"CDCA1": "NUF2", "KNTC2": "NDC80", "ORC6L": "ORC6"}
MARGIN = 0.1


@pytest.fixture(scope="module")
def expression() -> ExampleExpression:
    return build_example_expression(SAMPLES)


def test_tpm_is_genes_by_baseline_samples(expression: ExampleExpression) -> None:
    tpm = expression.tpm
    assert tpm.shape == (250, 12)
    assert tpm.index.name == "gene"
    assert tpm.index.is_unique
    assert list(tpm.index[:50]) == list(PAM50_GENES)
    assert {"ACTB", "GAPDH", "ISG15", "GENE0001"} <= set(tpm.index)
    assert list(tpm.columns) == [f"P{i:02d}_BL" for i in range(1, 13)]
    assert (tpm.dtypes == np.float64).all()
    assert (tpm.to_numpy() >= 0).all()
    assert np.isfinite(tpm.to_numpy()).all()


def test_truth_names_samples_patients_and_the_plan(expression: ExampleExpression) -> None:
    truth = expression.truth
    assert list(truth.columns) == list(TRUTH_COLUMNS)
    assert truth["sample"].tolist() == list(expression.tpm.columns)
    assert truth["patient"].tolist() == SAMPLES["patient"].tolist()
    assert truth["planted_subtype"].tolist() == list(SUBTYPE_PLAN)
    counts = truth["planted_subtype"].value_counts().to_dict()
    assert counts == {"LumA": 6, "LumB": 4, "Her2": 1, "Basal": 1}


def test_same_seed_same_frames_other_seed_other_values() -> None:
    first, again = build_example_expression(SAMPLES), build_example_expression(SAMPLES)
    pd.testing.assert_frame_equal(first.tpm, again.tpm)
    pd.testing.assert_frame_equal(first.truth, again.truth)
    other = build_example_expression(SAMPLES, seed=5)
    assert not np.allclose(first.tpm.to_numpy(), other.tpm.to_numpy())


def test_pam50_genes_are_the_current_symbols_of_the_shared_list() -> None:
    listed = shared_file("05_pam50/pam50_genes.txt").read_text().split()
    assert sorted(listed) == sorted(PAM50_GENES)
    assert len(set(PAM50_GENES)) == 50


def test_plan_repeats_for_larger_cohorts_and_input_is_checked() -> None:
    samples = pd.DataFrame({"patient": [f"P{i:02d}" for i in range(1, 15)]})
    truth = build_example_expression(samples).truth
    assert truth["planted_subtype"].tolist()[12:] == list(SUBTYPE_PLAN[:2])
    with pytest.raises(IcarusError, match="patient"):
        build_example_expression(pd.DataFrame({"sample": ["a"]}))
    with pytest.raises(IcarusError, match="repeat"):
        build_example_expression(pd.DataFrame({"patient": ["P01", "P01"]}))


def program_mean(expression: ExampleExpression, program: str, subtype: str) -> float:
    """Mean log2(TPM + 1) of a program's genes over the samples of one planted subtype."""
    samples = expression.truth.loc[expression.truth.planted_subtype == subtype, "sample"]
    values = np.log2(expression.tpm.loc[list(PROGRAMS[program]), samples] + 1)
    return float(values.to_numpy().mean())


def test_planted_groups_differ_in_the_stated_direction(expression: ExampleExpression) -> None:
    def mean(program: str, subtype: str) -> float:
        return program_mean(expression, program, subtype)

    assert mean("luminal", "LumA") > mean("luminal", "Her2") + 2
    assert mean("luminal", "Her2") > mean("luminal", "Basal") + 1
    assert mean("er_output", "LumA") > mean("er_output", "LumB") + 1.5
    assert mean("proliferation", "LumB") > mean("proliferation", "LumA") + 1.5
    assert mean("proliferation", "Basal") > mean("proliferation", "LumA") + 1.5
    for subtype in ("LumA", "LumB", "Basal"):
        assert mean("her2_amplicon", "Her2") > mean("her2_amplicon", subtype) + 2
    for subtype in ("LumA", "LumB", "Her2"):
        assert mean("basal_tumour", "Basal") > mean("basal_tumour", subtype) + 2
        assert mean("myoepithelial", "Basal") > mean("myoepithelial", subtype) + 1


def nearest_centroid(centred: pd.DataFrame, centroids: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of each sample's centred PAM50 values with each centroid."""
    return pd.DataFrame(
        {
            sample: centroids.corrwith(centred[sample], method="spearman")
            for sample in centred.columns
        }
    ).T


def log2_pam50(expression: ExampleExpression, centroids: pd.DataFrame) -> pd.DataFrame:
    return np.log2(expression.tpm.loc[centroids.index] + 1)


def assert_recovered(correlations: pd.DataFrame, truth: pd.DataFrame) -> None:
    calls = correlations.idxmax(axis=1)
    assert calls.tolist() == truth["planted_subtype"].tolist()
    ordered = np.sort(correlations.to_numpy(), axis=1)
    margins = ordered[:, -1] - ordered[:, -2]
    assert (margins > MARGIN).sum() >= 10, margins


def read_centroids() -> pd.DataFrame:
    table = pd.read_csv(shared_file(CENTROIDS), sep="\t", index_col="gene_name")
    return table.rename(columns=CENTROID_NAMES)


def test_median_centred_nearest_centroid_recovers_planted(
    expression: ExampleExpression,
) -> None:
    centroids = read_centroids()
    log2 = log2_pam50(expression, centroids)
    centred = log2.sub(log2.median(axis=1), axis=0)
    assert_recovered(nearest_centroid(centred, centroids), expression.truth)


def test_er_her2_subgroup_centred_nearest_centroid_recovers_planted(
    expression: ExampleExpression,
) -> None:
    centroids = read_centroids()
    sigma = pd.read_csv(shared_file(SIGMA), sep="\t", index_col=0).rename(index=OLD_SYMBOLS)
    quantiles = sigma["ERpos_HER2neg"]
    assert set(quantiles.index) == set(centroids.index)
    log2 = log2_pam50(expression, centroids)
    centres = pd.Series({gene: np.quantile(log2.loc[gene], quantiles[gene]) for gene in log2.index})
    centred = log2.sub(centres, axis=0)
    assert_recovered(nearest_centroid(centred, centroids), expression.truth)


def test_write_example_expression(expression: ExampleExpression, tmp_path: Path) -> None:
    files = write_example_expression(expression, tmp_path / "example")
    assert files == {
        "tpm": tmp_path / "example" / "expression" / "baseline_tpm.tsv",
        "truth": tmp_path / "example" / "expression" / "subtype_truth.tsv",
    }
    tpm = pd.read_csv(files["tpm"], sep="\t", index_col="gene")
    assert list(tpm.columns) == list(expression.tpm.columns)
    assert list(tpm.index) == list(expression.tpm.index)
    np.testing.assert_allclose(tpm.to_numpy(), expression.tpm.to_numpy(), rtol=1e-5)
    assert files["tpm"].read_text().startswith("gene\tP01_BL\t")
    truth = pd.read_csv(files["truth"], sep="\t")
    pd.testing.assert_frame_equal(truth, expression.truth)
    assert not [p for p in (tmp_path / "example").iterdir() if p.name.startswith(".")]
