"""``clinical`` from the command line: bad inputs are one-line errors naming the patient that
leave nothing in -o; ORR, CBR and DCR are exact fractions with Clopper-Pearson intervals and
a one-sided binomial test that match scipy; the study's own numbers come out as reported;
PFS is derived from dates by the trial's rules; --by and --biomarkers add per-group rows and
association tests; CSV reads as TSV and the tables are byte-identical run to run.

Every input is a tiny hand-made table written by :func:`write_table`; most tests need no
survival columns (so no Kaplan-Meier figures are drawn), which keeps the file fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.conftest import CliResult, assert_refused, warnings_in

Cli = Callable[..., CliResult]
Row = Sequence[object]
DAYS_PER_MONTH = 365.25 / 12
TABLES = ("endpoints.tsv", "patients.tsv", "association.tsv")


def write_table(path: Path, header: Sequence[str], rows: Sequence[Row]) -> Path:
    """``rows`` under ``header`` as TSV, or CSV when ``path`` ends in .csv; cells as text."""
    sep = "," if path.suffix == ".csv" else "\t"
    lines = [sep.join(header), *(sep.join(str(cell) for cell in row) for row in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def endpoint_rows(outdir: Path) -> dict[tuple[str, str], dict[str, str]]:
    """endpoints.tsv keyed by (endpoint, group)."""
    table = read_tsv(outdir / "endpoints.tsv")
    return {(r["endpoint"], r["group"]): r for r in table.to_dict("records")}


def close(text: str, expected: float) -> bool:
    """A cell written with ``%.6g`` equals ``expected`` to its six significant digits."""
    return float(text) == pytest.approx(expected, rel=1e-5, abs=1e-12)


# --- a small valid table, and copies of it with one cell changed ---------------------------

HEADER = ("patient", "best_response", "confirmed", "sd_months", "pfs_months", "pfs_event")
ROWS: list[list[object]] = [
    ["P1", "CR", "yes", "", 12, 0],
    ["P2", "PR", "yes", "", 10, 1],
    ["P3", "SD", "", 7, 7.5, 1],
    ["P4", "PD", "", "", 2, 1],
]
DATE_HEADER = ("patient", "best_response", "start_date", "progression_date", "death_date",
               "last_assessment_date")  # fmt: skip
DATE_ROWS: list[list[object]] = [
    ["P1", "PR", "2021-01-01", "2021-04-01", "", "2021-03-15"],
    ["P2", "SD", "2021-01-01", "", "", "2021-06-30"],
    ["P3", "PD", "2021-01-01", "2021-02-01", "2021-05-01", "2021-02-01"],
]


def with_cell(folder: Path, patient: str, column: str, value: object, dates: bool = False,
              name: str = "clinical.tsv") -> Path:  # fmt: skip
    """The valid table (or its dates version) with ``column`` of ``patient`` set to ``value``."""
    header, rows = (DATE_HEADER, DATE_ROWS) if dates else (HEADER, ROWS)
    j = header.index(column)
    edited = [[value if (row[0] == patient and k == j) else cell for k, cell in enumerate(row)]
              for row in rows]  # fmt: skip
    return write_table(folder / name, header, edited)


def test_the_small_tables_are_valid(cli: Cli, tmp_path: Path) -> None:
    """The tables the bad-input tests break are accepted as they are."""
    for dates in (False, True):
        table = with_cell(tmp_path, "P1", "patient", "P1", dates=dates)
        code, _, err = cli("clinical", table, "-o", tmp_path / f"out{dates}", "--landmarks", "")
        assert code == 0 and warnings_in(err) == [], err
        assert (tmp_path / f"out{dates}" / "endpoints.tsv").exists()


# --- 1. bad inputs: one line, exit 1, nothing written --------------------------------------


@pytest.mark.parametrize("value", ["MR", "minor response", "partial remission", "CRu"])
def test_unknown_response_code_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    table = with_cell(tmp_path, "P2", "best_response", value)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "clinical.tsv", "patient 'P2'", f"best response {value!r}")  # fmt: skip


def test_negative_pfs_months_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P3", "pfs_months", "-1.5")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P3'", "pfs_months -1.5 is negative")  # fmt: skip


def test_pfs_event_without_pfs_months_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P3", "pfs_months", "")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P3'", "a pfs_event without pfs_months")  # fmt: skip


def test_pfs_months_without_event_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P3", "pfs_event", "NA")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P3'", "pfs_months without pfs_event")  # fmt: skip


@pytest.mark.parametrize("value", ["2", "-1", "0.5"])
def test_event_not_0_or_1_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    table = with_cell(tmp_path, "P2", "pfs_event", value)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", f"pfs_event {value} is not 0 (censored) or 1")  # fmt: skip


def test_event_as_text_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P2", "pfs_event", "yes")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", "pfs_event 'yes' is not a number")  # fmt: skip


@pytest.mark.parametrize("repeat", ["P2", " P2 "])
def test_patient_twice_is_refused(cli: Cli, tmp_path: Path, repeat: str) -> None:
    table = write_table(tmp_path / "clinical.tsv", HEADER, [*ROWS, [repeat, "PD", "", "", 3, 1]])
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "clinical.tsv", "patient 'P2' has more than one row")  # fmt: skip


@pytest.mark.parametrize("column", ["progression_date", "death_date", "last_assessment_date"])
def test_date_before_start_is_refused(cli: Cli, tmp_path: Path, column: str) -> None:
    table = with_cell(tmp_path, "P2", column, "2020-12-01", dates=True)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", f"{column} 2020-12-01 is before start_date 2021-01-01")  # fmt: skip


@pytest.mark.parametrize("value", ["soon", "2021-02-30", "01/03/2021"])
def test_non_date_is_refused(cli: Cli, tmp_path: Path, value: str) -> None:
    table = with_cell(tmp_path, "P2", "last_assessment_date", value, dates=True)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", f"last_assessment_date {value!r} is not a date")  # fmt: skip


def test_patient_without_start_date_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P3", "start_date", "", dates=True)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P3'", "no start_date")  # fmt: skip


def test_patient_without_any_end_date_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P2", "last_assessment_date", "", dates=True)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", "no progression, death or last assessment date")  # fmt: skip


def test_dates_without_start_date_column_are_refused(cli: Cli, tmp_path: Path) -> None:
    keep = [j for j, column in enumerate(DATE_HEADER) if column != "start_date"]
    table = write_table(tmp_path / "clinical.tsv", [DATE_HEADER[j] for j in keep],
                        [[row[j] for j in keep] for row in DATE_ROWS])  # fmt: skip
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "start_date")  # fmt: skip


def test_confirmed_maybe_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P2", "confirmed", "maybe")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", "confirmed 'maybe' is not yes/no")  # fmt: skip


@pytest.mark.parametrize("pair", ["response=best_response", "best_response", "=best_response"])
def test_column_with_unknown_key_is_refused(cli: Cli, tmp_path: Path, pair: str) -> None:
    table = with_cell(tmp_path, "P1", "patient", "P1")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--column", pair),
                   tmp_path / "out", f"--column {pair!r}", "KEY one of patient")  # fmt: skip


def test_column_with_absent_name_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P1", "patient", "P1")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--column", "best_response=BOR"),
                   tmp_path / "out", "clinical.tsv has no column 'BOR'")  # fmt: skip


def test_column_onto_an_existing_column_is_refused(cli: Cli, tmp_path: Path) -> None:
    rows = [[*row, row[4]] for row in ROWS]
    table = write_table(tmp_path / "clinical.tsv", [*HEADER, "PFS"], rows)
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--column", "pfs_months=PFS"),
                   tmp_path / "out", "pfs_months")  # fmt: skip


def test_by_absent_column_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P1", "patient", "P1")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--by", "stage"),
                   tmp_path / "out", "--by stage: no such column in the clinical table")  # fmt: skip
    markers = write_table(tmp_path / "markers.tsv", ("patient", "tmb"), [["P1", 3], ["P2", 9]])
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--by", "stage",
                       "--biomarkers", markers),
                   tmp_path / "out", "--by stage", "or the --biomarkers table")  # fmt: skip


def test_reference_of_a_marker_not_in_by_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = write_table(tmp_path / "clinical.tsv", [*HEADER, "arm", "stage"],
                        [[*row, "AB"[i % 2], "I"] for i, row in enumerate(ROWS)])  # fmt: skip
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--by", "arm",
                       "--reference", "stage=I"),
                   tmp_path / "out", "--reference stage=...: stage is not a --by marker")  # fmt: skip


def test_reference_of_an_absent_level_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = write_table(tmp_path / "clinical.tsv", [*HEADER, "arm"],
                        [[*row, "AB"[i % 2]] for i, row in enumerate(ROWS)])  # fmt: skip
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", "--by", "arm",
                       "--reference", "arm=C"),
                   tmp_path / "out", "arm=C")  # fmt: skip


@pytest.mark.parametrize("text", ["six", "6,twelve", "-6", "6,-12", "0", "nan", "inf"])
def test_bad_landmarks_are_refused(cli: Cli, tmp_path: Path, text: str) -> None:
    table = with_cell(tmp_path, "P1", "patient", "P1")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", f"--landmarks={text}"),
                   tmp_path / "out", f"--landmarks {text!r}", "positive months")  # fmt: skip


def test_header_only_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = write_table(tmp_path / "clinical.tsv", HEADER, [])
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "clinical.tsv", "has no rows")  # fmt: skip


def test_zero_byte_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "clinical.tsv"
    table.write_text("")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "clinical.tsv")  # fmt: skip


def test_infinite_pfs_months_is_refused_naming_the_patient(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P2", "pfs_months", "inf")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "patient 'P2'", "pfs_months")  # fmt: skip


def test_blank_patient_is_refused(cli: Cli, tmp_path: Path) -> None:
    table = with_cell(tmp_path, "P4", "patient", "")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out"), tmp_path / "out",
                   "clinical.tsv", "patient")  # fmt: skip


@pytest.mark.parametrize("option", [("--ci", "1.5"), ("--orr-ci", "0.2"), ("--null-orr", "2"),
                                    ("--ci-type", "arcsine"), ("--cbr-months", "-1")])  # fmt: skip
def test_bad_option_values_are_usage_errors(cli: Cli, tmp_path: Path, option: tuple) -> None:
    table = with_cell(tmp_path, "P1", "patient", "P1")
    assert_refused(cli("clinical", table, "-o", tmp_path / "out", *option), tmp_path / "out",
                   option[0], code=2)  # fmt: skip


# --- 2. known answers by hand ---------------------------------------------------------------

RESPONSE_HEADER = ("patient", "best_response", "confirmed", "sd_months")
# ORR counts P01-P03 (confirmed CR/PR); CBR adds P04 (unconfirmed PR of 8 months) and P05
# (SD of 7 months) but not P06 (SD of 3); DCR counts every CR, PR and SD (P01-P06).
# P10 is NE: left out of the denominator (9) unless --ne-evaluable (10).
RESPONSES: list[list[object]] = [
    ["P01", "CR", "yes", ""],
    ["P02", "Partial Response", "Yes", ""],
    ["P03", "pr", "TRUE", ""],
    ["P04", "PR", "no", 8],
    ["P05", "stable disease", "", 7],
    ["P06", "SD", "1", 3],
    ["P07", "Progressive-Disease", "", ""],
    ["P08", "PD", "0", ""],
    ["P09", "progressive_disease", "", ""],
    ["P10", "Not Evaluable", "", ""],
]
CODES = ["CR", "PR", "PR", "PR", "SD", "SD", "PD", "PD", "PD", "NE"]


def check_rate(row: dict[str, str], k: int, n: int, level: float) -> None:
    """The row is k/n with scipy's exact (Clopper-Pearson) interval at ``level``."""
    assert (int(row["events"]), int(row["n"])) == (k, n), row
    assert close(row["estimate"], k / n), row
    ci = stats.binomtest(k, n).proportion_ci(level, method="exact")
    assert close(row["ci_low"], ci.low) and close(row["ci_high"], ci.high), row
    assert close(row["ci_level"], level), row


