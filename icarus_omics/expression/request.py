"""One differential-expression test, asked and prepared: the request (contrast, design,
subsets, gene filter) and the checked input it makes from counts and a sample sheet.

Input is a genes x samples count matrix and a sample sheet indexed by sample. One request
tests one contrast: a factor's test level against its reference (paired by patient when
the patient is in the design), or, for an interaction, whether that effect differs
between two groups. The study's gene filter drops genes "with fewer than five counts in
any compared condition level"; :data:`FILTER_RULES` says how that sentence is read.
"""

from __future__ import annotations

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

FilterRule = Literal["level-mean", "level-sum", "every-sample"]
FILTER_RULES: dict[str, str] = {
    "level-mean": "keep a gene when its mean raw count is >= MIN in every compared level",
    "level-sum": "keep a gene when its raw counts sum to >= MIN in every compared level",
    "every-sample": "keep a gene when every sample of every compared level has >= MIN",
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

    def title(self) -> str:
        """The comparison in words, for figure titles and the summary line, e.g.
        ``timepoint onT vs BL, response=R``."""
        c = self.contrast
        text = f"{c.factor} {c.test} vs {c.reference}"
        if self.interaction:
            g = self.interaction
            text = f"({text}) in {g.factor} {g.test} minus {g.reference}"
        if self.subsets:
            text += ", " + ", ".join(f"{k}={v}" for k, v in self.subsets)
        return text

    def filter_text(self) -> str:
        """The gene filter in words, its threshold filled in."""
        return FILTER_RULES[self.filter_rule].replace("MIN", f"{self.min_count:g}")

    def colour_factor(self) -> str:
        """The sheet column samples are grouped by in figures (the interaction's groups,
        else the contrast's factor)."""
        return self.interaction.factor if self.interaction else self.contrast.factor


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

    def tested_counts(self) -> pd.DataFrame:
        """The counts of the genes the filter kept (genes x samples, int64)."""
        return self.counts.loc[self.kept.to_numpy()]


def integer_counts(counts: pd.DataFrame, name: str) -> tuple[pd.DataFrame, int]:
    """Counts as whole numbers, the way DESeq2 takes them.

    Parameters
    ----------
    counts
        Genes x samples, float or integer, >= 0.
    name
        The input's name for error messages (its file).

    Returns
    -------
    tuple
        The matrix as int64 (same index and columns; non-integer values, tximport-style
        estimates, rounded to the nearest integer) and how many values were rounded, so
        that the caller can warn.

    Raises
    ------
    IcarusError
        For a value that is not finite or is negative (naming gene and sample).
    """
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
    """Check and align counts and sheet, apply subsets, pairing and the gene filter.

    Parameters
    ----------
    counts
        Raw counts, genes x samples (index gene id, one column per sample).
    sheet
        Sample sheet, one row per sample: a ``sample`` column (or the index) and the
        design's columns (``patient``, ``timepoint``, ...).
    request
        The test asked for.
    name
        The counts' name for messages (its file).

    Returns
    -------
    DeInput
        ``counts``: int64, genes x the compared samples (all genes; ``kept`` marks those
        passing the filter); ``sheet``: the compared samples, design columns categorical
        with the contrast's reference level first; the design and, for an interaction,
        its contrast vector; and what was left out (:class:`SampleReport`).

    Raises
    ------
    IcarusError
        For unknown columns or levels, fewer than three samples, patients without a pair
        under ``strict_pairs``, or no gene passing the filter.
    """
    table, unlisted = align_samples(sheet, list(counts.columns), name)
    selected = subset(table, request.subsets)
    outside = len(table) - len(selected)
    check_levels(selected, request.contrast)
    design: str | pd.DataFrame
    if request.interaction is not None:
        selected, dropped, design, contrast_vector, cells = _interaction(selected, request)
    else:
        selected, dropped, design, cells = _formula(selected, request)
        contrast_vector = None
    if len(selected) < 3:
        raise IcarusError(f"{name}: only {len(selected)} sample(s) left to compare")
    matrix, rounded = integer_counts(counts.loc[:, list(selected.index)], name)
    kept = gene_filter(matrix, selected, cells, request)
    if not kept.any():
        raise IcarusError(f"{name}: no gene passes the filter ({request.filter_text()})")
    report = SampleReport(unlisted, outside, dropped)
    return DeInput(matrix, selected, design, contrast_vector, kept, report, rounded)


def _interaction(
    selected: pd.DataFrame, request: DeRequest
) -> tuple[pd.DataFrame, tuple[str, ...], pd.DataFrame, np.ndarray, list[str]]:
    """Paired samples, the nested design matrix, its contrast vector and the filter's cells."""
    assert request.interaction is not None  # the caller checked
    check_levels(selected, request.interaction, "--interaction")
    selected, dropped = _pairs(selected, request)
    design, vector = interaction_design(
        selected, request.interaction, request.contrast, request.patient
    )
    return selected, dropped, design, vector, [request.interaction.factor, request.contrast.factor]


def _formula(
    selected: pd.DataFrame, request: DeRequest
) -> tuple[pd.DataFrame, tuple[str, ...], str, list[str]]:
    """Samples (paired when the patient is in the design) for a formula design."""
    columns = design_columns(request.design)
    missing = [c for c in columns if c not in selected.columns]
    if missing:
        raise IcarusError(f"--design {request.design!r}: no sheet column {', '.join(missing)}")
    if request.contrast.factor not in columns:
        raise IcarusError(
            f"--contrast {request.contrast}: {request.contrast.factor} is not in --design"
        )
    dropped: tuple[str, ...] = ()
    if request.patient in columns:
        selected, dropped = _pairs(selected, request)
    selected = _categorical(selected, columns, request.contrast)
    return selected, dropped, request.design, [request.contrast.factor]


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
    """The study's gene filter (:data:`FILTER_RULES`), applied in every compared cell.

    Parameters
    ----------
    counts
        Raw counts, genes x samples.
    sheet
        One row per sample of ``counts`` (index sample).
    factors
        Sheet columns whose level combinations are the cells: the contrast's factor, or
        group and treatment for an interaction.
    request
        Gives ``filter_rule`` and ``min_count`` (raw counts).

    Returns
    -------
    pandas.Series
        Boolean, indexed by gene: True where the rule holds in every cell.
    """
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


def sample_warnings(data: DeInput, request: DeRequest) -> list[str]:
    """What the checks left out or changed, one line each for the user: matrix samples not
    in the sheet, patients dropped for lack of a pair, non-integer counts rounded."""
    report, lines = data.report, []
    if report.unlisted:
        lines.append(f"{len(report.unlisted)} matrix sample(s) not in the sheet are left out: "
                     f"{', '.join(report.unlisted[:5])}")  # fmt: skip
    if report.unpaired_patients:
        lines.append(f"patient(s) without both {request.contrast.test} and "
                     f"{request.contrast.reference} dropped: "
                     f"{', '.join(report.unpaired_patients)}")  # fmt: skip
    if data.rounded:
        lines.append(f"{data.rounded} non-integer count(s) rounded "
                     "(estimated counts, as DESeqDataSetFromTximport does)")  # fmt: skip
    return lines
