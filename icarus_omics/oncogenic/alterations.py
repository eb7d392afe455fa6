"""The cohort's alterations side by side: a gene x sample matrix and the frequency of
each gene's alterations in two response groups, compared with Fisher's exact test.

Alteration types: ``missense``, ``truncating`` (nonsense, frameshift, splice site,
nonstop, start loss), ``inframe``, ``other`` mutations, and ``amplification`` /
``deletion`` copy-number changes. A sample with several alterations of a gene lists them
all (``;``-joined, sorted) in its matrix cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from icarus_omics.errors import IcarusError

MUTATION_TYPES = {
    "Missense_Mutation": "missense",
    "Nonsense_Mutation": "truncating",
    "Frame_Shift_Del": "truncating",
    "Frame_Shift_Ins": "truncating",
    "Splice_Site": "truncating",
    "Nonstop_Mutation": "truncating",
    "Translation_Start_Site": "truncating",
    "In_Frame_Del": "inframe",
    "In_Frame_Ins": "inframe",
}
# Matrix cell of a sample without mutation or CNA data (--allow-missing): not profiled,
# never wild type; such samples are left out of every frequency and test, as cBioPortal
# leaves unprofiled samples out of its denominators.
NOT_PROFILED = "NA"
TYPES = ("missense", "truncating", "inframe", "other", "amplification", "deletion")
# Rows of the frequency table: any alteration, any mutation, and each copy-number change.
CLASSES = {
    "any": set(TYPES),
    "mutation": {"missense", "truncating", "inframe", "other"},
    "amplification": {"amplification"},
    "deletion": {"deletion"},
}
FREQUENCY_COLUMNS = (
    "gene", "alteration", "group_a", "group_b", "altered_a", "total_a", "altered_b",
    "total_b", "frequency_a", "frequency_b", "odds_ratio", "pvalue", "padj",
)  # fmt: skip


@dataclass(frozen=True)
class Groups:
    """Which samples belong to the two groups compared (e.g. responders vs not)."""

    column: str
    a: str
    b: str
    samples: dict[str, str]  # sample -> group label (a or b)

    def members(self, label: str) -> list[str]:
        return [s for s, g in self.samples.items() if g == label]


def alteration_events(mutations: pd.DataFrame, copy_numbers: pd.DataFrame) -> pd.DataFrame:
    """Long table (sample, gene, type) from mutations (sample, gene,
    variant_classification) and copy-number changes (sample, gene, change)."""
    parts = []
    if len(mutations):
        mutation_type = mutations["variant_classification"].map(MUTATION_TYPES).fillna("other")
        parts.append(pd.DataFrame({"sample": mutations["sample"], "gene": mutations["gene"],
                                   "type": mutation_type}))  # fmt: skip
    if len(copy_numbers):
        parts.append(pd.DataFrame({"sample": copy_numbers["sample"], "gene": copy_numbers["gene"],
                                   "type": copy_numbers["change"]}))  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=["sample", "gene", "type"])
    return pd.concat(parts, ignore_index=True).drop_duplicates().astype(str)


def alteration_matrix(
    events: pd.DataFrame,
    genes: list[str],
    samples: list[str],
    not_profiled: Sequence[str] = (),
) -> pd.DataFrame:
    """Gene x sample matrix of ';'-joined alteration types ('' when unaltered,
    ``NOT_PROFILED`` throughout the columns of ``not_profiled`` samples)."""
    matrix = pd.DataFrame("", index=pd.Index(genes, name="gene"), columns=samples)
    kept = events[events["gene"].isin(genes) & events["sample"].isin(samples)]
    for (gene, sample), types in kept.groupby(["gene", "sample"])["type"]:
        matrix.loc[gene, sample] = ";".join(sorted(set(types)))
    absent = [s for s in samples if s in set(not_profiled)]
    matrix[absent] = NOT_PROFILED
    return matrix


def profiled_samples(matrix: pd.DataFrame) -> list[str]:
    """The samples (columns) of an alteration matrix that were profiled."""
    return [s for s in matrix.columns if not (matrix[s] == NOT_PROFILED).all() or matrix.empty]


def frequencies(matrix: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    """Per gene and alteration class, the altered samples in each group, Fisher's exact
    test (two-sided) and Benjamini-Hochberg adjusted p-values (over all rows). Samples
    not profiled (``NOT_PROFILED`` columns) are left out of every count and total."""
    profiled = set(profiled_samples(matrix))
    a = [s for s in groups.members(groups.a) if s in profiled]
    b = [s for s in groups.members(groups.b) if s in profiled]
    rows = []
    for gene, cells in matrix.iterrows():
        for name, types in CLASSES.items():
            hit = cells.map(lambda cell, t=types: bool(set(cell.split(";")) & t) if cell else False)
            altered_a, altered_b = int(hit[a].sum()), int(hit[b].sum())
            if name != "any" and altered_a + altered_b == 0:
                continue
            counts = [[altered_a, len(a) - altered_a], [altered_b, len(b) - altered_b]]
            odds, pvalue = stats.fisher_exact(counts)
            rows.append((gene, name, groups.a, groups.b, altered_a, len(a), altered_b, len(b),
                         altered_a / len(a) if a else np.nan, altered_b / len(b) if b else np.nan,
                         odds, pvalue))  # fmt: skip
    table = pd.DataFrame(rows, columns=list(FREQUENCY_COLUMNS[:-1]))
    table["padj"] = (
        stats.false_discovery_control(table["pvalue"], method="bh") if len(table) else []
    )
    return table


def response_groups(samples: pd.DataFrame, id_column: str, column: str,
                    a: str | None = None, b: str | None = None) -> Groups:  # fmt: skip
    """Two groups from a sample table's ``column``; with ``a``/``b`` unset the column must
    hold exactly two values (the first in sorted order is ``a``... unless it looks like a
    responder label, which comes first: R, CR/PR-style labels, yes, true, 1)."""
    if column not in samples.columns:
        raise IcarusError(
            f"sample table has no column {column!r} (columns: {', '.join(samples.columns)})"
        )
    labels = samples[column].astype(str)
    values = sorted(set(labels) - {""})
    if a is None or b is None:
        if len(values) != 2:
            raise IcarusError(
                f"column {column!r} has {len(values)} groups ({', '.join(values)}); "
                "give the two to compare with --group-a and --group-b"
            )
        preferred = [v for v in values if v.upper() in {"R", "RESPONDER", "YES", "TRUE", "1"}]
        a = preferred[0] if preferred else values[0]
        b = next(v for v in values if v != a)
    missing = [g for g in (a, b) if g not in values]
    if missing:
        raise IcarusError(
            f"column {column!r} has no group {missing[0]!r} (groups: {', '.join(values)})"
        )
    members = {
        s: g for s, g in zip(samples[id_column].astype(str), labels, strict=True) if g in (a, b)
    }
    return Groups(column, a, b, members)


def select_events(table: pd.DataFrame, all_events: bool = False) -> pd.DataFrame:
    """The events the study counted: flagged ``oncogenic`` (unless ``all_events``) and, where
    the table says, ``nonsynonymous`` (the study analysed nonsynonymous calls only). Flags
    are the text ``true``/``false`` of the tables; rows keep their columns."""
    if "oncogenic" in table.columns and not all_events:
        table = table[table["oncogenic"].astype(str).str.lower() == "true"]
    if "nonsynonymous" in table.columns:
        table = table[table["nonsynonymous"].astype(str).str.lower() == "true"]
    return table


def unprofiled_samples(samples: list[str], profiled: dict[str, set[str]]) -> dict[str, list[str]]:
    """For each kind of table given (``profiled``: kind -> samples it covers), the
    ``samples`` it does not cover; kinds that cover every sample are left out."""
    gaps = {kind: [s for s in samples if s not in covered] for kind, covered in profiled.items()}
    return {kind: missing for kind, missing in gaps.items() if missing}
