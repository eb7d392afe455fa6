"""CIViC evidence for mutations and gene-level copy-number changes.

CIViC names variants in free text: protein changes (``V600E``), codons (``V600``), and
gene-level classes (``AMPLIFICATION``, ``DELETION``, ``LOSS``, ``MUTATION``,
``TRUNCATING MUTATION``, ``FRAMESHIFT TRUNCATION``, ``LOSS-OF-FUNCTION``). We match the
most specific name first and report the best evidence level (A best, E worst), the
evidence directions and clinical significances seen, and the number of evidence items.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from icarus_omics.oncogenic.oncokb import TRUNCATING_CLASSES, protein_change

CIVIC_COLUMNS = (
    "civic_variant",
    "civic_best_level",
    "civic_directions",
    "civic_significances",
    "civic_evidence_items",
    "civic_rule",
)
GENE_LEVEL = {
    "amplification": ("AMPLIFICATION", "COPY NUMBER GAIN"),
    "deletion": ("DELETION", "LOSS", "COPY NUMBER LOSS", "HOMOZYGOUS DELETION"),
    "truncating": ("TRUNCATING MUTATION", "FRAMESHIFT TRUNCATION", "LOSS-OF-FUNCTION",
                   "LOSS OF FUNCTION"),
    "mutation": ("MUTATION", "MUTATIONS"),
}  # fmt: skip


@dataclass(frozen=True)
class CivicEvidence:
    """One CIViC evidence item (or one variant summary, with empty evidence fields)."""

    gene: str
    variant: str
    level: str = ""
    direction: str = ""
    significance: str = ""
    disease: str = ""


@dataclass(frozen=True)
class CivicMatch:
    """The evidence found for one alteration."""

    variant: str
    best_level: str
    directions: str
    significances: str
    items: int
    rule: str

    def row(self) -> tuple[object, ...]:
        return (self.variant, self.best_level, self.directions, self.significances,
                self.items, self.rule)  # fmt: skip


NO_MATCH = CivicMatch("", "", "", "", 0, "none")


class Civic:
    """CIViC evidence indexed by gene and upper-case variant name."""

    def __init__(self, evidence: Iterable[CivicEvidence]) -> None:
        self.by_gene: dict[str, dict[str, list[CivicEvidence]]] = {}
        for item in evidence:
            names = self.by_gene.setdefault(item.gene.upper(), {})
            names.setdefault(item.variant.upper(), []).append(item)

    def _summarise(self, variant: str, items: list[CivicEvidence], rule: str) -> CivicMatch:
        levels = sorted({i.level for i in items if i.level})
        return CivicMatch(
            variant,
            levels[0] if levels else "",
            ";".join(sorted({i.direction for i in items if i.direction})),
            ";".join(sorted({i.significance for i in items if i.significance})),
            len(items),
            rule,
        )

    def _gene_level(self, gene: str, kind: str) -> CivicMatch | None:
        names = self.by_gene.get(gene.upper(), {})
        for name in GENE_LEVEL[kind]:
            if name in names:
                return self._summarise(name, names[name], kind)
        return None

    def match_mutation(self, gene: str, change: str, classification: str) -> CivicMatch:
        """Evidence for a mutation: exact change, codon, truncating class, any mutation."""
        names = self.by_gene.get(gene.upper(), {})
        alteration = protein_change(change).upper() if change else ""
        if alteration and alteration in names:
            return self._summarise(alteration, names[alteration], "exact")
        codon = re.match(r"^([A-Z])(\d+)[A-Z]$", alteration)
        if codon and codon.group(1) + codon.group(2) in names:
            name = codon.group(1) + codon.group(2)
            return self._summarise(name, names[name], "codon")
        if classification in TRUNCATING_CLASSES:
            found = self._gene_level(gene, "truncating")
            if found:
                return found
        return self._gene_level(gene, "mutation") or NO_MATCH

    def match_copy_number(self, gene: str, change: str) -> CivicMatch:
        """Evidence for ``amplification`` or ``deletion`` of ``gene``."""
        return self._gene_level(gene, change) or NO_MATCH
