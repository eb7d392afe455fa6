"""Reading a VCF a few thousand records at a time, read counts gathered into arrays.

This is the hot loop of ``wes-filter``. cyvcf2 (htslib) parses each record and gives back
its text in htslib's own form (``str(variant)``: the text the filtered VCF is made of);
the columns and read counts of the whole batch are then read from that text with numpy
(:mod:`icarus_omics.io.vcf_lines`), so the Python work per record stays small. Records
with one ALT are judged from the arrays (:mod:`icarus_omics.somatic.batch`); the others
are handed over as :class:`~icarus_omics.somatic.rules.Site` objects for the per-site
rules. A record whose text the batch reader does not recognise (no AD, several ALTs, a
count that is not digits) is read through cyvcf2's accessors instead, as it always was.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import cyvcf2
import numpy as np

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import FLOAT_FORMAT
from icarus_omics.io.vcf import VcfHeader
from icarus_omics.io.vcf_counts import SampleReads
from icarus_omics.io.vcf_lines import ALT, CHROM, DOT, FILTER, FORMAT, INFO, POS, REF, Lines
from icarus_omics.somatic.batch import ReadCounts
from icarus_omics.somatic.rules import OUR_FILTERS, AlleleCall, SampleCounts, Site, variant_type


@dataclass
class RecordBatch:
    """Consecutive records and their text (``lines``); ``sites`` maps the index of each
    record that needs the per-site rules (several ALTs, or AD of an unexpected length) to
    its Site. Their rows in ``tumor``/``normal`` hold -1. ``has_filter_value`` tells
    FilterMutectCalls output (every record PASS or flagged) from unfiltered calls
    (FILTER '.' throughout).

    CHROM and FILTER are coded: ``chrom_names[chrom_codes[i]]`` is record i's contig,
    ``filter_texts[filter_codes[i]]`` its FILTER column as written.
    """

    variants: list[cyvcf2.Variant]
    lines: Lines
    chrom_codes: np.ndarray
    chrom_names: list[str]
    pos: np.ndarray
    filter_codes: np.ndarray
    filter_texts: list[str]
    sites: dict[int, Site]
    tumor: ReadCounts | None
    normal: ReadCounts | None
    has_filter_value: bool = False  # a record so far had FILTER PASS or a flag, not '.'
    _values: list[list[list[Any]]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.variants)

    @cached_property
    def filter_values(self) -> list[tuple[str, ...]]:
        """FILTER flags per code: empty for PASS or '.'."""
        return [() if t in ("PASS", ".") else tuple(t.split(";")) for t in self.filter_texts]

    @cached_property
    def filters(self) -> list[tuple[str, ...]]:
        """FILTER flags per record (empty for PASS or '.')."""
        values = self.filter_values
        return [values[c] for c in self.filter_codes.tolist()]

    @cached_property
    def chrom(self) -> list[str]:
        """The contig of each record."""
        return [self.chrom_names[c] for c in self.chrom_codes.tolist()]

    @cached_property
    def ref(self) -> list[str]:
        """The REF allele of each record."""
        return self.column(REF, range(len(self)))

    def column(self, j: int, indices: Iterable[int]) -> list[str]:
        """Column ``j`` (0-based) of the records at ``indices``, as written."""
        start, end = self.lines.column(j)
        text = self.lines.text
        return [text(start[i], end[i]) for i in indices]

    def alts(self, i: int) -> list[str]:
        """The ALT alleles of record ``i`` (none for '.')."""
        (alt,) = self.column(ALT, (i,))
        return [] if alt == "." else alt.split(",")

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
        picked = np.asarray(indices)
        data, starts, tabs = self.lines.data, self.lines.starts[picked], self.lines.tabs[picked]
        types = [b"SNV"] * len(indices)
        not_snv = (tabs[:, REF] - tabs[:, REF - 1] != 2) | (tabs[:, ALT] - tabs[:, REF] != 2)
        for k in np.flatnonzero(not_snv).tolist():
            ref, alt = self.column(REF, (indices[k],)) + self.column(ALT, (indices[k],))
            types[k] = variant_type(ref, alt).encode()
        shown = [(";".join(v) or "PASS").encode() for v in self.filter_values]
        columns = zip(
            starts.tolist(), tabs[:, POS].tolist(), tabs[:, REF - 1].tolist(),
            tabs[:, ALT].tolist(), types, count_texts(self.tumor, picked),
            count_texts(self.normal, picked),
            [shown[c] for c in self.filter_codes[picked].tolist()], strict=True,
        )  # fmt: skip
        # "CHROM\tPOS" and "\tREF\tALT" as written, then the columns made here
        return b"".join([
            b"%s%s\t%s\t%s\t%s\t%s\n" % (data[a:b], data[c:d], kind, tumor, normal, flags)
            for a, b, c, d, kind, tumor, normal, flags in columns
        ]).decode()  # fmt: skip

    def passing_call(self, i: int) -> AlleleCall:
        """Record ``i`` (single ALT, judged passing by the batch rules) as an AlleleCall."""
        (t_depth, t_ref, t_alt, t_vaf), (n_depth, n_ref, n_alt, n_vaf) = self._counts_of(i)
        tumor = None if self.tumor is None else SampleCounts((t_ref, t_alt), t_depth)
        normal = None if self.normal is None else SampleCounts((n_ref, n_alt), n_depth)
        site = Site(self.chrom[i], int(self.pos[i]), self.ref[i], (self.alts(i)[0],),
                    self.filters[i], tumor, normal)  # fmt: skip
        return AlleleCall(
            site, 1, t_depth, t_ref, t_alt, t_vaf, n_depth, n_ref, n_alt, n_vaf, (), ()
        )


FLOAT_TEXT = FLOAT_FORMAT.encode()


def count_texts(counts: ReadCounts | None, picked: np.ndarray) -> list[bytes]:
    """One sample's depth, ref, alt and VAF of the records at ``picked``, as the four
    tab-separated TSV columns ('' when missing)."""
    if counts is None:
        return [b"\t\t\t"] * len(picked)
    columns = [a[picked].tolist() for a in (counts.depth, counts.ref, counts.alt)]
    vaf = counts.vaf()[picked].tolist()
    small, numbers = len(NUMBERS) - 1, NUMBERS
    return [
        b"%s\t%s\t%s\t%s" % (
            numbers[depth + 1] if depth < small else b"%d" % depth,
            numbers[ref + 1] if ref < small else b"%d" % ref,
            numbers[alt + 1] if alt < small else b"%d" % alt,
            b"" if fraction != fraction else b"0" if fraction == 0 else FLOAT_TEXT % fraction,
        )
        for depth, ref, alt, fraction in zip(*columns, vaf, strict=True)
    ]  # fmt: skip


NUMBERS = [b"", *(b"%d" % n for n in range(10_000))]  # the text of -1 (missing), 0, 1...


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
    reader: cyvcf2.VCF, records: Iterable[cyvcf2.Variant], header: VcfHeader, size: int = 8192
) -> Iterator[RecordBatch]:
    """Stream the records of ``reader`` in batches, checking each is parsed, declared in
    the header and in sorted order."""
    batches = _Reader(reader, records, header)
    while True:
        batch = batches.read(size)
        if not len(batch):
            return
        yield batch


class _Reader:
    """Batch extraction and the checks htslib does not make (order, missing columns,
    tags the header does not declare)."""

    def __init__(
        self, reader: cyvcf2.VCF, records: Iterable[cyvcf2.Variant], header: VcfHeader
    ) -> None:
        self.reader = reader
        self.header_size = len(reader.raw_header)  # htslib adds a line per undeclared tag
        self.records = iter(records)
        self.header = header
        self.number = 0
        self.seen: set[str] = set()
        self.last = ("", 0)
        self.has_filter_value = False
        self.columns = 9 + len(header.samples) if header.samples else 8

    def read(self, size: int) -> RecordBatch:
        variants = self._next(size)
        lines = Lines([str(v) for v in variants], self.columns)
        chrom_codes, chrom_names = lines.values(lines.column(CHROM))
        pos, readable = lines.counts(lines.column(POS))
        if not readable.all():
            pos = np.array([v.POS for v in variants], dtype=np.int64)
        self._check_order(chrom_codes, chrom_names, pos, lines)
        self._check_declared(variants, lines)
        filter_codes, filter_texts = lines.values(lines.column(FILTER))
        if not self.has_filter_value:  # PASS or a flag, not '.'
            self.has_filter_value = any(t != "." for t in filter_texts)
        batch = RecordBatch(variants, lines, chrom_codes, chrom_names, pos, filter_codes,
                            filter_texts, {}, None, None, self.has_filter_value)  # fmt: skip
        self.number += len(variants)
        if variants and self.header.samples:
            counts = SampleReads(lines, variants, batch.filters, self.header, self.number)
            batch.tumor, batch.normal, batch.sites = counts.read()
        elif variants:
            self._sites_only(batch)
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

    def _check_order(
        self, codes: np.ndarray, names: list[str], pos: np.ndarray, lines: Lines
    ) -> None:
        """Records sorted by position within each contig, each contig in one block."""
        if not len(codes):
            return
        starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist()]
        previous = self.last
        for k, start in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else len(codes)
            name = names[codes[start]]
            if name != previous[0]:
                if name in self.seen:
                    raise _unsorted(self.header.path, name, int(pos[start]), *previous)
                self.seen.add(name)
                previous = (name, 0)
            block = pos[start:stop]
            back = np.flatnonzero(np.diff(block, prepend=previous[1]) < 0)
            if back.size:
                i = start + int(back[0])
                before = (name, int(pos[i - 1]) if i > start else previous[1])
                raise _unsorted(self.header.path, name, int(pos[i]), *before)
            previous = (name, int(pos[stop - 1]))
        self.last = previous
        ref_start, ref_end = lines.column(REF)
        empty = np.flatnonzero(ref_end == ref_start)
        if empty.size:
            i = int(empty[0])
            raise IcarusError(
                f"{self.header.path}: record {self.number + i + 1} ({names[codes[i]]}:{pos[i]}) "
                "is malformed (missing columns or an unparseable value)"
            )

    def _check_declared(self, variants: list[cyvcf2.Variant], lines: Lines) -> None:
        """Refuse a record with an INFO, FORMAT or FILTER tag the header does not declare
        (htslib reads it with a made-up declaration, which no reader of ours would see)."""
        if len(self.reader.raw_header) == self.header_size:
            return
        declared = set(self.header.numbers)
        declared |= {("FILTER", f) for f in (*self.header.filter_descriptions, *OUR_FILTERS)}
        texts = lines.data.decode().split("\n")
        for variant, text in zip(variants, texts, strict=False):
            undeclared = _undeclared(text.split("\t"), declared)
            if undeclared:
                raise IcarusError(
                    f"{self.header.path}: record {variant.CHROM}:{variant.POS} uses "
                    f"{', '.join(undeclared)}, not declared in the VCF header; declare it "
                    "(bcftools annotate --header-lines) or remove it (bcftools annotate -x)"
                )
        self.header_size = len(self.reader.raw_header)  # grown for another reason (a contig)

    def _sites_only(self, batch: RecordBatch) -> None:
        """Records of a sites-only VCF without exactly one ALT take the per-site rules."""
        start, end = batch.lines.column(ALT)
        alt_commas, _ = batch.lines.commas((start, end))
        dot = (end - start == 1) & (batch.lines.buf[start] == DOT)
        for i in np.flatnonzero((alt_commas > 0) | dot).tolist():
            variant = batch.variants[i]
            batch.sites[i] = Site(variant.CHROM, variant.POS, variant.REF, tuple(variant.ALT),
                                  batch.filters[i], None, None)  # fmt: skip


def _undeclared(columns: list[str], declared: set[tuple[str, str]]) -> list[str]:
    """The INFO, FORMAT and FILTER tags of a record's columns missing from ``declared``."""
    tags = [("FILTER", f) for f in columns[FILTER].split(";") if f not in (".", "PASS")]
    tags += [("INFO", item.partition("=")[0]) for item in columns[INFO].split(";") if item != "."]
    if len(columns) > FORMAT:
        tags += [("FORMAT", key) for key in columns[FORMAT].split(":")]
    return [f"{kind}/{key}" for kind, key in tags if (kind, key) not in declared]


def _unsorted(path: Path, chrom: str, pos: int, last_chrom: str, last_pos: int) -> IcarusError:
    return IcarusError(
        f"{path}: records are not sorted ({chrom}:{pos} after {last_chrom}:{last_pos}); "
        "sort with 'bcftools sort' first"
    )
