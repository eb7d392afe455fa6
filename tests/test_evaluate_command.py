"""``icarus-omics evaluate``: the example's planted marker is found and its noise marker is
not, the tables hold what the library computes, and bad input is refused in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.evaluation import binary
from tests.conftest import CliResult, assert_refused

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example's clinical table (62 patients) and its scores table."""
    from icarus_omics.example.clinical import build_example_clinical, build_example_scores
    from icarus_omics.example.cohort import build_example_cohort

    folder = tmp_path_factory.mktemp("evaluate")
    samples = build_example_cohort().samples
    clinical = build_example_clinical(dict(zip(samples["patient"], samples["best_response"],
                                               strict=True)))  # fmt: skip
    clinical["age"] = np.random.default_rng(1).integers(35, 80, len(clinical))
    clinical["stage"] = np.where(np.arange(len(clinical)) % 3 == 0, "IV", "III")
    clinical.to_csv(folder / "clinical.tsv", sep="\t", index=False)
    build_example_scores(clinical).to_csv(folder / "scores.tsv", sep="\t", index=False)
    return folder / "scores.tsv", folder / "clinical.tsv"


def table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t").set_index(["score", "metric"])


def test_planted_marker_predicts_response_and_noise_does_not(
    cli: Cli, example: tuple[Path, Path], tmp_path: Path
) -> None:
    scores, clinical = example
    code, out, err = cli("evaluate", scores, clinical, "-o", tmp_path, "--probability",
                         "her3_model_probability", "--versus", "noise_marker", "--per", "10")  # fmt: skip
    assert code == 0, err
    assert out == "" and "seed 0" in err
    result = table(tmp_path / "evaluation.tsv")
    her3, noise = result.loc["her3_hscore"], result.loc["noise_marker"]
    assert her3.loc["auc", "ci_low"] > 0.5 and her3.loc["auc", "p_value"] < 0.01
    assert noise.loc["auc", "ci_low"] < 0.5 < noise.loc["auc", "ci_high"]
    assert her3.loc["or_per_sd", "ci_low"] > 1 and noise.loc["or_per_sd", "p_value"] > 0.05
    # OR per 10 units is OR per unit to the 10th (the table holds 6 significant digits)
    assert her3.loc["or_per_10", "estimate"] == pytest.approx(
        her3.loc["or_per_unit", "estimate"] ** 10, rel=1e-4
    )  # fmt: skip (6 digits)
    assert "optimistic" in her3.loc["youden_threshold", "method"]
    probability = result.loc["her3_model_probability"]
    assert {"brier", "scaled_brier", "calibration_intercept", "calibration_slope"} <= set(
        probability.index)  # fmt: skip
    assert "brier" not in set(her3.index)  # calibration only for --probability scores
    for name in ("roc", "precision_recall", "calibration", "decision_curve", "forest"):
        assert (tmp_path / f"{name}.png").stat().st_size > 0, name
    comparisons = pd.read_csv(tmp_path / "comparisons.tsv", sep="\t")
    assert set(comparisons["versus"]) == {"noise_marker"} and len(comparisons) == 2


def test_table_rows_are_the_library_values(cli: Cli, example: tuple[Path, Path],
                                           tmp_path: Path) -> None:  # fmt: skip
    """The AUC row is roc_auc on the matched, evaluable patients (NE left out)."""
    scores, clinical = example
    code, _, err = cli("evaluate", scores, clinical, "-o", tmp_path, "--score", "her3_hscore")
    assert code == 0, err
    clinical_table = pd.read_csv(clinical, sep="\t").set_index("patient")
    values = pd.read_csv(scores, sep="\t").set_index("patient")["her3_hscore"]
    evaluable = clinical_table[clinical_table["best_response"] != "NE"]
    y = evaluable["best_response"].isin(["CR", "PR"]) & (evaluable["confirmed"] != "no")
    expected = binary.roc_auc(values.loc[evaluable.index].to_numpy(), y.astype(int).to_numpy())
    row = table(tmp_path / "evaluation.tsv").loc[("her3_hscore", "auc")]
    assert row["estimate"] == pytest.approx(expected.estimate, rel=1e-5)
    assert row["ci_low"] == pytest.approx(expected.ci_low, rel=1e-5)
    assert table(tmp_path / "evaluation.tsv").loc[("her3_hscore", "n"), "estimate"] == len(y)


def test_lower_scores_are_negated_and_said(cli: Cli, example: tuple[Path, Path],
                                           tmp_path: Path) -> None:  # fmt: skip
    scores, clinical = example
    for name, extra in (("plain", []), ("lower", ["--lower", "her3_hscore"])):
        code, _, err = cli("evaluate", scores, clinical, "-o", tmp_path / name, "--score",
                           "her3_hscore", *extra)  # fmt: skip
        assert code == 0, err
    plain = table(tmp_path / "plain" / "evaluation.tsv").loc[("her3_hscore", "auc")]
    lower = table(tmp_path / "lower" / "evaluation.tsv").loc[("her3_hscore", "auc")]
    assert lower["estimate"] == pytest.approx(1 - plain["estimate"], rel=1e-6)
    assert "negated" in lower["method"]


