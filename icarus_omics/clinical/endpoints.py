"""The trial's endpoints, for all patients and per group: ORR, CBR and DCR with exact
intervals; Kaplan-Meier medians and landmark rates of PFS, OS and DoR; the median
follow-up by reverse Kaplan-Meier. One row per endpoint and group, in the layout of
``endpoints.tsv``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.clinical.responses import classify, response_rates
from icarus_omics.survival.km import kaplan_meier, reverse_kaplan_meier

COLUMNS = ("endpoint", "group", "n", "events", "estimate", "ci_low", "ci_high", "ci_level",
           "method", "p_value")  # fmt: skip
TIME_ENDPOINTS = (("PFS", "pfs"), ("OS", "os"), ("DoR", "dor"))


@dataclass(frozen=True)
class Settings:
    level: float = 0.95
    orr_level: float | None = None
    cbr_months: float = 6.0
    null_orr: float | None = None
    ne_evaluable: bool = False
    landmarks: tuple[float, ...] = (6.0, 12.0)
    conf_type: str = "log-log"


def _row(endpoint: str, group: str, n: int, events: int, estimate: float, low: float,
         high: float, level: float, method: str,
         p: float = math.nan) -> dict[str, object]:  # fmt: skip
    return dict(zip(COLUMNS, (endpoint, group, n, events, estimate, low, high, level, method, p),
                    strict=True))  # fmt: skip


def endpoints(patients: pd.DataFrame, settings: Settings, group: str = "all") -> list[dict]:
    """Every endpoint the columns of ``patients`` allow, for one group of patients."""
    rows = []
    if "best_response" in patients:
        classes = classify(patients, settings.cbr_months)
        for r in response_rates(classes, settings.level, settings.null_orr,
                                settings.ne_evaluable, settings.orr_level):  # fmt: skip
            rows.append(_row(r.endpoint, group, r.n, r.k, r.estimate, r.low, r.high, r.level,
                             r.method, r.p_value))  # fmt: skip
    for name, prefix in TIME_ENDPOINTS:
        if f"{prefix}_months" not in patients:
            continue
        known = patients[f"{prefix}_months"].notna().to_numpy()
        time = patients[f"{prefix}_months"].to_numpy(dtype=float)[known]
        event = patients[f"{prefix}_event"].to_numpy(dtype=float)[known]
        rows.extend(_time_rows(name, group, time, event, settings))
    follow = next((p for p in ("os", "pfs") if f"{p}_months" in patients), None)
    if follow is not None:
        known = patients[f"{follow}_months"].notna().to_numpy()
        time = patients[f"{follow}_months"].to_numpy(dtype=float)[known]
        event = patients[f"{follow}_event"].to_numpy(dtype=float)[known]
        if len(time):
            reverse = reverse_kaplan_meier(time, event, conf_level=settings.level,
                                           conf_type=settings.conf_type)  # fmt: skip
            median, low, high = reverse.quantile(0.5)
            rows.append(_row("follow-up median", group, len(time), int((event == 0).sum()),
                             median, low, high, settings.level,
                             f"reverse Kaplan-Meier on {follow.upper()} (months), "
                             f"{settings.conf_type} CI"))  # fmt: skip
    return rows


def _time_rows(name: str, group: str, time: np.ndarray, event: np.ndarray,
               settings: Settings) -> list[dict]:  # fmt: skip
    if len(time) == 0:
        return []
    km = kaplan_meier(time, event, conf_level=settings.level, conf_type=settings.conf_type)
    n, events = len(time), int(event.sum())
    method = f"Kaplan-Meier (months), {settings.conf_type} CI"
    median, low, high = km.quantile(0.5)
    rows = [_row(f"{name} median", group, n, events, median, low, high, settings.level, method)]
    if settings.landmarks:
        surv, lower, upper, _ = km.at(np.array(settings.landmarks, dtype=float))
        for t, s, lo, hi in zip(settings.landmarks, surv, lower, upper, strict=True):
            rows.append(_row(f"{name} at {t:g} months", group, n, events, float(s), float(lo),
                             float(hi), settings.level, method))  # fmt: skip
    return rows


def endpoint_table(patients: pd.DataFrame, settings: Settings,
                   by: dict[str, pd.Series] | None = None) -> pd.DataFrame:  # fmt: skip
    """All patients, then each level of each ``by`` marker (``group`` = ``marker=level``)."""
    rows = endpoints(patients, settings)
    for marker, raw in (by or {}).items():
        values = grouping(raw)
        for level in levels(values):
            members = (values == level).to_numpy()
            rows.extend(endpoints(patients[members], settings, f"{marker}={level}"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def levels(values: pd.Series) -> list[str]:
    """Distinct non-missing values in R's factor order (numbers numerically, then text)."""
    present = [v for v in pd.unique(values.dropna()) if str(v) != ""]

    def key(v: object) -> tuple[int, float, str]:
        try:
            return (0, float(str(v)), "")
        except ValueError:
            return (1, 0.0, str(v))

    return [str(v) for v in sorted(present, key=key)]


def grouping(values: pd.Series) -> pd.Series:
    """The groups a marker splits patients into: its levels, or for a continuous marker
    (see :func:`icarus_omics.clinical.associations.kind_of`) the halves at its median."""
    from icarus_omics.clinical.associations import kind_of

    if kind_of(values) == "categorical":
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    median = float(numbers.median())
    labels = np.where(numbers > median, f"> {median:g}", f"<= {median:g}")
    return pd.Series(labels, index=values.index, dtype=object).where(numbers.notna())
