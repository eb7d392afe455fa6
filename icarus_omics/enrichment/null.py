"""Enrichment scores (of one set or many at once) and fgsea's "simple" permutation null.

fgsea (Korotkevich et al., bioRxiv 2016; ``fgseaSimple``) draws, per permutation, ONE random
gene sample of the largest set size and uses its first ``k`` genes as the random set of size
``k``, for every size ``k`` tested (``calcGseaStatCumulativeBatch``). Sets of the same size
share their random scores. Here the scores of all permutations of one size are computed
together as arrays (no per-permutation Python loop beyond the sampling).

Permutations run in fixed-size chunks, each with its own random stream spawned from
``np.random.SeedSequence(seed)``, so results do not depend on how many processes run them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from icarus_omics.parallel import parallel_map

PERMUTATIONS_PER_CHUNK = 1000  # fixed: changing it changes the random streams, not the speed

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def batch_enrichment_scores(weights: FloatArray, positions: IntArray) -> FloatArray:
    """Enrichment scores of many gene sets of one size, as fgsea's ``calcGseaStat``.

    Parameters
    ----------
    weights
        ``|stat| ** gsea_param`` of all ranked genes, in ranking order (length N).
    positions
        ``(r, k)`` array: each row the 0-based ranking positions of one set, sorted
        increasing, ``0 < k < N``.

    Returns
    -------
    numpy.ndarray
        ``r`` scores: the running sum's maximum deviation from zero (signed), or 0 when the
        positive and negative deviations are equal.
    """
    n = weights.shape[0]
    k = positions.shape[1]
    hits = weights[positions]
    cumulative = np.cumsum(hits, axis=1)
    total = cumulative[:, -1:]
    if np.any(total == 0):  # fgsea: a set of zero weights counts every hit as 1/k
        zero = total[:, 0] == 0
        hits[zero] = 1.0
        cumulative[zero] = np.arange(1, k + 1, dtype=float)
        total = np.where(total == 0, float(k), total)
    misses = (positions - np.arange(k)) / (n - k)
    tops = cumulative / total - misses
    bottoms = tops - hits / total
    top = tops.max(axis=1)
    bottom = bottoms.min(axis=1)
    return np.where(top > -bottom, top, np.where(top < -bottom, bottom, 0.0))


@dataclass(frozen=True)
class EnrichmentScore:
    """One set's score, its running-sum extremes and leading edge (ranking positions)."""

    es: float
    max_top: float  # fgsea's maxP: the "pos" score
    min_bottom: float  # fgsea's minP: the "neg" score
    leading_edge: IntArray


def enrichment_score(weights: FloatArray, positions: IntArray) -> EnrichmentScore:
    """fgsea's ``calcGseaStat``: the score of one set and its leading edge.

    Parameters
    ----------
    weights
        ``|stat| ** gsea_param`` of the N ranked genes, in ranking order.
    positions
        0-based ranking positions of the set's m genes (0 < m < N).

    Returns
    -------
    EnrichmentScore
        ES is ``max_top`` when it exceeds ``-min_bottom``, ``min_bottom`` when it is
        smaller, else 0. The leading edge is the set genes up to the running-sum peak (ES > 0)
        or from its trough on (ES < 0), in ranking order; empty when ES is 0.
    """
    positions = np.sort(np.asarray(positions, dtype=np.int64))
    n, m = weights.shape[0], positions.shape[0]
    hits = weights[positions]
    running = np.cumsum(hits)
    total = running[-1]  # as R, whose sum and cumsum share one extended-precision accumulator
    cumulative = running / total if total > 0 else np.arange(1, m + 1) / m
    tops = cumulative - (positions - np.arange(m)) / (n - m)
    bottoms = tops - (hits / total if total > 0 else 1 / m)
    top, bottom = float(tops.max()), float(bottoms.min())
    if top > -bottom:
        return EnrichmentScore(top, top, bottom, positions[: int(tops.argmax()) + 1])
    if top < -bottom:
        return EnrichmentScore(bottom, top, bottom, positions[int(bottoms.argmin()) :])
    return EnrichmentScore(0.0, top, bottom, positions[:0])


@dataclass(frozen=True)
class NullCounts:
    """Per gene set, how the random scores compare with its score (fgsea's six vectors).

    ``le_es``/``ge_es`` count random scores <= / >= the set's score, ``le_zero``/``ge_zero``
    those <= / >= 0, and ``le_zero_sum``/``ge_zero_sum`` sum those <= / >= 0.
    """

    le_es: IntArray
    ge_es: IntArray
    le_zero: IntArray
    ge_zero: IntArray
    le_zero_sum: FloatArray
    ge_zero_sum: FloatArray


