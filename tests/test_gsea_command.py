"""``icarus-omics gsea``: outputs, determinism and its most likely errors.

tests/data/gsea holds a synthetic DE table (150 genes, one NA stat) and five gene sets:
UP_SET (12 of the 16 genes at the top of the ranking), DOWN_SET (12 of 16 at the bottom),
two random sets and TINY_SET (4 genes, skipped under --min-size 10).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import DATA, CliResult

GSEA = DATA / "gsea"
OUTPUTS = ("gsea_results.tsv", "gsea_skipped.tsv", "gsea_summary.json", "enrichment_plots.png",
           "dotplot.png")  # fmt: skip
Cli = Callable[..., CliResult]


def run_gsea(cli: Cli, outdir: Path, *extra: object) -> CliResult:
    return cli(
        "gsea", GSEA / "de_results.tsv", "-o", outdir, "--genesets", GSEA / "sets.gmt",
        "--min-size", 10, "--permutations", 1000, "--threads", 1, *extra,
    )  # fmt: skip


def test_gsea_writes_results_plots_and_summary(cli: Cli, tmp_path: Path) -> None:
    code, out, err = run_gsea(cli, tmp_path / "out", "--seed", 3)
    assert code == 0, err
    assert out == ""
    assert err.startswith("gsea: 2 of 4 gene sets at padj < 0.05") and "seed 3" in err
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    results = pd.read_csv(tmp_path / "out" / "gsea_results.tsv", sep="\t")
    assert list(results.columns[:8]) == [
        "term", "set_size", "es", "nes", "pvalue", "padj", "gene_ratio", "leading_edge",
    ]  # fmt: skip
    signs = results.set_index("term")["nes"]
    assert signs["UP_SET"] > 0 > signs["DOWN_SET"]
    skipped = pd.read_csv(tmp_path / "out" / "gsea_skipped.tsv", sep="\t")
    assert skipped.to_dict("records")[0]["term"] == "TINY_SET"
    summary = json.loads((tmp_path / "out" / "gsea_summary.json").read_text())
    assert (summary["seed"], summary["permutations"], summary["rank_by"]) == (3, 1000, "stat")
    assert (summary["n_na_dropped"], summary["n_tested"], summary["n_significant"]) == (1, 4, 2)
    assert len(summary["gene_sets"]["sha256"]) == 64


def test_gsea_output_is_the_same_bytes_whatever_the_threads(cli: Cli, tmp_path: Path) -> None:
    assert run_gsea(cli, tmp_path / "a")[0] == 0
    assert run_gsea(cli, tmp_path / "b", "--threads", 2)[0] == 0
    for name in ("gsea_results.tsv", "gsea_skipped.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_gsea_ranks_by_log2_fold_change(cli: Cli, tmp_path: Path) -> None:
    code, _, err = run_gsea(cli, tmp_path, "--rank-by", "log2FoldChange")
    assert code == 0, err
    assert "ranked by log2FoldChange" in err


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
        mapping, "--min-size", 10, "--permutations", 500, "--threads", 1,
    )  # fmt: skip
    assert code == 0, err
    assert "ids mapped ensembl -> symbol" in err and "ranked by score" in err
    results = pd.read_csv(tmp_path / "out" / "gsea_results.tsv", sep="\t")
    assert set(results["term"]) == {"UP_SET", "DOWN_SET", "NULL_SET_A", "NULL_SET_B"}


def test_plots_cope_with_no_tested_p_value(tmp_path: Path) -> None:
    from icarus_omics.io.enrichment_plots import dot_plot, enrichment_plots

    table = pd.DataFrame({"term": ["A"], "set_size": [3], "es": [0.5], "nes": [float("nan")],
                          "pvalue": [float("nan")], "padj": [float("nan")], "gene_ratio": [0.3]})  # fmt: skip
    enrichment_plots(table, pd.Series([2.0, 1.0], index=["X", "Y"]), {}, tmp_path / "e.png")
    dot_plot(table, tmp_path / "d.png")
    assert (tmp_path / "e.png").stat().st_size > 0 and (tmp_path / "d.png").stat().st_size > 0
