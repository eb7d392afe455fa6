"""Reading a VCF a few thousand records at a time, read counts gathered into arrays.

This is the hot loop of ``wes-filter``: each record costs one pass of cyvcf2 parsing plus
list comprehensions over the batch, so the Python work per record stays small. Records
with one ALT are judged from the arrays (:mod:`icarus_omics.somatic.batch`); the others
are handed over as :class:`~icarus_omics.somatic.rules.Site` objects for the per-site rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cyvcf2
import numpy as np

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import FLOAT_FORMAT
from icarus_omics.io.vcf import VcfHeader
from icarus_omics.somatic.batch import ReadCounts
from icarus_omics.somatic.rules import AlleleCall, SampleCounts, Site, variant_type

MISSING_INT = -2147483648  # htslib's missing integer
VECTOR_END = -2147483647  # htslib's padding after a short vector


@dataclass
class RecordBatch:
    """Consecutive records; ``sites`` maps the index of each record that needs the
    per-site rules (several ALTs, or AD of an unexpected length) to its Site. Their rows
    in ``tumor``/``normal`` hold -1. ``has_filter_value`` tells FilterMutectCalls output
    (every record PASS or flagged) from unfiltered calls (FILTER '.' throughout)."""

    variants: list[cyvcf2.Variant]
    chrom: list[str]
    pos: list[int]
    ref: list[str]
    alts: list[list[str]]
    filters: list[tuple[str, ...]]
    sites: dict[int, Site]
    tumor: ReadCounts | None
    normal: ReadCounts | None
    has_filter_value: bool = False  # a record so far had FILTER PASS or a flag, not '.'
    _values: list[list[list[Any]]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.variants)

    def _counts_of(self, i: int) -> tuple[list[Any], list[Any]]:
        if self._values is None:
            self._values = [_sample_values(self.tumor), _sample_values(self.normal)]
        tumor, normal = (
            [column[i] for column in values] if values else [None] * 4 for values in self._values
        )
        return tumor, normal

    def passing_lines(self, indices: list[int]) -> str:
        """TSV lines (MUTATION_COLUMNS) of single-ALT passing records, formatted column by
        column: the same text as ``format_value`` over ``passing_row`` gives."""
        if not indices:
            return ""
        ref = [self.ref[i] for i in indices]
        alt = [self.alts[i][0] for i in indices]
        columns = [
            [self.chrom[i] for i in indices],
            [str(self.pos[i]) for i in indices],
            ref,
            alt,
            [variant_type(r, a) for r, a in zip(ref, alt, strict=True)],
            *_count_columns(self.tumor, indices),
            *_count_columns(self.normal, indices),
            [";".join(self.filters[i]) or "PASS" for i in indices],
        ]
        return "".join("\t".join(row) + "\n" for row in zip(*columns, strict=True))

    def passing_call(self, i: int) -> AlleleCall:
        """Record ``i`` (single ALT, judged passing by the batch rules) as an AlleleCall."""
        (t_depth, t_ref, t_alt, t_vaf), (n_depth, n_ref, n_alt, n_vaf) = self._counts_of(i)
        tumor = None if self.tumor is None else SampleCounts((t_ref, t_alt), t_depth)
        normal = None if self.normal is None else SampleCounts((n_ref, n_alt), n_depth)
        site = Site(self.chrom[i], self.pos[i], self.ref[i], (self.alts[i][0],), self.filters[i],
                    tumor, normal)  # fmt: skip
        return AlleleCall(
            site, 1, t_depth, t_ref, t_alt, t_vaf, n_depth, n_ref, n_alt, n_vaf, (), ()
        )


def _count_columns(counts: ReadCounts | None, indices: list[int]) -> list[list[str]]:
    """depth, ref, alt and VAF of ``indices`` as text ('' when missing)."""
    if counts is None:
        return [[""] * len(indices)] * 4
    picked = np.asarray(indices)
    columns = [
        ["" if v < 0 else str(v) for v in a[picked].tolist()]
        for a in (counts.depth, counts.ref, counts.alt)
    ]
    columns.append(["" if v != v else FLOAT_FORMAT % v for v in counts.vaf()[picked].tolist()])
    return columns


def _sample_values(counts: ReadCounts | None) -> list[list[Any]]:
    """depth, ref, alt and VAF columns as Python lists, None for missing."""
    if counts is None:
        return []
    columns: list[list[Any]] = [
        [None if v < 0 else v for v in a.tolist()] for a in (counts.depth, counts.ref, counts.alt)
    ]
    columns.append([None if v != v else v for v in counts.vaf().tolist()])
    return columns


def iter_batches(
    records: Iterable[cyvcf2.Variant], header: VcfHeader, size: int = 4096
) -> Iterator[RecordBatch]:
    """Stream the records in batches, checking each is parsed and in sorted order."""
    reader = _Reader(records, header)
    while True:
        batch = reader.read(size)
        if not len(batch):
            return
        yield batch


class _Reader:
    """Batch extraction and the checks htslib does not make (order, missing columns)."""

    def __init__(self, records: Iterable[cyvcf2.Variant], header: VcfHeader) -> None:
        self.records = iter(records)
        self.header = header
        self.number = 0
        self.seen: set[str] = set()
        self.last = ("", 0)
        self.has_filter_value = False
        n = len(header.samples)
        self.missing_ad = np.full((n, 2), MISSING_INT, dtype=np.int32)
        self.missing_dp = np.full((n, 1), MISSING_INT, dtype=np.int32)

    def read(self, size: int) -> RecordBatch:
        variants = self._next(size)
        chrom = [v.CHROM for v in variants]
        pos = [v.POS for v in variants]
        ref = [v.REF for v in variants]
        self._check_order(chrom, pos, ref)
        alts = [v.ALT for v in variants]
        filters = [tuple(f.split(";")) if f else () for f in (v.FILTER for v in variants)]
        if not self.has_filter_value:  # cyvcf2 gives FILTER None for both PASS and '.'
            self.has_filter_value = any(v.FILTERS for v in variants)
        batch = RecordBatch(
            variants, chrom, pos, ref, alts, filters, {}, None, None, self.has_filter_value
        )
        self.number += len(variants)
        if variants and self.header.samples:
            self._counts(batch)
        return batch

    def _next(self, size: int) -> list[cyvcf2.Variant]:
        variants: list[cyvcf2.Variant] = []
        append = variants.append
        try:
            for variant in itertools.islice(self.records, size):
                append(variant)
        except Exception as error:
            if type(error) is not Exception:  # cyvcf2 raises a bare Exception on parse errors
                raise
            last = variants[-1] if variants else None
            chrom, pos = (last.CHROM, last.POS) if last is not None else self.last
            where = f" after {chrom}:{pos}" if chrom else ""
            raise IcarusError(
                f"{self.header.path}: record {self.number + len(variants) + 1}{where} cannot be "
                f"parsed (a value that does not match its header declaration?): {error}"
            ) from None
        return variants

    def _check_order(self, chrom: list[str], pos: list[int], ref: list[str]) -> None:
        """Records sorted by position within each contig, each contig in one block."""
        if not chrom:
            return
        starts = [0, *(i for i in range(1, len(chrom)) if chrom[i] != chrom[i - 1])]
        previous = self.last
        for k, start in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else len(chrom)
            name = chrom[start]
            if name != previous[0]:
                if name in self.seen:
                    raise _unsorted(self.header.path, name, pos[start], *previous)
                self.seen.add(name)
                previous = (name, 0)
            block = np.asarray(pos[start:stop])
            back = np.flatnonzero(np.diff(block, prepend=previous[1]) < 0)
            if back.size:
                i = start + int(back[0])
                before = (name, pos[i - 1] if i > start else previous[1])
                raise _unsorted(self.header.path, name, pos[i], *before)
            previous = (name, pos[stop - 1])
        self.last = previous
        if not all(ref):
            i = ref.index("")
            raise IcarusError(
                f"{self.header.path}: record {self.number + i + 1} ({chrom[i]}:{pos[i]}) is "
                "malformed (missing columns or an unparseable value)"
            )

    def _counts(self, batch: RecordBatch) -> None:
        """Fill the batch's read-count arrays; set aside records for the per-site rules."""
        variants, missing_ad, missing_dp = batch.variants, self.missing_ad, self.missing_dp
        ads = [v.format("AD") for v in variants]
        dps = [v.format("DP") for v in variants] if self.header.has_dp else None
        for i, (alts, ad) in enumerate(zip(batch.alts, ads, strict=True)):
            if ad is None:
                if not variants[i].FORMAT:
                    raise IcarusError(
                        f"{self.header.path}: record {self.number - len(variants) + i + 1} "
                        f"({batch.chrom[i]}:{batch.pos[i]}) has no sample columns"
                    )
                ads[i] = missing_ad
            elif len(alts) != 1 or ad.shape[1] != 2:
                dp = dps[i] if dps is not None else None
                batch.sites[i] = self._site(variants[i], ad, dp, batch.filters[i])
                ads[i] = missing_ad
        ad_all = np.stack(ads).astype(np.int64)
        if dps is None:
            dp_all = np.full(ad_all.shape[:2], -1, dtype=np.int64)
        else:
            dp_all = np.stack([missing_dp if d is None else d for d in dps])[:, :, 0].astype(
                np.int64
            )
        batch.tumor = _read_counts(ad_all, dp_all, self.header.tumor_index)
        batch.normal = _read_counts(ad_all, dp_all, self.header.normal_index)

    def _site(
        self,
        variant: cyvcf2.Variant,
        ad: np.ndarray,
        dp: np.ndarray | None,
        filters: tuple[str, ...],
    ) -> Site:
        header = self.header
        return Site(
            variant.CHROM,
            variant.POS,
            variant.REF,
            tuple(variant.ALT),
            filters,
            _sample_counts(ad, dp, header.tumor_index),
            _sample_counts(ad, dp, header.normal_index),
        )


