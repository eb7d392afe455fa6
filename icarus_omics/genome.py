"""Contig names and genome-build checks shared by every step that meets coordinates.

VCFs, BED files and FASTA references name the same chromosome ``chr17`` or ``17`` (and the
mitochondrion ``chrM`` or ``MT``) depending on where they come from (UCSC vs Ensembl/GRCh
conventions). We compare names by a canonical key, so a difference in convention is
never an error, and call it a genome-build mismatch only when the coordinates or the
reference bases themselves disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from icarus_omics.errors import IcarusError

_MITOCHONDRION = {"M": "MT", "MT": "MT"}


def contig_key(name: str) -> str:
    """Canonical contig name: no ``chr`` prefix, ``M`` spelt ``MT`` (``chr17`` -> ``17``)."""
    bare = name[3:] if name[:3].lower() == "chr" else name
    return _MITOCHONDRION.get(bare.upper(), bare)


def match_contigs(wanted: Iterable[str], available: Iterable[str]) -> dict[str, str]:
    """Map each ``wanted`` contig name to the ``available`` name with the same canonical key.

    Names with no counterpart are left out of the result.
    """
    by_key = {contig_key(name): name for name in available}
    return {name: by_key[contig_key(name)] for name in wanted if contig_key(name) in by_key}


def check_coordinates_fit(
    intervals_end: Mapping[str, int],
    contig_lengths: Mapping[str, int],
    source: str,
    target: str,
) -> None:
    """Fail when ``source`` places coordinates past the ends of ``target``'s contigs.

    ``intervals_end`` maps contig names to the largest end coordinate seen in ``source``;
    ``contig_lengths`` maps ``target``'s contig names to their lengths. Only contigs present
    in both (by canonical key) are compared. No shared contig at all is also an error.
    """
    if not intervals_end or not contig_lengths:
        return
    shared = match_contigs(intervals_end, contig_lengths)
    if not shared:
        raise IcarusError(
            f"{source} and {target} have no contig in common "
            f"({source}: {_preview(intervals_end)}; {target}: {_preview(contig_lengths)}); "
            "they are probably for different genome builds or species"
        )
    for name, other in shared.items():
        if intervals_end[name] > contig_lengths[other]:
            raise IcarusError(
                f"{source} has coordinates up to {intervals_end[name]:,} on {name} but "
                f"{other} is {contig_lengths[other]:,} bp long in {target}: "
                "the two are for different genome builds (e.g. GRCh37 vs GRCh38)"
            )


def _preview(names: Iterable[str], n: int = 4) -> str:
    listed = list(names)
    more = f", ... ({len(listed)} in all)" if len(listed) > n else ""
    return ", ".join(listed[:n]) + more


@dataclass
class ReferenceAgreement:
    """Running tally of VCF REF alleles that agree with the reference FASTA.

    A few disagreements happen (IUPAC codes, patched contigs); many mean the VCF was called
    on another build. ``check`` raises once at least ``min_checked`` records were compared
    and more than ``max_mismatch_fraction`` of them disagree.
    """

    source: str
    reference: str
    max_mismatch_fraction: float = 0.05
    min_checked: int = 20
    checked: int = 0
    mismatched: int = 0
    first_mismatch: str = ""

    def add(self, chrom: str, pos: int, vcf_ref: str, fasta_ref: str) -> None:
        """Record one comparison of a REF allele with the reference sequence."""
        self.checked += 1
        if vcf_ref.upper() != fasta_ref.upper():
            self.mismatched += 1
            if not self.first_mismatch:
                self.first_mismatch = f"{chrom}:{pos} REF {vcf_ref} vs {fasta_ref}"

    def merge(self, other: ReferenceAgreement) -> None:
        """Add the comparisons of ``other`` (a later part of the same file)."""
        self.checked += other.checked
        self.mismatched += other.mismatched
        self.first_mismatch = self.first_mismatch or other.first_mismatch

    def check(self, final: bool = False) -> None:
        """Raise IcarusError if too many REF alleles disagree with the reference."""
        enough = self.checked >= self.min_checked or (final and self.checked > 0)
        if enough and self.mismatched > self.max_mismatch_fraction * self.checked:
            raise IcarusError(
                f"{self.source}: REF alleles disagree with {self.reference} at "
                f"{self.mismatched} of {self.checked} records (first: {self.first_mismatch}); "
                "the VCF and the FASTA are probably different genome builds"
            )
