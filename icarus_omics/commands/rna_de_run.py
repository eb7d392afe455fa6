"""What ``rna-de`` does once its options are read: read, test, write."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from icarus_omics.commands.params import stderr
from icarus_omics.errors import IcarusError
from icarus_omics.expression.dispersion import PRIOR_SEED
from icarus_omics.expression.pipeline import (
    FILTER_RULES,
    DeInput,
    DeRequest,
    DeResult,
    prepare,
    run_deseq,
    variance_stabilise,
)
from icarus_omics.io import expression_plots
from icarus_omics.io.counts import (
    find_salmon_files,
    read_count_matrix,
    read_salmon,
    read_two_columns,
    versioned_lookup,
)
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_tsv, write_tsv


def read_counts(
    counts: Path, sheet: pd.DataFrame, tx2gene: Path | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The count matrix, or Salmon estimates summed to genes (with their TPM)."""
    if counts.is_dir():
        if tx2gene is None:
            raise IcarusError(f"{counts}: a Salmon folder needs --tx2gene (transcript -> gene)")
        if "sample" not in sheet.columns:
            raise IcarusError("the sample sheet needs a 'sample' column")
        files = find_salmon_files(counts, list(sheet["sample"].astype(str)))
        genes = read_salmon(files, read_two_columns(tx2gene, "transcript-to-gene table"))
        return genes.counts, genes.tpm
    return read_count_matrix(counts), None


def run_rna_de(
    counts_path: Path,
    sheet_path: Path,
    outdir: Path,
    request: DeRequest,
    tx2gene: Path | None,
    gene_map: Path | None,
    threads: int,
    top: int,
) -> str:
    """Run one test and write its outputs; return the summary line."""
    sheet = read_tsv(sheet_path, ["sample"], "sample sheet")
    counts, tpm = read_counts(counts_path, sheet, tx2gene)
    data = prepare(counts, sheet, request, str(counts_path))
    _warn(data, request)
    result = run_deseq(data, request, threads)
    for line in result.warnings:
        stderr.print(f"warning: {line}", markup=False)
    table = result.table
    if gene_map is not None:
        symbol_of = versioned_lookup(read_two_columns(gene_map, "gene map"))
        table.insert(1, "symbol", table["gene"].map(lambda g: symbol_of(g) or ""))
    vst = variance_stabilise(data.counts.loc[data.kept.to_numpy()], result.size_factors, threads)
    title = _title(request)
    with staged_outputs(outdir) as stage:
        write_tsv(table, stage.path("de_results.tsv"))
        write_tsv(result.normalised.reset_index(), stage.path("normalised_counts.tsv"))
        write_tsv(vst.rename_axis("gene").reset_index(), stage.path("vst.tsv"))
        if tpm is not None:
            write_tsv(tpm.rename_axis("gene").reset_index(), stage.path("gene_tpm.tsv"))
        expression_plots.volcano(table, stage.path("volcano.png"), request.alpha, title, top)
        expression_plots.ma_plot(table, stage.path("ma_plot.png"), request.alpha, title)
        factor = request.interaction.factor if request.interaction else request.contrast.factor
        expression_plots.pca(
            vst, data.sheet[factor].astype(str).rename(factor), stage.path("pca.png"), title
        )
        summary = _summary(data, result, request)
        stage.path("de_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return (
        f"rna-de {title}: {summary['samples']} samples, {summary['genes_tested']} genes tested, "
        f"{summary['up']} up and {summary['down']} down at padj < {request.alpha:g}"
    )


def _title(request: DeRequest) -> str:
    c = request.contrast
    text = f"{c.factor} {c.test} vs {c.reference}"
    if request.interaction:
        g = request.interaction
        text = f"({text}) in {g.factor} {g.test} minus {g.reference}"
    if request.subsets:
        text += " | " + ", ".join(f"{k}={v}" for k, v in request.subsets)
    return text


def _warn(data: DeInput, request: DeRequest) -> None:
    report = data.report
    if report.unlisted:
        stderr.print(f"warning: {len(report.unlisted)} matrix sample(s) not in the sheet are "
                     f"left out: {', '.join(report.unlisted[:5])}", markup=False)  # fmt: skip
    if report.unpaired_patients:
        stderr.print(f"warning: patient(s) without both {request.contrast.test} and "
                     f"{request.contrast.reference} dropped: "
                     f"{', '.join(report.unpaired_patients)}", markup=False)  # fmt: skip
    if data.rounded:
        stderr.print(
            f"warning: {data.rounded} non-integer count(s) rounded "
            "(estimated counts, as DESeqDataSetFromTximport does)",
            markup=False,
        )


def _summary(data: DeInput, result: DeResult, request: DeRequest) -> dict[str, object]:
    table = result.table
    significant = table["padj"] < request.alpha
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pydeseq2
    return {
        "contrast": str(request.contrast),
        "interaction": str(request.interaction) if request.interaction else None,
        "design": request.design if isinstance(data.design, str) else list(data.design.columns),
        "subsets": [f"{k}={v}" for k, v in request.subsets],
        "alpha": request.alpha,
        "lfc_shrinkage": "apeGLM-style (pydeseq2 prior)" if request.shrink else "none",
        "gene_filter": FILTER_RULES[request.filter_rule].replace("MIN", f"{request.min_count:g}"),
        "samples": len(data.sheet),
        "patients_dropped_unpaired": list(data.report.unpaired_patients),
        "matrix_samples_not_in_sheet": list(data.report.unlisted),
        "samples_outside_subsets": data.report.outside_subset,
        "counts_rounded": data.rounded,
        "genes_in": len(data.counts),
        "genes_tested": int(data.kept.sum()),
        "up": int((significant & (table["log2FoldChange"] > 0)).sum()),
        "down": int((significant & (table["log2FoldChange"] < 0)).sum()),
        "size_factors": {k: round(float(v), 6) for k, v in result.size_factors.items()},
        "dispersion_trend": {"a0": result.trend[0], "a1": result.trend[1]},
        "dispersion_prior_variance": result.prior_variance,
        "engine": f"pydeseq2 {pydeseq2.__version__} with icarus-omics vectorised DESeq2 fits",
        "random_steps": "none, except that with <= 3 residual degrees of freedom the "
        f"dispersion prior variance is simulated as DESeq2 does (fixed seed {PRIOR_SEED})",
    }
