"""``pfs-signature`` from the command line: bad inputs are one-line errors that leave nothing
in -o, outputs are byte-identical whatever --threads, a run's folds.tsv replays it, samples
and genes left out are warned about and listed in pfs_summary.json, and hostile sample names
never reach the file system.

Inputs are a tiny simulated cohort (30 samples x 12 genes; G0 raises and G1 lowers the
hazard) and runs are short (--repeats 2, --folds 3), so the whole file takes seconds.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import CliResult, assert_refused, leftovers, warnings_in

Cli = Callable[..., CliResult]
Edit = Callable[[pd.DataFrame, pd.DataFrame], None]
FAST = ("--repeats", 2, "--folds", 3, "--threads", 1)
TABLES = ("univariate_cox.tsv", "selection_frequency.tsv", "signature.tsv", "per_repeat.tsv",
          "folds.tsv", "risk_scores.tsv")  # fmt: skip
OUTPUTS = {*TABLES, "pfs_km.png", "pfs_selection.png", "pfs_summary.json"}


def simulate(
    samples: list[str] | None = None, n_genes: int = 12, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expression (genes x samples, text-free floats) and survival (sample, time, event as
    text, so that tests can plant bad cells) for 30 samples unless ``samples`` are given."""
    samples = samples or [f"S{i:02d}" for i in range(30)]
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_genes, len(samples))).round(4)
    hazard = np.exp(1.2 * values[0] - 1.0 * values[1])
    progression = rng.exponential(12.0 / hazard) + 0.1
    censoring = rng.exponential(20.0, size=len(samples)) + 0.1
    expression = pd.DataFrame(values, columns=samples,
                              index=pd.Index([f"G{j}" for j in range(n_genes)], name="gene"))  # fmt: skip
    survival = pd.DataFrame({
        "sample": samples,
        "time": [f"{t:.3f}" for t in np.minimum(progression, censoring)],
        "event": [str(int(e)) for e in progression <= censoring],
    })  # fmt: skip
    return expression, survival


