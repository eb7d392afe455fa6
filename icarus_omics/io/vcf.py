"""VCF/BCF reading (streamed with cyvcf2) and header checks.

Reading by contig groups (the parallel pass) is in :mod:`icarus_omics.io.vcf_contigs`,
reading records in batches in :mod:`icarus_omics.io.vcf_batch`, and writing the
soft-filtered VCF and its index in :mod:`icarus_omics.io.vcf_write`.

htslib's own messages are silenced: problems are reported as one IcarusError naming the
file, and checks htslib does not make (truncated files, records it could not parse,
unsorted records) are made here.
"""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cyvcf2
import pysam

from icarus_omics.errors import IcarusError

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
FILTER_COLUMN = 6
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
    unfiltered: str = ""  # why the header says FilterMutectCalls never ran; "" if it did

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
    except Exception as error:
        if type(error) is not Exception:  # cyvcf2 raises a bare Exception on a bad header
            raise
        raise IcarusError(f"{path}: {_header_problem(path)}") from None
    if not vcf.raw_header.startswith("##fileformat=VCF"):
        raise IcarusError(f"{path}: not a VCF (no ##fileformat=VCF header line)")
    return vcf


def _header_problem(path: Path) -> str:
    """Why htslib refused the header of ``path``: duplicate sample names, or unknown."""
    columns: list[str] = []
    with contextlib.suppress(OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith("##"):
                    columns = line.rstrip("\n").split("\t") if line.startswith("#") else []
                    break
    seen: set[str] = set()
    for name in columns[9:]:
        if name in seen:
            return (
                f"the sample name {name!r} appears twice in the #CHROM line; give each "
                "sample column its own name (bcftools reheader --samples)"
            )
        seen.add(name)
    return "the VCF header cannot be parsed (malformed ## or #CHROM line)"


def unfiltered_reason(raw_header: str) -> str:
    """Why the header shows Mutect2 calls that FilterMutectCalls never saw ("" if it did).

    Mutect2 writes ``##filtering_status=Warning: unfiltered Mutect 2 calls...`` and
    ``##source=Mutect2``/``##GATKCommandLine=<ID=Mutect2``; FilterMutectCalls adds
    ``##source=FilterMutectCalls`` and its own ``##GATKCommandLine``. Other callers'
    VCFs (MuTect1, Strelka) carry none of these lines and are not judged here.
    """
    lines = raw_header.splitlines()
    status = next((x for x in lines if x.startswith("##filtering_status=")), "")
    if "unfiltered" in status.lower():
        return "its ##filtering_status line says the calls are unfiltered"
    mutect2 = any(x.startswith(_MUTECT2_LINES) for x in lines)
    filtered = any(x.startswith(_FILTER_MUTECT_CALLS_LINES) for x in lines)
    if mutect2 and not filtered:
        return "the header has Mutect2's command line but no FilterMutectCalls line"
    return ""


_MUTECT2_LINES = (
    "##GATKCommandLine=<ID=Mutect2,",
    "##GATKCommandLine.Mutect2=",
    "##source=Mutect2",
)
_FILTER_MUTECT_CALLS_LINES = (
    "##GATKCommandLine=<ID=FilterMutectCalls,",
    "##GATKCommandLine.FilterMutectCalls=",
    "##source=FilterMutectCalls",
)


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
        unfiltered=unfiltered_reason(vcf.raw_header),
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