def _sample_counts(ad: np.ndarray, dp: np.ndarray | None, index: int | None) -> SampleCounts | None:
    if index is None:
        return None
    row = ad[index].tolist()
    values = tuple(None if v == MISSING_INT else v for v in row if v != VECTOR_END)
    depth = None
    if dp is not None and int(dp[index][0]) >= 0:
        depth = int(dp[index][0])
    return SampleCounts(values, depth)


def _read_counts(ad: np.ndarray, dp: np.ndarray, index: int | None) -> ReadCounts | None:
    """One sample's columns of stacked AD (records x samples x 2) and DP arrays."""
    if index is None:
        return None
    ref = np.where(ad[:, index, 0] < 0, -1, ad[:, index, 0])
    alt = np.where(ad[:, index, 1] < 0, -1, ad[:, index, 1])
    summed = np.where((ref >= 0) & (alt >= 0), ref + alt, -1)
    depth = np.where(dp[:, index] >= 0, dp[:, index], summed)
    return ReadCounts(depth, ref, alt)


def _unsorted(path: Path, chrom: str, pos: int, last_chrom: str, last_pos: int) -> IcarusError:
    return IcarusError(
        f"{path}: records are not sorted ({chrom}:{pos} after {last_chrom}:{last_pos}); "
        "sort with 'bcftools sort' first"
    )
