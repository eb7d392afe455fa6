"""``wes-filter``: soft-filter a Mutect2 VCF and list the passing calls."""

from __future__ import annotations

from pathlib import Path

from icarus_omics.commands import wes_options as opt
from icarus_omics.commands.params import DEFAULT_THREADS, OutDir, Prefix, Quiet, Threads, say
from icarus_omics.io.wes_run import WesOptions


def wes_filter(
    vcf: opt.VcfArgument,
    outdir: OutDir = Path("."),
    tumor: opt.Tumor = None,
    normal: opt.Normal = None,
    prefix: Prefix = None,
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
    """Keep Mutect2 calls that pass FILTER, depth, allele-fraction and region rules.

    Writes SAMPLE.filtered.vcf.gz (+ .tbi) with every record, failing ones tagged in
    FILTER; SAMPLE.mutations.tsv of the passing calls; SAMPLE.filter_attrition.tsv with
    the calls each filter removed; and SAMPLE.summary.json.
    """
    thresholds = opt.thresholds(
        allow_filter, min_tumor_depth, min_tumor_alt, min_tumor_vaf,
        min_normal_depth, max_normal_vaf, multiallelic,
    )  # fmt: skip
    options = WesOptions(
        thresholds, tumor, normal, prefix, exclude_bed, fasta, threads,
        allow_unfiltered=allow_unfiltered,
    )  # fmt: skip
    summary = opt.run("wes-filter", vcf, outdir, options)
    say(f"wes-filter: {opt.describe(summary)}", quiet)
