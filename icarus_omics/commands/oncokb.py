"""``oncokb``: OncoKB/CIViC verdicts for a mutation or copy-number table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.knowledge import knowledge_files, load_knowledge
from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.alterations import read_alterations
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.summary import write_summary
from icarus_omics.io.tables import write_tsv
from icarus_omics.oncogenic.events import copy_number_events, mutation_events

OncokbOption = Annotated[
    str | None,
    typer.Option(
        "--oncokb",
        help="OncoKB allAnnotatedVariants.txt, resource name oncokb-variants, or api "
        "(OncoKB web API, token in ONCOKB_API_TOKEN).",
    ),
]
OncokbGenesOption = Annotated[
    str | None,
    typer.Option(help="OncoKB cancerGeneList.tsv (gene roles, aliases), or oncokb-genes."),
]
CivicOption = Annotated[
    str | None,
    typer.Option(
        "--civic", help="CIViC nightly evidence or variant summaries TSV, or civic-evidence."
    ),
]
ActionableOption = Annotated[
    str | None,
    typer.Option(help="OncoKB allActionableVariants.txt: therapeutic levels for highest_level."),
]
KbVersion = Annotated[
    str | None,
    typer.Option(help="Version label written with every verdict; default: file name and hash."),
]


def oncokb(
    table: Annotated[
        Path,
        typer.Argument(
            help="MAF, mutations.tsv, cna_genes.tsv or an oncokb-annotator CNA table.",
            metavar="TABLE",
            exists=True,
            dir_okay=False,
        ),
    ],
    outdir: OutDir = Path("."),
    oncokb: OncokbOption = None,
    oncokb_genes: OncokbGenesOption = None,
    civic: CivicOption = None,
    oncokb_actionable: ActionableOption = None,
    kb_version: KbVersion = None,
    include_non_focal: Annotated[
        bool, typer.Option(help="Also judge non-focal amplifications/deletions of a cna table.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Annotate mutations or copy-number changes with OncoKB and CIViC.

    Writes TABLE-STEM.oncokb.tsv: the input rows (amplifications and homozygous
    deletions only, for copy-number tables) with gene_in_kb, variant_in_kb, oncogenicity,
    mutation_effect, highest_level, rule, matched_alteration, kb, kb_version, the CIViC
    columns and an oncogenic flag.
    """
    if oncokb is None and civic is None:
        raise IcarusError("oncokb: give --oncokb FILE (or resource name) and/or --civic FILE")
    kb, evidence = load_knowledge(oncokb, oncokb_genes, civic, kb_version, oncokb_actionable)
    kind, alterations = read_alterations(table, include_non_focal)
    if kind == "mutations":
        events = mutation_events(alterations, kb, evidence)
    else:
        events = copy_number_events(alterations, kb, evidence)
    stem = table.name.removesuffix(".gz").rsplit(".", 1)[0]
    oncogenic = int(events["oncogenic"].sum()) if len(events) else 0
    used = knowledge_files(oncokb, oncokb_genes, civic, oncokb_actionable)
    with staged_outputs(outdir) as stage:
        write_tsv(events, stage.path(f"{stem}.oncokb.tsv"))
        document = {"input": table.name, "kind": kind, "events": len(events),
                    "oncogenic": oncogenic, "oncokb_api": oncokb == "api"}  # fmt: skip
        write_summary(document, stage.path(f"{stem}.oncokb_summary.json"), outdir, resources=used)
    say(
        f"oncokb: {oncogenic:,} of {len(events):,} {kind.replace('_', '-')} events oncogenic", quiet
    )
