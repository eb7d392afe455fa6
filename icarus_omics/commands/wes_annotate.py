"""``wes-annotate``: wes-filter, then consequence annotation and a MAF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands import wes_options as opt
from icarus_omics.commands.oncokb import (
    ActionableOption,
    CivicOption,
    KbVersion,
    OncokbGenesOption,
    OncokbOption,
)
from icarus_omics.commands.params import OutDir, Prefix, Quiet, say
from icarus_omics.commands.wes_stream import WesOptions, run_wes
from icarus_omics.io.tables import read_gene_list


def wes_annotate(
    vcf: opt.VcfArgument,
    outdir: OutDir = Path("."),
    tumor: opt.Tumor = None,
    normal: opt.Normal = None,
    prefix: Prefix = None,
    genes: Annotated[
        Path | None,
        typer.Option(
            help="Gene panel (one symbol per line): restrict the outputs to it.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    nonsynonymous_only: Annotated[
        bool, typer.Option(help="Keep only nonsynonymous calls in the TSV and MAF.")
    ] = False,
    ncbi_build: Annotated[
        str | None,
        typer.Option(
            help="NCBI_Build written to the MAF when the ##contig lengths do not tell "
            "GRCh37 from GRCh38 (default GRCh37); an error if it contradicts them."
        ),
    ] = None,
    oncokb: OncokbOption = None,
    oncokb_genes: OncokbGenesOption = None,
    civic: CivicOption = None,
    oncokb_actionable: ActionableOption = None,
    kb_version: KbVersion = None,
    allow_filter: opt.AllowFilter = None,
    allow_unfiltered: opt.AllowUnfiltered = False,
    min_tumor_depth: opt.MinTumorDepth = opt.DEFAULT_MIN_TUMOR_DEPTH,
    min_tumor_alt: opt.MinTumorAlt = opt.DEFAULT_MIN_TUMOR_ALT,
    min_tumor_vaf: opt.MinTumorVaf = opt.DEFAULT_MIN_TUMOR_VAF,
    min_normal_depth: opt.MinNormalDepth = opt.DEFAULT_MIN_NORMAL_DEPTH,
    max_normal_vaf: opt.MaxNormalVaf = opt.DEFAULT_MAX_NORMAL_VAF,
    exclude_bed: opt.ExcludeBed = None,
    fasta: opt.Fasta = None,
    multiallelic: opt.MultiallelicOption = opt.Multiallelic.SPLIT,
    threads: opt.Threads = 2,
    quiet: Quiet = False,
) -> None:
    """Filter a Mutect2 VCF, pick one consequence per call and write a MAF.

    Reads VEP CSQ, SnpEff ANN or Funcotator FUNCOTATION annotation when present. Writes
    everything wes-filter writes (with annotation columns in SAMPLE.mutations.tsv) plus
    SAMPLE.maf in vcf2maf's conventions; with --oncokb/--civic, SAMPLE.oncogenic.tsv
    of the calls OncoKB calls (likely) oncogenic.
    """
    thresholds = opt.thresholds(
        allow_filter, min_tumor_depth, min_tumor_alt, min_tumor_vaf,
        min_normal_depth, max_normal_vaf, multiallelic,
    )  # fmt: skip
    panel = tuple(read_gene_list(genes)) if genes is not None else None
    options = WesOptions(
        thresholds, tumor, normal, prefix, exclude_bed, fasta, threads,
        annotate=True, genes=panel, nonsynonymous_only=nonsynonymous_only, ncbi_build=ncbi_build,
        oncokb=oncokb, oncokb_genes=oncokb_genes, civic=civic, kb_version=kb_version,
        oncokb_actionable=oncokb_actionable, allow_unfiltered=allow_unfiltered,
    )  # fmt: skip
    summary = run_wes(vcf, outdir, options)
    opt.warn_unfiltered("wes-annotate", summary.sample, summary.unfiltered)
    kept = f"; {summary.written:,} written" if summary.written != summary.passed else ""
    source = f"; annotation: {summary.annotation}" if summary.annotation else ""
    say(
        "wes-annotate: " + opt.describe(summary.sample, summary.records, summary.calls,
                                        summary.passed, summary.notes) + kept + source,
        quiet,
    )  # fmt: skip
