"""Preranked GSEA: fgsea known answers, gseapy cross-check, planted effects, determinism.

The fgsea reference files (shared/data/06_gene_sets/gseapy_repo/gsea_reference_outputs/
fgsea_cpp_refs, see its SPEC.md) are outputs of fgsea's original C++ (Rcpp + BH, R 4.5):
``calcGseaStatCumulative(stats, selectedStats, 1, scoreType)`` on 3000 ranks of
naive.vs.th1.rnk, ``calcGseaStatBatchCpp`` on 20 mouse Reactome pathways, and
``calcGseaStatCumulativeBatch(..., iterations = 1000, seed = 42, "std")``. Their Mersenne
Twister stream is not reproduced here, so the permutation counts are compared statistically.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics import enrichment as gs
from icarus_omics.enrichment_null import (
    NullCounts,
    batch_enrichment_scores,
    normalised_scores,
    null_counts,
)
from icarus_omics.errors import IcarusError
from tests.conftest import shared_file

FGSEA = "06_gene_sets/gseapy_repo/gsea_reference_outputs/fgsea_cpp_refs/"
FAST = gs.GseaSettings(permutations=1000, seed=7, min_size=5)
Planted = tuple[pd.Series, dict[str, list[str]]]


def fgsea_input(name: str) -> pd.DataFrame:
    return pd.read_csv(shared_file(FGSEA + "inputs/" + name), sep="\t")


def fgsea_pathways() -> list[np.ndarray]:
    lines = shared_file(FGSEA + "inputs/pathways.tsv").read_text().splitlines()
    return [np.array(line.split("\t"), dtype=np.int64) - 1 for line in lines]  # 1-based in C++


@pytest.fixture(scope="module")
def planted() -> Planted:
    """2,000 genes; UP = the top 20 plus 5 from the bottom, DOWN = the bottom 20 plus 5 from
    the top, and three random sets."""
    rng = np.random.default_rng(11)
    genes = [f"G{i:04d}" for i in range(2000)]
    stats = pd.Series(np.sort(rng.normal(0, 1, 2000))[::-1].copy(), index=genes)
    sets = {
        "UP": genes[:20] + genes[-5:],
        "DOWN": genes[:5] + genes[-20:],
        **{f"NULL{k}": list(rng.choice(genes, 40, replace=False)) for k in range(3)},
    }
    return stats, sets


# ---------------------------------------------------------------- fgsea known answers


def test_prefix_scores_match_fgsea_calc_gsea_stat_cumulative() -> None:
    weights = np.abs(fgsea_input("stats.tsv")["stats"].to_numpy())
    selected = np.loadtxt(shared_file(FGSEA + "inputs/cumulative_selectedStats.tsv"), dtype=int)
    reference = pd.read_csv(shared_file(FGSEA + "refs/ref_calcGseaStatCumulative.tsv"), sep="\t")
    scores = [gs.enrichment_score(weights, selected[: i + 1] - 1) for i in range(len(selected))]
    ours = {
        "std": [s.es for s in scores],
        "pos": [s.max_top for s in scores],
        "neg": [s.min_bottom for s in scores],
    }
    for kind, values in ours.items():
        expected = reference[reference.scoreType == kind].sort_values("prefix_index0")["value"]
        np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12, err_msg=kind)


def test_scores_match_fgsea_calc_gsea_stat_batch() -> None:
    weights = fgsea_input("batchcpp_stats.tsv")["statsAbs"].to_numpy()
    reference = pd.read_csv(shared_file(FGSEA + "refs/ref_calcGseaStatBatchCpp.tsv"), sep="\t")
    scores = [gs.enrichment_score(weights, p).es for p in fgsea_pathways()]
    np.testing.assert_allclose(scores, reference["ES"], rtol=0, atol=1e-12)
    assert list(reference["size"]) == [len(p) for p in fgsea_pathways()]


def test_permutation_counts_agree_with_fgsea_statistically() -> None:
    """fgsea's 1,000 permutations vs our 20,000: each p-value (fgsea's formula) within four
    binomial standard errors, and the share of random scores >= 0 within 0.03."""
    weights = np.abs(fgsea_input("stats.tsv")["stats"].to_numpy())
    scores = fgsea_input("cumbatch_pathwayScores.tsv")["pathwayScores"].to_numpy()
    sizes = np.loadtxt(shared_file(FGSEA + "inputs/cumbatch_pathwaysSizes.tsv"), dtype=np.int64)
    ref = pd.read_csv(shared_file(FGSEA + "refs/ref_calcGseaStatCumulativeBatch.tsv"), sep="\t")
    ours = null_counts(weights, sizes, scores, 20_000, seed=1, processes=2)
    up = scores > 0
    n_ref = np.where(up, ref.geZero, ref.leZero)
    n_our = np.where(up, ours.ge_zero, ours.le_zero)
    p_ref = (1 + np.where(up, ref.geEs, ref.leEs)) / (1 + n_ref)
    p_our = (1 + np.where(up, ours.ge_es, ours.le_es)) / (1 + n_our)
    error = np.sqrt(p_ref * (1 - p_ref) / (1 + n_ref) + p_our * (1 - p_our) / (1 + n_our))
    assert np.all(np.abs(p_our - p_ref) <= 4 * error + 1e-3), np.c_[p_ref, p_our]
    np.testing.assert_allclose(ours.ge_zero / 20_000, ref.geZero / 1000, atol=0.03)


# ---------------------------------------------------------------- scores and the null


def test_batch_scores_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    weights = np.abs(rng.normal(size=500))
    weights[:10] = 0.0  # zero scores are allowed
    positions = np.sort(np.array([rng.choice(500, 30, replace=False) for _ in range(50)]), axis=1)
    single = [gs.enrichment_score(weights, row).es for row in positions]
    np.testing.assert_allclose(batch_enrichment_scores(weights, positions), single, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=3, max_size=60), st.data())
def test_scores_lie_in_minus_one_to_one_with_a_leading_edge_inside_the_set(
    weights: list[float], data: st.DataObject
) -> None:
    n = len(weights)
    members = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n - 1))
    positions = np.array(sorted(members), dtype=np.int64)
    score = gs.enrichment_score(np.array(weights), positions)
    assert -1.0 <= score.es <= 1.0
    assert set(score.leading_edge) <= members and (len(score.leading_edge) > 0) == (score.es != 0)
    batch = batch_enrichment_scores(np.array(weights), positions[None, :])
    assert batch[0] == pytest.approx(score.es, abs=1e-15)


def test_enrichment_score_of_zero_weights_counts_genes() -> None:
    """fgsea: when the set's scores sum to 0, each hit weighs 1/m."""
    weights = np.zeros(10)
    assert gs.enrichment_score(weights, np.array([0, 1])).es == pytest.approx(1.0)
    assert gs.enrichment_score(weights, np.array([8, 9])).es == pytest.approx(-1.0)


