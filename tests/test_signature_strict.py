"""Strict signature selection against MutationalPatterns, runnable without ../shared.

The case (tests/data/signatures, made by make_strict_case.py): eight samples drawn from nine
COSMIC v3.2 signatures, several of them with a backwards-selection step whose loss of cosine
similarity lies just above or below a tested ``max_delta`` (0.00354, 0.00415, 0.00435,
0.00452, 0.0479, 0.0520). So a small change of ``max_delta`` (0.004 -> 0.003, 0.0048 or
0.005; 0.05 -> 0.045 or 0.06) changes the kept set of at least one sample, and the golden
answers of MutationalPatterns at neighbouring ``max_delta`` differ
(:func:`test_neighbouring_max_delta_give_different_kept_sets`).

tests/expected/signatures/strict_contributions.tsv is MutationalPatterns 3.8.1's answer
(strict_fit.R; versions and call in the README there). Our fit must keep the same signatures
in every sample, with contributions within 1e-6 relative (we see ~2e-15: both solvers are
Lawson-Hanson NNLS). :func:`test_strict_fit_matches_live_mutationalpatterns` reruns R on
the same files; it skips when R or MutationalPatterns is missing, and fails instead when
ICARUS_REQUIRE_SHARED=1.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.io.signatures import read_signatures
from icarus_omics.signatures import fitting as sg
from tests.conftest import DATA, EXPECTED, CliResult, rscript_with

CASE = DATA / "signatures"
COSMIC_FILE = Path(__file__).parents[1] / "resources/signatures/COSMIC_v3.2_SBS_GRCh37.txt.gz"
GOLDEN = EXPECTED / "signatures"
MAX_DELTAS = (0.003, 0.004, 0.005, 0.045, 0.05, 0.06)  # the golden file's, in its order
RTOL = 1e-6
WRITTEN_RTOL = 1e-5  # output tables are written with %.6g


def require_r_packages(*packages: str) -> None:
    """Skip unless ``Rscript`` loads every package (fail under ICARUS_REQUIRE_SHARED=1)."""
    rscript_with(*packages)


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", float_precision="round_trip")


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return read_tsv(CASE / "strict_catalogue.tsv").set_index("channel")


@pytest.fixture(scope="module")
def signatures() -> pd.DataFrame:
    return read_tsv(CASE / "strict_signatures.tsv").set_index("channel")


def contributions(long: pd.DataFrame, max_delta: float) -> pd.DataFrame:
    """Samples x signatures at one ``max_delta`` from a long strict_fit.R table."""
    rows = long[np.isclose(long["max_delta"], max_delta, rtol=0, atol=1e-12)]
    return rows.pivot(index="sample", columns="signature", values="contribution")


def kept_sets(exposures: pd.DataFrame) -> dict[str, list[str]]:
    return {s: list(row.index[row > 0]) for s, row in exposures.iterrows()}


def assert_same_fit(ours: pd.DataFrame, expected: pd.DataFrame, label: str) -> None:
    """Same kept signatures per sample, then contributions within RTOL."""
    expected = expected.loc[ours.index, ours.columns]
    assert kept_sets(ours) == kept_sets(expected), f"{label}: kept signatures differ"
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=0, err_msg=label)


def our_fit(catalogue: pd.DataFrame, signatures: pd.DataFrame, max_delta: float) -> pd.DataFrame:
    """Our strict backwards fit; at 0.004 through the default, so a changed default shows."""
    if max_delta == 0.004:
        return sg.fit("strict", catalogue, signatures).exposures
    return sg.fit("strict", catalogue, signatures, sg.FitOptions(max_delta=max_delta)).exposures


def test_case_signatures_are_the_bundled_cosmic_columns(signatures: pd.DataFrame) -> None:
    cosmic = read_signatures(COSMIC_FILE)
    np.testing.assert_array_equal(signatures, cosmic.loc[signatures.index, signatures.columns])


def test_golden_covers_every_tested_max_delta() -> None:
    golden = read_tsv(GOLDEN / "strict_contributions.tsv")
    assert tuple(golden["max_delta"].unique()) == MAX_DELTAS
    assert len(golden) == len(MAX_DELTAS) * 8 * 9  # every sample x signature


@pytest.mark.parametrize(
    ("lower", "higher"), [(0.003, 0.004), (0.004, 0.005), (0.045, 0.05), (0.05, 0.06)]
)
def test_neighbouring_max_delta_give_different_kept_sets(lower: float, higher: float) -> None:
    """The case has teeth: MutationalPatterns itself keeps other signatures a step away."""
    golden = read_tsv(GOLDEN / "strict_contributions.tsv")
    assert kept_sets(contributions(golden, lower)) != kept_sets(contributions(golden, higher))


@pytest.mark.parametrize("max_delta", MAX_DELTAS)
def test_strict_fit_matches_mutationalpatterns_golden(
    catalogue: pd.DataFrame, signatures: pd.DataFrame, max_delta: float
) -> None:
    golden = contributions(read_tsv(GOLDEN / "strict_contributions.tsv"), max_delta)
    ours = our_fit(catalogue, signatures, max_delta)
    assert_same_fit(ours, golden, f"max_delta={max_delta}")


def test_strict_fit_matches_golden_across_processes(
    catalogue: pd.DataFrame, signatures: pd.DataFrame
) -> None:
    """The cohort filter and chunking across worker processes do not change the answer."""
    golden = contributions(read_tsv(GOLDEN / "strict_contributions.tsv"), 0.004)
    ours = sg.fit("strict", catalogue, signatures, processes=2).exposures
    assert_same_fit(ours, golden, "processes=2")


@pytest.mark.parametrize("max_delta", [None, 0.005])
def test_signatures_command_strict_matches_golden(
    cli: Callable[..., CliResult], signatures: pd.DataFrame, tmp_path: Path, max_delta: float | None
) -> None:
    """The command's own --max-delta default (0.004) and option reach the fit."""
    options = [] if max_delta is None else ["--max-delta", max_delta]
    code, _, err = cli(
        "signatures", CASE / "strict_catalogue.tsv", "--outdir", tmp_path, "--method", "strict",
        "--shortlist", ",".join(signatures.columns), "--no-spectra", "--threads", 1, *options,
    )  # fmt: skip
    assert code == 0, err
    golden = contributions(read_tsv(GOLDEN / "strict_contributions.tsv"), max_delta or 0.004)
    exposures = read_tsv(tmp_path / "exposures.tsv").set_index("sample")
    expected = golden.loc[exposures.index, exposures.columns]
    assert kept_sets(exposures) == kept_sets(expected)
    np.testing.assert_allclose(exposures, expected, rtol=WRITTEN_RTOL, atol=0)
    quality = read_tsv(tmp_path / "fit_quality.tsv").set_index("sample")
    assert quality["signatures_kept"].to_dict() == {
        sample: ";".join(kept) for sample, kept in kept_sets(expected).items()
    }


def test_strict_fit_matches_live_mutationalpatterns(
    catalogue: pd.DataFrame, signatures: pd.DataFrame, tmp_path: Path
) -> None:
    require_r_packages("MutationalPatterns")
    output = tmp_path / "strict_contributions.tsv"
    subprocess.run(
        ["Rscript", GOLDEN / "strict_fit.R", CASE / "strict_catalogue.tsv",
         CASE / "strict_signatures.tsv", output, *map(str, MAX_DELTAS)],
        check=True, timeout=600,
    )  # fmt: skip
    live = read_tsv(output)
    for max_delta in MAX_DELTAS:
        ours = our_fit(catalogue, signatures, max_delta)
        assert_same_fit(ours, contributions(live, max_delta), f"live R, max_delta={max_delta}")
