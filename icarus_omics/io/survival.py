"""Survival tables and fold files.

- the survival table: one row per sample, a sample column, a time (> 0) and an event
  (0 = censored, 1 = event); column names chosen by the caller;
- the fold file: column ``repeat``, then one column per sample holding fold ids 1..K (the
  layout of the anchor script's ``foldids.tsv``), read in the order of the samples used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import check_unique_samples, read_tsv


def read_survival(path: Path, sample: str = "sample", time: str = "time",
                  event: str = "event") -> pd.DataFrame:  # fmt: skip
    """``sample, time, event`` (str, float, int), checked: times positive numbers, events
    0 or 1, each sample once."""
    table = read_tsv(path, [sample, time, event], "survival table")
    # sample names as the expression header gives them: without surrounding blanks or quotes
    table[sample] = table[sample].str.strip().str.strip('"')
    check_unique_samples(table[sample], path)
    times = pd.to_numeric(table[time].str.strip(), errors="coerce")
    events = pd.to_numeric(table[event].str.strip(), errors="coerce")
    for index in range(len(table)):
        name = table[sample].iloc[index]
        line = index + 2
        if not np.isfinite(times.iloc[index]):
            raise IcarusError(
                f"{path}: line {line} (sample {name!r}): time {table[time].iloc[index]!r} is "
                "not a number; give every sample a follow-up time or leave it out"
            )
        if times.iloc[index] <= 0:
            raise IcarusError(
                f"{path}: line {line} (sample {name!r}): time {times.iloc[index]:g} is not "
                "positive; Cox models need times > 0"
            )
        if events.iloc[index] not in (0, 1):
            raise IcarusError(
                f"{path}: line {line} (sample {name!r}): event "
                f"{table[event].iloc[index]!r} is not 0 (censored) or 1 (event)"
            )
    return pd.DataFrame({
        "sample": table[sample].astype(str).to_numpy(),
        "time": times.to_numpy(dtype=np.float64),
        "event": events.to_numpy(dtype=np.int64),
    })  # fmt: skip


def read_folds(path: Path, samples: list[str]) -> np.ndarray:
    """Repeats x samples fold ids (1..K), columns taken in the order of ``samples``."""
    table = read_tsv(path, ["repeat"], "fold file")
    missing = [s for s in samples if s not in table.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise IcarusError(
            f"{path}: the fold file has no column for {len(missing)} sample(s) in the "
            f"analysis ({shown}); it must hold one column per sample"
        )
    if len(table) == 0:
        raise IcarusError(f"{path}: the fold file has no repeats")
    values = table[samples].apply(lambda c: pd.to_numeric(c.str.strip(), errors="coerce"))
    bad = values.isna() | (values < 1) | (values != values.round())
    if bad.any().any():
        column = bad.any().idxmax()
        row = int(bad[column].to_numpy().argmax())
        raise IcarusError(
            f"{path}: repeat {table['repeat'].iloc[row]}, sample {column}: fold id "
            f"{table[column].iloc[row]!r} is not a whole number >= 1"
        )
    folds = values.to_numpy(dtype=np.int64)
    for row in range(folds.shape[0]):
        if len(np.unique(folds[row])) < 2:
            raise IcarusError(
                f"{path}: repeat {table['repeat'].iloc[row]} puts every sample in one fold; "
                "cross-validation needs at least two"
            )
    return folds


def folds_table(folds: np.ndarray, samples: list[str]) -> pd.DataFrame:
    """The fold file's layout: ``repeat`` then one column per sample."""
    table = pd.DataFrame(folds, columns=samples)
    table.insert(0, "repeat", np.arange(1, folds.shape[0] + 1))
    return table