@pytest.mark.parametrize(("options", "n"), [((), 9), (("--ne-evaluable",), 10)])
def test_response_rates_are_exact_fractions(cli: Cli, tmp_path: Path, options: tuple,
                                            n: int) -> None:  # fmt: skip
    table = write_table(tmp_path / "clinical.tsv", RESPONSE_HEADER, RESPONSES)
    out = tmp_path / "out"
    code, _, err = cli("clinical", table, "-o", out, "--orr-ci", 0.9, "--null-orr", 0.12, *options)
    assert code == 0 and warnings_in(err) == [], err
    rows = endpoint_rows(out)
    assert sorted(rows) == [("CBR", "all"), ("DCR", "all"), ("ORR", "all")]
    check_rate(rows["ORR", "all"], 3, n, 0.9)
    check_rate(rows["CBR", "all"], 5, n, 0.95)
    check_rate(rows["DCR", "all"], 6, n, 0.95)
    p = stats.binomtest(3, n, 0.12, alternative="greater").pvalue
    assert close(rows["ORR", "all"]["p_value"], p)
    assert rows["CBR", "all"]["p_value"] == "" and rows["DCR", "all"]["p_value"] == ""
    low, high = stats.binomtest(3, n).proportion_ci(0.9, method="exact")
    assert f"ORR 3/{n} = {100 * 3 / n:.1f}% (90% CI {100 * low:.1f}-{100 * high:.1f})" in err

    patients = read_tsv(out / "patients.tsv")
    assert patients["best_response"].tolist() == CODES
    flags = lambda column: "".join("x" if v == "true" else "." for v in patients[column])  # noqa: E731
    assert flags("confirmed") == "xxx.xxx.xx"
    assert flags("responder") == "xxx......."
    assert flags("benefit") == "xxxxx....."
    assert flags("control") == "xxxxxx...."
    assert flags("evaluable") == "xxxxxxxxx."
    summary = json.loads((out / "clinical_summary.json").read_text())
    assert summary["patients"] == 10
    assert summary["settings"]["orr_ci"] == 0.9 and summary["settings"]["null_orr"] == 0.12
    assert summary["settings"]["ne_evaluable"] is bool(options)


