"""The two sides of an evaluation: numeric scores per patient and the outcome they should
predict (response, or progression-free survival), matched patient by patient.

The outcome comes from the clinical table as :mod:`icarus_omics.clinical.patients` types it:
``response`` is 1 for a best response among ``positive`` (CR, PR by default; unconfirmed
responses count unless ``confirmed`` says no), 0 otherwise, NE left out unless
``ne_evaluable``; ``pfs`` is ``pfs_months`` with ``pfs_event``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError

RESPONSES = ("CR", "PR", "SD", "PD", "NE")


@dataclass(frozen=True)
class Matched:
    """Scores (index patient, one float column per score) and the outcome on the same
    patients, in the scores' order; the patients of either side left out."""

    scores: pd.DataFrame
    outcome: pd.DataFrame  # response: column y (0/1); pfs: columns time, event
    scores_only: tuple[str, ...]
    outcome_only: tuple[str, ...]


def score_columns(table: pd.DataFrame, wanted: list[str], source: str) -> pd.DataFrame:
    """The score columns as floats (index: the table's index). ``wanted`` empty: every
    column whose non-empty cells are all numbers. A wanted column that is missing or not
    numeric, or no numeric column at all, is an error."""
    numeric = {}
    for column in table.columns:
        text = table[column].astype(str).str.strip()
        blank = text.str.upper().isin(["", "NA", "NAN", "."])
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        if (values.notna() | blank).all() and values.notna().any():
            numeric[column] = values.astype(float)
    for column in wanted:
        if column not in table.columns:
            raise IcarusError(f"{source}: no score column {column!r} (columns: "
                              f"{', '.join(map(str, table.columns))})")  # fmt: skip
        if column not in numeric:
            raise IcarusError(f"{source}: score {column!r} is not numeric")
    chosen = wanted or list(numeric)
    if not chosen:
        raise IcarusError(f"{source}: no numeric score column")
    scores = pd.DataFrame({c: numeric[c] for c in chosen}, index=table.index)
    for column in chosen:
        if np.isinf(scores[column]).any():
            raise IcarusError(f"{source}: score {column!r} has an infinite value")
    return scores


def response_outcome(patients: pd.DataFrame, positive: tuple[str, ...] = ("CR", "PR"),
                     ne_evaluable: bool = False) -> pd.DataFrame:  # fmt: skip
    """Column ``y`` (1 for a best response in ``positive``, confirmed where the table says),
    index patient; NE patients dropped unless ``ne_evaluable`` (then 0)."""
    if "best_response" not in patients:
        raise IcarusError("the clinical table has no best_response column (--outcome response)")
    unknown = [p for p in positive if p not in RESPONSES]
    if unknown:
        raise IcarusError(f"--positive {','.join(unknown)}: not among {', '.join(RESPONSES)}")
    best = patients["best_response"].astype(str)
    confirmed = patients["confirmed"].astype(bool) if "confirmed" in patients else True
    y = (best.isin(positive) & (confirmed | ~best.isin(["CR", "PR"]))).astype(int)
    keep = np.ones(len(best), dtype=bool) if ne_evaluable else (best != "NE").to_numpy()
    if not keep.any():
        raise IcarusError("no evaluable patient: every best response is NE (--ne-evaluable "
                          "counts NE as non-response)")  # fmt: skip
    return pd.DataFrame({"y": y.to_numpy()[keep]}, index=pd.Index(
        patients["patient"].to_numpy()[keep], name="patient"))  # fmt: skip


def pfs_outcome(patients: pd.DataFrame) -> pd.DataFrame:
    """Columns ``time`` (months) and ``event`` (0/1), index patient; patients without PFS
    dropped."""
    if "pfs_months" not in patients or "pfs_event" not in patients:
        raise IcarusError("the clinical table has no pfs_months and pfs_event (or dates) "
                          "(--outcome pfs)")  # fmt: skip
    index = pd.Index(patients["patient"].to_numpy(), name="patient")
    time = patients["pfs_months"].to_numpy(dtype=float)
    event = patients["pfs_event"].to_numpy(dtype=float)
    table = pd.DataFrame({"time": time, "event": event}, index=index).dropna()
    if table.empty:
        raise IcarusError("no patient has pfs_months and pfs_event (--outcome pfs)")
    return table


def match(scores: pd.DataFrame, outcome: pd.DataFrame, source: str) -> Matched:
    """Patients present on both sides (scores' order). None in common is an error that
    shows an id of each side, so that a sample-vs-patient mix-up is plain."""
    ids = scores.index.astype(str)
    common = ids.isin(outcome.index.astype(str))
    if not common.any():
        raise IcarusError(
            f"{source}: no patient matches the clinical table (scores e.g. {ids[0]!r}, "
            f"clinical e.g. {str(outcome.index[0])!r}); check --id"
        )
    kept = scores[common]
    kept.index = ids[common]
    aligned = outcome.set_axis(outcome.index.astype(str)).loc[kept.index]
    outcome_only = tuple(sorted(set(outcome.index.astype(str)) - set(kept.index)))
    return Matched(kept, aligned, tuple(ids[~common]), outcome_only)


def usable(values: np.ndarray, name: str, outcome: np.ndarray | None = None) -> np.ndarray:
    """Rows with a score (NaN dropped); a score with no variation, or with one outcome
    class left, is an error naming it."""
    rows = np.isfinite(values)
    if len(np.unique(values[rows])) < 2:
        raise IcarusError(f"score {name!r} has no variation over the matched patients")
    if outcome is not None and len(np.unique(outcome[rows])) < 2:
        raise IcarusError(f"score {name!r}: the patients with this score all have the same "
                          "outcome (one class); nothing to discriminate")  # fmt: skip
    return rows


def covariate_table(raw: pd.DataFrame, names: list[str], patients: pd.Index,
                    source: str) -> pd.DataFrame:  # fmt: skip
    """Adjustment covariates of ``patients`` (rows, in order) from the clinical table as
    read (text): a numeric column stays one column, any other becomes indicator columns
    ``NAME=LEVEL`` against its first level in sorted order (R's treatment contrasts).
    Missing values stay NaN (those patients are left out of the adjusted fits)."""
    missing = [n for n in names if n not in raw.columns]
    if missing:
        raise IcarusError(f"{source}: no column {', '.join(missing)} for --adjust")
    table = raw.assign(patient=raw["patient"].astype(str).str.strip()).set_index("patient")
    columns: dict[str, pd.Series] = {}
    for name in names:
        text = table[name].astype(str).str.strip().reindex(patients.astype(str))
        blank = text.isna() | text.str.upper().isin(["", "NA", "NAN", "."])
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        if (values.notna() | blank).all():
            columns[name] = values.astype(float)
            continue
        levels = sorted(text[~blank].unique())
        if len(levels) < 2:
            raise IcarusError(f"{source}: --adjust {name}: one level only ({levels[0]!r})")
        for level in levels[1:]:
            columns[f"{name}={level}"] = (text == level).astype(float).where(~blank)
    return pd.DataFrame(columns, index=patients)
