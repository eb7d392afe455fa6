"""``pam50``: intrinsic subtypes with the UNC centroid predictor (library: subtypes/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from icarus_omics import resources
from icarus_omics.commands.params import FigureFormat, FigureKind, OutDir, Quiet, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.files import staged_outputs

Centring = Literal["er-her2-subgroup", "median", "none"]
Name = Annotated[str, typer.Option(metavar="NAME_OR_FILE", help="Installed name or file.")]
_EXPRESSION = "Genes x samples TPM or normalised expression (TSV/CSV, .gz): symbols or Ensembl."
_SHEET = "Sheet: sample, optional subgroup, tumor_size (cm) and group columns."
_REFERENCE = "Centre on these samples only: a comma list, or a sheet filter such as timepoint=BL."


def pam50(
    expression: Annotated[Path, typer.Argument(metavar="EXPRESSION", exists=True,
                                               dir_okay=False, help=_EXPRESSION)],
    outdir: OutDir = Path("."),
    normalisation: Annotated[Centring, typer.Option(metavar="METHOD",
        help="er-her2-subgroup (the study's), median (UNC) or none.")] = "er-her2-subgroup",
    subgroup: Annotated[str, typer.Option(metavar="NAME",
        help="SIGMA.txt subgroup of every sample without one in the sheet.")] = "ERpos_HER2neg",
    samples: Annotated[Path | None, typer.Option(metavar="SHEET", exists=True, dir_okay=False,
                                                 help=_SHEET)] = None,
    group: Annotated[str | None, typer.Option(metavar="COLUMN",
        help="Sheet column splitting the call distribution.")] = None,
    reference_samples: Annotated[str | None,
                                 typer.Option(metavar="SAMPLES", help=_REFERENCE)] = None,
    log2: Annotated[Literal["auto", "yes", "no"], typer.Option(metavar="auto|yes|no",
        help="log2(x + 1); auto: when linear (max > 100, none negative).")] = "auto",
    collapse: Annotated[Literal["highest-mean", "mean"], typer.Option(metavar="RULE",
        help="Duplicate genes: highest-mean row, or mean (UNC).")] = "highest-mean",
    min_genes: Annotated[int, typer.Option(min=1, max=50, metavar="N",
        help="Fewest PAM50 genes for a call.")] = 40,
    no_normal: Annotated[bool, typer.Option("--no-normal", help="Drop Normal-like.")] = False,
    min_margin: Annotated[float, typer.Option(min=0.0, metavar="X",
        help="Margin under which confidence is low.")] = 0.1,
    centroids: Name = "pam50",
    annotation: Name = "pam50-annotation",
    subgroups: Name = "pam50-subgroups",
    ror: Name = "pam50-ror",
    ror_thresholds: Name = "pam50-ror-thresholds",
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Call PAM50 intrinsic subtypes (LumA, LumB, Her2, Basal, Normal) and ROR scores.

    Writes pam50_calls.tsv (sample, subtype, the five correlations, margin, confidence,
    proliferation, ROR scores and groups), pam50_centred.tsv, pam50_summary.json and a
    figure. ROR needs pam50-ror and pam50-ror-thresholds (left empty when not installed).
    """
    from icarus_omics.io.pam50 import read_expression, read_reference
    from icarus_omics.io.pam50_plots import pam50_figure
    from icarus_omics.io.summary import write_summary
    from icarus_omics.io.tables import read_sample_table, write_tsv
    from icarus_omics.subtypes import centre_expression, predict_subtypes
    from icarus_omics.subtypes import samples as chosen
    from icarus_omics.subtypes.preparation import map_gene_ids, prepare_expression

    used = {"centroids": resources.resolve(centroids), "annotation": resources.resolve(annotation)}
    if normalisation == "er-her2-subgroup":
        used["subgroups"] = resources.resolve(subgroups)
    if Path(ror).is_file() or resources.installed_manifest(ror) is not None:
        used["ror"] = resources.resolve(ror)
        used["ror_thresholds"] = resources.resolve(ror_thresholds)
    reference = read_reference(used)
    pam50_rows = lambda ids: map_gene_ids(ids, reference.annotation).notna().tolist()  # noqa: E731
    matrix, report = prepare_expression(
        read_expression(expression, pam50_rows),
        reference,
        log2=log2,
        collapse=collapse,
        min_genes=min_genes,
    )
    names = list(matrix.columns)
    sheet = None
    if samples is not None:
        sheet = chosen.sheet_for(read_sample_table(samples)[0], names, str(samples))
    if group and chosen.sheet_column(sheet, group) is None:
        raise IcarusError(f"--group {group}: no such column in the --samples sheet")
    per_sample = chosen.sheet_column(sheet, "subgroup")
    centres_from = chosen.choose_reference_samples(reference_samples, sheet, names)
    centred = centre_expression(
        matrix,
        normalisation,
        reference_samples=centres_from,
        subgroups=subgroup if per_sample is None else per_sample,
        quantiles=reference.subgroup_quantiles,
    )
    size = chosen.tumour_sizes(sheet)
    calls = predict_subtypes(
        centred,
        reference,
        include_normal=not no_normal,
        min_margin=min_margin,
        tumour_size_cm=size,
    )
    counts = {str(k): int(v) for k, v in calls["subtype"].value_counts().sort_index().items()}
    with staged_outputs(outdir) as stage:
        write_tsv(calls, stage.path("pam50_calls.tsv"))
        write_tsv(centred.reset_index(), stage.path("pam50_centred.tsv"))
        pam50_figure(
            centred,
            calls,
            stage.path(f"pam50.{figure_format.value}"),
            chosen.sheet_column(sheet, group),
            f"PAM50, {normalisation} centring",
            figure_format.value,
        )
        document = {
            "normalisation": normalisation,
            "reference_samples": centres_from,
            "subgroup": subgroup if per_sample is None else "per sample (sheet)",
            "log2_applied": report.log2_applied,
            "log2_reason": report.log2_reason,
            "genes_used": len(report.genes_used),
            "duplicates": list(report.duplicates),
            "genes_missing": list(report.genes_missing),
            "collapse": report.collapse_rule,
            "include_normal": not no_normal,
            "calls": counts,
            "ror": "ror" in used,
            "low_confidence": int((calls["confidence"] == "low").sum()),
        }
        write_summary(document, stage.path("pam50_summary.json"), outdir, resources=used)
    log = f"; {report.log2_reason}" if report.log2_applied else ""
    shown = ", ".join(f"{k} {v}" for k, v in counts.items())
    genes = f"{len(report.genes_used)} of 50 genes"
    say(f"pam50: {len(calls)} samples: {shown} ({normalisation} centring, {genes}{log})", quiet)
