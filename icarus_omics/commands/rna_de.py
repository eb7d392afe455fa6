"""``rna-de``: paired (or unpaired, or interaction) differential expression, DESeq2's model."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.params import OutDir, Quiet, say


class FilterRule(str, Enum):
    """How the study's 'fewer than MIN counts in any compared level' is read."""

    LEVEL_MEAN = "level-mean"
    LEVEL_SUM = "level-sum"
    EVERY_SAMPLE = "every-sample"


Counts = Annotated[
    Path,
    typer.Argument(
        help="Gene x sample count TSV/CSV, or a folder of Salmon quant.sf (with --tx2gene).",
        exists=True,
    ),
]
Sheet = Annotated[
    Path,
    typer.Argument(
        help="Sample sheet TSV: sample, patient and factor columns.", exists=True, dir_okay=False
    ),
]


def rna_de(
    counts: Counts,
    samples: Sheet,
    outdir: OutDir = Path("."),
    design: Annotated[str, typer.Option(help="Model formula over sheet columns.")] = (
        "~ patient + timepoint"
    ),
    contrast: Annotated[str, typer.Option(help="FACTOR:TEST:REFERENCE.")] = "timepoint:onT:BL",
    subset: Annotated[
        list[str] | None, typer.Option(help="COLUMN=VALUE; repeatable (all must hold).")
    ] = None,
    interaction: Annotated[
        str | None,
        typer.Option(
            help="GROUP:TEST:REFERENCE - test whether the --contrast effect differs "
            "between the groups (patients nested in groups; --design is ignored)."
        ),
    ] = None,
    patient: Annotated[str, typer.Option(help="Sheet column pairing samples.")] = "patient",
    min_count: Annotated[float, typer.Option(min=0, help="Gene filter threshold.")] = 5,
    filter_rule: Annotated[FilterRule, typer.Option(help="How the threshold applies.")] = (
        FilterRule.LEVEL_MEAN
    ),
    alpha: Annotated[float, typer.Option(min=1e-6, max=0.5, help="FDR target.")] = 0.05,
    strict_pairs: Annotated[
        bool, typer.Option(help="Stop, instead of dropping, on patients without a pair.")
    ] = False,
    shrink: Annotated[
        bool, typer.Option(help="Shrink log2 fold changes (apeGLM-style prior); p unchanged.")
    ] = False,
    tx2gene: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Transcript-to-gene TSV for Salmon."),
    ] = None,
    gene_map: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Gene id-to-symbol TSV.")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    top: Annotated[int, typer.Option(min=0, help="Genes named on the volcano.")] = 10,
    quiet: Quiet = False,
) -> None:
    """Test a contrast with DESeq2's model (pydeseq2, vectorised fits).

    Writes de_results.tsv (gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj, and
    symbol with --gene-map), normalised_counts.tsv, vst.tsv, de_summary.json (samples and
    patients dropped, genes filtered, size factors, dispersion trend), volcano.png,
    ma_plot.png and pca.png. Paired when the design contains the patient column: patients
    without one sample at each compared level are dropped and listed (or, with
    --strict-pairs, an error). Genes are kept when the filter rule holds in every compared
    level (for an interaction: every group x level cell).
    """
    from icarus_omics.commands.rna_de_run import run_rna_de
    from icarus_omics.expression.design import Contrast, parse_subsets
    from icarus_omics.expression.pipeline import DeRequest

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
    summary = run_rna_de(counts, samples, outdir, request, tx2gene, gene_map, threads, top)
    say(summary, quiet)