def write_inputs(
    folder: Path, expression: pd.DataFrame, survival: pd.DataFrame
) -> tuple[Path, Path]:
    """expression.tsv and survival.tsv in ``folder`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    expression_path, survival_path = folder / "expression.tsv", folder / "survival.tsv"
    expression.to_csv(expression_path, sep="\t")
    survival.to_csv(survival_path, sep="\t", index=False)
    return expression_path, survival_path


def cohort(folder: Path, edit: Edit | None = None) -> tuple[Path, Path]:
    """The simulated cohort written to ``folder``, after ``edit(expression, survival)``."""
    expression, survival = simulate()
    expression = expression.astype(object)
    if edit is not None:
        edit(expression, survival)
    return write_inputs(folder, expression, survival)


def simple_folds(samples: list[str], repeats: int = 2, k: int = 3) -> pd.DataFrame:
    """A valid fold file: repeat, then one column per sample with fold ids 1..k."""
    table = pd.DataFrame({s: [(i + r) % k + 1 for r in range(repeats)]
                          for i, s in enumerate(samples)})  # fmt: skip
    table.insert(0, "repeat", range(1, repeats + 1))
    return table.astype(str)


def read_summary(path: Path) -> dict:
    return json.loads(path.read_text())


def run_samples(path: Path) -> list[str]:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)["sample"].tolist()


# --- 1. bad inputs: one line, exit 1, nothing written ------------------------------------


def _set_survival(column: str, value: str) -> Edit:
    def edit(_: pd.DataFrame, survival: pd.DataFrame) -> None:
        survival.loc[4, column] = value

    return edit


@pytest.mark.parametrize("value", ["0", "-3", "-0.5"])
def test_time_not_positive_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    expression, survival = cohort(tmp_path, _set_survival("time", value))
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "survival.tsv", "line 6 (sample 'S04')",
                   "is not positive")  # fmt: skip


@pytest.mark.parametrize("value", ["NA", "", "soon", "inf"])
def test_time_not_a_number_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    expression, survival = cohort(tmp_path, _set_survival("time", value))
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "line 6 (sample 'S04')", f"time {value!r}",
                   "is not a number")  # fmt: skip


@pytest.mark.parametrize("value", ["2", "yes", "", "0.5", "-1"])
def test_event_not_0_or_1_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    expression, survival = cohort(tmp_path, _set_survival("event", value))
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "line 6 (sample 'S04')", f"event {value!r}",
                   "is not 0 (censored) or 1 (event)")  # fmt: skip


def test_no_event_at_all_is_refused(cli: Cli, tmp_path: Path) -> None:
    def censor_all(_: pd.DataFrame, survival: pd.DataFrame) -> None:
        survival["event"] = "0"

    expression, survival = cohort(tmp_path, censor_all)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "survival.tsv", "no sample has an event")


def test_survival_sample_without_expression_needs_allow_missing(cli: Cli, tmp_path: Path) -> None:
    def add_ghost(_: pd.DataFrame, survival: pd.DataFrame) -> None:
        survival.loc[len(survival)] = ["GHOST", "7.5", "1"]

    expression, survival = cohort(tmp_path, add_ghost)
    outdir = tmp_path / "out"
    result = cli("pfs-signature", expression, survival, "-o", outdir, *FAST)
    assert_refused(result, outdir, "GHOST", "expression.tsv", "--allow-missing")
    code, _, err = cli("pfs-signature", expression, survival, "-o", outdir, *FAST,
                       "--allow-missing")  # fmt: skip
    assert code == 0, err
    assert warnings_in(err) == ["warning: 1 sample(s) without expression left out: GHOST"], err
    assert set(leftovers(outdir)) == OUTPUTS
    assert "GHOST" not in run_samples(outdir / "risk_scores.tsv")
    assert read_summary(outdir / "pfs_summary.json")["samples"] == 30


def test_duplicate_survival_sample_is_refused(cli: Cli, tmp_path: Path) -> None:
    def repeat_s03(_: pd.DataFrame, survival: pd.DataFrame) -> None:
        survival.loc[len(survival)] = ["S03", "4.0", "0"]

    expression, survival = cohort(tmp_path, repeat_s03)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "'S03' is listed more than once", "lines 5, 32")


def test_fewer_samples_than_two_per_fold_is_refused(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out",
                 "--repeats", 2, "--folds", 16, "--threads", 1)  # fmt: skip
    assert_refused(result, tmp_path / "out", "30 samples", "--folds 16", "at least 32")


def test_text_expression_value_is_refused(cli: Cli, tmp_path: Path) -> None:
    def plant_text(expression: pd.DataFrame, _: pd.DataFrame) -> None:
        expression.loc["G2", "S05"] = "high"

    expression, survival = cohort(tmp_path, plant_text)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "expression.tsv", "gene G2", "sample S05",
                   "not a number")  # fmt: skip


def test_duplicate_gene_id_is_refused(cli: Cli, tmp_path: Path) -> None:
    def rename(expression: pd.DataFrame, _: pd.DataFrame) -> None:
        expression.rename(index={"G7": "G3"}, inplace=True)

    expression, survival = cohort(tmp_path, rename)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "expression.tsv", "duplicate gene id(s): G3")


def _drop_column(folds: pd.DataFrame) -> None:
    folds.drop(columns="S07", inplace=True)


def _fold_zero(folds: pd.DataFrame) -> None:
    folds.loc[1, "S07"] = "0"


def _fold_fraction(folds: pd.DataFrame) -> None:
    folds.loc[1, "S07"] = "1.5"


def _fold_text(folds: pd.DataFrame) -> None:
    folds.loc[1, "S07"] = "two"


def _one_fold(folds: pd.DataFrame) -> None:
    folds.loc[1, folds.columns[1:]] = "1"


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(_drop_column, ("no column for 1 sample(s)", "S07"), id="missing-sample"),
        pytest.param(_fold_zero, ("repeat 2, sample S07", "'0'", "whole number >= 1"), id="zero"),
        pytest.param(_fold_fraction, ("repeat 2, sample S07", "'1.5'"), id="fraction"),
        pytest.param(_fold_text, ("repeat 2, sample S07", "'two'"), id="text"),
        pytest.param(_one_fold, ("repeat 2 puts every sample in one fold",), id="one-fold"),
    ],
)
def test_bad_folds_file_is_refused(
    cli: Cli, tmp_path: Path, edit: Callable[[pd.DataFrame], None], fragments: tuple[str, ...]
) -> None:
    expression, survival = cohort(tmp_path)
    folds = simple_folds([f"S{i:02d}" for i in range(30)])
    edit(folds)
    folds.to_csv(tmp_path / "folds.tsv", sep="\t", index=False)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST,
                 "--folds-file", tmp_path / "folds.tsv")  # fmt: skip
    assert_refused(result, tmp_path / "out", "folds.tsv", *fragments)


def test_cutoff_not_a_number_is_refused(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST,
                 "--cutoff", "high")  # fmt: skip
    assert_refused(result, tmp_path / "out", "--cutoff 'high'", "'median' or a finite number")


@pytest.mark.parametrize("times", ["soon", "6,later", "-1", "6,-1", "0"])
def test_bad_auc_times_are_refused(cli: Cli, tmp_path: Path, times: str) -> None:
    expression, survival = cohort(tmp_path)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST,
                 f"--auc-times={times}")  # fmt: skip
    assert_refused(result, tmp_path / "out", f"--auc-times {times!r}", "positive numbers")


def test_genes_file_without_any_expression_gene_is_refused(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path)
    genes = tmp_path / "panel.txt"
    genes.write_text("gene\nNOPE1\nNOPE2\n")
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST,
                 "--genes", genes)  # fmt: skip
    assert_refused(result, tmp_path / "out", "panel.txt", "none of its 2 genes")


def test_survival_without_time_column_is_refused(cli: Cli, tmp_path: Path) -> None:
    def rename(_: pd.DataFrame, survival: pd.DataFrame) -> None:
        survival.rename(columns={"time": "pfs_months"}, inplace=True)

    expression, survival = cohort(tmp_path, rename)
    outdir = tmp_path / "out"
    result = cli("pfs-signature", expression, survival, "-o", outdir, *FAST)
    assert_refused(result, outdir, "survival.tsv", "lacks column(s) time", "pfs_months")
    # naming the column is the fix
    code, _, err = cli("pfs-signature", expression, survival, "-o", outdir, *FAST,
                       "--time-column", "pfs_months")  # fmt: skip
    assert code == 0 and warnings_in(err) == [], err
    assert set(leftovers(outdir)) == OUTPUTS


# --- 2. determinism -----------------------------------------------------------------------


def _without_wall_time(path: Path) -> dict:
    document = read_summary(path)
    document["run"].pop("wall_time_s")
    return document


def test_outputs_do_not_depend_on_threads_or_folder(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path / "in")
    options = ("--repeats", 3, "--folds", 3)
    for name, threads in (("one", 1), ("two", 2), ("again", 1)):
        code, _, err = cli("pfs-signature", expression, survival, "-o", tmp_path / name / "out",
                           *options, "--threads", threads)  # fmt: skip
        assert code == 0, err
        assert set(leftovers(tmp_path / name / "out")) == OUTPUTS
    for table in TABLES:
        one = (tmp_path / "one" / "out" / table).read_bytes()
        assert one == (tmp_path / "two" / "out" / table).read_bytes(), table
        assert one == (tmp_path / "again" / "out" / table).read_bytes(), table
    first = _without_wall_time(tmp_path / "one" / "out" / "pfs_summary.json")
    assert first == _without_wall_time(tmp_path / "again" / "out" / "pfs_summary.json")
    assert first["run"]["seed"] == 1 and first["settings"]["repeats"] == 3
    assert first["run"]["command_line"][2:4] == ["../../in/expression.tsv",
                                                 "../../in/survival.tsv"]  # fmt: skip


# --- 3. replay ----------------------------------------------------------------------------


def test_folds_file_replays_a_run(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path)
    first, replay = tmp_path / "first", tmp_path / "replay"
    code, _, err = cli("pfs-signature", expression, survival, "-o", first,
                       "--repeats", 3, "--folds", 3, "--threads", 1)  # fmt: skip
    assert code == 0, err
    code, _, err = cli("pfs-signature", expression, survival, "-o", replay, "--threads", 1,
                       "--folds-file", first / "folds.tsv")  # fmt: skip
    assert code == 0, err
    for table in ("per_repeat.tsv", "selection_frequency.tsv", "folds.tsv", "signature.tsv"):
        assert (first / table).read_bytes() == (replay / table).read_bytes(), table
    settings = read_summary(replay / "pfs_summary.json")["settings"]
    assert settings["fold_scheme"] == "file" and settings["repeats"] == 3


# --- 4. expression samples without survival -----------------------------------------------


def test_expression_samples_without_survival_are_listed_and_unused(
    cli: Cli, tmp_path: Path
) -> None:
    expression, survival = simulate()
    extra = ["X1", "X2", "X3"]
    wider = expression.copy()
    for number, name in enumerate(extra):  # far off the cohort: would move the z-scores
        wider[name] = 10.0 * (number + 1)
    plain = write_inputs(tmp_path / "plain", expression, survival)
    with_extra = write_inputs(tmp_path / "extra", wider, survival)
    code, _, err = cli("pfs-signature", *plain, "-o", tmp_path / "plain" / "out", *FAST)
    assert code == 0, err
    code, _, err = cli("pfs-signature", *with_extra, "-o", tmp_path / "extra" / "out", *FAST)
    assert code == 0, err
    assert warnings_in(err) == [
        "warning: 3 expression sample(s) without survival not used: X1, X2, X3"
    ], err
    outdir = tmp_path / "extra" / "out"
    summary = read_summary(outdir / "pfs_summary.json")
    assert summary["samples_without_survival"] == extra and summary["samples"] == 30
    assert run_samples(outdir / "risk_scores.tsv") == survival["sample"].tolist()
    for table in TABLES:
        assert (outdir / table).read_bytes() == (tmp_path / "plain" / "out" / table).read_bytes()


# --- 5. constant genes --------------------------------------------------------------------


def test_constant_genes_are_left_out_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    def flatten(expression: pd.DataFrame, _: pd.DataFrame) -> None:
        expression.loc["G5"] = 1.0
        expression.loc["G8"] = 0.0

    expression, survival = cohort(tmp_path, flatten)
    outdir = tmp_path / "out"
    code, _, err = cli("pfs-signature", expression, survival, "-o", outdir, *FAST)
    assert code == 0, err
    assert warnings_in(err) == ["warning: 2 constant gene(s) left out: G5, G8"], err
    summary = read_summary(outdir / "pfs_summary.json")
    assert summary["genes_constant"] == ["G5", "G8"] and summary["genes_tested"] == 10
    univariate = pd.read_csv(outdir / "univariate_cox.tsv", sep="\t")
    assert sorted(univariate["gene"]) == sorted(f"G{j}" for j in range(12) if j not in (5, 8))
    frequencies = pd.read_csv(outdir / "selection_frequency.tsv", sep="\t")
    assert not {"G5", "G8"} & set(frequencies["gene"])


# --- 6. hostile sample names --------------------------------------------------------------

HOSTILE = ["../../evil", "with space", "é日本語", "-rf", "NA", "x;rm"]


def test_hostile_sample_names_stay_data(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = [*HOSTILE, *(f"S{i:02d}" for i in range(len(HOSTILE), 30))]
    inputs = write_inputs(tmp_path / "in", *simulate(samples))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = set(tmp_path.rglob("*"))
    code, _, err = cli("pfs-signature", *inputs, "-o", "out", *FAST)
    assert code == 0, err
    assert set(leftovers(work / "out")) == OUTPUTS
    assert set(tmp_path.rglob("*")) - before == {work / "out", *(work / "out").iterdir()}
    assert run_samples(work / "out" / "risk_scores.tsv") == samples
    folds = (work / "out" / "folds.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert folds.split("\t") == ["repeat", *samples]
    # the names read back from folds.tsv replay the run
    code, _, err = cli("pfs-signature", *inputs, "-o", "replay", "--threads", 1,
                       "--folds-file", "out/folds.tsv")  # fmt: skip
    assert code == 0, err
    per_repeat = (work / "out" / "per_repeat.tsv").read_bytes()
    assert per_repeat == (work / "replay" / "per_repeat.tsv").read_bytes()
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()
    assert sorted(os.listdir(work)) == ["out", "replay"]


def test_sample_named_repeat_is_refused(cli: Cli, tmp_path: Path) -> None:
    """'repeat' is the fold file's first column: a sample of that name is refused up front."""
    samples = ["repeat", *(f"S{i:02d}" for i in range(1, 30))]
    inputs = write_inputs(tmp_path / "in", *simulate(samples))
    result = cli("pfs-signature", *inputs, "-o", tmp_path / "out", *FAST)
    assert_refused(result, tmp_path / "out", "'repeat'")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_cutoff_not_finite_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    expression, survival = cohort(tmp_path)
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST,
                 "--cutoff", value)  # fmt: skip
    assert_refused(result, tmp_path / "out", f"--cutoff {value!r}")