def test_pfs_outcome_adjusted_and_reproducible(cli: Cli, example: tuple[Path, Path],
                                               tmp_path: Path) -> None:  # fmt: skip
    scores, clinical = example
    args = ("evaluate", scores, clinical, "--outcome", "pfs", "--adjust", "age,stage",
            "--score", "her3_hscore", "--score", "noise_marker", "--figure-format", "svg")  # fmt: skip
    assert cli(*args, "-o", tmp_path / "a")[0] == 0
    code, _, err = cli(*args, "-o", tmp_path / "b")
    assert code == 0, err
    for name in ("evaluation.tsv", "forest.svg", "km_her3_hscore.svg", "spline_noise_marker.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    result = table(tmp_path / "a" / "evaluation.tsv")
    assert result.loc[("her3_hscore", "hr_per_sd"), "ci_high"] < 1  # the planted protective marker
    assert result.loc[("noise_marker", "c_index"), "p_value"] > 0.05
    adjusted = result.loc[("her3_hscore", "hr_per_sd_adjusted")]
    assert "age, stage=IV" in adjusted["method"]
    assert "data-driven" in result.loc[("her3_hscore", "maxstat_cutpoint"), "method"]
    assert not (tmp_path / "a" / "comparisons.tsv").exists()


def _write(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / name
    frame.to_csv(path, sep="\t", index=False)
    return path


@pytest.mark.parametrize(
    ("change", "options", "fragments"),
    [
        (lambda s, c: (s.assign(her3_hscore=5.0), c), ["--score", "her3_hscore"],
         ["'her3_hscore' has no variation"]),
        (lambda s, c: (s, c.assign(best_response="PD", confirmed="")), [],
         ["same outcome (one class)"]),
        (lambda s, c: (s.assign(patient=s["patient"] + "_BL"), c), [],
         ["no patient matches", "'P01_BL'", "--id"]),
        (lambda s, c: (s.assign(her3_hscore=s["her3_hscore"]), c),
         ["--score", "her3_hscore", "--probability", "her3_hscore"], ["[0, 1]"]),
        (lambda s, c: (s.assign(noise_marker="high"), c), ["--score", "noise_marker"],
         ["'noise_marker' is not numeric"]),
        (lambda s, c: (pd.concat([s, s.head(1)]), c), [], ["'P01' has more than one row"]),
        (lambda s, c: (s, c), ["--adjust", "smoking"], ["no column smoking for --adjust"]),
        (lambda s, c: (s, c), ["--where", "timepoint"], ["give COLUMN=VALUE"]),
        (lambda s, c: (s, c), ["--score", "her3_hscore", "--adjust", "her3_hscore"],
         ["collinear"]),
        (lambda s, c: (s, c), ["--outcome", "pfs", "--score", "her3_hscore", "--adjust",
                               "her3_hscore"], ["collinear"]),
        (lambda s, c: (s, c), ["--versus", "nothing"], ["no score column 'nothing'"]),
        (lambda s, c: (s, c.drop(columns=["pfs_months", "pfs_event"])), ["--outcome", "pfs"],
         ["no pfs_months"]),
        (lambda s, c: (s, c.assign(best_response="NE", confirmed="")), [],
         ["no evaluable patient"]),
        (lambda s, c: (s, c.assign(pfs_months="", pfs_event="")), ["--outcome", "pfs"],
         ["no patient has pfs_months"]),
    ],
    ids=["constant", "one-class", "no-match", "probability-range", "text", "duplicate",
         "adjust", "where", "adjust-collinear", "adjust-collinear-pfs", "versus", "no-pfs", "all-ne",
         "pfs-empty"],
)  # fmt: skip
def test_bad_input_is_refused_in_one_line(
    cli: Cli, example: tuple[Path, Path], tmp_path: Path, change: Callable[..., tuple[pd.DataFrame, pd.DataFrame]],
    options: list[str], fragments: list[str],
) -> None:  # fmt: skip
    scores, clinical = example
    new_scores, new_clinical = change(pd.read_csv(scores, sep="\t"),
                                      pd.read_csv(clinical, sep="\t", dtype=str, keep_default_na=False))  # fmt: skip
    inputs = tmp_path / "in"
    inputs.mkdir()
    result = cli("evaluate", _write(inputs, "scores.tsv", new_scores),
                 _write(inputs, "clinical.tsv", new_clinical), "-o", tmp_path / "out", *options)  # fmt: skip
    assert_refused(result, tmp_path / "out", *fragments)


def test_hostile_score_names_never_reach_the_file_system(
    cli: Cli, example: tuple[Path, Path], tmp_path: Path
) -> None:
    scores, clinical = example
    hostile = pd.read_csv(scores, sep="\t").rename(columns={"noise_marker": "../../escape"})
    path = _write(tmp_path, "scores.tsv", hostile)
    result = cli("evaluate", path, clinical, "-o", tmp_path / "out", "--outcome", "pfs")
    assert_refused(result, tmp_path / "out", "'../../escape'")
    assert not (tmp_path.parent / "escape").exists()
