"""The post-filter rules of :func:`icarus_omics.somatic.rules.call_alleles`, vectorised.

Most Mutect2 records have one ALT; their read counts are gathered into arrays a few
thousand records at a time and judged here with numpy, which is what lets ``wes-filter``
keep pace with bcftools. The rules are the per-site ones of :mod:`.rules` (the FILTER
allow-list is :func:`~icarus_omics.somatic.rules.is_allowed_filter` itself); a hypothesis
test (tests/test_somatic_batch.py) checks that :func:`judge_batch` and ``call_alleles``
agree on every rule for arbitrary counts, flags, allow-lists and excluded regions.
:func:`judge_coded`, which ``judge_batch`` calls, takes the FILTER flags coded (the form
the batch reader gives them in) and answers in arrays. Multi-allelic records take the
per-site path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from icarus_omics.somatic.rules import (
    EXCLUDED_REGION,
    HIGH_NORMAL_VAF,
    LOW_NORMAL_DEPTH,
    LOW_TUMOR_ALT,
    LOW_TUMOR_DEPTH,
    LOW_TUMOR_VAF,
    OUR_FILTERS,
    Regions,
    Thresholds,
    is_allowed_filter,
    rejected_filters,
)

BIT = {name: np.uint8(1 << i) for i, name in enumerate(OUR_FILTERS)}


@dataclass(frozen=True)
class ReadCounts:
    """One sample's counts for a batch of single-ALT calls; -1 marks a missing value."""

    depth: np.ndarray  # FORMAT/DP, else sum of AD
    ref: np.ndarray
    alt: np.ndarray

    def vaf(self) -> np.ndarray:
        """alt / (ref + alt); alt / depth when REF is missing; NaN when undefined."""
        ref, alt, depth = self.ref, self.alt, self.depth
        total = ref + alt
        with np.errstate(divide="ignore", invalid="ignore"):
            from_ad = np.where((ref >= 0) & (alt >= 0) & (total > 0), alt / total, np.nan)
            from_depth = np.where((ref < 0) & (alt >= 0) & (depth > 0), alt / depth, np.nan)
        return np.where(np.isnan(from_ad), from_depth, from_ad)


def failure_masks(
    tumor: ReadCounts | None,
    normal: ReadCounts | None,
    excluded: np.ndarray,
    thresholds: Thresholds,
) -> np.ndarray:
    """Bit masks of the filters each single-ALT call of a batch fails.

    Parameters
    ----------
    tumor, normal
        Read counts of the batch (depth, REF and ALT reads; -1 missing), None when the VCF
        has no such sample (its rules are skipped).
    excluded
        Boolean array, True where the record overlaps an excluded region.
    thresholds
        The post-filter's thresholds.

    Returns
    -------
    numpy.ndarray
        uint8 per record, bit i set when the call fails ``OUR_FILTERS[i]``.
    """
    mask = np.where(excluded, BIT[EXCLUDED_REGION], np.uint8(0)).astype(np.uint8)
    if normal is not None:
        shallow = (normal.depth < 0) | (normal.depth < thresholds.min_normal_depth)
        mask |= np.where(shallow, BIT[LOW_NORMAL_DEPTH], np.uint8(0))
        mask |= np.where(
            normal.vaf() > thresholds.max_normal_vaf, BIT[HIGH_NORMAL_VAF], np.uint8(0)
        )
    if tumor is not None:
        shallow = (tumor.depth < 0) | (tumor.depth < thresholds.min_tumor_depth)
        mask |= np.where(shallow, BIT[LOW_TUMOR_DEPTH], np.uint8(0))
        few = (tumor.alt < 0) | (tumor.alt < thresholds.min_tumor_alt)
        mask |= np.where(few, BIT[LOW_TUMOR_ALT], np.uint8(0))
        vaf = tumor.vaf()
        low = np.isnan(vaf) | (vaf < thresholds.min_tumor_vaf)
        mask |= np.where(low, BIT[LOW_TUMOR_VAF], np.uint8(0))
    return mask


@cache
def mask_names(mask: int) -> tuple[str, ...]:
    """The filter names set in ``mask``, in OUR_FILTERS order."""
    return tuple(name for i, name in enumerate(OUR_FILTERS) if mask >> i & 1)


