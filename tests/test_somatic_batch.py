"""The vectorised batch rules agree with the per-site rules on arbitrary read counts,
FILTER flags, allow-lists and excluded regions: every rule of ``call_alleles`` that applies
to a single-ALT record (the multi-allelic ``drop`` rule needs several ALTs and is per-site)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.somatic.batch import ReadCounts, judge_batch, region_mask
from icarus_omics.somatic.rules import Regions, SampleCounts, Site, Thresholds, call_alleles

count = st.one_of(st.none(), st.integers(0, 60))
sample = st.tuples(count, count, count)  # DP, REF reads, ALT reads
thresholds = st.builds(
    Thresholds,
    min_tumor_depth=st.integers(0, 30),
    min_tumor_alt=st.integers(0, 8),
    min_tumor_vaf=st.sampled_from([0.0, 0.02, 0.05, 0.1, 0.25]),
    min_normal_depth=st.integers(0, 20),
    max_normal_vaf=st.sampled_from([0.0, 0.02, 0.05, 1.0]),
    allowed_filters=st.frozensets(st.sampled_from(["germline", "weak_evidence"])),
)
flags = st.lists(st.sampled_from(["germline", "weak_evidence", "strand_bias"]), unique=True)
EXCLUDED = Regions([("1", 9, 10)])  # covers position 10, not 20


def arrays(samples: list[tuple[int | None, int | None, int | None]]) -> ReadCounts:
    dp, ref, alt = (
        np.array([-1 if v is None else v for v in column]) for column in zip(*samples, strict=True)
    )
    summed = np.where((ref >= 0) & (alt >= 0), ref + alt, -1)
    return ReadCounts(np.where(dp >= 0, dp, summed), ref, alt)


@settings(max_examples=300)
@given(
    tumors=st.lists(sample, min_size=1, max_size=20),
    normals=st.lists(sample, min_size=20, max_size=20),
    filters=st.lists(flags.map(tuple), min_size=20, max_size=20),
    positions=st.lists(st.sampled_from([10, 20]), min_size=20, max_size=20),
    tumor_only=st.booleans(),
    rules=thresholds,
)
def test_batch_equals_per_site(
    tumors: list[tuple[int | None, int | None, int | None]],
    normals: list[tuple[int | None, int | None, int | None]],
    filters: list[tuple[str, ...]],
    positions: list[int],
    tumor_only: bool,
    rules: Thresholds,
) -> None:
    n = len(tumors)
    normals, filters, positions = normals[:n], filters[:n], positions[:n]
    region = region_mask(EXCLUDED, ["1"] * n, positions, ["C"] * n)
    verdict = judge_batch(
        filters, arrays(tumors), None if tumor_only else arrays(normals), region, (), rules
    )
    groups = set()
    for i, ((t_dp, t_ref, t_alt), (n_dp, n_ref, n_alt)) in enumerate(
        zip(tumors, normals, strict=True)
    ):
        site = Site(
            "1", positions[i], "C", ("T",), filters[i],
            SampleCounts((t_ref, t_alt), t_dp),
            None if tumor_only else SampleCounts((n_ref, n_alt), n_dp),
        )  # fmt: skip
        (call,) = call_alleles(site, rules, EXCLUDED)
        assert verdict.failures[i] == call.failures
        assert verdict.passing[i] == call.is_pass
        groups.add((filters[i], call.rejected_by_mutect, call.failures))
    assert set(verdict.groups) == groups and sum(verdict.groups.values()) == n