@pytest.mark.parametrize(("months", "benefit"), [(3, 6), (7, 5), (8, 4), (8.5, 3)])
def test_cbr_months_threshold_is_inclusive(cli: Cli, tmp_path: Path, months: float,
                                           benefit: int) -> None:  # fmt: skip
    """SD of 3 and 7 months, an unconfirmed PR of 8: each counts once --cbr-months reaches it."""
    table = write_table(tmp_path / "clinical.tsv", RESPONSE_HEADER, RESPONSES)
    code, _, err = cli("clinical", table, "-o", tmp_path / "out", "--cbr-months", months)
    assert code == 0, err
    rows = endpoint_rows(tmp_path / "out")
    check_rate(rows["CBR", "all"], benefit, 9, 0.95)
    check_rate(rows["ORR", "all"], 3, 9, 0.95)  # --orr-ci defaults to --ci


# --- 3. the study's numbers -------------------------------------------------------------------


def test_the_study_numbers(cli: Cli, tmp_path: Path) -> None:
    """99 patients: 53 confirmed CR/PR, 9 SD of >= 6 months (CBR 62/99); the rest are SD of
    less than 6 months, unconfirmed PR of less than 6 months and PD."""
    rows: list[list[object]] = []
    rows += [["CR", "yes", ""]] * 8 + [["PR", "yes", ""]] * 45
    rows += [["SD", "", m] for m in (6, 6.0, 6.5, 7, 8, 9.2, 11, 14, 20)]
    rows += [["SD", "", m] for m in (1, 2, 2.5, 3, 4, 5, 5.9, 5.99)]
    rows += [["PR", "no", m] for m in (2, 4, 5.5)]
    rows += [["PD", "", ""]] * 26
    assert len(rows) == 99
    table = write_table(tmp_path / "clinical.tsv", RESPONSE_HEADER,
                        [[f"S{i:03d}", *row] for i, row in enumerate(rows)])  # fmt: skip
    out = tmp_path / "out"
    code, _, err = cli("clinical", table, "-o", out, "--orr-ci", 0.9, "--null-orr", 0.12)
    assert code == 0, err
    rows_by = endpoint_rows(out)
    orr, cbr, dcr = rows_by["ORR", "all"], rows_by["CBR", "all"], rows_by["DCR", "all"]
    assert (orr["events"], orr["n"], orr["ci_level"]) == ("53", "99", "0.9")
    assert close(orr["estimate"], 53 / 99)
    assert (f"{100 * float(orr['ci_low']):.1f}", f"{100 * float(orr['ci_high']):.1f}") == (
        "44.8", "62.1")  # fmt: skip
    assert (cbr["events"], cbr["n"], cbr["ci_level"]) == ("62", "99", "0.95")
    assert (f"{100 * float(cbr['ci_low']):.1f}", f"{100 * float(cbr['ci_high']):.1f}") == (
        "52.3", "72.1")  # fmt: skip
    assert (dcr["events"], dcr["n"]) == ("73", "99")
    assert close(orr["p_value"], stats.binomtest(53, 99, 0.12, alternative="greater").pvalue)
    assert "ORR 53/99 = 53.5% (90% CI 44.8-62.1)" in err


