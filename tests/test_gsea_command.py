"""``icarus-omics gsea``: outputs, determinism and its most likely errors.

tests/data/gsea holds a synthetic DE table (150 genes, one NA stat) and five gene sets:
UP_SET (12 of the 16 genes at the top of the ranking), DOWN_SET (12 of 16 at the bottom),
two random sets and TINY_SET (4 genes, skipped under --min-size 10).

Expected scores come from fgsea's ``calcGseaStat`` written out in exact arithmetic in
tests/test_enrichment.py (not from our code); the figures are checked by the data they draw.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from icarus_omics.io.gmt import read_gmt
from tests.conftest import DATA, CliResult
from tests.test_enrichment import fgsea_calc_gsea_stat, fgsea_order

GSEA = DATA / "gsea"
OUTPUTS = ("gsea_results.tsv", "gsea_skipped.tsv", "gsea_summary.json", "enrichment_plots.png",
           "dotplot.png")  # fmt: skip
Cli = Callable[..., CliResult]
TESTED = ("UP_SET", "DOWN_SET", "NULL_SET_A", "NULL_SET_B")


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Figure]]:
    """Figures the plotting code closes, kept open (in drawing order) so that their data can
    be read; closed at the end of the test."""
    from icarus_omics.io import enrichment_plots  # selects the Agg backend first

    close = enrichment_plots.plt.close
    kept: list[Figure] = []
    monkeypatch.setattr(enrichment_plots.plt, "close", kept.append)
    yield kept
    for figure in kept:
        close(figure)


def de_scores(column: str, path: Path = GSEA / "de_results.tsv") -> dict[str, Fraction]:
    """Gene -> score of one DE column, NA rows dropped, as exact binary fractions."""
    table = pd.read_csv(path, sep="\t").dropna(subset=[column])
    return {gene: Fraction(float(v)) for gene, v in zip(table["gene"], table[column], strict=True)}


def expected_scores(scores: dict[str, Fraction]) -> dict[str, tuple[float, str]]:
    """Per tested set of sets.gmt: fgsea's ES and the leading edge (``/``-joined)."""
    order, sets = fgsea_order(scores), read_gmt(GSEA / "sets.gmt")
    found = {term: fgsea_calc_gsea_stat(scores, order, sets[term]) for term in TESTED}
    return {term: (float(es), "/".join(edge)) for term, (_, _, es, edge) in found.items()}


def reference_running_sum(scores: dict[str, Fraction], genes: Sequence[str]) -> np.ndarray:
    """GSEA's running sum along the ranking: +|score| / NR at a set gene, -1 / (N - m) at any
    other, accumulated exactly."""
    order = fgsea_order(scores)
    hits = [gene in genes for gene in order]
    nr = sum(abs(scores[g]) for g, hit in zip(order, hits, strict=True) if hit)
    miss = Fraction(-1, len(order) - sum(hits))
    steps = [abs(scores[g]) / nr if hit else miss for g, hit in zip(order, hits, strict=True)]
    total, out = Fraction(0), []
    for step in steps:
        total += step
        out.append(float(total))
    return np.array(out)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def assert_results_match(outdir: Path, scores: dict[str, Fraction]) -> pd.DataFrame:
    """gsea_results.tsv has fgsea's ES (to the file's 6 digits) and leading edge per set."""
    results = pd.read_csv(outdir / "gsea_results.tsv", sep="\t").set_index("term")
    assert sorted(results.index) == sorted(TESTED)
    for term, (es, edge) in expected_scores(scores).items():
        assert results.loc[term, "es"] == pytest.approx(es, rel=1e-5), term
        assert results.loc[term, "leading_edge"] == edge, term
        assert results.loc[term, "leading_edge_size"] == len(edge.split("/")), term
    return results


def assert_plots_show(
    figures: list[Figure], results: pd.DataFrame, scores: dict[str, Fraction]
) -> None:
    """The enrichment figure draws, per top term by padj, the running sum of ``scores`` (its
    extreme is the ES, marked by the dashed line) over the set's hit ticks; the dot plot puts
    each term at its NES with area 30 + 300 * gene ratio."""
    sets = read_gmt(GSEA / "sets.gmt")
    curves, dots = figures
    top = results.sort_values(["padj", "pvalue"]).head(5)
    axes = curves.axes
    order = fgsea_order(scores)
    for k, (term, row) in enumerate(top.iterrows()):
        panel, ticks = axes[3 * k], axes[3 * k + 1]
        assert panel.get_title(loc="left") == term
        assert panel.get_title(loc="right").startswith(f"ES {row['es']:.3f}  NES {row['nes']:.3f}")
        x, y = (np.asarray(v, dtype=float) for v in panel.lines[0].get_data())
        expected = reference_running_sum(scores, sets[term])
        np.testing.assert_array_equal(x, np.arange(1, len(order) + 1))
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12, err_msg=term)
        es = fgsea_calc_gsea_stat(scores, order, sets[term])[2]
        peak = int(np.argmax(expected) if es > 0 else np.argmin(expected))
        assert y[peak] == pytest.approx(float(es), abs=1e-12), term
        assert panel.lines[2].get_xdata()[0] == peak + 1, term  # the dashed marker
        ticked = [segment[0][0] for segment in ticks.collections[0].get_segments()]
        assert ticked == [i + 1 for i, gene in enumerate(order) if gene in sets[term]], term
    shown = results.sort_values("nes")
    (ax, *_) = dots.axes
    points = ax.collections[0]
    np.testing.assert_allclose(points.get_offsets()[:, 0], shown["nes"], rtol=1e-5)  # %.6g file
    np.testing.assert_allclose(points.get_sizes(), 30 + 300 * shown["gene_ratio"], rtol=1e-5)
    assert [label.get_text() for label in ax.get_yticklabels()] == list(shown.index)


