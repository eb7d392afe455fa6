"""Knowledge-base files: OncoKB allAnnotatedVariants / cancer gene list, CIViC summaries."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import read_tsv
from icarus_omics.oncogenic.civic import Civic, CivicEvidence
from icarus_omics.oncogenic.oncokb import (
    UNKNOWN,
    Curation,
    GeneRole,
    KnowledgeBase,
    Verdicts,
    best_level,
)


def file_version(path: Path) -> str:
    """A version label for a knowledge-base file: its name and content hash."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{Path(path).name} sha256:{digest}"


def _first(columns: list[str], *names: str) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def read_oncokb(
    variants: Path,
    genes: Path | None = None,
    version: str | None = None,
    actionable: Path | None = None,
) -> KnowledgeBase:
    """OncoKB from ``allAnnotatedVariants.txt`` (and optionally ``cancerGeneList.tsv``).

    A ``Level``/``Highest Level`` column, when present, is kept as each curation's level;
    ``actionable`` (allActionableVariants.txt) adds the therapeutic levels.
    """
    table = read_tsv(variants, what="OncoKB allAnnotatedVariants file")
    columns = list(table.columns)
    gene = _first(columns, "Gene", "Hugo Symbol", "Hugo_Symbol")
    alteration = _first(columns, "Alteration")
    oncogenicity = _first(columns, "Oncogenicity")
    effect = _first(columns, "Mutation Effect")
    if None in (gene, alteration, oncogenicity, effect):
        raise IcarusError(
            f"{variants}: not an OncoKB allAnnotatedVariants file (needs Gene/Hugo Symbol, "
            f"Alteration, Oncogenicity, Mutation Effect; found: {', '.join(columns[:8])})"
        )
    level = _first(columns, "Level", "Highest Level")
    curations = [
        Curation(
            str(row[gene]).strip(),
            str(row[alteration]).strip(),
            str(row[oncogenicity]).strip(),
            str(row[effect]).strip(),
            _level(str(row[level])) if level else "",
        )
        for row in table.to_dict("records")
    ]
    roles, aliases = read_gene_list(genes) if genes is not None else ({}, {})
    if actionable is not None:
        curations = with_levels(curations, read_levels(actionable))
    label = version or file_version(variants)
    return KnowledgeBase.build("OncoKB", label, curations, roles, aliases)


def read_levels(path: Path) -> dict[tuple[str, str], str]:
    """Best therapeutic level per (gene, alteration) from OncoKB's allActionableVariants."""
    table = read_tsv(path, what="OncoKB allActionableVariants file")
    columns = list(table.columns)
    gene = _first(columns, "Gene", "Hugo Symbol", "Hugo_Symbol")
    alteration, level = _first(columns, "Alteration"), _first(columns, "Level")
    if gene is None or alteration is None or level is None:
        raise IcarusError(
            f"{path}: not an OncoKB allActionableVariants file (needs Hugo Symbol, Alteration, "
            f"Level; found: {', '.join(columns[:8])})"
        )
    best: dict[tuple[str, str], str] = {}
    for row in table.to_dict("records"):
        key = (str(row[gene]).strip().upper(), str(row[alteration]).strip())
        best[key] = best_level(best.get(key, ""), _level(str(row[level])))
    return best


def with_levels(curations: list[Curation], levels: dict[tuple[str, str], str]) -> list[Curation]:
    """Curations carrying their best level; actionable alterations missing from the
    annotated list (such as ``Oncogenic Mutations``) are added with unknown oncogenicity."""
    seen = {(c.gene.upper(), c.alteration) for c in curations}
    updated = [
        replace(c, level=best_level(c.level, levels.get((c.gene.upper(), c.alteration), "")))
        for c in curations
    ]
    extra = [
        Curation(gene, alteration, UNKNOWN, UNKNOWN, level)
        for (gene, alteration), level in sorted(levels.items())
        if (gene, alteration) not in seen
    ]
    return updated + extra


def _level(value: str) -> str:
    value = value.strip().upper()
    if not value:
        return ""
    return value if value.startswith("LEVEL_") else f"LEVEL_{value}"