# --- 4. PFS from dates ------------------------------------------------------------------------

# patient, progression, death, last assessment (start 2021-01-01) -> PFS days, event
DATED: list[tuple[str, str, str, str, int, int]] = [
    ("progression-before-death", "2021-04-01", "2021-06-01", "2021-03-15", 90, 1),
    ("death-after-progression-same-day", "2021-04-01", "2021-04-01", "2021-03-15", 90, 1),
    ("death-8-weeks-after-last", "", "2021-04-26", "2021-03-01", 115, 1),
    ("death-12-weeks-after-last", "", "2021-05-24", "2021-03-01", 143, 1),
    ("death-12-weeks-1-day-after-last", "", "2021-05-25", "2021-03-01", 59, 0),
    ("death-20-weeks-after-last", "", "2021-07-19", "2021-03-01", 59, 0),
    ("death-without-assessment", "", "2021-02-10", "", 40, 1),
    ("alive-without-progression", "", "", "2021-06-30", 180, 0),
    ("assessed-after-progression", "2021-02-15", "", "2021-08-01", 45, 1),
    ("progression-without-assessment", "2021-03-02", "", "", 60, 1),
]


def dated_table(path: Path) -> Path:
    rows = [[name, "2021-01-01", prog, death, last] for name, prog, death, last, _, _ in DATED]
    return write_table(path, ("patient", "start_date", "progression_date", "death_date",
                              "last_assessment_date"), rows)  # fmt: skip


