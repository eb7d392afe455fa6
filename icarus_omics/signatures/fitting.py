"""Fit mutational signatures to 96-channel SBS catalogues (SPEC section 4): one entry, :func:`fit`.

Every fit takes a catalogue (channel rows, like ``A[C>T]G``, x sample columns, mutation
counts) and a signature matrix (the same channel rows x signature columns, each column a
probability distribution summing to 1), and returns a :class:`FitResult`. ``fit(method,
...)`` runs one of four methods, tuned by :class:`FitOptions`:

- ``nnls`` - non-negative least squares per sample, MutationalPatterns
  ``fit_to_signatures`` (:func:`_fit_nnls`).
- ``strict`` - MutationalPatterns ``fit_to_signatures_strict``, backwards or best-subset
  signature selection (:func:`_fit_strict`).
- ``sparse`` - the study's method: NNLS, then the SigProfiler single-sample sparsity step
  (Pich et al., Nat Genet 2019;51:1732) (:func:`_fit_sparse`).
- ``sigprofiler`` - SigProfilerAssignment's ``cosmic_fit`` assignment: NNLS, removals, then
  add-remove layers with background and connected signatures (:mod:`.sigprofiler`).

Bootstrap intervals are in :mod:`.bootstrap`, the exome-versus-genome check in :mod:`.exome`.

One solver underlies all of them: Lawson-Hanson NNLS (``scipy.optimize.nnls``).
MutationalPatterns 3.8.1's ``fit_to_signatures`` calls ``pracma::lsqnonneg``, the same
active-set algorithm; exposures agree to ~1e-12 on the package's example data, and the strict
fit agrees to ~1e-11 with R on 1,000 simulated tumours against 21 and 78 signatures.

The per-sample selection rules (and why dropping a signature can only lower the cosine
similarity) live in :mod:`icarus_omics.signatures.selection`; this module checks the inputs,
runs the rules over the cohort and collects the results.

Samples with no mutations get zero exposures, no kept signatures and a NaN cosine similarity
(the cosine of a zero vector is undefined). Filtering samples by mutation count (the study's
50 SNVs) is the caller's business (:mod:`.exposures`).
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
from icarus_omics.signatures.sigprofiler import DEFAULT_PENALTIES, Penalties, assign_sample
from icarus_omics.signatures.sigprofiler import sample_settings as sigprofiler_settings

QUALITY_COLUMNS = ("n_snvs", "cosine_similarity", "rss", "signatures_kept")
DEFAULT_MAX_DELTA = 0.004  # MutationalPatterns 3.8.1 fit_to_signatures_strict default
DEFAULT_MAX_COSINE_DROP = 0.01  # SigProfiler removeAllSingleSignatures (Pich et al. 2019)
SUM_TOLERANCE = 1e-3  # COSMIC columns sum to 1 within 1e-6; counts or percentages miss by far
MAX_BEST_SUBSET = 15  # 2**15 refits per sample; MutationalPatterns advises at most 10-15
CHUNKS_PER_PROCESS = 4  # samples are split into this many chunks per worker process
METHODS = ("nnls", "strict", "sparse", "sigprofiler")
Method = Literal["nnls", "strict", "sparse", "sigprofiler"]
Selection = Literal["backwards", "best_subset"]
Array = np.ndarray
Tick = Callable[[int], None]  # told how many samples were just fitted (a progress display)


@dataclass(frozen=True)
class FitOptions:
    """Tuning of the fit methods; each method reads only its own fields.

    ``max_delta`` and ``selection`` are the ``strict`` method's (MutationalPatterns
    ``max_delta`` and ``method``), ``max_cosine_drop`` the ``sparse`` method's (cosine
    similarity, 0 to 1), ``penalties`` the ``sigprofiler`` method's (SigProfilerAssignment's
    ``nnls_add_penalty``, ``nnls_remove_penalty``, ``initial_remove_penalty``; relative L2
    error). ``nnls`` has no options.
    """

    max_delta: float = DEFAULT_MAX_DELTA
    selection: Selection = "backwards"
    max_cosine_drop: float = DEFAULT_MAX_COSINE_DROP
    penalties: Penalties = DEFAULT_PENALTIES

    def used_by(self, method: Method) -> dict[str, Any]:
        """The options ``method`` reads, by name (for a run's summary)."""
        if method == "strict":
            return {"max_delta": self.max_delta, "selection": self.selection}
        if method == "sigprofiler":
            return {f"{name}_penalty": value for name, value in self.penalties._asdict().items()}
        return {"max_cosine_drop": self.max_cosine_drop} if method == "sparse" else {}


DEFAULT_OPTIONS = FitOptions()


@dataclass(frozen=True)
class FitResult:
    """Exposures, reconstruction and per-sample fit quality of one signature fit."""

    exposures: pd.DataFrame  # samples x signatures, mutations attributed (>= 0)
    reconstructed: pd.DataFrame  # channels x samples: signatures @ exposures
    quality: pd.DataFrame  # index sample; QUALITY_COLUMNS


def fit(
    method: Method,
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    options: FitOptions = DEFAULT_OPTIONS,
    processes: int = 1,
    tick: Tick | None = None,
) -> FitResult:
    """Fit signature exposures to every sample of a catalogue.

    Parameters
    ----------
    method
        ``nnls``, ``strict``, ``sparse`` or ``sigprofiler`` (see the module docstring, the
        private ``_fit_<method>`` functions and :mod:`.sigprofiler` for each rule and its
        source).
    catalogue
        96 channels (index, like ``A[C>T]G``) x samples; mutation counts >= 0.
    signatures
        The same channels (any order) x signatures; each column sums to 1.
    options
        The method's tuning (:class:`FitOptions`).
    processes
        Worker processes; the result does not depend on it.
    tick
        Called with the number of samples each time a chunk of samples is fitted.

    Returns
    -------
    FitResult
        ``exposures`` samples x signatures in mutations (they sum to about the sample's
        count); ``reconstructed`` channels x samples; ``quality`` samples x
        ``QUALITY_COLUMNS``.

    Raises
    ------
    IcarusError
        An unknown method, a negative option, mismatched channels, counts that are not
        numbers >= 0, or a signature that is not a distribution.
    """
    check_method(method, options)
    counts, profiles = prepare(catalogue, signatures)
    if method == "sigprofiler":  # its rules name signatures: background, connected groups
        rule, settings = sample_rule(method, options, list(signatures.columns), profiles)
        exposures = _run(counts, profiles, rule, settings, processes, tick)
    else:
        cohort_fit = {"nnls": _fit_nnls, "strict": _fit_strict, "sparse": _fit_sparse}[method]
        exposures = cohort_fit(counts, profiles, options, processes, tick)
    return _result(catalogue, signatures, counts, profiles, exposures)


def check_method(method: str, options: FitOptions) -> None:
    """Refuse an unknown method or a negative tolerance (``IcarusError``)."""
    if method not in METHODS:
        raise IcarusError(f"unknown fit method {method!r}; use one of {', '.join(METHODS)}")
    if options.max_delta < 0:
        raise IcarusError(f"max_delta must be 0 or more, not {options.max_delta}")
    if options.max_cosine_drop < 0:
        raise IcarusError(f"max_cosine_drop must be 0 or more, not {options.max_cosine_drop}")
    if min(options.penalties) < 0:
        raise IcarusError(f"sigprofiler penalties must be 0 or more, not {options.penalties}")
    if options.selection not in ("backwards", "best_subset"):
        raise IcarusError(
            f"unknown selection method {options.selection!r}; use backwards or best_subset"
        )


def sample_rule(
    method: Method,
    options: FitOptions,
    names: list[str] | None = None,
    profiles: Array | None = None,
) -> tuple[Callable[..., Array], dict[str, Any]]:
    """The per-sample fit of ``method`` (a :mod:`.selection` or :mod:`.sigprofiler`
    function) and its keywords.

    Each sample fitted on its own: for ``strict`` backwards, the cohort filter of
    :func:`_fit_strict` reduces to the sample's own non-zero NNLS exposures. ``sigprofiler``
    needs the signature ``names``; ``profiles`` (channels x signatures) lets it share its
    per-signature-set algebra across samples.
    """
    if method == "sigprofiler":
        if names is None:  # a programming error: every caller passes them
            raise ValueError("sample_rule: the sigprofiler method needs the signature names")
        return assign_sample, sigprofiler_settings(names, options.penalties, profiles)
    if method == "nnls":
        return solve_nnls, {}
    if method == "sparse":
        return select_sparse, {"max_cosine_drop": options.max_cosine_drop}
    rule = select_best_subset if options.selection == "best_subset" else select_backwards
    return rule, {"max_delta": options.max_delta}


def cosine(a: Array, b: Array) -> Array:
    """Cosine similarity of each column of ``a`` with the same column of ``b``.

    Parameters
    ----------
    a, b
        Arrays of the same shape, (n,) or (n, columns); 1-D inputs count as one column.

    Returns
    -------
    numpy.ndarray
        One value per column, in [-1, 1]; NaN where either column is all zero.
    """
    a = np.asarray(a, dtype=float).reshape(len(a), -1)
    b = np.asarray(b, dtype=float).reshape(len(b), -1)
    dot = (a * b).sum(axis=0)
    norms = np.sqrt((a * a).sum(axis=0)) * np.sqrt((b * b).sum(axis=0))
    return np.divide(dot, norms, out=np.full(dot.shape, np.nan), where=norms > 0)


def _fit_nnls(
    counts: Array, profiles: Array, options: FitOptions, processes: int, tick: Tick | None
) -> Array:
    """Fit every signature to every sample by non-negative least squares.

    Equals MutationalPatterns ``fit_to_signatures(mut_matrix, signatures)``: per sample,
    the exposures ``x >= 0`` minimising ``|catalogue - signatures @ x|``. Exposures are in
    mutations (they sum to about the sample's count, as signatures sum to 1).
    """
    return _run(counts, profiles, solve_nnls, {}, processes, tick)


def _fit_strict(
    counts: Array, profiles: Array, options: FitOptions, processes: int, tick: Tick | None
) -> Array:
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
    if options.selection == "best_subset":
        if profiles.shape[1] > MAX_BEST_SUBSET:
            raise IcarusError(
                f"best-subset selection needs {MAX_BEST_SUBSET} signatures or fewer, not "
                f"{profiles.shape[1]}; use backwards selection or a shorter list"
            )
        settings: dict[str, Any] = {"max_delta": options.max_delta}
        return _run(counts, profiles, select_best_subset, settings, processes, tick)
    first = _run(counts, profiles, solve_nnls, {}, processes)
    present = np.flatnonzero(first.sum(axis=1) != 0)
    settings = {"max_delta": options.max_delta, "present": present}
    return _run(counts, profiles, select_backwards, settings, processes, tick)


def _fit_sparse(
    counts: Array, profiles: Array, options: FitOptions, processes: int, tick: Tick | None
) -> Array:
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
       ``selection._best_removal``: the same choice as refitting every one, about 4x
       faster.)

    Deviations, each for a reason: refits are NNLS, where the Julia code solves least squares
    with the exposures constrained to sum to the mutation count (Ipopt) and rounds them to
    integers; NNLS keeps this step consistent with the first one and with
    the ``nnls`` method. With NNLS refits the score is a monotone function of the residual (see
    the docstring of :mod:`icarus_omics.signatures.selection`), so the ranking is that of the
    smallest loss in fit. The Python port (SigProfilerAssignment
    ``single_sample.remove_all_single_signatures``, read at
    AlexandrovLab/SigProfilerAssignment) ranks by relative L2 error, compares each step with
    the previous one and protects the background SBS1/SBS5 in its add-remove step (the
    ``sigprofiler`` method, :mod:`.sigprofiler`); we follow the Julia code, which the study's
    method describes.
    """
    settings = {"max_cosine_drop": options.max_cosine_drop}
    return _run(counts, profiles, select_sparse, settings, processes, tick)


def prepare(catalogue: pd.DataFrame, signatures: pd.DataFrame) -> tuple[Array, Array]:
    """Check a catalogue and a signature matrix against each other, as arrays.

    Parameters
    ----------
    catalogue
        Channels x samples, mutation counts.
    signatures
        The same channels (any order) x signatures, each column a distribution.

    Returns
    -------
    tuple of numpy.ndarray
        Counts (channels x samples, float) and profiles (channels x signatures, in the
        catalogue's channel order).

    Raises
    ------
    IcarusError
        Channels that differ or repeat, values that are not finite numbers, a negative
        count, no signature, or a signature that does not sum to 1.
    """
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
    tick: Tick | None = None,
) -> Array:
    """Exposures (signatures x samples): ``fit`` on each sample, chunked over processes."""
    jobs = [
        (fit, counts[:, chunk], profiles, options) for chunk in chunks(counts.shape[1], processes)
    ]
    parts = []
    for part in parallel_map(_fit_columns, jobs, processes):
        parts.append(part)
        if tick is not None:
            tick(part.shape[1])
    return np.concatenate(parts, axis=1) if parts else np.zeros((profiles.shape[1], 0))


def chunks(n_samples: int, processes: int) -> list[Array]:
    """Sample positions (0..n_samples-1) in consecutive chunks, none empty: one chunk for one
    process, else ``CHUNKS_PER_PROCESS`` per worker process (fewer for few samples)."""
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
