"""FACETS-like segment tables for the example cohort, with planted copy-number events.

The example genome has one 120-kb contig per chromosome, so real arm and focal sizes cannot
be kept; they are scaled down. Each contig is cut into two "arms" of about 60 kb (from a first
to a last "SNP" a few hundred bp from the contig ends), and a planted focal event spans its
gene plus 300-900 bp on each side (9-17 kb). **The demo runs** ``cna`` **on these segments
with** ``--max-focal-mb 0.05`` (50 kb): the arms are then non-focal and the planted events
focal, as the study's 10 Mb separates them in a real genome. Pieces of an arm cut by a focal
event may be shorter than 50 kb; they keep the arm's state, which is never a high-level gain
or a homozygous deletion, so they add no focal call.

Planted, by patient in sample-sheet order (a smaller cohort has fewer events):

* P01 ERBB2 focal amplification (tcn 14), P04 CCND1 (tcn 9), P06 MYC (tcn 8), P10 ERBB2
  (tcn 7): high-level focal gains;
* P02 PTEN and P06 RB1: focal homozygous deletions (tcn 0);
* P03: the arm under CDH1 has lcn NA (tcn 2), so CDH1 is ``undetermined``;
* P05: whole-genome doubled, 90% of the arms at major copy number >= 2 (mostly 4:2), with
  FGFR1 focal at tcn 8, a medium-level gain under WGD (high-level only from tcn 10).

Other arms are apportioned exactly per patient: without WGD 55% neutral (2:1), 15% loss with
LOH (1:0), 10% copy-neutral LOH (2:0), 20% low gain (3:1), so about 30% of the genome is at
major copy number >= 2 (no WGD); with WGD 60% 4:2, 10% 4:0 (LOH), 10% 3:1, 10% 5:2 and 10%
2:1. Purity is drawn per sample (0.35-0.9) and ploidy is the length-weighted mean tcn;
cnlr.median, mafR and cf.em follow from them, as FACETS would report them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from icarus_omics.example.cohort import CONTIG_LENGTH

CNCF_COLUMNS = (
    "chrom", "seg", "num.mark", "nhet", "cnlr.median", "mafR", "segclust", "cnlr.median.clust",
    "mafR.clust", "start", "end", "cf.em", "tcn.em", "lcn.em",
)  # fmt: skip
FIT_COLUMNS = ("sample", "purity", "ploidy")
DEMO_MAX_FOCAL_MB = 0.05
FOCAL_PLAN = {  # patient index -> (gene, tcn, lcn) of its focal events
    0: (("ERBB2", 14, 2),),
    1: (("PTEN", 0, 0),),
    3: (("CCND1", 9, 1),),
    4: (("FGFR1", 8, 2),),
    5: (("MYC", 8, 2), ("RB1", 0, 0)),
    9: (("ERBB2", 7, 1),),
}
WGD_PATIENT = 4
LCN_NA_PATIENT, LCN_NA_GENE = 2, "CDH1"
ARM_STATES = {(2, 1): 0.55, (1, 0): 0.15, (2, 0): 0.1, (3, 1): 0.2}
WGD_ARM_STATES = {(4, 2): 0.6, (4, 0): 0.1, (3, 1): 0.1, (5, 2): 0.1, (2, 1): 0.1}
ARM_SPLIT = CONTIG_LENGTH // 2


class _Locus(NamedTuple):
    chrom: str
    start: int
    end: int


class _Piece(NamedTuple):
    chrom: str
    start: int
    end: int
    tcn: int
    lcn: float  # NaN for NA


def example_segments(
    samples: pd.DataFrame, genes: pd.DataFrame, seed: int = 11
) -> dict[str, pd.DataFrame]:
    """One FACETS-like cncf table per tumour sample (columns ``CNCF_COLUMNS``).

    ``samples`` and ``genes`` are the example cohort's sample sheet and gene table
    (``build_example_cohort()``); segments cover every contig that carries a gene.
    """
    rng = np.random.default_rng(seed)
    purity = _purities(samples, seed)
    contigs = sorted(set(genes["chrom"].astype(str)), key=int)
    by_name = {
        str(gene): _Locus(str(chrom), int(start), int(end))
        for gene, chrom, start, end in genes[["gene", "chrom", "start", "end"]].itertuples(
            index=False
        )
    }
    tables = {}
    for i, sample in enumerate(samples["tumor_sample"].astype(str)):
        pieces = _arms(rng, contigs, i == WGD_PATIENT)
        if i == LCN_NA_PATIENT and LCN_NA_GENE in by_name:
            pieces = [_with_na(piece, by_name[LCN_NA_GENE]) for piece in pieces]
        for gene, tcn, lcn in FOCAL_PLAN.get(i, ()):
            if gene in by_name:
                pieces = _overlay(rng, pieces, by_name[gene], tcn, lcn)
        tables[sample] = _cncf(rng, pieces, purity[sample], i == WGD_PATIENT)
    return tables


def example_fits(
    samples: pd.DataFrame, segments: dict[str, pd.DataFrame], seed: int = 11
) -> pd.DataFrame:
    """Purity and ploidy per sample (columns ``FIT_COLUMNS``), as used by ``example_segments``
    with the same seed; ploidy is the segments' length-weighted mean tcn."""
    purity = _purities(samples, seed)
    rows = []
    for sample, table in segments.items():
        length = table["end"] - table["start"] + 1
        ploidy = float((table["tcn.em"] * length).sum() / length.sum())
        rows.append((sample, purity[sample], round(ploidy, 3)))
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