def test_pfs_from_dates(cli: Cli, tmp_path: Path) -> None:
    table = dated_table(tmp_path / "clinical.tsv")
    code, _, err = cli("clinical", table, "-o", tmp_path / "out", "--landmarks", "")
    assert code == 0 and warnings_in(err) == [], err
    patients = read_tsv(tmp_path / "out" / "patients.tsv").set_index("patient")
    assert patients.index.tolist() == [d[0] for d in DATED]
    for name, _, _, _, days, event in DATED:
        assert close(patients.loc[name, "pfs_months"], days / DAYS_PER_MONTH), name
        assert patients.loc[name, "pfs_event"] == str(event), name
    rows = endpoint_rows(tmp_path / "out")
    assert rows["PFS median", "all"]["n"] == str(len(DATED))
    assert rows["PFS median", "all"]["events"] == str(sum(d[5] for d in DATED))


def test_death_window_weeks_moves_the_boundary(cli: Cli, tmp_path: Path) -> None:
    """With a 20-week window the death 20 weeks after the last assessment is an event at
    death (199 days); with 0 weeks only deaths on or before the last assessment are."""
    table = dated_table(tmp_path / "clinical.tsv")
    expected = {20: {"death-12-weeks-1-day-after-last": (144, 1),
                     "death-20-weeks-after-last": (199, 1)},
                0: {"death-8-weeks-after-last": (59, 0),
                    "death-12-weeks-after-last": (59, 0)}}  # fmt: skip
    for weeks, changes in expected.items():
        out = tmp_path / f"out{weeks}"
        code, _, err = cli("clinical", table, "-o", out, "--death-window-weeks", weeks,
                           "--landmarks", "")  # fmt: skip
        assert code == 0, err
        patients = read_tsv(out / "patients.tsv").set_index("patient")
        for name, _, _, _, days, event in DATED:
            days, event = changes.get(name, (days, event))
            assert close(patients.loc[name, "pfs_months"], days / DAYS_PER_MONTH), (weeks, name)
            assert patients.loc[name, "pfs_event"] == str(event), (weeks, name)


