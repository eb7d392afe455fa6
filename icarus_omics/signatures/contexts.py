"""Trinucleotide contexts of SNVs from the reference FASTA, and the REF-vs-FASTA check.

Contexts are read in blocks of nearby positions (one FASTA read per block), so a cohort
of a million SNVs costs a few thousand reads. A contig of the calls that the FASTA lacks
stops the run with its name; REF alleles that disagree with the FASTA for more than 5% of
at least 20 SNVs (in a sample, or all samples pooled) mean another genome build.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, Protocol

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.genome import ReferenceAgreement, missing_contigs_message

BASES = "ACGT"
BASE_CODES = np.full(256, -1, dtype=np.int8)  # byte -> 0..3 for A, C, G, T; -1 otherwise
for _code, _base in enumerate(BASES):
    BASE_CODES[ord(_base)] = _code
    BASE_CODES[ord(_base.lower())] = _code

# Same limits as genome.ReferenceAgreement (used by wes-filter's --fasta check).
MAX_REF_MISMATCH_FRACTION = ReferenceAgreement.max_mismatch_fraction
MIN_REF_CHECKED = ReferenceAgreement.min_checked

# Positions closer than this share one FASTA read; a read never spans more than
# _MAX_SPAN bases, so memory stays small whatever the contig (chr1 is 249 Mb).
_MAX_GAP = 10_000
_MAX_SPAN = 4_000_000


class Sequences(Protocol):
    """What catalogue building needs of a reference genome (io.fasta.Reference)."""

    path: Path
    lengths: dict[str, int]

    def contig(self, name: str) -> str | None: ...

    def fetch(self, chrom: str, start: int, end: int) -> str: ...


def read_contexts(snvs: pd.DataFrame, reference: Sequences) -> np.ndarray:
    """Trinucleotide context of each SNV, read from the reference genome.

    Parameters
    ----------
    snvs
        One row per SNV with ``chrom`` and ``pos`` (1-based).
    reference
        The genome (``io.fasta.Reference``); contig names match with or without ``chr``.

    Returns
    -------
    numpy.ndarray
        int8, (n SNVs, 3): base codes (A0 C1 G2 T3) of the 5' base, the SNV's position and
        the 3' base; -1 for N, IUPAC codes and positions past a contig end.

    Raises
    ------
    IcarusError
        A contig the FASTA lacks, or a position outside its contig.
    """
    context = np.full((len(snvs), 3), -1, dtype=np.int8)
    _check_contigs(pd.unique(snvs["chrom"].astype(str)).tolist(), reference)
    groups = pd.Series(np.arange(len(snvs))).groupby(snvs["chrom"].to_numpy(), sort=True)
    for chrom, rows in groups:
        where = rows.to_numpy()
        context[where] = _contig_contexts(reference, str(chrom), snvs["pos"].to_numpy()[where])
    return context


def _contig_contexts(reference: Sequences, chrom: str, pos: np.ndarray) -> np.ndarray:
    """Contexts of 1-based positions ``pos`` on ``chrom``, read in blocks of nearby sites."""
    name = reference.contig(chrom)
    if name is None:  # _contexts checked every contig first; kept for direct callers
        _refuse_missing([chrom], reference)
    length = reference.lengths[name]
    if pos.min() < 1:
        raise IcarusError(f"the calls place an SNV at {chrom}:{pos.min()}; positions are 1-based")
    if pos.max() > length:
        raise IcarusError(
            f"the calls place an SNV at {chrom}:{pos.max()} but {name} is {length:,} bp in "
            f"{reference.path}: the calls and the FASTA are different genome builds, or the "
            "FASTA holds only part of the contig"
        )
    order = np.argsort(pos, kind="stable")
    start0 = pos[order] - 1
    gaps = (np.diff(start0) > _MAX_GAP) | (np.diff(start0 // _MAX_SPAN) != 0)
    last = np.append(np.flatnonzero(gaps), len(start0) - 1)
    first = np.r_[0, last[:-1] + 1]
    pieces, shifts, used = [], [], 0
    for low, high in zip(start0[first].tolist(), start0[last].tolist(), strict=True):
        begin, end = max(low - 1, 0), min(high + 2, length)
        # N stands for the missing flank of a contig's first or last base
        piece = (
            "N" * (begin - low + 1) + reference.fetch(chrom, begin, end) + "N" * (high + 2 - end)
        )
        pieces.append(piece)
        shifts.append(used - low + 1)
        used += len(piece)
    codes = BASE_CODES[np.frombuffer("".join(pieces).encode("ascii", "replace"), dtype=np.uint8)]
    at = start0 + np.repeat(np.array(shifts, dtype=np.int64), last - first + 1)
    context = np.empty((len(pos), 3), dtype=np.int8)
    context[order] = np.stack([codes[at - 1], codes[at], codes[at + 1]], axis=1)
    return context


def _check_contigs(contigs: list[str], reference: Sequences) -> None:
    """Name every contig of the calls that the FASTA lacks: a FASTA of some chromosomes
    (or a primary assembly without decoys) is not a different genome build."""
    missing = [name for name in contigs if reference.contig(name) is None]
    if missing:
        _refuse_missing(missing, reference)


def _refuse_missing(missing: list[str], reference: Sequences) -> NoReturn:
    raise IcarusError(missing_contigs_message(missing, reference.path, reference.lengths))


def check_reference(
    snvs: pd.DataFrame,
    fasta_ref: np.ndarray,
    checked: np.ndarray,
    mismatch: np.ndarray,
    order: list[str],
    reference: Sequences,
) -> None:
    """Stop when REF disagrees with the FASTA too often in a sample or all pooled (a
    cohort of small samples called on another build).

    Parameters
    ----------
    snvs
        The SNVs (``sample`` codes into ``order``, ``chrom``, ``pos``, ``ref`` base codes).
    fasta_ref, checked, mismatch
        Per SNV: the FASTA's base code, whether it was compared, whether it disagreed.
    order, reference
        Sample names (for the message) and the genome (its path names the FASTA).

    Raises
    ------
    IcarusError
        More than ``MAX_REF_MISMATCH_FRACTION`` of at least ``MIN_REF_CHECKED`` SNVs disagree.
    """
    sample = snvs["sample"].to_numpy()
    n_checked = per_sample(sample, checked, len(order))
    n_wrong = per_sample(sample, mismatch, len(order))
    totals = np.append(n_checked, n_checked.sum())
    wrongs = np.append(n_wrong, n_wrong.sum())
    failing = np.flatnonzero(
        (totals >= MIN_REF_CHECKED) & (wrongs > MAX_REF_MISMATCH_FRACTION * totals)
    )
    if not failing.size:
        return
    k = int(failing[0])
    label = f"sample {order[k]!r}" if k < len(order) else "the samples pooled"
    first = int(np.flatnonzero(mismatch & (sample == k) if k < len(order) else mismatch)[0])
    row = snvs.iloc[first]
    raise IcarusError(
        f"{label}: REF disagrees with {reference.path} at {wrongs[k]} of {totals[k]} SNVs "
        f"(first: {row['chrom']}:{row['pos']} REF {BASES[row['ref']]} vs "
        f"{BASES[fasta_ref[first]]}); the calls were made on another genome build "
        "(e.g. GRCh38 vs GRCh37, or hg19 chrM vs GRCh37 MT): pass the FASTA they were "
        "called on"
    )


def per_sample(sample: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """How many of the items where ``mask`` holds belong to each of ``n`` samples
    (``sample``: each item's sample code, 0..n-1); int64, length n."""
    return np.bincount(sample[mask], minlength=n).astype(np.int64)
