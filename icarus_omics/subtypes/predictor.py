"""The PAM50 nearest-centroid call, proliferation score and risk of recurrence.

Ported from the UNC bioclassifier (``sspPredict``, ``subtypePrediction_distributed.R`` in
hoadley-lab/pam50 ``.legacy/bioclassifier_R``) and hoadley-lab pam50 0.2.0
(``assign_subtypes``, ``calc_proliferation_scores``, ``calc_ror_scores``, ``ror_group``):

- Correlation: Spearman between the sample and each centroid over the genes present, with
  pairs where the sample is NaN dropped (R ``cor(method = "spearman", use =
  "pairwise.complete.obs")``): ranks are taken over those genes, ties get average ranks.
- Call: the centroid with the highest correlation (first in :data:`PAM50_SUBTYPES` order on
  an exact tie, like R ``which.max``); ``include_normal=False`` leaves Normal out of the
  choice, as hoadley-lab ``assign_subtypes(include_normal = FALSE)``.
- Confidence: ``"low"`` when the best correlation beats the second by less than
  ``min_margin`` (default 0.1), else ``"high"``. UNC reports 1 - p of ``cor.test`` with the
  called centroid (flagged below 0.95); with 50 genes that is passed from rho ~ 0.24 on
  and says nothing about a near tie between two subtypes, which the margin does.
- Proliferation: after centring, each sample is standardised over its PAM50 genes (R
  ``scale``: mean 0, standard deviation with n - 1; UNC ``standardize``, hoadley-lab
  ``preprocess_input``), and the score is the mean of the proliferation genes of the
  annotation (the 11 of UNC ``proliferationGenes``), NaN skipped. Standardising does not
  change the Spearman correlations.
- ROR: raw = sum of coefficient x term, with terms the Basal, Her2, LumA, LumB correlations,
  the proliferation score and tumour size as 0/1 (1 when > 2 cm, the UNC coding of ``T``).
  Groups use the raw score: ``"high"`` when raw >= high, ``"low"`` when raw <= low, else
  ``"medium"`` (hoadley-lab ``ror_group`` bounds; UNC's strict inequalities leave a score equal
  to a threshold without group). Reported scores are 100 * (raw + 0.35) / 0.85.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from icarus_omics.errors import IcarusError
from icarus_omics.subtypes.reference import PAM50_SUBTYPES, Pam50Reference, RorFormula, RorModel

DEFAULT_MIN_MARGIN = 0.1
LARGE_TUMOUR_CM = 2.0

CORRELATION_COLUMNS = tuple(f"cor_{name}" for name in sorted(PAM50_SUBTYPES))
ROR_COLUMNS = (
    "ror_s", "ror_s_group", "ror_p", "ror_p_group",
    "ror_c", "ror_c_group", "ror_pc", "ror_pc_group",
)  # fmt: skip
CALL_COLUMNS = (
    "sample", "subtype", *CORRELATION_COLUMNS, "margin", "confidence", "proliferation",
    *ROR_COLUMNS,
)  # fmt: skip

# ROR term name -> correlation column.
_ROR_CORRELATIONS = {
    "basal": "cor_Basal",
    "her2": "cor_Her2",
    "luminal_a": "cor_LumA",
    "luminal_b": "cor_LumB",
}


def spearman_to_centroids(expression: pd.DataFrame, centroids: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of every sample with every centroid.

    Parameters
    ----------
    expression
        PAM50 genes x samples (any monotone scale); NaN allowed.
    centroids
        Genes x subtypes; must hold every gene of ``expression``.

    Returns
    -------
    Samples x subtypes (columns as ``centroids``), correlations in [-1, 1].
    """
    genes = centroids.loc[expression.index].to_numpy(dtype=float)
    genes = np.column_stack([_scaled(column) for column in genes.T])  # hoadley scales both
    result = np.full((expression.shape[1], centroids.shape[1]), np.nan)
    for column, values in enumerate(expression.to_numpy(dtype=float).T):
        present = np.isfinite(values)
        if present.sum() < 3:
            raise IcarusError(
                f"sample '{expression.columns[column]}': fewer than 3 PAM50 genes with values"
            )
        sample_ranks = rankdata(_scaled(values[present]))
        for subtype in range(centroids.shape[1]):
            centroid = genes[present, subtype]
            result[column, subtype] = _pearson(sample_ranks, rankdata(centroid))
    return pd.DataFrame(result, index=expression.columns, columns=centroids.columns)


def _scaled(values: np.ndarray) -> np.ndarray:
    """R's ``scale()`` of one sample, ``(x - mean) / sd``, as hoadley-lab applies it before
    correlating. Ranks do not change, except for values equal up to floating-point noise:
    centring 3-decimal data can leave 1e-17 between two equal values, which scaling makes
    exactly equal (a tie) as it does in R; ranking the scaled values reproduces R's ties."""
    mean = values.mean()
    spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return (values - mean) / spread if spread > 0 else values - mean


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return float((dx * dy).sum() / denominator) if denominator > 0 else np.nan