def _purities(samples: pd.DataFrame, seed: int) -> dict[str, float]:
    rng = np.random.default_rng([seed, 1])  # its own stream: fits need no segment draws
    names = samples["tumor_sample"].astype(str).tolist()
    return {name: round(float(rng.uniform(0.35, 0.9)), 3) for name in names}


def _arms(rng: np.random.Generator, contigs: list[str], is_wgd: bool) -> list[_Piece]:
    """Two arms per contig, with states apportioned exactly and shuffled."""
    shares = WGD_ARM_STATES if is_wgd else ARM_STATES
    n = 2 * len(contigs)
    counts = [round(n * share) for share in shares.values()]
    counts[0] = n - sum(counts[1:])
    states = [state for state, k in zip(shares, counts, strict=True) for _ in range(k)]
    states = [states[j] for j in rng.permutation(n)]
    pieces = []
    for k, chrom in enumerate(contigs):
        first, last = int(rng.integers(50, 900)), CONTIG_LENGTH - int(rng.integers(50, 900))
        (tcn_p, lcn_p), (tcn_q, lcn_q) = states[2 * k], states[2 * k + 1]
        pieces.append(_Piece(chrom, first, ARM_SPLIT, tcn_p, float(lcn_p)))
        pieces.append(_Piece(chrom, ARM_SPLIT + 1, last, tcn_q, float(lcn_q)))
    return pieces


def _with_na(piece: _Piece, gene: _Locus) -> _Piece:
    """FACETS gives lcn NA where a segment has too few heterozygous SNPs."""
    if piece.chrom == gene.chrom and piece.start <= gene.end and piece.end >= gene.start:
        return piece._replace(tcn=2, lcn=float("nan"))
    return piece


def _overlay(
    rng: np.random.Generator, pieces: list[_Piece], gene: _Locus, tcn: int, lcn: int
) -> list[_Piece]:
    """Cut a focal segment over ``gene`` (plus 300-900 bp each side) out of the arms."""
    chrom = gene.chrom
    start = gene.start - int(rng.integers(300, 900))
    end = gene.end + int(rng.integers(300, 900))
    out = [_Piece(chrom, start, end, tcn, float(lcn))]
    for piece in pieces:
        if piece.chrom != chrom or piece.end < start or piece.start > end:
            out.append(piece)
            continue
        if piece.start < start:
            out.append(piece._replace(end=start - 1))
        if piece.end > end:
            out.append(piece._replace(start=end + 1))
    return sorted(out, key=lambda p: (int(p.chrom), p.start))


def _cncf(
    rng: np.random.Generator, pieces: list[_Piece], purity: float, is_wgd: bool
) -> pd.DataFrame:
    """FACETS columns for the pieces: log-ratios and allelic imbalance from purity and copies."""
    table = pd.DataFrame(pieces)
    n = len(table)
    length = (table["end"] - table["start"] + 1).to_numpy()
    tcn, lcn = table["tcn"].to_numpy(float), table["lcn"].to_numpy(float)
    ploidy = float((tcn * length).sum() / length.sum())
    normal = 1 - purity  # normal cells add one copy of each allele
    ratio = np.round(np.log2((purity * tcn + 2 * normal) / (purity * ploidy + 2 * normal)), 6)
    maf = np.round(np.log((purity * (tcn - lcn) + normal) / (purity * lcn + normal)) ** 2, 6)
    marks = np.maximum(5, length // 60 + rng.integers(0, 20, n))
    het_share = np.where(np.isnan(lcn) | (lcn == 0), 0.0, rng.uniform(0.15, 0.3, n))
    few_het = rng.integers(0, 4, n)  # why FACETS could not estimate lcn
    balanced = (tcn == (4 if is_wgd else 2)) & (lcn == tcn / 2)
    columns = {
        "chrom": table["chrom"],
        "seg": np.arange(1, n + 1),
        "num.mark": marks,
        "nhet": np.where(np.isnan(lcn), few_het, (marks * het_share).astype(int)),
        "cnlr.median": np.round(ratio + rng.normal(0, 0.03, n), 6),
        "mafR": np.round(maf + np.abs(rng.normal(0, 0.01, n)), 6),
        "segclust": pd.factorize(tcn * 100 + np.nan_to_num(lcn, nan=99))[0] + 1,
        "cnlr.median.clust": ratio,
        "mafR.clust": maf,
        "start": table["start"],
        "end": table["end"],
        "cf.em": np.where(balanced, 1.0, purity),
        "tcn.em": table["tcn"],
        "lcn.em": lcn,
    }
    return pd.DataFrame(columns)[list(CNCF_COLUMNS)]
