"""Post-filtering of Mutect2/FilterMutectCalls somatic calls.

The study kept records passing FilterMutectCalls (contamination, read-orientation and the
other Mutect2 filters), then applied coverage, position and allele-fraction rules whose
thresholds it did not publish. The defaults below are common, citable choices; each is
an option of ``wes-filter``:

* tumour depth >= 10 reads and >= 3 alt reads: the usual floor for calling a somatic
  SNV in exomes (e.g. the TCGA MC3 and GDC somatic pipelines use 3 alt reads);
* tumour VAF >= 0.05, from allele depths (AD), not FORMAT/AF, which Mutect2 computes
  from a model and which differs from the read counts at low depth;
* normal depth >= 8 reads (MC3's ``ndp`` filter) so that a germline variant would have
  been seen, and normal VAF <= 0.02 to exclude germline or tumour-in-normal sites.

Depth is FORMAT/DP when present, else the sum of AD. A multi-allelic record is split into
one call per ALT by default (``split``, as ``bcftools norm -m-`` does): Mutect2 writes a
second ALT that did not reach significance beside a real one, and the real one should
not be lost; its reads are counted as ref + that ALT. ``drop`` fails the whole site.

Every call is kept and tagged with the filters it fails (soft filtering), so the output
can be audited and re-thresholded.

A FilterMutectCalls flag blocks a call unless ``--allow-filter`` names it: that rule is
:func:`is_allowed_filter`, used by every caller (the batch rules, the attrition table).
These per-site rules are the reference; :mod:`icarus_omics.somatic.batch` applies the same
rules to arrays of single-ALT records and is tested against this module with hypothesis
(tests/test_somatic_batch.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from icarus_omics.genome import contig_key

# Soft-filter tags written to FILTER (declared in the output header).
LOW_TUMOR_DEPTH = "low_tumor_depth"
LOW_TUMOR_ALT = "low_tumor_alt_reads"
LOW_TUMOR_VAF = "low_tumor_vaf"
LOW_NORMAL_DEPTH = "low_normal_depth"
HIGH_NORMAL_VAF = "high_normal_vaf"
EXCLUDED_REGION = "excluded_region"
MULTIALLELIC_SITE = "multiallelic_site"
OUR_FILTERS = (
    MULTIALLELIC_SITE,
    EXCLUDED_REGION,
    LOW_NORMAL_DEPTH,
    HIGH_NORMAL_VAF,
    LOW_TUMOR_DEPTH,
    LOW_TUMOR_ALT,
    LOW_TUMOR_VAF,
)

# Columns of the mutations table, in order.
MUTATION_COLUMNS = (
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "tumor_depth",
    "tumor_ref_count",
    "tumor_alt_count",
    "tumor_vaf",
    "normal_depth",
    "normal_ref_count",
    "normal_alt_count",
    "normal_vaf",
    "filter",
)

MultiallelicPolicy = Literal["split", "drop"]


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the post-filter; see the module docstring for the defaults' origin."""

    min_tumor_depth: int = 10
    min_tumor_alt: int = 3
    min_tumor_vaf: float = 0.05
    min_normal_depth: int = 8
    max_normal_vaf: float = 0.02
    allowed_filters: frozenset[str] = frozenset()
    multiallelic: MultiallelicPolicy = "split"

    def descriptions(self) -> dict[str, str]:
        """FILTER header descriptions of our tags, with the thresholds in force."""
        return {
            MULTIALLELIC_SITE: "Site has more than one ALT allele (--multiallelic drop)",
            EXCLUDED_REGION: "Variant overlaps an excluded region (--exclude-bed)",
            LOW_NORMAL_DEPTH: f"Normal depth below {self.min_normal_depth}",
            HIGH_NORMAL_VAF: f"Normal alt-allele fraction from AD above {self.max_normal_vaf:g}",
            LOW_TUMOR_DEPTH: f"Tumour depth (FORMAT/DP, else AD sum) below {self.min_tumor_depth}",
            LOW_TUMOR_ALT: f"Fewer than {self.min_tumor_alt} tumour reads support the ALT allele",
            LOW_TUMOR_VAF: f"Tumour alt-allele fraction from AD below {self.min_tumor_vaf:g}",
        }


