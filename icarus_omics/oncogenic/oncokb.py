"""Oncogenic events: matching mutations and copy-number changes to OncoKB.

OncoKB curates alterations in its own vocabulary; a variant is matched by the most
specific rule that applies, in this order (the ``rule`` column says which):

1. ``exact``: the protein change as curated (``V600E``, ``E746_A750del``, ``X1010_splice``,
   ``V1075Yfs*2``);
2. ``codon``: a curated codon without a residue (``V600``) matches every missense change
   at that codon; a curated frameshift at a codon (``T779fs``) matches any frameshift there;
3. ``range``: a curated in-frame deletion/insertion range (``E746_A750del``) or position
   range (``V559_K560mut``) overlapping an in-frame indel (or any mutation for ``mut``);
4. ``truncating``: ``Truncating Mutations`` (nonsense, frameshift, splice site) where the
   gene has that entry; for a tumour-suppressor gene without one, OncoKB's own default
   (Likely Oncogenic, Likely Loss-of-function) with rule ``truncating_tsg``;
5. ``promoter``: ``Promoter Mutations`` (e.g. TERT) for 5' flank/UTR variants;
6. ``amplification`` / ``deletion``: gene-level CNA entries for high-level amplifications
   and homozygous deletions.

``Oncogenic Mutations`` entries (OncoKB's meta-alteration, used for therapeutic levels)
lend their level to variants already found (likely) oncogenic by the rules above. Gene
aliases (the cancer gene list's ``Gene Aliases``) are resolved before matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from icarus_omics.somatic.consequence import short_protein_change

UNKNOWN = "Unknown"
TRUNCATING_CLASSES = frozenset(
    {"Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site"}
)
PROMOTER_CLASSES = frozenset({"5'Flank", "5'UTR"})
# Columns every oncogenic-event table carries (mutations and CNAs alike).
EVENT_COLUMNS = (
    "gene",
    "alteration",
    "gene_in_kb",
    "variant_in_kb",
    "oncogenicity",
    "mutation_effect",
    "highest_level",
    "rule",
    "matched_alteration",
    "kb",
    "kb_version",
)
LEVEL_ORDER = ("LEVEL_1", "LEVEL_2", "LEVEL_3A", "LEVEL_3B", "LEVEL_4", "LEVEL_R1", "LEVEL_R2")
ONCOGENIC = frozenset({"Oncogenic", "Likely Oncogenic", "Predicted Oncogenic", "Resistance"})


class Verdicts(Protocol):
    """A source of OncoKB verdicts: a local knowledge base or the web API."""

    def match_mutation(self, gene: str, change: str, classification: str) -> Event: ...

    def match_copy_number(self, gene: str, change: str) -> Event: ...


@dataclass(frozen=True)
class Curation:
    """One curated alteration of the knowledge base."""

    gene: str
    alteration: str
    oncogenicity: str
    mutation_effect: str
    level: str = ""


@dataclass(frozen=True)
class GeneRole:
    """Gene-level facts from the cancer gene list."""

    is_oncogene: bool
    is_tumor_suppressor: bool


@dataclass
class KnowledgeBase:
    """Curations indexed by gene, gene roles, and aliases (alias -> official symbol)."""

    name: str
    version: str
    curations: dict[str, list[Curation]] = field(default_factory=dict)
    roles: dict[str, GeneRole] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def build(
        name: str,
        version: str,
        curations: Iterable[Curation],
        roles: dict[str, GeneRole] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> KnowledgeBase:
        """Index ``curations`` by upper-case gene symbol."""
        kb = KnowledgeBase(name, version, {}, dict(roles or {}), dict(aliases or {}))
        for curation in curations:
            kb.curations.setdefault(curation.gene.upper(), []).append(curation)
        return kb

    def match_mutation(self, gene: str, change: str, classification: str) -> Event:
        """See :func:`match_mutation`."""
        return match_mutation(self, gene, change, classification)

    def match_copy_number(self, gene: str, change: str) -> Event:
        """See :func:`match_copy_number`."""
        return match_copy_number(self, gene, change)

    def symbol(self, gene: str) -> str:
        """The official symbol of ``gene`` (aliases resolved; case-insensitive)."""
        upper = gene.upper()
        if upper in self.curations or upper in self.roles:
            return upper
        return self.aliases.get(upper, upper)


@dataclass(frozen=True)
class Event:
    """The knowledge-base verdict on one alteration (a row of EVENT_COLUMNS)."""

    gene: str
    alteration: str
    gene_in_kb: bool
    variant_in_kb: bool
    oncogenicity: str
    mutation_effect: str
    highest_level: str
    rule: str
    matched_alteration: str
    kb: str
    kb_version: str

    @property
    def is_oncogenic(self) -> bool:
        return self.oncogenicity in ONCOGENIC

    def row(self) -> tuple[object, ...]:
        return tuple(getattr(self, c) for c in EVENT_COLUMNS)


_MISSENSE = re.compile(r"^([A-Z*])(\d+)([A-Z*])$")
_CODON = re.compile(r"^([A-Z])(\d+)$")
_FRAMESHIFT = re.compile(r"^([A-Z*])(\d+)[A-Z*]?fs")
_RANGE = re.compile(r"^[A-Z*]?(\d+)_[A-Z*]?(\d+)(del|ins|dup|delins|mut|mis|trunc)")
_POSITION = re.compile(r"^[A-Z*]?(\d+)")


def protein_change(raw: str) -> str:
    """A protein change in OncoKB's notation: no ``p.``, one-letter amino acids."""
    change = raw.strip()
    change = change[2:] if change.startswith("p.") else change
    return short_protein_change(change) if re.search(r"[A-Z][a-z]{2}", change) else change


