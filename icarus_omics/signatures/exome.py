"""Exome or genome? The trinucleotide make-up of a catalogue, against the two COSMIC sets.

COSMIC publishes each SBS signature normalised to the genome's trinucleotide counts and to
the exome's; fitting exome data with genome-normalised signatures (or the reverse) skews
the exposures. :func:`exome_log_ratio` says which set explains the pooled catalogue
better, and :func:`sequencing_check` turns it into the warning a command prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.signatures.selection import solve_nnls

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


@dataclass(frozen=True)
class SequencingCheck:
    """The exome-versus-genome check of one run.

    ``log_ratio`` is :func:`exome_log_ratio` (None when it was not computed: a signature
    set other than the bundled COSMIC one); ``looks_like`` is ``exome``, ``genome`` or
    ``undecided`` (None without a ratio); ``warning`` is set when the data look like the
    other kind than the signatures used (``exome`` True: exome-normalised).
    """

    exome: bool
    log_ratio: float | None
    looks_like: str | None
    warning: str | None


def sequencing_check(log_ratio: float | None, exome: bool) -> SequencingCheck:
    """Call the sequencing target from :func:`exome_log_ratio` and warn on a mismatch.

    Parameters
    ----------
    log_ratio
        Exome- versus genome-normalised log-likelihood ratio (natural log), or None.
    exome
        Whether the fit uses the exome-normalised signatures.

    Returns
    -------
    SequencingCheck
        The call (beyond +-``SEQUENCING_LOG_RATIO``) and, on a mismatch, one warning line.
    """
    if log_ratio is None:
        return SequencingCheck(exome, None, None, None)
    looks_like = "undecided"
    if log_ratio > SEQUENCING_LOG_RATIO:
        looks_like = "exome"
    elif log_ratio < -SEQUENCING_LOG_RATIO:
        looks_like = "genome"
    warning = None
    if looks_like == "exome" and not exome:
        warning = (
            f"warning: the trinucleotide contexts look like exome data (log-likelihood ratio "
            f"{log_ratio:.0f} for exome- vs genome-normalised signatures); consider --exome"
        )
    if looks_like == "genome" and exome:
        warning = (
            f"warning: the trinucleotide contexts look like a whole genome (log-likelihood "
            f"ratio {-log_ratio:.0f} for genome- vs exome-normalised signatures), but --exome "
            "uses exome-normalised signatures"
        )
    return SequencingCheck(exome, log_ratio, looks_like, warning)
