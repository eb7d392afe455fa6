"""Every score of a table against one outcome, the way biomarker papers report it.

Response (binary): ROC AUC with DeLong's interval (:mod:`.binary`), average precision with
a stratified bootstrap interval, sensitivity, specificity, PPV, NPV and kappa at a given
threshold or at Youden's optimum (flagged as optimistic), logistic odds ratios per unit,
per SD and per ``per`` (adjusted too, with covariates), and for probability scores
calibration and decision curves (:mod:`.probability`); DeLong's test between scores.

PFS: Cox HR per unit and per SD (adjusted too), Harrell's C with its interval,
time-dependent AUC at landmarks, the maximally selected log-rank cutpoint (flagged as
data-driven), a restricted cubic spline of the hazard ratio, and Kaplan-Meier groups by
tertiles or by that cutpoint with the log-rank test (:mod:`.time_to_event`).

Every function takes the matched patients (:class:`~.outcomes.Matched`) and returns rows
of ``evaluation.tsv`` (:data:`~.metrics.METRIC_COLUMNS`) plus what the figures draw.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation import binary, probability, time_to_event
from icarus_omics.evaluation.metrics import METRIC_COLUMNS, Metric
from icarus_omics.evaluation.outcomes import Matched, usable
from icarus_omics.survival.km import logrank

COMPARISON_COLUMNS = ("score", "versus", "outcome", "n", "auc", "auc_versus", "difference",
                      "ci_low", "ci_high", "z", "p_value", "method")  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """Options of an evaluation (the ``evaluate`` command's)."""

    level: float = 0.95
    bootstrap: int = 2000
    seed: int = 0
    threshold: float | None = None  # None: Youden's optimum per score
    per: float | None = None  # odds ratio per this many units, as papers write it
    probabilities: tuple[str, ...] = ()  # scores that are probabilities: calibration, DCA
    versus: tuple[str, ...] = ()  # DeLong: each other score against these; () every pair
    landmarks: tuple[float, ...] = (6.0, 12.0)
    groups: Literal["tertiles", "maxstat"] = "tertiles"
    knots: int = 4
    lower: tuple[str, ...] = ()  # scores where a lower value means response / higher risk


@dataclass
class Evaluation:
    """Rows of evaluation.tsv and comparisons.tsv, and the figures' data by score."""

    rows: list[dict[str, object]] = field(default_factory=list)
    comparisons: list[dict[str, object]] = field(default_factory=list)
    curves: dict[str, dict[str, Any]] = field(default_factory=dict)  # figure -> score -> data

    def add(self, score: str, outcome: str, metrics: list[Metric]) -> None:
        self.rows += [m.row(score, outcome) for m in metrics]

    def curve(self, figure: str, score: str, data: Any) -> None:
        self.curves.setdefault(figure, {})[score] = data

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(METRIC_COLUMNS))

    def comparison_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.comparisons, columns=list(COMPARISON_COLUMNS))


