"""Preranked GSEA: fgsea known answers, gseapy cross-check, planted effects, determinism.

The fgsea reference files (shared/data/06_gene_sets/gseapy_repo/gsea_reference_outputs/
fgsea_cpp_refs, see its SPEC.md) are outputs of fgsea's original C++ (Rcpp + BH, R 4.5):
``calcGseaStatCumulative(stats, selectedStats, 1, scoreType)`` on 3000 ranks of
naive.vs.th1.rnk, ``calcGseaStatBatchCpp`` on 20 mouse Reactome pathways, and
``calcGseaStatCumulativeBatch(..., iterations = 1000, seed = 42, "std")``. Their Mersenne
Twister stream is not reproduced here, so the permutation counts are compared statistically.

Near ties (tests/data/gsea/near_tie_*, see its README.md): a 20-gene ranking with two tied pairs
and sets whose positive and negative running-sum extremes are within 3% of each other, where
a biased sign choice gives a different ES. Their expected ES come from
:func:`fgsea_calc_gsea_stat`, fgsea's R ``calcGseaStat`` written out again here in exact
rational arithmetic (never our code); their NES and p-values from gseapy 1.3.1.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.enrichment import gsea as gs
from icarus_omics.enrichment.null import (
    NullCounts,
    batch_enrichment_scores,
    normalised_scores,
    null_counts,
)
from icarus_omics.errors import IcarusError
from icarus_omics.io.gmt import read_gmt
from tests.conftest import DATA, missing_reference, shared_file


def _require_gseapy() -> Any:
    """gseapy (a test extra) as a reference; skip without it, fail in CI."""
    try:
        import gseapy
    except ImportError:
        missing_reference("gseapy not installed: pip install -e '.[test]'")
    return gseapy


FGSEA = "06_gene_sets/gseapy_repo/gsea_reference_outputs/fgsea_cpp_refs/"
NEAR_TIE = DATA / "gsea"
FAST = gs.GseaSettings(permutations=1000, seed=7, min_size=5)
Planted = tuple[pd.Series, dict[str, list[str]]]


def fgsea_input(name: str) -> pd.DataFrame:
    return pd.read_csv(shared_file(FGSEA + "inputs/" + name), sep="\t")


def fgsea_pathways() -> list[np.ndarray]:
    lines = shared_file(FGSEA + "inputs/pathways.tsv").read_text().splitlines()
    return [np.array(line.split("\t"), dtype=np.int64) - 1 for line in lines]  # 1-based in C++


def fgsea_order(scores: Mapping[str, Fraction]) -> list[str]:
    """Genes by decreasing score, ties by gene id: the order fgsea keeps when it is handed the
    scores in gene-id order (R's ``sort(stats, decreasing = TRUE)`` is stable)."""
    return sorted(scores, key=lambda gene: (-scores[gene], gene))


def fgsea_calc_gsea_stat(
    scores: Mapping[str, Fraction], order: Sequence[str], genes: Collection[str]
) -> tuple[Fraction, Fraction, Fraction, list[str]]:
    """fgsea's R ``calcGseaStat(stats, selectedStats, gseaParam = 1)`` in exact arithmetic.

    Returns maxP (max of ``tops``), minP (min of ``bottoms``), the statistic (maxP if
    maxP > -minP, minP if maxP < -minP, else 0) and the leading edge in ranking order (fgsea
    lists a negative one in reverse). S is 1-based, as in R.
    """
    S = sorted(order.index(gene) + 1 for gene in genes if gene in order)  # R's selectedStats
    n, m = len(order), len(S)
    r_adj = [abs(scores[order[s - 1]]) for s in S]
    nr = sum(r_adj)
    tops = [sum(r_adj[: i + 1]) / nr - Fraction(s - (i + 1), n - m) for i, s in enumerate(S)]
    bottoms = [top - r / nr for top, r in zip(tops, r_adj, strict=True)]
    max_p, min_p = max(tops), min(bottoms)
    if max_p > -min_p:
        stat, edge = max_p, S[: tops.index(max_p) + 1]  # which.max(tops): the first maximum
    elif max_p < -min_p:
        stat, edge = min_p, S[bottoms.index(min_p) :]
    else:
        stat, edge = Fraction(0), []
    return max_p, min_p, stat, [order[s - 1] for s in edge]


def near_tie_scores() -> dict[str, Fraction]:
    """tests/data/gsea/near_tie_ranking.tsv as exact decimals (gene -> score)."""
    lines = (NEAR_TIE / "near_tie_ranking.tsv").read_text().splitlines()[1:]
    return {gene: Fraction(score) for gene, score in (line.split("\t") for line in lines)}


def near_tie_stats() -> pd.Series:
    return pd.read_csv(NEAR_TIE / "near_tie_ranking.tsv", sep="\t", index_col="gene")["score"]


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


# ---------------------------------------------------------------- near ties and tied ranks

# pos/|neg| = maxP / -minP of each near-tie set, as designed (see near_tie_sets.gmt): a rule
# that favours either sign by 3% or more picks the other extreme for one of them.
NEAR_TIE_RATIOS = {"NEAR_TIE_DOWN": (0.97, 0.99), "NEAR_TIE_UP": (1.01, 1.03)}


@pytest.mark.parametrize("term", ["NEAR_TIE_DOWN", "NEAR_TIE_UP", "TIE_ORDER_UP", "TIE_ORDER_DOWN"])
def test_near_tie_scores_equal_fgsea_calc_gsea_stat_exactly(term: str) -> None:
    """ES, both extremes and the leading edge (single-set and batch scoring) equal fgsea's
    ``calcGseaStat`` evaluated exactly (:func:`fgsea_calc_gsea_stat`) to 1e-12."""
    scores, genes = near_tie_scores(), read_gmt(NEAR_TIE / "near_tie_sets.gmt")[term]
    max_p, min_p, stat, edge = fgsea_calc_gsea_stat(scores, fgsea_order(scores), genes)
    low, high = NEAR_TIE_RATIOS.get(term, (-np.inf, np.inf))
    assert low < max_p / -min_p < high  # the data still tests what it was built for
    ranking, _ = gs.prepare_ranking(near_tie_stats(), {term: genes})
    assert list(ranking.index) == fgsea_order(scores)
    weights = np.abs(ranking.to_numpy())
    positions = np.sort(ranking.index.get_indexer(list(genes))).astype(np.int64)
    ours = gs.enrichment_score(weights, positions)
    assert ours.max_top == pytest.approx(float(max_p), abs=1e-12)
    assert ours.min_bottom == pytest.approx(float(min_p), abs=1e-12)
    assert ours.es == pytest.approx(float(stat), abs=1e-12) and np.sign(ours.es) == np.sign(stat)
    assert list(ranking.index[ours.leading_edge]) == edge
    batch = batch_enrichment_scores(weights, positions[None, :])  # the null's own sign choice
    assert batch[0] == pytest.approx(float(stat), abs=1e-12)


def test_near_tie_sign_choice_reaches_the_results_table() -> None:
    """fgsea's rule on NEAR_TIE_DOWN (pos/|neg| = 0.979) is the negative extreme, -0.2928...,
    not the positive one, +0.2865...; NEAR_TIE_UP (1.022) the positive one."""
    scores, sets = near_tie_scores(), read_gmt(NEAR_TIE / "near_tie_sets.gmt")
    table = gs.run_gsea(near_tie_stats(), sets, FAST).table.set_index("term")
    for term in NEAR_TIE_RATIOS:
        *_, stat, edge = fgsea_calc_gsea_stat(scores, fgsea_order(scores), sets[term])
        assert table.loc[term, "es"] == pytest.approx(float(stat), abs=1e-12), term
        assert table.loc[term, "leading_edge"] == "/".join(edge), term
    assert table.loc["NEAR_TIE_DOWN", "es"] == pytest.approx(-0.29280351583959, abs=1e-12)
    assert table.loc["NEAR_TIE_DOWN", "nes"] < 0 < table.loc["NEAR_TIE_UP", "nes"]


def test_tied_scores_are_ranked_by_gene_id_whatever_the_input_order() -> None:
    """The file lists G04 before G03 and G15 before G14 (equal scores); the ranking puts G03
    and G14 first, and the TIE_ORDER sets get fgsea's ES for that order, which differs from
    the ES with each tied pair the other way round."""
    scores, sets = near_tie_scores(), read_gmt(NEAR_TIE / "near_tie_sets.gmt")
    lines = (NEAR_TIE / "near_tie_ranking.tsv").read_text().splitlines()
    assert lines.index("G04\t2.463") < lines.index("G03\t2.463")
    assert lines.index("G15\t-1.337") < lines.index("G14\t-1.337")
    by_id = fgsea_order(scores)
    swapped = list(by_id)
    for first, second in (("G03", "G04"), ("G14", "G15")):
        i, j = swapped.index(first), swapped.index(second)
        swapped[i], swapped[j] = swapped[j], swapped[i]
    for stats in (near_tie_stats(), near_tie_stats().iloc[::-1]):
        result = gs.run_gsea(stats, sets, FAST)
        assert list(result.ranking.index) == by_id
        table = result.table.set_index("term")
        for term in ("TIE_ORDER_UP", "TIE_ORDER_DOWN"):
            expected = float(fgsea_calc_gsea_stat(scores, by_id, sets[term])[2])
            other = float(fgsea_calc_gsea_stat(scores, swapped, sets[term])[2])
            assert abs(expected - other) > 0.05  # the tie order matters for this set
            assert table.loc[term, "es"] == pytest.approx(expected, abs=1e-12), term
    assert result.report.n_ties == 2


def test_exactly_equal_extremes_score_zero_as_fgsea() -> None:
    """Scores 2, 1, -1, -2 and the set {A, D}: maxP = 0.5 and minP = -0.5 exactly, so fgsea's
    ``calcGseaStat`` (and its C++ null) gives 0 with no leading edge. gseapy 1.3.1 does not
    apply here: its prerank reports ES = +0.5 for this set."""
    stats = pd.Series([2.0, 1.0, -1.0, -2.0], index=list("ABCD"))
    scores = {gene: Fraction(value) for gene, value in stats.items()}
    assert fgsea_calc_gsea_stat(scores, fgsea_order(scores), "AD") == (
        Fraction(1, 2), Fraction(-1, 2), 0, [],
    )  # fmt: skip
    weights, positions = np.abs(stats.to_numpy()), np.array([0, 3])
    score = gs.enrichment_score(weights, positions)
    assert (score.es, score.max_top, score.min_bottom) == (0.0, 0.5, -0.5)
    assert score.leading_edge.size == 0
    assert batch_enrichment_scores(weights, positions[None, :])[0] == 0.0
    row = gs.run_gsea(stats, {"S": ["A", "D"]}, gs.GseaSettings(permutations=200, min_size=2))
    assert row.table.loc[0, "es"] == 0.0 and row.table.loc[0, "leading_edge"] == ""
    assert row.table.loc[0, "leading_edge_size"] == 0


def test_near_tie_nes_and_pvalues_agree_with_gseapy() -> None:
    """gseapy 1.3.1 ``prerank(rnk=<our ranking>, gene_sets=near_tie_sets.gmt,
    permutation_num=20000, seed=1, min_size=5, max_size=500, threads=1, outdir=None)``: the
    same ES (to 1e-12; gseapy takes the larger |extreme|, as fgsea off exact ties) and
    leading-edge genes; NES within 0.03 and p-values within 0.02 (both are Monte Carlo with
    20,000 random sets; the two runs differed by at most 0.005 in NES when this was written).
    gseapy keeps our tie order (asserted), so both score the same ranking."""
    gseapy = _require_gseapy()
    sets = read_gmt(NEAR_TIE / "near_tie_sets.gmt")
    settings_ = gs.GseaSettings(permutations=20_000, seed=1, min_size=5)
    result = gs.run_gsea(near_tie_stats(), sets, settings_)
    theirs = gseapy.prerank(
        rnk=result.ranking, gene_sets=dict(sets), permutation_num=20_000, seed=1, outdir=None,
        min_size=5, max_size=500, threads=1, no_plot=True, verbose=False,
    )  # fmt: skip
    assert list(theirs.ranking.index) == list(result.ranking.index)
    theirs_table = theirs.res2d.set_index("Term")
    ours = result.table.set_index("term").loc[theirs_table.index]
    np.testing.assert_allclose(ours["es"], theirs_table["ES"].astype(float), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["nes"], theirs_table["NES"].astype(float), atol=0.03)
    np.testing.assert_allclose(ours["pvalue"], theirs_table["NOM p-val"].astype(float), atol=0.02)
    for term, lead in theirs_table["Lead_genes"].items():
        assert sorted(ours.loc[term, "leading_edge"].split("/")) == sorted(lead.split(";")), term


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
    assert curve["running_score"].min() == pytest.approx(es, abs=1e-12)
    assert curve["running_score"].iloc[-1] == pytest.approx(0.0, abs=1e-12)
    hits = curve.loc[curve["is_hit"], "gene"]
    assert sorted(hits) == sorted(sets["DOWN"]) and curve["gene"].tolist() == list(stats.index)
    assert int(curve["is_hit"].sum()) == 25 and list(curve.columns) == list(gs.RUNNING_SUM_COLUMNS)


def test_gseapy_gives_the_same_scores(planted: Planted) -> None:
    """gseapy 1.3.1 ``prerank(rnk, gene_sets=dict, permutation_num=1000, seed=1,
    outdir=None, min_size=5, threads=1)``: same ES and leading edge; NES within 0.1 (both
    are Monte Carlo normalisations)."""
    gseapy = _require_gseapy()
    stats, sets = planted
    theirs = gseapy.prerank(
        rnk=stats, gene_sets=sets, permutation_num=1000, seed=1, outdir=None, min_size=5,
        max_size=500, threads=1, no_plot=True, verbose=False,
    ).res2d.set_index("Term")  # fmt: skip
    ours = gs.run_gsea(stats, sets, FAST).table.set_index("term").loc[theirs.index]
    np.testing.assert_allclose(ours["es"], theirs["ES"].astype(float), rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["nes"], theirs["NES"].astype(float), atol=0.1)
    lead = theirs["Lead_genes"].str.split(";").map(sorted)
    assert list(ours["leading_edge"].str.split("/").map(sorted)) == list(lead)
    np.testing.assert_array_equal(ours["leading_edge_size"], lead.map(len))


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
