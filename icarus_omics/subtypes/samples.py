"""Which samples a PAM50 run uses for what: the sheet's rows for the expression samples, and
the reference samples the centring is computed from."""

from __future__ import annotations

import pandas as pd

from icarus_omics.errors import IcarusError


def sheet_for(table: pd.DataFrame, samples: list[str], source: str) -> pd.DataFrame:
    """The sample sheet indexed by sample (column ``sample``, else the first column), in the
    order of ``samples``; every sample needs a row (``source`` names the sheet in errors)."""
    column = "sample" if "sample" in table.columns else table.columns[0]
    sheet = table.set_index(table[column].astype(str))
    missing = [name for name in samples if name not in sheet.index]
    if missing:
        raise IcarusError(f"{source}: no row for expression sample(s) {', '.join(missing[:5])}")
    return sheet.loc[samples]


def sheet_column(sheet: pd.DataFrame | None, name: str | None) -> pd.Series | None:
    """``sheet[name]``, or None without a sheet, a name or such a column."""
    if sheet is None or name is None or name not in sheet.columns:
        return None
    return sheet[name]


def choose_reference_samples(
    text: str | None, sheet: pd.DataFrame | None, samples: list[str]
) -> list[str] | None:
    """The samples named by ``text``: ``COLUMN=VALUE`` over the sheet (e.g. ``timepoint=BL``)
    or a comma-separated list; None when ``text`` is None. Unknown samples are an error."""
    if text is None:
        return None
    column, equals, value = text.partition("=")
    if equals and sheet is not None and column in sheet.columns:
        chosen = [s for s in samples if str(sheet.at[s, column]) == value]
    else:
        chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in samples]
    if unknown or not chosen:
        shown = ", ".join(unknown[:5]) or "(none selected)"
        raise IcarusError(f"--reference-samples {text}: no such expression sample(s) {shown}")
    return chosen


def tumour_sizes(sheet: pd.DataFrame | None, column: str = "tumor_size") -> pd.Series | None:
    """The sheet's tumour sizes in cm as floats (empty cells NaN: that sample gets no ROR-C or
    ROR-PC); None without such a column. A value that is not a number is an error."""
    values = sheet_column(sheet, column)
    if values is None:
        return None
    text = values.astype(str).str.strip().replace({"": "nan", "NA": "nan"})
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & (text.str.lower() != "nan")
    if bad.any():
        sample = str(bad.idxmax())
        given = values.loc[sample]
        raise IcarusError(f"{column} of sample {sample} is {given!r}, not a size in cm")
    return numbers.astype(float)