@dataclass(frozen=True, slots=True)
class SampleCounts:
    """One sample's read counts at a record: ``ad`` per allele (REF first), ``dp`` depth.

    Missing values are ``None`` (VCF ``.``).
    """

    ad: tuple[int | None, ...]
    dp: int | None


@dataclass(frozen=True, slots=True)
class Site:
    """One VCF record as the filter sees it; ``filters`` is empty for PASS or ``.``."""

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    filters: tuple[str, ...]
    tumor: SampleCounts | None
    normal: SampleCounts | None


@dataclass(frozen=True, slots=True)
class AlleleCall:
    """One ALT allele of a site with its read evidence and the filters it fails."""

    site: Site
    allele: int  # 1-based index of the ALT in the record
    depth: int | None
    ref_count: int | None
    alt_count: int | None
    vaf: float | None
    normal_depth: int | None
    normal_ref_count: int | None
    normal_alt_count: int | None
    normal_vaf: float | None
    failures: tuple[str, ...]  # our tags, in OUR_FILTERS order
    rejected_by_mutect: tuple[str, ...]  # FilterMutectCalls flags that were not allowed

    @property
    def alt(self) -> str:
        """The ALT allele of this call."""
        return self.site.alts[self.allele - 1]

    @property
    def is_pass(self) -> bool:
        """No failure of ours and every FILTER flag allowed (``is_allowed_filter``)."""
        return not self.failures and not self.rejected_by_mutect

    def row(self) -> tuple[object, ...]:
        """The call as a row of MUTATION_COLUMNS."""
        site = self.site
        return (
            site.chrom,
            site.pos,
            site.ref,
            self.alt,
            variant_type(site.ref, self.alt),
            self.depth,
            self.ref_count,
            self.alt_count,
            self.vaf,
            self.normal_depth,
            self.normal_ref_count,
            self.normal_alt_count,
            self.normal_vaf,
            ";".join(site.filters) or "PASS",
        )


def variant_type(ref: str, alt: str) -> str:
    """SNV, MNV, INS, DEL or COMPLEX, from VCF alleles (anchor base included for indels).

    Same-length alleles are compared base by base, so Mutect2's padded multi-allelic
    representation (``CAAAA>AAAAA``) of a single substitution is an SNV.

    Returns
    -------
    str
        The ``variant_type`` column of the mutations table.
    """
    if len(ref) == len(alt):
        changed = sum(a != b for a, b in zip(ref, alt, strict=True))
        return "SNV" if changed <= 1 else "MNV"
    if len(ref) < len(alt) and alt.startswith(ref):
        return "INS"
    if len(ref) > len(alt) and ref.startswith(alt):
        return "DEL"
    return "COMPLEX"


class Regions:
    """Half-open genomic intervals, looked up by contig regardless of ``chr`` prefix."""

    def __init__(self, intervals: Iterable[tuple[str, int, int]]) -> None:
        by_contig: dict[str, list[tuple[int, int]]] = {}
        for chrom, start, end in intervals:
            by_contig.setdefault(contig_key(chrom), []).append((start, end))
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        for key, spans in by_contig.items():
            merged = _merge(sorted(spans))
            self._starts[key] = [s for s, _ in merged]
            self._ends[key] = [e for _, e in merged]

    def __len__(self) -> int:
        return sum(len(starts) for starts in self._starts.values())

    def shares_contig(self, names: Iterable[str]) -> bool:
        """Whether any of ``names`` is a contig with intervals (``chr`` prefix either way)."""
        return any(contig_key(name) in self._starts for name in names)

    def overlaps(self, chrom: str, start: int, end: int) -> bool:
        """Whether the 0-based half-open span ``start..end`` touches any interval."""
        starts = self._starts.get(contig_key(chrom))
        if starts is None:
            return False
        i = bisect.bisect_left(starts, end) - 1  # last interval starting before `end`
        return i >= 0 and self._ends[contig_key(chrom)][i] > start


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def is_allowed_filter(flags: Iterable[str], allowed: Collection[str]) -> bool:
    """Whether FilterMutectCalls FILTER ``flags`` let a call through the allow-list.

    Parameters
    ----------
    flags
        FILTER flags of a record (empty for ``PASS`` or ``.``), or one flag as a 1-tuple.
    allowed
        Flags tolerated (``--allow-filter``, ``Thresholds.allowed_filters``).

    Returns
    -------
    bool
        True when every flag is allowed, so always for PASS.
    """
    return all(flag in allowed for flag in flags)