# --- 5. --by and --biomarkers -----------------------------------------------------------------

BY_HEADER = ("patient", "best_response", "confirmed", "sd_months", "pfs_months", "pfs_event",
             "arm")  # fmt: skip
BY_ROWS: list[list[object]] = [
    ["P01", "CR", "yes", "", 14.2, 0, "A"],
    ["P02", "PR", "yes", "", 11.0, 1, "A"],
    ["P03", "PR", "yes", "", 9.5, 1, "A"],
    ["P04", "SD", "", 7, 7.1, 1, "A"],
    ["P05", "PD", "", "", 2.0, 1, "A"],
    ["P06", "PR", "no", 3, 4.4, 1, "A"],
    ["P07", "PR", "yes", "", 8.3, 1, "B"],
    ["P08", "SD", "", 3, 3.9, 1, "B"],
    ["P09", "PD", "", "", 1.8, 1, "B"],
    ["P10", "PD", "", "", 2.6, 0, "B"],
    ["P11", "SD", "", 6, 6.5, 1, "B"],
    ["P12", "NE", "", "", 1.0, 1, "B"],
]
# tmb for P01-P11 (P12 has none), and PX99 who is not in the clinical table
TMB = {"P01": 21.5, "P02": 14.0, "P03": 9.8, "P04": 7.2, "P05": 2.1, "P06": 12.3, "P07": 18.0,
       "P08": 3.3, "P09": 1.2, "P10": 4.4, "P11": 6.0, "PX99": 30.0}  # fmt: skip


def by_inputs(folder: Path, suffix: str = ".tsv") -> tuple[Path, Path]:
    clinical = write_table(folder / f"clinical{suffix}", BY_HEADER, BY_ROWS)
    markers = write_table(folder / f"markers{suffix}", ("patient", "tmb", "pik3ca"),
                          [[p, t, "mut" if i % 3 == 0 else "wt"]
                           for i, (p, t) in enumerate(TMB.items())])  # fmt: skip
    return clinical, markers


def by_run(cli: Cli, clinical: Path, markers: Path, out: Path, *extra: object) -> str:
    code, _, err = cli("clinical", clinical, "-o", out, "--by", "arm", "--by", "tmb",
                       "--biomarkers", markers, "--landmarks", "6", *extra)  # fmt: skip
    assert code == 0, err
    return err


