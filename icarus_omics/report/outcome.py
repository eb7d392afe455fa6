"""Report sections on outcome: the trial's endpoints, markers against outcome, the PFS
signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from icarus_omics.report.html import Figure, Section, Table, format_number
from icarus_omics.report.phrases import (
    ALPHA,
    by_p,
    number,
    p_value,
    percent,
    rows_where,
    significant,
)


def endpoints_section(endpoints: pd.DataFrame, figures: Sequence[Figure]) -> Section:
    """The trial's endpoints (``endpoints.tsv``): ORR, CBR and DCR with their exact
    intervals, median PFS, OS and DoR with theirs, overall and by marker group."""
    overall = rows_where(endpoints, group="all")
    parts = [_rate(overall, name) for name in ("ORR", "CBR", "DCR")]
    parts += [_median(overall, name) for name in ("PFS", "OS", "DoR")]
    text = "; ".join(part for part in parts if part)
    table = Table(
        "Endpoints, overall and by marker group",
        endpoints,
        "Rates are proportions (0-1); medians and follow-up in months.",
    )
    return Section(
        "clinical", "Clinical endpoints", f"{text}." if text else "", [table], list(figures)
    )


def _rate(overall: pd.DataFrame, name: str) -> str:
    """``ORR 27/61 = 44.3% (90% CI 33.4–55.6%), p = 3.36e-10``, or empty."""
    rows = rows_where(overall, endpoint=name)
    if rows.empty:
        return ""
    row = rows.iloc[0]
    events, n = number(row.get("events")), number(row.get("n"))
    text = f"{name} {percent(row.get('estimate'))}"
    if events is not None and n is not None:
        text = f"{name} {events:.0f}/{n:.0f} = {percent(row.get('estimate'))}"
    level = number(row.get("ci_level"))
    if level is not None:
        low, high = percent(row.get("ci_low")), percent(row.get("ci_high"))
        text += f" ({100 * level:.0f}% CI {low.removesuffix('%')}–{high})"
    if number(row.get("p_value")) is not None:
        text += f", p = {p_value(row.get('p_value'))}"
    return text


def _median(overall: pd.DataFrame, name: str) -> str:
    """``median PFS 8.42 months (95% CI 5.79–14.1)``; an open bound reads NR (not reached)."""
    rows = rows_where(overall, endpoint=f"{name} median")
    if rows.empty:
        return ""
    row = rows.iloc[0]
    estimate = number(row.get("estimate"))
    if estimate is None:
        return f"median {name} not reached"
    low, high = (number(row.get(c)) for c in ("ci_low", "ci_high"))
    low_text, high_text = (format_number(v) if v is not None else "NR" for v in (low, high))
    level = number(row.get("ci_level")) or 0.95
    return (
        f"median {name} {format_number(estimate)} months "
        f"({100 * level:.0f}% CI {low_text}–{high_text})"
    )


def associations_section(association: pd.DataFrame, figures: Sequence[Figure]) -> Section:
    """Each marker against response, PFS and OS (``association.tsv``: Fisher, logistic,
    log-rank, Cox), with the forest plot."""
    hits = by_p(significant(association, "p_value"), "p_value")
    text = f"{len(association)} marker-outcome tests, {len(hits)} with p < {ALPHA}"
    if not hits.empty:
        best = hits.iloc[0]
        text += (
            f"; strongest: {best.get('marker')} and {best.get('outcome')} "
            f"({best.get('test')}, p = {p_value(best.get('p_value'))})"
        )
    table = Table(
        "Associations",
        association,
        "Estimates are odds ratios (response) or hazard ratios (PFS, OS).",
    )
    return Section("associations", "Biomarkers and outcome", f"{text}.", [table], list(figures))


def pfs_section(
    signature: pd.DataFrame | None,
    selection: pd.DataFrame | None,
    summary: Mapping[str, Any] | None,
    figures: Sequence[Figure],
) -> Section:
    """The adaptive-lasso PFS signature: its genes, how often each gene was selected over
    the repeats, and how well the risk groups separate (``pfs_summary.json``)."""
    summary = summary or {}
    parts = []
    if signature is not None:
        genes = ", ".join(map(str, signature["gene"]))
        parts.append(f"{len(signature)}-gene signature ({genes})")
    settings = summary.get("settings") or {}
    if "repeats" in settings and "min_frequency" in settings:
        parts.append(
            f"genes selected in more than {format_number(100 * settings['min_frequency'])}% of "
            f"{settings['repeats']} repeats"
        )
    if "samples" in summary and "events" in summary:
        parts.append(f"{summary['samples']} tumours, {summary['events']} events")
    logrank = (summary.get("logrank") or {}).get("p_value")
    if number(logrank) is not None:
        parts.append(f"log-rank p = {p_value(logrank)} between risk groups")
    c_index = number((summary.get("apparent") or {}).get("c_index"))
    if c_index is not None:
        parts.append(f"apparent C-index {format_number(c_index)}")
    tables = []
    if signature is not None:
        tables.append(
            Table(
                "Signature", signature, "Coefficients on z-scored expression; hazard ratio per SD."
            )
        )
    if selection is not None:
        tables.append(Table("Selection frequency over the repeats", selection))
    text = "; ".join(parts)
    return Section("pfs", "PFS signature", f"{text}." if text else "", tables, list(figures))


HEADLINE_METRICS = {"response": ("auc", "AUC"), "pfs": ("c_index", "C")}


def evaluation_section(
    outcome_name: str,
    evaluation: pd.DataFrame,
    comparisons: pd.DataFrame | None,
    figures: Sequence[Figure],
) -> Section:
    """Scores against one outcome (``evaluate``'s ``evaluation.tsv``): each score's
    headline discrimination (AUC for response, Harrell's C for PFS) with its interval, the
    full metric table, DeLong's comparisons and the figures."""
    metric, label = HEADLINE_METRICS.get(outcome_name, ("auc", "AUC"))
    headline = rows_where(evaluation, metric=metric)
    parts = [
        f"{row['score']}: {label} {format_number(row['estimate'])} "
        f"({format_number(row['ci_low'])}-{format_number(row['ci_high'])})"
        for _, row in headline.iterrows()
    ]
    text = "; ".join(parts)
    note = ("Each metric with its interval and how it was computed (method); thresholds "
            "and cutpoints chosen on these data are flagged as optimistic.")  # fmt: skip
    tables = [Table(f"Scores against {outcome_name}", evaluation, note)]
    if comparisons is not None and len(comparisons):
        tables.append(Table("DeLong's test between scores", comparisons,
                            "AUC difference of two scores on the same patients."))  # fmt: skip
    return Section(f"evaluate-{outcome_name}", f"Biomarker evaluation: {outcome_name}",
                   f"{text}." if text else "", tables, list(figures))  # fmt: skip


def targets_section(table: pd.DataFrame, figures: Sequence[Figure]) -> Section:
    """Target-gene expression per sample (``target_expression.tsv``)."""
    genes = ", ".join(dict.fromkeys(map(str, table["gene"])))
    samples = table["sample"].nunique()
    return Section("targets", "Drug target expression",
                   f"{genes} in {samples} samples: log2 TPM, cohort z-score and percentile.",
                   [Table("Target expression", table)], list(figures))  # fmt: skip
