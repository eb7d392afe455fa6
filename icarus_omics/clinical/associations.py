"""Each biomarker against outcome: response by Fisher's exact test and logistic regression,
PFS and OS by Cox regression and the log-rank test. One row per marker and test, in the
layout of ``association.tsv``.

A marker is categorical when its values are not all numbers or take at most
:data:`MAX_LEVELS_NUMERIC` distinct values, else continuous (per unit). For a categorical
marker the reference level is the first in R's factor order unless given.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from icarus_omics.clinical.endpoints import levels

MAX_LEVELS_NUMERIC = 5
COLUMNS = ("marker", "kind", "outcome", "test", "comparison", "n", "events", "estimate",
           "ci_low", "ci_high", "p_value", "note")  # fmt: skip
_Z = 1.959963984540054


def kind_of(values: pd.Series) -> str:
    numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if numbers.isna().any() or numbers.nunique() <= MAX_LEVELS_NUMERIC:
        return "categorical"
    return "continuous"


def fisher_2xk(responders: np.ndarray, totals: np.ndarray) -> float:
    """Fisher's exact test of a 2 x k table (responders per column, column totals): the
    probability of tables at most as likely as the observed one, as R's fisher.test."""
    responders = np.asarray(responders, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    r = int(responders.sum())

    def log_choose(n: np.ndarray | int, k: np.ndarray | int) -> np.ndarray:
        return gammaln(np.asarray(n) + 1) - gammaln(np.asarray(k) + 1) - gammaln(
            np.asarray(n) - np.asarray(k) + 1)  # fmt: skip

    sums = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1)
    for total in totals:
        x = np.arange(total + 1)
        sums = (sums[:, None] + x[None, :]).ravel()
        logp = (logp[:, None] + log_choose(total, x)[None, :]).ravel()
        keep = sums <= r
        sums, logp = sums[keep], logp[keep]
    logp = logp[sums == r] - log_choose(int(totals.sum()), r)
    observed = float(np.sum(log_choose(totals, responders)) - log_choose(int(totals.sum()), r))
    p = np.exp(logp)
    return float(min(1.0, p[logp <= observed + 1e-7 * abs(observed) + 1e-12].sum()))


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(COLUMNS, math.nan)
    row["note"] = ""
    row.update(values)
    return row


def associations(patients: pd.DataFrame, markers: dict[str, pd.Series],
                 responders: pd.Series | None, reference: dict[str, str] | None = None
                 ) -> pd.DataFrame:  # fmt: skip
    """``responders``: True/False per patient (evaluable ones), NaN where not evaluable."""
    rows: list[dict[str, object]] = []
    for marker, values in markers.items():
        kind = kind_of(values)
        chosen = (reference or {}).get(marker)
        if responders is not None:
            rows.extend(_response_rows(marker, kind, values, responders, chosen))
        for outcome in ("pfs", "os"):
            if f"{outcome}_months" in patients:
                rows.extend(_survival_rows(marker, kind, values, patients, outcome, chosen))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _design(values: pd.Series, kind: str, reference: str | None
            ) -> tuple[np.ndarray, list[str], str | None]:  # fmt: skip
    """Columns for a regression: the value per unit, or indicators of each non-reference
    level; their labels; the reference level."""
    if kind == "continuous":
        return values.astype(float).to_numpy()[:, None], ["per unit"], None
    names = levels(values)
    base = reference if reference in names else names[0]
    others = [lv for lv in names if lv != base]
    text = values.astype(str).to_numpy()
    columns = np.column_stack([(text == lv).astype(float) for lv in others]) if others else (
        np.zeros((len(values), 0)))  # fmt: skip
    return columns, [f"{lv} vs {base}" for lv in others], base