def test_leading_edge_follows_fgsea_rule() -> None:
    weights = np.array([5.0, 4, 3, 2, 1, 1, 2, 3, 4, 5])
    up = gs.enrichment_score(weights, np.array([0, 1, 6]))
    assert up.es > 0 and list(up.leading_edge) == [0, 1]
    down = gs.enrichment_score(weights, np.array([3, 8, 9]))
    assert down.es < 0 and list(down.leading_edge) == [8, 9]  # ranking order


def test_normalised_scores_and_pvalues_use_fgsea_formulas() -> None:
    counts = NullCounts(
        le_es=np.array([90, 3, 5]), ge_es=np.array([12, 97, 5]),
        le_zero=np.array([50, 50, 100]), ge_zero=np.array([50, 50, 0]),
        le_zero_sum=np.array([-10.0, -20.0, -30.0]), ge_zero_sum=np.array([20.0, 10.0, 0.0]),
    )  # fmt: skip
    nes, pvalue = normalised_scores(np.array([0.5, -0.5, 0.5]), counts)
    np.testing.assert_allclose(nes[:2], [0.5 / 0.4, -0.5 / 0.4])
    np.testing.assert_allclose(pvalue[:2], [min(91 / 51, 13 / 51), min(4 / 51, 98 / 51)])
    assert np.isnan(nes[2]) and np.isnan(pvalue[2])  # no random score >= 0: undefined


def test_null_counts_do_not_depend_on_processes_or_chunking() -> None:
    weights = np.abs(np.random.default_rng(5).normal(size=300))
    sizes, scores = np.array([10, 25, 25], dtype=np.int64), np.array([0.4, -0.3, 0.2])
    one = null_counts(weights, sizes, scores, 2500, seed=3, processes=1)
    two = null_counts(weights, sizes, scores, 2500, seed=3, processes=2)
    for field in ("le_es", "ge_es", "le_zero", "ge_zero", "le_zero_sum", "ge_zero_sum"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field))
    assert one.le_zero[1] == one.le_zero[2]  # sets of one size share their random sets
    assert one.le_zero[0] + one.ge_zero[0] >= 2500


