"""Expression of the drug's targets per sample (the ``target-expression`` command): TPM, log2,
position in the cohort (z-score, percentile) and, for a patient biopsied before and on
treatment, the change on treatment.

The default genes are the common antibody-drug-conjugate targets and the payload's target:
ERBB3 (HER3, patritumab deruxtecan), ERBB2 (HER2, trastuzumab deruxtecan), TACSTD2 (TROP2,
datopotamab deruxtecan, sacituzumab govitecan) and TOP1, topoisomerase-1, which the
camptothecin payloads (DXd, SN-38) poison.

The cohort a sample is placed in (the *reference*) is every sample, or, with a sample sheet
that has baseline samples, the baseline samples only: treatment changes expression, so
on-treatment samples are placed against the pre-treatment distribution rather than mixed
into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError

DEFAULT_GENES = ("ERBB3", "ERBB2", "TOP1", "TACSTD2")
EXPRESSION_COLUMNS = ("sample", "gene", "tpm", "log2", "z", "percentile")
PAIRED_COLUMNS = ("patient", "timepoint", "change")  # added with a sample sheet
SHEET_COLUMNS = ("sample", "patient", "timepoint")
SCORE_SUFFIX = "_log2"  # target_scores.tsv: one column GENE_log2 per gene


@dataclass(frozen=True)
class Timepoints:
    """The sheet's timepoint levels of a patient's pre-treatment and on-treatment samples."""

    baseline: str = "BL"
    on_treatment: str = "onT"

    def __post_init__(self) -> None:
        if self.baseline == self.on_treatment:
            raise IcarusError(
                f"--baseline and --on-treatment are both {self.baseline!r}; give two levels"
            )


@dataclass(frozen=True)
class TargetExpression:
    """What :func:`target_expression` found.

    ``table``: one row per sample and gene (samples in the matrix's order, genes in the
    requested order), columns :data:`EXPRESSION_COLUMNS`, then :data:`PAIRED_COLUMNS` with a
    sheet. ``scores``: one row per sample, columns ``sample`` (``patient``, ``timepoint`` with
    a sheet) and ``GENE_log2`` per gene. ``reference``: the samples z and percentile are
    relative to. ``pairs``: (baseline sample, on-treatment sample) of each patient.
    ``unlisted``: matrix samples without a sheet row (no patient, no timepoint).
    """

    table: pd.DataFrame
    scores: pd.DataFrame
    genes: tuple[str, ...]
    missing: tuple[str, ...]
    reference: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    unlisted: tuple[str, ...]


def choose_genes(
    available: pd.Index, requested: Sequence[str], source: str
) -> tuple[list[str], list[str]]:
    """The requested genes present in ``available`` and those absent, both in request order;
    none present is an error (``source`` names the table)."""
    have = set(map(str, available))
    present = [g for g in requested if g in have]
    missing = [g for g in requested if g not in have]
    if not present:
        raise IcarusError(
            f"{source}: none of the genes {', '.join(requested)} is in the expression table; "
            "check --genes and that its first column holds gene symbols (not Ensembl ids)"
        )
    return present, missing


def check_expression(tpm: pd.DataFrame, source: str) -> pd.DataFrame:
    """``tpm`` (genes x samples) as floats, after refusing an empty table, repeated gene or
    sample names, and a value that is missing, not a number, infinite or negative (each
    error names the gene and sample)."""
    if tpm.shape[0] == 0 or tpm.shape[1] == 0:
        raise IcarusError(f"{source}: the expression table has no genes or no samples")
    for axis, what in ((tpm.index, "gene"), (tpm.columns, "sample")):
        repeated = axis[axis.duplicated()]
        if len(repeated):
            raise IcarusError(f"{source}: {what} {repeated[0]!r} appears more than once")
    numbers = tpm.apply(pd.to_numeric, errors="coerce").astype(float)
    for problem, bad in (
        ("not a finite number", ~np.isfinite(numbers)),
        ("negative; give TPM or normalised expression on a linear scale, not logs", numbers < 0),
    ):
        if bad.to_numpy().any():
            sample = str(bad.any().idxmax())
            gene = str(bad[sample].idxmax())
            value = tpm.at[gene, sample]
            shown = repr(value) if isinstance(value, str) else str(value)
            raise IcarusError(f"{source}: gene {gene} in sample {sample!r} is {shown}: {problem}")
    return numbers


def log2_expression(tpm: pd.DataFrame, pseudocount: float = 1.0) -> pd.DataFrame:
    """log2(tpm + pseudocount), same shape; the pseudocount must be above 0 (log2 of 0)."""
    if not pseudocount > 0:
        raise IcarusError(f"--pseudocount {pseudocount:g}: must be above 0 (log2 of a zero TPM)")
    return (tpm + pseudocount).apply(np.log2)


def cohort_z(log2: pd.DataFrame, reference: Sequence[str]) -> pd.DataFrame:
    """z-scores (genes x samples): (x - mean) / standard deviation (ddof=1), both over the
    ``reference`` samples of each gene; NaN for a gene with fewer than two reference samples
    or none of them differing."""
    values = log2[list(reference)]
    spread = values.std(axis=1, ddof=1)
    flat = values.max(axis=1) == values.min(axis=1)  # an exact zero, not a rounding residue
    return log2.sub(values.mean(axis=1), axis=0).div(spread.mask(flat), axis=0)


def cohort_percentile(log2: pd.DataFrame, reference: Sequence[str]) -> pd.DataFrame:
    """Percentile ranks 0-100 (genes x samples): the share of ``reference`` samples below the
    value plus half those equal to it (ties averaged; scipy's ``percentileofscore`` with
    ``kind="mean"``). A sample in the reference counts itself: of three, the lowest is at
    16.7, the middle at 50 and the highest at 83.3."""
    cohort = log2[list(reference)].to_numpy()[:, None, :]
    values = log2.to_numpy()[:, :, None]
    share = ((cohort < values).sum(axis=2) + 0.5 * (cohort == values).sum(axis=2)) / cohort.shape[2]
    return pd.DataFrame(100 * share, index=log2.index, columns=log2.columns)


def pair_samples(
    sheet: pd.DataFrame, samples: Sequence[str], timepoints: Timepoints, source: str
) -> pd.DataFrame:
    """The sheet (columns :data:`SHEET_COLUMNS`) for the matrix ``samples``: index sample, in
    their order, columns ``patient``, ``timepoint`` (NaN for a sample not in the sheet, or a
    blank cell) and ``baseline_sample``, the patient's baseline sample on an on-treatment row.

    A sheet sample missing from the matrix, a sample listed twice and a patient with two
    baseline samples (which would the change be from?) are errors.
    """
    names = sheet["sample"].astype(str)
    for name in names:
        if name not in samples:
            raise IcarusError(f"{source}: sample {name!r} is not in the expression table; "
                              "fix its name or remove its row")  # fmt: skip
    if names.duplicated().any():
        raise IcarusError(f"{source}: sample {names[names.duplicated()].iloc[0]!r} has two rows")
    text = sheet[["patient", "timepoint"]].astype(str).apply(lambda c: c.str.strip())
    rows = text.set_axis(names).replace("", np.nan).reindex(list(samples))
    baseline = rows[(rows["timepoint"] == timepoints.baseline) & rows["patient"].notna()]
    twice = baseline["patient"][baseline["patient"].duplicated()]
    if len(twice):
        both = ", ".join(baseline.index[baseline["patient"] == twice.iloc[0]])
        raise IcarusError(f"{source}: patient {twice.iloc[0]!r} has more than one "
                          f"{timepoints.baseline} sample ({both}); keep one")  # fmt: skip
    first = dict(zip(baseline["patient"], baseline.index, strict=True))
    treated = rows["timepoint"] == timepoints.on_treatment
    rows["baseline_sample"] = rows["patient"].where(treated).map(first)
    rows.index.name = "sample"
    return rows


def change_on_treatment(log2: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """log2(on-treatment) - log2(baseline) (genes x samples) on the on-treatment samples whose
    patient has a baseline sample (``rows`` from :func:`pair_samples`); NaN elsewhere."""
    change = pd.DataFrame(np.nan, index=log2.index, columns=log2.columns)
    for sample, baseline in rows["baseline_sample"].dropna().items():
        change[sample] = log2[sample] - log2[baseline]
    return change


def target_expression(
    tpm: pd.DataFrame,
    genes: Sequence[str] = DEFAULT_GENES,
    pseudocount: float = 1.0,
    sheet: pd.DataFrame | None = None,
    timepoints: Timepoints = Timepoints(),
    source: str = "expression table",
    sheet_source: str = "sample sheet",
) -> TargetExpression:
    """Target-gene expression per sample, placed in the cohort, with the change on treatment.

    Parameters
    ----------
    tpm
        Genes x samples, TPM or normalised expression on a linear scale (not logs).
    genes
        Gene symbols wanted; absent ones are returned in ``missing``, none present is an error.
    pseudocount
        Added before log2 (TPM units).
    sheet
        Optional sample sheet, columns :data:`SHEET_COLUMNS`: adds patient, timepoint and
        change, and makes the baseline samples the reference (when it has any).
    timepoints
        The sheet's baseline and on-treatment levels.
    source, sheet_source
        Name the table and the sheet in error messages (their paths).

    Returns
    -------
    TargetExpression
        The long table, the wide scores and what was used.
    """
    present, missing = choose_genes(tpm.index, genes, source)
    values = check_expression(tpm.loc[present], source)
    log2 = log2_expression(values, pseudocount)
    samples = [str(s) for s in values.columns]
    rows = None if sheet is None else pair_samples(sheet, samples, timepoints, sheet_source)
    reference = samples
    if rows is not None and (rows["timepoint"] == timepoints.baseline).any():
        reference = list(rows.index[rows["timepoint"] == timepoints.baseline])
    layers = {"tpm": values, "log2": log2, "z": cohort_z(log2, reference),
              "percentile": cohort_percentile(log2, reference)}  # fmt: skip
    if rows is not None:
        layers["change"] = change_on_treatment(log2, rows)
    pairs = () if rows is None else tuple(
        (str(b), str(s)) for s, b in rows["baseline_sample"].dropna().items()
    )  # fmt: skip
    listed = set() if sheet is None else set(sheet["sample"].astype(str))
    unlisted = () if sheet is None else tuple(s for s in samples if s not in listed)
    return TargetExpression(_long_table(layers, present, samples, rows),
                            _score_table(log2, samples, rows), tuple(present), tuple(missing),
                            tuple(reference), pairs, unlisted)  # fmt: skip


def _long_table(
    layers: dict[str, pd.DataFrame], genes: list[str], samples: list[str], rows: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per sample and gene, sample-major: the layers (genes x samples) flattened."""
    table = pd.DataFrame({"sample": [s for s in samples for _ in genes],
                          "gene": genes * len(samples)})  # fmt: skip
    for name in ("tpm", "log2", "z", "percentile"):
        table[name] = layers[name].T.to_numpy().ravel()
    if rows is None:
        return table[list(EXPRESSION_COLUMNS)]
    for name in ("patient", "timepoint"):
        table[name] = np.repeat(rows[name].to_numpy(dtype=object), len(genes))
    table["change"] = layers["change"].T.to_numpy().ravel()
    return table[[*EXPRESSION_COLUMNS, *PAIRED_COLUMNS]]


def _score_table(log2: pd.DataFrame, samples: list[str], rows: pd.DataFrame | None) -> pd.DataFrame:
    """One row per sample: sample (patient, timepoint) and GENE_log2 per gene."""
    scores = pd.DataFrame({"sample": samples})
    if rows is not None:
        scores["patient"] = rows["patient"].to_numpy(dtype=object)
        scores["timepoint"] = rows["timepoint"].to_numpy(dtype=object)
    for gene in log2.index:
        scores[f"{gene}{SCORE_SUFFIX}"] = log2.loc[gene].to_numpy()
    return scores
