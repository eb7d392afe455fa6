"""Post-filter rules, one test per rule, plus invariants."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from icarus_omics.somatic.attrition import ATTRITION_COLUMNS, Attrition, SwapCheck
from icarus_omics.somatic.rules import (
    EXCLUDED_REGION,
    HIGH_NORMAL_VAF,
    LOW_NORMAL_DEPTH,
    LOW_TUMOR_ALT,
    LOW_TUMOR_DEPTH,
    LOW_TUMOR_VAF,
    MULTIALLELIC_SITE,
    Regions,
    SampleCounts,
    Site,
    Thresholds,
    call_alleles,
    is_allowed_filter,
    rejected_filters,
    variant_type,
)

DEFAULT = Thresholds()


def site(
    tumor: tuple[int | None, ...] = (60, 20),
    tumor_dp: int | None = None,
    normal: tuple[int | None, ...] | None = (40, 0),
    normal_dp: int | None = None,
    filters: tuple[str, ...] = (),
    alts: tuple[str, ...] = ("T",),
    ref: str = "C",
    pos: int = 1000,
) -> Site:
    return Site(
        "17",
        pos,
        ref,
        alts,
        filters,
        SampleCounts(tumor, tumor_dp),
        None if normal is None else SampleCounts(normal, normal_dp),
    )


def failures(
    s: Site, thresholds: Thresholds = DEFAULT, regions: Regions | None = None
) -> tuple[str, ...]:
    (call,) = call_alleles(s, thresholds, regions)
    return call.failures


def test_good_call_passes_with_counts() -> None:
    (call,) = call_alleles(site(), DEFAULT, None)
    assert call.is_pass
    assert (call.depth, call.ref_count, call.alt_count) == (80, 60, 20)
    assert call.vaf == 0.25
    assert call.normal_vaf == 0.0


def test_tumor_depth_uses_dp_when_present() -> None:
    assert LOW_TUMOR_DEPTH in failures(site(tumor=(6, 3), tumor_dp=9))
    assert LOW_TUMOR_DEPTH not in failures(site(tumor=(6, 3), tumor_dp=10))
    assert LOW_TUMOR_DEPTH not in failures(site(tumor=(7, 3)))  # sum of AD = 10


def test_alt_reads_boundary() -> None:
    assert LOW_TUMOR_ALT in failures(site(tumor=(30, 2)))
    assert LOW_TUMOR_ALT not in failures(site(tumor=(30, 3)))


def test_vaf_from_ad_not_af_and_boundary() -> None:
    assert LOW_TUMOR_VAF not in failures(site(tumor=(95, 5)))  # exactly 0.05
    assert LOW_TUMOR_VAF in failures(site(tumor=(96, 5)))  # 0.0495


def test_vaf_falls_back_to_depth_when_ref_count_missing() -> None:
    (call,) = call_alleles(site(tumor=(None, 21), tumor_dp=54), DEFAULT, None)
    assert call.vaf == 21 / 54
    assert call.is_pass


def test_missing_tumor_counts_fail() -> None:
    assert set(failures(site(tumor=()))) >= {LOW_TUMOR_ALT, LOW_TUMOR_VAF, LOW_TUMOR_DEPTH}


def test_normal_depth_and_vaf() -> None:
    assert LOW_NORMAL_DEPTH in failures(site(normal=(7, 0)))
    assert LOW_NORMAL_DEPTH not in failures(site(normal=(8, 0)))
    assert HIGH_NORMAL_VAF not in failures(site(normal=(98, 2)))  # 0.02 exactly
    assert HIGH_NORMAL_VAF in failures(site(normal=(97, 3)))
    # a normal without reads is too shallow, but its VAF is undefined, not high
    assert failures(site(normal=(0, 0))) == (LOW_NORMAL_DEPTH,)


def test_tumor_only_skips_normal_filters() -> None:
    assert failures(site(normal=None)) == ()


def test_mutect_filters_reject_unless_allowed() -> None:
    (call,) = call_alleles(site(filters=("clustered_events",)), DEFAULT, None)
    assert not call.is_pass and call.rejected_by_mutect == ("clustered_events",)
    allowed = Thresholds(allowed_filters=frozenset({"clustered_events"}))
    (call,) = call_alleles(site(filters=("clustered_events",)), allowed, None)
    assert call.is_pass


def test_excluded_region_uses_ref_span_half_open() -> None:
    regions = Regions([("chr17", 999, 1000)])  # covers 1-based position 1000 only
    assert EXCLUDED_REGION in failures(site(pos=1000), regions=regions)
    assert EXCLUDED_REGION not in failures(site(pos=1001), regions=regions)
    # a deletion starting before the region reaches into it
    deletion = site(pos=998, ref="CAT", alts=("C",))
    assert EXCLUDED_REGION in failures(deletion, regions=regions)


def test_regions_merge_and_prefix_free_lookup() -> None:
    regions = Regions([("chr1", 10, 20), ("1", 15, 30), ("1", 40, 50)])
    assert len(regions) == 2
    assert regions.overlaps("1", 29, 30) and not regions.overlaps("chr1", 30, 40)


def test_multiallelic_split_judges_each_alt() -> None:
    s = site(tumor=(50, 2, 30), normal=(40, 0, 0), alts=("T", "G"))
    weak, strong = call_alleles(s, DEFAULT, None)
    assert weak.failures == (LOW_TUMOR_ALT, LOW_TUMOR_VAF)
    assert strong.is_pass and strong.vaf == 30 / 80


def test_multiallelic_drop_fails_every_alt() -> None:
    s = site(tumor=(50, 20, 30), alts=("T", "G"), normal=(40, 0, 0))
    calls = call_alleles(s, Thresholds(multiallelic="drop"), None)
    assert all(MULTIALLELIC_SITE in c.failures for c in calls)


def test_variant_types() -> None:
    assert variant_type("C", "T") == "SNV"
    assert variant_type("CA", "TG") == "MNV"
    assert variant_type("CAAAA", "AAAAA") == "SNV"  # Mutect2's padded SNV
    assert variant_type("C", "CAT") == "INS"
    assert variant_type("CAT", "C") == "DEL"
    assert variant_type("CAT", "GA") == "COMPLEX"


def test_attrition_adds_up() -> None:
    calls = [
        *call_alleles(site(filters=("germline", "panel_of_normals")), DEFAULT, None),
        *call_alleles(site(tumor=(30, 1)), DEFAULT, None),
        *call_alleles(site(), DEFAULT, None),
    ]
    attrition = Attrition(DEFAULT)
    for call in calls:
        attrition.add(call)
    rows = attrition.table({"germline": "Evidence indicates this site is germline"})
    table = pd.DataFrame(rows, columns=list(ATTRITION_COLUMNS)).set_index("filter")
    assert table.loc["germline", "removed"] == 1 and table.loc["panel_of_normals", "removed"] == 0
    assert table.loc["panel_of_normals", "failed"] == 1
    assert table.loc[LOW_TUMOR_ALT, "only_filter"] == 0  # also fails VAF
    assert table["removed"].sum() == 2
    assert table["remaining"].iloc[-1] == 1


def test_swap_check() -> None:
    check = SwapCheck(min_records=2)
    for _ in range(3):
        check.add(site(tumor=(80, 0), normal=(40, 12)))
    assert check.looks_swapped


counts = st.tuples(st.integers(0, 200), st.integers(0, 200), st.integers(0, 200))


@given(tumor=counts, normal=counts, depth=st.integers(0, 10), vaf=st.floats(0, 1))
def test_stricter_thresholds_never_pass_more(
    tumor: tuple[int, int, int], normal: tuple[int, int, int], depth: int, vaf: float
) -> None:
    s = site(tumor=tumor, normal=normal, alts=("T", "G"))
    loose = call_alleles(s, DEFAULT, None)
    strict = call_alleles(
        s, Thresholds(min_tumor_depth=10 + depth, min_tumor_vaf=max(vaf, 0.05)), None
    )
    assert len(loose) == len(strict) == 2
    for a, b in zip(loose, strict, strict=True):
        assert a.is_pass or not b.is_pass


def test_allow_list_is_one_rule() -> None:
    assert is_allowed_filter((), frozenset())  # PASS or '.'
    assert not is_allowed_filter(("germline",), frozenset())
    assert is_allowed_filter(("germline",), {"germline"})
    assert not is_allowed_filter(("germline", "strand_bias"), {"germline"})
    assert rejected_filters(("germline", "strand_bias"), {"germline"}) == ("strand_bias",)
