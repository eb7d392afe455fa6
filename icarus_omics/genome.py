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
from pathlib import Path

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


# Lengths of the primary chromosomes in each assembly (NCBI GRCh37.p13 / GRCh38.p14
# assembly reports; UCSC hg19/hg38 use the same sequences with a ``chr`` prefix). The
# mitochondrion is left out: rCRS is 16,569 bp in both builds (hg19's chrM is 16,571).
BUILD_LENGTHS: dict[str, dict[str, int]] = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
}  # fmt: skip
UNKNOWN_BUILD = "unknown"
# Spellings of the two builds that name the same assembly (UCSC, Broad, Ensembl).
_BUILD_ALIASES = {
    "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "hs37d5": "GRCh37",
    "grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38",
}  # fmt: skip


def infer_build(contig_lengths: Mapping[str, int]) -> str | None:
    """The genome build whose chromosome lengths the VCF header declares.

    Every primary chromosome in ``contig_lengths`` (``chr`` prefix or not) votes for the
    build it has the length of. Returns that build when all votes agree, ``"unknown"``
    when none matches or they disagree (a custom or mixed reference), and None when the
    header declares no contig lengths at all.
    """
    if not contig_lengths:
        return None
    votes = {
        build
        for build, lengths in BUILD_LENGTHS.items()
        for name, length in contig_lengths.items()
        if lengths.get(contig_key(name)) == length
    }
    return votes.pop() if len(votes) == 1 else UNKNOWN_BUILD


def canonical_build(name: str) -> str:
    """``GRCh37``/``GRCh38`` for their usual spellings (hg19, b37, hg38, ...); else ``name``."""
    return _BUILD_ALIASES.get(name.lower(), name)


@dataclass(frozen=True)
class BuildChoice:
    """The build written to a MAF and where it came from."""

    build: str
    inferred: bool
    note: str


def choose_build(
    contig_lengths: Mapping[str, int], requested: str | None, source: str
) -> BuildChoice:
    """The build of ``source``: inferred from its contig lengths when they match a known
    build (a ``requested`` build that differs is an error), else ``requested`` (default
    GRCh37), with a note saying why the build was not inferred."""
    inferred = infer_build(contig_lengths)
    if inferred is not None and inferred != UNKNOWN_BUILD:
        if requested is not None and canonical_build(requested) != inferred:
            raise IcarusError(
                f"{source}: --ncbi-build {requested} contradicts the header, whose ##contig "
                f"lengths are those of {inferred}; drop --ncbi-build or use the right VCF"
            )
        return BuildChoice(inferred, True, f"inferred from the ##contig lengths ({inferred})")
    build = canonical_build(requested) if requested is not None else "GRCh37"
    why = (
        "declares no ##contig lengths"
        if inferred is None
        else "has ##contig lengths of no known build"
    )
    given = "--ncbi-build" if requested is not None else "the --ncbi-build default"
    return BuildChoice(build, False, f"not inferred (the header {why}): {build} from {given}")


def missing_contigs_message(missing: list[str], path: Path, lengths: dict[str, int]) -> str:
    """One line naming the contigs of the calls that the FASTA at ``path`` (contig name ->
    length) lacks, and the fix."""
    shown = ", ".join(repr(name) for name in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    names = list(lengths)
    has = ", ".join(names[:6]) + (f", ... ({len(names)} in all)" if len(names) > 6 else "")
    return (
        f"{path} lacks contig(s) {shown}{more} of the calls (it has {has}); give the "
        "FASTA the calls were made on, with all their contigs (a chr prefix is matched "
        "either way)"
    )