def test_folds_file_decides_the_folds(cli: Cli, tmp_path: Path) -> None:
    """8 samples replayed on 2 folds: --folds (default 5) is not in the way, and the
    summary records the file's folds and repeats."""
    samples = [f"S{i}" for i in range(8)]
    inputs = write_inputs(tmp_path / "in", *simulate(samples))
    folds = tmp_path / "folds.tsv"
    folds.write_text("repeat\t" + "\t".join(samples) + "\n"
                     + "1\t" + "\t".join("12121212") + "\n"
                     + "2\t" + "\t".join("11221122") + "\n")  # fmt: skip
    code, _, err = cli("pfs-signature", *inputs, "-o", tmp_path / "out", "--folds-file", folds,
                       "--threads", "1")  # fmt: skip
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "pfs_summary.json").read_text())
    assert summary["settings"]["folds"] == 2 and summary["settings"]["repeats"] == 2


def test_a_typo_in_cutoff_fails_before_the_selection(cli: Cli, tmp_path: Path) -> None:
    expression, survival = cohort(tmp_path)
    started = time.monotonic()
    result = cli("pfs-signature", expression, survival, "-o", tmp_path / "out",
                 "--repeats", "500", "--cutoff", "hgih")  # fmt: skip
    assert_refused(result, tmp_path / "out", "--cutoff 'hgih'")
    assert time.monotonic() - started < 5  # 500 repeats would take far longer


def test_padded_sample_names_match(cli: Cli, tmp_path: Path) -> None:
    """Blanks around a name in the survival table are dropped, as in the expression header."""
    expression, survival = cohort(tmp_path)
    lines = survival.read_text().splitlines()
    first = lines[1].split("\t")
    lines[1] = "\t".join([f"  {first[0]} ", *first[1:]])
    survival.write_text("\n".join(lines) + "\n")
    code, _, err = cli("pfs-signature", expression, survival, "-o", tmp_path / "out", *FAST)
    assert code == 0, err
