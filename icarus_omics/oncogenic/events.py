"""Oncogenic events of a cohort's mutations and copy-number changes (OncoKB + CIViC).

Inputs are normalised tables: mutations with ``gene``, ``protein_change`` and
``variant_classification``; copy-number changes with ``gene`` and ``change``
(``amplification`` or ``deletion``). Outputs add EVENT_COLUMNS (OncoKB) and CIVIC_COLUMNS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from icarus_omics.oncogenic.civic import CIVIC_COLUMNS, NO_MATCH, Civic, CivicMatch
from icarus_omics.oncogenic.oncokb import (
    EVENT_COLUMNS,
    Event,
    Verdicts,
)

if TYPE_CHECKING:
    import pandas as pd

ANNOTATION_COLUMNS = (*EVENT_COLUMNS, *CIVIC_COLUMNS, "oncogenic")
_EMPTY_ONCOKB = ("",) * len(EVENT_COLUMNS)


def mutation_events(
    mutations: pd.DataFrame, kb: Verdicts | None, civic: Civic | None
) -> pd.DataFrame:
    """``mutations`` with the verdicts of OncoKB and CIViC added, row for row.

    ``oncogenic`` is true for OncoKB Oncogenic/Likely Oncogenic; without OncoKB, for any
    CIViC evidence.
    """
    rows = []
    for gene, change, classification in zip(
        mutations["gene"], mutations["protein_change"], mutations["variant_classification"],
        strict=True,
    ):  # fmt: skip
        event = kb.match_mutation(gene, change, classification) if kb else None
        evidence = civic.match_mutation(gene, change, classification) if civic else NO_MATCH
        rows.append(_row(event, evidence, kb is not None))
    return _joined(mutations, rows)


def copy_number_events(
    changes: pd.DataFrame, kb: Verdicts | None, civic: Civic | None
) -> pd.DataFrame:
    """``changes`` (gene, change) with the verdicts of OncoKB and CIViC added."""
    rows = []
    for gene, change in zip(changes["gene"], changes["change"], strict=True):
        event = kb.match_copy_number(gene, change) if kb else None
        evidence = civic.match_copy_number(gene, change) if civic else NO_MATCH
        rows.append(_row(event, evidence, kb is not None))
    return _joined(changes, rows)


def _row(event: Event | None, evidence: CivicMatch, use_oncokb: bool) -> tuple[object, ...]:
    if event is not None:
        return (*event.row(), *evidence.row(), event.is_oncogenic)
    return (*_EMPTY_ONCOKB, *evidence.row(), not use_oncokb and evidence.rule != "none")


def _joined(table: pd.DataFrame, rows: list[tuple[object, ...]]) -> pd.DataFrame:
    import pandas as pd

    events = pd.DataFrame(rows, columns=list(ANNOTATION_COLUMNS), index=table.index)
    if "gene" in table.columns:  # keep the input's gene; OncoKB's symbol (aliases resolved) too
        events = events.rename(columns={"gene": "oncokb_gene"})
    return pd.concat([table, events], axis=1)
