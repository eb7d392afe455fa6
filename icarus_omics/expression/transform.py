"""DESeq2's variance-stabilising transformation (``vst``,
``varianceStabilizingTransformation``, ``getVarianceStabilizedData``).

Counts in, genes x samples on a log2-like scale out: the closed form of the parametric
dispersion trend a0 + a1 / mean, fitted blind (intercept-only design) on a subset of genes,
or taken from the DE fit (``blind = FALSE``).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

VST_GENES = 1000  # DESeq2's vst(nsub = 1000): genes used to fit the transformation


def variance_stabilise(
    counts: pd.DataFrame,
    size_factors: pd.Series,
    processes: int = 1,
    subset: int | None = VST_GENES,
) -> pd.DataFrame:
    """DESeq2's blind variance-stabilising transformation: fit the parametric dispersion
    trend with an intercept-only design, then apply the closed form to every gene.

    Parameters
    ----------
    counts
        Raw counts, genes x samples (the DE test's filtered genes).
    size_factors
        One per sample, in the column order of ``counts`` (``DeResult.size_factors``).
    processes
        Worker processes for the dispersion fits; the result does not depend on it.
    subset
        ``vst(blind = TRUE, nsub = subset)`` (the default, what ``vst.tsv`` holds): the
        trend is fitted on ``subset`` genes spread evenly over the sorted mean normalised
        counts above 5 (on all of them where fewer are above 5, i.e. ``nsub`` = their
        number, where R's ``vst`` would stop). ``None``:
        ``varianceStabilizingTransformation(blind = TRUE)``, the trend fitted on every gene.

    Returns
    -------
    pandas.DataFrame
        Genes x samples on a log2-like scale, the index and columns of ``counts``. Where the
        parametric fit fails, the mean dispersion and its transformation are used (DESeq2
        substitutes a local regression there; this does not).
    """
    import numpy as np
    import pandas as pd

    from icarus_omics.expression.dataset import DeseqData
    from icarus_omics.expression.inference import VectorisedInference

    pick = np.arange(len(counts)) if subset is None else _trend_genes(counts, size_factors, subset)
    sheet = pd.DataFrame(index=counts.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        dds = DeseqData(counts=counts.iloc[pick].T, metadata=sheet, design="~ 1", quiet=True,
                        inference=VectorisedInference(processes=processes))  # fmt: skip
        dds.obs["size_factors"] = size_factors.to_numpy()
        dds.layers["normed_counts"] = dds.X / size_factors.to_numpy()[:, None]
        dds.var["_normed_means"] = dds.layers["normed_counts"].mean(axis=0)
        dds.fit_genewise_dispersions()
        dds.fit_dispersion_trend()
    if dds.uns.get("disp_function_type") == "mean":  # the parametric trend did not converge
        return _vst(counts, size_factors, mean_dispersion=float(dds.uns["mean_disp"]))
    a0, a1 = (float(x) for x in dds.uns["trend_coeffs"])
    return _vst(counts, size_factors, trend=(a0, a1))


def _trend_genes(counts: pd.DataFrame, size_factors: pd.Series, subset: int) -> np.ndarray:
    """Row numbers of the genes ``vst(nsub = subset)`` fits its trend on."""
    import numpy as np

    means = counts.div(size_factors.to_numpy(), axis=1).mean(axis=1).to_numpy()
    eligible = np.flatnonzero(means > 5)
    if len(eligible) < 10:
        raise IcarusError("too few expressed genes (mean normalised count > 5) to fit the VST")
    order = eligible[np.argsort(means[eligible], kind="stable")]
    # R: o[round(seq(from = 1, to = length(o), length = nsub))], 1-based
    positions = np.round(np.linspace(1, len(order), min(subset, len(order))))
    return np.asarray(order[positions.astype(int) - 1])


def variance_stabilise_fitted(
    counts: pd.DataFrame, size_factors: pd.Series, trend: tuple[float, float]
) -> pd.DataFrame:
    """DESeq2's ``varianceStabilizingTransformation(dds, blind = FALSE)`` after ``DESeq``.

    Parameters
    ----------
    counts, size_factors
        As for :func:`variance_stabilise`.
    trend
        The DE fit's own parametric trend (``DeResult.trend``: a0, a1, fitted with the full
        design), so that the design's effects do not inflate the dispersions.

    Returns
    -------
    pandas.DataFrame
        Genes x samples on a log2-like scale, the index and columns of ``counts``.
    """
    import numpy as np

    if not np.isfinite(trend).all():
        raise IcarusError(
            "the DE fit has no parametric dispersion trend (it did not converge); "
            "use the blind transformation"
        )
    return _vst(counts, size_factors, trend=trend)


def _vst(
    counts: pd.DataFrame,
    size_factors: pd.Series,
    trend: tuple[float, float] | None = None,
    mean_dispersion: float | None = None,
) -> pd.DataFrame:
    """DESeq2's ``getVarianceStabilizedData``: the closed form for the parametric trend
    a0 + a1 / mean, or for one mean dispersion (fitType "mean")."""
    import numpy as np
    import pandas as pd

    q = counts.div(size_factors.to_numpy(), axis=1).to_numpy(dtype=float)
    if trend is None:
        assert mean_dispersion is not None
        alpha = mean_dispersion
        vst = (2 * np.arcsinh(np.sqrt(alpha * q)) - np.log(alpha) - np.log(4)) / np.log(2)
    else:
        a0, a1 = trend
        vst = np.log2((1 + a1 + 2 * a0 * q + 2 * np.sqrt(a0 * q * (1 + a1 + a0 * q))) / (4 * a0))
    return pd.DataFrame(vst, counts.index, counts.columns)
