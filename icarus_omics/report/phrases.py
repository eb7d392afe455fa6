"""How numbers read in a section's one-line summary, and the row picks those lines need."""

from __future__ import annotations

import math

import pandas as pd

from icarus_omics.report.html import format_number

ALPHA = 0.05
"""The adjusted p-value (or p-value) a summary line counts as significant."""


def number(value: object) -> float | None:
    """A cell as a float; ``None`` when it is empty or not a number."""
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def p_value(value: object) -> str:
    """A p-value as the tables show it (``4.12e-06``, ``0.0742``), ``NA`` when missing."""
    result = number(value)
    return "NA" if result is None else format_number(result)


def percent(value: object) -> str:
    """A proportion (0-1) as a percentage with one decimal, ``NA`` when missing."""
    result = number(value)
    return "NA" if result is None else f"{100 * result:.1f}%"


def count(value: float) -> str:
    """A count with thousands separators."""
    return f"{value:,.0f}"


def counted(value: float, noun: str, plural: str = "") -> str:
    """``1 homozygous deletion``, ``2 homozygous deletions`` (``plural``: when not +s)."""
    return f"{count(value)} {noun if value == 1 else plural or noun + 's'}"


def rows_where(frame: pd.DataFrame, **equal: str) -> pd.DataFrame:
    """Rows whose columns equal the given text values (``rows_where(t, group="all")``)."""
    keep = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        keep &= frame[column].astype(str) == value
    return frame[keep]


def significant(frame: pd.DataFrame, column: str, alpha: float = ALPHA) -> pd.DataFrame:
    """Rows whose ``column`` is below ``alpha`` (missing values are not)."""
    return frame[pd.to_numeric(frame[column], errors="coerce") < alpha]


def by_p(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows by increasing p-value columns (those present), missing values last; stable."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    return frame.sort_values(present, kind="mergesort", na_position="last")
