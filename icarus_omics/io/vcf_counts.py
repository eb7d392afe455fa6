"""The read counts of a batch of VCF records, gathered into arrays.

AD and DP of the tumour and normal samples are read from htslib's text of the records
(:mod:`icarus_omics.io.vcf_lines`) for the records that take the batch rules: one ALT, AD
of two values (digits or '.') in every sample, DP digits, '.' or absent. Those are the
values cyvcf2's ``format()`` gives; every other record is read through ``format()`` as it
always was, and those with several ALTs (or AD of another length) become
:class:`~icarus_omics.somatic.rules.Site` objects for the per-site rules.
"""

from __future__ import annotations

import cyvcf2
import numpy as np

from icarus_omics.errors import IcarusError
from icarus_omics.io.vcf import VcfHeader
from icarus_omics.io.vcf_lines import ALT, DOT, FORMAT, Lines
from icarus_omics.somatic.batch import ReadCounts
from icarus_omics.somatic.rules import SampleCounts, Site

MISSING_INT = -2147483648  # htslib's missing integer
VECTOR_END = -2147483647  # htslib's padding after a short vector


class SampleReads:
    """The tumour and normal read counts of a batch of records (``lines``, their text, and
    ``variants``, ``filters`` their FILTER flags; ``number`` records read so far): from the
    text for the records it can read, through cyvcf2 for the others."""

    def __init__(
        self,
        lines: Lines,
        variants: list[cyvcf2.Variant],
        filters: list[tuple[str, ...]],
        header: VcfHeader,
        number: int,
    ) -> None:
        self.lines, self.variants, self.filters = lines, variants, filters
        self.header, self.number = header, number
        n = len(variants)
        self.tumor = [np.full(n, -1, dtype=np.int64) for _ in range(3)]  # ref, alt, DP
        self.normal = [np.full(n, -1, dtype=np.int64) for _ in range(3)]
        self.sites: dict[int, Site] = {}

    def read(self) -> tuple[ReadCounts | None, ReadCounts | None, dict[int, Site]]:
        """Tumour and normal counts (-1 where missing, and for the records that need the
        per-site rules), and those records as Sites by index."""
        readable = self._from_text()
        for i in np.flatnonzero(~readable).tolist():
            self._from_variant(i)
        header = self.header
        tumor = _read_counts(*self.tumor) if header.tumor_index is not None else None
        normal = _read_counts(*self.normal) if header.normal_index is not None else None
        return tumor, normal, self.sites

    def _from_text(self) -> np.ndarray:
        """Fill the counts of the records whose text is read here; which ones those are.

        A record is read here when it has one ALT, AD of two values (digits or '.') in
        every sample, and a DP of digits, '.' or none: the records that take the batch
        path, with the values cyvcf2's ``format()`` would give.
        """
        lines, header = self.lines, self.header
        ad_key, dp_key = self._keys()
        alt = lines.column(ALT)
        alt_commas, _ = lines.commas(alt)
        one_alt = (alt_commas == 0) & ~((alt[1] - alt[0] == 1) & (lines.buf[alt[0]] == DOT))
        readable = lines.regular & one_alt & (ad_key >= 0)
        wanted = {header.tumor_index: self.tumor, header.normal_index: self.normal}
        found: list[tuple[list[np.ndarray], tuple[np.ndarray, ...]]] = []
        for s in range(len(header.samples)):
            (start, end, has_ad), (dp_start, dp_end, has_dp) = lines.subfields(
                lines.column(9 + s), ad_key, dp_key
            )
            commas, comma = lines.commas((start, end))
            readable &= has_ad & (commas == 1)
            if s in wanted:
                ref, ref_ok = lines.counts((start, comma))
                alt_reads, alt_ok = lines.counts((comma + 1, end))
                depth, dp_ok = lines.counts((dp_start, dp_end))
                readable &= ref_ok & alt_ok & (dp_ok | ~has_dp)
                found.append((wanted[s], (ref, alt_reads, np.where(has_dp, depth, -1))))
        for arrays, values in found:
            for target, value in zip(arrays, values, strict=True):
                target[:] = np.where(readable, value, -1)
        return readable

    def _keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Where AD and DP are among each record's FORMAT keys (-1: not there, or DP not
        declared)."""
        lines, has_dp = self.lines, self.header.has_dp
        codes, formats = lines.values(lines.column(FORMAT))
        keys = [text.split(":") for text in formats]
        ad = np.array([k.index("AD") if "AD" in k else -1 for k in keys], dtype=np.int64)
        dp = np.array([k.index("DP") if "DP" in k and has_dp else -1 for k in keys], dtype=np.int64)
        return ad[codes], dp[codes]

    def _from_variant(self, i: int) -> None:
        """Record ``i`` through cyvcf2, as the reader always did: AD and DP arrays, or a
        Site for the per-site rules."""
        variant, header = self.variants[i], self.header
        ad = variant.format("AD")
        dp = variant.format("DP") if header.has_dp else None
        if ad is None:
            if not variant.FORMAT:
                raise IcarusError(
                    f"{header.path}: record {self.number - len(self.variants) + i + 1} "
                    f"({variant.CHROM}:{variant.POS}) has no sample columns"
                )
        elif len(variant.ALT) != 1 or ad.shape[1] != 2:
            self.sites[i] = Site(
                variant.CHROM, variant.POS, variant.REF, tuple(variant.ALT),
                self.filters[i], _sample_counts(ad, dp, header.tumor_index),
                _sample_counts(ad, dp, header.normal_index),
            )  # fmt: skip
            ad = None
        for index, arrays in ((header.tumor_index, self.tumor), (header.normal_index, self.normal)):
            if index is None:
                continue
            if ad is not None:
                arrays[0][i], arrays[1][i] = (max(int(v), -1) for v in ad[index][:2])
            if dp is not None:
                arrays[2][i] = max(int(dp[index][0]), -1)


def _sample_counts(ad: np.ndarray, dp: np.ndarray | None, index: int | None) -> SampleCounts | None:
    if index is None:
        return None
    row = ad[index].tolist()
    values = tuple(None if v == MISSING_INT else v for v in row if v != VECTOR_END)
    depth = None
    if dp is not None and int(dp[index][0]) >= 0:
        depth = int(dp[index][0])
    return SampleCounts(values, depth)


def _read_counts(ref: np.ndarray, alt: np.ndarray, dp: np.ndarray) -> ReadCounts:
    """One sample's counts: depth is DP, else the sum of AD (-1 when missing)."""
    summed = np.where((ref >= 0) & (alt >= 0), ref + alt, -1)
    return ReadCounts(np.where(dp >= 0, dp, summed), ref, alt)
