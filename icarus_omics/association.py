"""Association of a per-sample measurement with a two-group clinical variable.

Used for signature exposures vs response (the study reported APOBEC SBS2 associated with
response): a two-sided Mann-Whitney U test per feature, Benjamini-Hochberg across features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from icarus_omics.alterations import Groups

ASSOCIATION_COLUMNS = (
    "feature", "scale", "group_a", "group_b", "n_a", "n_b", "median_a", "median_b",
    "mean_a", "mean_b", "u_statistic", "pvalue", "padj",
)  # fmt: skip


def compare_groups(values: pd.DataFrame, groups: Groups, scale: str) -> pd.DataFrame:
    """Mann-Whitney U (two-sided) of each column of ``values`` (samples x features) between
    ``groups.a`` and ``groups.b``; samples in neither group are ignored. Features with no
    variation get p = 1. ``scale`` labels the rows (e.g. absolute or relative)."""
    a = [s for s in groups.members(groups.a) if s in values.index]
    b = [s for s in groups.members(groups.b) if s in values.index]
    rows = []
    for feature in values.columns:
        x, y = values.loc[a, feature].to_numpy(float), values.loc[b, feature].to_numpy(float)
        if len(x) and len(y) and np.ptp(np.concatenate([x, y])) > 0:
            u, p = stats.mannwhitneyu(x, y, alternative="two-sided")
        else:
            u, p = np.nan, 1.0
        rows.append((feature, scale, groups.a, groups.b, len(x), len(y),
                     _stat(np.median, x), _stat(np.median, y), _stat(np.mean, x), _stat(np.mean, y),
                     u, p))  # fmt: skip
    table = pd.DataFrame(rows, columns=list(ASSOCIATION_COLUMNS[:-1]))
    table["padj"] = (
        stats.false_discovery_control(table["pvalue"].clip(upper=1.0)) if len(table) else []
    )
    return table


def _stat(function: object, values: np.ndarray) -> float:
    return float(function(values)) if len(values) else np.nan  # type: ignore[operator]
