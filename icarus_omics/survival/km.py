"""Kaplan-Meier curves with R's pointwise confidence limits, quantiles and landmark rates,
the reverse Kaplan-Meier curve for median follow-up, and the log-rank test.

Every number is the one R's ``survival`` package (3.5) gives:

- :func:`kaplan_meier` is ``survfit(Surv(time, event) ~ 1, conf.type=, conf.int=)``,
  including ``survfit``'s merging of times that differ by rounding error (``aeqSurv``)
  and its confidence limits (``survfit_confint``);
- :meth:`KaplanMeier.quantile` is ``quantile.survfit`` (its helpers ``doquant`` and
  ``findq``);
- :meth:`KaplanMeier.at` is ``summary(fit, times =, extend = TRUE)`` (through ``survfit0``);
- :func:`reverse_kaplan_meier` is ``survfit(Surv(time, 1 - event) ~ 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from icarus_omics.errors import IcarusError

CONF_TYPES = ("log-log", "log", "plain")
# R's default tolerance for tied times (aeqSurv) and for quantiles (quantile.survfit)
TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate at each distinct time with an event or a censoring, as ``survfit``.

    Attributes
    ----------
    time : distinct times, increasing (events and censorings).
    survival : the Kaplan-Meier estimate S(t) just after each time.
    n_risk, n_event, n_censor : numbers at risk (time >= t), with the event and censored at
        each time.
    std_err : R's ``std.err``: the Greenwood standard error of log S(t) (equally of the
        cumulative hazard -log S), not of S itself; ``inf`` where S reaches 0.
    lower, upper : pointwise confidence limits of S(t); NaN where R gives NA or NaN (S = 0
        for every type, and S = 1 for ``"log-log"``).
    conf_level : the two-sided confidence level, e.g. 0.95.
    conf_type : ``"log-log"``, ``"log"`` or ``"plain"`` (R's ``conf.type``).
    """

    time: np.ndarray
    survival: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_level: float
    conf_type: str

    def at_risk(self, times: np.ndarray, all_times: np.ndarray) -> np.ndarray:
        """Numbers still at risk at each of ``times`` (time >= t) among ``all_times``."""
        return (all_times[None, :] >= np.asarray(times)[:, None]).sum(axis=1)

    def median(self) -> float:
        """The median survival time as ``quantile.survfit`` gives it (NaN if not reached)."""
        return self.quantile(0.5)[0]

    def quantile(self, q: float = 0.5) -> tuple[float, float, float]:
        """The time by which a fraction ``q`` has had the event, with its confidence limits.

        R's ``quantile(fit, probs = q)``: the first time the curve is at or below ``1 - q``;
        where the curve equals ``1 - q`` (within ``sqrt(.Machine$double.eps)``) over a flat
        stretch, the midpoint of that stretch (to the next drop, or to the last time if the
        curve ends flat); the limits are the same times for the ``lower`` and ``upper``
        pointwise curves (Brookmeyer-Crowley by inversion).

        Parameters
        ----------
        q : probability of the event, 0 <= q <= 1 (0.5 for the median).

        Returns
        -------
        (estimate, lower, upper), in the units of ``time``; NaN where a curve never reaches
        ``1 - q``. Note that ``print(fit)`` (``survmean``) uses a different rule when the
        curve ends flat exactly at 0.5: it reports the start of that stretch.
        """
        if not 0.0 <= q <= 1.0:
            raise IcarusError(f"quantile: q must be between 0 and 1, got {q}")
        x = np.concatenate([[0.0], self.time])  # R's xmin: 0 unless start.time is given
        estimate, lower, upper = (
            _find_quantile(x, np.concatenate([[0.0], 1.0 - curve]), q)
            for curve in (self.survival, self.lower, self.upper)
        )
        return estimate, lower, upper

    def at(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Survival with its confidence limits, and numbers at risk, at landmark ``times``.

        R's ``summary(fit, times = times, extend = TRUE)``: the values of the last time at
        or before each landmark; before the first time, those of the row ``survfit0`` adds
        at time 0 (S = 1 and limits 1, though ``"log-log"`` limits are NaN at later times
        where S is still 1); the number at risk is the number with time >= landmark, 0
        beyond the last time, where survival and its limits stay at their last values.

        Parameters
        ----------
        times : landmark times, in any order (R sorts them; here they keep their order).

        Returns
        -------
        survival, lower, upper, n_risk : one value per landmark; NaN for a NaN landmark
        and the last values for an infinite one (R leaves non-finite times out).
        """
        landmarks = np.asarray(times, dtype=np.float64).ravel()
        start = min(0.0, float(self.time[0]))
        grid, columns = self.time, [self.survival, self.lower, self.upper, self.n_risk]
        if self.time[0] != start:  # survfit0 adds a row at time 0 (S = 1, limits 1)
            grid = np.concatenate([[start], self.time])
            first = (1.0, 1.0, 1.0, self.n_risk[0])
            columns = [np.concatenate([[v], c]) for v, c in zip(first, columns, strict=True)]
        row = np.maximum(np.searchsorted(grid, landmarks, side="right") - 1, 0)
        after = np.searchsorted(grid, landmarks, side="left")
        surv, lower, upper = (c[row].astype(np.float64) for c in columns[:3])
        n_risk = np.concatenate([columns[3], [0]])[after].astype(np.float64)
        missing = np.isnan(landmarks)
        for values in (surv, lower, upper, n_risk):
            values[missing] = np.nan
        return surv, lower, upper, n_risk


def kaplan_meier(
    time: np.ndarray,
    event: np.ndarray,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> KaplanMeier:
    """Fit the Kaplan-Meier curve with Greenwood standard errors and pointwise limits.

    Equal to R's ``survfit(Surv(time, event) ~ 1, conf.int = conf_level,
    conf.type = conf_type)``. Times closer than R's tolerance (``sqrt(eps)`` absolutely or
    relative to the mean absolute time) are merged first, as ``survfit``'s ``timefix``.

    Parameters
    ----------
    time : follow-up times, one per patient (any unit; finite).
    event : 1 (or True) where the event was observed at ``time``, 0 where censored.
    conf_level : two-sided level of the pointwise limits, between 0 and 1.
    conf_type : ``"log-log"`` (the default here, as SAS and most trial reports),
        ``"log"`` (R's default) or ``"plain"`` (clipped to [0, 1] as R does).

    Returns
    -------
    KaplanMeier, one entry per distinct time.
    """
    time, observed = _checked(time, event)
    if conf_type not in CONF_TYPES:
        raise IcarusError(f"conf_type must be one of {', '.join(CONF_TYPES)}, got {conf_type!r}")
    if not 0.0 < conf_level < 1.0:
        raise IcarusError(f"conf_level must be between 0 and 1, got {conf_level}")
    times, index = np.unique(merge_near_ties(time), return_inverse=True)
    n_total = np.bincount(index, minlength=len(times))
    n_event = np.bincount(index, weights=observed, minlength=len(times)).astype(np.int64)
    n_risk = n_total[::-1].cumsum()[::-1]
    survival = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore"):  # n_risk == n_event: S reaches 0, R's std.err is Inf
        greenwood = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(greenwood))
    lower, upper = _confidence_limits(survival, std_err, conf_level, conf_type)
    return KaplanMeier(times, survival, n_risk, n_event, n_total - n_event, std_err, lower,
                       upper, conf_level, conf_type)  # fmt: skip


def reverse_kaplan_meier(
    time: np.ndarray,
    event: np.ndarray,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> KaplanMeier:
    """Fit the reverse Kaplan-Meier curve, censoring as the event, for median follow-up.

    R's ``survfit(Surv(time, 1 - event) ~ 1)``: its ``quantile(0.5)`` is the median
    follow-up with its confidence limits (Schemper & Smith 1996), which unlike the median
    of all times does not count an early death as short follow-up.

    Parameters
    ----------
    time, event, conf_level, conf_type : as :func:`kaplan_meier`; ``event`` is still 1
        where the event (e.g. death) was observed.
    """
    time, observed = _checked(time, event)
    return kaplan_meier(time, 1.0 - observed, conf_level, conf_type)


def _checked(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times as floats and events as 0.0/1.0, or an IcarusError naming the problem."""
    time = np.asarray(time, dtype=np.float64).ravel()
    observed = np.asarray(event, dtype=np.float64).ravel()
    if len(time) != len(observed):
        raise IcarusError(f"Kaplan-Meier: {len(time)} times but {len(observed)} event flags")
    if len(time) == 0:
        raise IcarusError("Kaplan-Meier: no patients with a known time")
    if not np.isfinite(time).all():
        raise IcarusError("Kaplan-Meier: times must be finite; drop patients without a time")
    if not np.isin(observed, (0.0, 1.0)).all():
        raise IcarusError("Kaplan-Meier: event flags must be 0 (censored) or 1 (event)")
    return time, observed


def merge_near_ties(time: np.ndarray) -> np.ndarray:
    """R's ``aeqSurv``: times within the tolerance of the previous distinct time (absolutely
    or relative to the mean absolute time) take the first time of their run, so that
    rounding error (e.g. days / 30.4375) does not split a tie."""
    distinct = np.unique(time)
    if len(distinct) < 2:
        return time
    gap = np.diff(distinct)
    tied = (gap <= TOLERANCE) | (gap / np.mean(np.abs(distinct)) <= TOLERANCE)
    if not tied.any():
        return time
    cuts = distinct[np.concatenate([[True], ~tied])]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def _confidence_limits(
    survival: np.ndarray, std_err: np.ndarray, conf_level: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """R's ``survfit_confint`` for a standard error of log S (``logse = TRUE``) and the usual
    lower limit (``conf.lower = "usual"``); NaN stands for R's NA and NaN."""
    z = float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":  # Inf * 0 is NaN where S = 0, as in R
            half = std_err * survival * z
            return np.maximum(survival - half, 0.0), np.minimum(survival + half, 1.0)
        if conf_type == "log":
            s = np.where(survival == 0, np.nan, survival)
            half = z * std_err
            return np.exp(np.log(s) - half), np.minimum(np.exp(np.log(s) + half), 1.0)
        s = np.where((survival == 0) | (survival == 1), np.nan, survival)
        half = z * std_err / np.log(s)
        loglog = np.log(-np.log(s))
        return np.exp(-np.exp(loglog - half)), np.exp(-np.exp(loglog + half))


def _find_quantile(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R's ``findq``: the time at which ``y`` (a cumulative probability, 1 - a curve, with a
    leading 0 at ``x[0]``) first reaches ``p``, with the midpoint rule over flat stretches.

    The two look-ups are ``approx(y ± tol, seq_along(y), p, method = "constant", f = 1)``:
    after dropping repeated and missing values, the first point at or above ``p`` when the
    values are shifted up (``indx1``) and down (``indx2``) by the tolerance.
    """
    if np.nanmax(y) < p:
        return float("nan")
    last_time = float(x[-1])
    first = np.sort(np.unique(y, return_index=True)[1])  # drop repeats, keep the first
    x, y = x[first], y[first]
    reached = _first_at_or_above(y + TOLERANCE, p)  # at p, within the tolerance
    passed = _first_at_or_above(y - TOLERANCE, p)  # clearly beyond p: the next drop
    start = float(x[reached]) if reached >= 0 else float("nan")
    quantile = (start + float(x[passed])) / 2 if passed >= 0 else float("nan")
    if p == 0:
        quantile = float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < TOLERANCE:  # flat at p to the last time
        quantile = (start + last_time) / 2
    return quantile


def _first_at_or_above(knots: np.ndarray, p: float) -> int:
    """R's ``approx(knots, seq_along(knots), p, method = "constant", f = 1)`` less one:
    the index of the first knot (in sorted order, missing knots dropped) at or above ``p``,
    or -1 where ``p`` lies outside the knots (``rule = 1`` gives NA)."""
    present = np.flatnonzero(~np.isnan(knots))
    present = present[np.argsort(knots[present], kind="stable")]
    values = knots[present]
    if len(values) == 0 or p < values[0] or p > values[-1]:
        return -1
    return int(present[np.searchsorted(values, p, side="left")])


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """The log-rank chi-square and its p-value across the groups (statsmodels survdiff)."""
    from statsmodels.duration.survfunc import survdiff

    labels = np.asarray(group)
    if len(np.unique(labels)) < 2:
        return float("nan"), float("nan")
    chi2, p = survdiff(np.asarray(time, dtype=np.float64), np.asarray(event, dtype=np.float64),
                       labels)  # fmt: skip
    return float(chi2), float(p)