def read_gene_list(path: Path) -> tuple[dict[str, GeneRole], dict[str, str]]:
    """Gene roles and aliases from OncoKB's cancer gene list."""
    table = read_tsv(path, what="OncoKB cancer gene list")
    columns = list(table.columns)
    symbol = _first(columns, "Hugo Symbol", "Hugo_Symbol", "Gene")
    if symbol is None:
        raise IcarusError(f"{path}: not an OncoKB cancer gene list (no 'Hugo Symbol' column)")
    oncogene = _first(columns, "Is Oncogene", "OncoKB Oncogene")
    suppressor = _first(columns, "Is Tumor Suppressor Gene", "OncoKB TSG")
    alias_column = _first(columns, "Gene Aliases", "Aliases")
    roles: dict[str, GeneRole] = {}
    aliases: dict[str, str] = {}
    for row in table.to_dict("records"):
        name = str(row[symbol]).strip().upper().lstrip("\ufeff")
        roles[name] = GeneRole(
            _yes(row[oncogene]) if oncogene else False,
            _yes(row[suppressor]) if suppressor else False,
        )
        if alias_column:
            for alias in str(row[alias_column]).split(","):
                if alias.strip():
                    aliases.setdefault(alias.strip().upper(), name)
    return roles, aliases


def _yes(value: object) -> bool:
    return str(value).strip().lower() in {"yes", "true", "1"}


def read_civic(path: Path) -> list[CivicEvidence]:
    """CIViC nightly summaries: ClinicalEvidenceSummaries (legacy ``gene``/``variant`` or
    newer ``molecular_profile`` columns) or VariantSummaries (no evidence levels)."""
    table = read_tsv(path, what="CIViC summary file")
    columns = list(table.columns)
    gene, variant = _first(columns, "gene"), _first(columns, "variant")
    profile = _first(columns, "molecular_profile")
    if (gene is None or variant is None) and profile is None:
        raise IcarusError(
            f"{path}: not a CIViC nightly summary (needs gene and variant, or "
            f"molecular_profile; found: {', '.join(columns[:8])})"
        )
    level = _first(columns, "evidence_level")
    direction = _first(columns, "evidence_direction")
    significance = _first(columns, "significance", "clinical_significance")
    disease = _first(columns, "disease")
    evidence = []
    for row in table.to_dict("records"):
        if gene is not None and variant is not None:
            names = (str(row[gene]).strip(), str(row[variant]).strip())
        else:
            gene_name, _, variant_name = str(row[profile]).strip().partition(" ")
            names = (gene_name, variant_name)
        evidence.append(
            CivicEvidence(
                gene=names[0],
                variant=names[1],
                level=str(row[level]).strip() if level else "",
                direction=str(row[direction]).strip() if direction else "",
                significance=str(row[significance]).strip() if significance else "",
                disease=str(row[disease]).strip() if disease else "",
            )
        )
    return evidence


def load_knowledge(
    oncokb: Path | None,
    oncokb_genes: Path | None,
    civic: Path | None,
    version: str | None = None,
    actionable: Path | None = None,
    api_cache: Path | None = None,
) -> tuple[Verdicts | None, Civic | None]:
    """OncoKB and CIViC from files (commands resolve resource names to paths first).

    ``oncokb`` is ``allAnnotatedVariants.txt`` (with ``oncokb_genes``, the gene list, and
    ``actionable``, the levels), or None; with ``api_cache`` set instead, verdicts come from
    the OncoKB web API (token in ONCOKB_API_TOKEN), answers cached in that folder. ``civic``
    is a CIViC evidence or variant summary TSV. Returns (verdicts or None, CIViC or None).
    """
    kb: Verdicts | None = None
    if api_cache is not None:
        from icarus_omics.io.oncokb_api import OncokbApi

        kb = OncokbApi(cache_dir=api_cache)
    elif oncokb is not None:
        kb = read_oncokb(oncokb, oncokb_genes, version, actionable)
    evidence = Civic(read_civic(civic)) if civic is not None else None
    return kb, evidence
