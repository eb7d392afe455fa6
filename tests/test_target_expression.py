"""``target-expression``: hand-computed log2, z, percentile and change on tiny matrices, the
default genes, the scores table read back as ``evaluate`` reads it, and bad inputs refused
with one line and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.commands import target_expression as command
from icarus_omics.evaluation import targets
from icarus_omics.evaluation.outcomes import score_columns
from icarus_omics.io.tables import read_tsv
from tests.conftest import CliResult, assert_refused, leftovers, warnings_in

Cli = Callable[..., CliResult]
OUTPUTS = ["target_expression.png", "target_expression.tsv", "target_scores.tsv"]

# log2(x + 1): ERBB2 0, 1, 2 (mean 1, sd 1); TOP1 3, 3, 4 (a tie; mean 10/3, sd 1/sqrt(3)).
UNPAIRED = "gene\tA\tB\tC\nERBB2\t0\t1\t3\nTOP1\t7\t7\t15\nACTB\t100\t200\t300\n"
# log2(x + 1) of ERBB2: A 1, B 3, C 2, D 0, E 4; baseline samples A, C, E: 1, 2, 4
# (mean 7/3, sd sqrt(7/3)); patients P1 (A -> B), P2 (C -> D), P3 (E only).
PAIRED = "gene\tA\tB\tC\tD\tE\nERBB2\t1\t7\t3\t0\t15\n"
SHEET = "sample\tpatient\ttimepoint\nA\tP1\tBL\nB\tP1\tonT\nC\tP2\tBL\nD\tP2\tonT\nE\tP3\tBL\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def table(folder: Path, name: str = "target_expression.tsv") -> pd.DataFrame:
    return pd.read_csv(folder / name, sep="\t", keep_default_na=False, na_values=[""])


def test_known_answers_unpaired(cli: Cli, tmp_path: Path) -> None:
    matrix = write(tmp_path, "tpm.tsv", UNPAIRED)
    code, out, err = cli("target-expression", matrix, "-o", tmp_path / "out",
                         "--genes", "ERBB2,TOP1")  # fmt: skip
    assert (code, out) == (0, ""), err
    assert err == "target-expression: 2 genes x 3 samples; z and percentile vs all samples\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == OUTPUTS
    result = table(tmp_path / "out")
    assert list(result.columns) == list(targets.EXPRESSION_COLUMNS)
    assert list(result["sample"]) == ["A", "A", "B", "B", "C", "C"]
    assert list(result["gene"]) == ["ERBB2", "TOP1"] * 3
    erbb2, top1 = result[result.gene == "ERBB2"], result[result.gene == "TOP1"]
    np.testing.assert_allclose(erbb2["log2"], [0, 1, 2])
    np.testing.assert_allclose(erbb2["z"], [-1, 0, 1])
    np.testing.assert_allclose(erbb2["percentile"], [100 / 6, 50, 500 / 6], rtol=1e-5)
    np.testing.assert_allclose(top1["log2"], [3, 3, 4])
    third = 1 / 3 / np.sqrt(1 / 3)
    np.testing.assert_allclose(top1["z"], [-third, -third, 2 * third], rtol=1e-5)
    np.testing.assert_allclose(top1["percentile"], [100 / 3, 100 / 3, 500 / 6], rtol=1e-5)
    lines = (tmp_path / "out" / "target_expression.tsv").read_text().splitlines()
    assert lines[1] == "A\tERBB2\t0\t0\t-1\t16.6667"  # %.6g


def test_known_answers_paired(cli: Cli, tmp_path: Path) -> None:
    """z and percentile against the three baseline samples; change on B and D only."""
    matrix, sheet = write(tmp_path, "tpm.tsv", PAIRED), write(tmp_path, "sheet.tsv", SHEET)
    code, _, err = cli("target-expression", matrix, "-o", tmp_path / "out", "--samples", sheet)
    assert code == 0, err
    assert warnings_in(err) == [
        f"warning: {matrix}: gene(s) not in the expression table: ERBB3, TOP1, TACSTD2"
    ]
    assert err.splitlines()[-1] == ("target-expression: 1 genes x 5 samples; z and percentile "
                                    "vs 3 BL samples, 2 baseline/on-treatment pair(s)")  # fmt: skip
    result = table(tmp_path / "out")
    assert list(result.columns) == [*targets.EXPRESSION_COLUMNS, *targets.PAIRED_COLUMNS]
    assert list(result["patient"]) == ["P1", "P1", "P2", "P2", "P3"]
    assert list(result["timepoint"]) == ["BL", "onT", "BL", "onT", "BL"]
    np.testing.assert_allclose(result["log2"], [1, 3, 2, 0, 4])
    sd = np.sqrt(7 / 3)
    expected_z = (np.array([1, 3, 2, 0, 4]) - 7 / 3) / sd
    np.testing.assert_allclose(result["z"], expected_z, rtol=1e-5)
    np.testing.assert_allclose(result["percentile"], [100 / 6, 200 / 3, 50, 0, 500 / 6],
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(result["change"], [np.nan, 2, np.nan, -2, np.nan])
    scores = table(tmp_path / "out", "target_scores.tsv")
    assert list(scores.columns) == ["sample", "patient", "timepoint", "ERBB2_log2"]


def test_other_timepoint_levels(cli: Cli, tmp_path: Path) -> None:
    matrix = write(tmp_path, "tpm.tsv", PAIRED)
    sheet = write(tmp_path, "sheet.tsv", SHEET.replace("onT", "C1D15").replace("BL", "SCR"))
    args = ("--samples", sheet, "--baseline", "SCR", "--on-treatment", "C1D15", "--genes", "ERBB2")
    code, _, err = cli("target-expression", matrix, "-o", tmp_path / "out", *args)
    assert code == 0, err
    np.testing.assert_allclose(table(tmp_path / "out")["change"], [np.nan, 2, np.nan, -2, np.nan])


def test_default_genes_in_order_and_scores_round_trip(cli: Cli, tmp_path: Path) -> None:
    """Default: HER3, HER2, topoisomerase-1, TROP2; target_scores.tsv is read back by
    evaluate's score reader as exactly the GENE_log2 columns, values at %.6g."""
    assert targets.DEFAULT_GENES == ("ERBB3", "ERBB2", "TOP1", "TACSTD2")
    assert ",".join(targets.DEFAULT_GENES) == command._DEFAULT_GENES  # the --help default
    rows = {"ERBB2": [5, 0.3, 12], "TACSTD2": [40, 1, 0], "ACTB": [1, 2, 3],
            "TOP1": [20, 25, 30], "ERBB3": [9, 3.25, 70]}  # fmt: skip
    tpm = pd.DataFrame(rows, index=["S1", "S2", "S3"]).T
    matrix = tmp_path / "tpm.tsv"
    tpm.to_csv(matrix, sep="\t", index_label="gene")
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\ttimepoint\nS1\tP1\tBL\n"
                                         "S2\tP2\tBL\nS3\tP3\tBL\n")  # fmt: skip
    code, _, err = cli("target-expression", matrix, "-o", tmp_path / "out", "--samples", sheet)
    assert code == 0 and warnings_in(err) == [], err
    assert list(table(tmp_path / "out")["gene"][:4]) == list(targets.DEFAULT_GENES)
    scores = read_tsv(tmp_path / "out" / "target_scores.tsv").set_index("patient")
    read = score_columns(scores, [], "target_scores.tsv")
    assert list(read.columns) == [f"{g}_log2" for g in targets.DEFAULT_GENES]
    assert list(read.index) == ["P1", "P2", "P3"]
    expected = np.log2(tpm.loc[list(targets.DEFAULT_GENES)].T.to_numpy() + 1)
    np.testing.assert_allclose(read.to_numpy(), expected, rtol=1e-5)


