"""Indexed reference FASTA access (pysam), with contig names matched across ``chr`` styles.

A FASTA without its ``.fai`` index (and, when BGZF-compressed, its ``.gzi``) is indexed
here with ``pysam.faidx`` (samtools' code, so no samtools install is needed) when its
folder is writable; :attr:`Reference.indexed` tells the command to say so. A FASTA
compressed with plain gzip cannot be read at random positions and is refused with the
fix (``gunzip`` it, or recompress it with ``bgzip``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pysam

from icarus_omics.errors import IcarusError
from icarus_omics.genome import contig_key, missing_contigs_message

_GZIP_MAGIC = b"\x1f\x8b"


class Reference:
    """A reference genome read through its ``.fai`` index (built here when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.indexed = ensure_index(path)  # True when the index was built just now
        try:
            self._fasta = pysam.FastaFile(str(path))
        except (OSError, ValueError) as error:
            raise IcarusError(f"{path}: not a readable indexed FASTA ({error})") from None
        self.lengths = dict(zip(self._fasta.references, self._fasta.lengths, strict=True))
        self._by_key = {contig_key(name): name for name in self.lengths}
        self._resolved: dict[str, str | None] = {}

    def contig(self, name: str) -> str | None:
        """The FASTA's name for contig ``name`` (``chr`` prefix either way), or None."""
        if name not in self._resolved:
            self._resolved[name] = (
                name if name in self.lengths else self._by_key.get(contig_key(name))
            )
        return self._resolved[name]

    def missing(self, names: Iterable[str]) -> list[str]:
        """The contigs among ``names`` that this FASTA lacks (in the order given)."""
        return [name for name in dict.fromkeys(names) if self.contig(name) is None]

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Uppercase sequence of the 0-based half-open span ``start..end`` of ``chrom``."""
        name = self.contig(chrom)
        if name is None:
            raise IcarusError(missing_contigs_message([chrom], self.path, self.lengths))
        return str(self._fasta.fetch(name, start, end)).upper()

    def close(self) -> None:
        self._fasta.close()


def ensure_index(path: Path) -> bool:
    """Make sure ``path`` has its FASTA index; return True when it was built just now."""
    compressed = _is_gzip(path)
    if compressed and not _is_bgzf(path):
        raise IcarusError(
            f"{path} is compressed with plain gzip, which cannot be indexed; decompress it "
            f"(gunzip -k {path}) or recompress it with bgzip"
        )
    wanted = [Path(f"{path}.fai")] + ([Path(f"{path}.gzi")] if compressed else [])
    if all(index.exists() for index in wanted):
        return False
    if not _writable(path.parent):
        raise IcarusError(
            f"{path}: no FASTA index ({', '.join(i.name for i in wanted)}) and its folder is "
            "not writable; copy the FASTA to a writable folder (it is indexed there) or index "
            f"it with: python -c \"import pysam; pysam.faidx('{path}')\""
        )
    if _first_byte(path, compressed) != b">":
        raise IcarusError(f"{path} is not a FASTA file (it should start with a '>' line)")
    _build_index(path, wanted)
    return True


def _build_index(path: Path, wanted: list[Path]) -> None:
    """Index into temporary files and rename them, so that a concurrent run never reads
    a half-written index."""
    partial = [index.with_name(f".{index.name}.{os.getpid()}.partial") for index in wanted]
    options = ["--fai-idx", str(partial[0])]
    if len(partial) > 1:
        options += ["--gzi-idx", str(partial[1])]
    try:
        pysam.faidx(str(path), *options)
        for temporary, final in zip(partial, wanted, strict=True):
            os.replace(temporary, final)
    except (pysam.utils.SamtoolsError, OSError) as error:
        detail = " ".join(str(error).split())[-160:]
        raise IcarusError(f"{path}: cannot index the FASTA ({detail})") from None
    finally:
        for temporary in partial:
            temporary.unlink(missing_ok=True)


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def _first_byte(path: Path, compressed: bool) -> bytes:
    import gzip

    try:
        with gzip.open(path, "rb") if compressed else open(path, "rb") as handle:
            return handle.read(1)
    except (OSError, EOFError):
        return b""


def _is_bgzf(path: Path) -> bool:
    """BGZF: gzip blocks whose header carries the ``BC`` extra subfield (SAM spec 4.1)."""
    with open(path, "rb") as handle:
        header = handle.read(18)
    return len(header) == 18 and header[3] & 4 == 4 and header[12:14] == b"BC"
