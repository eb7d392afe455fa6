"""Fit mutational signatures to 96-channel SBS catalogues (SPEC section 4).

Every fit takes a catalogue (channel rows, like ``A[C>T]G``, x sample columns, mutation
counts) and a signature matrix (the same channel rows x signature columns, each column a
probability distribution summing to 1), and returns a :class:`FitResult`.

- :func:`fit_nnls` - non-negative least squares per sample, MutationalPatterns
  ``fit_to_signatures``.
- :func:`fit_strict` - MutationalPatterns ``fit_to_signatures_strict`` (backwards or
  best-subset signature selection).
- :func:`fit_sparse` - the study's method: NNLS, then the SigProfiler single-sample sparsity
  step (Pich et al., Nat Genet 2019;51:1732).
- :func:`bootstrap` - resample each sample's mutations and refit, for confidence intervals.

One solver underlies all of them: Lawson-Hanson NNLS (``scipy.optimize.nnls``).
MutationalPatterns 3.8.1's ``fit_to_signatures`` calls ``pracma::lsqnonneg``, the same
active-set algorithm; exposures agree to ~1e-12 on the package's example data, and the strict
fit agrees to ~1e-11 with R on 1,000 simulated tumours against 21 and 78 signatures.

The per-sample selection rules (and why dropping a signature can only lower the cosine
similarity) live in :mod:`icarus_omics.signatures.selection`; this module checks the inputs,
runs the rules over the cohort and collects the results.

Samples with no mutations get zero exposures, no kept signatures and a NaN cosine similarity
(the cosine of a zero vector is undefined). Filtering samples by mutation count (the study's
50 SNVs) is the caller's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.parallel import parallel_map
from icarus_omics.signatures.selection import (
    select_backwards,
    select_best_subset,
    select_sparse,
    solve_nnls,
)

QUALITY_COLUMNS = ("n_snvs", "cosine_similarity", "rss", "signatures_kept")
BOOTSTRAP_COLUMNS = ("sample", "signature", "exposure", "ci_low", "ci_high", "kept_fraction")
DEFAULT_MAX_DELTA = 0.004  # MutationalPatterns 3.8.1 fit_to_signatures_strict default
DEFAULT_MAX_COSINE_DROP = 0.01  # SigProfiler removeAllSingleSignatures (Pich et al. 2019)
SUM_TOLERANCE = 1e-3  # COSMIC columns sum to 1 within 1e-6; counts or percentages miss by far
MAX_BEST_SUBSET = 15  # 2**15 refits per sample; MutationalPatterns advises at most 10-15
CHUNKS_PER_PROCESS = 4  # samples are split into this many chunks per worker process
Method = Literal["nnls", "strict", "strict_best_subset", "sparse"]
Selection = Literal["backwards", "best_subset"]
Array = np.ndarray


@dataclass(frozen=True)
class FitResult:
    """Exposures, reconstruction and per-sample fit quality of one signature fit."""

    exposures: pd.DataFrame  # samples x signatures, mutations attributed (>= 0)
    reconstructed: pd.DataFrame  # channels x samples: signatures @ exposures
    quality: pd.DataFrame  # index sample; QUALITY_COLUMNS


def cosine(a: Array, b: Array) -> Array:
    """Cosine similarity of each column of ``a`` with the same column of ``b``.

    1-D inputs count as one column. Returns one value per column, NaN where either column
    is all zero.
    """
    a = np.asarray(a, dtype=float).reshape(len(a), -1)
    b = np.asarray(b, dtype=float).reshape(len(b), -1)
    dot = (a * b).sum(axis=0)
    norms = np.sqrt((a * a).sum(axis=0)) * np.sqrt((b * b).sum(axis=0))
    return np.divide(dot, norms, out=np.full(dot.shape, np.nan), where=norms > 0)


def fit_nnls(catalogue: pd.DataFrame, signatures: pd.DataFrame, processes: int = 1) -> FitResult:
    """Fit every signature to every sample by non-negative least squares.

    Equals MutationalPatterns ``fit_to_signatures(mut_matrix, signatures)``: per sample,
    the exposures ``x >= 0`` minimising ``|catalogue - signatures @ x|``. Exposures are in
    mutations (they sum to about the sample's count, as signatures sum to 1).
    """
    counts, profiles = _prepare(catalogue, signatures)
    exposures = _run(counts, profiles, solve_nnls, {}, processes)
    return _result(catalogue, signatures, counts, profiles, exposures)


def fit_strict(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    max_delta: float = DEFAULT_MAX_DELTA,
    method: Selection = "backwards",
    processes: int = 1,
) -> FitResult:
    """Fit signatures, then drop those the fit does without, as MutationalPatterns does.

    Mirrors ``fit_to_signatures_strict`` of MutationalPatterns 3.8.1
    (R/fit_to_signatures_strict.R and its per-sample helpers, read from
    Bioconductor's git mirror bioc/MutationalPatterns):

    ``backwards`` (``.strict_refit_backwards_selection_sample``): first an NNLS fit of the
    whole cohort; signatures with zero exposure in every sample are set aside for good (so a
    sample's result depends on the cohort, as in R). Per sample, fit the remaining
    signatures, then repeatedly remove the signature with the *lowest exposure* (ties: the
    first in column order, as R's ``order``), refit, and compare the cosine similarity of
    observed and reconstructed profiles with the previous step's (not the first fit's);
    accept while the loss is ``<= max_delta``, stop at the first larger loss or at one
    signature. A zero-exposure signature is removed without refitting: the fit is unchanged
    (it still meets the optimality conditions), so R's refit gives a loss of 0 too. A NaN
    similarity counts as 0, as in R.

    ``best_subset`` (``.strict_refit_best_subset_selection_sample``): from all signatures
    (no cohort filter, as in R), for n = k-1 down to 1 take the n-signature subset with the
    highest cosine similarity (subsets in ``combn`` order, first maximum wins); accept while
    the loss from the previous size is ``<= max_delta``. Limited to MAX_BEST_SUBSET
    signatures, as its cost doubles with each signature.
    """
    if max_delta < 0:
        raise IcarusError(f"max_delta must be 0 or more, not {max_delta}")
    counts, profiles = _prepare(catalogue, signatures)
    if method == "best_subset":
        if profiles.shape[1] > MAX_BEST_SUBSET:
            raise IcarusError(
                f"best-subset selection needs {MAX_BEST_SUBSET} signatures or fewer, not "
                f"{profiles.shape[1]}; use backwards selection or a shorter list"
            )
        options: dict[str, Any] = {"max_delta": max_delta}
        exposures = _run(counts, profiles, select_best_subset, options, processes)
    elif method == "backwards":
        first = _run(counts, profiles, solve_nnls, {}, processes)
        options = {"max_delta": max_delta, "present": np.flatnonzero(first.sum(axis=1) != 0)}
        exposures = _run(counts, profiles, select_backwards, options, processes)
    else:
        raise IcarusError(f"unknown selection method {method!r}; use backwards or best_subset")
    return _result(catalogue, signatures, counts, profiles, exposures)


def fit_sparse(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    max_cosine_drop: float = DEFAULT_MAX_COSINE_DROP,
    processes: int = 1,
) -> FitResult:
    """Fit signatures by NNLS, then remove signatures one by one while the fit holds.

    The study's two steps (SPEC section 4): an NNLS assignment as in MutationalPatterns, then
    the SigProfiler single-sample sparsity step of Pich et al. 2019, as written in its Julia
    code (ypradat/sigprofilerjulia, src/removeAllSingleSignatures.jl, removeOneSig.jl,
    evalSingleSample.jl). Per sample:

    1. NNLS against all signatures; the active set is the non-zero exposures, and the first
       cosine similarity is that of this fit.
    2. For each active signature, refit the other active ones without it; score each
       candidate by the harmonic mean of ``1 - cosine`` and the relative reconstruction error
       ``|y - fit| / |y|`` (``removeOneSig``); take the lowest score (ties: first in column
       order, as Julia's ``argmin``).
    3. Accept it if the cosine similarity is still less than ``max_cosine_drop`` below the
       *first* fit's (``accr_first - accr_temp < 0.01``); the new active set is the non-zero
       exposures of that refit. Repeat from 2 until a removal is refused or one signature is
       left. (Candidates are searched in order of a residual bound, see
       ``signature_selection._best_removal``: the same choice as refitting every one, about 4x
       faster.)

    Deviations, each for a reason: refits are NNLS, where the Julia code solves least squares
    with the exposures constrained to sum to the mutation count (Ipopt) and rounds them to
    integers; NNLS keeps this step consistent with the first one and with
    :func:`fit_nnls`. With NNLS refits the score is a monotone function of the residual (see
    the docstring of :mod:`icarus_omics.signatures.selection`), so the ranking is that of the
    smallest loss in fit. The Python port (SigProfilerAssignment
    ``single_sample.remove_all_single_signatures``, read at
    AlexandrovLab/SigProfilerAssignment) ranks by relative L2 error, compares each step with
    the previous one and never drops the background SBS1/SBS5 when decomposing de novo
    signatures; we follow the Julia code, which the study's method describes.
    """
    if max_cosine_drop < 0:
        raise IcarusError(f"max_cosine_drop must be 0 or more, not {max_cosine_drop}")
    counts, profiles = _prepare(catalogue, signatures)
    options = {"max_cosine_drop": max_cosine_drop}
    exposures = _run(counts, profiles, select_sparse, options, processes)
    return _result(catalogue, signatures, counts, profiles, exposures)


def bootstrap(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    method: Method,
    n: int,
    seed: int,
    processes: int = 1,
    **options: Any,
) -> pd.DataFrame:
    """Resample each sample's mutations ``n`` times and refit, for exposure intervals.

    As MutationalPatterns ``fit_to_signatures_bootstrapped``: each replicate draws the
    sample's mutation count from its own channel frequencies (multinomial). ``method`` is
    ``nnls``, ``strict`` (backwards), ``strict_best_subset`` or ``sparse``; ``options`` go
    to that fit (``max_delta``, ``max_cosine_drop``). Each replicate is fitted on its own, so
    for ``strict`` the cohort filter of :func:`fit_strict` reduces to the replicate's own
    non-zero NNLS exposures and a sample's intervals do not depend on the other samples.
    Sample j draws from ``default_rng`` seeded by child j of ``SeedSequence(seed)``: the
    same seed gives the same table whatever ``processes`` is.

    Returns a long table, one row per sample and signature (catalogue then signature
    order), with BOOTSTRAP_COLUMNS: ``exposure`` of the point fit (the same method on the
    observed catalogue), ``ci_low``/``ci_high`` the 2.5th/97.5th percentiles of the
    replicate exposures, and ``kept_fraction`` the share of replicates with exposure > 0.
    """
    if method not in _SAMPLE_FITS:
        raise IcarusError(f"unknown fit method {method!r}; use one of {', '.join(_SAMPLE_FITS)}")
    if n < 1:
        raise IcarusError(f"bootstrap needs at least 1 replicate, not {n}")
    options = {**_DEFAULT_OPTIONS[method], **options}
    point = _point_fit(catalogue, signatures, method, processes, options)
    counts, profiles = _prepare(catalogue, signatures)
    children = np.random.SeedSequence(seed).spawn(counts.shape[1])
    jobs = [
        (counts[:, chunk], profiles, method, options, [children[i] for i in chunk], n)
        for chunk in _chunks(counts.shape[1], processes)
    ]
    parts = list(parallel_map(_bootstrap_columns, jobs, processes))
    summaries = np.concatenate(parts, axis=2) if parts else np.zeros((3, profiles.shape[1], 0))
    samples, names = list(catalogue.columns), list(signatures.columns)
    return pd.DataFrame(
        {
            "sample": np.repeat(samples, len(names)),
            "signature": np.tile(names, len(samples)),
            "exposure": point.exposures.to_numpy().ravel(),
            "ci_low": summaries[0].T.ravel(),
            "ci_high": summaries[1].T.ravel(),
            "kept_fraction": summaries[2].T.ravel(),
        },
        columns=list(BOOTSTRAP_COLUMNS),
    )


def _point_fit(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    method: Method,
    processes: int,
    options: dict[str, Any],
) -> FitResult:
    if method == "nnls":
        return fit_nnls(catalogue, signatures, processes, **options)
    if method == "sparse":
        return fit_sparse(catalogue, signatures, processes=processes, **options)
    selection: Selection = "best_subset" if method == "strict_best_subset" else "backwards"
    return fit_strict(catalogue, signatures, method=selection, processes=processes, **options)


def _bootstrap_columns(
    counts: Array,
    profiles: Array,
    method: Method,
    options: dict[str, Any],
    seeds: list[np.random.SeedSequence],
    n: int,
) -> Array:
    """(3, signatures, samples): 2.5th and 97.5th percentiles and kept fraction."""
    fit = _SAMPLE_FITS[method]
    summary = np.zeros((3, profiles.shape[1], counts.shape[1]))
    for j, (observed, seed) in enumerate(zip(counts.T, seeds, strict=True)):
        total = int(np.rint(observed.sum()))
        if total == 0:
            continue
        draws = np.random.default_rng(seed).multinomial(total, observed / observed.sum(), n)
        replicates = np.array([fit(draw.astype(float), profiles, **options) for draw in draws])
        summary[:2, :, j] = np.percentile(replicates, [2.5, 97.5], axis=0)
        summary[2, :, j] = (replicates > 0).mean(axis=0)
    return summary


def _prepare(catalogue: pd.DataFrame, signatures: pd.DataFrame) -> tuple[Array, Array]:
    """Counts (channels x samples) and signatures in the catalogue's channel order, checked."""
    channels, known = catalogue.index, signatures.index
    if channels.has_duplicates or known.has_duplicates or set(channels) != set(known):
        only_catalogue = [str(c) for c in channels.difference(known)][:3]
        only_signatures = [str(c) for c in known.difference(channels)][:3]
        raise IcarusError(
            "catalogue and signatures must have the same channels, once each (catalogue only: "
            f"{', '.join(only_catalogue) or '-'}; signatures only: "
            f"{', '.join(only_signatures) or '-'}); name channels like A[C>T]G in both"
        )
    counts = _numbers(catalogue, "catalogue", "sample")
    negative = np.argwhere(counts < 0)
    if len(negative):
        channel, sample = negative[0]
        raise IcarusError(
            f"catalogue: sample {catalogue.columns[sample]!r} has a negative count in channel "
            f"{channels[channel]}; counts must be 0 or more"
        )
    profiles = _numbers(signatures.reindex(channels), "signatures", "signature")
    if profiles.shape[1] == 0:
        raise IcarusError("no signatures to fit; check the signature matrix and shortlist")
    sums = profiles.sum(axis=0)
    for name, total, lowest in zip(signatures.columns, sums, profiles.min(axis=0), strict=True):
        if abs(total - 1) > SUM_TOLERANCE or lowest < 0:
            raise IcarusError(
                f"signature {name!r} is not a distribution over channels (sum {total:.6g}, "
                f"smallest value {lowest:.6g}); each signature column must be >= 0 and sum to 1"
            )
    return counts, profiles


def _numbers(table: pd.DataFrame, what: str, column_kind: str) -> Array:
    try:
        values = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise IcarusError(f"{what}: values must be numbers") from None
    bad = np.flatnonzero(~np.isfinite(values).all(axis=0))
    if len(bad):
        raise IcarusError(
            f"{what}: {column_kind} {table.columns[bad[0]]!r} has missing or infinite values"
        )
    return values


def _run(
    counts: Array,
    profiles: Array,
    fit: Callable[..., Array],
    options: dict[str, Any],
    processes: int,
) -> Array:
    """Exposures (signatures x samples): ``fit`` on each sample, chunked over processes."""
    jobs = [
        (fit, counts[:, chunk], profiles, options) for chunk in _chunks(counts.shape[1], processes)
    ]
    if not jobs:
        return np.zeros((profiles.shape[1], 0))
    return np.concatenate(list(parallel_map(_fit_columns, jobs, processes)), axis=1)


def _chunks(n_samples: int, processes: int) -> list[Array]:
    """Sample positions in consecutive chunks: one chunk, or a few per worker process."""
    n_chunks = processes * CHUNKS_PER_PROCESS if processes > 1 else 1
    split = np.array_split(np.arange(n_samples), min(n_chunks, max(n_samples, 1)))
    return [chunk for chunk in split if len(chunk)]


def _fit_columns(
    fit: Callable[..., Array], counts: Array, profiles: Array, options: dict[str, Any]
) -> Array:
    return np.column_stack([fit(observed, profiles, **options) for observed in counts.T])


def _result(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    counts: Array,
    profiles: Array,
    exposures: Array,
) -> FitResult:
    fitted = profiles @ exposures
    samples = pd.Index(catalogue.columns, name="sample")
    names = np.asarray(signatures.columns, dtype=str)
    totals = counts.sum(axis=0)
    quality = pd.DataFrame(
        {
            "n_snvs": totals.astype(np.int64) if np.all(totals == np.round(totals)) else totals,
            "cosine_similarity": cosine(counts, fitted),
            "rss": ((counts - fitted) ** 2).sum(axis=0),
            "signatures_kept": [";".join(names[column > 0]) for column in exposures.T],
        },
        index=samples,
    )
    return FitResult(
        exposures=pd.DataFrame(exposures.T, index=samples, columns=signatures.columns),
        reconstructed=pd.DataFrame(fitted, index=catalogue.index, columns=catalogue.columns),
        quality=quality,
    )


_DEFAULT_OPTIONS: dict[str, dict[str, float]] = {
    "nnls": {},
    "strict": {"max_delta": DEFAULT_MAX_DELTA},
    "strict_best_subset": {"max_delta": DEFAULT_MAX_DELTA},
    "sparse": {"max_cosine_drop": DEFAULT_MAX_COSINE_DROP},
}
_SAMPLE_FITS: dict[str, Callable[..., Array]] = {
    "nnls": solve_nnls,
    "strict": select_backwards,
    "strict_best_subset": select_best_subset,
    "sparse": select_sparse,
}


# Natural-log likelihood ratio past which a catalogue is called exome-like or genome-like
# (e**5, about 150 to 1). Genome data (MutationalPatterns' 9 organoid WGS) score -69 pooled,
# -5 to -22 per sample; catalogues simulated from the exome signatures (10 x 100 SNVs)
# score +13 to +31; weak data stay between the bounds and give no call.
SEQUENCING_LOG_RATIO = 5.0


def exome_log_ratio(catalogue: pd.DataFrame, genome: pd.DataFrame, exome: pd.DataFrame) -> float:
    """How much better exome-normalised signatures explain the pooled catalogue than the
    same signatures normalised to the genome: a log-likelihood ratio (> 0: exome-like).

    COSMIC's exome set is the genome set multiplied channel by channel by the ratio of
    exome to genome trinucleotide counts (the exome is richer in CpG and GC contexts) and
    renormalised, so the two sets differ exactly by the sequencing target's trinucleotide
    opportunity. Mutation counts do not tell the two apart (a hypermutated exome can hold
    more SNVs than a quiet genome); the composition of the contexts does. The samples are
    summed into one catalogue, each set is fitted by NNLS (the same signatures in both),
    and the multinomial log-likelihoods of the two normalised reconstructions are
    compared. Compare with ``SEQUENCING_LOG_RATIO``.

    ``genome`` and ``exome`` are channels x signatures with the catalogue's channel rows
    and the same signature columns.
    """
    pooled = catalogue.sum(axis=1).to_numpy(dtype=float)
    if pooled.sum() == 0:
        return 0.0
    seen = pooled > 0
    likelihood = []
    for signatures in (exome, genome):
        profiles = signatures.loc[catalogue.index].to_numpy(dtype=float)
        fitted = profiles @ solve_nnls(pooled, profiles)
        share = fitted / fitted.sum() if fitted.sum() > 0 else np.full(len(fitted), 1 / 96)
        likelihood.append(float(pooled[seen] @ np.log(np.maximum(share[seen], 1e-12))))
    return likelihood[0] - likelihood[1]
