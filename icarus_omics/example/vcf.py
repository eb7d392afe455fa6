"""The example cohort's VCF records, as Mutect2 + FilterMutectCalls + VEP would annotate them.

:mod:`icarus_omics.example.cohort` decides what each record is and draws its read counts;
this module draws the remaining Mutect2 annotations (INFO, strand counts, allele fractions).
The text (header and data lines) is written by :mod:`icarus_omics.io.mutect2_vcf`. The same
records and generator state give the same text.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from icarus_omics.example.annotation import Effect, Gene


class Allele(NamedTuple):
    """One ALT allele of a record, with what made it and its VEP annotation."""

    alt: str
    variant_type: str
    process: str
    effects: tuple[Effect, Effect] | None  # canonical and other transcript; None if intergenic


class Record(NamedTuple):
    """One VCF data line: site, alleles, FILTER, read counts and the formatted columns."""

    chrom: str
    pos: int
    ref: str
    alleles: tuple[Allele, ...]
    gene: Gene | None
    filters: tuple[str, ...] = ()
    tumour_ad: tuple[int, ...] = ()
    tumour_dp: int = 0
    normal_ad: tuple[int, ...] | None = None
    normal_dp: int = 0
    info: str = ""
    fields: tuple[str, ...] = ()  # formatted sample columns, normal first


def sample_field(
    rng: np.random.Generator, genotype: str, ad: list[int], dp: int, filters: tuple[str, ...]
) -> str:
    """One sample column (FORMAT GT:AD:AF:DP:F1R2:F2R1:SB), drawing the read orientations."""
    f1r2 = [int(rng.binomial(n, 0.5)) for n in ad]
    f2r1 = [n - f for n, f in zip(ad, f1r2, strict=True)]
    alts = sum(ad[1:])
    alt_forward = alts if "strand_bias" in filters else int(rng.binomial(alts, 0.5))
    sb = [f1r2[0], f2r1[0], alt_forward, alts - alt_forward]
    af = ",".join(f"{n / max(sum(ad), 1):.3f}" for n in ad[1:])
    numbers = [",".join(map(str, values)) for values in (ad, f1r2, f2r1, sb)]
    return ":".join([genotype, numbers[0], af, str(dp), *numbers[1:]])


def info_field(rng: np.random.Generator, record: Record) -> str:
    """The INFO column before CSQ, drawing LODs and scores that agree with the record's filters."""
    filters = set(record.filters)
    is_germline = bool({"germline", "panel_of_normals"} & filters)
    alts = record.tumour_ad[1:]
    tlod = ",".join(f"{3.1 * n + rng.uniform(-1.5, 1.5):.2f}" for n in alts)
    popaf = ",".join(f"{rng.uniform(0.5, 3.0) if is_germline else 6.0:.2f}" for _ in alts)
    germq = int(rng.integers(0, 10) if is_germline else rng.integers(20, 94))
    ecnt = int(rng.integers(2, 4)) if {"clustered_events", "haplotype"} & filters else 1
    info = f"DP={record.tumour_dp + record.normal_dp};ECNT={ecnt};GERMQ={germq}"
    if record.normal_ad is not None:  # tumour-only calls have no normal LOD
        nlod = 0.301 * record.normal_ad[0] - 3.0 * max(record.normal_ad[1:])
        info += ";NLOD=" + ",".join(f"{nlod + rng.uniform(-0.5, 0.5):.2f}" for _ in alts)
    return f"{info};POPAF={popaf};TLOD={tlod}"
