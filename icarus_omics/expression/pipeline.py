"""Differential expression of RNA-seq counts: DESeq2's model (``DESeq``, ``results``), run
by pydeseq2 with the vectorised fits of :mod:`icarus_omics.expression.inference`.

A prepared input (:func:`icarus_omics.expression.request.prepare`) goes through size
factors, dispersions, the Wald test, Cook's and independent filtering and, when asked,
shrinkage; the result is one table row per tested gene, plus what the fit estimated.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError
from icarus_omics.expression.dispersion import PRIOR_SEED
from icarus_omics.expression.request import DeInput, DeRequest

if TYPE_CHECKING:
    import pandas as pd

RESULT_COLUMNS = ("gene", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj")
DISPERSION_COLUMNS = ("genewise", "trend", "map", "final")  # DeResult.dispersions
MAX_SIMULATED_DF = 3  # DESeq2 simulates the prior variance with <= 3 residual df
# pydeseq2 (and DeseqData) warnings that say something about the data, by message start,
# with what the user is told; every other UserWarning is API noise and stays hidden
DATA_WARNINGS: dict[str, str] = {
    "Every gene contains at least one zero": "every gene has a zero count in some sample: "
    "size factors fitted iteratively, not by median of ratios",
    "The dispersion trend curve fitting did not converge": "the parametric dispersion trend "
    "did not converge; the mean dispersion is used as the trend",
    "the parametric dispersion trend did not converge": "the parametric dispersion trend "
    "did not converge; the mean dispersion is used as the trend",
    "small design:": "",  # DeseqData's own message, shown as it is
    "The design matrix is not full rank": "the design matrix is not full rank",
}


@dataclass(frozen=True)
class DeResult:
    """``table`` (columns RESULT_COLUMNS, one row per tested gene, matrix order),
    normalised counts of the tested samples, size factors, the dispersion trend
    coefficients (a0, a1), the dispersion prior variance, per-gene dispersions (index
    gene, columns DISPERSION_COLUMNS: gene-wise, trend, MAP, final as in DESeq2's
    dispGeneEst, dispFit, dispMAP, dispersion), the warnings about the data, one line
    each, for the command to show, and the seed of the prior-variance simulation when
    one ran (three or fewer residual degrees of freedom), else None."""

    table: pd.DataFrame
    normalised: pd.DataFrame
    size_factors: pd.Series
    trend: tuple[float, float]
    prior_variance: float
    dispersions: pd.DataFrame
    warnings: tuple[str, ...] = ()
    prior_seed: int | None = None


def run_deseq(
    data: DeInput,
    request: DeRequest,
    processes: int = 1,
    *,
    prior_variance: float | None = None,
    tick: Callable[[int], None] | None = None,
) -> DeResult:
    """Fit DESeq2's model and test the request's contrast.

    Parameters
    ----------
    data
        The prepared input (:func:`~icarus_omics.expression.request.prepare`); only the
        genes in ``data.kept`` are fitted.
    request
        The contrast, ``alpha`` (FDR target of independent filtering) and ``shrink``.
    processes
        Worker processes for the per-gene fits; the result does not depend on it.
    prior_variance
        For comparisons with R only: replaces the estimated dispersion prior variance
        (R's simulated estimate for small designs depends on R's random numbers; a test
        injects R's value to compare everything downstream exactly).
    tick
        Called with 1 after each block of genes is fitted (a progress display).

    Returns
    -------
    DeResult
        ``table``: one row per tested gene in matrix order, columns RESULT_COLUMNS
        (baseMean in normalised counts, log2FoldChange and lfcSE on the log2 scale, Wald
        stat, pvalue, BH padj; NA where DESeq2 gives NA). pydeseq2's warnings about the
        data come back in ``warnings``, not printed.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        dds = _fit(data, processes, prior_variance, tick)
        stats = _test(dds, data, request)
    table = stats.results_df.reindex(columns=list(RESULT_COLUMNS[1:]))
    table.insert(0, "gene", table.index.astype(str))
    trend = [float(x) for x in dds.uns.get("trend_coeffs", (float("nan"),) * 2)]
    residual_df = dds.n_obs - dds.obsm["design_matrix"].shape[-1]
    simulated = prior_variance is None and 0 < residual_df <= MAX_SIMULATED_DF
    return DeResult(
        table.reset_index(drop=True),
        _normalised(dds),
        dds.obs["size_factors"].astype(float),
        (trend[0], trend[1]),
        float(dds.uns["prior_disp_var"]),
        _dispersions(dds),
        data_warnings(caught),
        PRIOR_SEED if simulated else None,
    )


def _normalised(dds) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    import pandas as pd

    normalised = pd.DataFrame(dds.layers["normed_counts"].T, dds.var_names, dds.obs_names)
    normalised.index.name = "gene"
    return normalised


def _dispersions(dds) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    names = ["genewise_dispersions", "fitted_dispersions", "MAP_dispersions", "dispersions"]
    dispersions = dds.var[names].set_axis(list(DISPERSION_COLUMNS), axis=1).astype(float)
    dispersions.index.name = "gene"
    return dispersions


def with_symbols(table: pd.DataFrame, symbol_of: Callable[[str], str | None]) -> pd.DataFrame:
    """``table`` (a DE result, column ``gene``) with a ``symbol`` column after ``gene``:
    each gene id's symbol by ``symbol_of``, ``""`` where it has none. A new frame."""
    table = table.copy()
    table.insert(1, "symbol", table["gene"].map(lambda gene: symbol_of(gene) or ""))
    return table


def de_summary(data: DeInput, result: DeResult, request: DeRequest) -> dict[str, object]:
    """What ``de_summary.json`` records about one test: the request, the samples and genes
    left out and tested, up and down calls at ``request.alpha``, size factors, the
    dispersion trend and prior variance, and the engine."""
    table = result.table
    significant = table["padj"] < request.alpha
    design = request.design if isinstance(data.design, str) else list(data.design.columns)
    return {
        "contrast": str(request.contrast),
        "interaction": str(request.interaction) if request.interaction else None,
        "design": design,
        "subsets": [f"{k}={v}" for k, v in request.subsets],
        "alpha": request.alpha,
        "lfc_shrinkage": "apeGLM-style (pydeseq2 prior)" if request.shrink else "none",
        "gene_filter": request.filter_text(),
        "samples": len(data.sheet),
        "patients_dropped_unpaired": list(data.report.unpaired_patients),
        "matrix_samples_not_in_sheet": list(data.report.unlisted),
        "samples_outside_subsets": data.report.outside_subset,
        "counts_rounded": data.rounded,
        "genes_in": len(data.counts),
        "genes_tested": int(data.kept.sum()),
        "up": int((significant & (table["log2FoldChange"] > 0)).sum()),
        "down": int((significant & (table["log2FoldChange"] < 0)).sum()),
        "size_factors": {k: round(float(v), 6) for k, v in result.size_factors.items()},
        "dispersion_trend": {"a0": result.trend[0], "a1": result.trend[1]},
        "dispersion_prior_variance": result.prior_variance,
        "engine": f"pydeseq2 {metadata.version('pydeseq2')} with icarus-omics vectorised "
        "DESeq2 fits",
        "random_steps": "none, except that with <= 3 residual degrees of freedom the "
        f"dispersion prior variance is simulated as DESeq2 does (fixed seed {PRIOR_SEED})",
    }


def data_warnings(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    """Sort the warnings recorded during a fit.

    Parameters
    ----------
    caught
        What ``warnings.catch_warnings(record=True)`` recorded.

    Returns
    -------
    tuple of str
        The UserWarnings that say something about the data (:data:`DATA_WARNINGS`), as
        lines for the user, each once and in order. Other UserWarnings (API noise) are
        dropped; warnings of other categories are issued again as usual.
    """
    lines: list[str] = []
    for message in caught:
        text = str(message.message)
        if not issubclass(message.category, UserWarning):
            warnings.warn_explicit(message.message, message.category, message.filename,
                                   message.lineno)  # fmt: skip
            continue
        line = next((t or text for k, t in DATA_WARNINGS.items() if text.startswith(k)), None)
        if line is not None and line not in lines:
            lines.append(line)
    return tuple(lines)


def _test(dds, data: DeInput, request: DeRequest):  # type: ignore[no-untyped-def]
    """pydeseq2's Wald test (and shrinkage) of the request's contrast on a fitted ``dds``."""
    from pydeseq2.ds import DeseqStats

    contrast = (
        data.contrast_vector
        if data.contrast_vector is not None
        else [request.contrast.factor, request.contrast.test, request.contrast.reference]
    )
    stats = DeseqStats(
        dds, contrast=contrast, alpha=request.alpha, quiet=True, inference=dds.inference
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        stats.summary()
        if request.shrink:
            _shrink(stats, dds, request)
    return stats


def _shrink(stats, dds, request: DeRequest) -> None:  # type: ignore[no-untyped-def]
    """apeGLM-style shrinkage of the contrast's log fold changes (pydeseq2's prior, our
    vectorised optimiser started from the MLE); p-values are unchanged, as in DESeq2."""
    if request.interaction is not None:
        raise IcarusError(
            "--shrink needs a one-coefficient contrast; it is not available with --interaction"
        )
    coefficient = f"{request.contrast.factor}[T.{request.contrast.test}]"
    if coefficient not in dds.varm["LFC"].columns:
        raise IcarusError(f"--shrink: the design has no coefficient {coefficient}")
    dds.inference.shrink_start = dds.varm["LFC"].to_numpy()[dds.non_zero_idx]
    stats.lfc_shrink(coeff=coefficient)


def _fit(  # type: ignore[no-untyped-def]
    data: DeInput,
    processes: int,
    prior_variance: float | None = None,
    tick: Callable[[int], None] | None = None,
):
    from icarus_omics.expression.dataset import DeseqData
    from icarus_omics.expression.inference import VectorisedInference

    design = data.design
    sheet = data.sheet if isinstance(design, str) else data.sheet.loc[:, []]
    inference = VectorisedInference(processes=processes, tick=tick)
    try:
        dds = DeseqData(counts=data.tested_counts().T, metadata=sheet, design=design,
                        quiet=True, inference=inference)  # fmt: skip
    except ValueError as error:
        raise IcarusError(f"the design cannot be fitted: {error}") from None
    dds.prior_variance_override = prior_variance
    dds.deseq2()
    return dds


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """How two DE tables agree; used to compare a run with R DESeq2's.

    Parameters
    ----------
    ours, theirs
        DE tables indexed by gene with DESeq2's columns (``log2FoldChange``, ``padj``);
        ``theirs`` is aligned to the genes of ``ours``.
    alpha
        The padj threshold of a call.

    Returns
    -------
    dict
        ``genes``; Pearson ``r_lfc`` of log2FoldChange and ``r_log_padj`` of -log10 padj
        (genes where both have a value); ``max_lfc_diff`` (log2 units); ``jaccard`` of the
        padj < ``alpha`` sets; ``same_na``, the share of genes with the same padj NA
        pattern; ``called_ours`` and ``called_r``, both call counts.
    """
    import numpy as np

    theirs = theirs.reindex(ours.index)
    with_lfc = ours.log2FoldChange.notna() & theirs.log2FoldChange.notna()
    lfc = [t.log2FoldChange[with_lfc].to_numpy(dtype=float) for t in (ours, theirs)]
    with_padj = ours.padj.notna() & theirs.padj.notna()
    ranks = [
        -np.log10(np.maximum(t.padj[with_padj].to_numpy(dtype=float), 1e-300))
        for t in (ours, theirs)
    ]
    ours_called = set(ours.index[ours.padj < alpha])
    theirs_called = set(theirs.index[theirs.padj < alpha])
    union = ours_called | theirs_called
    return {
        "genes": len(ours),
        "r_lfc": float(np.corrcoef(lfc[0], lfc[1])[0, 1]),
        "max_lfc_diff": float(np.abs(lfc[0] - lfc[1]).max()),
        "r_log_padj": float(np.corrcoef(ranks[0], ranks[1])[0, 1]),
        "jaccard": len(ours_called & theirs_called) / len(union) if union else 1.0,
        "same_na": float((ours.padj.isna() == theirs.padj.isna()).mean()),
        "called_ours": len(ours_called),
        "called_r": len(theirs_called),
    }
