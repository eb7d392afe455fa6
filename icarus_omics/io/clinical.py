"""Clinical and biomarker tables: one row per patient, TSV or CSV (``.csv``), as text.

Column names are the defaults of :mod:`icarus_omics.clinical.patients` after renaming
``--column KEY=NAME`` pairs (the user's ``NAME`` becomes ``KEY``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import READ_ERRORS, unreadable

KEYS = ("patient", "best_response", "confirmed", "sd_months", "pfs_months", "pfs_event",
        "os_months", "os_event", "dor_months", "dor_event", "tumor_change_pct", "start_date",
        "progression_date", "death_date", "last_assessment_date")  # fmt: skip


def read_patient_table(path: Path, what: str = "clinical table") -> pd.DataFrame:
    """The table as text (empty cells ''), header names stripped."""
    separator = "," if path.name.lower().endswith((".csv", ".csv.gz")) else "\t"
    try:
        table = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False,
                            quoting=csv.QUOTE_MINIMAL, comment=None)  # fmt: skip
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise unreadable(path, what, error) from None
    except READ_ERRORS as error:
        raise unreadable(path, what, error) from None
    table.columns = [str(c).strip() for c in table.columns]
    if len(table) == 0:
        raise IcarusError(f"{path}: the {what} has no rows")
    return table


def rename_columns(table: pd.DataFrame, pairs: list[str], path: Path) -> pd.DataFrame:
    """Apply ``KEY=NAME`` pairs: column NAME of the file is read as KEY."""
    mapping = {}
    for pair in pairs:
        key, sep, name = pair.partition("=")
        key, name = key.strip(), name.strip()
        if not sep or key not in KEYS:
            raise IcarusError(f"--column {pair!r}: give KEY=NAME with KEY one of {', '.join(KEYS)}")
        if name not in table.columns:
            raise IcarusError(f"--column {pair!r}: {path} has no column {name!r}")
        if key in table.columns and key != name:
            raise IcarusError(
                f"--column {pair!r}: {path} already has a column {key!r}; rename one of them"
            )
        mapping[name] = key
    return table.rename(columns=mapping)
