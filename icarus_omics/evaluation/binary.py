"""Discrimination of a continuous score for a binary outcome (1 = case, e.g. response).

The direction is fixed: a higher score means a patient more likely to be a case, as pROC's
``direction = "<"`` (controls < cases). A score that works the other way gets an AUC below
0.5; negate it first rather than let the function flip it, which biases the AUC upwards.

- :func:`roc_auc`: AUC with DeLong's interval (pROC ``ci.auc(method = "delong")``) and the
  DeLong z test of AUC = 0.5; :func:`delong_test`: two paired scores (pROC ``roc.test``).
  DeLong's placements come from midranks (Sun & Xu, IEEE Signal Process Lett 2014).
- :func:`average_precision` (as scikit-learn's ``average_precision_score``) and
  :func:`bootstrap_ci`: percentile limits over resamples of cases and of controls drawn
  separately, as pROC's stratified bootstrap; statistics take many resamples at once.
- :func:`youden_threshold`, :func:`threshold_metrics`: the cut-off and its 2x2 table.
- :func:`roc_points`, :func:`pr_points`, :func:`roc_band`: what the figures draw.

Inputs are one-dimensional: ``score`` (floats) and ``y`` (0/1), one entry per patient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.metrics import Metric

# A statistic of many resamples at once: (scores, labels), both resamples x patients, to
# one value per resample (see auc_rows, average_precision_rows).
RowStatistic = Callable[[np.ndarray, np.ndarray], np.ndarray]
# ROC band grid, k / 100 so that 0.07 is the double nearest 0.07 (as R's (0:100) / 100)
SPECIFICITY_GRID: tuple[float, ...] = tuple(k / 100 for k in range(101))


class DeLongTest(NamedTuple):
    """DeLong's test of two correlated AUCs (same patients): ``difference`` = auc1 - auc2,
    its z, two-sided p and confidence limits."""

    auc1: float
    auc2: float
    difference: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float


class RocPoints(NamedTuple):
    """The empirical ROC curve at pROC's thresholds, ascending from -inf to +inf."""

    threshold: np.ndarray
    sensitivity: np.ndarray
    specificity: np.ndarray


class RocBand(NamedTuple):
    """Bootstrap limits (and median) of the sensitivity at each ``specificity``."""

    specificity: np.ndarray
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray
    level: float


class PrPoints(NamedTuple):
    """The precision-recall curve as scikit-learn's ``precision_recall_curve`` gives it
    (thresholds ascending; the last point is recall 0, precision 1) and the prevalence."""

    threshold: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    prevalence: float


class Youden(NamedTuple):
    """The threshold maximising sensitivity + specificity - 1; ``tied``: every threshold
    reaching that maximum, ascending (pROC returns them all; ``threshold`` is the first)."""

    threshold: float
    sensitivity: float
    specificity: float
    tied: tuple[float, ...]


