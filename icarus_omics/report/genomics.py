"""Report sections on the tumour DNA: somatic calls and their filters, oncogenic
alterations, copy number and mutational signatures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from icarus_omics.report.html import Figure, Section, Table, format_number
from icarus_omics.report.phrases import (
    ALPHA,
    by_p,
    count,
    counted,
    number,
    p_value,
    significant,
)

CNA_CATEGORIES = (
    "high_level_gain",
    "medium_level_gain",
    "low_level_gain",
    "neutral",
    "loh",
    "homozygous_deletion",
    "undetermined",
    "no_segment",
)
"""The copy-number categories in the order the overview lists them (gains to losses)."""

FOCAL_EVENTS = ("high_level_gain", "homozygous_deletion")
"""The categories counted as events when focal (the study's oncogenic CNAs)."""


def wes_section(
    cohort: pd.DataFrame | None,
    attrition: Mapping[str, pd.DataFrame],
    summaries: Mapping[str, Mapping[str, Any]],
) -> Section:
    """Calls per tumour (``cohort_summary.tsv``, else each ``SAMPLE.summary.json``), calls
    removed by each filter (``SAMPLE.filter_attrition.tsv``) and the samples' notes."""
    if cohort is None and summaries:
        fields = ("records", "calls", "passed")
        cohort = pd.DataFrame(
            [{"sample": name, **{f: s.get(f) for f in fields}} for name, s in summaries.items()]
        )
    tables, text = [], ""
    if cohort is not None:
        tables.append(
            Table(
                "Calls per tumour",
                cohort,
                "records: VCF records; passed: calls that pass every filter.",
            )
        )
        passed = pd.to_numeric(cohort["passed"], errors="coerce")
        text = (
            f"{len(cohort)} tumours; {count(passed.sum())} calls passed the filters "
            f"(median {count(passed.median())} per tumour)"
        )
        if "nonsynonymous" in cohort.columns:
            nonsynonymous = pd.to_numeric(cohort["nonsynonymous"], errors="coerce").sum()
            text += f", {count(nonsynonymous)} of them nonsynonymous"
        text += "."
    if attrition:
        tables.append(
            Table(
                "Calls removed by each filter",
                attrition_table(attrition),
                "A call is counted at its first failing filter, in step order.",
            )
        )
    notes = []
    for name, summary in summaries.items():
        if summary.get("unfiltered"):
            notes.append(f"{name}: unfiltered input; {summary.get('unfiltered_note', '')}")
        notes += [f"{name}: {note}" for note in summary.get("notes") or []]
    return Section("wes", "Somatic mutations", text, tables, notes=notes)


def attrition_table(attrition: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Samples x filters (in step order): calls removed at each step, then the calls left
    (``passed``), from each sample's ``step, filter, removed, remaining`` table."""
    rows: list[dict[str, object]] = []
    order: dict[str, tuple[float, int]] = {}
    for sample, steps in attrition.items():
        row: dict[str, object] = {"sample": sample}
        for step, name, removed in steps[["step", "filter", "removed"]].itertuples(index=False):
            order.setdefault(str(name), (number(step) or 0.0, len(order)))
            row[str(name)] = removed
        row["passed"] = steps["remaining"].iloc[-1] if len(steps) else None
        rows.append(row)
    filters = sorted(order, key=lambda name: order[name])
    return pd.DataFrame(rows, columns=["sample", *filters, "passed"])


def alterations_section(frequency: pd.DataFrame, figures: Sequence[Figure]) -> Section:
    """Oncogenic alteration frequencies by response group (``alteration_frequency.tsv``,
    Fisher's exact test with BH), with the oncoplot."""
    text = ""
    if not frequency.empty:
        first = frequency.iloc[0]
        text = (
            f"{first['group_a']} (n = {number(first['total_a']) or 0:.0f}) vs "
            f"{first['group_b']} (n = {number(first['total_b']) or 0:.0f})"
        )
        any_kind = frequency[frequency["alteration"].astype(str) == "any"]
        if not any_kind.empty:
            altered = any_kind["altered_a"].astype(float) + any_kind["altered_b"].astype(float)
            most = int(altered.to_numpy().argmax())
            top = any_kind.iloc[most]
            total = float(top["total_a"]) + float(top["total_b"])
            text += f"; most often altered: {top['gene']} ({altered.iloc[most]:.0f}/{total:.0f})"
        text += f"; {len(significant(frequency, 'padj'))} gene-alteration pairs with padj"
        text += f" < {ALPHA}."
    table = Table(
        "Alteration frequency by group",
        frequency,
        "Fisher's exact test, two-sided; padj: Benjamini-Hochberg.",
    )
    return Section("alterations", "Oncogenic alterations", text, [table], list(figures))


def cna_section(genes: Mapping[str, pd.DataFrame]) -> Section:
    """Per tumour, genes in each copy-number category (``SAMPLE.cna_genes.tsv``), and the
    focal high-level gains and homozygous deletions gene by gene."""
    rows: list[dict[str, object]] = []
    focal: list[tuple[str, str, str]] = []
    for sample, table in genes.items():
        categories = table["category"].astype(str)
        wgd = str(table["wgd"].iloc[0]) if "wgd" in table.columns and len(table) else ""
        counts = {str(k): int(v) for k, v in categories.value_counts().items()}
        rows.append({"sample": sample, "wgd": wgd, **counts})
        is_focal = table["focal"].astype(str) == "true" if "focal" in table.columns else True
        for kind in FOCAL_EVENTS:
            focal += [(g, kind, sample) for g in table["gene"][(categories == kind) & is_focal]]
    found = {key for row in rows for key in row} - {"sample", "wgd"}
    columns = [c for c in CNA_CATEGORIES if c in found] + sorted(found - set(CNA_CATEGORIES))
    overview = pd.DataFrame(rows, columns=["sample", "wgd", *columns])
    overview[columns] = overview[columns].fillna(0).astype(int)
    events = pd.DataFrame(
        [
            (
                gene,
                kind,
                sum(1 for f in focal if f[:2] == (gene, kind)),
                ", ".join(sorted(s for g, k, s in focal if (g, k) == (gene, kind))),
            )
            for gene, kind in sorted({f[:2] for f in focal})
        ],
        columns=["gene", "category", "tumours", "samples"],
    )
    n_genes = max((len(table) for table in genes.values()), default=0)
    gains = sum(1 for f in focal if f[1] == "high_level_gain")
    text = (
        f"{n_genes} genes in {len(genes)} tumours; "
        f"{int((overview['wgd'] == 'true').sum())} with whole-genome doubling; "
        f"{counted(gains, 'focal high-level gain')} and "
        f"{counted(len(focal) - gains, 'homozygous deletion')}."
    )
    tables = [
        Table(
            "Genes per copy-number category",
            overview,
            "The study's thresholds (WGD-dependent); wgd: whole-genome doubling.",
        )
    ]
    if not events.empty:
        tables.append(Table("Focal high-level gains and homozygous deletions", events))
    return Section("cna", "Copy number", text, tables)


def signatures_section(
    exposures: pd.DataFrame | None,
    fit_quality: pd.DataFrame | None,
    association: pd.DataFrame | None,
    figures: Sequence[Figure],
) -> Section:
    """COSMIC signature exposures (``exposures.tsv``; signatures absent from every tumour
    left out), the fits' quality and the association with response."""
    parts, tables = [], []
    if fit_quality is not None:
        fitted = fit_quality["fitted"].astype(str) == "true"
        cosine = pd.to_numeric(fit_quality["cosine_similarity"], errors="coerce")[fitted]
        parts.append(f"{int(fitted.sum())} of {len(fit_quality)} tumours fitted")
        if cosine.notna().any():
            parts.append(f"median cosine similarity {format_number(float(cosine.median()))}")
    if association is not None and not association.empty:
        best = by_p(association, "padj", "pvalue").iloc[0]
        parts.append(
            f"smallest padj: {best['feature']} ({best.get('scale', '')}, {best.get('group_a')}"
            f" vs {best.get('group_b')}) {p_value(best['padj'])}"
        )
    if exposures is not None:
        numeric = exposures.select_dtypes("number")
        absent = [c for c in numeric.columns if not (numeric[c].fillna(0) != 0).any()]
        tables.append(
            Table(
                "Exposures (SNVs per signature)",
                exposures.drop(columns=absent),
                f"Left out, zero in every tumour: {', '.join(absent) or 'none'}.",
            )
        )
    if fit_quality is not None:
        tables.append(Table("Fit quality", fit_quality))
    if association is not None:
        tables.append(
            Table(
                "Association with response",
                association,
                "Mann-Whitney U (R's wilcox.test); padj: Benjamini-Hochberg.",
            )
        )
    text = "; ".join(parts)
    return Section(
        "signatures", "Mutational signatures", f"{text}." if text else "", tables, list(figures)
    )
