"""Tests of the example paired RNA-seq data (icarus_omics.example.rna)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.example.rna import (
    ENDOCYTOSIS_GENES,
    ENDOCYTOSIS_SET,
    GMT_DESCRIPTION,
    INTERFERON_GENES,
    INTERFERON_SET,
    SHEET_COLUMNS,
    TRUTH_COLUMNS,
    ExampleRna,
    build_example_rna,
)
from icarus_omics.io.gmt import gmt_text, read_gmt
from icarus_omics.resources import bundled_path

# the responses of build_example_cohort() (seed 7): 7 responders, 5 non-responders
RESPONSES = ["NR", "NR", "R", "NR", "R", "R", "NR", "R", "R", "R", "R", "NR"]
SAMPLES = pd.DataFrame(
    {"patient": [f"P{i:02d}" for i in range(1, 13)], "response": RESPONSES, "vcf": "x.vcf.gz"}
)


@pytest.fixture(scope="module")
def rna() -> ExampleRna:
    return build_example_rna(SAMPLES)


def pair_log2_ratios(rna: ExampleRna, genes: tuple[str, ...], response: str) -> float:
    """Mean over genes and patients of log2(onT / BL) on library-size-normalised counts."""
    normalised = rna.counts / rna.counts.sum() * 1e6
    patients = SAMPLES.patient[SAMPLES.response == response]
    on = normalised.loc[list(genes), [f"{p}_onT" for p in patients]].to_numpy()
    base = normalised.loc[list(genes), [f"{p}_BL" for p in patients]].to_numpy()
    return float(np.mean(np.log2((on + 1) / (base + 1))))


def test_counts_are_genes_by_samples_of_non_negative_int64(rna: ExampleRna) -> None:
    assert rna.counts.shape == (3000, 24)
    assert rna.counts.index.name == "gene"
    assert rna.counts.index.is_unique
    assert (rna.counts.dtypes == np.int64).all()
    assert (rna.counts.to_numpy() >= 0).all()
    assert list(rna.counts.columns[:4]) == ["P01_BL", "P01_onT", "P02_BL", "P02_onT"]


def test_universe_holds_named_then_synthetic_genes(rna: ExampleRna) -> None:
    genes = rna.counts.index
    assert set(INTERFERON_GENES) | set(ENDOCYTOSIS_GENES) | {"ACTB", "ESR1"} <= set(genes)
    assert genes[-1] == "GENE2860"
    assert build_example_rna(SAMPLES, n_genes=400).counts.shape == (400, 24)


def test_same_arguments_give_identical_frames(rna: ExampleRna) -> None:
    again = build_example_rna(SAMPLES)
    pd.testing.assert_frame_equal(rna.counts, again.counts)
    pd.testing.assert_frame_equal(rna.sheet, again.sheet)
    pd.testing.assert_frame_equal(rna.truth, again.truth)
    assert rna.gene_sets == again.gene_sets
    assert not build_example_rna(SAMPLES, seed=12).counts.equals(rna.counts)


def test_sheet_matches_counts_with_both_timepoints_per_patient(rna: ExampleRna) -> None:
    sheet = rna.sheet
    assert tuple(sheet.columns) == SHEET_COLUMNS
    assert list(sheet["sample"]) == list(rna.counts.columns)
    assert (sheet.groupby("patient")["timepoint"].apply(tuple) == ("BL", "onT")).all()
    assert (sheet["sample"] == sheet["patient"] + "_" + sheet["timepoint"]).all()
    by_patient = sheet.drop_duplicates("patient").set_index("patient")
    assert list(by_patient["response"]) == RESPONSES
    assert (sheet.groupby("patient")["drug_target"].nunique() == 1).all()
    assert (by_patient["drug_target"] == "positive").sum() == 5
    assert set(sheet["drug_target"]) == {"positive", "negative"}


def test_interferon_genes_rise_in_responders_only(rna: ExampleRna) -> None:
    assert pair_log2_ratios(rna, INTERFERON_GENES, "R") > 0.7
    assert abs(pair_log2_ratios(rna, INTERFERON_GENES, "NR")) < 0.3


def test_endocytosis_genes_fall_in_every_patient(rna: ExampleRna) -> None:
    assert pair_log2_ratios(rna, ENDOCYTOSIS_GENES, "R") < -0.6
    assert pair_log2_ratios(rna, ENDOCYTOSIS_GENES, "NR") < -0.6


def test_truth_is_consistent_with_the_planted_sets(rna: ExampleRna) -> None:
    truth = rna.truth
    assert tuple(truth.columns) == TRUTH_COLUMNS
    assert list(truth.index) == list(rna.counts.index)
    interferon = truth.loc[list(INTERFERON_GENES)]
    assert (interferon.planted_set == "interferon").all()
    assert interferon.log2fc_responders.between(1.0, 1.8).all()
    assert (interferon.log2fc_non_responders == 0).all()
    endocytosis = truth.loc[list(ENDOCYTOSIS_GENES)]
    assert (endocytosis.planted_set == "endocytosis").all()
    assert endocytosis.log2fc_responders.between(-1.2, -0.8).all()
    assert (endocytosis.log2fc_responders == endocytosis.log2fc_non_responders).all()
    background = truth[truth.planted_set == ""]
    assert (background.log2fc_responders == background.log2fc_non_responders).all()
    changed = background.log2fc_responders.abs()
    assert changed[changed > 0].between(0.5, 1.0).all()
    assert (changed > 0).sum() == 60  # 2% of 3000 genes


def test_counts_look_like_rna_seq(rna: ExampleRna) -> None:
    assert 100 < rna.truth.base_mean.median() < 400
    library = rna.counts.sum()
    assert 1.5 < library.max() / library.min() < 4
    per_timepoint = rna.counts.T.groupby(rna.sheet.set_index("sample").timepoint).sum().T
    assert 50 < (per_timepoint < 5).any(axis=1).sum() < 200  # removed by a five-count filter


def test_a_few_genes_carry_one_outlier_count(rna: ExampleRna) -> None:
    outliers = rna.truth[rna.truth.outlier_sample != ""]
    assert len(outliers) == 4
    assert (outliers.planted_set == "").all()
    for gene, sample in outliers.outlier_sample.items():
        row = rna.counts.loc[gene]
        assert row.idxmax() == sample
        assert row[sample] > 10 * row.drop(sample).median()


def test_gene_sets_hold_genes_of_the_universe(rna: ExampleRna) -> None:
    names = list(rna.gene_sets)
    assert names[:2] == [INTERFERON_SET, ENDOCYTOSIS_SET]
    assert names[2:] == [f"EXAMPLE_NULL_{i:02d}" for i in range(1, 21)]
    assert rna.gene_sets[INTERFERON_SET] == INTERFERON_GENES
    assert len(INTERFERON_GENES) == len(set(INTERFERON_GENES)) == 40
    assert len(ENDOCYTOSIS_GENES) == len(set(ENDOCYTOSIS_GENES)) == 40
    universe = set(rna.counts.index)
    for name, genes in rna.gene_sets.items():
        assert set(genes) <= universe, name
        assert len(set(genes)) == len(genes), name
    for name in names[2:]:
        genes = rna.gene_sets[name]
        assert 20 <= len(genes) <= 60
        assert all(gene.startswith("GENE") for gene in genes)


def test_bundled_example_gene_sets_are_the_generated_ones(rna: ExampleRna) -> None:
    bundled = bundled_path("genesets/example_sets.gmt")
    assert bundled.read_text() == gmt_text(rna.gene_sets, GMT_DESCRIPTION)
    assert read_gmt(bundled) == rna.gene_sets


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        (["R", "NR", "NR", "NR"], "responders 1, non-responders 3"),
        (["R", "R", "R", "NR"], "responders 3, non-responders 1"),
    ],
)
def test_too_few_responders_or_non_responders_is_an_error(
    responses: list[str], message: str
) -> None:
    samples = pd.DataFrame({"patient": ["A", "B", "C", "D"], "response": responses})
    with pytest.raises(IcarusError, match=message):
        build_example_rna(samples)


def test_bad_samples_or_too_few_genes_is_an_error() -> None:
    with pytest.raises(IcarusError, match="n_genes=200 is too small"):
        build_example_rna(SAMPLES, n_genes=200)
    with pytest.raises(IcarusError, match="lack column"):
        build_example_rna(SAMPLES.drop(columns="response"))
    with pytest.raises(IcarusError, match="'R' or 'NR'"):
        build_example_rna(SAMPLES.assign(response="CR"))
    with pytest.raises(IcarusError, match="patients repeat"):
        build_example_rna(SAMPLES.assign(patient="P01"))
