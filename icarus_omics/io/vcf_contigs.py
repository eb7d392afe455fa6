"""Reading a bgzipped, indexed VCF by groups of contigs, for the parallel pass.

The groups depend only on the file, so outputs joined from them are the same bytes
whatever the number of processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cyvcf2
import pysam

from icarus_omics.io.vcf import open_vcf


@dataclass(frozen=True)
class ContigPlan:
    """Groups of consecutive contigs of an indexed VCF (file order) and its index.

    The grouping depends only on the file (about ``PARTS`` groups of similar total contig
    length), so outputs joined from the groups are the same bytes whatever the number of
    processes that filtered them.
    """

    index: Path
    groups: tuple[tuple[str, ...], ...]


PARTS = 8


def group_contigs(contigs: Sequence[str], lengths: dict[str, int]) -> tuple[tuple[str, ...], ...]:
    """Split ``contigs`` (in order) into about PARTS runs of similar total length; contigs
    of unknown length count as the median."""
    known = sorted(lengths[c] for c in contigs if c in lengths) or [1]
    sizes = [lengths.get(c, known[len(known) // 2]) for c in contigs]
    target = sum(sizes) / PARTS
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    filled = 0.0
    for contig, size in zip(contigs, sizes, strict=True):
        current.append(contig)
        filled += size
        if filled >= target:
            groups.append(tuple(current))
            current, filled = [], 0.0
    if current:
        groups.append(tuple(current))
    return tuple(groups)


def contig_plan(path: Path, scratch: Path, lengths: dict[str, int]) -> ContigPlan | None:
    """How to read ``path`` contig by contig: a bgzipped VCF with a current tabix/CSI
    index (one is made in ``scratch`` if missing). None for plain or BCF files, and for
    files that cannot be indexed (unsorted: the single pass then says so)."""
    with open(path, "rb") as handle:
        magic = handle.read(18)
    if path.suffix == ".bcf" or magic[:4] != b"\x1f\x8b\x08\x04" or magic[12:14] != b"BC":
        return None
    index = next(
        (c for c in (Path(f"{path}.tbi"), Path(f"{path}.csi"))
         if c.exists() and c.stat().st_mtime >= path.stat().st_mtime),
        None,
    )  # fmt: skip
    try:
        if index is None:
            index = scratch / "input.vcf.gz.tbi"
            pysam.tabix_index(str(path), preset="vcf", force=True, index=str(index))
        with pysam.TabixFile(str(path), index=str(index)) as tabix:
            contigs = tuple(tabix.contigs)
    except (OSError, ValueError):
        return None
    if any(":" in contig for contig in contigs):  # not expressible as a region string
        return None
    return ContigPlan(index, group_contigs(contigs, lengths))


_OPEN: dict[tuple[int, Path, Path], cyvcf2.VCF] = {}


def open_indexed(path: Path, index: Path) -> cyvcf2.VCF:
    """``path`` opened once per process with ``index`` loaded, for contig queries.

    Keyed by process id: a reader inherited through fork shares its file offset with the
    parent's, so a worker process must never use one.
    """
    key = (os.getpid(), path, index)
    if key not in _OPEN:
        for stale in [k for k in _OPEN if k[0] == key[0]]:  # one open file per process
            _OPEN.pop(stale).close()
        reader = open_vcf(path)
        reader.set_index(str(index))
        _OPEN[key] = reader
    return _OPEN[key]


def query_contigs(reader: cyvcf2.VCF, contigs: Sequence[str]) -> Iterator[cyvcf2.Variant]:
    """The records of ``contigs``, in order, from an indexed reader."""
    for contig in contigs:
        yield from reader(contig)
