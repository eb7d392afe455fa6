"""One row per patient, checked and typed: the clinical table the endpoints are computed on.

:func:`prepare_patients` takes the text table as read (columns already renamed to the
defaults) and returns ``patient``, ``best_response`` (CR/PR/SD/PD/NE), ``confirmed``,
``sd_months``, ``pfs_months``/``pfs_event``, ``os_months``/``os_event``,
``dor_months``/``dor_event`` and ``tumor_change_pct`` as far as the table has them. PFS
may instead come from dates (:func:`pfs_from_dates`). Every problem is an
:class:`~icarus_omics.errors.IcarusError` naming the patient.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from icarus_omics.clinical.responses import flag, response_code
from icarus_omics.errors import IcarusError

DAYS_PER_MONTH = 365.25 / 12
DATE_COLUMNS = ("start_date", "progression_date", "death_date", "last_assessment_date")


def _numbers(table: pd.DataFrame, column: str, what: str, source: str) -> pd.Series:
    text = table[column].astype(str).str.strip()
    values = pd.to_numeric(text.where(~text.str.upper().isin(["", "NA", "NAN", "."])),
                           errors="coerce")  # fmt: skip
    bad = (values.isna() & ~text.str.upper().isin(["", "NA", "NAN", "."])) | np.isinf(values)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise IcarusError(
            f"{source}: patient {table['patient'].iloc[i]!r}: {what} {text.iloc[i]!r} is not "
            + ("finite" if np.isinf(values.iloc[i]) else "a number")
        )
    return values.astype(float)


def _time_and_event(table: pd.DataFrame, prefix: str, source: str) -> tuple[pd.Series, pd.Series]:
    time = _numbers(table, f"{prefix}_months", f"{prefix}_months", source)
    event = _numbers(table, f"{prefix}_event", f"{prefix}_event", source)
    for i in range(len(table)):
        name = table["patient"].iloc[i]
        t, e = time.iloc[i], event.iloc[i]
        if not math.isnan(t) and t < 0:
            raise IcarusError(f"{source}: patient {name!r}: {prefix}_months {t:g} is negative")
        if not math.isnan(e) and e not in (0, 1):
            raise IcarusError(
                f"{source}: patient {name!r}: {prefix}_event {e:g} is not 0 (censored) or 1"
            )
        if math.isnan(t) and not math.isnan(e):
            raise IcarusError(
                f"{source}: patient {name!r}: a {prefix}_event without {prefix}_months"
            )
        if not math.isnan(t) and math.isnan(e):
            raise IcarusError(f"{source}: patient {name!r}: {prefix}_months without {prefix}_event")
    return time, event


def prepare_patients(table: pd.DataFrame, source: str, death_window_weeks: float = 12.0
                     ) -> pd.DataFrame:  # fmt: skip
    """The typed per-patient table (see the module docstring)."""
    if "patient" not in table:
        raise IcarusError(f"{source}: no patient column")
    names = table["patient"].astype(str).str.strip()
    if (names == "").any():
        line = int(np.flatnonzero((names == "").to_numpy())[0]) + 2
        raise IcarusError(f"{source}: line {line} has no patient id")
    repeated = names[names.duplicated()]
    if len(repeated):
        raise IcarusError(f"{source}: patient {repeated.iloc[0]!r} has more than one row")
    table = table.assign(patient=names).reset_index(drop=True)
    out = pd.DataFrame({"patient": names.to_numpy()})
    if "best_response" in table:
        codes = []
        for name, value in zip(names, table["best_response"].astype(str), strict=True):
            code = response_code(value)
            if code is None:
                raise IcarusError(
                    f"{source}: patient {name!r}: best response {value!r} is not one of CR, "
                    "PR, SD, PD, NE (or RECIST's words)"
                )
            codes.append(code)
        out["best_response"] = codes
        if "confirmed" in table:
            flags = []
            for name, value in zip(names, table["confirmed"].astype(str), strict=True):
                parsed = flag(value) if value.strip() else True
                if parsed is None:
                    raise IcarusError(
                        f"{source}: patient {name!r}: confirmed {value!r} is not yes/no, 1/0 "
                        "or true/false"
                    )
                flags.append(parsed)
            out["confirmed"] = flags
        else:
            out["confirmed"] = True
        sd = _numbers(table, "sd_months", "sd_months", source) if "sd_months" in table else (
            pd.Series(np.nan, index=table.index))  # fmt: skip
        out["sd_months"] = sd.to_numpy()
    dated = [c for c in DATE_COLUMNS if c in table]
    if dated and "start_date" not in table and "pfs_months" not in table:
        raise IcarusError(
            f"{source}: date column(s) {', '.join(dated)} without a start_date column: PFS from "
            "dates needs the start of treatment"
        )
    if "start_date" in table and "pfs_months" not in table:
        months, events = pfs_from_dates(table, source, death_window_weeks)
        out["pfs_months"], out["pfs_event"] = months, events
    for prefix in ("pfs", "os", "dor"):
        if f"{prefix}_months" in table:
            if f"{prefix}_event" not in table:
                raise IcarusError(f"{source}: {prefix}_months needs a {prefix}_event column")
            time, event = _time_and_event(table, prefix, source)
            out[f"{prefix}_months"], out[f"{prefix}_event"] = time.to_numpy(), event.to_numpy()
    if "tumor_change_pct" in table:
        out["tumor_change_pct"] = _numbers(table, "tumor_change_pct", "tumor_change_pct",
                                           source).to_numpy()  # fmt: skip
    return out


def pfs_from_dates(table: pd.DataFrame, source: str, death_window_weeks: float
                   ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """PFS in months from dates: progression or death, whichever first; censored at the last
    progression-free assessment, but a death within ``death_window_weeks`` of it is an
    event (a death later than that is censored at the last assessment)."""
    dates = {}
    for column in DATE_COLUMNS:
        if column not in table:
            dates[column] = pd.Series(pd.NaT, index=table.index)
            continue
        text = table[column].astype(str).str.strip()
        blank = text.str.upper().isin(["", "NA", "NAN", "NAT", "."])
        parsed = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
        bad = parsed.isna() & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise IcarusError(
                f"{source}: patient {table['patient'].iloc[i]!r}: {column} {text.iloc[i]!r} is "
                "not a date (YYYY-MM-DD)"
            )
        dates[column] = parsed
    months = np.full(len(table), np.nan)
    events = np.full(len(table), np.nan)
    window = pd.Timedelta(weeks=death_window_weeks)
    for i in range(len(table)):
        name = table["patient"].iloc[i]
        start = dates["start_date"].iloc[i]
        progression = dates["progression_date"].iloc[i]
        death = dates["death_date"].iloc[i]
        last = dates["last_assessment_date"].iloc[i]
        if pd.isna(start):
            raise IcarusError(f"{source}: patient {name!r}: no start_date")
        for column, value in (("progression_date", progression), ("death_date", death),
                              ("last_assessment_date", last)):  # fmt: skip
            if not pd.isna(value) and value < start:
                raise IcarusError(
                    f"{source}: patient {name!r}: {column} {value.date()} is before start_date "
                    f"{start.date()}"
                )
        if not pd.isna(progression) and not pd.isna(last) and last > progression:
            last = progression  # assessments after progression do not extend PFS
        if not pd.isna(progression) and (pd.isna(death) or progression <= death):
            end, event = progression, 1
        elif not pd.isna(death) and (pd.isna(last) or death <= last + window):
            end, event = death, 1
        elif not pd.isna(last):
            end, event = last, 0
        else:
            raise IcarusError(
                f"{source}: patient {name!r}: no progression, death or last assessment date"
            )
        months[i] = (end - start).days / DAYS_PER_MONTH
        events[i] = event
    return months, events
