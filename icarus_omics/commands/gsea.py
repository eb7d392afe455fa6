"""``gsea``: preranked GSEA of a DE result on Hallmark, KEGG or any GMT (fgsea's method)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from icarus_omics.commands.params import OutDir, Quiet, say

if TYPE_CHECKING:  # pandas, numpy and matplotlib load only when the command runs
    from icarus_omics.enrichment.gsea import GseaResult, GseaSettings

SIGNIFICANCE = 0.05  # padj threshold of the summary count (the study's)

DeResults = Annotated[
    Path,
    typer.Argument(
        help="de_results.tsv (gene, stat, log2FoldChange, ...) or a ranked list: gene, score.",
        exists=True,
        dir_okay=False,
    ),
]
GeneMap = Annotated[
    Path | None,
    typer.Option(
        help="Two-column id map (e.g. Ensembl gene id, symbol) from ranking ids to set genes.",
        exists=True,
        dir_okay=False,
    ),
]


def gsea(
    de_results: DeResults,
    outdir: OutDir = Path("."),
    genesets: Annotated[
        str, typer.Option(help="hallmark, kegg (installed resources) or a GMT file.")
    ] = "hallmark",
    rank_by: Annotated[
        str, typer.Option(help="DE table column to rank by: stat or log2FoldChange.")
    ] = "stat",
    permutations: Annotated[
        int, typer.Option(min=1, help="Random gene sets per set size (fgsea simple).")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the permutations.")] = 0,
    min_size: Annotated[int, typer.Option(min=1, help="Fewest set genes in the ranking.")] = 15,
    max_size: Annotated[int, typer.Option(min=1, help="Most set genes in the ranking.")] = 500,
    gene_map: GeneMap = None,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    quiet: Quiet = False,
) -> None:
    """Run preranked gene set enrichment analysis (fgsea permutations) on a DE result.

    Writes gsea_results.tsv (term, set_size, es, nes, pvalue, padj, gene_ratio, leading_edge,
    leading_edge_size, n_more_extreme), gsea_skipped.tsv (term, set_size_before,
    set_size_after, reason), gsea_summary.json (seed, permutations, inputs, counts),
    enrichment_plots.png (top 5 terms by padj) and dotplot.png.
    """
    from icarus_omics.enrichment.gsea import GseaSettings, run_gsea
    from icarus_omics.io import enrichment_plots as plots
    from icarus_omics.io.files import staged_outputs
    from icarus_omics.io.gmt import read_gmt
    from icarus_omics.io.rankings import read_gene_map, read_ranking, write_gsea_summary
    from icarus_omics.io.tables import write_tsv
    from icarus_omics.resources import resolve

    settings = GseaSettings(permutations, seed, min_size, max_size)
    source = resolve(genesets)
    stats = read_ranking(de_results, rank_by)
    mapping = read_gene_map(gene_map) if gene_map is not None else None
    result = run_gsea(stats, read_gmt(source), settings, mapping, threads)
    summary = _summary(result, settings, de_results, str(stats.name), genesets, source)
    with staged_outputs(outdir) as stage:
        write_tsv(result.table, stage.path("gsea_results.tsv"))
        write_tsv(result.skipped, stage.path("gsea_skipped.tsv"))
        write_gsea_summary(summary, stage.path("gsea_summary.json"))
        figure = stage.path("enrichment_plots.png")
        plots.enrichment_plots(result.table, result.ranking, result.gene_sets, figure)
        plots.dot_plot(result.table, stage.path("dotplot.png"))
    say(
        f"gsea: {summary['n_significant']} of {result.report.n_tested} gene sets at padj < "
        f"{SIGNIFICANCE:g} ({genesets}, {result.report.n_ranked} genes ranked by {stats.name}, "
        f"{permutations} permutations, seed {seed}); " + "; ".join(result.report.notes()),
        quiet,
    )


def _summary(
    result: GseaResult,
    settings: GseaSettings,
    de_results: Path,
    rank_by: str,
    genesets: str,
    source: Path,
) -> dict[str, object]:
    """What gsea_summary.json records: inputs, parameters and the report's counts."""
    from icarus_omics.io.files import file_sha256

    counts = {k: v for k, v in asdict(result.report).items() if k != "skipped"}
    return {
        "input": str(de_results),
        "rank_by": rank_by,
        "gene_sets": {"name": genesets, "path": str(source), "sha256": file_sha256(source)},
        "method": "fgsea simple (permutation null, BH-adjusted)",
        **asdict(settings),
        **counts,
        "n_skipped": len(result.report.skipped),
        "significance_padj": SIGNIFICANCE,
        "n_significant": int((result.table["padj"] < SIGNIFICANCE).sum()),
    }
