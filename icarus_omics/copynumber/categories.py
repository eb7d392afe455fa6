"""Gene-level copy-number categories from FACETS segments (the study's table).

Each gene takes the total (tcn) and minor (lcn) copy number of the segment it overlaps; a gene
that spans several segments takes the shortest one ("focal first", as facets-suite's
``gene_level_changes`` does), and ``n_segments`` says how many it touched. Genes in no segment
(gaps, centromeres) get category ``no_segment``. The study's thresholds (SPEC section 2):

===================  ==============  ==============
category             no WGD          WGD
===================  ==============  ==============
high_level_gain      tcn >= 6        tcn >= 10
medium_level_gain    tcn 4-5         tcn 7-9
low_level_gain       tcn 3           tcn 5-6
homozygous_deletion  tcn 0           tcn 0
loh                  tcn 1-2, lcn 0  tcn 1-4, lcn 0
neutral              anything else   anything else
===================  ==============  ==============

FACETS leaves lcn NA where a segment has too few heterozygous SNPs. Such an lcn is never taken
as 0: a tcn in the LOH range with lcn NA is ``undetermined`` (neither loh nor neutral), and
these genes are counted in the summary. Gains and deletions need only tcn. (facets-suite sets
lcn to 0 when tcn <= 1; we report those as undetermined too.) Copy numbers are whole numbers.

Only segments shorter than ``max_focal_length`` (10 Mb) are focal; the study kept gene CNAs
from those alone, and its oncogenic CNAs are focal high-level gains and focal homozygous
deletions (``focal_calls`` in the summary). Larger segments keep their category with
``focal`` false. Segment length is ``end - start + 1`` (1-based, inclusive coordinates).

WGD (``wgd="auto"``) follows facets-suite (``calculate_fraction_cna``; Bielski et al., Nat
Genet 2018;50:1189): a genome is doubled when more than half of the autosomal genome has a
major copy number (tcn - lcn) of 2 or more. We weight by segment length over autosomal
segments with known lcn; facets-suite divides by the span from each chromosome's first
segment start to its last segment end (gaps and lcn-NA segments included).

``discrete`` follows cBioPortal's convention: 2 high-level gain, 1 medium or low gain, 0
neutral, -1 loh, -2 homozygous deletion, empty when undetermined or no segment.

Compared with facets-suite's lookup table (``FACETS_CALL_table.tsv``: WGD, major copy
number mcn, lcn -> FACETS_CNA), with tcn = mcn + lcn, ours differs in three ways; all other
rows agree (e.g. tcn 2 lcn 0 without WGD is CNLOH -1 there and loh -1 here):

=======  ===============================  ============  ====  ==============================
WGD      rows (mcn:lcn)                   facets-suite  ours  why ours differs
=======  ===============================  ============  ====  ==============================
no       5:0, 4:1, 3:2 (tcn 5)            2 (AMP)       1     study's high level: tcn >= 6
yes      6:0, 5:1, 6:1, 4:2-6:2, 3:3-6:3  2 (AMP)       1     study's WGD high: tcn >= 10
yes      1:1, 2:1, 3:1 (tcn 2-4, lcn 1)   -1 (losses)   0     no hemizygous-loss category
=======  ===============================  ============  ====  ==============================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.genome import contig_key

GENE_COLUMNS = ("gene", "chrom", "start", "end")
SEGMENT_COLUMNS = ("chrom", "start", "end", "tcn", "lcn")
CALL_COLUMNS = (
    "gene", "chrom", "start", "end", "tcn", "lcn", "segment_start", "segment_end",
    "segment_length", "n_segments", "wgd", "category", "focal", "discrete",
)  # fmt: skip
CATEGORIES = (
    "high_level_gain", "medium_level_gain", "low_level_gain", "homozygous_deletion", "loh",
    "neutral", "undetermined", "no_segment",
)  # fmt: skip
HIGH, MEDIUM, LOW, HOMDEL, LOH, NEUTRAL, UNDETERMINED, NO_SEGMENT = range(len(CATEGORIES))
DISCRETE = {"high_level_gain": 2, "medium_level_gain": 1, "low_level_gain": 1, "neutral": 0,
            "loh": -1, "homozygous_deletion": -2}  # fmt: skip
DISCRETE_LABELS = tuple(str(DISCRETE[c]) if c in DISCRETE else "" for c in CATEGORIES)
FOCAL_CALLS = ("high_level_gain", "homozygous_deletion")
AUTOSOMES = frozenset(str(n) for n in range(1, 23))
WgdMode = Literal["auto", "yes", "no"]
_SHIFT = 32  # contig code << 32 + position: one sorted axis for the whole genome

Codes = npt.NDArray[np.int8]
Positions = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Levels:
    """Smallest tcn of each gain level and largest tcn of the LOH range (tcn >= 1, lcn 0)."""

    high_gain: int
    medium_gain: int
    low_gain: int
    max_loh_tcn: int


@dataclass(frozen=True)
class Thresholds:
    """The study's copy-number thresholds, focal length limit and the WGD rule."""

    no_wgd: Levels = Levels(high_gain=6, medium_gain=4, low_gain=3, max_loh_tcn=2)
    wgd: Levels = Levels(high_gain=10, medium_gain=7, low_gain=5, max_loh_tcn=4)
    max_focal_length: int = 10_000_000  # bp; segments this long or longer are not focal
    wgd_min_major: int = 2  # facets-suite: major copy number >= 2 ...
    wgd_min_fraction: float = 0.5  # ... over more than half of the autosomal genome


