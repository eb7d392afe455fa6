"""``gsea``: preranked GSEA of a DE result on Hallmark, KEGG or any GMT (fgsea's method)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.params import (
    DEFAULT_THREADS,
    FigureFormat,
    FigureKind,
    OutDir,
    Quiet,
    Threads,
    progress,
    say,
)

SIGNIFICANCE = 0.05  # padj threshold of the summary count (the study's)


def gsea(
    de_results: Annotated[Path, typer.Argument(metavar="DE_RESULTS", exists=True, dir_okay=False,
        help="de_results.tsv (gene, stat, log2FoldChange, ...) or a ranked list: gene, score.")],
    outdir: OutDir = Path("."),
    genesets: Annotated[str, typer.Option(metavar="NAME_OR_FILE",
        help="hallmark, kegg (installed resources) or a GMT file.")] = "hallmark",
    rank_by: Annotated[str, typer.Option(metavar="COLUMN",
        help="DE table column to rank by: stat or log2FoldChange.")] = "stat",
    permutations: Annotated[int, typer.Option(min=1, metavar="N",
        help="Random gene sets per set size (fgsea simple).")] = 10_000,
    seed: Annotated[int, typer.Option(metavar="SEED", help="Seed of the permutations.")] = 0,
    min_size: Annotated[int, typer.Option(min=1, metavar="N",
        help="Fewest set genes in the ranking.")] = 15,
    max_size: Annotated[int, typer.Option(min=1, metavar="N",
        help="Most set genes in the ranking.")] = 500,
    gene_map: Annotated[Path | None, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Two-column id map (e.g. Ensembl gene id, symbol) from ranking ids to set "
        "genes.")] = None,
    threads: Threads = DEFAULT_THREADS,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Run preranked gene set enrichment analysis (fgsea permutations) on a DE result.

    Writes gsea_results.tsv (term, set_size, es, nes, pvalue, padj, gene_ratio, leading_edge,
    leading_edge_size, n_more_extreme), gsea_skipped.tsv (term, set_size_before,
    set_size_after, reason), gsea_summary.json (seed, permutations, inputs, counts), the
    enrichment plots of the top 5 terms by padj and a dot plot.
    """
    from icarus_omics import __version__
    from icarus_omics.enrichment.gsea import GseaSettings, run_gsea
    from icarus_omics.io import enrichment_plots as plots
    from icarus_omics.io.files import file_sha256, staged_outputs
    from icarus_omics.io.gmt import read_gmt
    from icarus_omics.io.rankings import read_gene_map, read_ranking
    from icarus_omics.io.summary import write_summary
    from icarus_omics.io.tables import write_tsv
    from icarus_omics.resources import resolve

    settings = GseaSettings(permutations, seed, min_size, max_size)
    source = resolve(genesets)
    stats = read_ranking(de_results, rank_by)
    mapping = read_gene_map(gene_map) if gene_map is not None else None
    with progress("gsea: permutations", unit="permutations") as tick:
        result = run_gsea(stats, read_gmt(source), settings, mapping, threads, tick)
    summary = {
        "icarus_omics_version": __version__,
        "input": str(de_results),
        "rank_by": str(stats.name),
        "gene_sets": {"name": genesets, "path": str(source), "sha256": file_sha256(source)},
        **result.summary(settings, SIGNIFICANCE),
    }
    label = Path(genesets).name  # hallmark, kegg or the GMT file's name
    title = f"{label.removesuffix('.gz').removesuffix('.gmt')}, ranked by {stats.name}"
    with staged_outputs(outdir) as stage:
        write_tsv(result.table, stage.path("gsea_results.tsv"))
        write_tsv(result.skipped, stage.path("gsea_skipped.tsv"))
        write_summary(summary, stage.path("gsea_summary.json"), outdir, seed=seed,
                      resources={label: source})  # fmt: skip
        figure = stage.path(f"enrichment_plots.{figure_format.value}")
        plots.enrichment_plots(result.table, result.ranking, result.gene_sets, figure,
                               title=title, figure_format=figure_format.value)  # fmt: skip
        plots.dot_plot(result.table, stage.path(f"dotplot.{figure_format.value}"), title=title,
                       figure_format=figure_format.value)  # fmt: skip
    say(
        f"gsea: {summary['n_significant']} of {result.report.n_tested} gene sets at padj < "
        f"{SIGNIFICANCE:g} ({genesets}, {result.report.n_ranked} genes ranked by {stats.name}, "
        f"{permutations} permutations, seed {seed}); " + "; ".join(result.report.notes()),
        quiet,
    )
