"""Best overall response (RECIST 1.1) and the response rates of the trial.

Codes are read case-insensitively as the abbreviations (CR, PR, SD, PD, NE) or RECIST's
words ("complete response", "partial response", "stable disease", "progressive disease",
"not evaluable"). ORR counts confirmed CR and PR; CBR counts them and stable disease (or an
unconfirmed response) lasting at least ``cbr_months``; DCR counts CR, PR and SD of any
length. The denominator is the evaluable patients: every patient with a best response
other than NE, or every patient when NE counts as a non-response (intention to treat).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

CODES = ("CR", "PR", "SD", "PD", "NE")
_WORDS = {
    "cr": "CR", "complete response": "CR", "complete": "CR",
    "pr": "PR", "partial response": "PR", "partial": "PR",
    "sd": "SD", "stable disease": "SD", "stable": "SD",
    "pd": "PD", "progressive disease": "PD", "progression": "PD", "progressive": "PD",
    "ne": "NE", "not evaluable": "NE", "non evaluable": "NE", "not evaluated": "NE",
    "inevaluable": "NE", "unevaluable": "NE", "nae": "NE", "not assessable": "NE",
}  # fmt: skip
_TRUE = {"yes", "y", "1", "true", "t", "confirmed"}
_FALSE = {"no", "n", "0", "false", "f", "unconfirmed", "not confirmed"}


def response_code(value: str) -> str | None:
    """The RECIST abbreviation of ``value``, or None when it is not a response."""
    key = " ".join(str(value).strip().lower().replace("-", " ").replace("_", " ").split())
    return _WORDS.get(key)


def flag(value: str) -> bool | None:
    """yes/no, 1/0, true/false (any case) as a bool; None when it is none of them."""
    key = str(value).strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval for k successes in n trials."""
    alpha = 1 - level
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


@dataclass(frozen=True)
class Rate:
    """A proportion with its exact interval (and a test against a null rate, if any)."""

    endpoint: str
    n: int
    k: int
    low: float
    high: float
    level: float
    p_value: float = math.nan
    method: str = "Clopper-Pearson exact"

    @property
    def estimate(self) -> float:
        return self.k / self.n if self.n else math.nan


def rate(endpoint: str, k: int, n: int, level: float, null: float | None = None) -> Rate:
    """The rate k/n with its exact interval; with ``null``, the one-sided exact binomial
    test of a rate above it (``binom.test(k, n, null, alternative = "greater")``)."""
    if n == 0:
        return Rate(endpoint, 0, 0, math.nan, math.nan, level)
    low, high = clopper_pearson(k, n, level)
    p = math.nan
    method = "Clopper-Pearson exact"
    if null is not None:
        p = float(stats.binomtest(k, n, null, alternative="greater").pvalue)
        method += f"; one-sided exact binomial test against {null:g}"
    return Rate(endpoint, n, k, low, high, level, p, method)


def classify(patients: pd.DataFrame, cbr_months: float) -> pd.DataFrame:
    """Per patient: ``evaluable``, ``responder`` (confirmed CR/PR), ``benefit`` (CBR) and
    ``control`` (DCR), from ``best_response``, ``confirmed`` and ``sd_months``."""
    best = patients["best_response"]
    confirmed = patients["confirmed"].astype(bool)
    objective = best.isin(["CR", "PR"])
    responder = objective & confirmed
    lasting = patients["sd_months"].to_numpy(dtype=float) >= cbr_months - 1e-9
    stable_like = (best == "SD") | (objective & ~confirmed)
    return pd.DataFrame({
        "patient": patients["patient"],
        "evaluable": best != "NE",
        "responder": responder,
        "benefit": responder | (stable_like & lasting),
        "control": objective | (best == "SD"),
    })  # fmt: skip


def response_rates(classes: pd.DataFrame, level: float, null_orr: float | None,
                   ne_evaluable: bool, orr_level: float | None = None) -> list[Rate]:  # fmt: skip
    """ORR (tested against ``null_orr``), CBR and DCR over the evaluable patients."""
    base = np.ones(len(classes), dtype=bool) if ne_evaluable else classes["evaluable"].to_numpy()
    n = int(base.sum())
    count = lambda column: int((classes[column].to_numpy() & base).sum())  # noqa: E731
    return [
        rate("ORR", count("responder"), n, orr_level or level, null_orr),
        rate("CBR", count("benefit"), n, level),
        rate("DCR", count("control"), n, level),
    ]
