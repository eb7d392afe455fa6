"""Gene centring before the centroid correlation.

- ``median``: each gene minus its median over the samples (NaN skipped). This is UNC
  ``medianCtr`` (``subtypePrediction_functions.R``, used when ``calibrationParameters`` is NA)
  and hoadley-lab ``preprocess_input(centers = "self")``.
- ``er-her2-subgroup``: for the samples of clinical subgroup g, each gene minus its own
  quantile q = SIGMA[gene, g] within those samples (linear interpolation, as pandas
  ``Series.quantile``). This is ``quantile_centering`` and the per-class loop of the notebook
  of afernan4/PAM50_ER_HER2_normalization (Fernandez-Martinez et al. 2020, J Clin Oncol);
  SIGMA holds, per subgroup, the quantile of each gene in the UNC323 training set at which
  the subgroup sits, so a cohort of one subgroup is not centred as if it were the mixed
  training population. q = 0.5 for every gene is median centring.
- ``none``: the values are used as they are (UNC ``calibrationParameters = -1``).

``reference_samples`` computes the medians (or, per subgroup, the quantiles) from those
samples only and subtracts them from every sample: e.g. centre on the baseline biopsies and
apply to on-treatment ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.subtypes.reference import DEFAULT_SUBGROUP

CentringMethod = Literal["er-her2-subgroup", "median", "none"]
CENTRING_METHODS = ("er-her2-subgroup", "median", "none")


def centre_expression(
    expression: pd.DataFrame,
    method: CentringMethod,
    *,
    subgroups: pd.Series | str = DEFAULT_SUBGROUP,
    quantiles: pd.DataFrame | None = None,
    reference_samples: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Centre each gene (row) of a PAM50 matrix.

    Parameters
    ----------
    expression
        PAM50 genes x samples, log2 scale (output of ``prepare_expression``).
    method
        ``"er-her2-subgroup"``, ``"median"`` or ``"none"`` (module docstring).
    subgroups
        For ``er-her2-subgroup``: a Series sample -> subgroup name covering every sample,
        or one subgroup name for all samples (default ``ERpos_HER2neg``).
    quantiles
        For ``er-her2-subgroup``: genes (current symbols) x subgroups, values in [0, 1]
        (``Pam50Reference.subgroup_quantiles``).
    reference_samples
        Samples from which the centres are computed; default all samples.

    Returns
    -------
    Same shape, index and columns as ``expression``; log2 units relative to the centre.
    """
    reference = _reference_columns(expression, reference_samples)
    if method == "none":
        return expression.copy()
    if method == "median":
        centres = expression[reference].median(axis=1, skipna=True)
        return expression.sub(centres, axis=0)
    if method == "er-her2-subgroup":
        if quantiles is None:
            raise IcarusError(
                "er-her2-subgroup centring needs the subgroup quantile table (SIGMA.txt)"
            )
        return _subgroup_centre(
            expression, _sample_subgroups(expression, subgroups, quantiles), quantiles, reference
        )
    raise IcarusError(f"unknown centring method '{method}'; use one of {list(CENTRING_METHODS)}")


def _reference_columns(expression: pd.DataFrame, samples: Sequence[str] | None) -> list[str]:
    if samples is None:
        return list(expression.columns)
    chosen = list(dict.fromkeys(str(name) for name in samples))
    unknown = [name for name in chosen if name not in expression.columns]
    if unknown:
        raise IcarusError(f"reference samples {unknown} are not columns of the expression matrix")
    if not chosen:
        raise IcarusError("reference samples: the list is empty")
    return chosen


def _sample_subgroups(
    expression: pd.DataFrame, subgroups: pd.Series | str, quantiles: pd.DataFrame
) -> pd.Series:
    known = [str(name) for name in quantiles.columns]
    if isinstance(subgroups, str):
        labels = pd.Series(subgroups, index=expression.columns, dtype=object)
    else:
        absent = [name for name in expression.columns if name not in subgroups.index]
        if absent:
            raise IcarusError(f"subgroups: no subgroup given for samples {absent}")
        labels = subgroups.loc[list(expression.columns)].astype(str)
    unknown = sorted(set(labels) - set(known))
    if unknown:
        raise IcarusError(f"unknown subgroup(s) {unknown}; known subgroups are {known}")
    return labels


def _subgroup_centre(
    expression: pd.DataFrame, labels: pd.Series, quantiles: pd.DataFrame, reference: list[str]
) -> pd.DataFrame:
    lacking = [gene for gene in expression.index if gene not in quantiles.index]
    if lacking:
        raise IcarusError(f"subgroup quantiles: no row for genes {lacking}")
    centred = expression.copy()
    for group in pd.unique(labels):
        members = [name for name in expression.columns if labels[name] == group]
        basis = [name for name in reference if labels[name] == group]
        if not basis:
            raise IcarusError(
                f"subgroup '{group}': none of the reference samples belong to it; add "
                "reference samples of this subgroup or drop reference_samples"
            )
        centres = _row_quantiles(expression[basis], quantiles.loc[expression.index, group])
        centred[members] = expression[members].sub(centres, axis=0)
    return centred


def _row_quantiles(values: pd.DataFrame, levels: pd.Series) -> pd.Series:
    """Per-row quantile at a per-row level, NaN skipped, linear interpolation (pandas)."""
    matrix = values.to_numpy(dtype=float)
    centres = [
        float(np.nanquantile(row, level, method="linear")) if np.isfinite(row).any() else np.nan
        for row, level in zip(matrix, levels.to_numpy(dtype=float), strict=True)
    ]
    return pd.Series(centres, index=values.index)