def run_gsea(cli: Cli, outdir: Path, *extra: object) -> CliResult:
    return cli(
        "gsea", GSEA / "de_results.tsv", "-o", outdir, "--genesets", GSEA / "sets.gmt",
        "--min-size", 10, "--permutations", 1000, "--threads", 1, *extra,
    )  # fmt: skip


def test_gsea_writes_results_plots_and_summary(
    cli: Cli, tmp_path: Path, figures: list[Figure]
) -> None:
    code, out, err = run_gsea(cli, tmp_path / "out", "--seed", 3)
    assert code == 0, err
    assert out == ""
    assert err.startswith("gsea: 2 of 4 gene sets at padj < 0.05") and "seed 3" in err
    results = assert_results_match(tmp_path / "out", de_scores("stat"))
    assert list(results.reset_index().columns) == list(
        ("term", "set_size", "es", "nes", "pvalue", "padj", "gene_ratio", "leading_edge",
         "leading_edge_size", "n_more_extreme")
    )  # fmt: skip
    assert results["set_size"].to_dict() == {
        "UP_SET": 16, "DOWN_SET": 16, "NULL_SET_A": 16, "NULL_SET_B": 18,
    }  # fmt: skip
    assert results.loc["UP_SET", "nes"] > 0 > results.loc["DOWN_SET", "nes"]
    assert (results.loc[["UP_SET", "DOWN_SET"], "padj"] < 0.05).all()
    skipped = pd.read_csv(tmp_path / "out" / "gsea_skipped.tsv", sep="\t")
    assert skipped.to_dict("records") == [{
        "term": "TINY_SET", "set_size_before": 4, "set_size_after": 4,
        "reason": "fewer than 10 genes in the ranking (--min-size)",
    }]  # fmt: skip
    summary = json.loads((tmp_path / "out" / "gsea_summary.json").read_text())
    assert (summary["seed"], summary["permutations"], summary["rank_by"]) == (3, 1000, "stat")
    assert (summary["n_na_dropped"], summary["n_tested"], summary["n_significant"]) == (1, 4, 2)
    assert (summary["n_ranked"], summary["n_ties"]) == (149, 1)  # GENE061 = GENE079
    assert len(summary["gene_sets"]["sha256"]) == 64
    assert_plots_show(figures, results, de_scores("stat"))
    # 7 x 2.8 inches per panel (4 terms) and the dot plot, at 300 dpi
    assert png_size(tmp_path / "out" / "enrichment_plots.png") == (2100, 3360)
    assert png_size(tmp_path / "out" / "dotplot.png") == (2250, 756)


def test_gsea_output_is_the_same_bytes_whatever_the_threads(cli: Cli, tmp_path: Path) -> None:
    assert run_gsea(cli, tmp_path / "a")[0] == 0
    assert run_gsea(cli, tmp_path / "b", "--threads", 2)[0] == 0
    for name in OUTPUTS:
        if name.endswith(".json"):  # the run block records the command line and wall time
            a, b = (json.loads((tmp_path / d / name).read_text()) for d in "ab")
            assert a.pop("run")["seed"] == b.pop("run")["seed"] and a == b
            continue
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_gsea_ranks_by_log2_fold_change(cli: Cli, tmp_path: Path, figures: list[Figure]) -> None:
    """A copy of de_results.tsv with log2FoldChange negated (stat kept): ranked by it, every
    set gets fgsea's ES and leading edge on the log2FoldChange ranking, UP_SET turns negative
    and DOWN_SET positive, and the plots draw that ranking's running sums."""
    de = pd.read_csv(GSEA / "de_results.tsv", sep="\t")
    de["log2FoldChange"] = -de["log2FoldChange"]
    table = tmp_path / "de_results.tsv"
    de.to_csv(table, sep="\t", index=False, na_rep="NA")
    code, _, err = cli(
        "gsea", table, "-o", tmp_path / "out", "--genesets", GSEA / "sets.gmt", "--min-size", 10,
        "--permutations", 1000, "--threads", 1, "--rank-by", "log2FoldChange",
    )  # fmt: skip
    assert code == 0, err
    assert "149 genes ranked by log2FoldChange" in err
    lfc = de_scores("log2FoldChange", table)
    results = assert_results_match(tmp_path / "out", lfc)
    by_stat, by_lfc = expected_scores(de_scores("stat")), expected_scores(lfc)
    assert by_stat["UP_SET"][0] > 0 > results.loc["UP_SET", "es"]
    assert by_stat["DOWN_SET"][0] < 0 < results.loc["DOWN_SET", "es"]
    for term in TESTED:
        assert by_lfc[term][1] != by_stat[term][1], term  # other leading edges
    summary = json.loads((tmp_path / "out" / "gsea_summary.json").read_text())
    assert summary["rank_by"] == "log2FoldChange"
    assert_plots_show(figures, results, lfc)


