"""``alterations``: the cohort's oncogenic alterations by response group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.alterations import read_profiled_alterations
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_gene_list, read_sample_table, write_tsv

if TYPE_CHECKING:  # pandas, scipy and matplotlib load only when the command runs
    import pandas as pd

Files = list[Path] | None


def alterations(
    samples: Annotated[
        Path,
        typer.Argument(
            help="Sample table: sample or tumor_sample column and a group column.",
            exists=True,
            dir_okay=False,
        ),
    ],
    outdir: OutDir = Path("."),
    mutations: Annotated[
        Files,
        typer.Option(
            help="Oncogenic mutation tables (SAMPLE.oncogenic.tsv, MAF, oncokb.tsv); repeatable."
        ),
    ] = None,
    cna: Annotated[
        Files,
        typer.Option(
            help="Copy-number tables (SAMPLE.cna_genes.tsv or oncokb.tsv of them); repeatable."
        ),
    ] = None,
    genes: Annotated[
        Path | None,
        typer.Option(
            help="Gene panel, one symbol per line (the study: 73 genes).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    group: Annotated[
        str, typer.Option(help="Column of the sample table with the groups.")
    ] = "response",
    group_a: Annotated[
        str | None, typer.Option(help="First group (default: responders, R).")
    ] = None,
    group_b: Annotated[str | None, typer.Option(help="Second group.")] = None,
    all_events: Annotated[bool, typer.Option(help="Keep events not flagged oncogenic.")] = False,
    allow_missing: Annotated[
        bool,
        typer.Option(
            help="Report samples without a mutation or CNA table as not profiled (NA), "
            "out of the frequencies, instead of stopping."
        ),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Combine per-sample alterations into a matrix, group frequencies and an oncoplot.

    Writes alteration_matrix.tsv (gene x sample, ;-joined types), alteration_frequency.tsv
    (gene, alteration, group counts and frequencies, Fisher p, BH padj) and oncoplot.png.
    """
    import pandas as pd

    from icarus_omics.io.plots import oncoplot
    from icarus_omics.oncogenic import alterations as lib

    if not mutations and not cna:
        raise IcarusError("no alteration tables: give --mutations and/or --cna")
    sheet, id_column = read_sample_table(samples)
    groups = lib.response_groups(sheet, id_column, group, group_a, group_b)
    given = {"mutations": mutations or [], "copy_number": cna or []}
    found = {kind: _tables(paths, all_events, kind) for kind, paths in given.items() if paths}
    none = (pd.DataFrame(), set[str]())
    events = lib.alteration_events(found.get("mutations", none)[0],
                                   found.get("copy_number", none)[0])  # fmt: skip
    unknown = sorted(set(events["sample"]) - set(sheet[id_column].astype(str)))
    if unknown:
        raise IcarusError(f"samples not in {samples}: {', '.join(unknown[:5])}")
    panel = read_gene_list(genes) if genes else sorted(set(events["gene"]))
    order = [s for s in sheet[id_column].astype(str) if s in groups.samples]
    missing = _not_profiled(order, found, samples, allow_missing)
    matrix = lib.alteration_matrix(events, panel, order, not_profiled=missing)
    frequency = lib.frequencies(matrix, groups)
    with staged_outputs(outdir) as stage:
        write_tsv(matrix, stage.path("alteration_matrix.tsv"), index=True)
        write_tsv(frequency, stage.path("alteration_frequency.tsv"))
        oncoplot(matrix, groups, stage.path("oncoplot.png"), f"Oncogenic alterations by {group}")
    altered = int(((matrix != "") & (matrix != lib.NOT_PROFILED)).any(axis=0).sum())
    profiled = len(order) - len(missing)
    note = f" ({len(missing)} not profiled: {', '.join(missing[:5])})" if missing else ""
    say(f"alterations: {altered} of {profiled} samples altered in {len(panel)} genes{note}", quiet)


def _not_profiled(
    order: list[str],
    found: dict[str, tuple[pd.DataFrame, set[str]]],
    sheet: Path,
    allow_missing: bool,
) -> list[str]:
    """Samples of the groups without a table of every kind given: an error, or with
    --allow-missing the samples to report as not profiled (never as wild type)."""
    missing = [s for s in order if any(s not in profiled for _, profiled in found.values())]
    if missing and not allow_missing:
        kinds = " or ".join(
            "--mutations" if kind == "mutations" else "--cna"
            for kind, (_, profiled) in found.items()
            if set(missing) - profiled
        )
        raise IcarusError(
            f"{len(missing)} sample(s) of {sheet} have no {kinds} table: "
            f"{', '.join(missing[:5])}; give their tables, or --allow-missing to report "
            "them as not profiled"
        )
    return missing


def _tables(paths: list[Path], all_events: bool, kind: str) -> tuple[pd.DataFrame, set[str]]:
    """Alteration tables of one kind, concatenated, with a sample column; and the samples
    they profile (named in them, or by the file name of a per-sample table)."""
    import pandas as pd

    parts, profiled = [], set()
    for path in paths:
        found, table, covered = read_profiled_alterations(path, include_non_focal=False)
        if found != kind:
            raise IcarusError(
                f"{path}: a {found.replace('_', '-')} table given as {kind.replace('_', '-')}"
            )
        if "oncogenic" in table.columns and not all_events:
            table = table[table["oncogenic"].str.lower() == "true"]
        if "nonsynonymous" in table.columns:  # the study analysed nonsynonymous calls only
            table = table[table["nonsynonymous"].str.lower() == "true"]
        if "sample" not in table.columns:
            sample = table.get("Tumor_Sample_Barcode")
            table = table.assign(sample=sample if sample is not None else path.name.split(".")[0])
        profiled.update(covered if covered is not None else [path.name.split(".")[0]])
        parts.append(table)
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), profiled
