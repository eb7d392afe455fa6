"""The post-filter rules of :func:`icarus_omics.somatic.rules.call_alleles`, vectorised.

Most Mutect2 records have one ALT; their read counts are gathered into arrays a few
thousand records at a time and judged here with numpy, which is what lets ``wes-filter``
keep pace with bcftools. The rules are the same as the per-site ones (a property test
checks that both agree on arbitrary counts); multi-allelic records take the per-site path.
"""

from __future__ import annotations

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
    Thresholds,
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
    """Bit masks (uint8, bit i = ``OUR_FILTERS[i]``) of the filters each call fails."""
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