def _scored(matched: Matched, score: str,
            outcome: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The rows with this score and its values there, after the per-score checks."""
    values = matched.scores[score].to_numpy(dtype=float)
    rows = usable(values, score, outcome)
    return rows, values[rows]


def _covariate_rows(covariates: pd.DataFrame,
                    rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The covariates of the scored ``rows``, and which of them are complete (the
    adjusted fits leave the others out)."""
    adjust = covariates.to_numpy(dtype=float)[rows]
    return adjust, np.isfinite(adjust).all(axis=1)


def _named(score: str, error: IcarusError) -> IcarusError:
    text = str(error)
    return error if score in text else IcarusError(f"score {score!r}: {text}")


def _count(n: int, events: int, what: str) -> Metric:
    return Metric(
        "n", float(n), method=f"patients with the score and the outcome ({events} {what})"
    )


def _adjusted(metrics: list[Metric]) -> list[Metric]:
    return [replace(m, metric=f"{m.metric}_adjusted") for m in metrics]


def evaluate_response(matched: Matched, settings: Settings,
                      covariates: pd.DataFrame | None = None) -> Evaluation:  # fmt: skip
    """Every score of ``matched`` against response (``matched.outcome["y"]``)."""
    result = Evaluation()
    matched = _oriented(matched, settings.lower)
    y_all = matched.outcome["y"].to_numpy(dtype=int)
    for score in matched.scores.columns:
        try:
            _response_score(result, matched, score, y_all, settings, covariates)
        except IcarusError as error:
            raise _named(score, error) from None
    _comparisons(result, matched, y_all, settings)
    return _noted(result, settings.lower)


def _response_score(result: Evaluation, matched: Matched, score: str, y_all: np.ndarray,
                    settings: Settings, covariates: pd.DataFrame | None) -> None:  # fmt: skip
    rows, x = _scored(matched, score, y_all)
    y = y_all[rows]
    level, boot, seed = settings.level, settings.bootstrap, settings.seed
    auc = binary.roc_auc(x, y, level)
    ap = binary.average_precision(x, y)
    low, high = binary.bootstrap_ci(binary.average_precision_rows, x, y, boot, seed, level)
    metrics = [_count(len(y), int(y.sum()), "responders"), auc,
               Metric("average_precision", ap, low, high, math.nan,
                      f"stratified bootstrap {100 * level:g}% CI, {boot} resamples, seed "
                      f"{seed}; prevalence {y.mean():.3g}")]  # fmt: skip
    metrics += _at_threshold(x, y, settings)
    metrics += probability.odds_ratios(x, y, per=settings.per, level=level)
    if covariates is not None:
        adjust, complete = _covariate_rows(covariates, rows)
        metrics += _adjusted(probability.odds_ratios(
            x[complete], y[complete], adjust[complete], settings.per, level,
            list(covariates.columns)))  # fmt: skip
    if score in settings.probabilities:
        calibration, curve = probability.calibration(x, y, level=level)
        metrics += calibration
        result.curve("calibration", score, curve)
        result.curve("decision", score, probability.decision_curve(x, y))
    result.add(score, "response", metrics)
    band = binary.roc_band(x, y, boot, seed, level)
    result.curve("roc", score, (binary.roc_points(x, y), band, auc))
    pr_band = binary.pr_band(x, y, boot, seed, level)
    result.curve("pr", score, (binary.pr_points(x, y), metrics[2], pr_band))
    result.curve("forest", score, next(m for m in metrics if m.metric == "or_per_sd"))


def _at_threshold(x: np.ndarray, y: np.ndarray, settings: Settings) -> list[Metric]:
    """Threshold metrics at --threshold, or at Youden's optimum with that flagged."""
    if settings.threshold is not None:
        return binary.threshold_metrics(x, y, settings.threshold, settings.level)
    best = binary.youden_threshold(x, y)
    flag = "Youden optimum chosen on these data: optimistic"
    chosen = Metric("youden_threshold", best.threshold, method=flag)
    at = binary.threshold_metrics(x, y, best.threshold, settings.level)
    return [chosen] + [replace(m, method=f"{m.method}; {flag}") for m in at]


def _comparisons(result: Evaluation, matched: Matched, y_all: np.ndarray,
                 settings: Settings) -> None:  # fmt: skip
    """DeLong's test for each pair (or each score against each of ``settings.versus``), on
    the patients with both scores."""
    names = list(matched.scores.columns)
    if settings.versus:
        pairs = [(s, v) for v in settings.versus for s in names if s != v]
    else:
        pairs = list(itertools.combinations(names, 2))
    for score, versus in pairs:
        a = matched.scores[score].to_numpy(dtype=float)
        b = matched.scores[versus].to_numpy(dtype=float)
        both = np.isfinite(a) & np.isfinite(b)
        if len(np.unique(y_all[both])) < 2:
            continue
        test = binary.delong_test(a[both], b[both], y_all[both], settings.level)
        result.comparisons.append({
            "score": score, "versus": versus, "outcome": "response", "n": int(both.sum()),
            "auc": test.auc1, "auc_versus": test.auc2, "difference": test.difference,
            "ci_low": test.ci_low, "ci_high": test.ci_high, "z": test.z,
            "p_value": test.p_value,
            "method": f"DeLong test of two correlated ROC curves (pROC roc.test, paired); "
                      f"{100 * settings.level:g}% CI of the difference",
        })  # fmt: skip


def evaluate_pfs(matched: Matched, settings: Settings,
                 covariates: pd.DataFrame | None = None) -> Evaluation:  # fmt: skip
    """Every score of ``matched`` against PFS (``matched.outcome`` time, event)."""
    result = Evaluation()
    matched = _oriented(matched, settings.lower)
    time_all = matched.outcome["time"].to_numpy(dtype=float)
    event_all = matched.outcome["event"].to_numpy(dtype=float)
    for score in matched.scores.columns:
        try:
            _pfs_score(result, matched, score, time_all, event_all, settings, covariates)
        except IcarusError as error:
            raise _named(score, error) from None
    return _noted(result, settings.lower)


LOWER_NOTE = "score negated (--lower: a lower value means response or higher risk)"


def _oriented(matched: Matched, lower: tuple[str, ...]) -> Matched:
    """The scores with each of ``lower`` negated, so that every metric reads "higher is
    more likely a case" (pROC's direction "<")."""
    if not lower:
        return matched
    scores = matched.scores.copy()
    for name in lower:
        scores[name] = -scores[name]
    return replace(matched, scores=scores)


def _noted(result: Evaluation, lower: tuple[str, ...]) -> Evaluation:
    """Every row of a negated score says so in its method."""
    for row in result.rows:
        if row["score"] in lower:
            row["method"] = f"{row['method']}; {LOWER_NOTE}".lstrip("; ")
    for row in result.comparisons:
        negated = [n for n in (row["score"], row["versus"]) if n in lower]
        if negated:
            row["method"] = f"{row['method']}; {', '.join(map(str, negated))} negated (--lower)"
    return result


def _pfs_score(result: Evaluation, matched: Matched, score: str, time_all: np.ndarray,
               event_all: np.ndarray, settings: Settings,
               covariates: pd.DataFrame | None) -> None:  # fmt: skip
    rows, x = _scored(matched, score, None)
    time, event = time_all[rows], event_all[rows]
    level = settings.level
    metrics = [_count(len(x), int(event.sum()), "progressions")]
    hazard = time_to_event.hazard_ratio(x, time, event, level=level)
    metrics += hazard
    if covariates is not None:
        adjust, complete = _covariate_rows(covariates, rows)
        metrics += _adjusted(time_to_event.hazard_ratio(
            x[complete], time[complete], event[complete], adjust[complete],
            list(covariates.columns), level))  # fmt: skip
    metrics.append(time_to_event.concordance(x, time, event, level))
    metrics += time_to_event.landmark_auc(x, time, event, settings.landmarks)
    cut = time_to_event.maxstat_cutpoint(x, time, event)
    metrics.append(cut.metric())
    spline = time_to_event.spline_hazard(x, time, event, knots=settings.knots, level=level)
    metrics += spline.metrics()
    groups = _groups(x, cut, settings.groups)
    statistic, p_value = logrank(time, event, groups)
    method = "log-rank chi-square across the groups"
    if settings.groups == "maxstat":
        method += "; cutpoint chosen on these data: p optimistic, see maxstat_cutpoint's p"
    metrics.append(Metric(f"logrank_{settings.groups}", statistic, p_value=p_value,
                          method=method))  # fmt: skip
    result.add(score, "pfs", metrics)
    result.curve("km", score, (time, event, groups))
    result.curve("spline", score, spline)
    result.curve("forest", score, next(m for m in hazard if m.metric == "hr_per_sd"))


def _groups(x: np.ndarray, cut: time_to_event.Cutpoint, how: str) -> np.ndarray:
    if how == "maxstat":
        return np.where(x <= cut.cutpoint, f"<= {cut.cutpoint:.4g}", f"> {cut.cutpoint:.4g}")
    return time_to_event.groups_by_tertile(x)
