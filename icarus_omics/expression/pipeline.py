"""Differential expression of RNA-seq counts: DESeq2's model, run by pydeseq2 with the
vectorised fits of :mod:`icarus_omics.expression.inference`.

Input is a genes x samples count matrix and a sample sheet indexed by sample. One call
tests one contrast: a factor's test level against its reference (paired by patient when
the patient is in the design), or, for an interaction, whether that effect differs
between two groups. The study's gene filter drops genes "with fewer than five counts in
any compared condition level"; :data:`FILTER_RULES` says how that sentence is read.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from icarus_omics.errors import IcarusError
from icarus_omics.expression.design import (
    Contrast,
    SampleReport,
    align_samples,
    check_levels,
    complete_pairs,
    design_columns,
    interaction_design,
    subset,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

RESULT_COLUMNS = ("gene", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj")
FilterRule = Literal["level-mean", "level-sum", "every-sample"]
FILTER_RULES: dict[str, str] = {
    "level-mean": "keep a gene when its mean raw count is >= MIN in every compared level",
    "level-sum": "keep a gene when its raw counts sum to >= MIN in every compared level",
    "every-sample": "keep a gene when every sample of every compared level has >= MIN",
}
VST_GENES = 1000  # DESeq2's vst(nsub = 1000): genes used to fit the transformation
DISPERSION_COLUMNS = ("genewise", "trend", "map", "final")  # DeResult.dispersions
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
class DeRequest:
    """One test. ``interaction`` (a group factor and its two levels) turns ``contrast``
    into the treatment whose effect is compared between the groups; ``design`` is then
    built, not read."""

    contrast: Contrast
    design: str = "~ patient + timepoint"
    subsets: tuple[tuple[str, str], ...] = ()
    interaction: Contrast | None = None
    patient: str = "patient"
    min_count: float = 5
    filter_rule: FilterRule = "level-mean"
    alpha: float = 0.05
    strict_pairs: bool = False
    shrink: bool = False


@dataclass(frozen=True)
class DeInput:
    """Counts (integers, genes x samples) and sheet after all checks, the design (a
    formula, or a design matrix with its contrast vector), the genes the filter kept,
    and what was removed on the way."""

    counts: pd.DataFrame
    sheet: pd.DataFrame
    design: str | pd.DataFrame
    contrast_vector: np.ndarray | None
    kept: pd.Series
    report: SampleReport
    rounded: int


@dataclass(frozen=True)
class DeResult:
    """``table`` (columns RESULT_COLUMNS, one row per tested gene, matrix order),
    normalised counts of the tested samples, size factors, the dispersion trend
    coefficients (a0, a1), the dispersion prior variance, per-gene dispersions (index
    gene, columns DISPERSION_COLUMNS: gene-wise, trend, MAP, final as in DESeq2's
    dispGeneEst, dispFit, dispMAP, dispersion) and the warnings about the data, one line
    each, for the command to show."""

    table: pd.DataFrame
    normalised: pd.DataFrame
    size_factors: pd.Series
    trend: tuple[float, float]
    prior_variance: float
    dispersions: pd.DataFrame
    warnings: tuple[str, ...] = ()


def integer_counts(counts: pd.DataFrame, name: str) -> tuple[pd.DataFrame, int]:
    """Counts as int64; non-negative required. Non-integer values (tximport-style
    estimates) are rounded, and their number returned so the caller can warn."""
    import numpy as np

    values = counts.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise IcarusError(f"{name}: counts must be finite numbers")
    if (values < 0).any():
        row, col = np.argwhere(values < 0)[0]
        raise IcarusError(
            f"{name}: negative count {values[row, col]:g} for gene {counts.index[row]} "
            f"in sample {counts.columns[col]}; counts must be >= 0"
        )
    rounded = np.rint(values)
    changed = int((rounded != values).sum())
    return counts.__class__(rounded.astype(np.int64), counts.index, counts.columns), changed


def prepare(counts: pd.DataFrame, sheet: pd.DataFrame, request: DeRequest, name: str) -> DeInput:
    """Check and align counts and sheet, apply subsets, pairing and the gene filter."""
    table, unlisted = align_samples(sheet, list(counts.columns), name)
    selected = subset(table, request.subsets)
    outside = len(table) - len(selected)
    check_levels(selected, request.contrast)
    contrast_vector = None
    dropped: tuple[str, ...] = ()
    if request.interaction is not None:
        check_levels(selected, request.interaction, "--interaction")
        selected, dropped = _pairs(selected, request)
        design: str | pd.DataFrame
        design, contrast_vector = interaction_design(
            selected, request.interaction, request.contrast, request.patient
        )
        cells = [request.interaction.factor, request.contrast.factor]
    else:
        columns = design_columns(request.design)
        missing = [c for c in columns if c not in selected.columns]
        if missing:
            raise IcarusError(f"--design {request.design!r}: no sheet column {', '.join(missing)}")
        if request.contrast.factor not in columns:
            raise IcarusError(
                f"--contrast {request.contrast}: {request.contrast.factor} is not in --design"
            )
        if request.patient in columns:
            selected, dropped = _pairs(selected, request)
        selected = _categorical(selected, columns, request.contrast)
        design, cells = request.design, [request.contrast.factor]
    if len(selected) < 3:
        raise IcarusError(f"{name}: only {len(selected)} sample(s) left to compare")
    matrix, rounded = integer_counts(counts.loc[:, list(selected.index)], name)
    kept = gene_filter(matrix, selected, cells, request)
    if not kept.any():
        rule = FILTER_RULES[request.filter_rule].replace("MIN", f"{request.min_count:g}")
        raise IcarusError(f"{name}: no gene passes the filter ({rule})")
    report = SampleReport(unlisted, outside, dropped)
    return DeInput(matrix, selected, design, contrast_vector, kept, report, rounded)


def _pairs(sheet: pd.DataFrame, request: DeRequest) -> tuple[pd.DataFrame, tuple[str, ...]]:
    paired, dropped = complete_pairs(sheet, request.contrast, request.patient)
    if dropped and request.strict_pairs:
        raise IcarusError(
            f"patient(s) {', '.join(dropped[:5])} lack one sample at each of "
            f"{request.contrast.test} and {request.contrast.reference}; "
            "drop them or omit --strict-pairs"
        )
    if paired.empty:
        raise IcarusError(
            f"no patient has both {request.contrast.test} and {request.contrast.reference} samples"
        )
    return paired, dropped


def _categorical(sheet: pd.DataFrame, columns: list[str], contrast: Contrast) -> pd.DataFrame:
    """Design columns as categories (patient 7 is a label, not a number), the contrast's
    reference level first so that its coefficient is test vs reference."""
    import pandas as pd

    sheet = sheet.copy()
    for column in columns:
        values = sheet[column].astype(str)
        levels = sorted(values.unique())
        if column == contrast.factor:
            levels = [contrast.reference, contrast.test] + [
                v for v in levels if v not in (contrast.reference, contrast.test)
            ]
        sheet[column] = pd.Categorical(values, categories=levels)
    return sheet


def gene_filter(
    counts: pd.DataFrame, sheet: pd.DataFrame, factors: list[str], request: DeRequest
) -> pd.Series:
    """True for genes passing the study's filter in every cell of ``factors`` (the compared
    levels: one factor, or group x treatment for an interaction); see FILTER_RULES."""
    cells = sheet[factors].astype(str).agg(":".join, axis=1)
    keep = None
    for cell in sorted(cells.unique()):
        values = counts.loc[:, cells.index[cells == cell]]
        if request.filter_rule == "level-mean":
            ok = values.mean(axis=1) >= request.min_count
        elif request.filter_rule == "level-sum":
            ok = values.sum(axis=1) >= request.min_count
        else:
            ok = values.min(axis=1) >= request.min_count
        keep = ok if keep is None else keep & ok
    assert keep is not None
    return keep


def run_deseq(
    data: DeInput, request: DeRequest, processes: int = 1, *, prior_variance: float | None = None
) -> DeResult:
    """Fit DESeq2's model (size factors, dispersions, Wald test, Cook's and independent
    filtering at ``request.alpha``) on the filtered genes; results in matrix order.
    pydeseq2's warnings about the data come back in ``DeResult.warnings``, not printed.

    ``prior_variance`` is for comparisons with R only: it replaces the estimated dispersion
    prior variance (R's simulated estimate for small designs depends on R's random numbers;
    a test injects R's value to compare everything downstream exactly)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        dds = _fit(data, processes, prior_variance)
        stats = _test(dds, data, request)
    notes = data_warnings(caught)
    table = stats.results_df.reindex(columns=list(RESULT_COLUMNS[1:]))
    table.insert(0, "gene", table.index.astype(str))
    table = table.reset_index(drop=True)
    trend = (
        tuple(float(x) for x in dds.uns["trend_coeffs"])
        if "trend_coeffs" in dds.uns
        else (float("nan"),) * 2
    )
    import pandas as pd

    normalised = pd.DataFrame(dds.layers["normed_counts"].T, dds.var_names, dds.obs_names)
    normalised.index.name = "gene"
    names = ["genewise_dispersions", "fitted_dispersions", "MAP_dispersions", "dispersions"]
    dispersions = dds.var[names].set_axis(list(DISPERSION_COLUMNS), axis=1).astype(float)
    dispersions.index.name = "gene"
    return DeResult(
        table,
        normalised,
        dds.obs["size_factors"].astype(float),
        (trend[0], trend[1]),
        float(dds.uns["prior_disp_var"]),
        dispersions,
        notes,
    )


def data_warnings(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    """The recorded UserWarnings that say something about the data (DATA_WARNINGS), as
    lines for the user, each once and in order; other warnings are shown again as usual."""
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


def _fit(data: DeInput, processes: int, prior_variance: float | None = None):  # type: ignore[no-untyped-def]
    from icarus_omics.expression.dataset import DeseqData
    from icarus_omics.expression.inference import VectorisedInference

    counts = data.counts.loc[data.kept.to_numpy()]
    design = data.design
    sheet = data.sheet
    if not isinstance(design, str):
        sheet = sheet.loc[:, []]
    inference = VectorisedInference(processes=processes)
    try:
        dds = DeseqData(
            counts=counts.T, metadata=sheet, design=design, quiet=True, inference=inference
        )
    except ValueError as error:
        raise IcarusError(f"the design cannot be fitted: {error}") from None
    dds.prior_variance_override = prior_variance
    dds.deseq2()
    return dds


def variance_stabilise(
    counts: pd.DataFrame,
    size_factors: pd.Series,
    processes: int = 1,
    subset: int | None = VST_GENES,
) -> pd.DataFrame:
    """DESeq2's blind variance-stabilising transformation (log2-like scale): fit the
    parametric dispersion trend with an intercept-only design, then apply the closed-form
    transformation to every gene.

    With ``subset`` (the default, what ``vst.tsv`` holds) this is ``vst(blind = TRUE,
    nsub = subset)``: the trend is fitted on ``subset`` genes spread evenly over the sorted
    mean normalised counts above 5 (on all of them where fewer are above 5, i.e.
    ``nsub`` = their number, where R's ``vst`` would stop). With ``subset=None`` it is
    ``varianceStabilizingTransformation(blind = TRUE)``: the trend fitted on every gene.
    Where the parametric fit fails, the mean dispersion and its transformation are used
    (DESeq2 substitutes a local regression there; this does not)."""
    import numpy as np
    import pandas as pd

    from icarus_omics.expression.dataset import DeseqData
    from icarus_omics.expression.inference import VectorisedInference

    if subset is None:
        pick = np.arange(len(counts))
    else:
        means = counts.div(size_factors.to_numpy(), axis=1).mean(axis=1).to_numpy()
        eligible = np.flatnonzero(means > 5)
        if len(eligible) < 10:
            raise IcarusError("too few expressed genes (mean normalised count > 5) to fit the VST")
        order = eligible[np.argsort(means[eligible], kind="stable")]
        # R: o[round(seq(from = 1, to = length(o), length = nsub))], 1-based
        positions = np.round(np.linspace(1, len(order), min(subset, len(order))))
        pick = order[positions.astype(int) - 1]
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


def variance_stabilise_fitted(
    counts: pd.DataFrame, size_factors: pd.Series, trend: tuple[float, float]
) -> pd.DataFrame:
    """DESeq2's ``varianceStabilizingTransformation(dds, blind = FALSE)`` after ``DESeq``:
    the transformation of the DE fit's own parametric trend (``DeResult.trend``, fitted
    with the full design), so that the design's effects do not inflate the dispersions."""
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


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """How two DE tables (indexed by gene, DESeq2 columns) agree: Pearson r of
    log2FoldChange and of -log10 padj (genes where both have a value), the largest LFC
    difference, Jaccard of the padj < ``alpha`` sets, the share of genes with the same padj
    NA pattern, and both call counts. Used to compare a run with R DESeq2's."""
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
