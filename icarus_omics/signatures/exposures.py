"""Cohort tables around a fit: which samples are fitted, relative exposures, fit quality.

The study fits only samples with 50 SNVs or more; the others stay in the catalogue and in
the fit-quality table, marked as not fitted, so that no sample silently disappears.
"""

from __future__ import annotations

import pandas as pd

from icarus_omics.signatures.fitting import QUALITY_COLUMNS

# fit_quality.tsv: one row per sample, fitted or not
QUALITY_TABLE_COLUMNS = ("sample", "n_snvs", "fitted", *QUALITY_COLUMNS[1:])


def eligible_samples(catalogue: pd.DataFrame, min_snvs: int) -> list[str]:
    """Samples (columns of a channels x samples catalogue) with ``min_snvs`` SNVs or more."""
    counts = catalogue.sum(axis=0)
    return [sample for sample in catalogue.columns if counts[sample] >= min_snvs]


def relative_exposures(exposures: pd.DataFrame) -> pd.DataFrame:
    """Exposures (samples x signatures) as fractions of each sample's total; NaN rows for a
    sample with no exposure at all."""
    return exposures.div(exposures.sum(axis=1).where(lambda total: total > 0), axis=0)


def quality_table(quality: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The fit_quality table: one row per catalogue sample, fitted or not.

    ``quality`` is a :class:`FitResult`'s (index sample, ``QUALITY_COLUMNS``) for the fitted
    samples; ``catalogue`` is channels x all samples. Returns ``QUALITY_TABLE_COLUMNS``:
    ``n_snvs`` from the catalogue, ``fitted`` True for the samples in ``quality``, and the
    fit's columns (empty for samples not fitted).
    """
    counts = catalogue.sum(axis=0)
    table = quality.reindex(counts.index)
    table["n_snvs"] = counts.astype(int)
    table.insert(1, "fitted", [s in quality.index for s in counts.index])
    table.index.name = "sample"
    return table.reset_index()[list(QUALITY_TABLE_COLUMNS)]
