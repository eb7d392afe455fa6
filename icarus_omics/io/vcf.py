"""VCF/BCF reading (streamed with cyvcf2) and soft-filtered VCF writing.

htslib's own messages are silenced: problems are reported as one IcarusError naming the
file, and checks htslib does not make (truncated files, records it could not parse,
unsorted records) are made here.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cyvcf2
import numpy as np
import pysam

from icarus_omics.errors import IcarusError
from icarus_omics.somatic import AlleleCall, SampleCounts, Site, variant_type
from icarus_omics.somatic_batch import ReadCounts

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
MISSING_INT = -2147483648  # htslib's missing integer
VECTOR_END = -2147483647  # htslib's padding after a short vector
ANNOTATION_KEYS = ("CSQ", "ANN", "FUNCOTATION")
TUMOR_NAMES = ("TUMOR", "TUMOUR")
_CONTIG = re.compile(r"^##contig=<ID=([^,>]+),(?:[^\n]*?,)?length=(\d+)", re.MULTILINE)
NORMAL_NAMES = ("NORMAL",)


def _silence_htslib() -> None:
    """Turn htslib's stderr logging off; our own checks report errors as one line."""
    # a cyvcf2 build that does not export the symbol keeps its messages
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(cyvcf2.cyvcf2.__file__).hts_set_log_level(0)
    pysam.set_verbosity(0)


_silence_htslib()


@dataclass(frozen=True)
class VcfHeader:
    """What the filter needs from a VCF header."""

    path: Path
    samples: tuple[str, ...]
    tumor: str | None
    normal: str | None
    contig_lengths: dict[str, int]
    filter_descriptions: dict[str, str]
    has_ad: bool
    has_dp: bool
    annotation: str | None  # "CSQ", "ANN" or "FUNCOTATION"
    annotation_description: str
    numbers: dict[tuple[str, str], str]  # ("INFO"|"FORMAT", ID) -> Number

    @property
    def tumor_index(self) -> int | None:
        return self.samples.index(self.tumor) if self.tumor is not None else None

    @property
    def normal_index(self) -> int | None:
        return self.samples.index(self.normal) if self.normal is not None else None


