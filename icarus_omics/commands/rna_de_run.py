"""What ``rna-de`` does once its options are read: read, test, write."""

from __future__ import annotations

from pathlib import Path

from icarus_omics.commands.params import progress, stderr
from icarus_omics.expression.pipeline import de_summary, run_deseq, with_symbols
from icarus_omics.expression.request import DeRequest, prepare, sample_warnings
from icarus_omics.expression.transform import variance_stabilise
from icarus_omics.io import expression_plots as plots
from icarus_omics.io.counts import read_rna_counts, read_symbol_lookup
from icarus_omics.io.figures import FigureFormat
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.summary import write_summary
from icarus_omics.io.tables import read_tsv, write_tsv


def run_rna_de(
    counts_path: Path,
    sheet_path: Path,
    outdir: Path,
    request: DeRequest,
    tx2gene: Path | None,
    gene_map: Path | None,
    threads: int,
    top: int,
    figure_format: FigureFormat = "png",
) -> str:
    """Run one test and write its outputs; return the summary line."""
    sheet = read_tsv(sheet_path, ["sample"], "sample sheet")
    counts, tpm = read_rna_counts(counts_path, list(sheet["sample"].astype(str)), tx2gene)
    data = prepare(counts, sheet, request, str(counts_path))
    with progress("rna-de: fitting", unit="gene blocks") as tick:
        result = run_deseq(data, request, threads, tick=tick)
    for line in [*sample_warnings(data, request), *result.warnings]:
        stderr.print(f"warning: {line}", markup=False)
    table = result.table
    if gene_map is not None:
        table = with_symbols(table, read_symbol_lookup(gene_map))
    vst = variance_stabilise(data.tested_counts(), result.size_factors, threads)
    title, factor = request.title(), request.colour_factor()
    summary = de_summary(data, result, request)
    with staged_outputs(outdir) as stage:
        write_tsv(table, stage.path("de_results.tsv"))
        write_tsv(result.normalised.reset_index(), stage.path("normalised_counts.tsv"))
        write_tsv(vst.rename_axis("gene").reset_index(), stage.path("vst.tsv"))
        if tpm is not None:
            write_tsv(tpm.rename_axis("gene").reset_index(), stage.path("gene_tpm.tsv"))
        figure = {n: stage.path(f"{n}.{figure_format}") for n in ("volcano", "ma_plot", "pca")}
        plots.volcano(table, figure["volcano"], request.alpha, title, top, figure_format)
        plots.ma_plot(table, figure["ma_plot"], request.alpha, title, figure_format)
        groups = data.sheet[factor].astype(str).rename(factor)
        plots.pca(vst, groups, figure["pca"], title, figure_format)
        write_summary(summary, stage.path("de_summary.json"), outdir, seed=result.prior_seed)
    return (
        f"rna-de {title}: {summary['samples']} samples, {summary['genes_tested']} genes tested, "
        f"{summary['up']} up and {summary['down']} down at padj < {request.alpha:g}"
    )
