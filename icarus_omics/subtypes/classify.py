"""The whole PAM50 call in one function: prepare, centre, predict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from icarus_omics.subtypes.normalisation import CentringMethod, centre_expression
from icarus_omics.subtypes.predictor import DEFAULT_MIN_MARGIN, predict_subtypes
from icarus_omics.subtypes.preparation import (
    DEFAULT_MIN_GENES,
    CollapseRule,
    Log2Choice,
    PreparationReport,
    prepare_expression,
)
from icarus_omics.subtypes.reference import DEFAULT_SUBGROUP, Pam50Reference


@dataclass(frozen=True)
class Pam50Options:
    """Options of :func:`classify_samples`; defaults follow the UNC predictor.

    ``centring`` defaults to ``median`` (UNC ``medianCtr``); ``subgroup`` is the one subgroup
    used for every sample by ``er-her2-subgroup`` when no per-sample Series is given.
    """

    centring: CentringMethod = "median"
    subgroup: str = DEFAULT_SUBGROUP
    log2: Log2Choice = "auto"
    collapse: CollapseRule = "highest-mean"
    min_genes: int = DEFAULT_MIN_GENES
    include_normal: bool = True
    min_margin: float = DEFAULT_MIN_MARGIN


def classify_samples(
    expression: pd.DataFrame,
    reference: Pam50Reference,
    options: Pam50Options = Pam50Options(),
    *,
    subgroups: pd.Series | None = None,
    reference_samples: Sequence[str] | None = None,
    tumour_size_cm: pd.Series | None = None,
) -> tuple[pd.DataFrame, PreparationReport]:
    """Call PAM50 subtypes from a genes x samples expression matrix.

    Parameters
    ----------
    expression
        Genes x samples, symbols or Ensembl ids, log2 or linear values.
    reference
        See :class:`~icarus_omics.subtypes.reference.Pam50Reference`.
    options
        See :class:`Pam50Options`.
    subgroups
        Sample -> clinical subgroup for ``er-her2-subgroup``; default ``options.subgroup``.
    reference_samples
        Samples the centres are computed from; default all.
    tumour_size_cm
        Sample -> tumour size (cm) for ROR-C / ROR-PC.

    Returns
    -------
    calls
        One row per sample, ``predictor.CALL_COLUMNS``.
    report
        What the preparation did (genes used and missing, log2 decision, duplicates).
    """
    matrix, report = prepare_expression(
        expression,
        reference,
        log2=options.log2,
        collapse=options.collapse,
        min_genes=options.min_genes,
    )
    centred = centre_expression(
        matrix,
        options.centring,
        subgroups=options.subgroup if subgroups is None else subgroups,
        quantiles=reference.subgroup_quantiles,
        reference_samples=reference_samples,
    )
    calls = predict_subtypes(
        centred,
        reference,
        include_normal=options.include_normal,
        min_margin=options.min_margin,
        tumour_size_cm=tumour_size_cm,
    )
    return calls, report