def test_gene_sets_without_shared_genes_fail_with_advice(cli: Cli, tmp_path: Path) -> None:
    gmt = tmp_path / "ensembl.gmt"
    gmt.write_text("SET\tx\t" + "\t".join(f"ENSG{i:011d}" for i in range(20)) + "\n")
    code, _, err = cli("gsea", GSEA / "de_results.tsv", "-o", tmp_path / "out", "--genesets", gmt)
    assert code == 1
    assert err.startswith("error: 0 of 20 distinct gene-set genes are in the ranking")
    assert "--gene-map" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "gsea_results.tsv").exists()


def test_missing_rank_column_fails(cli: Cli, tmp_path: Path) -> None:
    code, _, err = run_gsea(cli, tmp_path, "--rank-by", "wald")
    assert code == 1
    assert "has no column 'wald' to rank by" in err and len(err.strip().splitlines()) == 1


def test_uninstalled_collection_fails_with_install_hint(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICARUS_RESOURCES", str(tmp_path / "store"))
    code, _, err = cli("gsea", GSEA / "de_results.tsv", "-o", tmp_path, "--genesets", "kegg")
    assert code == 1
    assert "resource 'kegg' is not installed" in err and "resources install kegg" in err


def test_ensembl_ranking_is_mapped_with_gene_map(cli: Cli, tmp_path: Path) -> None:
    de = pd.read_csv(GSEA / "de_results.tsv", sep="\t")
    ids = {gene: f"ENSG{k:011d}.{k % 3 + 1}" for k, gene in enumerate(de["gene"])}
    ranked = tmp_path / "ranked.rnk"
    ranked.write_text(
        "".join(f"{ids[g]}\t{s}\n" for g, s in zip(de["gene"], de["stat"], strict=True))
    )
    mapping = tmp_path / "map.tsv"
    mapping.write_text(
        "gene_id\tsymbol\n" + "".join(f"{i.split('.')[0]}\t{g}\n" for g, i in ids.items())
    )
    code, _, err = cli(
        "gsea", ranked, "-o", tmp_path / "out", "--genesets", GSEA / "sets.gmt", "--gene-map",
        mapping, "--min-size", 10, "--permutations", 1000, "--threads", 1, "--seed", 0,
    )  # fmt: skip
    assert code == 0, err
    assert "ids mapped ensembl -> symbol" in err and "ranked by score" in err
    assert "1 NA score(s) dropped" in err and "unmapped" not in err
    assert_results_match(tmp_path / "out", de_scores("stat"))
    # mapped back to symbols, the ranking is the stat ranking: same seed, same bytes
    assert run_gsea(cli, tmp_path / "direct", "--seed", 0)[0] == 0
    for name in ("gsea_results.tsv", "gsea_skipped.tsv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()


def test_plots_cope_with_no_tested_p_value(tmp_path: Path, figures: list[Figure]) -> None:
    from icarus_omics.io.enrichment_plots import dot_plot, enrichment_plots

    table = pd.DataFrame({"term": ["A"], "set_size": [3], "es": [0.5], "nes": [float("nan")],
                          "pvalue": [float("nan")], "padj": [float("nan")], "gene_ratio": [0.3]})  # fmt: skip
    enrichment_plots(table, pd.Series([2.0, 1.0], index=["X", "Y"]), {}, tmp_path / "e.png")
    dot_plot(table, tmp_path / "d.png")
    for figure in figures:
        texts = [t.get_text() for ax in figure.axes for t in ax.texts]
        assert texts == ["no gene set with a p-value"]
        assert not any(ax.lines or ax.collections for ax in figure.axes)  # nothing plotted
    assert png_size(tmp_path / "e.png") == (2100, 840) and png_size(tmp_path / "d.png") == (
        2250,
        750,
    )