@dataclass(frozen=True)
class Fit:
    """Purity and ploidy of one sample (informational; categories use tcn and lcn)."""

    purity: float | None = None
    ploidy: float | None = None

    def or_else(self, other: Fit) -> Fit:
        """This fit, with each missing value taken from ``other``."""
        purity = self.purity if self.purity is not None else other.purity
        return Fit(purity, self.ploidy if self.ploidy is not None else other.ploidy)


def check_fit(fit: Fit, source: str) -> Fit:
    """Return ``fit`` if purity is in (0, 1] and ploidy > 0; else raise naming ``source``."""
    if fit.purity is not None and not 0 < fit.purity <= 1:
        raise IcarusError(
            f"{source}: purity {fit.purity:g} is outside (0, 1]; it is the tumour cell fraction"
        )
    if fit.ploidy is not None and not fit.ploidy > 0:
        raise IcarusError(f"{source}: ploidy {fit.ploidy:g} must be above 0")
    return fit


@dataclass(frozen=True)
class WgdCall:
    """Whether a genome is doubled, by which rule, and its fraction at major CN >= 2."""

    is_wgd: bool
    rule: str  # "facets-suite" (auto) or "user" (--wgd yes/no)
    fraction: float  # NaN when no autosomal segment has a known lcn


def major_cn_fraction(segments: pd.DataFrame, min_major: int = 2) -> float:
    """Length-weighted fraction of autosomal segments with known lcn at tcn - lcn >= min_major.

    ``segments`` has columns ``SEGMENT_COLUMNS`` (lcn NaN when unknown); NaN if none qualify.
    """
    keys = segments["chrom"].map(contig_key)
    known = segments["lcn"].notna().to_numpy() & keys.isin(AUTOSOMES).to_numpy()
    length = (segments["end"] - segments["start"] + 1).to_numpy(np.float64)[known]
    major = (segments["tcn"] - segments["lcn"]).to_numpy(np.float64)[known]
    total = length.sum()
    return float(length[major >= min_major].sum() / total) if total > 0 else float("nan")


def call_wgd(
    segments: pd.DataFrame, mode: WgdMode = "auto", thresholds: Thresholds = Thresholds()
) -> WgdCall:
    """Decide WGD by the facets-suite rule (``auto``) or as the user says (``yes``/``no``)."""
    fraction = major_cn_fraction(segments, thresholds.wgd_min_major)
    if mode == "auto":
        return WgdCall(bool(fraction > thresholds.wgd_min_fraction), "facets-suite", fraction)
    return WgdCall(mode == "yes", "user", fraction)


def categorise(tcn: npt.NDArray[np.float64], lcn: npt.NDArray[np.float64], levels: Levels) -> Codes:
    """Category codes (indices into ``CATEGORIES``) for whole-number tcn and lcn (NaN = NA)."""
    in_loh_range = (tcn >= 1) & (tcn <= levels.max_loh_tcn)
    conditions = [
        tcn == 0,
        tcn >= levels.high_gain,
        tcn >= levels.medium_gain,
        tcn >= levels.low_gain,
        in_loh_range & (lcn == 0),
        in_loh_range & np.isnan(lcn),
    ]
    choices = [HOMDEL, HIGH, MEDIUM, LOW, LOH, UNDETERMINED]
    return np.select(conditions, choices, default=NEUTRAL).astype(np.int8)


@dataclass(frozen=True)
class GeneIndex:
    """Gene coordinates (1-based, inclusive) on one genome-wide axis (contig code << 32 + pos)."""

    genes: pd.DataFrame  # GENE_COLUMNS, one row per gene, in output order
    contigs: dict[str, int]  # contig_key -> code
    start: Positions
    end: Positions


def index_genes(genes: pd.DataFrame) -> GeneIndex:
    """Prepare ``genes`` (columns ``GENE_COLUMNS``) for overlap with many samples."""
    genes = genes[list(GENE_COLUMNS)].reset_index(drop=True)
    keys = [contig_key(str(name)) for name in genes["chrom"]]
    contigs = {key: code for code, key in enumerate(dict.fromkeys(keys))}
    base = np.array([contigs[key] for key in keys], dtype=np.int64) << _SHIFT
    start = base + genes["start"].to_numpy(np.int64)
    return GeneIndex(genes, contigs, start, base + genes["end"].to_numpy(np.int64))


