"""Association of a per-sample measurement with a two-group clinical variable.

Used for signature exposures vs response (the study reported APOBEC SBS2 associated with
response): a two-sided Mann-Whitney U test per feature, Benjamini-Hochberg across features.

The test follows R's ``wilcox.test(x, y)`` with its defaults (R 4.2): the exact distribution
of U when both groups have fewer than 50 values and no value is tied, else the normal
approximation with the tie correction and the continuity correction (``correct = TRUE``).
scipy's ``method="auto"`` draws that line elsewhere (exact only when a group has 8 values or
fewer), so the method is chosen here and passed to scipy. ``padj`` is R's
``p.adjust(method = "BH")``. Checked against R in tests/test_signature_association.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from icarus_omics.oncogenic.alterations import Groups

EXACT_BELOW = 50  # R wilcox.test: exact p-value when both groups are smaller than this, untied
ASSOCIATION_COLUMNS = (
    "feature", "scale", "group_a", "group_b", "n_a", "n_b", "median_a", "median_b",
    "mean_a", "mean_b", "u_statistic", "pvalue", "padj",
)  # fmt: skip


def compare_groups(values: pd.DataFrame, groups: Groups, scale: str) -> pd.DataFrame:
    """Mann-Whitney U (two-sided) of each column of ``values`` (samples x features) between
    ``groups.a`` and ``groups.b``; samples in neither group are ignored. ``u_statistic`` is
    the U of group a (R's W). A feature with no variation gets what R's ``wilcox.test``
    gives, U = n_a n_b / 2 and p = NaN (empty), and is left out of the BH adjustment as
    ``p.adjust`` leaves NaN out of its count of tests. ``scale`` labels the rows (e.g.
    absolute or relative)."""
    a = [s for s in groups.members(groups.a) if s in values.index]
    b = [s for s in groups.members(groups.b) if s in values.index]
    rows = []
    for feature in values.columns:
        x, y = values.loc[a, feature].to_numpy(float), values.loc[b, feature].to_numpy(float)
        if len(x) and len(y) and np.ptp(np.concatenate([x, y])) > 0:
            u, p = _mann_whitney(x, y)
        elif len(x) and len(y):
            u, p = len(x) * len(y) / 2, np.nan  # R: all values tied, no p-value
        else:
            u, p = np.nan, np.nan
        rows.append((feature, scale, groups.a, groups.b, len(x), len(y),
                     _stat(np.median, x), _stat(np.median, y), _stat(np.mean, x), _stat(np.mean, y),
                     u, p))  # fmt: skip
    table = pd.DataFrame(rows, columns=list(ASSOCIATION_COLUMNS[:-1]))
    pvalues = table["pvalue"].to_numpy(float)
    tested = ~np.isnan(pvalues)
    padj = np.full(len(pvalues), np.nan)
    if tested.any():
        padj[tested] = stats.false_discovery_control(np.minimum(pvalues[tested], 1.0))
    table["padj"] = padj
    return table


def compare_exposures(
    absolute: pd.DataFrame, relative: pd.DataFrame, groups: Groups
) -> pd.DataFrame:
    """:func:`compare_groups` of signature exposures on both scales, absolute rows first.

    Parameters
    ----------
    absolute, relative
        Samples x signatures: exposures in mutations, and as fractions of each sample's
        total (NaN rows, samples with no exposure, count as 0).
    groups
        The two groups to compare (e.g. responders and non-responders).

    Returns
    -------
    pandas.DataFrame
        ``ASSOCIATION_COLUMNS``, one row per signature and scale (``absolute``, ``relative``).
    """
    return pd.concat(
        [
            compare_groups(absolute, groups, "absolute"),
            compare_groups(relative.fillna(0), groups, "relative"),
        ],
        ignore_index=True,
    )


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """U of ``x`` and the two-sided p-value, as R's ``wilcox.test(x, y)`` (module docstring)."""
    untied = len(np.unique(np.concatenate([x, y]))) == len(x) + len(y)
    exact = untied and len(x) < EXACT_BELOW and len(y) < EXACT_BELOW
    method = "exact" if exact else "asymptotic"
    result = stats.mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method=method)
    return float(result.statistic), float(result.pvalue)


def _stat(function: object, values: np.ndarray) -> float:
    return float(function(values)) if len(values) else np.nan  # type: ignore[operator]
