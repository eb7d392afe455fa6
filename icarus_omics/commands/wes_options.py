"""Options shared by ``wes-filter`` and ``wes-annotate`` (defaults documented in somatic.py)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from icarus_omics.commands.params import stderr
from icarus_omics.somatic import rules as somatic

_DEFAULTS = somatic.Thresholds()


class Multiallelic(str, Enum):
    """What to do with records that have more than one ALT allele."""

    SPLIT = "split"
    DROP = "drop"


VcfArgument = Annotated[
    Path,
    typer.Argument(
        help="Mutect2/FilterMutectCalls VCF, VCF.gz or BCF.", exists=True, dir_okay=False
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
ExcludeBed = Annotated[
    Path | None,
    typer.Option(
        help="BED of regions to exclude; chr prefix may differ.", exists=True, dir_okay=False
    ),
]
Fasta = Annotated[
    Path | None,
    typer.Option(
        help="Indexed reference FASTA: REF alleles and contig lengths are checked against it.",
        exists=True,
        dir_okay=False,
    ),
]
MultiallelicOption = Annotated[
    Multiallelic,
    typer.Option(
        help="split: one call per ALT (default, like bcftools norm -m-); drop: fail the site."
    ),
]
Threads = Annotated[
    int, typer.Option(min=1, max=64, help="Threads for BGZF decompression/compression.")
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


def warn_unfiltered(command: str, sample: str, unfiltered: bool) -> None:
    """The stderr warning of a run on unfiltered calls (printed even with --quiet)."""
    if unfiltered:
        stderr.print(
            f"warning: {command}: {sample}: the input was never filtered by FilterMutectCalls; "
            "contamination, artefact and germline calls may pass (--allow-unfiltered)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def describe(summary_sample: str, records: int, calls: int, passed: int, notes: list[str]) -> str:
    """The one-line stderr summary of a wes run."""
    extra = "; ".join(notes)
    return f"{summary_sample}: {passed:,} of {calls:,} calls pass ({records:,} records)" + (
        f"; {extra}" if extra else ""
    )


DEFAULT_MIN_TUMOR_DEPTH = _DEFAULTS.min_tumor_depth
DEFAULT_MIN_TUMOR_ALT = _DEFAULTS.min_tumor_alt
DEFAULT_MIN_TUMOR_VAF = _DEFAULTS.min_tumor_vaf
DEFAULT_MIN_NORMAL_DEPTH = _DEFAULTS.min_normal_depth
DEFAULT_MAX_NORMAL_VAF = _DEFAULTS.max_normal_vaf
