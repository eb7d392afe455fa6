"""``wes-annotate``: wes-filter, then consequence annotation and a MAF."""

from __future__ import annotations

from pathlib import Path

from icarus_omics.commands import wes_options as opt
from icarus_omics.commands.knowledge import knowledge_files
from icarus_omics.commands.oncokb import (
    ActionableOption,
    CivicOption,
    KbVersion,
    OncokbGenesOption,
    OncokbOption,
)
from icarus_omics.commands.params import DEFAULT_THREADS, OutDir, Prefix, Quiet, Threads, say
from icarus_omics.io.tables import read_gene_list
from icarus_omics.io.wes_run import WesOptions
from icarus_omics.resources import store_dir


def wes_annotate(
    vcf: opt.VcfArgument,
    outdir: OutDir = Path("."),
    tumor: opt.Tumor = None,
    normal: opt.Normal = None,
    prefix: Prefix = None,
    genes: opt.Genes = None,
    nonsynonymous_only: opt.NonsynonymousOnly = False,
    ncbi_build: opt.NcbiBuild = None,
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
    threads: Threads = DEFAULT_THREADS,
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
    kb = knowledge_files(oncokb, oncokb_genes, civic, oncokb_actionable)
    api_cache = store_dir() / "oncokb-api-cache" if oncokb == "api" else None
    options = WesOptions(
        thresholds, tumor, normal, prefix, exclude_bed, fasta, threads,
        annotate=True, genes=panel, nonsynonymous_only=nonsynonymous_only, ncbi_build=ncbi_build,
        oncokb=kb.get("oncokb"), oncokb_genes=kb.get("oncokb_genes"), civic=kb.get("civic"),
        kb_version=kb_version, oncokb_actionable=kb.get("actionable"), oncokb_api_cache=api_cache,
        allow_unfiltered=allow_unfiltered, resources=kb | ({"genes": genes} if genes else {}),
    )  # fmt: skip
    summary = opt.run("wes-annotate", vcf, outdir, options)
    kept = f"; {summary.written:,} written" if summary.written != summary.passed else ""
    source = f"; annotation: {summary.annotation}" if summary.annotation else ""
    say(f"wes-annotate: {opt.describe(summary)}{kept}{source}", quiet)