def check_complete(path: Path) -> None:
    """Fail on an empty file, a BGZF file without its end-of-file block, or a text file
    that ends mid-line: the signs of a copy or a run that was cut short."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            magic = handle.read(18)
            handle.seek(max(0, size - 28))
            tail = handle.read()
    except OSError as error:
        raise IcarusError(f"{path}: cannot read ({error.strerror})") from None
    if size == 0:
        raise IcarusError(f"{path}: the file is empty")
    is_bgzf = magic[:4] == b"\x1f\x8b\x08\x04" and magic[12:14] == b"BC"
    if is_bgzf and tail != BGZF_EOF:
        raise IcarusError(f"{path}: truncated (no BGZF end-of-file block); re-copy or re-run")
    if magic[:2] != b"\x1f\x8b" and not magic.startswith(b"BCF") and not tail.endswith(b"\n"):
        raise IcarusError(f"{path}: truncated (the last line is incomplete); re-copy or re-run")


def open_vcf(path: Path, threads: int = 1) -> cyvcf2.VCF:
    """Open a VCF/VCF.gz/BCF for streaming, or fail with a one-line reason."""
    check_complete(path)
    try:
        vcf = cyvcf2.VCF(str(path), threads=threads if threads > 1 else None)
    except (OSError, ValueError) as error:
        raise IcarusError(f"{path}: not a readable VCF or BCF file ({error})") from None
    if not vcf.raw_header.startswith("##fileformat=VCF"):
        raise IcarusError(f"{path}: not a VCF (no ##fileformat=VCF header line)")
    return vcf


def read_header(vcf: cyvcf2.VCF, path: Path, tumor: str | None, normal: str | None) -> VcfHeader:
    """Header facts, with the tumour and normal samples resolved (see ``resolve_samples``)."""
    meta: dict[str, str] = {}
    contigs = {m.group(1): int(m.group(2)) for m in _CONTIG.finditer(vcf.raw_header)}
    for line in vcf.raw_header.splitlines():
        if line.startswith("##") and "=" in line and not line.startswith("##INFO"):
            key, _, value = line[2:].partition("=")
            meta.setdefault(key, value)
    numbers, filters, descriptions = {}, {}, {}
    for record in vcf.header_iter():
        info = record.info()
        kind = info.get("HeaderType")
        if kind in ("INFO", "FORMAT"):
            numbers[(kind, info["ID"])] = info.get("Number", ".")
            descriptions[(kind, info["ID"])] = info.get("Description", "").strip('"')
        elif kind == "FILTER":
            filters[info["ID"]] = info.get("Description", "").strip('"')
    samples = tuple(vcf.samples)
    tumor, normal = resolve_samples(path, samples, tumor, normal, meta)
    annotation = next((k for k in ANNOTATION_KEYS if ("INFO", k) in numbers), None)
    return VcfHeader(
        path=path,
        samples=samples,
        tumor=tumor,
        normal=normal,
        contig_lengths=contigs,
        filter_descriptions=filters,
        has_ad=("FORMAT", "AD") in numbers,
        has_dp=("FORMAT", "DP") in numbers,
        annotation=annotation,
        annotation_description=descriptions.get(("INFO", annotation), "") if annotation else "",
        numbers=numbers,
    )


def resolve_samples(
    path: Path,
    samples: Sequence[str],
    tumor: str | None,
    normal: str | None,
    meta: dict[str, str],
) -> tuple[str | None, str | None]:
    """Tumour and normal sample names: options first, then the ``##tumor_sample`` and
    ``##normal_sample`` lines Mutect2 writes, then samples named TUMOR/NORMAL, then a lone
    sample as the tumour of a tumour-only VCF."""
    listed = ", ".join(samples) or "none"
    for name, option in ((tumor, "--tumor"), (normal, "--normal")):
        if name is not None and name not in samples:
            raise IcarusError(f"{path}: no sample {name!r} ({option}); samples are: {listed}")
    if tumor is None:
        tumor = meta.get("tumor_sample")
        if tumor is None:
            tumor = next((s for s in samples if s.upper() in TUMOR_NAMES), None)
        if tumor is None and len(samples) == 1:
            tumor = samples[0]
        if tumor is None and samples:
            raise IcarusError(
                f"{path}: cannot tell the tumour sample (no ##tumor_sample line); "
                f"samples are: {listed}; pass --tumor NAME"
            )
        if tumor is not None and tumor not in samples:
            raise IcarusError(f"{path}: ##tumor_sample names {tumor!r}, not among: {listed}")
    if normal is None and len(samples) > 1:
        normal = meta.get("normal_sample") or next(
            (s for s in samples if s.upper() in NORMAL_NAMES and s != tumor), None
        )
        if normal is None and len(samples) == 2:
            normal = next(s for s in samples if s != tumor)
        if normal is not None and normal not in samples:
            raise IcarusError(f"{path}: ##normal_sample names {normal!r}, not among: {listed}")
    if normal is not None and normal == tumor:
        raise IcarusError(f"{path}: the tumour and normal sample are both {tumor!r}")
    return tumor, normal


def _counts(ad: np.ndarray | None, dp: np.ndarray | None, index: int | None) -> SampleCounts | None:
    if index is None:
        return None
    values: tuple[int | None, ...] = ()
    if ad is not None:
        row = ad[index].tolist()
        values = tuple(None if v == MISSING_INT else v for v in row if v != VECTOR_END)
    depth = None
    if dp is not None:
        d = int(dp[index][0])
        depth = None if d < 0 else d
    return SampleCounts(values, depth)


@dataclass
class RecordBatch:
    """A few thousand consecutive records, read counts of single-ALT ones as arrays.

    ``sites[i]`` is set for records that take the per-site path (several ALTs, or AD of
    an unexpected length); their array rows hold -1.
    """

    variants: list[cyvcf2.Variant]
    chrom: list[str]
    pos: list[int]
    ref: list[str]
    alt: list[str]
    filters: list[tuple[str, ...]]
    sites: list[Site | None]
    tumor: ReadCounts | None
    normal: ReadCounts | None
    _values: list[list[list[Any]]] | None = None

    def __len__(self) -> int:
        return len(self.variants)

    def _counts_of(self, i: int) -> tuple[list[Any], list[Any]]:
        if self._values is None:
            self._values = [_sample_values(self.tumor), _sample_values(self.normal)]
        tumor, normal = (
            [column[i] for column in values] if values else [None] * 4 for values in self._values
        )
        return tumor, normal

    def passing_row(self, i: int) -> tuple[object, ...]:
        """Record ``i`` (single ALT, passing) as a row of MUTATION_COLUMNS."""
        tumor, normal = self._counts_of(i)
        ref, alt = self.ref[i], self.alt[i]
        filters = ";".join(self.filters[i]) or "PASS"
        return (
            self.chrom[i],
            self.pos[i],
            ref,
            alt,
            variant_type(ref, alt),
            *tumor,
            *normal,
            filters,
        )

    def passing_call(self, i: int) -> AlleleCall:
        """Record ``i`` (single ALT, judged passing by the batch rules) as an AlleleCall."""
        (t_depth, t_ref, t_alt, t_vaf), (n_depth, n_ref, n_alt, n_vaf) = self._counts_of(i)
        tumor = None if self.tumor is None else SampleCounts((t_ref, t_alt), t_depth)
        normal = None if self.normal is None else SampleCounts((n_ref, n_alt), n_depth)
        site = Site(self.chrom[i], self.pos[i], self.ref[i], (self.alt[i],), self.filters[i],
                    tumor, normal)  # fmt: skip
        return AlleleCall(
            site, 1, t_depth, t_ref, t_alt, t_vaf, n_depth, n_ref, n_alt, n_vaf, (), ()
        )


def _sample_values(counts: ReadCounts | None) -> list[list[Any]]:
    """depth, ref, alt and VAF columns as Python lists, None for missing."""
    if counts is None:
        return []
    columns: list[list[Any]] = [
        [None if v < 0 else v for v in a.tolist()] for a in (counts.depth, counts.ref, counts.alt)
    ]
    columns.append([None if v != v else v for v in counts.vaf().tolist()])
    return columns


def iter_batches(vcf: cyvcf2.VCF, header: VcfHeader, size: int = 4096) -> Iterator[RecordBatch]:
    """Stream the records in batches, checking each is parsed and in sorted order."""
    reader = _Reader(vcf, header)
    while True:
        batch = reader.read(size)
        if not len(batch):
            return
        yield batch


class _Reader:
    """Record-by-record checks and extraction behind :func:`iter_batches`."""

    def __init__(self, vcf: cyvcf2.VCF, header: VcfHeader) -> None:
        self.records = iter(vcf)
        self.header = header
        self.number = 0
        self.seen: set[str] = set()
        self.last_chrom, self.last_pos = "", 0
        n = len(header.samples)
        self.missing_ad = np.full((n, 2), MISSING_INT, dtype=np.int32)
        self.missing_dp = np.full((n, 1), MISSING_INT, dtype=np.int32)

    def read(self, size: int) -> RecordBatch:
        """Up to ``size`` records; this loop runs once per record, so it is kept lean."""
        batch = RecordBatch([], [], [], [], [], [], [], None, None)
        ad_rows: list[np.ndarray] = []
        dp_rows: list[np.ndarray] = []
        missing_ad, missing_dp, check = self.missing_ad, self.missing_dp, self._check
        try:
            for variant in itertools.islice(self.records, size):
                check(variant)
                alts = variant.ALT
                filters = variant.FILTER
                fields = variant.FORMAT
                ad = variant.format("AD") if "AD" in fields else missing_ad
                simple = len(alts) == 1 and ad.shape[1] == 2
                dp = variant.format("DP") if "DP" in fields else missing_dp
                batch.variants.append(variant)
                batch.chrom.append(variant.CHROM)
                batch.pos.append(variant.POS)
                batch.ref.append(variant.REF)
                batch.alt.append(alts[0] if alts else "")
                batch.filters.append(tuple(filters.split(";")) if filters else ())
                batch.sites.append(None if simple else self._site(variant, ad, dp))
                ad_rows.append(ad if simple else missing_ad)
                dp_rows.append(dp)
        except Exception as error:
            if type(error) is not Exception:  # cyvcf2 raises a bare Exception on parse errors
                raise
            where = f" after {self.last_chrom}:{self.last_pos}" if self.last_chrom else ""
            raise IcarusError(
                f"{self.header.path}: record {self.number + 1}{where} cannot be parsed "
                f"(a value that does not match its header declaration?): {error}"
            ) from None
        if batch.variants and self.header.samples:
            ad_all = np.stack(ad_rows).astype(np.int64)
            dp_all = np.stack(dp_rows)[:, :, 0].astype(np.int64)
            batch.tumor = _read_counts(ad_all, dp_all, self.header.tumor_index)
            batch.normal = _read_counts(ad_all, dp_all, self.header.normal_index)
        return batch

    def _check(self, variant: cyvcf2.Variant) -> None:
        self.number += 1
        chrom, pos = variant.CHROM, variant.POS
        if not variant.REF or (self.header.samples and not variant.FORMAT):
            raise IcarusError(
                f"{self.header.path}: record {self.number} ({chrom}:{pos}) is malformed "
                "(missing columns or an unparseable value)"
            )
        if chrom != self.last_chrom:
            if chrom in self.seen:
                raise _unsorted(self.header.path, chrom, pos, self.last_chrom, self.last_pos)
            self.seen.add(chrom)
            self.last_chrom, self.last_pos = chrom, 0
        if pos < self.last_pos:
            raise _unsorted(self.header.path, chrom, pos, self.last_chrom, self.last_pos)
        self.last_pos = pos

    def _site(self, variant: cyvcf2.Variant, ad: np.ndarray, dp: np.ndarray) -> Site:
        filters = variant.FILTER
        has_ad = "AD" in variant.FORMAT
        has_dp = "DP" in variant.FORMAT
        return Site(
            variant.CHROM,
            variant.POS,
            variant.REF,
            tuple(variant.ALT),
            tuple(filters.split(";")) if filters else (),
            _counts(ad if has_ad else None, dp if has_dp else None, self.header.tumor_index),
            _counts(ad if has_ad else None, dp if has_dp else None, self.header.normal_index),
        )


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


class SoftFilterWriter:
    """Write every record to a bgzipped VCF, FILTER set to the flags each call fails.

    Our filters are declared in the header with their thresholds. With the ``split``
    policy a multi-allelic record becomes one record per ALT: Number=A/R/G values are
    subset and GT is recoded, as ``bcftools norm -m-`` does.
    """

    def __init__(
        self,
        path: Path,
        index: Path,
        vcf: cyvcf2.VCF,
        header: VcfHeader,
        filters: dict[str, str],
        provenance: str,
        split: bool,
        threads: int = 1,
    ) -> None:
        for name, description in filters.items():
            if name not in header.filter_descriptions:
                vcf.add_filter_to_header({"ID": name, "Description": description})
        vcf.add_to_header(f"##icarus-omics={provenance}")
        self.path = path
        self.index = index
        self.split = split
        self._numbers = header.numbers
        self._writer = cyvcf2.Writer(str(path), vcf, mode="wz")
        if threads > 1:
            self._writer.set_threads(threads)
        self.records = 0

    def write(self, variant: cyvcf2.Variant, calls: Sequence[AlleleCall]) -> None:
        """Write ``variant`` (or its per-ALT pieces) with the FILTER of its calls."""
        if not calls:  # a record without ALT allele: nothing to judge
            self._writer.write_record(variant)
            self.records += 1
            return
        if len(calls) == 1 or not self.split:
            variant.FILTER = _filter_value([c for call in calls for c in _flags(call)])
            self._writer.write_record(variant)
            self.records += 1
            return
        line = str(variant).rstrip("\n")
        for call in calls:
            piece = self._writer.variant_from_string(split_record(line, call.allele, self._numbers))
            piece.FILTER = _filter_value(_flags(call))
            self._writer.write_record(piece)
            self.records += 1

    def write_flags(self, variant: cyvcf2.Variant, flags: tuple[str, ...]) -> None:
        """Write a single-ALT ``variant`` with FILTER set to ``flags`` (PASS when empty)."""
        if flags or not variant.FILTERS:  # leave PASS records as they are; '.' becomes PASS
            variant.FILTER = _filter_value(flags)
        self._writer.write_record(variant)
        self.records += 1

    def close(self) -> None:
        """Finish the file and write its tabix index to ``index``."""
        self._writer.close()
        try:
            pysam.tabix_index(str(self.path), preset="vcf", force=True, index=str(self.index))
        except (OSError, ValueError) as error:
            raise IcarusError(f"cannot index {self.path} ({error})") from None


def _flags(call: AlleleCall) -> list[str]:
    return [*call.site.filters, *call.failures]


def _filter_value(flags: Sequence[str]) -> str:
    unique = list(dict.fromkeys(flags))
    return ";".join(unique) if unique else "PASS"


def split_record(line: str, allele: int, numbers: dict[tuple[str, str], str]) -> str:
    """The VCF line of one ALT (1-based ``allele``) of a multi-allelic record line."""
    columns = line.split("\t")
    n_alts = columns[4].count(",") + 1
    columns[4] = columns[4].split(",")[allele - 1]
    if columns[7] != ".":
        columns[7] = ";".join(
            _split_info(item, allele, n_alts, numbers) for item in columns[7].split(";")
        )
    if len(columns) > 9:
        keys = columns[8].split(":")
        for s in range(9, len(columns)):
            values = columns[s].split(":")
            columns[s] = ":".join(
                _subset(k, v, allele, n_alts, numbers.get(("FORMAT", k), "."))
                for k, v in zip(keys, values, strict=False)
            )
    return "\t".join(columns)


def _split_info(item: str, allele: int, n_alts: int, numbers: dict[tuple[str, str], str]) -> str:
    key, eq, value = item.partition("=")
    if not eq:
        return item
    return f"{key}={_subset(key, value, allele, n_alts, numbers.get(('INFO', key), '.'))}"


def _subset(key: str, value: str, allele: int, n_alts: int, number: str) -> str:
    """Keep the values of one ALT in a Number=A/R/G field; recode GT."""
    if key == "GT":
        return _recode_genotype(value, allele)
    values = value.split(",")
    if number == "A" and len(values) == n_alts:
        return values[allele - 1]
    if number == "R" and len(values) == n_alts + 1:
        return f"{values[0]},{values[allele]}"
    if number == "G" and len(values) == (n_alts + 1) * (n_alts + 2) // 2:
        het, hom = allele * (allele + 1) // 2, allele * (allele + 1) // 2 + allele
        return f"{values[0]},{values[het]},{values[hom]}"
    return value


def _recode_genotype(genotype: str, allele: int) -> str:
    """Diploid GT for one ALT: ``0/1`` when the sample carries it, else ``0/0``."""
    separator = "|" if "|" in genotype else "/"
    calls = genotype.replace("|", "/").split("/")
    if all(c == "." for c in calls):
        return genotype
    return f"0{separator}1" if str(allele) in calls else f"0{separator}0"
