"""PAM50 subtypes: preparation, centring, nearest-centroid calls, proliferation and ROR."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.subtypes import (
    CALL_COLUMNS,
    PAM50_SUBTYPES,
    Pam50Options,
    RorFormula,
    RorModel,
    centre_expression,
    classify_samples,
    make_reference,
    map_gene_ids,
    predict_subtypes,
    prepare_expression,
    proliferation_scores,
    ror_model_from_json,
    ror_scores,
)
from tests.conftest import shared_file

# A tiny hand-made reference: 6 genes, hoadley-lab column names, 2 proliferation genes.
TINY_CENTROIDS = pd.DataFrame(
    {
        "basal": [3.0, -1.0, 2.0, -2.0, 1.0, 0.5],
        "her2": [-1.0, 3.0, 0.0, 2.0, -2.0, 1.0],
        "luminal_a": [-2.0, -1.5, -1.0, 0.0, 2.5, 3.0],
        "luminal_b": [1.0, 0.0, -2.0, 3.0, 2.0, -1.0],
        "normal": [0.0, -2.0, 3.0, 1.0, -1.0, 2.5],
    },
    index=["G1", "G2", "G3", "NUF2", "G5", "G6"],
)
TINY_ANNOTATION = pd.DataFrame(
    {
        "gene_name": ["G1", "G2", "G3", "NUF2", "G5", "G6"],
        "gene_id": ["ENSG01", "ENSG02", "ENSG03", "ENSG00000143228", "ENSG05", "ENSG06"],
        "hgnc_id": ["HGNC:1", "HGNC:2", "HGNC:3", "HGNC:14621", "HGNC:5", "HGNC:6"],
        "proliferative": [1, 0, 0, 1, 0, 0],
    }
)


def tiny_reference(ror: RorModel | None = None, quantiles: pd.DataFrame | None = None):
    return make_reference(TINY_CENTROIDS, TINY_ANNOTATION, quantiles, ror)


def real_reference(with_quantiles: bool = False, with_ror: bool = False):
    folder = "05_pam50/hoadley_lab_pam50/"
    centroids = pd.read_csv(shared_file(folder + "pam50_centroids.tsv"), sep="\t", index_col=0)
    annotation = pd.read_csv(shared_file(folder + "pam50_annot.tsv"), sep="\t")
    quantiles = None
    if with_quantiles:
        path = shared_file("05_pam50/er_her2_subgroup_normalization/SIGMA.txt")
        quantiles = pd.read_csv(path, sep="\t", index_col=0)
    ror = None
    if with_ror:
        coefficients = json.loads(shared_file(folder + "ror_coeffs.json").read_text())
        thresholds = json.loads(shared_file(folder + "ror_thresholds.json").read_text())
        ror = ror_model_from_json(coefficients, thresholds)
    return make_reference(centroids, annotation, quantiles, ror)


# --- reference -------------------------------------------------------------------------


def test_reference_renames_centroid_columns_and_old_symbols() -> None:
    table = TINY_CENTROIDS.rename(index={"NUF2": "CDCA1"})
    reference = make_reference(table, TINY_ANNOTATION)
    assert tuple(reference.centroids.columns) == PAM50_SUBTYPES
    assert "NUF2" in reference.centroids.index
    assert reference.centroids.loc["G1", "Basal"] == 3.0


def test_real_centroids_annotation_and_sigma_resolve_to_all_50_genes() -> None:
    reference = real_reference(with_quantiles=True)
    assert reference.centroids.shape == (50, 5)
    assert reference.subgroup_quantiles is not None
    assert set(reference.subgroup_quantiles.index) == set(reference.centroids.index)
    assert {"NUF2", "NDC80", "ORC6"} <= set(reference.subgroup_quantiles.index)
    assert set(reference.annotation["gene_name"]) == set(reference.centroids.index)
    assert int(reference.annotation["proliferative"].sum()) == 11
    genes = pd.Index(["CDCA1", "KNTC2", "ORC6L"])
    assert list(map_gene_ids(genes, reference.annotation)) == ["NUF2", "NDC80", "ORC6"]


# --- preparation -----------------------------------------------------------------------


def test_aliases_ensembl_and_hgnc_ids_are_mapped() -> None:
    expression = pd.DataFrame(
        {"s1": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]},
        index=["G1", "ENSG02.7", "HGNC:3", "CDCA1", "G5", "G6", "NOT_PAM50"],
    )
    matrix, report = prepare_expression(expression, tiny_reference(), log2="no", min_genes=6)
    assert list(matrix.index) == ["G1", "G2", "G3", "NUF2", "G5", "G6"]
    assert list(matrix["s1"]) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert report.renamed == {"ENSG02.7": "G2", "HGNC:3": "G3", "CDCA1": "NUF2"}
    assert report.genes_missing == ()


def test_real_ensembl_ids_with_versions_map_to_symbols() -> None:
    reference = real_reference()
    mapped = map_gene_ids(pd.Index(["ENSG00000080986.12", "ENSG00000091831"]), reference.annotation)
    assert list(mapped) == ["NDC80", "ESR1"]


def test_duplicates_keep_the_row_with_the_highest_mean() -> None:
    expression = pd.DataFrame(
        {"s1": [1.0, 5.0, 2.0, 1, 1, 1, 1], "s2": [3.0, 1.0, 2.0, 1, 1, 1, 1]},
        index=["G1", "ENSG01", "G1", "G2", "G3", "NUF2", "G5"],
    )
    # means: 2.0, 3.0, 2.0 -> the ENSG01 row (5, 1) is kept
    matrix, report = prepare_expression(expression, tiny_reference(), log2="no", min_genes=5)
    assert list(matrix.loc["G1"]) == [5.0, 1.0]
    assert report.duplicates == ("G1",)
    assert report.genes_missing == ("G6",)


def test_duplicates_averaged_with_the_unc_mean_rule() -> None:
    expression = pd.DataFrame(
        {"s1": [1.0, 5.0, 1, 1, 1, 1], "s2": [3.0, 1.0, 1, 1, 1, 1]},
        index=["G1", "ENSG01", "G2", "G3", "NUF2", "G5"],
    )
    matrix, _ = prepare_expression(
        expression, tiny_reference(), log2="no", collapse="mean", min_genes=5
    )
    assert list(matrix.loc["G1"]) == [3.0, 2.0]


def test_log2_auto_transforms_clearly_linear_values() -> None:
    values = [0.0, 1.0, 3.0, 7.0, 255.0, 15.0]
    expression = pd.DataFrame({"s1": values}, index=TINY_CENTROIDS.index)
    matrix, report = prepare_expression(expression, tiny_reference(), min_genes=6)
    assert report.log2_applied
    assert "auto" in report.log2_reason
    assert list(matrix["s1"]) == [0.0, 1.0, 2.0, 3.0, 8.0, 4.0]


def test_log2_auto_leaves_log_scale_values() -> None:
    expression = pd.DataFrame({"s1": [0.5, 9.0, 12.0, 3.0, 15.5, 1.0]}, index=TINY_CENTROIDS.index)
    matrix, report = prepare_expression(expression, tiny_reference(), min_genes=6)
    assert not report.log2_applied
    assert list(matrix["s1"]) == [0.5, 9.0, 12.0, 3.0, 15.5, 1.0]


def test_log2_auto_takes_negative_values_as_log_scale() -> None:
    expression = pd.DataFrame({"s1": [-0.5, 900.0, 1, 1, 1, 1]}, index=TINY_CENTROIDS.index)
    _, report = prepare_expression(expression, tiny_reference(), min_genes=6)
    assert not report.log2_applied
    assert "negative" in report.log2_reason


def test_negative_values_on_a_linear_scale_are_an_error() -> None:
    expression = pd.DataFrame({"s1": [-0.5, 9.0, 1, 1, 1, 1]}, index=TINY_CENTROIDS.index)
    with pytest.raises(IcarusError, match="negative values"):
        prepare_expression(expression, tiny_reference(), log2="yes", min_genes=6)


def test_too_few_genes_is_refused_and_names_the_missing_ones() -> None:
    expression = pd.DataFrame({"s1": [1.0, 2.0, 3.0]}, index=["G1", "G2", "G3"])
    with pytest.raises(IcarusError, match=r"3 of 6 PAM50 genes.*at least 4.*NUF2, G5, G6"):
        prepare_expression(expression, tiny_reference(), log2="no", min_genes=4)


def test_default_minimum_is_40_of_50_genes() -> None:
    reference = real_reference()
    genes = list(reference.centroids.index)
    rng = np.random.default_rng(0)
    expression = pd.DataFrame(rng.normal(size=(39, 2)), index=genes[:39], columns=["a", "b"])
    with pytest.raises(IcarusError, match="39 of 50 PAM50 genes"):
        prepare_expression(expression, reference)
    matrix, report = prepare_expression(
        pd.DataFrame(rng.normal(size=(40, 2)), index=genes[:40], columns=["a", "b"]), reference
    )
    assert matrix.shape == (40, 2)
    assert len(report.genes_missing) == 10


# --- centring --------------------------------------------------------------------------

SMALL = pd.DataFrame(
    {"a": [1.0, 4.0], "b": [2.0, 0.0], "c": [6.0, 8.0]},
    index=["G1", "G2"],
)


def test_median_centring_known_answer() -> None:
    # medians: G1 = 2, G2 = 4
    centred = centre_expression(SMALL, "median")
    expected = pd.DataFrame(
        {"a": [-1.0, 0.0], "b": [0.0, -4.0], "c": [4.0, 4.0]}, index=SMALL.index
    )
    pd.testing.assert_frame_equal(centred, expected)


def test_median_centring_from_reference_samples_applies_to_all() -> None:
    # medians over a and b only: G1 = 1.5, G2 = 2
    centred = centre_expression(SMALL, "median", reference_samples=["a", "b"])
    expected = pd.DataFrame(
        {"a": [-0.5, 2.0], "b": [0.5, -2.0], "c": [4.5, 6.0]}, index=SMALL.index
    )
    pd.testing.assert_frame_equal(centred, expected)


def test_none_centring_leaves_values() -> None:
    pd.testing.assert_frame_equal(centre_expression(SMALL, "none"), SMALL)


FIVE = pd.DataFrame(
    [[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 0.0, 20.0, 30.0, 40.0]],
    index=["G1", "G2"],
    columns=["s1", "s2", "s3", "s4", "s5"],
)
SIGMA = pd.DataFrame({"X": [0.25, 0.6], "Y": [0.5, 0.0]}, index=["G1", "G2"])


def test_subgroup_centring_one_subgroup_known_answer() -> None:
    # G1: quantile 0.25 of 1..5 -> position 1 -> 2; G2: quantile 0.6 of 0,10,20,30,40 ->
    # position 2.4 -> 20 + 0.4 * 10 = 24
    centred = centre_expression(FIVE, "er-her2-subgroup", subgroups="X", quantiles=SIGMA)
    assert list(centred.loc["G1"]) == pytest.approx([-1.0, 0.0, 1.0, 2.0, 3.0])
    assert list(centred.loc["G2"]) == pytest.approx([-14.0, -24.0, -4.0, 6.0, 16.0])


def test_subgroup_centring_per_sample_subgroups() -> None:
    groups = pd.Series({"s1": "X", "s2": "X", "s3": "Y", "s4": "Y", "s5": "Y"})
    centred = centre_expression(FIVE, "er-her2-subgroup", subgroups=groups, quantiles=SIGMA)
    # X = s1, s2: G1 q0.25 of (1, 2) = 1.25; G2 q0.6 of (0, 10) = 6
    # Y = s3..s5: G1 q0.5 of (3, 4, 5) = 4; G2 q0 of (20, 30, 40) = 20
    assert list(centred.loc["G1"]) == pytest.approx([-0.25, 0.75, -1.0, 0.0, 1.0])
    assert list(centred.loc["G2"]) == pytest.approx([4.0, -6.0, 0.0, 10.0, 20.0])


def test_subgroup_centring_from_reference_samples() -> None:
    # quantiles of X computed from s1, s2, s3 only: G1 q0.25 of (1, 2, 3) = 1.5;
    # G2 q0.6 of (0, 10, 20) -> position 1.2 -> 12
    centred = centre_expression(
        FIVE,
        "er-her2-subgroup",
        subgroups="X",
        quantiles=SIGMA,
        reference_samples=["s1", "s2", "s3"],
    )
    assert list(centred.loc["G1"]) == pytest.approx([-0.5, 0.5, 1.5, 2.5, 3.5])
    assert list(centred.loc["G2"]) == pytest.approx([-2.0, -12.0, 8.0, 18.0, 28.0])


def test_unknown_subgroup_names_the_known_ones() -> None:
    with pytest.raises(IcarusError, match=r"unknown subgroup.*'Z'.*\['X', 'Y'\]"):
        centre_expression(FIVE, "er-her2-subgroup", subgroups="Z", quantiles=SIGMA)


def test_subgroup_without_reference_samples_is_an_error() -> None:
    groups = pd.Series({"s1": "X", "s2": "X", "s3": "Y", "s4": "Y", "s5": "Y"})
    with pytest.raises(IcarusError, match="subgroup 'Y'"):
        centre_expression(
            FIVE, "er-her2-subgroup", subgroups=groups, quantiles=SIGMA, reference_samples=["s1"]
        )


def test_unknown_reference_sample_is_an_error() -> None:
    with pytest.raises(IcarusError, match="not columns"):
        centre_expression(SMALL, "median", reference_samples=["zz"])


# --- prediction ------------------------------------------------------------------------


def centroid_samples(centroids: pd.DataFrame, noise: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = centroids.to_numpy() + rng.normal(scale=noise, size=centroids.shape)
    return pd.DataFrame(values, index=centroids.index, columns=[f"x_{c}" for c in centroids])


def test_centroids_plus_noise_are_called_their_own_subtype() -> None:
    reference = real_reference()
    samples = centroid_samples(reference.centroids, noise=0.01, seed=1)
    calls = predict_subtypes(samples, reference)
    assert list(calls.columns) == list(CALL_COLUMNS)
    assert list(calls["subtype"]) == list(PAM50_SUBTYPES)
    for row in calls.itertuples():
        assert getattr(row, f"cor_{row.subtype}") > 0.99
    assert (calls["confidence"] == "high").all()


def test_tiny_centroids_called_exactly_with_correlation_one() -> None:
    reference = tiny_reference()
    samples = reference.centroids.mul(2.0).add(1.0)  # monotone: Spearman 1
    calls = predict_subtypes(samples, reference)
    assert list(calls["subtype"]) == list(PAM50_SUBTYPES)
    own = [calls.loc[i, f"cor_{name}"] for i, name in enumerate(PAM50_SUBTYPES)]
    assert own == pytest.approx([1.0] * 5)


def test_spearman_uses_average_ranks_and_drops_missing_genes() -> None:
    reference = tiny_reference()
    sample = pd.DataFrame({"s": [1.0, 1.0, np.nan, 2.0, 3.0, 4.0]}, index=TINY_CENTROIDS.index)
    calls = predict_subtypes(sample, reference)
    genes = ["G1", "G2", "NUF2", "G5", "G6"]
    x = pd.Series([1.0, 1.0, 2.0, 3.0, 4.0]).rank()
    y = reference.centroids.loc[genes, "Basal"].reset_index(drop=True).rank()
    assert calls.loc[0, "cor_Basal"] == pytest.approx(x.corr(y))


def test_include_normal_false_never_calls_normal() -> None:
    reference = tiny_reference()
    sample = reference.centroids[["Normal"]]
    assert predict_subtypes(sample, reference).loc[0, "subtype"] == "Normal"
    calls = predict_subtypes(sample, reference, include_normal=False)
    assert calls.loc[0, "subtype"] != "Normal"
    assert calls.loc[0, "cor_Normal"] == pytest.approx(1.0)


def test_margin_and_low_confidence() -> None:
    reference = tiny_reference()
    calls = predict_subtypes(reference.centroids[["LumA"]], reference, min_margin=2.0)
    cors = sorted(calls.loc[0, [f"cor_{s}" for s in sorted(PAM50_SUBTYPES)]], reverse=True)
    assert calls.loc[0, "margin"] == pytest.approx(cors[0] - cors[1])
    assert calls.loc[0, "confidence"] == "low"


def test_proliferation_is_the_mean_of_proliferation_genes_after_standardising() -> None:
    centred = pd.DataFrame({"s": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, index=TINY_CENTROIDS.index)
    # mean 3.5, sd (n - 1) = sqrt(17.5 / 5); proliferation genes G1 (1) and NUF2 (4)
    sd = np.sqrt(17.5 / 5)
    expected = ((1.0 - 3.5) / sd + (4.0 - 3.5) / sd) / 2
    score = proliferation_scores(centred, TINY_ANNOTATION)
    assert score["s"] == pytest.approx(expected)


# --- risk of recurrence ----------------------------------------------------------------

TINY_ROR = RorModel(
    subtype=RorFormula(
        {"basal": 1.0, "her2": 0.5, "luminal_a": -1.0, "luminal_b": 0.25}, -0.1, 0.1
    ),
    prolif=RorFormula({"basal": 0.1, "luminal_a": -0.2, "prolif_score": 0.5}, -0.2, 0.2),
    clinical=RorFormula({"luminal_a": -0.5, "tumor_size": 0.2}, -0.1, 0.2),
    prolif_clinical=RorFormula({"tumor_size": 1.0, "prolif_score": 1.0}, 0.0, 1.0),
)


def test_ror_hand_computed_with_tiny_coefficients() -> None:
    cors = pd.DataFrame(
        {"cor_Basal": [0.2], "cor_Her2": [0.1], "cor_LumA": [0.3], "cor_LumB": [-0.4]},
        index=["s"],
    )
    prolif = pd.Series({"s": 0.6})
    table = ror_scores(cors, prolif, TINY_ROR, pd.Series({"s": 2.5}))
    raw_s = 0.2 + 0.05 - 0.3 - 0.1  # -0.15 -> low
    raw_p = 0.02 - 0.06 + 0.3  # 0.26 -> high
    raw_c = -0.15 + 0.2  # 0.05 -> med
    raw_pc = 1.0 + 0.6  # 1.6 -> high
    for short, raw in {"s": raw_s, "p": raw_p, "c": raw_c, "pc": raw_pc}.items():
        assert table.loc["s", f"ror_{short}"] == pytest.approx(100 * (raw + 0.35) / 0.85)
    assert list(table.loc["s", ["ror_s_group", "ror_p_group", "ror_c_group", "ror_pc_group"]]) == [
        "low", "high", "medium", "high",
    ]  # fmt: skip


def test_ror_groups_include_the_thresholds_and_size_is_coded_above_2_cm() -> None:
    cors = pd.DataFrame(
        {"cor_Basal": [0.1, -0.1], "cor_Her2": [0.0, 0.0], "cor_LumA": [0.0, 0.0],
         "cor_LumB": [0.0, 0.0]},
        index=["hi", "lo"],
    )  # fmt: skip
    prolif = pd.Series({"hi": 0.0, "lo": 0.0})
    table = ror_scores(cors, prolif, TINY_ROR, pd.Series({"hi": 2.0, "lo": 2.01}))
    assert list(table["ror_s_group"]) == ["high", "low"]  # raw exactly 0.1 and -0.1
    # tumour size 2.0 cm -> 0, 2.01 cm -> 1
    assert list(table["ror_pc_group"]) == ["low", "high"]


def test_ror_without_tumour_size_leaves_clinical_scores_empty() -> None:
    cors = pd.DataFrame(
        {"cor_Basal": [0.1], "cor_Her2": [0.0], "cor_LumA": [0.0], "cor_LumB": [0.0]}, index=["s"]
    )
    table = ror_scores(cors, pd.Series({"s": 0.0}), TINY_ROR)
    assert np.isnan(table.loc["s", "ror_c"]) and table.loc["s", "ror_c_group"] == ""
    assert np.isfinite(table.loc["s", "ror_s"])


def test_ror_with_the_hoadley_lab_coefficients() -> None:
    reference = real_reference(with_ror=True)
    samples = centroid_samples(reference.centroids, noise=0.3, seed=2)
    size = pd.Series(3.0, index=samples.columns)
    calls = predict_subtypes(samples, reference, tumour_size_cm=size).set_index("sample")
    row = calls.loc["x_LumA"]
    cor = {k: row[f"cor_{k}"] for k in ("Basal", "Her2", "LumA", "LumB")}
    prolif = row["proliferation"]
    raw_s = (
        0.04210193 * cor["Basal"] + 0.12466938 * cor["Her2"]
        - 0.35235561 * cor["LumA"] + 0.14213283 * cor["LumB"]
    )  # fmt: skip
    raw_p = (
        -0.0009299747 * cor["Basal"] + 0.0692289192 * cor["Her2"]
        - 0.0951505484 * cor["LumA"] + 0.0493487685 * cor["LumB"] + 0.3385116381 * prolif
    )  # fmt: skip
    raw_c = (
        0.044277 * cor["Basal"] + 0.1170297 * cor["Her2"]
        - 0.2608388 * cor["LumA"] + 0.1055908 * cor["LumB"] + 0.1813751
    )  # fmt: skip
    raw_pc = (
        -0.009383416 * cor["Basal"] + 0.073725503 * cor["Her2"] - 0.090436516 * cor["LumA"]
        + 0.053013865 * cor["LumB"] + 0.13160596 + 0.327259375 * prolif
    )  # fmt: skip
    for short, raw in {"s": raw_s, "p": raw_p, "c": raw_c, "pc": raw_pc}.items():
        assert row[f"ror_{short}"] == pytest.approx(100 * (raw + 0.35) / 0.85)
    assert row["ror_s_group"] == ("low" if raw_s <= -0.15 else "medium" if raw_s < 0.1 else "high")
    assert calls.loc["x_LumA", "subtype"] == "LumA"


# Rows of hoadley-lab/pam50 tests/testthat/data/pam50_testdata_assignments.tsv (pam50 R
# package 0.2.0, output of pam50::pam50() on its test data): correlations, proliferation,
# then ROR-S, ROR-C, ROR-P, ROR-PC; S1 has a tumour <= 2 cm, S33 and S63 > 2 cm.
HOADLEY_ROWS = {
    "S1": ([-0.676638655462185, -0.043937575030012, 0.722448979591837, 0.00321728691476591],
           -0.698911644337579, 0.0, [7.28621972363534, 14.9171129445661, 4.99001563942565,
                                     6.96697251437423], ["low", "low", "low", "low"]),
    "S33": ([-0.533157262905162, 0.28672268907563, 0.170516206482593, 0.4215606242497],
            0.29261566454158, 3.0, [42.7216297303863, 63.6893231811313, 55.762108197064,
                                    71.8160537347562], ["medium", "medium", "high", "high"]),
    "S63": ([0.782376950780312, -0.0912845138055222, -0.662617046818727, -0.276638655462185],
            0.598750345142175, 3.0, [66.554893484189, 82.2304874582303, 70.0039340663425,
                                     83.3812178188115], ["high", "high", "high", "high"]),
}  # fmt: skip


def test_ror_matches_hoadley_lab_pam50_output() -> None:
    reference = real_reference(with_ror=True)
    assert reference.ror is not None
    names = list(HOADLEY_ROWS)
    cors = pd.DataFrame(
        [HOADLEY_ROWS[n][0] for n in names],
        index=names,
        columns=["cor_Basal", "cor_Her2", "cor_LumA", "cor_LumB"],
    )
    prolif = pd.Series({n: HOADLEY_ROWS[n][1] for n in names})
    size = pd.Series({n: HOADLEY_ROWS[n][2] for n in names})
    table = ror_scores(cors, prolif, reference.ror, size)
    for name in names:
        scores = table.loc[name, ["ror_s", "ror_c", "ror_p", "ror_pc"]].astype(float)
        assert list(scores) == pytest.approx(HOADLEY_ROWS[name][3], abs=1e-9)
        groups = table.loc[name, ["ror_s_group", "ror_c_group", "ror_p_group", "ror_pc_group"]]
        assert list(groups) == HOADLEY_ROWS[name][4]


def test_ror_model_from_json_accepts_the_prolif_clinial_spelling() -> None:
    terms = {"basal": 1.0}
    limits = {"low": -1.0, "high": 1.0}
    model = ror_model_from_json(
        {"subtype": terms, "clinical": terms, "prolif": terms, "prolif_clinial": {"her2": 2.0}},
        {name: limits for name in ("subtype", "clinical", "prolif", "prolif_clinical")},
    )
    assert model.prolif_clinical.coefficients == {"her2": 2.0}


# --- the whole call --------------------------------------------------------------------


def test_classify_samples_from_linear_values_with_ensembl_ids() -> None:
    reference = real_reference(with_quantiles=True, with_ror=True)
    log_values = centroid_samples(reference.centroids, noise=0.05, seed=3) + 8.0
    linear = np.exp2(log_values) - 1.0
    ids = reference.annotation.set_index("gene_name")["gene_id"]
    linear.index = [f"{ids[gene]}.3" for gene in linear.index]
    options = Pam50Options(centring="none")
    calls, report = classify_samples(linear, reference, options)
    assert report.log2_applied
    assert list(calls["subtype"]) == list(PAM50_SUBTYPES)
    assert calls["ror_c"].isna().all()
