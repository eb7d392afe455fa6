"""Bootstrap intervals of signature exposures (MutationalPatterns
``fit_to_signatures_bootstrapped``): resample each sample's mutations and refit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.parallel import parallel_map
from icarus_omics.signatures.fitting import (
    DEFAULT_OPTIONS,
    FitOptions,
    Method,
    Tick,
    check_method,
    chunks,
    fit,
    prepare,
    sample_rule,
)

BOOTSTRAP_COLUMNS = ("sample", "signature", "exposure", "ci_low", "ci_high", "kept_fraction")
Array = np.ndarray


def bootstrap(
    catalogue: pd.DataFrame,
    signatures: pd.DataFrame,
    method: Method,
    n: int,
    seed: int,
    options: FitOptions = DEFAULT_OPTIONS,
    processes: int = 1,
    tick: Tick | None = None,
) -> pd.DataFrame:
    """Resample each sample's mutations ``n`` times and refit, for exposure intervals.

    As MutationalPatterns ``fit_to_signatures_bootstrapped``: each replicate draws the
    sample's mutation count from its own channel frequencies (multinomial) and is fitted
    by ``method`` with ``options``, as :func:`.fitting.fit`. Each replicate is fitted on its
    own, so for ``strict`` backwards the cohort filter reduces to the replicate's own
    non-zero NNLS exposures and a sample's intervals do not depend on the other samples.
    Sample j draws from ``default_rng`` seeded by child j of ``SeedSequence(seed)``: the
    same seed gives the same table whatever ``processes`` is.

    Parameters
    ----------
    catalogue, signatures
        Channels x samples (mutation counts) and channels x signatures, as for ``fit``.
    method, options
        The fit (``nnls``, ``strict``, ``sparse``) and its tuning.
    n, seed
        Replicates per sample (>= 1) and the seed of their draws.
    processes, tick
        Worker processes (no effect on the result); ``tick`` is told how many samples
        were resampled each time a chunk of samples is done.

    Returns
    -------
    pandas.DataFrame
        One row per sample and signature (catalogue then signature order), with
        BOOTSTRAP_COLUMNS: ``exposure`` of the point fit (mutations), ``ci_low`` and
        ``ci_high`` the 2.5th and 97.5th percentiles of the replicate exposures, and
        ``kept_fraction`` the share of replicates with exposure > 0.
    """
    check_method(method, options)
    if n < 1:
        raise IcarusError(f"bootstrap needs at least 1 replicate, not {n}")
    point = fit(method, catalogue, signatures, options, processes)
    counts, profiles = prepare(catalogue, signatures)
    children = np.random.SeedSequence(seed).spawn(counts.shape[1])
    names = list(signatures.columns)
    jobs = [
        (counts[:, chunk], profiles, method, options, [children[i] for i in chunk], n, names)
        for chunk in chunks(counts.shape[1], processes)
    ]
    parts = []
    for part in parallel_map(_bootstrap_columns, jobs, processes):
        parts.append(part)
        if tick is not None:
            tick(part.shape[2])
    summaries = np.concatenate(parts, axis=2) if parts else np.zeros((3, profiles.shape[1], 0))
    samples = list(catalogue.columns)
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


def _bootstrap_columns(
    counts: Array,
    profiles: Array,
    method: Method,
    options: FitOptions,
    seeds: list[np.random.SeedSequence],
    n: int,
    names: list[str],
) -> Array:
    """(3, signatures, samples): 2.5th and 97.5th percentiles and kept fraction."""
    rule, settings = sample_rule(method, options, names, profiles)
    summary = np.zeros((3, profiles.shape[1], counts.shape[1]))
    for j, (observed, seed) in enumerate(zip(counts.T, seeds, strict=True)):
        total = int(np.rint(observed.sum()))
        if total == 0:
            continue
        draws = np.random.default_rng(seed).multinomial(total, observed / observed.sum(), n)
        replicates = np.array([rule(draw.astype(float), profiles, **settings) for draw in draws])
        summary[:2, :, j] = np.percentile(replicates, [2.5, 97.5], axis=0)
        summary[2, :, j] = (replicates > 0).mean(axis=0)
    return summary
