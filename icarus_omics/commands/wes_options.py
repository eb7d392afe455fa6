"""Options shared by ``wes-filter`` and ``wes-annotate`` (defaults documented in
``somatic/rules.py``), and the run and report both commands make."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from icarus_omics.commands.params import progress, stderr
from icarus_omics.io.wes_run import WesOptions, WesSummary, run_wes
from icarus_omics.somatic import rules as somatic

_DEFAULTS = somatic.Thresholds()


class Multiallelic(str, Enum):
    """What to do with records that have more than one ALT allele."""

    SPLIT = "split"
    DROP = "drop"


VcfArgument = Annotated[
    Path,
    typer.Argument(
        metavar="VCF",
        help="Mutect2/FilterMutectCalls VCF, VCF.gz or BCF.",
        exists=True,
        dir_okay=False,
    ),
]
Tumor = Annotated[
    str | None, typer.Option(help="Tumour sample name; default: the ##tumor_sample header line.")
]
Normal = Annotated[
    str | None, typer.Option(help="Normal sample name; default: the ##normal_sample header line.")
]
AllowFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-filter",
        help="FilterMutectCalls FILTER flag to tolerate (repeatable); default: keep PASS only.",
    ),
]
AllowUnfiltered = Annotated[
    bool,
    typer.Option(
        help="Run on Mutect2 calls that FilterMutectCalls never filtered (refused by "
        "default); the summary and the attrition table say so."
    ),
]
MinTumorDepth = Annotated[
    int, typer.Option(min=0, help="Minimum tumour depth (FORMAT/DP, else sum of AD).")
]
MinTumorAlt = Annotated[int, typer.Option(min=0, help="Minimum tumour reads supporting the ALT.")]
MinTumorVaf = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Minimum tumour VAF, alt / (ref + alt) from AD.")
]
MinNormalDepth = Annotated[int, typer.Option(min=0, help="Minimum normal depth.")]
MaxNormalVaf = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Maximum normal VAF, alt / (ref + alt) from AD.")
]


def _input_file(help_text: str) -> Any:
    """An optional input file option (must exist, not a folder), shown as FILE."""
    return typer.Option(help=help_text, metavar="FILE", exists=True, dir_okay=False)


ExcludeBed = Annotated[
    Path | None, _input_file("BED of regions to exclude; chr prefix may differ.")
]
Fasta = Annotated[
    Path | None,
    _input_file("Indexed reference FASTA: REF alleles and contig lengths are checked against it."),
]
MultiallelicOption = Annotated[
    Multiallelic,
    typer.Option(
        help="split: one call per ALT (default, like bcftools norm -m-); drop: fail the site."
    ),
]
Genes = Annotated[
    Path | None, _input_file("Gene panel (one symbol per line): restrict the outputs to it.")
]
NonsynonymousOnly = Annotated[
    bool, typer.Option(help="Keep only nonsynonymous calls in the TSV and MAF.")
]
NcbiBuild = Annotated[
    str | None,
    typer.Option(
        help="NCBI_Build written to the MAF when the ##contig lengths do not tell "
        "GRCh37 from GRCh38 (default GRCh37); an error if it contradicts them."
    ),
]


def thresholds(
    allow_filter: list[str] | None,
    min_tumor_depth: int,
    min_tumor_alt: int,
    min_tumor_vaf: float,
    min_normal_depth: int,
    max_normal_vaf: float,
    multiallelic: Multiallelic,
) -> somatic.Thresholds:
    """The library's Thresholds from command-line values."""
    return somatic.Thresholds(
        min_tumor_depth=min_tumor_depth,
        min_tumor_alt=min_tumor_alt,
        min_tumor_vaf=min_tumor_vaf,
        min_normal_depth=min_normal_depth,
        max_normal_vaf=max_normal_vaf,
        allowed_filters=frozenset(allow_filter or ()),
        multiallelic="drop" if multiallelic is Multiallelic.DROP else "split",
    )


def run(command: str, vcf: Path, outdir: Path, options: WesOptions) -> WesSummary:
    """Run the pass with a progress display; warn on stderr (even with --quiet) when the
    input was never filtered by FilterMutectCalls."""
    with progress(f"wes: {vcf.name}") as tick:
        summary = run_wes(vcf, outdir, options, tick)
    if summary.unfiltered:
        stderr.print(
            f"warning: {command}: {summary.sample}: the input was never filtered by "
            "FilterMutectCalls; contamination, artefact and germline calls may pass "
            "(--allow-unfiltered)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return summary


def describe(summary: WesSummary) -> str:
    """The one-line stderr summary of a wes run, with its notes (warnings included)."""
    extra = "; ".join(summary.notes)
    counts = f"{summary.passed:,} of {summary.calls:,} calls pass ({summary.records:,} records)"
    return f"{summary.sample}: {counts}" + (f"; {extra}" if extra else "")


DEFAULT_MIN_TUMOR_DEPTH = _DEFAULTS.min_tumor_depth
DEFAULT_MIN_TUMOR_ALT = _DEFAULTS.min_tumor_alt
DEFAULT_MIN_TUMOR_VAF = _DEFAULTS.min_tumor_vaf
DEFAULT_MIN_NORMAL_DEPTH = _DEFAULTS.min_normal_depth
DEFAULT_MAX_NORMAL_VAF = _DEFAULTS.max_normal_vaf