def null_weights(weights: FloatArray) -> FloatArray:
    """Weights the random sets use: fgsea's C++ replaces zero weights by the smallest
    non-zero weight / 1024, so that a random set of zero-score genes still has a direction."""
    positive = weights[weights > 0]
    if positive.size == 0:
        return np.ones_like(weights)
    return np.maximum(weights, positive.min() / 1024)


def random_samples(n: int, size: int, count: int, rng: np.random.Generator) -> IntArray:
    """``count`` rows of ``size`` distinct positions out of ``n``, each row in random order,
    so that every prefix of a row is a uniform random subset."""
    samples = np.empty((count, size), dtype=np.int64)
    for row in range(count):
        samples[row] = rng.choice(n, size=size, replace=False, shuffle=True)
    return samples


def _chunk_counts(
    weights: FloatArray,
    sizes: IntArray,
    scores: FloatArray,
    count: int,
    seed: np.random.SeedSequence,
) -> npt.NDArray[np.float64]:
    """The six count vectors (rows) for ``count`` permutations of one random stream."""
    samples = random_samples(weights.shape[0], int(sizes.max()), count, np.random.default_rng(seed))
    order = np.argsort(samples, axis=1, kind="stable")
    ranked = np.take_along_axis(samples, order, axis=1)
    totals = np.zeros((6, sizes.shape[0]))
    for size in np.unique(sizes):
        # the first `size` draws of each row, already in ranking order
        positions = ranked[order < size].reshape(count, int(size))
        random_es = batch_enrichment_scores(weights, positions)[:, None]
        members = np.flatnonzero(sizes == size)
        observed = scores[members][None, :]
        negative, positive = random_es <= 0, random_es >= 0
        totals[0, members] = (random_es <= observed).sum(axis=0)
        totals[1, members] = (random_es >= observed).sum(axis=0)
        totals[2, members] = negative.sum()
        totals[3, members] = positive.sum()
        totals[4, members] = random_es[negative].sum()
        totals[5, members] = random_es[positive].sum()
    return totals


def null_counts(
    weights: FloatArray,
    sizes: IntArray,
    scores: FloatArray,
    permutations: int,
    seed: int,
    processes: int = 1,
    tick: Callable[[int], None] | None = None,
) -> NullCounts:
    """Compare each set's score with ``permutations`` random sets of its size.

    Parameters
    ----------
    weights
        ``|stat| ** gsea_param`` of the ranked genes, in ranking order.
    sizes, scores
        Per tested gene set: its size (genes in the ranking) and its enrichment score.
    permutations, seed
        Number of random samples and the seed of their streams.
    processes
        Worker processes; the result is identical for any value.
    tick
        Called with the number of permutations of each chunk as it finishes (progress).

    Returns
    -------
    NullCounts
        fgsea's counts, summed over chunks in chunk order.
    """
    chunks = [PERMUTATIONS_PER_CHUNK] * (permutations // PERMUTATIONS_PER_CHUNK)
    if permutations % PERMUTATIONS_PER_CHUNK:
        chunks.append(permutations % PERMUTATIONS_PER_CHUNK)
    streams = np.random.SeedSequence(seed).spawn(len(chunks))
    base = null_weights(weights)
    jobs = [
        (base, sizes, scores, count, stream) for count, stream in zip(chunks, streams, strict=True)
    ]
    totals = np.zeros((6, sizes.shape[0]))
    for part, count in zip(parallel_map(_chunk_counts, jobs, processes), chunks, strict=True):
        totals += part
        if tick is not None:
            tick(count)
    counts = totals[:4].round().astype(np.int64)
    return NullCounts(counts[0], counts[1], counts[2], counts[3], totals[4], totals[5])


def _ratio(numerator: FloatArray, denominator: npt.NDArray[np.int64]) -> FloatArray:
    out = np.full(numerator.shape, np.nan)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def normalised_scores(es: FloatArray, counts: NullCounts) -> tuple[FloatArray, FloatArray]:
    """fgsea's NES and p-value per set; both NaN where the random scores of the set's sign
    average to zero or do not exist."""
    scale = np.where(
        es > 0,
        _ratio(counts.ge_zero_sum, counts.ge_zero),
        np.abs(_ratio(counts.le_zero_sum, counts.le_zero)),
    )
    valid = np.isfinite(scale) & (scale != 0)
    nes = np.divide(es, scale, out=np.full(es.shape, np.nan), where=valid)
    pvalue = np.minimum(
        (1 + counts.le_es) / (1 + counts.le_zero), (1 + counts.ge_es) / (1 + counts.ge_zero)
    )
    return nes, np.where(valid, pvalue, np.nan)