def region_mask(
    excluded: Regions | None, chrom: Sequence[str], pos: Sequence[int], ref: Sequence[str]
) -> np.ndarray:
    """Whether each record's REF span (1-based ``pos``, ``len(ref)`` bases) overlaps
    ``excluded``; all False when there are no excluded regions.

    Returns
    -------
    numpy.ndarray
        Boolean, one value per record.
    """
    if excluded is None:
        return np.zeros(len(chrom), dtype=bool)
    spans = zip(chrom, pos, ref, strict=True)
    overlaps = (excluded.overlaps(c, p - 1, p - 1 + len(r)) for c, p, r in spans)
    return np.fromiter(overlaps, dtype=bool, count=len(chrom))


# (FILTER flags, flags not allowed, our failures) of a group of calls -> how many
Groups = Counter[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]


@dataclass(frozen=True)
class BatchVerdict:
    """The post-filter's verdict on the single-ALT records of a batch.

    ``failures`` and ``passing`` have one entry per record of the batch (entries of the
    per-site records are meaningless); ``groups`` counts the single-ALT calls by FILTER
    flags, rejected flags and failures, in the order first seen, for the attrition table.
    """

    failures: list[tuple[str, ...]]  # our filters failed, in OUR_FILTERS order
    passing: list[bool]  # no failure and every FILTER flag allowed
    groups: Groups


@dataclass(frozen=True)
class CodedVerdict:
    """:class:`BatchVerdict` as arrays: ``failures`` holds bit masks (:func:`mask_names`)."""

    failures: np.ndarray  # uint8 per record
    passing: np.ndarray  # bool per record
    groups: Groups


def judge_batch(
    filters: Sequence[tuple[str, ...]],
    tumor: ReadCounts | None,
    normal: ReadCounts | None,
    excluded: np.ndarray,
    per_site: Collection[int],
    thresholds: Thresholds,
) -> BatchVerdict:
    """Judge a batch of single-ALT records as :func:`~.rules.call_alleles` would.

    Parameters
    ----------
    filters
        FILTER flags per record (empty for PASS or ``.``).
    tumor, normal
        Read counts per record (see :func:`failure_masks`).
    excluded
        Boolean per record: overlaps an excluded region (:func:`region_mask`).
    per_site
        Indices of records judged by the per-site rules instead (several ALTs); they are
        left out of ``groups``.
    thresholds
        Thresholds and the FILTER allow-list.

    Returns
    -------
    BatchVerdict
        Failures and pass/fail per record, and the attrition groups.
    """
    values = list(dict.fromkeys(filters))
    index = {flags: k for k, flags in enumerate(values)}
    codes = np.array([index[flags] for flags in filters], dtype=np.int64)
    coded = judge_coded(codes, values, tumor, normal, excluded, per_site, thresholds)
    failures = [mask_names(m) for m in coded.failures.tolist()]
    return BatchVerdict(failures, coded.passing.tolist(), coded.groups)


def judge_coded(
    codes: np.ndarray,
    values: Sequence[tuple[str, ...]],
    tumor: ReadCounts | None,
    normal: ReadCounts | None,
    excluded: np.ndarray,
    per_site: Collection[int],
    thresholds: Thresholds,
) -> CodedVerdict:
    """:func:`judge_batch` with the FILTER flags coded: record i has ``values[codes[i]]``
    (several codes may have the same flags, as PASS and '.' do)."""
    masks = failure_masks(tumor, normal, excluded, thresholds)
    allowed = thresholds.allowed_filters
    is_allowed = np.array([is_allowed_filter(flags, allowed) for flags in values] or [True])
    passing = (masks == 0) & is_allowed[codes] if len(codes) else np.zeros(0, dtype=bool)
    same = {flags: k for k, flags in reversed(list(enumerate(values)))}  # first code of flags
    canonical = np.array([same[flags] for flags in values] or [0], dtype=np.int64)
    keys = canonical[codes] * 256 + masks if len(codes) else np.zeros(0, dtype=np.int64)
    counted = np.ones(len(codes), dtype=bool)
    counted[list(per_site)] = False
    unique, first, counts = np.unique(keys[counted], return_index=True, return_counts=True)
    groups: Groups = Counter()
    for k in np.argsort(first, kind="stable").tolist():  # in the order first seen
        code, mask = divmod(int(unique[k]), 256)
        flags = values[code]
        groups[(flags, rejected_filters(flags, allowed), mask_names(mask))] += int(counts[k])
    return CodedVerdict(masks, passing, groups)
