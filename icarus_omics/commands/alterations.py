"""``alterations``: the cohort's oncogenic alterations by response group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.params import FigureFormat, FigureKind, OutDir, Quiet, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_gene_list, read_sample_table, write_tsv

Files = list[Path] | None
KIND_OPTIONS = {"mutations": "--mutations", "copy_number": "--cna"}


def alterations(
    samples: Annotated[Path, typer.Argument(
        metavar="SAMPLES", exists=True, dir_okay=False,
        help="Sample table: sample or tumor_sample column and a group column.")],
    outdir: OutDir = Path("."),
    mutations: Annotated[Files, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Oncogenic mutation tables (SAMPLE.oncogenic.tsv, MAF, oncokb.tsv).")] = None,
    cna: Annotated[Files, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Copy-number tables (SAMPLE.cna_genes.tsv or their oncokb.tsv).")] = None,
    genes: Annotated[Path | None, typer.Option(
        metavar="FILE", exists=True, dir_okay=False,
        help="Gene panel, one symbol per line (the study: 73 genes).")] = None,
    group: Annotated[str, typer.Option(help="Column of the sheet with the groups.")] = "response",
    group_a: Annotated[str | None, typer.Option(help="First group (default: R).")] = None,
    group_b: Annotated[str | None, typer.Option(help="Second group.")] = None,
    all_events: Annotated[bool, typer.Option(help="Keep events not flagged oncogenic.")] = False,
    allow_missing: Annotated[bool, typer.Option(
        help="Report samples without a mutation or CNA table as not profiled (NA), "
        "out of the frequencies, instead of stopping.")] = False,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Combine per-sample alterations into a matrix, group frequencies and an oncoplot.

    Writes alteration_matrix.tsv (gene x sample, ;-joined types), alteration_frequency.tsv
    (gene, alteration, group counts and frequencies, Fisher p, BH padj), the oncoplot and
    alterations_summary.json.
    """
    import pandas as pd

    from icarus_omics.io.alteration_plots import oncoplot
    from icarus_omics.io.alterations import read_alteration_tables
    from icarus_omics.io.summary import write_summary
    from icarus_omics.oncogenic import alterations as lib

    given = {k: paths for k, paths in (("mutations", mutations), ("copy_number", cna)) if paths}
    if not given:
        raise IcarusError("no alteration tables: give --mutations and/or --cna")
    sheet, id_column = read_sample_table(samples)
    groups = lib.response_groups(sheet, id_column, group, group_a, group_b)
    found = {kind: read_alteration_tables(paths, kind) for kind, paths in given.items()}  # type: ignore[arg-type]
    tables = {kind: lib.select_events(table, all_events) for kind, (table, _) in found.items()}
    empty = pd.DataFrame()
    events = lib.alteration_events(tables.get("mutations", empty), tables.get("copy_number", empty))
    unknown = sorted(set(events["sample"]) - set(sheet[id_column].astype(str)))
    if unknown:
        raise IcarusError(f"samples not in {samples}: {', '.join(unknown[:5])}")
    panel = read_gene_list(genes) if genes else sorted(set(events["gene"]))
    order = [s for s in sheet[id_column].astype(str) if s in groups.samples]
    gaps = lib.unprofiled_samples(order, {kind: covered for kind, (_, covered) in found.items()})
    missing = [s for s in order if any(s in m for m in gaps.values())]
    if missing and not allow_missing:
        raise IcarusError(
            f"{len(missing)} sample(s) of {samples} have no "
            f"{' or '.join(KIND_OPTIONS[k] for k in gaps)} table: {', '.join(missing[:5])}; "
            "give their tables, or --allow-missing to report them as not profiled"
        )
    matrix = lib.alteration_matrix(events, panel, order, not_profiled=missing)
    frequency = lib.frequencies(matrix, groups)
    altered = int(((matrix != "") & (matrix != lib.NOT_PROFILED)).any(axis=0).sum())
    with staged_outputs(outdir) as stage:
        write_tsv(matrix, stage.path("alteration_matrix.tsv"), index=True)
        write_tsv(frequency, stage.path("alteration_frequency.tsv"))
        oncoplot(
            matrix,
            groups,
            stage.path(f"oncoplot.{figure_format.value}"),
            f"Oncogenic alterations by {group}",
            figure_format.value,
        )
        document = {
            "samples": len(order),
            "not_profiled": missing,
            "genes": len(panel),
            "altered_samples": altered,
            "group": group,
            "groups": [groups.a, groups.b],
            "all_events": all_events,
        }
        write_summary(
            document,
            stage.path("alterations_summary.json"),
            outdir,
            resources={"panel": genes} if genes else None,
        )
    note = f" ({len(missing)} not profiled: {', '.join(missing[:5])})" if missing else ""
    say(f"alterations: {altered} of {len(order) - len(missing)} samples altered in "
        f"{len(panel)} genes{note}", quiet)  # fmt: skip