# ---------------------------------------------------------------- planted effects


def test_planted_sets_are_found_with_sign_and_leading_edge(planted: Planted) -> None:
    stats, sets = planted
    result = gs.run_gsea(stats, sets, gs.GseaSettings(permutations=2000, seed=1))
    table = result.table.set_index("term")
    assert table.loc["UP", "es"] > 0 and table.loc["UP", "padj"] < 0.01
    assert table.loc["DOWN", "es"] < 0 and table.loc["DOWN", "padj"] < 0.01
    assert table.loc["UP", "leading_edge"] == "/".join(stats.index[:20])
    assert table.loc["DOWN", "leading_edge"] == "/".join(stats.index[-20:])
    assert table.loc["UP", "gene_ratio"] == pytest.approx(20 / 25)
    assert table.loc["UP", "leading_edge_size"] == 20
    assert (table.filter(like="NULL", axis=0)["padj"] > 0.05).all()
    assert list(result.table.columns) == list(gs.RESULT_COLUMNS)
    assert list(result.table["term"][:2]) == sorted(["UP", "DOWN"])  # p-value ties: by term


def test_same_seed_gives_the_same_table_whatever_the_processes(planted: Planted) -> None:
    stats, sets = planted
    first = gs.run_gsea(stats, sets, FAST, processes=1).table
    pd.testing.assert_frame_equal(first, gs.run_gsea(stats, sets, FAST, processes=1).table)
    pd.testing.assert_frame_equal(first, gs.run_gsea(stats, sets, FAST, processes=2).table)
    other = gs.run_gsea(stats, sets, gs.GseaSettings(permutations=1000, seed=8, min_size=5))
    assert not np.array_equal(first["pvalue"], other.table["pvalue"])


def test_input_order_does_not_change_results(planted: Planted) -> None:
    stats, sets = planted
    shuffled = stats.sample(frac=1.0, random_state=2)
    pd.testing.assert_frame_equal(
        gs.run_gsea(stats, sets, FAST).table, gs.run_gsea(shuffled, sets, FAST).table
    )


def test_running_sum_peaks_at_the_enrichment_score(planted: Planted) -> None:
    stats, sets = planted
    result = gs.run_gsea(stats, sets, FAST)
    curve = gs.running_sum(result.ranking, result.gene_sets["DOWN"])
    es = result.table.set_index("term").loc["DOWN", "es"]
    assert curve["running_score"].min() == pytest.approx(es)
    assert curve["running_score"].iloc[-1] == pytest.approx(0.0, abs=1e-12)
    assert int(curve["is_hit"].sum()) == 25 and list(curve.columns) == list(gs.RUNNING_SUM_COLUMNS)


def test_gseapy_gives_the_same_scores(planted: Planted) -> None:
    """gseapy 1.3.1 ``prerank(rnk, gene_sets=dict, permutation_num=1000, seed=1,
    outdir=None, min_size=5, threads=1)``: same ES and leading edge; NES within 0.1 (both
    are Monte Carlo normalisations)."""
    gseapy = pytest.importorskip("gseapy")
    stats, sets = planted
    theirs = gseapy.prerank(
        rnk=stats, gene_sets=sets, permutation_num=1000, seed=1, outdir=None, min_size=5,
        max_size=500, threads=1, no_plot=True, verbose=False,
    ).res2d.set_index("Term")  # fmt: skip
    ours = gs.run_gsea(stats, sets, FAST).table.set_index("term").loc[theirs.index]
    np.testing.assert_allclose(ours["es"], theirs["ES"].astype(float), rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["nes"], theirs["NES"].astype(float), atol=0.1)
    lead = theirs["Lead_genes"].str.split(";").map(len)
    np.testing.assert_array_equal(ours["leading_edge_size"], lead)


# ---------------------------------------------------------------- ranking and identifiers