def _is_inframe(change: str) -> bool:
    return bool(re.search(r"(del|ins|dup)", change)) and "fs" not in change


def _span(change: str) -> tuple[int, int] | None:
    """First and last codon a protein change touches."""
    match = _RANGE.match(change)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _POSITION.match(change)
    return (int(match.group(1)), int(match.group(1))) if match else None


def _codon_rule(curation: str, change: str, classification: str) -> bool:
    codon = _CODON.match(curation)
    if codon:
        missense = _MISSENSE.match(change)
        return missense is not None and missense.group(1, 2) == codon.group(1, 2)
    frameshift = _FRAMESHIFT.match(curation)
    if frameshift and curation.endswith("fs"):
        query = _FRAMESHIFT.match(change)
        return query is not None and query.group(2) == frameshift.group(2)
    return False


def _range_rule(curation: str, change: str, classification: str) -> bool:
    match = _RANGE.match(curation)
    if not match:
        return False
    low, high, kind = int(match.group(1)), int(match.group(2)), match.group(3)
    span = _span(change)
    if span is None or span[1] < low or span[0] > high:
        return False
    if kind == "mut":
        return True
    if kind == "mis":
        return classification == "Missense_Mutation"
    if kind == "trunc":
        return classification in TRUNCATING_CLASSES
    return _is_inframe(change) and classification.startswith("In_Frame")


def best_level(*levels: str) -> str:
    """The highest of OncoKB ``levels`` (LEVEL_1 highest; unknown values ignored)."""
    ranked = [level for level in levels if level in LEVEL_ORDER]
    return min(ranked, key=LEVEL_ORDER.index) if ranked else ""


def _event(kb: KnowledgeBase, symbol: str, alteration: str, curation: Curation | None,
           rule: str, **overrides: object) -> Event:  # fmt: skip
    values: dict[str, object] = {
        "gene": symbol,
        "alteration": alteration,
        "gene_in_kb": symbol in kb.curations or symbol in kb.roles,
        "variant_in_kb": rule in ("exact", "promoter", "amplification", "deletion"),
        "oncogenicity": curation.oncogenicity if curation else UNKNOWN,
        "mutation_effect": curation.mutation_effect if curation else UNKNOWN,
        "highest_level": curation.level if curation else "",
        "rule": rule,
        "matched_alteration": curation.alteration if curation else "",
        "kb": kb.name,
        "kb_version": kb.version,
    }
    values.update(overrides)
    return Event(**values)  # type: ignore[arg-type]


def _find(
    curations: list[Curation], change: str, classification: str
) -> tuple[Curation | None, str]:
    """The most specific curation of a protein change (rules 1-5 of the module docstring)."""
    by_alteration = {c.alteration: c for c in curations}
    if change and change in by_alteration:
        return by_alteration[change], "exact"
    for rule, applies in (("codon", _codon_rule), ("range", _range_rule)):
        for curation in curations:
            if change and applies(curation.alteration, change, classification):
                return curation, rule
    if classification in TRUNCATING_CLASSES and "Truncating Mutations" in by_alteration:
        return by_alteration["Truncating Mutations"], "truncating"
    if classification in PROMOTER_CLASSES and "Promoter Mutations" in by_alteration:
        return by_alteration["Promoter Mutations"], "promoter"
    return None, ""


def match_mutation(kb: KnowledgeBase, gene: str, change: str, classification: str) -> Event:
    """The knowledge base's verdict on a mutation.

    ``change`` is a protein change in any common notation (``p.V600E``, ``V600E``,
    ``p.Val600Glu``); ``classification`` the MAF Variant_Classification.
    """
    symbol = kb.symbol(gene)
    alteration = protein_change(change) if change else ""
    curations = kb.curations.get(symbol, [])
    curation, rule = _find(curations, alteration, classification)
    shown = alteration or classification
    if curation is None:
        role = kb.roles.get(symbol)
        if role and role.is_tumor_suppressor and classification in TRUNCATING_CLASSES:
            return _event(kb, symbol, shown, None, "truncating_tsg",
                          oncogenicity="Likely Oncogenic",
                          mutation_effect="Likely Loss-of-function")  # fmt: skip
        return _event(kb, symbol, shown, None, "none")
    event = _event(kb, symbol, shown, curation, rule)
    meta = next((c for c in curations if c.alteration == "Oncogenic Mutations"), None)
    if meta is not None and event.is_oncogenic:
        level = best_level(event.highest_level, meta.level)
        return _event(kb, symbol, shown, curation, rule, highest_level=level)
    return event


CNA_ALTERATIONS = {"amplification": "Amplification", "deletion": "Deletion"}


def match_copy_number(kb: KnowledgeBase, gene: str, change: str) -> Event:
    """The verdict on a gene-level copy-number change: ``amplification`` or ``deletion``."""
    symbol = kb.symbol(gene)
    alteration = CNA_ALTERATIONS[change]
    curation = next((c for c in kb.curations.get(symbol, []) if c.alteration == alteration), None)
    return _event(kb, symbol, alteration, curation, change if curation else "none")
