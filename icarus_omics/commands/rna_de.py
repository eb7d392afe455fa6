"""``rna-de``: paired (or unpaired, or interaction) differential expression, DESeq2's model."""

from __future__ import annotations

from enum import Enum
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
    say,
)


class FilterRule(str, Enum):
    """How the study's 'fewer than MIN counts in any compared level' is read."""

    LEVEL_MEAN = "level-mean"
    LEVEL_SUM = "level-sum"
    EVERY_SAMPLE = "every-sample"


def rna_de(
    counts: Annotated[Path, typer.Argument(metavar="COUNTS", exists=True,
        help="Gene x sample count TSV/CSV, or a folder of Salmon quant.sf (with --tx2gene).")],
    samples: Annotated[Path, typer.Argument(metavar="SAMPLES", exists=True, dir_okay=False,
        help="Sample sheet TSV: sample, patient and factor columns.")],
    outdir: OutDir = Path("."),
    design: Annotated[str, typer.Option(metavar="FORMULA",
        help="Model formula over sheet columns.")] = "~ patient + timepoint",
    contrast: Annotated[str, typer.Option(metavar="FACTOR:TEST:REFERENCE",
        help="The factor and the two levels compared.")] = "timepoint:onT:BL",
    subset: Annotated[list[str] | None, typer.Option(metavar="COLUMN=VALUE",
        help="Keep only these samples; repeatable (all must hold).")] = None,
    interaction: Annotated[str | None, typer.Option(metavar="GROUP:TEST:REFERENCE",
        help="Test whether the --contrast effect differs between the groups "
        "(patients nested in groups; --design is ignored).")] = None,
    patient: Annotated[str, typer.Option(metavar="COLUMN",
        help="Sheet column pairing samples.")] = "patient",
    min_count: Annotated[float, typer.Option(min=0, metavar="COUNT",
        help="Gene filter threshold (raw counts).")] = 5,
    filter_rule: Annotated[FilterRule, typer.Option(metavar="RULE",
        help="How the threshold applies: level-mean, level-sum or every-sample.",
    )] = FilterRule.LEVEL_MEAN,
    alpha: Annotated[float, typer.Option(min=1e-6, max=0.5, metavar="FDR",
        help="FDR target (padj threshold).")] = 0.05,
    strict_pairs: Annotated[bool, typer.Option(
        help="Stop, instead of dropping, on patients without a pair.")] = False,
    shrink: Annotated[bool, typer.Option(
        help="Shrink log2 fold changes (apeGLM-style prior); p unchanged.")] = False,
    tx2gene: Annotated[Path | None, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Transcript-to-gene TSV for Salmon.")] = None,
    gene_map: Annotated[Path | None, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Gene id-to-symbol TSV.")] = None,
    threads: Threads = DEFAULT_THREADS,
    top: Annotated[int, typer.Option(min=0, metavar="N",
        help="Genes named on the volcano.")] = 10,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Test a contrast with DESeq2's model (pydeseq2, vectorised fits).

    Writes de_results.tsv (gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj, and
    symbol with --gene-map), normalised_counts.tsv, vst.tsv, de_summary.json (samples and
    patients dropped, genes filtered, size factors, dispersion trend), and a volcano plot,
    MA plot and PCA. Paired when the design contains the patient column: patients
    without one sample at each compared level are dropped and listed (or, with
    --strict-pairs, an error). Genes are kept when the filter rule holds in every compared
    level (for an interaction: every group x level cell).
    """
    from icarus_omics.commands.rna_de_run import run_rna_de
    from icarus_omics.expression.design import Contrast, parse_subsets
    from icarus_omics.expression.request import DeRequest

    request = DeRequest(
        contrast=Contrast.parse(contrast),
        design=design,
        subsets=parse_subsets(subset or []),
        interaction=Contrast.parse(interaction, "--interaction") if interaction else None,
        patient=patient,
        min_count=min_count,
        filter_rule=filter_rule.value,
        alpha=alpha,
        strict_pairs=strict_pairs,
        shrink=shrink,
    )
    summary = run_rna_de(counts, samples, outdir, request, tx2gene, gene_map, threads, top,
                         figure_format.value)  # fmt: skip
    say(summary, quiet)
