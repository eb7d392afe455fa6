"""Indexed reference FASTA access (pysam), with contig names matched across ``chr`` styles."""

from __future__ import annotations

from pathlib import Path

import pysam

from icarus_omics.errors import IcarusError
from icarus_omics.genome import contig_key


class Reference:
    """A reference genome read through its ``.fai`` index."""

    def __init__(self, path: Path) -> None:
        if not Path(f"{path}.fai").exists():
            raise IcarusError(f"{path}: no FASTA index ({path}.fai); run 'samtools faidx {path}'")
        try:
            self._fasta = pysam.FastaFile(str(path))
        except (OSError, ValueError) as error:
            raise IcarusError(f"{path}: not a readable indexed FASTA ({error})") from None
        self.path = path
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

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Uppercase sequence of the 0-based half-open span ``start..end`` of ``chrom``."""
        name = self.contig(chrom)
        if name is None:
            raise IcarusError(
                f"contig {chrom!r} is not in {self.path} "
                f"(it has {', '.join(list(self.lengths)[:5])}...); wrong reference?"
            )
        return str(self._fasta.fetch(name, start, end)).upper()

    def close(self) -> None:
        self._fasta.close()
