"""SBS96 mutational catalogues: single-base substitutions counted by trinucleotide context.

Each SNV is named by its substitution and the bases either side of it, on the strand whose
reference base is a pyrimidine (C or T): a G>A with context ``TGC`` on the reference
strand is the C>T in ``GCA`` on the other strand, channel ``G[C>T]A``. Channels are in
COSMIC row order (the order of COSMIC_v3.2_SBS_GRCh37.txt and SigProfiler's matrices):
5' base, then substitution, then 3' base, each sorted A, C, G, T.

Which records count as SNVs follows MutationalPatterns 3.x, whose ``read_vcfs_as_granges``
(defaults ``type = "snv"``, ``predefined_dbs_mbs = FALSE``, ``remove_duplicate_variants =
TRUE``) feeds ``mut_matrix``: "it is assumed that DBS/MBSs are called as separate SNVs"
at adjacent positions (``get_mut_type``), so adjacent SNVs of one sample are merged into
one DBS (a run of three or more into one MNV) and left out of the SNV catalogue: they
come from other processes (DBS signatures) and would otherwise add two unrelated SBS
counts each. Records written as 2-base substitutions count as DBS and longer ones as
MNVs; these, indels, multi-allelic or symbolic records and duplicates are counted in
the report and skipped. Adjacency is judged among the records given (the readers'
FILTER=PASS records by default).

The trinucleotide is read from the reference FASTA. An SNV whose context holds N (or
lies at a contig end) is skipped and counted. The REF allele is checked against the
FASTA: a few disagreements (IUPAC codes, patches) skip those SNVs; more than 5% of at
least 20 SNVs stop the run, since the calls were then made on another genome build.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.signatures.contexts import (
    BASE_CODES,
    BASES,
    Sequences,
    check_reference,
    per_sample,
    read_contexts,
)

SUBSTITUTIONS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
CHANNELS: tuple[str, ...] = tuple(
    f"{five}[{substitution}]{three}"
    for five in BASES
    for substitution in SUBSTITUTIONS
    for three in BASES
)
CHANNEL_INDEX_NAME = "MutationType"  # SigProfiler's name for the channel column

# Columns of the variants table that build_catalogue reads.
VARIANT_COLUMNS = ("sample", "chrom", "pos", "ref", "alt")
# Columns of CatalogueReport.counts (one row per sample).
SKIP_COLUMNS = (
    "n_doublets_skipped",
    "n_mnvs_skipped",
    "n_indels_skipped",
    "n_other_skipped",
    "n_duplicates_skipped",
)
REPORT_COLUMNS = ("n_snvs", *SKIP_COLUMNS, "n_context_n", "n_ref_checked", "n_ref_mismatch")

_SUMMARY_LABELS = {
    "n_doublets_skipped": "DBS",
    "n_mnvs_skipped": "MNVs",
    "n_indels_skipped": "indels",
    "n_other_skipped": "other records",
    "n_duplicates_skipped": "duplicates",
    "n_context_n": "SNVs with N in context",
    "n_ref_mismatch": "SNVs whose REF disagrees with the FASTA",
}


@dataclass(frozen=True)
class CatalogueReport:
    """Per-sample tallies of a catalogue build.

    ``counts`` has one row per sample (index ``sample``) and the integer columns
    ``REPORT_COLUMNS``: SNVs counted; DBS, MNV, indel and other records skipped (a DBS or
    MNV is one event, whether written as adjacent SNVs or as one record; other =
    multi-allelic, symbolic or non-ACGT alleles); exact duplicate records dropped; SNVs
    skipped for an N in (or a contig end next to) their context; SNVs whose REF was
    compared with the FASTA and those that disagreed (skipped).
    """

    counts: pd.DataFrame

    def total(self, column: str) -> int:
        """Sum of ``column`` over all samples."""
        return int(self.counts[column].sum())

    def summary(self) -> str:
        """One line for a command's stderr summary."""
        skipped = [
            f"{self.total(column)} {label}"
            for column, label in _SUMMARY_LABELS.items()
            if self.total(column)
        ]
        text = f"{self.total('n_snvs')} SNVs in {len(self.counts)} samples"
        return text + (f"; skipped {', '.join(skipped)}" if skipped else "")


def context_channels(contexts: Sequence[str], alts: Sequence[str]) -> np.ndarray:
    """Channel index (into ``CHANNELS``) of each SNV given as a reference-strand
    trinucleotide (middle base = REF, e.g. ``TGC``) and its ALT base; -1 when a base is
    not A/C/G/T or ALT equals REF."""
    codes = _codes(contexts, 3)
    return _channel_index(codes[:, 0], codes[:, 1], _codes(alts, 1)[:, 0], codes[:, 2])