def rejected_filters(flags: Iterable[str], allowed: Collection[str]) -> tuple[str, ...]:
    """The flags of ``flags`` that :func:`is_allowed_filter` refuses, in their order.

    Returns
    -------
    tuple of str
        Empty exactly when ``is_allowed_filter(flags, allowed)``.
    """
    return tuple(flag for flag in flags if not is_allowed_filter((flag,), allowed))


def _allele_counts(
    sample: SampleCounts | None, allele: int
) -> tuple[int | None, int | None, int | None, float | None]:
    """Depth, ref count, alt count and VAF of one ALT in one sample.

    VAF is alt / (ref + alt) from AD; when the REF count is missing (some callers write
    ``.``), alt / depth.
    """
    if sample is None:
        return None, None, None, None
    ad = sample.ad
    ref = ad[0] if ad else None
    alt = ad[allele] if len(ad) > allele else None
    if sample.dp is not None:
        depth: int | None = sample.dp
    elif ad and all(v is not None for v in ad):
        depth = sum(v for v in ad if v is not None)
    else:
        depth = None
    vaf = None
    if ref is not None and alt is not None and ref + alt > 0:
        vaf = alt / (ref + alt)
    elif ref is None and alt is not None and depth:  # callers that omit the REF count
        vaf = alt / depth
    return depth, ref, alt, vaf


def call_alleles(site: Site, thresholds: Thresholds, excluded: Regions | None) -> list[AlleleCall]:
    """Evaluate every ALT of ``site`` against ``thresholds``.

    Missing tumour counts fail the tumour thresholds they are needed for; the normal
    thresholds are skipped when the VCF has no normal sample. A normal with no reads
    (ref + alt = 0) fails ``low_normal_depth`` but not ``high_normal_vaf``.

    Parameters
    ----------
    site
        One VCF record: alleles, FILTER flags and per-sample AD (reads) and DP (reads).
    thresholds
        The post-filter's thresholds and FILTER allow-list.
    excluded
        Regions to exclude (``--exclude-bed``), or None.

    Returns
    -------
    list of AlleleCall
        One per ALT, in ALT order: depths and counts in reads, VAF as a fraction in 0..1
        (None when missing), ``failures`` in ``OUR_FILTERS`` order and the FILTER flags
        that were not allowed (``rejected_by_mutect``).
    """
    rejected = rejected_filters(site.filters, thresholds.allowed_filters)
    region = excluded is not None and excluded.overlaps(
        site.chrom, site.pos - 1, site.pos - 1 + len(site.ref)
    )
    multiallelic = thresholds.multiallelic == "drop" and len(site.alts) > 1
    calls = []
    for allele in range(1, len(site.alts) + 1):
        depth, ref, alt, vaf = _allele_counts(site.tumor, allele)
        n_depth, n_ref, n_alt, n_vaf = _allele_counts(site.normal, allele)
        failed = {
            MULTIALLELIC_SITE: multiallelic,
            EXCLUDED_REGION: region,
            LOW_NORMAL_DEPTH: site.normal is not None
            and (n_depth is None or n_depth < thresholds.min_normal_depth),
            HIGH_NORMAL_VAF: n_vaf is not None and n_vaf > thresholds.max_normal_vaf,
            LOW_TUMOR_DEPTH: site.tumor is not None
            and (depth is None or depth < thresholds.min_tumor_depth),
            LOW_TUMOR_ALT: site.tumor is not None
            and (alt is None or alt < thresholds.min_tumor_alt),
            LOW_TUMOR_VAF: site.tumor is not None
            and (vaf is None or vaf < thresholds.min_tumor_vaf),
        }
        failures = tuple(name for name in OUR_FILTERS if failed[name])
        calls.append(
            AlleleCall(
                site, allele, depth, ref, alt, vaf, n_depth, n_ref, n_alt, n_vaf, failures, rejected
            )
        )
    return calls


def passing(calls: Iterable[AlleleCall]) -> Iterator[AlleleCall]:
    """The calls that pass every filter (``AlleleCall.is_pass``), in their order."""
    return (call for call in calls if call.is_pass)