def _checked(score: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``score`` as floats and ``y`` as 0/1 integers, after the checks every function needs."""
    values = np.asarray(score, dtype=np.float64)
    labels = np.asarray(y, dtype=np.float64)
    if values.ndim != 1 or values.shape != labels.shape:
        raise IcarusError(f"score and outcome differ in shape: {values.shape} and {labels.shape}")
    if not np.isfinite(values).all():
        raise IcarusError(f"score has {int((~np.isfinite(values)).sum())} missing or infinite "
                          "values; drop those patients first")  # fmt: skip
    if np.isnan(labels).any() or not np.isin(labels, (0.0, 1.0)).all():
        raise IcarusError("outcome has values other than 0 and 1 (missing ones included)")
    if len(np.unique(labels)) < 2:
        only = "none" if len(labels) == 0 else f"all {int(labels[0])}"
        raise IcarusError(f"outcome has one class only ({only}): discrimination needs cases "
                          "and controls")  # fmt: skip
    if np.ptp(values) == 0:
        raise IcarusError(f"score has no variation (every value is {values[0]:g})")
    return values, labels.astype(np.int64)


Placements = tuple[np.ndarray, np.ndarray]  # DeLong's, of the cases and of the controls


def _placements(score: np.ndarray, y: np.ndarray) -> tuple[float, Placements]:
    """The AUC and DeLong's placements: for each case the fraction of controls below it, for
    each control the fraction of cases above it (ties count one half), from midranks."""
    pooled = stats.rankdata(score)
    cases, controls = y == 1, y == 0
    n_cases, n_controls = int(cases.sum()), int(controls.sum())
    case_places = (pooled[cases] - stats.rankdata(score[cases])) / n_controls
    control_places = 1.0 - (pooled[controls] - stats.rankdata(score[controls])) / n_cases
    return float(case_places.mean()), (case_places, control_places)


def _delong_variance(first: Placements, second: Placements) -> float:
    """DeLong's covariance of two AUCs from their (case, control) placements; with the
    same placements twice, the variance of one AUC (as pROC, denominators m - 1, n - 1)."""
    total = 0.0
    for mine, theirs in zip(first, second, strict=True):
        if len(mine) < 2:
            return math.nan  # pROC: no interval with a single case or control
        products = (mine - mine.mean()) * (theirs - theirs.mean())
        total += float(products.sum()) / (len(mine) - 1) / len(mine)
    return total


def roc_auc(score: ArrayLike, y: ArrayLike, level: float = 0.95) -> Metric:
    """The ROC AUC of ``score`` for ``y`` = 1, with DeLong's ``level`` interval and p.

    Equals pROC ``ci.auc(roc(y, score, levels = c(0, 1), direction = "<"), method =
    "delong")``: the interval is AUC -/+ z * sd, clipped to [0, 1]. ``p_value`` is two-sided
    for AUC = 0.5 by DeLong's z; NaN when the variance is 0 (complete separation) and, with
    the interval, when a class has one patient.
    """
    values, labels = _checked(score, y)
    auc, places = _placements(values, labels)
    sd = math.sqrt(_delong_variance(places, places))
    low, high, p_value = math.nan, math.nan, math.nan
    if math.isfinite(sd):
        z = float(stats.norm.ppf(1 - (1 - level) / 2))
        low, high = max(auc - z * sd, 0.0), min(auc + z * sd, 1.0)  # clipped, as pROC
    if sd > 0:
        p_value = float(2 * stats.norm.sf(abs(auc - 0.5) / sd))
    method = (f"DeLong {100 * level:g}% CI (pROC); higher score = case; "
              "p: DeLong z for AUC = 0.5")  # fmt: skip
    return Metric("auc", auc, low, high, p_value, method)


def delong_test(score1: ArrayLike, score2: ArrayLike, y: ArrayLike,
                level: float = 0.95) -> DeLongTest:  # fmt: skip
    """DeLong's test of two scores' AUCs on the same patients, as pROC ``roc.test(roc1,
    roc2, method = "delong", paired = TRUE)`` (both curves ``direction = "<"``).

    z = (auc1 - auc2) / sd, p two-sided, the interval difference -/+ z * sd (not clipped).
    Equal AUCs with sd 0 give z = 0 and p = 1, as pROC.
    """
    first, labels = _checked(score1, y)
    second, _ = _checked(score2, y)
    (auc1, one), (auc2, two) = _placements(first, labels), _placements(second, labels)
    variance = (_delong_variance(one, one) + _delong_variance(two, two)
                - 2 * _delong_variance(one, two))  # fmt: skip
    difference = auc1 - auc2
    sd = math.sqrt(max(variance, 0.0)) if math.isfinite(variance) else math.nan
    if sd > 0:
        z = difference / sd
    elif sd == 0:
        z = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    else:
        z = math.nan
    p_value = float(2 * stats.norm.sf(abs(z)))
    half = float(stats.norm.ppf(1 - (1 - level) / 2)) * sd
    return DeLongTest(auc1, auc2, difference, z, p_value, difference - half, difference + half)


def auc_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The AUC of each row (Mann-Whitney from midranks); a :data:`RowStatistic`."""
    ranks = stats.rankdata(scores, axis=1)
    cases = labels.sum(axis=1)
    controls = labels.shape[1] - cases
    u = (ranks * labels).sum(axis=1) - cases * (cases + 1) / 2
    return np.asarray(u / (cases * controls), dtype=np.float64)


def _tie_ends(ordered: np.ndarray) -> np.ndarray:
    """For each position of rows sorted along axis 1, the last position of its tie group."""
    width = ordered.shape[1]
    is_end = np.ones(ordered.shape, dtype=bool)
    is_end[:, :-1] = ordered[:, :-1] != ordered[:, 1:]
    ends = np.where(is_end, np.arange(width), width - 1)
    return np.asarray(np.minimum.accumulate(ends[:, ::-1], axis=1)[:, ::-1])


def average_precision_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The average precision of each row; a :data:`RowStatistic`.

    AP = sum over thresholds of (recall gained) x precision, thresholds at the distinct
    scores as scikit-learn: each case contributes the precision at the lowest threshold
    that still calls it positive, i.e. counting every patient tied with it.
    """
    order = np.argsort(-scores, axis=1, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=1)
    hits = np.take_along_axis(labels, order, axis=1).astype(np.float64)
    ends = _tie_ends(ordered)
    precision = np.cumsum(hits, axis=1) / np.arange(1, scores.shape[1] + 1)
    at_end = np.take_along_axis(precision, ends, axis=1)
    return np.asarray((hits * at_end).sum(axis=1) / hits.sum(axis=1))


def average_precision(score: ArrayLike, y: ArrayLike) -> float:
    """Average precision of ``score`` for ``y`` = 1, equal to scikit-learn's
    ``average_precision_score(y, score)`` (ties handled the same way)."""
    values, labels = _checked(score, y)
    return float(average_precision_rows(values[None, :], labels[None, :])[0])


def stratified_resamples(y: ArrayLike, n: int = 2000, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` bootstrap resamples (rows), controls then cases, each class drawn
    with replacement from itself: every row keeps the class counts (pROC's stratified
    bootstrap). ``np.random.default_rng(seed)``."""
    labels = np.asarray(y)
    controls, cases = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
    rng = np.random.default_rng(seed)
    drawn_controls = controls[rng.integers(0, len(controls), size=(n, len(controls)))]
    drawn_cases = cases[rng.integers(0, len(cases), size=(n, len(cases)))]
    return np.hstack([drawn_controls, drawn_cases])


def bootstrap_ci(statistic: RowStatistic, score: ArrayLike, y: ArrayLike, n: int = 2000,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float]:  # fmt: skip
    """Percentile ``level`` limits of ``statistic`` over ``n`` stratified resamples.

    ``statistic`` maps (scores, labels), resamples x patients, to one value per resample:
    :func:`average_precision_rows`, :func:`auc_rows`, or any function of one sample
    applied row by row. Resamples giving NaN are left out (as pROC); the quantiles are R's
    type 7, as pROC's.
    """
    values, labels = _checked(score, y)
    rows = stratified_resamples(labels, n, seed)
    estimates = np.asarray(statistic(values[rows], labels[rows]), dtype=np.float64)
    estimates = estimates[np.isfinite(estimates)]
    if len(estimates) == 0:
        return math.nan, math.nan
    low, high = np.quantile(estimates, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _proc_thresholds(values: np.ndarray) -> np.ndarray:
    """pROC's thresholds: -inf, the midpoints between consecutive distinct values, +inf; a
    midpoint that rounds onto the lower value moves to the upper one (direction "<")."""
    distinct = np.unique(values)
    lower, upper = np.r_[-np.inf, distinct], np.r_[distinct, np.inf]
    with np.errstate(invalid="ignore", over="ignore"):
        middle = (lower + upper) / 2
        halves = lower / 2 + upper / 2
    middle = np.where(np.abs(middle) > 1e100, halves, middle)
    return np.where((middle == lower) & np.isfinite(lower), upper, middle)


def roc_points(score: ArrayLike, y: ArrayLike) -> RocPoints:
    """Sensitivity and specificity at pROC's thresholds (positive: score >= threshold),
    ascending, so specificity rises from 0 to 1; computed as pROC (counts / class size)."""
    values, labels = _checked(score, y)
    thresholds = _proc_thresholds(values)
    cases, controls = np.sort(values[labels == 1]), np.sort(values[labels == 0])
    true_positive = len(cases) - np.searchsorted(cases, thresholds, side="left")
    true_negative = np.searchsorted(controls, thresholds, side="left")
    return RocPoints(thresholds, true_positive / len(cases), true_negative / len(controls))


def youden_threshold(score: ArrayLike, y: ArrayLike) -> Youden:
    """The threshold maximising Youden's J, as pROC ``coords(roc, "best", best.method =
    "youden")``: among :func:`roc_points`, those where sensitivity + specificity equals its
    maximum (exactly, as pROC compares). On ties the lowest threshold (most sensitive) is
    kept and all are listed in ``tied``. A score no better than chance gives -inf.
    Optimistic when judged on the data that chose it."""
    points = roc_points(score, y)
    youden = points.sensitivity + points.specificity
    best = np.flatnonzero(youden == youden.max())
    first = best[0]
    return Youden(float(points.threshold[first]), float(points.sensitivity[first]),
                  float(points.specificity[first]),
                  tuple(float(t) for t in points.threshold[best]))  # fmt: skip


def _proportion(metric: str, hits: int, total: int, level: float, method: str) -> Metric:
    """``hits / total`` with its Clopper-Pearson limits; NaN when ``total`` is 0."""
    if total == 0:
        return Metric(metric, math.nan, method=method)
    interval = stats.binomtest(hits, total).proportion_ci(confidence_level=level, method="exact")
    return Metric(metric, hits / total, float(interval.low), float(interval.high), math.nan,
                  method)  # fmt: skip


def _kappa(table: np.ndarray, level: float, rule: str) -> Metric:
    """Cohen's kappa of a 2 x 2 table (rows: prediction, columns: outcome), with the large-
    sample limits of Fleiss, Cohen & Everitt (Psychol Bull 1969), clipped to [-1, 1], and the
    z test of kappa = 0 with the variance under that null (as statsmodels ``cohens_kappa``)."""
    p = table / table.sum()
    rows, columns = p.sum(axis=1), p.sum(axis=0)
    observed, expected = float(np.trace(p)), float(rows @ columns)
    kappa = (observed - expected) / (1 - expected)
    diagonal = np.diag(p) * (1 - (rows + columns) * (1 - kappa)) ** 2
    off = p * (columns[:, None] + rows[None, :]) ** 2
    np.fill_diagonal(off, 0.0)
    spread = diagonal.sum() + (1 - kappa) ** 2 * off.sum() - (kappa - expected * (1 - kappa)) ** 2
    variance = spread / (1 - expected) ** 2 / table.sum()
    null = expected + expected**2 - float((rows * columns * (rows + columns)).sum())
    null_sd = math.sqrt(max(null, 0.0) / (1 - expected) ** 2 / table.sum())
    half = float(stats.norm.ppf(1 - (1 - level) / 2)) * math.sqrt(max(variance, 0.0))
    p_value = float(2 * stats.norm.sf(abs(kappa) / null_sd)) if null_sd > 0 else math.nan
    method = f"Fleiss-Cohen-Everitt {100 * level:g}% CI; p: z for kappa = 0; {rule}"
    low, high = max(kappa - half, -1.0), min(kappa + half, 1.0)  # kappa lies in [-1, 1]
    return Metric("kappa", kappa, low, high, p_value, method)


def threshold_metrics(score: ArrayLike, y: ArrayLike, threshold: float,
                      level: float = 0.95) -> list[Metric]:  # fmt: skip
    """Sensitivity, specificity, PPV and NPV (Clopper-Pearson limits) and Cohen's kappa of
    the rule "positive when score >= ``threshold``" (pROC's rule for direction "<").

    A proportion with an empty denominator (PPV when nobody is called positive) is NaN.
    """
    values, labels = _checked(score, y)
    called = values >= threshold
    tp, fp = int((called & (labels == 1)).sum()), int((called & (labels == 0)).sum())
    fn, tn = int((~called & (labels == 1)).sum()), int((~called & (labels == 0)).sum())
    rule = f"positive when score >= {threshold:.6g}"
    method = f"Clopper-Pearson {100 * level:g}% CI; {rule}"
    return [
        _proportion("sensitivity", tp, tp + fn, level, method),
        _proportion("specificity", tn, tn + fp, level, method),
        _proportion("ppv", tp, tp + fp, level, method),
        _proportion("npv", tn, tn + fn, level, method),
        _kappa(np.array([[tp, fp], [fn, tn]], dtype=np.float64), level, rule),
    ]


def _roc_rows(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, at every cut j between sorted values j - 1 and j (0 to n; a cut inside a tie
    group moves to the group's end): the controls below it and the cases at or above it."""
    rows = scores.shape[0]
    order = np.argsort(scores, axis=1, kind="stable")
    is_case = np.take_along_axis(labels, order, axis=1).astype(np.int64)
    cuts = np.hstack([np.zeros((rows, 1), np.int64),
                      _tie_ends(np.take_along_axis(scores, order, axis=1)) + 1])  # fmt: skip
    below = np.hstack([np.zeros((rows, 1), np.int64), np.cumsum(1 - is_case, axis=1)])
    cases_below = np.hstack([np.zeros((rows, 1), np.int64), np.cumsum(is_case, axis=1)])
    n_cases = cases_below[:, -1:]
    return (np.take_along_axis(below, cuts, axis=1),
            n_cases - np.take_along_axis(cases_below, cuts, axis=1))  # fmt: skip


def _sensitivity_rows(scores: np.ndarray, labels: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Sensitivity at each specificity of ``grid`` for each row (rows with the same class
    counts), as pROC ``coords(input = "specificity")``: at a specificity the curve reaches,
    the highest sensitivity there; between two points, linear interpolation."""
    below, above = _roc_rows(scores, labels)
    rows, points = below.shape
    n_controls, n_cases = int(below[0, -1]), int(above[0, 0])
    specificity, sensitivity = below / n_controls, above / n_cases
    # Specificities are k / n_controls, rising along each row: compare the integers k, with
    # the rows laid end to end (row r shifted by r * (n_controls + 2)) for one searchsorted.
    levels = np.arange(n_controls + 1) / n_controls
    first_at = (levels[None, :] < grid[:, None]).sum(axis=1)  # k / n >= v iff k >= this
    first_over = (levels[None, :] <= grid[:, None]).sum(axis=1)  # k / n > v iff k >= this
    row = np.arange(rows)[:, None]
    keys = (below + row * (n_controls + 2)).ravel()

    def position(count: np.ndarray) -> np.ndarray:
        found = np.searchsorted(keys, (count[None, :] + row * (n_controls + 2)).ravel())
        return np.asarray(found.reshape(rows, -1) - row * points)

    at, over = position(first_at), position(first_over)
    after = np.minimum(over, points - 1)
    before = np.maximum(after - 1, 0)
    exact = np.take_along_axis(sensitivity, np.minimum(at, points - 1), axis=1)
    sp_after, sp_before = (np.take_along_axis(specificity, i, axis=1) for i in (after, before))
    se_after, se_before = (np.take_along_axis(sensitivity, i, axis=1) for i in (after, before))
    with np.errstate(invalid="ignore", divide="ignore"):
        proportion = (grid[None, :] - sp_after) / (sp_before - sp_after)
    return np.asarray(np.where(at < over, exact, se_after + proportion * (se_before - se_after)))


def sensitivity_at(score: ArrayLike, y: ArrayLike,
                   specificity: ArrayLike = SPECIFICITY_GRID) -> np.ndarray:  # fmt: skip
    """The sensitivity of the ROC curve at each ``specificity`` (in [0, 1]), as pROC
    ``coords(roc, specificity, input = "specificity", ret = "sensitivity")``."""
    values, labels = _checked(score, y)
    grid = np.asarray(specificity, dtype=np.float64)
    return _sensitivity_rows(values[None, :], labels[None, :], grid)[0]


def roc_band(score: ArrayLike, y: ArrayLike, n: int = 2000, seed: int = 0, level: float = 0.95,
             specificity: ArrayLike = SPECIFICITY_GRID) -> RocBand:  # fmt: skip
    """Bootstrap ``level`` limits of the sensitivity at each ``specificity``, as pROC
    ``ci.se(roc, specificities, boot.n = n)``: stratified resamples, percentile (type 7)."""
    values, labels = _checked(score, y)
    grid = np.asarray(specificity, dtype=np.float64)
    rows = stratified_resamples(labels, n, seed)
    curves = _sensitivity_rows(values[rows], labels[rows], grid)
    low, median, high = np.quantile(curves, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    return RocBand(grid, low, median, high, level)


def pr_points(score: ArrayLike, y: ArrayLike) -> PrPoints:
    """Precision and recall at each distinct score used as threshold (positive: score >=
    threshold), as scikit-learn 1.9 ``precision_recall_curve``: every distinct score as a
    threshold, ascending, then the point (recall 0, precision 1)."""
    values, labels = _checked(score, y)
    order = np.argsort(-values, kind="stable")
    ordered, hits = values[order], labels[order]
    ends = np.flatnonzero(np.r_[ordered[:-1] != ordered[1:], True])
    true_positive = np.cumsum(hits)[ends]
    precision = true_positive / (ends + 1)
    recall = true_positive / true_positive[-1]
    return PrPoints(ordered[ends][::-1], np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0],
                    float(labels.mean()))  # fmt: skip


RECALL_GRID = np.arange(101) / 100


def pr_band(score: ArrayLike, y: ArrayLike, n: int = 2000, seed: int = 0, level: float = 0.95,
            recall: ArrayLike = RECALL_GRID) -> RocBand:  # fmt: skip
    """Bootstrap ``level`` limits of the interpolated precision (the best precision at a
    recall at least r) at each ``recall``, over stratified resamples (as :func:`roc_band`;
    the band's ``specificity`` field holds the recall grid)."""
    values, labels = _checked(score, y)
    grid = np.asarray(recall, dtype=np.float64)
    rows = stratified_resamples(labels, n, seed)
    scores, hits = values[rows], labels[rows]
    order = np.argsort(-scores, axis=1, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=1)
    true_positive = np.cumsum(np.take_along_axis(hits, order, axis=1), axis=1)
    precision = true_positive / np.arange(1, scores.shape[1] + 1)
    recalled = true_positive / true_positive[:, -1:]
    tie_end = np.concatenate([ordered[:, :-1] != ordered[:, 1:],
                              np.ones((len(rows), 1), dtype=bool)], axis=1)  # fmt: skip
    precision = np.where(tie_end, precision, -np.inf)  # thresholds only at the ends of ties
    best_after = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    first = np.argmax(recalled[:, :, None] >= grid[None, None, :] - 1e-12, axis=1)
    curves = np.take_along_axis(best_after, first, axis=1)
    low, median, high = np.quantile(curves, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    return RocBand(grid, low, median, high, level)
