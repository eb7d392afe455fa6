"""Report sections on the tumour RNA: differential expression, gene-set enrichment and
PAM50 subtypes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from icarus_omics.report.html import Figure, Section, Table, format_number
from icarus_omics.report.phrases import ALPHA, by_p, count, number, p_value, significant

TOP_GENES = 50
"""Genes of a differential-expression table the report lists (smallest padj first)."""

TOP_TERMS = 3
"""Significant gene sets named in a GSEA section's summary line."""


def de_section(
    section_id: str,
    name: str,
    results: pd.DataFrame,
    summary: Mapping[str, Any] | None,
    figures: Sequence[Figure],
) -> Section:
    """One DESeq2 comparison (``de_results.tsv``): genes tested, up and down at the FDR
    (``de_summary.json``'s alpha, else 0.05), the top genes and the volcano plot."""
    summary = summary or {}
    alpha = number(summary.get("alpha")) or ALPHA
    hits = significant(results, "padj", alpha)
    up = int((pd.to_numeric(hits["log2FoldChange"], errors="coerce") > 0).sum())
    text = f"{count(len(results))} genes tested"
    described = _described(summary)
    if described:
        text += f" ({described})"
    text += f"; {count(len(hits))} with padj < {format_number(alpha)}: {up} up, "
    text += f"{len(hits) - up} down."
    top = by_p(results, "padj", "pvalue").head(TOP_GENES)
    table = Table(
        f"Top {len(top)} genes by adjusted p-value",
        top,
        "Wald test; log2FoldChange unshrunken; padj: Benjamini-Hochberg after independent "
        "filtering (empty: filtered or an outlier).",
    )
    return Section(section_id, f"Differential expression: {name}", text, [table], list(figures))


def _described(summary: Mapping[str, Any]) -> str:
    """The comparison in words, from ``de_summary.json``: ``timepoint onT vs BL,
    interaction with response R vs NR, design ~ patient + timepoint, samples with ...``."""
    parts = []
    if isinstance(summary.get("contrast"), str):
        parts.append(_levels(summary["contrast"]))
    if isinstance(summary.get("interaction"), str):
        parts.append(f"interaction with {_levels(summary['interaction'])}")
    if isinstance(summary.get("design"), str):  # a formula; a design matrix is left out
        parts.append(f"design {summary['design']}")
    subsets = summary.get("subsets")
    if isinstance(subsets, list) and subsets:
        parts.append(f"samples with {' and '.join(map(str, subsets))}")
    return ", ".join(parts)


def _levels(contrast: str) -> str:
    """``timepoint:onT:BL`` (the command's notation) as ``timepoint onT vs BL``."""
    parts = contrast.split(":")
    return f"{parts[0]} {parts[1]} vs {parts[2]}" if len(parts) == 3 else contrast


def gsea_section(
    section_id: str,
    name: str,
    results: pd.DataFrame,
    summary: Mapping[str, Any] | None,
    figures: Sequence[Figure],
) -> Section:
    """One GSEA result (``gsea_results.tsv``, leading edges left to the file): sets tested,
    significant ones, the strongest by padj, and the dot plot."""
    summary = summary or {}
    text = f"{count(len(results))} gene sets tested"
    if summary.get("rank_by") and summary.get("permutations"):
        permutations = number(summary["permutations"]) or 0.0
        text += f" (genes ranked by {summary['rank_by']}, {count(permutations)} permutations)"
    hits = by_p(significant(results, "padj"), "padj", "pvalue")
    text += f"; {len(hits)} with padj < {ALPHA}"
    named = [
        f"{row['term']} (NES {format_number(number(row['nes']) or 0.0)}, "
        f"padj {p_value(row['padj'])})"
        for _, row in hits.head(TOP_TERMS).iterrows()
    ]
    if named:
        text += f": {'; '.join(named)}"
    shown = results.drop(columns=[c for c in ("leading_edge",) if c in results.columns])
    table = Table(
        "Gene sets",
        by_p(shown, "padj", "pvalue"),
        "fgsea-style permutation test; padj: Benjamini-Hochberg; gene_ratio: leading edge / "
        "set size (the leading-edge genes are in gsea_results.tsv).",
    )
    return Section(section_id, f"Gene-set enrichment: {name}", f"{text}.", [table], list(figures))


def pam50_section(calls: pd.DataFrame, figures: Sequence[Figure]) -> Section:
    """PAM50 calls (``pam50_calls.tsv``): samples per subtype and low-confidence calls."""
    subtypes = calls["subtype"].astype(str).value_counts()
    ordered = sorted(subtypes.items(), key=lambda item: (-item[1], item[0]))
    text = f"Subtypes of {len(calls)} samples: " + ", ".join(f"{s} {n}" for s, n in ordered)
    if "confidence" in calls.columns:
        low = int((calls["confidence"].astype(str) == "low").sum())
        text += f"; {low} low-confidence calls (small margin between the best two centroids)"
    table = Table(
        "PAM50 calls",
        calls,
        "cor_*: Spearman correlation with each centroid; ror_*: risk of recurrence scores.",
    )
    return Section("pam50", "PAM50 subtypes", f"{text}.", [table], list(figures))
