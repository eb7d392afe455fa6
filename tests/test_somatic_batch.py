"""The vectorised batch rules agree with the per-site rules on arbitrary read counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.somatic.batch import ReadCounts, failure_masks, mask_names
from icarus_omics.somatic.rules import SampleCounts, Site, Thresholds, call_alleles

count = st.one_of(st.none(), st.integers(0, 60))
sample = st.tuples(count, count, count)  # DP, REF reads, ALT reads
thresholds = st.builds(
    Thresholds,
    min_tumor_depth=st.integers(0, 30),
    min_tumor_alt=st.integers(0, 8),
    min_tumor_vaf=st.sampled_from([0.0, 0.02, 0.05, 0.1, 0.25]),
    min_normal_depth=st.integers(0, 20),
    max_normal_vaf=st.sampled_from([0.0, 0.02, 0.05, 1.0]),
)


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
    tumor_only=st.booleans(),
    rules=thresholds,
)
def test_batch_equals_per_site(
    tumors: list[tuple[int | None, int | None, int | None]],
    normals: list[tuple[int | None, int | None, int | None]],
    tumor_only: bool,
    rules: Thresholds,
) -> None:
    normals = normals[: len(tumors)]
    masks = failure_masks(
        arrays(tumors), None if tumor_only else arrays(normals), np.zeros(len(tumors), bool), rules
    )
    for (t_dp, t_ref, t_alt), (n_dp, n_ref, n_alt), mask in zip(
        tumors, normals, masks, strict=True
    ):
        site = Site(
            "1", 10, "C", ("T",), (),
            SampleCounts((t_ref, t_alt), t_dp),
            None if tumor_only else SampleCounts((n_ref, n_alt), n_dp),
        )  # fmt: skip
        (call,) = call_alleles(site, rules, None)
        assert mask_names(int(mask)) == call.failures