def proliferation_scores(expression: pd.DataFrame, annotation: pd.DataFrame) -> pd.Series:
    """UNC proliferation score per sample (module docstring).

    Parameters
    ----------
    expression
        Centred PAM50 genes x samples.
    annotation
        ``gene_name`` and ``proliferative`` (1 for the 11 proliferation genes).

    Returns
    -------
    Series sample -> score (standardised units); NaN when no proliferation gene is present.
    """
    mean = expression.mean(axis=0, skipna=True)
    spread = expression.std(axis=0, ddof=1, skipna=True)
    standardised = expression.sub(mean, axis=1).div(spread, axis=1)
    flagged = annotation.loc[annotation["proliferative"].astype(int) == 1, "gene_name"]
    genes = [gene for gene in flagged if gene in standardised.index]
    if not genes:
        return pd.Series(np.nan, index=expression.columns, dtype=float)
    return standardised.loc[genes].mean(axis=0, skipna=True)


def ror_group(raw: float, formula: RorFormula) -> str:
    """``"low"``, ``"medium"`` or ``"high"`` for a raw ROR score; ``""`` when it is NaN."""
    if not np.isfinite(raw):
        return ""
    if raw >= formula.high:
        return "high"
    if raw <= formula.low:
        return "low"
    return "medium"


def ror_scores(
    correlations: pd.DataFrame,
    proliferation: pd.Series,
    model: RorModel,
    tumour_size_cm: pd.Series | None = None,
) -> pd.DataFrame:
    """The four ROR scores and groups (module docstring).

    Parameters
    ----------
    correlations
        Samples x ``cor_Basal, cor_Her2, cor_LumA, cor_LumB`` (other columns ignored).
    proliferation
        Sample -> proliferation score.
    model
        Coefficients and thresholds.
    tumour_size_cm
        Sample -> tumour size in cm; None (or a missing sample / NaN) leaves ROR-C and
        ROR-PC empty for that sample.

    Returns
    -------
    Samples x :data:`ROR_COLUMNS`; scores on the 0-100 scale, groups low/med/high or "".
    """
    terms = correlations.rename(columns={v: k for k, v in _ROR_CORRELATIONS.items()})
    terms = terms.loc[:, list(_ROR_CORRELATIONS)].astype(float)
    terms["prolif_score"] = proliferation.reindex(correlations.index).astype(float)
    size = pd.Series(np.nan, index=correlations.index, dtype=float)
    if tumour_size_cm is not None:
        size = tumour_size_cm.reindex(correlations.index).astype(float)
        if (size < 0).any():
            raise IcarusError("tumour size: negative values; give the size in cm")
    terms["tumor_size"] = np.where(size.isna(), np.nan, (size > LARGE_TUMOUR_CM).astype(float))
    table = pd.DataFrame(index=correlations.index)
    named = {
        "s": model.subtype,
        "p": model.prolif,
        "c": model.clinical,
        "pc": model.prolif_clinical,
    }
    for short, formula in named.items():
        raw = sum(
            (terms[term] * weight for term, weight in formula.coefficients.items()),
            start=pd.Series(0.0, index=terms.index),
        )
        table[f"ror_{short}"] = 100.0 * (raw + model.offset) / model.scale
        table[f"ror_{short}_group"] = [ror_group(value, formula) for value in raw]
    return table.loc[:, list(ROR_COLUMNS)]


def predict_subtypes(
    expression: pd.DataFrame,
    reference: Pam50Reference,
    *,
    include_normal: bool = True,
    min_margin: float = DEFAULT_MIN_MARGIN,
    tumour_size_cm: pd.Series | None = None,
) -> pd.DataFrame:
    """Call the PAM50 subtype of each sample and score its risk of recurrence.

    Parameters
    ----------
    expression
        Centred PAM50 genes x samples (``centre_expression`` output).
    reference
        Centroids, annotation and optional ROR model.
    include_normal
        Whether Normal-like can be called.
    min_margin
        Margin (best minus second correlation) below which the call is "low" confidence.
    tumour_size_cm
        Sample -> tumour size in cm, for ROR-C and ROR-PC.

    Returns
    -------
    One row per sample, columns :data:`CALL_COLUMNS`; ROR columns are NaN / "" when the
    reference has no ROR model (ROR-C, ROR-PC also without tumour size).
    """
    unknown = [gene for gene in expression.index if gene not in reference.centroids.index]
    if unknown:
        raise IcarusError(f"expression: genes {unknown} are not PAM50 centroid genes")
    correlations = spearman_to_centroids(expression, reference.centroids)
    choices = [name for name in PAM50_SUBTYPES if include_normal or name != "Normal"]
    scores = correlations[choices].to_numpy()
    best = np.argmax(scores, axis=1)
    ordered = np.sort(scores, axis=1)
    calls = pd.DataFrame({"sample": correlations.index.astype(str)}, index=correlations.index)
    calls["subtype"] = [choices[i] for i in best]
    for name in sorted(PAM50_SUBTYPES):
        calls[f"cor_{name}"] = correlations[name]
    calls["margin"] = ordered[:, -1] - ordered[:, -2]
    calls["confidence"] = np.where(calls["margin"] < min_margin, "low", "high")
    calls["proliferation"] = proliferation_scores(expression, reference.annotation)
    if reference.ror is not None:
        ror = ror_scores(calls, calls["proliferation"], reference.ror, tumour_size_cm)
    else:
        ror = pd.DataFrame(index=calls.index, columns=list(ROR_COLUMNS))
        for column in ROR_COLUMNS:
            ror[column] = "" if column.endswith("_group") else np.nan
    calls = pd.concat([calls, ror], axis=1)
    return calls.loc[:, list(CALL_COLUMNS)].reset_index(drop=True)