def _response_rows(marker: str, kind: str, values: pd.Series, responders: pd.Series,
                   reference: str | None) -> list[dict[str, object]]:  # fmt: skip
    usable = values.notna() & responders.notna() & (values.astype(str) != "")
    x_values, y = values[usable], responders[usable].astype(bool).to_numpy()
    n, events = int(usable.sum()), int(y.sum())
    rows = []
    common = {"marker": marker, "kind": kind, "outcome": "response", "n": n, "events": events}
    if kind == "categorical":
        names = levels(x_values)
        text = x_values.astype(str).to_numpy()
        hits = np.array([int(y[text == lv].sum()) for lv in names])
        totals = np.array([int((text == lv).sum()) for lv in names])
        if len(names) >= 2:
            row = _row(**common, test="fisher", comparison=" / ".join(names),
                       p_value=fisher_2xk(hits, totals))  # fmt: skip
            if len(names) == 2:
                table = np.array([[hits[1], totals[1] - hits[1]], [hits[0], totals[0] - hits[0]]])
                odds = stats.contingency.odds_ratio(table, kind="conditional")
                ci = odds.confidence_interval(0.95)
                row.update(comparison=f"{names[1]} vs {names[0]}", estimate=odds.statistic,
                           ci_low=ci.low, ci_high=ci.high,
                           note="conditional MLE odds ratio")  # fmt: skip
            rows.append(row)
    design, labels, _ = _design(x_values, kind, reference)
    if design.shape[1] and 0 < events < n:
        rows.extend(_logistic(common, design, y, labels))
    return rows


def _logistic(common: dict[str, object], design: np.ndarray, y: np.ndarray,
              labels: list[str]) -> list[dict[str, object]]:  # fmt: skip
    import statsmodels.api as sm

    note = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(y.astype(float), sm.add_constant(design, has_constant="add")).fit(
                disp=0, maxiter=100)  # fmt: skip
            params, bse, p = fit.params[1:], fit.bse[1:], fit.pvalues[1:]
        except (np.linalg.LinAlgError, ValueError) as error:
            params = bse = p = np.full(design.shape[1], np.nan)
            note = f"not estimable ({error})"
    if caught and not note:
        note = "; ".join(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    return [_row(**common, test="logistic", comparison=label, estimate=_exp(b),
                 ci_low=_exp(b - _Z * s), ci_high=_exp(b + _Z * s), p_value=float(pv), note=note)
            for label, b, s, pv in zip(labels, params, bse, p, strict=True)]  # fmt: skip


def _exp(value: float) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.exp(value))


def _survival_rows(marker: str, kind: str, values: pd.Series, patients: pd.DataFrame,
                   outcome: str, reference: str | None) -> list[dict[str, object]]:  # fmt: skip
    from icarus_omics.survival.cox import cox_fit
    from icarus_omics.survival.km import logrank

    time = patients[f"{outcome}_months"]
    event = patients[f"{outcome}_event"]
    usable = (values.notna() & (values.astype(str) != "") & time.notna()).to_numpy()
    x_values = values[usable]
    t, e = time[usable].to_numpy(dtype=float), event[usable].to_numpy(dtype=float)
    common = {"marker": marker, "kind": kind, "outcome": outcome.upper(), "n": int(usable.sum()),
              "events": int(e.sum())}  # fmt: skip
    rows = []
    if kind == "categorical" and len(levels(x_values)) >= 2 and e.sum() > 0:
        _, p = logrank(t, e, x_values.astype(str).to_numpy())
        rows.append(_row(**common, test="logrank", comparison=" / ".join(levels(x_values)),
                         p_value=p))  # fmt: skip
    design, labels, _ = _design(x_values, kind, reference)
    if design.shape[1] and e.sum() > 0:
        fit, messages = cox_fit(design, t, e)
        for j, label in enumerate(labels):
            b, s = float(fit.coef[j]), float(fit.se[j])
            rows.append(_row(**common, test="cox", comparison=label, estimate=_exp(b),
                             ci_low=_exp(b - _Z * s), ci_high=_exp(b + _Z * s),
                             p_value=float(fit.p_value[j]), note="; ".join(messages)))  # fmt: skip
    return rows


def evaluable_responders(classes: pd.DataFrame, ne_evaluable: bool) -> pd.Series:
    """True/False per patient for the response tests; NaN for patients not evaluable."""
    out = classes["responder"].astype(object)
    if not ne_evaluable:
        out[~classes["evaluable"].to_numpy()] = np.nan
    return out
