"""``target-expression``: expression of the drug's target genes per sample, placed in the
cohort, with the change on treatment (library: evaluation/targets.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.params import FigureFormat, FigureKind, OutDir, Quiet, say, warn
from icarus_omics.errors import IcarusError

_EXPRESSION = "Genes x samples TPM or normalised expression (TSV/CSV, .gz), first column symbols."
_SHEET = "Sheet with sample, patient and timepoint columns: pairs baseline and on-treatment."
_DEFAULT_GENES = "ERBB3,ERBB2,TOP1,TACSTD2"  # evaluation.targets.DEFAULT_GENES (no pandas here)


def target_expression(
    expression: Annotated[Path, typer.Argument(metavar="EXPRESSION", exists=True,
                                               dir_okay=False, help=_EXPRESSION)],
    outdir: OutDir = Path("."),
    genes: Annotated[str, typer.Option(metavar="GENES",
        help="Comma-separated symbols; default HER3, HER2, topoisomerase-1, TROP2.")
    ] = _DEFAULT_GENES,
    samples: Annotated[Path | None, typer.Option(metavar="SHEET", exists=True, dir_okay=False,
                                                 help=_SHEET)] = None,
    baseline: Annotated[str, typer.Option(metavar="LEVEL",
        help="Sheet timepoint of the pre-treatment samples.")] = "BL",
    on_treatment: Annotated[str, typer.Option(metavar="LEVEL",
        help="Sheet timepoint of the on-treatment samples.")] = "onT",
    pseudocount: Annotated[float, typer.Option(metavar="X",
        help="Added to TPM before log2; above 0.")] = 1.0,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Tabulate target-gene expression per sample: log2, cohort z-score, percentile, change.

    Writes target_expression.tsv (sample, gene, tpm, log2, z, percentile; with --samples
    also patient, timepoint and change = log2 on treatment - log2 at baseline),
    target_scores.tsv (one row per sample, a GENE_log2 column per gene, for evaluate) and
    target_expression.png. z (ddof 1) and percentile are relative to the baseline samples
    when the sheet has any, else to all samples.
    """
    from icarus_omics.evaluation.targets import Timepoints
    from icarus_omics.evaluation.targets import target_expression as tabulate
    from icarus_omics.io.files import staged_outputs
    from icarus_omics.io.tables import write_tsv
    from icarus_omics.io.targets import read_target_expression, read_timepoint_sheet, target_figure

    wanted = list(dict.fromkeys(g.strip() for g in genes.split(",") if g.strip()))
    if not wanted:
        raise IcarusError(f"--genes {genes!r}: no gene symbol given")
    timepoints = Timepoints(baseline, on_treatment)
    sheet = None if samples is None else read_timepoint_sheet(samples)
    result = tabulate(
        read_target_expression(expression, wanted),
        wanted,
        pseudocount,
        sheet,
        timepoints,
        source=str(expression),
        sheet_source=str(samples),
    )
    if result.missing:
        warn(f"{expression}: gene(s) not in the expression table: {', '.join(result.missing)}")
    if result.unlisted:
        shown = ", ".join(result.unlisted[:5]) + (", ..." if len(result.unlisted) > 5 else "")
        warn(f"{samples}: no row for {len(result.unlisted)} sample(s) ({shown}): no patient")
    with staged_outputs(outdir) as stage:
        write_tsv(result.table, stage.path("target_expression.tsv"))
        write_tsv(result.scores, stage.path("target_scores.tsv"))
        figure = stage.path(f"target_expression.{figure_format.value}")
        target_figure(result.table, result.pairs, figure, figure_format.value)
    on_baseline = sheet is not None and bool((result.table["timepoint"] == baseline).any())
    cohort = f"{len(result.reference)} {baseline} samples" if on_baseline else "all samples"
    paired = f", {len(result.pairs)} baseline/on-treatment pair(s)" if sheet is not None else ""
    say(f"target-expression: {len(result.genes)} genes x {len(result.scores)} samples; z and "
        f"percentile vs {cohort}{paired}", quiet)  # fmt: skip
