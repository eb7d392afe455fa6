"""Sample-sheet checks, pairing, the study's gene filter, designs, and agreement with R
DESeq2 on the committed example (tests/expected/rna/README.md says how it was made)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.expression.design import (
    Contrast,
    complete_pairs,
    design_columns,
    interaction_design,
    parse_subsets,
)
from icarus_omics.expression.pipeline import run_deseq
from icarus_omics.expression.request import DeRequest, gene_filter, integer_counts, prepare

DATA = Path(__file__).parent / "data" / "rna"
EXPECTED = Path(__file__).parent / "expected" / "rna"
PAIRED = DeRequest(Contrast("timepoint", "onT", "BL"))


def sheet(
    patients: list[str], timepoints: list[str], groups: list[str] | None = None
) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "sample": [f"{p}_{t}" for p, t in zip(patients, timepoints, strict=True)],
            "patient": patients,
            "timepoint": timepoints,
        }
    )
    if groups is not None:
        table["response"] = groups
    return table


def test_contrast_and_subset_parsing():
    assert Contrast.parse("timepoint:onT:BL") == Contrast("timepoint", "onT", "BL")
    with pytest.raises(IcarusError, match="FACTOR:TEST:REFERENCE"):
        Contrast.parse("timepoint:onT")
    with pytest.raises(IcarusError, match="same"):
        Contrast.parse("timepoint:BL:BL")
    assert parse_subsets(["response=R", "site = liver"]) == (("response", "R"), ("site", "liver"))
    with pytest.raises(IcarusError, match="COLUMN=VALUE"):
        parse_subsets(["response"])


def test_design_columns_reads_formula_terms():
    assert design_columns("~ patient + timepoint") == ["patient", "timepoint"]
    assert design_columns("~ C(batch) + group:timepoint") == ["batch", "group", "timepoint"]
    with pytest.raises(IcarusError, match="starts with '~'"):
        design_columns("patient + timepoint")


def test_complete_pairs_drops_patients_without_both_levels():
    table = sheet(["A", "A", "B", "C", "C", "C"], ["BL", "onT", "BL", "BL", "onT", "onT"])
    table.loc[5, "sample"] = "C_onT_repeat"
    kept, dropped = complete_pairs(table.set_index("sample"), PAIRED.contrast, "patient")
    assert dropped == ("B", "C")  # B has no onT; C has two onT samples
    assert list(kept["patient"]) == ["A", "A"]


def test_integer_counts_rounds_estimates_and_refuses_negatives():
    counts = pd.DataFrame({"s1": [1.4, 2.0], "s2": [3.0, 4.6]}, index=["g1", "g2"])
    rounded, changed = integer_counts(counts, "x")
    assert changed == 2 and rounded.to_numpy().tolist() == [[1, 3], [2, 5]]
    counts.iloc[1, 0] = -1
    with pytest.raises(IcarusError, match="negative count -1 for gene g2 in sample s1"):
        integer_counts(counts, "x")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("level-mean", ["g1", "g3"]), ("level-sum", ["g1", "g2", "g3"]), ("every-sample", ["g3"])],
)
def test_gene_filter_rules(rule, expected):
    table = sheet(["A", "A", "B", "B"], ["BL", "onT", "BL", "onT"]).set_index("sample")
    counts = pd.DataFrame(
        [[10, 0, 0, 10], [0, 5, 5, 0], [6, 7, 5, 9]],  # g1: one zero per level; g2: sum 5
        index=["g1", "g2", "g3"],
        columns=table.index,
    )
    request = DeRequest(PAIRED.contrast, filter_rule=rule)
    kept = gene_filter(counts, table, ["timepoint"], request)
    assert list(kept[kept].index) == expected


def test_interaction_design_is_deseq2s_nested_layout():
    table = sheet(
        ["A", "A", "B", "B", "C", "C"], ["BL", "onT"] * 3, ["R", "R", "R", "R", "NR", "NR"]
    ).set_index("sample")
    design, contrast = interaction_design(
        table, Contrast("response", "R", "NR"), Contrast("timepoint", "onT", "BL"), "patient"
    )
    # R: model.matrix(~ response + response:patient_n + response:timepoint), zero columns gone
    assert list(design.columns) == [
        "Intercept",
        "responseR",
        "responseR:patient_n2",
        "responseNR:timepointonT",
        "responseR:timepointonT",
    ]
    assert design["responseR:patient_n2"].tolist() == [0, 0, 1, 1, 0, 0]
    assert contrast.tolist() == [0, 0, 0, -1, 1]


def test_prepare_checks_the_sheet_against_the_matrix():
    counts = pd.read_csv(DATA / "counts.tsv", sep="\t", index_col=0)
    samples = pd.read_csv(DATA / "samples.tsv", sep="\t")
    extra = pd.concat([samples, samples.iloc[[0]].assign(sample="ghost")])
    with pytest.raises(IcarusError, match=r"not in the count matrix, e\.g\. ghost"):
        prepare(counts, extra, PAIRED, "counts.tsv")
    with pytest.raises(IcarusError, match="no sheet column batch"):
        prepare(counts, samples, DeRequest(PAIRED.contrast, design="~ batch + timepoint"), "c")
    with pytest.raises(IcarusError, match="no sample has timepoint = EOT"):
        prepare(counts, samples, DeRequest(Contrast("timepoint", "EOT", "BL")), "c")
    with pytest.raises(IcarusError, match="lack one sample"):
        prepare(counts, samples.iloc[1:], DeRequest(PAIRED.contrast, strict_pairs=True), "c")
    data = prepare(counts, samples.iloc[1:], PAIRED, "c")  # P01 has lost its baseline
    assert data.report.unpaired_patients == ("P01",) and len(data.sheet) == 22


def test_paired_results_equal_r_deseq2():
    counts = pd.read_csv(DATA / "counts.tsv", sep="\t", index_col=0)
    samples = pd.read_csv(DATA / "samples.tsv", sep="\t")
    result = run_deseq(prepare(counts, samples, PAIRED, "counts.tsv"), PAIRED)
    ours = result.table.set_index("gene")
    r = pd.read_csv(EXPECTED / "deseq2_paired.tsv", sep="\t", index_col=0)
    assert list(ours.index) == list(r.index)  # the same 390 genes pass the filter
    for column in ("baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"):
        both = ours[column].notna() & r[column].notna()
        assert (ours[column].isna() == r[column].isna()).all(), column
        np.testing.assert_allclose(ours.loc[both, column], r.loc[both, column], rtol=1e-3, atol=1e-8,
                                   err_msg=column)  # fmt: skip
    assert ((ours["padj"] < 0.05) == (r["padj"] < 0.05)).all()


def test_planted_interferon_rise_found_in_responders_only():
    counts = pd.read_csv(DATA / "counts.tsv", sep="\t", index_col=0)
    samples = pd.read_csv(DATA / "samples.tsv", sep="\t")
    ifn = ["IFI44L", "RTP4", "IFIT1", "IFIT2", "IFIT3", "AIM2"]
    found = {}
    for response in ("R", "NR"):
        request = DeRequest(PAIRED.contrast, subsets=(("response", response),))
        table = run_deseq(prepare(counts, samples, request, "c"), request).table.set_index("gene")
        hits = table.loc[table.index.intersection(ifn)]
        found[response] = int(((hits["padj"] < 0.05) & (hits["log2FoldChange"] > 0)).sum())
    assert found["R"] >= 5 and found["NR"] == 0, found


def test_vst_equals_r_with_the_parametric_and_the_mean_trend(monkeypatch):
    # vst.tsv is vst(blind = TRUE, nsub = min(1000, genes above 5)); the golden is R's on
    # the outliers input (tests/expected/rna/README.md), with fitType parametric and mean
    from icarus_omics.expression import dataset as deseq_dataset
    from icarus_omics.expression.transform import variance_stabilise

    counts = pd.read_csv(EXPECTED / "outliers_counts.tsv", sep="\t", index_col=0)
    params = pd.read_csv(EXPECTED / "outliers_params.tsv", sep="\t", index_col=0)["value"]
    size_factors = pd.Series(
        [float(params[f"size_factor_{s}"]) for s in counts.columns], index=counts.columns
    )
    parametric = variance_stabilise(counts, size_factors)
    r_parametric = pd.read_csv(EXPECTED / "outliers_vst_subset.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(parametric, r_parametric, rtol=0, atol=1e-6)
    monkeypatch.setattr(deseq_dataset, "parametric_trend", lambda *args: None)
    fallback = variance_stabilise(counts, size_factors)  # used to raise KeyError
    r_mean = pd.read_csv(EXPECTED / "outliers_vst_subset_mean.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(fallback, r_mean, rtol=0, atol=1e-6)
