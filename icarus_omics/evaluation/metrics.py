"""One estimated quantity of a score against an outcome: a row of ``evaluation.tsv``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

NAN = math.nan
METRIC_COLUMNS = ("score", "outcome", "metric", "estimate", "ci_low", "ci_high", "p_value",
                  "method")  # fmt: skip


@dataclass(frozen=True)
class Metric:
    """``metric`` (e.g. ``auc``, ``hr_per_sd``), its estimate, confidence limits (NaN when
    none), p-value (NaN when none) and ``method``: how it was computed, as a reader of the
    table needs it (e.g. ``DeLong 95% CI (pROC)``, ``Youden optimum: optimistic``)."""

    metric: str
    estimate: float
    ci_low: float = NAN
    ci_high: float = NAN
    p_value: float = NAN
    method: str = ""

    def row(self, score: str, outcome: str) -> dict[str, object]:
        """The evaluation.tsv row of this metric for ``score`` against ``outcome``."""
        return {"score": score, "outcome": outcome, **asdict(self)}
