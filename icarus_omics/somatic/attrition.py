"""What the post-filter did: per-filter attrition and a check of the sample labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from icarus_omics.somatic.batch import ReadCounts
from icarus_omics.somatic.rules import OUR_FILTERS, AlleleCall, Site, Thresholds

# Columns of the attrition table.
ATTRITION_COLUMNS = (
    "step",
    "filter",
    "source",
    "description",
    "failed",
    "only_filter",
    "removed",
    "remaining",
)
UNFILTERED_INPUT = "unfiltered_input"


@dataclass
class Attrition:
    """Counts, per filter, of the calls it fails, fails alone, and removes in order.

    The order is: FilterMutectCalls flags (in the order first seen), then our filters in
    ``OUR_FILTERS`` order. ``removed`` counts calls whose first failing filter in that
    order is this one, so ``removed`` adds up to all failing calls and ``remaining``
    falls step by step from the input count to the passing count.
    """

    thresholds: Thresholds
    total: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    alone: Counter[str] = field(default_factory=Counter)
    first: Counter[str] = field(default_factory=Counter)
    mutect_order: dict[str, None] = field(default_factory=dict)

    def add(self, call: AlleleCall) -> None:
        """Count one call."""
        self.add_group(call.site.filters, call.rejected_by_mutect, call.failures, 1)

    def add_group(
        self,
        filters: tuple[str, ...],
        rejected: tuple[str, ...],
        failures: tuple[str, ...],
        count: int,
    ) -> None:
        """Count ``count`` calls that share FILTER flags, rejecting flags and our failures."""
        self.total += count
        for flag in filters:
            self.mutect_order.setdefault(flag, None)
            self.failed[flag] += count
        for name in failures:
            self.failed[name] += count
        blocking = rejected + failures
        if blocking:
            self.first[blocking[0]] += count
            if len(blocking) == 1:
                self.alone[blocking[0]] += count

    def merge(self, other: Attrition) -> None:
        """Add the counts of ``other`` (a later part of the same file)."""
        self.total += other.total
        for mine, theirs in ((self.failed, other.failed), (self.alone, other.alone),
                             (self.first, other.first)):  # fmt: skip
            mine.update(theirs)
        for flag in other.mutect_order:
            self.mutect_order.setdefault(flag, None)

    def table(
        self, mutect_descriptions: dict[str, str], unfiltered: str = ""
    ) -> list[tuple[object, ...]]:
        """Rows of the attrition table (ATTRITION_COLUMNS), one per filter seen or applied.

        ``unfiltered`` (a note of why the input never went through FilterMutectCalls) adds a
        step 0 row, ``unfiltered_input``, that removes nothing but says so in the table.
        """
        ours = self.thresholds.descriptions()
        rows: list[tuple[object, ...]] = []
        remaining = self.total
        if unfiltered:
            rows.append((0, UNFILTERED_INPUT, "input", unfiltered, 0, 0, 0, remaining))
        names = [*self.mutect_order, *OUR_FILTERS]
        for step, name in enumerate(names, start=1):
            is_ours = name in ours and name not in self.mutect_order
            allowed = not is_ours and name in self.thresholds.allowed_filters
            source = "icarus-omics" if is_ours else "FilterMutectCalls" + (" (allowed)" * allowed)
            remaining -= self.first[name]
            description = ours[name] if is_ours else mutect_descriptions.get(name, "")
            rows.append(
                (
                    step,
                    name,
                    source,
                    description,
                    self.failed[name],
                    self.alone[name],
                    self.first[name],
                    remaining,
                )
            )
        return rows


@dataclass
class SwapCheck:
    """Whether the tumour and normal sample names look swapped.

    At records FilterMutectCalls passed, the tumour should carry the ALT reads. When the
    designated normal has more ALT reads than the tumour at most of them (at least
    ``min_records``), the names are probably the wrong way round.
    """

    min_records: int = 5
    checked: int = 0
    normal_higher: int = 0

    def add(self, site: Site) -> None:
        """Compare the first ALT's read counts at a PASS record with both samples."""
        if site.filters or site.tumor is None or site.normal is None:
            return
        tumor_alt = site.tumor.ad[1] if len(site.tumor.ad) > 1 else None
        normal_alt = site.normal.ad[1] if len(site.normal.ad) > 1 else None
        if tumor_alt is None or normal_alt is None:
            return
        self.checked += 1
        self.normal_higher += normal_alt > tumor_alt

    def add_batch(
        self,
        filters: list[tuple[str, ...]],
        tumor: ReadCounts | None,
        normal: ReadCounts | None,
        per_site: Collection[int],
    ) -> None:
        """The same comparison for a batch of records, except those at ``per_site``
        indices (several ALTs), which go through :meth:`add`."""
        if tumor is None or normal is None:
            return
        passed = np.array([not f for f in filters])
        passed[list(per_site)] = False
        usable = passed & (tumor.alt >= 0) & (normal.alt >= 0)
        self.checked += int(usable.sum())
        self.normal_higher += int((usable & (normal.alt > tumor.alt)).sum())

    def merge(self, other: SwapCheck) -> None:
        """Add the counts of ``other``."""
        self.checked += other.checked
        self.normal_higher += other.normal_higher

    @property
    def looks_swapped(self) -> bool:
        return self.checked >= self.min_records and self.normal_higher > self.checked / 2
