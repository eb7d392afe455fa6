"""Preranked gene set enrichment analysis (GSEA) with fgsea's "simple" permutation test.

The enrichment score (ES) of a gene set is the maximum deviation from zero of a running sum
over the ranked list that rises by ``|stat|^p / NR`` at each set gene (NR: the sum over set
genes) and falls by ``1 / (N - m)`` at each other gene (Subramanian et al., PNAS 2005). The
scores, the leading edge, the p-value ``min((1 + #random <= ES) / (1 + #random <= 0),
(1 + #random >= ES) / (1 + #random >= 0))`` and the normalised score (ES over the mean random
score of the same sign) follow fgsea's ``calcGseaStat`` and ``fgseaSimple`` (Korotkevich et
al., bioRxiv 2016), the method behind clusterProfiler's ``GSEA()`` used by the study.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import false_discovery_control

from icarus_omics.enrichment.null import (
    EnrichmentScore,
    NullCounts,
    enrichment_score,
    normalised_scores,
    null_counts,
)
from icarus_omics.errors import IcarusError

RESULT_COLUMNS = (
    "term", "set_size", "es", "nes", "pvalue", "padj", "gene_ratio", "leading_edge",
    "leading_edge_size", "n_more_extreme",
)  # fmt: skip
SKIPPED_COLUMNS = ("term", "set_size_before", "set_size_after", "reason")
RUNNING_SUM_COLUMNS = ("position", "gene", "stat", "is_hit", "running_score")
LEADING_EDGE_SEPARATOR = "/"  # clusterProfiler's core_enrichment separator

ENSEMBL_GENE = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?$")
ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*G\d{11})\.\d+$")
ENTREZ_GENE = re.compile(r"^\d+$")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GseaSettings:
    """Parameters of a run (defaults: fgsea's and clusterProfiler's, 10,000 permutations)."""

    permutations: int = 10_000
    seed: int = 0
    min_size: int = 15  # genes of a set found in the ranking, after identifier matching
    max_size: int = 500
    gsea_param: float = 1.0  # weight exponent p: 0 is the unweighted Kolmogorov-Smirnov ES

    def __post_init__(self) -> None:
        if self.permutations < 1:
            raise IcarusError(f"permutations must be at least 1, not {self.permutations}")
        if not 1 <= self.min_size <= self.max_size:
            raise IcarusError(
                f"gene set sizes need 1 <= min size <= max size (got {self.min_size}, "
                f"{self.max_size})"
            )
        if not self.gsea_param >= 0:
            raise IcarusError(f"the GSEA weight exponent must be >= 0, not {self.gsea_param}")


@dataclass(frozen=True)
class SkippedSet:
    """A gene set left out of the test, with its size before and after matching the ranking."""

    term: str
    size_before: int
    size_after: int
    reason: str


@dataclass(frozen=True)
class RankingReport:
    """What preparing the ranking did (``n_ties``: repeated non-zero scores, as fgsea)."""

    n_input: int
    n_na_dropped: int
    n_unmapped: int  # dropped because --gene-map had no entry for them
    n_duplicates_collapsed: int
    n_ranked: int
    n_ties: int
    ranking_ids: str  # "ensembl", "entrez" or "symbol"
    gene_set_ids: str
    mapped: bool
    n_set_genes: int  # distinct genes over all sets
    n_set_genes_found: int
    overlap_fraction: float


@dataclass(frozen=True)
class GseaReport(RankingReport):
    """The ranking report plus what happened to the gene sets."""

    n_sets: int
    n_tested: int
    skipped: tuple[SkippedSet, ...]

    def notes(self) -> list[str]:
        """Short remarks for a summary line: dropped genes, ties, skipped sets."""
        notes = [f"{self.n_na_dropped} NA score(s) dropped"] if self.n_na_dropped else []
        if self.mapped:
            notes.append(f"ids mapped {self.ranking_ids} -> {self.gene_set_ids}")
        if self.n_unmapped:
            notes.append(f"{self.n_unmapped} unmapped id(s) dropped")
        if self.n_duplicates_collapsed:
            notes.append(f"{self.n_duplicates_collapsed} duplicate id(s) collapsed (max |score|)")
        if self.n_ties:
            share = 100 * self.n_ties / self.n_ranked
            notes.append(f"ties in the ranked scores ({share:.2f}% of the list)")
        notes.append(f"{self.overlap_fraction:.0%} of gene-set genes ranked")
        if self.skipped:
            notes.append(f"{len(self.skipped)} set(s) skipped (size)")
        return notes


@dataclass(frozen=True)
class GseaResult:
    """Results (``RESULT_COLUMNS``), skipped sets (``SKIPPED_COLUMNS``), the ranking tested
    (gene -> score, decreasing) and the tested sets restricted to ranked genes."""

    table: pd.DataFrame
    skipped: pd.DataFrame
    ranking: pd.Series
    gene_sets: dict[str, tuple[str, ...]]
    report: GseaReport

    def summary(self, settings: GseaSettings, significance: float) -> dict[str, object]:
        """The run's parameters and counts (the report without the skipped sets' list),
        plus how many sets have padj < ``significance``: what ``gsea_summary.json`` holds."""
        counts = {k: v for k, v in asdict(self.report).items() if k != "skipped"}
        return {
            "method": "fgsea simple (permutation null, BH-adjusted)",
            **asdict(settings),
            **counts,
            "n_skipped": len(self.report.skipped),
            "significance_padj": significance,
            "n_significant": int((self.table["padj"] < significance).sum()),
        }


def identifier_type(ids: Iterable[str]) -> str:
    """``"ensembl"`` (ENSG..., with or without version), ``"entrez"`` (digits) or
    ``"symbol"``, by what most identifiers look like."""
    ids = list(ids)
    for name, pattern in (("ensembl", ENSEMBL_GENE), ("entrez", ENTREZ_GENE)):
        if ids and sum(bool(pattern.match(i)) for i in ids) >= len(ids) / 2:
            return name
    return "symbol"


def strip_version(gene: str) -> str:
    """``ENSG00000141510.16`` -> ``ENSG00000141510``; anything else unchanged."""
    found = ENSEMBL_VERSION.match(gene)
    return found.group(1) if found else gene


def _apply_map(
    stats: pd.Series, gene_map: pd.Series, set_genes: Collection[str]
) -> tuple[pd.Series, int, bool]:
    """Translate ranking ids to the gene sets' namespace when that finds more set genes.

    The map's column holding more ranking ids is the source; ids absent from it are dropped.
    """
    source = pd.Series(gene_map.to_numpy(), index=[strip_version(str(i)) for i in gene_map.index])
    inverse = pd.Series(source.index.to_numpy(), index=source.to_numpy())
    ids = stats.index
    if ids.isin(inverse.index).sum() > ids.isin(source.index).sum():
        source = inverse
    source = source[~source.index.duplicated(keep="first")]
    targets = pd.Series(source.reindex(ids).to_numpy(), index=ids)
    before = ids.isin(list(set_genes)).sum()
    if targets.isin(list(set_genes)).sum() <= before:
        return stats, 0, False
    known = targets.notna().to_numpy()
    mapped = pd.Series(stats.to_numpy()[known], index=targets[known].astype(str).to_numpy())
    return mapped, int((~known).sum()), True


def _collapse(stats: pd.Series) -> pd.Series:
    """One score per gene (largest |score|; + before - on equal size), sorted decreasing
    with ties broken by gene id so that the order never depends on input order."""
    frame = pd.DataFrame({"gene": stats.index.astype(str), "stat": stats.to_numpy(dtype=float)})
    frame["size"] = frame["stat"].abs()
    frame = frame.sort_values(["gene", "size", "stat"], ascending=[True, False, False],
                              kind="mergesort").drop_duplicates("gene")  # fmt: skip
    frame = frame.sort_values(["stat", "gene"], ascending=[False, True], kind="mergesort")
    return pd.Series(frame["stat"].to_numpy(), index=pd.Index(frame["gene"], name="gene"))


def prepare_ranking(
    stats: pd.Series, gene_sets: Mapping[str, Iterable[str]], gene_map: pd.Series | None = None
) -> tuple[pd.Series, RankingReport]:
    """The ranked list GSEA runs on, and a report of what it took to make it.

    Parameters
    ----------
    stats
        Score per gene id (index); NaN allowed, ids may repeat.
    gene_sets
        Set name -> genes (only used to choose and check the identifier namespace).
    gene_map
        Optional id -> id map (e.g. Ensembl gene -> symbol, either direction). Applied
        when it makes more set genes match the ranking.

    Returns
    -------
    tuple
        Gene -> score, unique ids (Ensembl versions stripped), sorted decreasing, ties by
        id; and the :class:`RankingReport`.

    Raises
    ------
    IcarusError
        On infinite scores, an empty ranking, or no set gene in the ranking.
    """
    values = stats.astype(float)
    values.index = [strip_version(str(gene)) for gene in stats.index]
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        raise IcarusError(f"score of gene {values.index[int(infinite.argmax())]!r} is infinite; "
                          f"{int(infinite.sum())} infinite score(s) in the ranking")  # fmt: skip
    present = values.dropna()
    if present.empty:
        raise IcarusError(f"the ranking has no gene with a score ({len(values)} NA)")
    set_genes = {strip_version(g) for genes in gene_sets.values() for g in genes}
    mapped, n_unmapped, is_mapped = (
        _apply_map(present, gene_map, set_genes) if gene_map is not None else (present, 0, False)
    )
    ranking = _collapse(mapped)
    found = len(set_genes & set(ranking.index))
    nonzero = ranking[ranking != 0]
    report = RankingReport(
        n_input=len(values), n_na_dropped=len(values) - len(present), n_unmapped=n_unmapped,
        n_duplicates_collapsed=len(mapped) - len(ranking), n_ranked=len(ranking),
        n_ties=int(nonzero.duplicated().sum()), ranking_ids=identifier_type(present.index),
        gene_set_ids=identifier_type(set_genes), mapped=is_mapped, n_set_genes=len(set_genes),
        n_set_genes_found=found, overlap_fraction=found / len(set_genes) if set_genes else 0.0,
    )  # fmt: skip
    if found == 0:
        raise IcarusError(_no_overlap_message(report, gene_map is not None))
    return ranking, report


def _no_overlap_message(report: RankingReport, has_map: bool) -> str:
    overlap = f"0 of {report.n_set_genes} distinct gene-set genes are in the ranking"
    kinds = f"ranking ids look like {report.ranking_ids}, gene sets use {report.gene_set_ids}"
    if has_map:
        return f"{overlap} ({kinds}), even through --gene-map; check the map's two columns"
    return f"{overlap} ({kinds}); give --gene-map FILE (ranking id<TAB>gene-set id)"


def select_gene_sets(
    gene_sets: Mapping[str, Iterable[str]], genes: pd.Index, min_size: int, max_size: int
) -> tuple[dict[str, IntArray], tuple[SkippedSet, ...]]:
    """The gene sets to test, as positions in the ranking.

    Parameters
    ----------
    gene_sets
        Set name -> member genes.
    genes
        The ranked gene ids, in ranking order (decreasing score).
    min_size, max_size
        Allowed number of a set's genes found in the ranking.

    Returns
    -------
    tuple
        Set name -> sorted 0-based ranking positions of its genes, for sets of
        ``min_size``..``max_size`` ranked genes (gene-set file order); and the other sets
        as :class:`SkippedSet` (sizes before and after matching, and why).
    """
    kept: dict[str, IntArray] = {}
    skipped: list[SkippedSet] = []
    for term, members in gene_sets.items():
        unique = list(dict.fromkeys(strip_version(g) for g in members))
        where = genes.get_indexer(pd.Index(unique))
        positions = np.sort(where[where >= 0]).astype(np.int64)
        size = positions.shape[0]
        reason = ""
        if size < min_size:
            reason = f"fewer than {min_size} genes in the ranking (--min-size)"
        elif size > max_size:
            reason = f"more than {max_size} genes in the ranking (--max-size)"
        elif size == len(genes):
            reason = "contains every ranked gene"
        if reason:
            skipped.append(SkippedSet(term, len(unique), size, reason))
        else:
            kept[term] = positions
    return kept, tuple(skipped)


def run_gsea(
    stats: pd.Series,
    gene_sets: Mapping[str, Iterable[str]],
    settings: GseaSettings | None = None,
    gene_map: pd.Series | None = None,
    processes: int = 1,
    tick: Callable[[int], None] | None = None,
) -> GseaResult:
    """Preranked GSEA of ``gene_sets`` on ``stats`` (fgsea's simple permutation test).

    Parameters
    ----------
    stats
        Score per gene id, e.g. the DESeq2 Wald ``stat``; see :func:`prepare_ranking`.
    gene_sets
        Set name -> member genes.
    settings
        Permutations, seed, size limits and weight exponent.
    gene_map
        Optional identifier map (see :func:`prepare_ranking`).
    processes
        Worker processes for the permutations; results are identical for any value.
    tick
        Called with the permutations done as each chunk finishes (a progress display).

    Returns
    -------
    GseaResult
        ``table`` has one row per tested set, sorted by p-value then term.

    Raises
    ------
    IcarusError
        When no gene set has an allowed size, or from :func:`prepare_ranking`.
    """
    settings = settings or GseaSettings()
    ranking, ranked = prepare_ranking(stats, gene_sets, gene_map)
    positions, skipped = select_gene_sets(
        gene_sets, ranking.index, settings.min_size, settings.max_size
    )
    report = GseaReport(**asdict(ranked), n_sets=len(gene_sets), n_tested=len(positions),
                        skipped=skipped)  # fmt: skip
    if not positions:
        largest = max((s.size_after for s in skipped), default=0)
        raise IcarusError(
            f"no gene set has {settings.min_size} to {settings.max_size} genes in the ranking "
            f"(largest: {largest} of {ranking.shape[0]} ranked); check --min-size/--max-size"
        )
    weights = np.abs(ranking.to_numpy(dtype=float)) ** settings.gsea_param
    scores = {term: enrichment_score(weights, where) for term, where in positions.items()}
    counts = null_counts(
        weights,
        np.array([p.shape[0] for p in positions.values()], dtype=np.int64),
        np.array([s.es for s in scores.values()]),
        settings.permutations,
        settings.seed,
        processes,
        tick,
    )
    genes = ranking.index.to_numpy()
    table = _results_table(positions, scores, counts, genes)
    tested = {term: tuple(genes[where]) for term, where in positions.items()}
    return GseaResult(table, skipped_table(skipped), ranking, tested, report)


def _results_table(
    positions: Mapping[str, IntArray],
    scores: Mapping[str, EnrichmentScore],
    counts: NullCounts,
    genes: npt.NDArray[np.object_],
) -> pd.DataFrame:
    es = np.array([s.es for s in scores.values()])
    nes, pvalue = normalised_scores(es, counts)
    padj = np.full(pvalue.shape, np.nan)
    tested = ~np.isnan(pvalue)
    if tested.any():
        padj[tested] = false_discovery_control(pvalue[tested], method="bh")
    sizes = np.array([p.shape[0] for p in positions.values()])
    edges = [s.leading_edge for s in scores.values()]
    table = pd.DataFrame({
        "term": list(positions), "set_size": sizes, "es": es, "nes": nes, "pvalue": pvalue,
        "padj": padj, "gene_ratio": [len(e) / n for e, n in zip(edges, sizes, strict=True)],
        "leading_edge": [LEADING_EDGE_SEPARATOR.join(genes[e]) for e in edges],
        "leading_edge_size": [len(e) for e in edges],
        "n_more_extreme": np.where(es > 0, counts.ge_es, counts.le_es),
    })  # fmt: skip
    table = table.sort_values(["pvalue", "term"], kind="mergesort", na_position="last")
    return table.reset_index(drop=True)[list(RESULT_COLUMNS)]


def skipped_table(skipped: Iterable[SkippedSet]) -> pd.DataFrame:
    """Skipped sets as a table with ``SKIPPED_COLUMNS``, in gene-set file order."""
    rows = [(s.term, s.size_before, s.size_after, s.reason) for s in skipped]
    return pd.DataFrame(rows, columns=list(SKIPPED_COLUMNS)).astype(
        {"set_size_before": int, "set_size_after": int}
    )


def running_sum(ranking: pd.Series, genes: Iterable[str], gsea_param: float = 1.0) -> pd.DataFrame:
    """The running enrichment score of one set along the ranking (for enrichment plots).

    Parameters
    ----------
    ranking
        Gene -> score, sorted decreasing (``GseaResult.ranking``).
    genes
        The set's genes; those not ranked are ignored.
    gsea_param
        The weight exponent used for the scores.

    Returns
    -------
    pandas.DataFrame
        One row per ranked gene (``RUNNING_SUM_COLUMNS``): 1-based position, gene, score,
        whether it is in the set, and the running sum after it, whose extreme is the ES.
    """
    is_hit = ranking.index.isin(list(genes))
    m, n = int(is_hit.sum()), ranking.shape[0]
    if not 0 < m < n:
        raise IcarusError(f"a running sum needs 1 to {n - 1} ranked genes in the set, not {m}")
    weights = np.abs(ranking.to_numpy(dtype=float)) ** gsea_param
    hits = np.where(is_hit, weights, 0.0)
    total = hits.sum()
    steps = np.where(is_hit, hits / total if total > 0 else 1 / m, -1 / (n - m))
    return pd.DataFrame({
        "position": np.arange(1, n + 1), "gene": ranking.index.astype(str),
        "stat": ranking.to_numpy(dtype=float), "is_hit": is_hit, "running_score": np.cumsum(steps),
    })  # fmt: skip