def test_by_categorical_and_biomarker_table(cli: Cli, tmp_path: Path) -> None:
    clinical, markers = by_inputs(tmp_path)
    out = tmp_path / "out"
    err = by_run(cli, clinical, markers, out)
    assert warnings_in(err) == [
        "warning: 1 patient(s) of markers.tsv not in the clinical table: PX99"
    ], err

    association = read_tsv(out / "association.tsv")
    arm = association[association["marker"] == "arm"]
    assert set(arm["kind"]) == {"categorical"}
    assert sorted(zip(arm["outcome"], arm["test"], strict=True)) == [
        ("PFS", "cox"),
        ("PFS", "logrank"),
        ("response", "fisher"),
        ("response", "logistic"),
    ]
    # responders among evaluable (non-NE) patients: A 3 of 6, B 1 of 5
    fisher = arm[arm["test"] == "fisher"].iloc[0]
    assert (fisher["comparison"], fisher["n"], fisher["events"]) == ("B vs A", "11", "4")
    assert close(fisher["p_value"], stats.fisher_exact([[1, 4], [3, 3]]).pvalue)
    odds = stats.contingency.odds_ratio(np.array([[1, 4], [3, 3]]), kind="conditional")
    assert close(fisher["estimate"], odds.statistic)
    assert set(arm.loc[arm["test"].isin(["cox", "logistic"]), "comparison"]) == {"B vs A"}
    assert arm.loc[arm["test"] == "cox", "n"].tolist() == ["12"]
    tmb = association[association["marker"] == "tmb"]
    assert set(tmb["kind"]) == {"continuous"}
    assert sorted(zip(tmb["outcome"], tmb["test"], tmb["comparison"], strict=True)) == [
        ("PFS", "cox", "per unit"),
        ("response", "logistic", "per unit"),
    ]
    assert tmb.loc[tmb["test"] == "cox", "n"].tolist() == ["11"]  # P12 has no tmb

    rows = endpoint_rows(out)
    median = float(np.median([TMB[f"P{i:02d}"] for i in range(1, 12)]))  # 7.2
    low, high = f"tmb=<= {median:g}", f"tmb=> {median:g}"
    assert sorted({g for _, g in rows}) == sorted(["all", "arm=A", "arm=B", low, high])
    check_rate(rows["ORR", "arm=A"], 3, 6, 0.95)
    check_rate(rows["ORR", "arm=B"], 1, 5, 0.95)
    check_rate(rows["CBR", "arm=A"], 4, 6, 0.95)  # P01-P04
    check_rate(rows["CBR", "arm=B"], 2, 5, 0.95)  # P07, P11
    check_rate(rows["ORR", low], 0, 6, 0.95)  # P04, P05, P08-P11
    check_rate(rows["ORR", high], 4, 5, 0.95)  # P01, P02, P03, P06 (unconfirmed), P07
    assert rows["PFS median", "arm=B"]["n"] == "6" and rows["PFS median", high]["n"] == "5"
    assert rows["PFS at 6 months", low]["n"] == "6"

    patients = read_tsv(out / "patients.tsv").set_index("patient")
    assert patients["arm"].tolist() == [r[-1] for r in BY_ROWS]
    assert patients.loc["P12", "tmb"] == "" and float(patients.loc["P01", "tmb"]) == 21.5
    written = {p.name for p in out.iterdir()}
    assert {"association.tsv", "forest.png", "km_pfs.png", "km_pfs_by_arm.png",
            "km_pfs_by_tmb.png"} <= written  # fmt: skip
    summary = json.loads((out / "clinical_summary.json").read_text())
    assert summary["markers"] == ["arm", "tmb"] and summary["associations"] == len(association)


def test_reference_level_flips_the_comparison(cli: Cli, tmp_path: Path) -> None:
    clinical, markers = by_inputs(tmp_path)
    code, _, err = cli("clinical", clinical, "-o", tmp_path / "out", "--by", "pik3ca",
                       "--biomarkers", markers, "--reference", "pik3ca=wt", "--landmarks", "",
                       "--figure-format", "svg")  # fmt: skip
    assert code == 0, err
    association = read_tsv(tmp_path / "out" / "association.tsv")
    models = association[association["test"].isin(["cox", "logistic"])]
    assert len(models) == 2 and set(models["comparison"]) == {"mut vs wt"}
    groups = {g for _, g in endpoint_rows(tmp_path / "out")}
    assert groups == {"all", "pik3ca=mut", "pik3ca=wt"}


# --- 6. CSV as TSV, and byte-identical tables --------------------------------------------------


def test_csv_reads_as_tsv_and_tables_are_byte_identical(cli: Cli, tmp_path: Path) -> None:
    tsv, tsv_markers = by_inputs(tmp_path / "tsv")
    csv, csv_markers = by_inputs(tmp_path / "csv", ".csv")
    by_run(cli, tsv, tsv_markers, tmp_path / "first", "--figure-format", "svg")
    by_run(cli, tsv, tsv_markers, tmp_path / "second", "--figure-format", "svg")
    by_run(cli, csv, csv_markers, tmp_path / "from_csv", "--figure-format", "svg")
    for name in TABLES:
        first = (tmp_path / "first" / name).read_bytes()
        assert first, name
        assert (tmp_path / "second" / name).read_bytes() == first, name
        assert (tmp_path / "from_csv" / name).read_bytes() == first, name