def test_percentile_is_scipy_percentileofscore_mean() -> None:
    from scipy.stats import percentileofscore

    log2 = pd.DataFrame([[0.0, 2, 2, 5, 1, 2]], index=["G"], columns=list("abcdef"))
    reference = ["a", "b", "c", "d"]
    ours = targets.cohort_percentile(log2, reference).loc["G"]
    for sample, value in log2.loc["G"].items():
        assert ours[sample] == pytest.approx(percentileofscore(log2.loc["G", reference], value,
                                                               kind="mean"))  # fmt: skip


def test_z_is_nan_without_spread() -> None:
    log2 = pd.DataFrame([[0.1, 0.1, 0.1], [1.0, 2.0, 3.0]], index=["G", "H"], columns=list("abc"))
    z = targets.cohort_z(log2, ["a", "b", "c"])
    assert z.loc["G"].isna().all() and list(z.loc["H"]) == [-1, 0, 1]
    assert targets.cohort_z(log2, ["a"]).isna().all().all()


def test_hostile_sample_names_stay_inside_files(cli: Cli, tmp_path: Path) -> None:
    names = ["../../evil", "-rf", "$x$", "a;rm -rf ~", ".hidden"]
    matrix = write(tmp_path, "tpm.tsv", "gene\t" + "\t".join(names) + "\nERBB2\t1\t2\t3\t4\t5\n")
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\ttimepoint\n"
                  f"{names[0]}\t../P\tBL\n{names[1]}\t../P\tonT\n")  # fmt: skip
    outdir = tmp_path / "out"
    code, _, err = cli("target-expression", matrix, "-o", outdir, "--samples", sheet)
    assert code == 0, err
    assert leftovers(outdir) == OUTPUTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "sheet.tsv", "tpm.tsv"]
    assert list(table(outdir)["sample"]) == names
    assert table(outdir)["change"].tolist()[1] == pytest.approx(np.log2(3) - 1)


