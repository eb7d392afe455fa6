"""Consequence annotations inside VCF INFO: VEP ``CSQ``, SnpEff ``ANN``, Funcotator ``FUNCOTATION``.

Each is a list of '|'-separated fields whose names the header declares; these functions
turn one record's value into :class:`~icarus_omics.somatic.consequence.Effect` objects per ALT.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from icarus_omics.somatic.consequence import FUNCOTATOR_CLASSIFICATION, Effect, strip_feature


@dataclass(frozen=True)
class AnnotationLayout:
    """Which annotator wrote the INFO field ``key`` and the names of its '|' fields."""

    key: str  # "CSQ" (VEP), "ANN" (SnpEff) or "FUNCOTATION" (GATK Funcotator)
    fields: tuple[str, ...]

    @property
    def tool(self) -> str:
        return {"CSQ": "VEP", "ANN": "SnpEff", "FUNCOTATION": "Funcotator"}[self.key]


def annotation_layout(key: str, description: str) -> AnnotationLayout:
    """Field names of a CSQ/ANN/FUNCOTATION INFO field from its header description."""
    marker = {"CSQ": "Format:", "ANN": "Functional annotations:", "FUNCOTATION": "fields are:"}
    _, _, tail = description.partition(marker[key])
    fields = tuple(f.strip(" '\"") for f in tail.split("|"))
    return AnnotationLayout(key, fields if len(fields) > 1 else ())


def allele_effects(
    layout: AnnotationLayout, value: str, ref: str, alts: Sequence[str], allele: int
) -> list[Effect]:
    """The effects annotated for ALT number ``allele`` (1-based) of a record."""
    if not value or not layout.fields:
        return []
    if layout.key == "FUNCOTATION":
        return _funcotator_effects(layout.fields, value, allele)
    entries = [dict(zip(layout.fields, e.split("|"), strict=False)) for e in value.split(",")]
    if layout.key == "ANN":
        wanted = alts[allele - 1]
        return [_snpeff_effect(e) for e in entries if e.get("Allele") == wanted]
    if "ALLELE_NUM" in layout.fields:
        mine = [e for e in entries if e.get("ALLELE_NUM") == str(allele)]
    else:
        wanted = vep_alleles(ref, alts)[allele - 1]
        mine = [e for e in entries if e.get("Allele") == wanted]
        if not mine and len(alts) == 1:  # an unusual allele spelling; all entries are ours
            mine = entries
    return [_vep_effect(e) for e in mine]


def vep_alleles(ref: str, alts: Sequence[str]) -> list[str]:
    """ALT alleles as VEP writes them in CSQ: for indels, without the shared first base
    (``-`` for a deletion); unchanged when the alleles do not all share it."""
    if all(len(a) == len(ref) for a in alts) or not all(a[:1] == ref[:1] for a in alts):
        return list(alts)
    return [a[1:] or "-" for a in alts]


def _vep_effect(entry: dict[str, str]) -> Effect:
    return Effect(
        gene=entry.get("SYMBOL") or entry.get("Gene", ""),
        consequence=entry.get("Consequence", ""),
        transcript=entry.get("Feature", ""),
        biotype=entry.get("BIOTYPE", ""),
        canonical=entry.get("CANONICAL", "") == "YES",
        hgvsc=strip_feature(entry.get("HGVSc", "")),
        hgvsp=strip_feature(entry.get("HGVSp", "")),
        impact=entry.get("IMPACT", ""),
        exon=entry.get("EXON", ""),
        existing=entry.get("Existing_variation", ""),
        picked=entry.get("PICK", "") == "1",
    )


def _snpeff_effect(entry: dict[str, str]) -> Effect:
    return Effect(
        gene=entry.get("Gene_Name", ""),
        consequence=entry.get("Annotation", ""),
        transcript=entry.get("Feature_ID", ""),
        biotype=entry.get("Transcript_BioType", ""),
        hgvsc=entry.get("HGVS.c", ""),
        hgvsp=entry.get("HGVS.p", ""),
        impact=entry.get("Annotation_Impact", ""),
        exon=entry.get("Rank", ""),
    )


_FUNCOTATOR_ESCAPE = re.compile(r"_%([0-9A-Fa-f]{2})_")


def _funcotator_effects(fields: tuple[str, ...], value: str, allele: int) -> list[Effect]:
    per_allele = value.split(",")
    if len(per_allele) < allele:
        return []
    effects = []
    for item in per_allele[allele - 1].split("#"):
        parts = item.strip("[]").split("|")
        named = {
            f.split("_")[-1]: p
            for f, p in zip(fields, parts, strict=False)
            if f.startswith("Gencode_")
        }
        named = {
            k: _FUNCOTATOR_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), v)
            for k, v in named.items()
        }
        label = named.get("variantClassification", "")
        effects.append(
            Effect(
                gene=named.get("hugoSymbol", ""),
                consequence=label,
                transcript=named.get("annotationTranscript", ""),
                canonical=True,
                hgvsc=named.get("cDnaChange", ""),
                hgvsp=named.get("proteinChange", ""),
                exon=named.get("transcriptExon", ""),
                picked=True,
                classification=FUNCOTATOR_CLASSIFICATION.get(
                    label, "Targeted_Region" if label else ""
                ),
            )
        )
    return effects
