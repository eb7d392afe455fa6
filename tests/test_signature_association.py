"""Signature-response association against R's wilcox.test + p.adjust(BH), and scipy.

The cases (tests/data/signatures/association_exposures.tsv, made by
make_association_case.py) are small groups (2 v 2, 3 v 5, 5 v 5) and two that sit on either
side of scipy's and R's different choices of exact test (10 v 12 and 4 v 50), each with
untied exposures, exposures mostly zero (SBS2, as APOBEC in most tumours), many ties, and a
signature that is zero everywhere.

R (tests/expected/signatures/association.R, golden association_wilcox.tsv) runs
``wilcox.test(x, y)`` with its defaults: exact p when both groups have < 50 values and no
ties, else the normal approximation with tie and continuity corrections; then
``p.adjust(method = "BH")`` per case. In scipy the same numbers come from
``mannwhitneyu(x, y, use_continuity=True, method="exact")`` for R's exact rows and
``method="asymptotic"`` for the others (:func:`test_scipy_settings_that_reproduce_r`);
scipy's ``method="auto"`` is exact only when a group has <= 8 values, so it differs from R
for untied groups of 9..49 and for a small group against >= 50.

Agreement: U identical; p-values and BH within 1e-12 relative (exact: R's pwilcox vs
scipy's exact distribution; normal: pnorm vs ndtr). ``RTOL`` leaves room above that.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from icarus_omics.oncogenic.alterations import Groups
from icarus_omics.signatures.association import compare_groups
from tests.conftest import DATA, EXPECTED
from tests.test_signature_strict import require_r_packages

EXPOSURES = DATA / "signatures" / "association_exposures.tsv"
GOLDEN = EXPECTED / "signatures"
CASES = ("n2v2", "n3v5", "n5v5", "n10v12", "n4v50")
FEATURES = ["SBS1", "SBS2", "SBS3", "SBS5", "SBS13"]
RTOL = 1e-9


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", float_precision="round_trip")


def case_values(case: str) -> tuple[pd.DataFrame, Groups]:
    table = read_tsv(EXPOSURES)
    part = table[table["case"] == case].set_index("sample")
    groups = Groups("response", "R", "NR", part["response"].to_dict())
    return part[FEATURES], groups


def ours(case: str) -> pd.DataFrame:
    values, groups = case_values(case)
    return compare_groups(values, groups, "absolute")


def assert_matches_r(result: pd.DataFrame, expected: pd.DataFrame, label: str) -> None:
    expected = expected.reset_index(drop=True)
    assert list(result["feature"]) == list(expected["feature"]), label
    assert list(result["n_a"]) == list(expected["n_a"]), label
    assert list(result["n_b"]) == list(expected["n_b"]), label
    # NaN statistic only for the feature without variation (R script mirrors our rule)
    np.testing.assert_array_equal(result["u_statistic"], expected["u_statistic"], label)
    for column in ("pvalue", "padj"):
        np.testing.assert_allclose(
            result[column], expected[column], rtol=RTOL, atol=0, err_msg=f"{label}: {column}"
        )


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return read_tsv(GOLDEN / "association_wilcox.tsv")


def test_golden_covers_exact_and_normal_tests(golden: pd.DataFrame) -> None:
    assert tuple(golden["case"].unique()) == CASES
    exact = golden[golden["test"] == "exact"]
    assert set(exact["case"]) == {"n2v2", "n3v5", "n5v5", "n10v12"}  # R: exact below 50
    assert set(golden.loc[golden["case"] == "n4v50", "test"]) == {"normal", "none"}


@pytest.mark.parametrize("case", CASES)
def test_association_matches_r_golden(case: str, golden: pd.DataFrame) -> None:
    assert_matches_r(ours(case), golden[golden["case"] == case], case)


@pytest.mark.parametrize("case", CASES)
def test_scipy_settings_that_reproduce_r(case: str, golden: pd.DataFrame) -> None:
    """Which scipy calls give R's numbers (the reference, independent of our module)."""
    values, groups = case_values(case)
    expected = golden[golden["case"] == case].set_index("feature")
    x, y = values.loc[groups.members("R")], values.loc[groups.members("NR")]
    pvalues = []
    for feature in FEATURES:
        test = expected.loc[feature, "test"]
        if test == "none":  # no variation: R gives p = NaN, left out of BH
            assert np.isnan(expected.loc[feature, "pvalue"])
            continue
        method = "exact" if test == "exact" else "asymptotic"
        result = stats.mannwhitneyu(
            x[feature], y[feature], use_continuity=True, alternative="two-sided", method=method
        )
        assert result.statistic == expected.loc[feature, "u_statistic"], feature
        np.testing.assert_allclose(result.pvalue, expected.loc[feature, "pvalue"], rtol=RTOL)
        pvalues.append(result.pvalue)
    tested = expected["test"] != "none"
    np.testing.assert_allclose(
        stats.false_discovery_control(pvalues), expected.loc[tested, "padj"], rtol=RTOL, atol=0
    )


def test_two_by_two_separated_groups_exact_p_is_one_third() -> None:
    """By hand: 2 v 2 fully separated, 2 of the 6 equally likely rankings are as extreme."""
    result = ours("n2v2").set_index("feature")
    assert result.loc["SBS1", "u_statistic"] == 0
    assert result.loc["SBS1", "pvalue"] == pytest.approx(1 / 3, rel=1e-12)


def test_association_matches_live_r(tmp_path: Path) -> None:
    require_r_packages("stats")
    output = tmp_path / "association_wilcox.tsv"
    subprocess.run(
        ["Rscript", GOLDEN / "association.R", EXPOSURES, output], check=True, timeout=300
    )
    live = read_tsv(output)
    for case in CASES:
        assert_matches_r(ours(case), live[live["case"] == case], f"live R, {case}")