def test_same_input_same_bytes(cli: Cli, tmp_path: Path) -> None:
    matrix, sheet = write(tmp_path, "tpm.tsv", PAIRED), write(tmp_path, "sheet.tsv", SHEET)
    for run in ("a", "b"):
        assert cli("target-expression", matrix, "-o", tmp_path / run, "--samples", sheet)[0] == 0
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


BAD: dict[str, tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = {
    # case: (matrix, sheet, options, fragments of the error)
    "negative": ("gene\tA\tB\nERBB2\t1\t-1\n", None, (), ("gene ERBB2 in sample 'B' is -1.0", "negative")),
    "infinite": ("gene\tA\tB\nERBB2\t1\tinf\n", None, (), ("sample 'B' is inf", "not a finite number")),
    "non-numeric": ("gene\tA\tB\nERBB2\t1\thigh\n", None, (), ("gene ERBB2 in sample B is not a number ('high')",)),
    "empty cell": ("gene\tA\tB\nERBB2\t1\t\n", None, (), ("missing value(s) in sample column B",)),
    "duplicate gene": ("gene\tA\tB\nERBB2\t1\t2\nERBB2\t3\t4\n", None, (), ("duplicate gene id(s): ERBB2",)),
    "duplicate sample": ("gene\tA\tA\nERBB2\t1\t2\n", None, (), ("duplicate sample column(s): A",)),
    "no requested gene": ("gene\tA\tB\nACTB\t1\t2\n", None, ("--genes", "ERBB2,TOP1"), ("none of the genes ERBB2, TOP1",)),
    "empty file": ("", None, (), ("not a readable expression table",)),
    "header only": ("gene\tA\tB\n", None, (), ("has a header but no gene rows",)),
    "no sample columns": ("gene\nERBB2\n", None, (), ("no genes or no sample columns",)),
    "sheet sample not in matrix": (PAIRED, SHEET + "Z\tP9\tBL\n", (), ("sheet.tsv: sample 'Z' is not in the expression table",)),
    "sheet sample twice": (PAIRED, SHEET + "A\tP1\tonT\n", (), ("sample 'A' is listed more than once",)),
    "sheet lacks timepoint": (PAIRED, "sample\tpatient\nA\tP1\n", (), ("lacks column(s) timepoint",)),
    "two baselines": (PAIRED, SHEET.replace("C\tP2", "C\tP1"), (), ("patient 'P1' has more than one BL sample (A, C)",)),
    "same levels": (PAIRED, SHEET, ("--baseline", "onT"), ("--baseline and --on-treatment are both 'onT'",)),
    "zero pseudocount": (PAIRED, None, ("--pseudocount", "0"), ("--pseudocount 0: must be above 0",)),
    "no genes given": (PAIRED, None, ("--genes", " , "), ("no gene symbol given",)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_refused(case: str, cli: Cli, tmp_path: Path) -> None:
    text, sheet_text, options, fragments = BAD[case]
    args: list[object] = [write(tmp_path, "tpm.tsv", text), *options]
    if sheet_text is not None:
        args += ["--samples", write(tmp_path, "sheet.tsv", sheet_text)]
    outdir = tmp_path / "out"
    assert_refused(cli("target-expression", *args, "-o", outdir), outdir, *fragments)