def isolate_snvs(
    variants: pd.DataFrame, samples: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split variant records into the SNVs that enter the catalogue and skip tallies.

    Parameters
    ----------
    variants
        One row per record, columns ``VARIANT_COLUMNS``: ``pos`` 1-based, ``ref``/``alt``
        allele strings (``alt`` of a multi-allelic record joined by commas; an empty
        allele is an indel).
    samples
        Sample order of the outputs; samples with no records get zero rows. Default:
        order of first appearance.

    Returns
    -------
    The isolated SNVs (columns ``sample`` as codes into the sample order, ``chrom``,
    ``pos``, ``ref`` and ``alt`` as base codes 0-3 for A, C, G, T), sorted by sample,
    contig and position; and a samples x ``SKIP_COLUMNS`` table of skipped records.
    """
    order, sample = _sample_codes(variants["sample"], samples)
    ref_length, ref_first = _first_bases(variants["ref"])
    alt_length, alt_first = _first_bases(variants["alt"])
    ref_code, alt_code = BASE_CODES[ref_first], BASE_CODES[alt_first]
    is_snv = (ref_length == 1) & (alt_length == 1) & (ref_code >= 0) & (alt_code >= 0)
    is_snv &= ref_code != alt_code
    others = variants.loc[~is_snv, list(VARIANT_COLUMNS)]
    skipped = _tally_others(others, sample[~is_snv], len(order))
    snvs = pd.DataFrame(
        {
            "sample": sample[is_snv],
            "chrom": variants["chrom"].to_numpy()[is_snv],
            "pos": variants["pos"].to_numpy(dtype=np.int64)[is_snv],
            "ref": ref_code[is_snv],
            "alt": alt_code[is_snv],
        }
    )
    snvs, runs = _drop_runs(snvs, len(order))
    skipped += runs
    table = pd.DataFrame(skipped, index=pd.Index(order, name="sample"), columns=SKIP_COLUMNS)
    return snvs, table


def build_catalogue(
    variants: pd.DataFrame, reference: Sequences, samples: Sequence[str] | None = None
) -> tuple[pd.DataFrame, CatalogueReport]:
    """Count SNVs into the 96 SBS channels, reading contexts from ``reference``.

    Parameters
    ----------
    variants
        Variant records, columns ``VARIANT_COLUMNS`` (see ``isolate_snvs``); records
        other than isolated SNVs are counted in the report and skipped.
    reference
        The genome the calls were made on (``io.fasta.Reference``); contig names match
        with or without a ``chr`` prefix.
    samples
        Column order; samples without SNVs get a zero column. Default: first appearance.

    Returns
    -------
    The catalogue, 96 rows (``CHANNELS``, index ``MutationType``) x one integer column per
    sample, and a ``CatalogueReport``.

    Raises
    ------
    IcarusError
        A contig missing from the FASTA, a position past a contig's end, or REF alleles
        that disagree with the FASTA too often (another genome build).
    """
    snvs, skipped = isolate_snvs(variants, samples)
    order = list(skipped.index)
    context = read_contexts(snvs, reference)
    sample = snvs["sample"].to_numpy()
    ref = snvs["ref"].to_numpy()
    has_n = np.asarray((context < 0).any(axis=1))
    checked = context[:, 1] >= 0
    mismatch = checked & (context[:, 1] != ref)
    check_reference(snvs, context[:, 1], checked, mismatch, order, reference)
    keep = ~has_n & ~mismatch
    channel = _channel_index(
        context[keep, 0], ref[keep], snvs["alt"].to_numpy()[keep], context[keep, 2]
    )
    flat = np.bincount(sample[keep] * len(CHANNELS) + channel, minlength=len(order) * len(CHANNELS))
    catalogue = pd.DataFrame(
        flat.reshape(len(order), len(CHANNELS)).T,
        index=pd.Index(CHANNELS, name=CHANNEL_INDEX_NAME),
        columns=pd.Index(order),
    )
    tallies = {
        "n_snvs": catalogue.sum(axis=0).to_numpy(),
        "n_context_n": per_sample(sample, has_n, len(order)),
        "n_ref_checked": per_sample(sample, checked, len(order)),
        "n_ref_mismatch": per_sample(sample, mismatch, len(order)),
    }
    counts = skipped.assign(**tallies)[list(REPORT_COLUMNS)].astype(np.int64)
    return catalogue, CatalogueReport(counts)


def _sample_codes(names: pd.Series, samples: Sequence[str] | None) -> tuple[list[str], np.ndarray]:
    seen = pd.unique(names.astype(str))
    order = list(dict.fromkeys([*(samples or ()), *seen]))
    codes = pd.Categorical(names.astype(str), categories=order).codes
    return order, codes.astype(np.int64)


def _first_bases(alleles: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Length and first byte of each allele, computed on the alleles joined into one
    buffer: a Python call per allele costs seconds on a million records."""
    if alleles.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    buffer = np.frombuffer(
        "\n".join(alleles.astype(str).tolist()).encode("ascii", errors="replace"), dtype=np.uint8
    )
    ends = np.append(np.flatnonzero(buffer == ord("\n")), len(buffer))
    starts = np.r_[0, ends[:-1] + 1]
    first = np.append(buffer, np.uint8(0))[starts]  # an empty allele reads the sentinel 0
    return ends - starts, first


def _codes(strings: Iterable[str], width: int) -> np.ndarray:
    """Base codes of equal-length strings as an (n, width) int8 array, -1 for non-ACGT."""
    items = list(strings)
    joined = "".join(items).encode("ascii", errors="replace")
    if len(joined) != width * len(items):
        bad = next(s for s in items if len(s) != width)
        raise ValueError(f"expected {width}-base strings, got {bad!r}")
    return BASE_CODES[np.frombuffer(joined, dtype=np.uint8)].reshape(len(items), width)


def _channel_index(
    five: np.ndarray, ref: np.ndarray, alt: np.ndarray, three: np.ndarray
) -> np.ndarray:
    """Channel index from base codes (A0 C1 G2 T3); purine REFs are read on the other
    strand: every base complemented (code 3 - x) and the flanks swapped."""
    flip = (ref == 0) | (ref == 2)
    ref_p = np.where(flip, 3 - ref, ref)
    alt_p = np.where(flip, 3 - alt, alt)
    five_p = np.where(flip, 3 - three, five)
    three_p = np.where(flip, 3 - five, three)
    # C>A, C>G, C>T are substitutions 0-2 and T>A, T>C, T>G 3-5: the ALT's rank among
    # the three bases other than REF
    substitution = np.where(ref_p == 1, 0, 3) + alt_p - (alt_p > ref_p)
    index = five_p.astype(np.int64) * 24 + substitution * 4 + three_p
    valid = (five >= 0) & (ref >= 0) & (alt >= 0) & (three >= 0) & (ref != alt)
    return np.where(valid, index, -1)


def _tally_others(others: pd.DataFrame, sample: np.ndarray, n: int) -> np.ndarray:
    """Skip counts (n samples x SKIP_COLUMNS) of the records that are not single SNVs."""
    duplicate = others.duplicated().to_numpy()
    ref = others["ref"].astype(str).str.upper().tolist()
    alt = others["alt"].astype(str).str.upper().tolist()
    ref_length = np.array([len(r) for r in ref], dtype=np.int64)
    alt_length = np.array([len(a) for a in alt], dtype=np.int64)
    plain = [_is_plain(r) and _is_plain(a) and r != a for r, a in zip(ref, alt, strict=True)]
    is_plain = np.array(plain, dtype=bool) & (ref_length + alt_length > 0)
    kind = {
        "n_doublets_skipped": is_plain & (ref_length == 2) & (alt_length == 2),
        "n_mnvs_skipped": is_plain & (ref_length == alt_length) & (ref_length > 2),
        "n_indels_skipped": is_plain & (ref_length != alt_length),
        "n_other_skipped": ~is_plain,
    }
    table = np.zeros((n, len(SKIP_COLUMNS)), dtype=np.int64)
    for column, mask in kind.items():
        table[:, SKIP_COLUMNS.index(column)] = per_sample(sample, mask & ~duplicate, n)
    table[:, SKIP_COLUMNS.index("n_duplicates_skipped")] = per_sample(sample, duplicate, n)
    return table


def _is_plain(allele: str) -> bool:
    return allele.strip("ACGTN") == ""


def _drop_runs(snvs: pd.DataFrame, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Keep the isolated SNVs: drop duplicate records, sites with two different SNVs in
    one sample (a split multi-allelic site) and runs at adjacent positions, which
    MutationalPatterns merges into one DBS (two SNVs) or MNV (three or more)."""
    chrom = pd.factorize(snvs["chrom"])[0]
    sample, pos = snvs["sample"].to_numpy(), snvs["pos"].to_numpy()
    alleles = snvs["ref"].to_numpy() * 4 + snvs["alt"].to_numpy()
    order = np.lexsort((alleles, pos, chrom, sample))
    snvs = snvs.iloc[order].reset_index(drop=True)
    sample, pos, alleles = sample[order], pos[order], alleles[order]
    same_sample = _same_as_previous(sample) & _same_as_previous(chrom[order])
    same_site = same_sample & _same_as_previous(pos)
    duplicate = same_site & _same_as_previous(alleles)
    site = np.cumsum(~same_site) - 1
    distinct = np.bincount(site, weights=~duplicate)[site]
    adjacent = same_sample & np.r_[False, pos[1:] == pos[:-1] + 1]
    run = np.cumsum(~adjacent & ~same_site) - 1
    sites_in_run = np.bincount(run, weights=~same_site)[run]
    run_start = ~adjacent & ~same_site
    table = np.zeros((n, len(SKIP_COLUMNS)), dtype=np.int64)
    events = {
        "n_duplicates_skipped": duplicate,
        "n_other_skipped": ~same_site & (distinct > 1),
        "n_doublets_skipped": run_start & (sites_in_run == 2),
        "n_mnvs_skipped": run_start & (sites_in_run > 2),
    }
    for column, mask in events.items():
        table[:, SKIP_COLUMNS.index(column)] = per_sample(sample, mask, n)
    isolated = (sites_in_run == 1) & (distinct == 1) & ~duplicate
    return snvs[isolated].reset_index(drop=True), table


def _same_as_previous(values: np.ndarray) -> np.ndarray:
    same = np.zeros(len(values), dtype=bool)
    same[1:] = values[1:] == values[:-1]
    return same
