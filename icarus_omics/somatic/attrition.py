"""What the post-filter did: per-filter attrition, a check of the sample labels and the
running tally of a pass over a VCF (parts of a file add up to the whole).

The attrition table's columns (``ATTRITION_COLUMNS``): ``step`` (1, 2, ...; 0 for the
unfiltered-input note), ``filter``, ``source`` (FilterMutectCalls, "(allowed)" when
``--allow-filter`` names it, or icarus-omics), ``description``, then call counts:
``failed`` (calls failing it), ``only_filter`` (calls failing it alone), ``removed``
(calls whose first blocking filter it is) and ``remaining`` (calls left after this step).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from icarus_omics.genome import ReferenceAgreement
from icarus_omics.somatic.batch import ReadCounts
from icarus_omics.somatic.rules import (
    OUR_FILTERS,
    AlleleCall,
    Site,
    Thresholds,
    is_allowed_filter,
)

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

    def add_groups(
        self, groups: Mapping[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], int]
    ) -> None:
        """Count groups of calls, (FILTER flags, rejecting flags, our failures) -> count."""
        for (filters, rejected, failures), count in groups.items():
            self.add_group(filters, rejected, failures, count)

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
        """Rows of the attrition table, one per filter seen or applied.

        Parameters
        ----------
        mutect_descriptions
            FILTER ID -> description, from the VCF header.
        unfiltered
            A note of why the input never went through FilterMutectCalls, or "": adds a
            step 0 row, ``unfiltered_input``, that removes nothing but says so.

        Returns
        -------
        list of tuple
            Rows of ``ATTRITION_COLUMNS`` (counts are calls), in step order.
        """
        ours = self.thresholds.descriptions()
        rows: list[tuple[object, ...]] = []
        remaining = self.total
        if unfiltered:
            rows.append((0, UNFILTERED_INPUT, "input", unfiltered, 0, 0, 0, remaining))
        names = [*self.mutect_order, *OUR_FILTERS]
        for step, name in enumerate(names, start=1):
            is_ours = name in ours and name not in self.mutect_order
            allowed = not is_ours and is_allowed_filter((name,), self.thresholds.allowed_filters)
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
        """Whether the normal has more ALT reads at most (and at least ``min_records``)."""
        return self.checked >= self.min_records and self.normal_higher > self.checked / 2

    def warning(self, tumor: str | None, normal: str | None) -> str:
        """The warning to print when the samples look swapped, else ""."""
        if not self.looks_swapped:
            return ""
        return (
            f"warning: at {self.normal_higher} of {self.checked} PASS records the "
            f"normal ({normal}) has more ALT reads than the tumour ({tumor}); "
            "are --tumor and --normal swapped?"
        )


@dataclass
class Tally:
    """Running counts of a pass over a VCF; tallies of parts add up to the whole file's.

    ``records`` are VCF records, ``passed`` calls passing every filter, ``written`` the
    passing calls written (after a gene panel or the nonsynonymous-only choice);
    ``has_filter_value`` is True once a record had FILTER PASS or a flag, not ``.``.
    """

    attrition: Attrition
    swap: SwapCheck
    agreement: ReferenceAgreement
    records: int = 0
    passed: int = 0
    written: int = 0
    contigs: set[str] = field(default_factory=set)
    has_filter_value: bool = False

    @classmethod
    def start(cls, thresholds: Thresholds, source: str, reference: str) -> Tally:
        """An empty tally; ``source`` and ``reference`` name the VCF and the FASTA."""
        return cls(Attrition(thresholds), SwapCheck(), ReferenceAgreement(source, reference))

    def merge(self, other: Tally) -> None:
        """Add the counts of ``other`` (a later part of the same file)."""
        self.attrition.merge(other.attrition)
        self.swap.merge(other.swap)
        self.agreement.merge(other.agreement)
        self.records += other.records
        self.passed += other.passed
        self.written += other.written
        self.contigs |= other.contigs
        self.has_filter_value |= other.has_filter_value