def _on_axis(index: GeneIndex, segments: pd.DataFrame, sample: str) -> pd.DataFrame:
    """Segments sorted along the genome axis, with columns ``axis_start``/``axis_end``."""
    keys = segments["chrom"].map(contig_key)
    unknown = sorted(set(segments["chrom"][~keys.isin(index.contigs.keys())]))
    if unknown:
        known = list(index.contigs)
        more = f", ... ({len(known)} in all)" if len(known) > 6 else ""
        raise IcarusError(
            f"sample {sample!r}: segment contig(s) {', '.join(unknown)} are not in the gene "
            f"table (it has {', '.join(known[:6])}{more}); use a gene table of the same "
            "genome build, or drop those segments"
        )
    base = keys.map(index.contigs).to_numpy(np.int64) << _SHIFT
    placed = segments.assign(axis_start=base + segments["start"].to_numpy(np.int64))
    placed["axis_end"] = base + segments["end"].to_numpy(np.int64)
    placed = placed.sort_values("axis_start", kind="stable").reset_index(drop=True)
    clash = np.flatnonzero(
        placed["axis_start"].to_numpy()[1:] <= placed["axis_end"].to_numpy()[:-1]
    )
    if clash.size:
        a, b = placed.iloc[clash[0]], placed.iloc[clash[0] + 1]
        raise IcarusError(
            f"sample {sample!r}: segments overlap on {a.chrom} ({a.start}-{a.end} and "
            f"{b.start}-{b.end}); give one sample per file or a sample/ID column"
        )
    return placed


def locate_genes(
    index: GeneIndex, axis_start: Positions, axis_end: Positions
) -> tuple[Positions, Positions]:
    """For each gene, the shortest overlapping segment (-1 if none) and the number overlapped.

    Segments must be sorted and non-overlapping on the axis, so those overlapping a gene are
    a contiguous run: from the first ending at or after the gene start to the last starting
    at or before its end. Ties in length go to the leftmost segment.
    """
    first = np.searchsorted(axis_end, index.start, side="left")
    last = np.searchsorted(axis_start, index.end, side="right") - 1
    n_segments = np.maximum(last - first + 1, 0)
    chosen = np.where(n_segments > 0, first, -1)
    multi = np.flatnonzero(n_segments > 1)
    if multi.size:  # min over each run [first, last] of length * n + position
        n = len(axis_start)
        key = (axis_end - axis_start + 1) * n + np.arange(n)
        key = np.append(key, np.iinfo(np.int64).max)
        bounds = np.column_stack([first[multi], last[multi] + 1]).ravel()
        chosen[multi] = np.minimum.reduceat(key, bounds)[::2] % n
    return chosen, n_segments


@dataclass(frozen=True, eq=False)
class GeneCalls:
    """One sample's calls: its segments (categorised) and, per gene, the segment it took."""

    sample: str
    genes: pd.DataFrame  # GENE_COLUMNS
    wgd: WgdCall
    segments: pd.DataFrame  # chrom, start, end, tcn, lcn, length, focal, category (code)
    segment_of_gene: Positions  # row of ``segments``, -1 for none
    n_segments: Positions
    category: Codes = field(repr=False)  # per gene, index into CATEGORIES

    def table(self) -> pd.DataFrame:
        """One row per gene with columns ``CALL_COLUMNS`` (missing values as NA)."""
        missing = self.segment_of_gene < 0
        pick = np.where(missing, 0, self.segment_of_gene)
        segments = self.segments
        out = self.genes.copy()
        for name in ("tcn", "lcn"):
            out[name] = np.where(missing, np.nan, segments[name].to_numpy(np.float64)[pick])
        for name in ("start", "end", "length"):
            out[f"segment_{name}"] = _masked(segments[name].to_numpy()[pick], missing, "Int64")
        out["n_segments"] = self.n_segments
        out["wgd"] = self.wgd.is_wgd
        out["category"] = np.array(CATEGORIES, dtype=object)[self.category]
        out["focal"] = _masked(segments["focal"].to_numpy()[pick], missing, "boolean")
        discrete = np.array([DISCRETE.get(c, 0) for c in CATEGORIES])[self.category]
        out["discrete"] = _masked(discrete, self.category >= UNDETERMINED, "Int64")
        return out[list(CALL_COLUMNS)]


def _masked(values: np.ndarray, missing: npt.NDArray[np.bool_], dtype: str) -> pd.Series:
    return pd.Series(values, dtype=dtype).mask(missing)