def test_ranking_drops_na_collapses_duplicates_and_breaks_ties_by_id() -> None:
    stats = pd.Series([1.0, np.nan, -3.0, 2.0, 2.0, 0.0, 0.0], index=list("AXBCDEF"))
    stats = pd.concat([stats, pd.Series([-1.5, 0.5], index=["A", "B"])])
    ranking, report = gs.prepare_ranking(stats, {"S": ["A", "B"]})
    assert list(ranking.index) == ["C", "D", "E", "F", "A", "B"]
    assert list(ranking) == [2.0, 2.0, 0.0, 0.0, -1.5, -3.0]  # A keeps -1.5, B keeps -3
    assert (report.n_input, report.n_na_dropped, report.n_duplicates_collapsed) == (9, 1, 2)
    assert report.n_ranked == 6 and report.n_ties == 1  # 2.0 twice; zeros are not ties


def test_ensembl_versions_are_stripped_and_mapped_to_symbols() -> None:
    stats = pd.Series([3.0, -2.0, 1.0, 0.5], index=[
        "ENSG00000141510.16", "ENSG00000012048.23", "ENSG00000146648.18", "ENSG00000999999.1",
    ])  # fmt: skip
    gene_map = pd.Series(["TP53", "BRCA1", "EGFR"], index=[
        "ENSG00000141510", "ENSG00000012048", "ENSG00000146648.18",
    ])  # fmt: skip
    ranking, report = gs.prepare_ranking(stats, {"S": ["TP53", "EGFR", "MYC"]}, gene_map)
    assert list(ranking.index) == ["TP53", "EGFR", "BRCA1"]
    assert report.mapped and report.n_unmapped == 1
    assert (report.ranking_ids, report.gene_set_ids) == ("ensembl", "symbol")
    assert report.overlap_fraction == pytest.approx(2 / 3)


def test_a_map_works_in_either_direction() -> None:
    stats = pd.Series([3.0, -2.0], index=["TP53", "BRCA1"])
    gene_map = pd.Series(["TP53", "BRCA1"], index=["ENSG00000141510", "ENSG00000012048"])
    ranking, report = gs.prepare_ranking(stats, {"S": ["ENSG00000141510"]}, gene_map)
    assert list(ranking.index) == ["ENSG00000141510", "ENSG00000012048"] and report.mapped


def test_no_overlap_names_the_counts_and_suggests_a_gene_map() -> None:
    stats = pd.Series([1.0, 2.0], index=["ENSG00000141510", "ENSG00000012048"])
    with pytest.raises(IcarusError, match=r"0 of 3 distinct .*ensembl.*symbol.*--gene-map"):
        gs.prepare_ranking(stats, {"S": ["TP53", "BRCA1", "EGFR"]})


@pytest.mark.parametrize(
    ("values", "message"),
    [([np.nan, np.nan], "no gene with a score"), ([1.0, np.inf], "'B' is infinite")],
)
def test_unusable_rankings_are_refused(values: list[float], message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        gs.prepare_ranking(pd.Series(values, index=["A", "B"]), {"S": ["A"]})


def test_sets_outside_the_size_limits_are_skipped_with_reason() -> None:
    genes = pd.Index([f"G{i}" for i in range(30)])
    sets = {"SMALL": ["G1", "G2", "MISSING"], "OK": [f"G{i}" for i in range(5)],
            "BIG": [f"G{i}" for i in range(12)]}  # fmt: skip
    kept, skipped = gs.select_gene_sets(sets, genes, min_size=3, max_size=10)
    assert list(kept) == ["OK"] and list(kept["OK"]) == [0, 1, 2, 3, 4]
    assert [(s.term, s.size_before, s.size_after) for s in skipped] == [
        ("SMALL", 3, 2), ("BIG", 12, 12),
    ]  # fmt: skip
    assert "--min-size" in skipped[0].reason and "--max-size" in skipped[1].reason
    table = gs.skipped_table(skipped)
    assert list(table.columns) == list(gs.SKIPPED_COLUMNS)


def test_no_testable_set_is_an_error(planted: Planted) -> None:
    stats, sets = planted
    with pytest.raises(IcarusError, match="no gene set has 100 to 500 genes"):
        gs.run_gsea(stats, sets, gs.GseaSettings(permutations=10, min_size=100))


def test_settings_are_checked() -> None:
    with pytest.raises(IcarusError, match="min size <= max size"):
        gs.GseaSettings(min_size=50, max_size=10)
    with pytest.raises(IcarusError, match="permutations"):
        gs.GseaSettings(permutations=0)
