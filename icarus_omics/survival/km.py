"""Kaplan-Meier curves and the log-rank test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate at each distinct time with an event or a censoring."""

    time: np.ndarray
    survival: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray

    def at_risk(self, times: np.ndarray, all_times: np.ndarray) -> np.ndarray:
        """Numbers still at risk at each of ``times`` (time >= t) among ``all_times``."""
        return (all_times[None, :] >= np.asarray(times)[:, None]).sum(axis=1)

    def median(self) -> float:
        """The first time at which survival is at or below 0.5 (NaN if never)."""
        below = np.flatnonzero(self.survival <= 0.5 + 1e-12)
        return float(self.time[below[0]]) if len(below) else float("nan")


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> KaplanMeier:
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event) > 0
    times = np.unique(time)
    n_risk = (time[None, :] >= times[:, None]).sum(axis=1)
    n_event = np.array([(event & (time == t)).sum() for t in times])
    n_censor = np.array([(~event & (time == t)).sum() for t in times])
    survival = np.cumprod(1 - n_event / n_risk)
    return KaplanMeier(times, survival, n_risk, n_event, n_censor)


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """The log-rank chi-square and its p-value across the groups (statsmodels survdiff)."""
    from statsmodels.duration.survfunc import survdiff

    labels = np.asarray(group)
    if len(np.unique(labels)) < 2:
        return float("nan"), float("nan")
    chi2, p = survdiff(np.asarray(time, dtype=np.float64), np.asarray(event, dtype=np.float64),
                       labels)  # fmt: skip
    return float(chi2), float(p)