def call_genes(
    index: GeneIndex,
    segments: pd.DataFrame,
    sample: str,
    wgd: WgdMode = "auto",
    thresholds: Thresholds = Thresholds(),
) -> GeneCalls:
    """Assign each gene its segment's copy number and category.

    Parameters
    ----------
    index
        Genes from :func:`index_genes`; every segment contig must be among them.
    segments
        One sample's segments, columns ``SEGMENT_COLUMNS``: contig, 1-based inclusive start
        and end, whole-number tcn and lcn (float; NaN where FACETS gave NA). Segments must
        not overlap.
    sample, wgd, thresholds
        Sample name (for messages), the WGD mode and the thresholds.
    """
    call = call_wgd(segments, wgd, thresholds)
    placed = _on_axis(index, segments[list(SEGMENT_COLUMNS)], sample)
    axis_start = placed.pop("axis_start").to_numpy(np.int64)
    axis_end = placed.pop("axis_end").to_numpy(np.int64)
    chosen, n_segments = locate_genes(index, axis_start, axis_end)
    placed["length"] = axis_end - axis_start + 1
    placed["focal"] = placed["length"] < thresholds.max_focal_length
    levels = thresholds.wgd if call.is_wgd else thresholds.no_wgd
    tcn, lcn = placed["tcn"].to_numpy(np.float64), placed["lcn"].to_numpy(np.float64)
    placed["category"] = categorise(tcn, lcn, levels)
    codes = placed["category"].to_numpy(np.int8)
    category = np.where(chosen >= 0, codes[np.maximum(chosen, 0)], NO_SEGMENT).astype(np.int8)
    return GeneCalls(sample, index.genes, call, placed, chosen, n_segments, category)


@dataclass(frozen=True)
class SampleSummary:
    """Facts of one sample's calls (written as ``<sample>.cna_summary.json``)."""

    sample: str
    purity: float | None
    ploidy: float | None
    wgd: bool
    wgd_rule: str
    wgd_fraction: float | None  # None when no autosomal segment has a known lcn
    genes: int
    segments: int
    categories: dict[str, int]  # genes per category, every category listed
    undetermined: int  # genes with tcn in the LOH range and lcn NA
    undetermined_genes: list[str]
    focal_calls: dict[str, list[str]]  # focal high-level gains and homozygous deletions
    max_focal_length: int


def summarise(calls: GeneCalls, fit: Fit, thresholds: Thresholds = Thresholds()) -> SampleSummary:
    """Count the categories, list undetermined genes and the focal calls (the study's
    candidate oncogenic CNAs: focal high-level gains and focal homozygous deletions)."""
    names = calls.genes["gene"].to_numpy(dtype=object)
    focal = calls.segments["focal"].to_numpy(bool)[np.maximum(calls.segment_of_gene, 0)]
    counts = np.bincount(calls.category, minlength=len(CATEGORIES))
    undetermined = calls.category == UNDETERMINED
    fraction = calls.wgd.fraction
    return SampleSummary(
        sample=calls.sample,
        purity=fit.purity,
        ploidy=fit.ploidy,
        wgd=calls.wgd.is_wgd,
        wgd_rule=calls.wgd.rule,
        wgd_fraction=None if np.isnan(fraction) else round(fraction, 6),
        genes=len(names),
        segments=len(calls.segments),
        categories={name: int(n) for name, n in zip(CATEGORIES, counts, strict=True)},
        undetermined=int(undetermined.sum()),
        undetermined_genes=[str(g) for g in names[undetermined]],
        focal_calls={
            name: [str(g) for g in names[(calls.category == CATEGORIES.index(name)) & focal]]
            for name in FOCAL_CALLS
        },
        max_focal_length=thresholds.max_focal_length,
    )


def describe(summaries: list[SampleSummary]) -> str:
    """One line for a run: WGD, focal calls and genes left undetermined."""
    first = summaries[0]
    gains = sum(len(s.focal_calls["high_level_gain"]) for s in summaries)
    losses = sum(len(s.focal_calls["homozygous_deletion"]) for s in summaries)
    undetermined = sum(s.undetermined for s in summaries)
    if len(summaries) == 1:
        fraction = "NA" if first.wgd_fraction is None else f"{first.wgd_fraction:.2f}"
        head = (
            f"{first.sample}: {first.genes} genes, WGD {'yes' if first.wgd else 'no'} "
            f"({first.wgd_rule}; autosomal fraction at major CN >= 2: {fraction})"
        )
    else:
        doubled = sum(s.wgd for s in summaries)
        head = f"{len(summaries)} samples x {first.genes} genes, {doubled} with WGD"
    return (
        f"cna: {head}; focal high-level gains {gains}, focal homozygous deletions {losses}; "
        f"{undetermined} gene(s) undetermined (tcn in the LOH range, lcn NA)"
    )
