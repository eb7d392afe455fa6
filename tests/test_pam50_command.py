"""``pam50`` end to end: equal to the hoadley-lab pam50 R package on its own test data, the
example cohort's planted subtypes recovered, and bad inputs as one-line errors.

The reference answers (``tests/data/pam50/hoadley_testdata_assignments.tsv``) were made by
the hoadley-lab package itself (``pam50(input, centers = "self", impute = FALSE,
tumor_sizes = samplesheet, include_normal = TRUE)``; see ``tests/data/pam50/SOURCE.md``);
``centers = "self"`` is our ``--normalisation median``. Its tumour sizes are 0/1 for
"larger than 2 cm"; ours are in cm, so 1 becomes 3 cm and 0 becomes 1 cm here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics import resources
from icarus_omics.example.cohort import build_example_cohort
from icarus_omics.example.subtypes import build_example_expression
from icarus_omics.io import pam50 as files
from icarus_omics.subtypes import centre_expression, predict_subtypes
from icarus_omics.subtypes.preparation import prepare_expression
from tests.conftest import DATA, CliResult, shared_file

Cli = Callable[..., CliResult]
HOADLEY = DATA / "pam50"
SUBTYPE = {"basal": "Basal", "her2": "Her2", "luminal_a": "LumA", "luminal_b": "LumB",
           "normal": "Normal"}  # fmt: skip
COLUMNS = {  # ours -> hoadley-lab's
    "cor_Basal": "basal", "cor_Her2": "her2", "cor_LumA": "luminal_a",
    "cor_LumB": "luminal_b", "cor_Normal": "normal", "proliferation": "prolif_scores",
    "ror_s": "ror_subtype", "ror_c": "ror_clinical", "ror_p": "ror_prolif",
    "ror_pc": "ror_prolif_clinical",
}  # fmt: skip
GROUPS = {"ror_s_group": "ror_group_subtype", "ror_c_group": "ror_group_clinical",
          "ror_p_group": "ror_group_prolif", "ror_pc_group": "ror_group_prolif_clinical"}  # fmt: skip
RESOURCE_FILES = {
    "pam50": "05_pam50/hoadley_lab_pam50/pam50_centroids.tsv",
    "pam50-annotation": "05_pam50/hoadley_lab_pam50/pam50_annot.tsv",
    "pam50-subgroups": "05_pam50/er_her2_subgroup_normalization/SIGMA.txt",
    "pam50-ror": "05_pam50/hoadley_lab_pam50/ror_coeffs.json",
    "pam50-ror-thresholds": "05_pam50/hoadley_lab_pam50/ror_thresholds.json",
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A resource store with the PAM50 files installed from ../shared/data."""
    monkeypatch.setenv("ICARUS_RESOURCES", str(tmp_path / "store"))
    for name, relative in RESOURCE_FILES.items():
        resources.install(name, str(shared_file(relative)))
    return tmp_path / "store"


def _expected() -> pd.DataFrame:
    return pd.read_csv(HOADLEY / "hoadley_testdata_assignments.tsv", sep="\t", index_col=0)


def _sizes_in_cm() -> pd.Series:
    sheet = pd.read_csv(HOADLEY / "hoadley_testdata_samplesheet.tsv", sep="\t", index_col=0)
    return sheet["tumor_size"].map({1: 3.0, 0: 1.0})


def _compare(ours: pd.DataFrame, expected: pd.DataFrame, rtol: float, atol: float) -> None:
    assert (ours["subtype"] == expected["assignment"].map(SUBTYPE)).all()
    for column, theirs in COLUMNS.items():
        assert (ours[column].isna() == expected[theirs].isna()).all(), column
        np.testing.assert_allclose(ours[column], expected[theirs], rtol=rtol, atol=atol,
                                   err_msg=column)  # fmt: skip
    for column, theirs in GROUPS.items():
        assert (ours[column].fillna("") == expected[theirs].fillna("")).all(), column


def test_library_equals_hoadley_lab_pam50_on_its_test_data(store: Path) -> None:
    """200 samples, 217 missing cells: every call, correlation, proliferation score, ROR
    score (within 1e-12) and ROR group (exactly) as the R package computed them."""
    used = {name.replace("pam50-", "").replace("-", "_"): resources.resource_path(name)
            for name in RESOURCE_FILES}  # fmt: skip
    used["centroids"] = used.pop("pam50")
    reference = files.read_reference(used)
    matrix, _ = prepare_expression(files.read_expression(HOADLEY / "hoadley_testdata.tsv"),
                                   reference, log2="no", collapse="mean")  # fmt: skip
    calls = predict_subtypes(centre_expression(matrix, "median"), reference,
                             tumour_size_cm=_sizes_in_cm())  # fmt: skip
    _compare(calls.set_index("sample"), _expected(), rtol=0, atol=1e-12)


def test_command_equals_hoadley_lab_pam50(cli: Cli, store: Path, tmp_path: Path) -> None:
    """The same through the command (tables written with 6 significant digits)."""
    sheet = _sizes_in_cm().rename("tumor_size").reset_index()
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False, na_rep="")
    code, _, err = cli("pam50", HOADLEY / "hoadley_testdata.tsv", "--normalisation", "median",
                       "--log2", "no", "--collapse", "mean", "--samples", tmp_path / "sheet.tsv",
                       "-o", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    ours = pd.read_csv(tmp_path / "out" / "pam50_calls.tsv", sep="\t", index_col=0)
    _compare(ours, _expected(), rtol=5e-6, atol=5e-7)
    summary = json.loads((tmp_path / "out" / "pam50_summary.json").read_text())
    assert summary["calls"] == {"Basal": 49, "Her2": 30, "LumA": 51, "LumB": 39, "Normal": 31}
    assert {r["name"] for r in summary["run"]["resources"]} == {
        "centroids", "annotation", "ror", "ror_thresholds"}  # fmt: skip


@pytest.mark.parametrize("normalisation", ["er-her2-subgroup", "median"])
def test_example_cohort_subtypes_are_recovered(
    cli: Cli, store: Path, tmp_path: Path, normalisation: str
) -> None:
    expression = build_example_expression(build_example_cohort().samples)
    expression.tpm.to_csv(tmp_path / "tpm.tsv", sep="\t")
    code, _, err = cli("pam50", tmp_path / "tpm.tsv", "--normalisation", normalisation,
                       "-o", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    assert "log2(x+1) applied" in err
    calls = pd.read_csv(tmp_path / "out" / "pam50_calls.tsv", sep="\t", index_col=0)
    truth = expression.truth.set_index("sample")["planted_subtype"]
    assert (calls.loc[truth.index, "subtype"] == truth).all()
    assert (tmp_path / "out" / "pam50.png").stat().st_size > 10_000


def test_reference_samples_centre_all_samples_on_some(
    cli: Cli, store: Path, tmp_path: Path
) -> None:
    """Centring from the baseline samples only, applied to all: a sample added later with
    extreme values does not move the others' centred values."""
    expression = build_example_expression(build_example_cohort().samples).tpm
    shifted = expression.assign(P99_onT=expression["P01_BL"] * 8)
    shifted.to_csv(tmp_path / "tpm.tsv", sep="\t")
    sheet = pd.DataFrame({"sample": shifted.columns,
                          "timepoint": ["BL"] * 12 + ["onT"]})  # fmt: skip
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    for name, extra in (("ref", ["--reference-samples", "timepoint=BL"]), ("all", [])):
        code, _, err = cli("pam50", tmp_path / "tpm.tsv", "--normalisation", "median",
                           "--samples", tmp_path / "sheet.tsv", *extra, "-o", tmp_path / name)  # fmt: skip
        assert code == 0, err
    alone = build_example_expression(build_example_cohort().samples).tpm
    alone.to_csv(tmp_path / "alone.tsv", sep="\t")
    assert cli("pam50", tmp_path / "alone.tsv", "--normalisation", "median",
               "-o", tmp_path / "alone")[0] == 0  # fmt: skip
    read = {n: pd.read_csv(tmp_path / n / "pam50_centred.tsv", sep="\t", index_col=0)
            for n in ("ref", "all", "alone")}  # fmt: skip
    baseline = list(alone.columns)
    pd.testing.assert_frame_equal(read["ref"][baseline], read["alone"][baseline])
    assert not np.allclose(read["all"][baseline], read["alone"][baseline])


@pytest.mark.parametrize(
    ("table", "options", "message"),
    [
        ("gene\tS1\tS2\nFOO\t1\t2\nBAR\t3\t4\n", [], "PAM50 genes"),
        (None, ["--log2", "yes", "--negative"], "negative"),
        (None, ["--subgroup", "Luminal"], "Luminal"),
        ("gene\tS1\tS1\nESR1\t1\t2\n", [], "duplicate sample"),
    ],
    ids=["no-pam50-gene", "negative-linear", "unknown-subgroup", "duplicate-samples"],
)
def test_bad_inputs_are_one_line_errors(
    cli: Cli, store: Path, tmp_path: Path, table: str | None, options: list[str], message: str
) -> None:
    path = tmp_path / "x.tsv"
    if table is None:
        tpm = build_example_expression(build_example_cohort().samples).tpm
        if "--negative" in options:
            tpm.iloc[0, 0] = -5.0
            options = [o for o in options if o != "--negative"]
        tpm.to_csv(path, sep="\t")
    else:
        path.write_text(table)
    code, out, err = cli("pam50", path, *options, "-o", tmp_path / "out")
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_resource_names_the_install_command(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICARUS_RESOURCES", str(tmp_path / "empty"))
    (tmp_path / "x.tsv").write_text("gene\tS1\nESR1\t1\n")
    code, _, err = cli("pam50", tmp_path / "x.tsv", "-o", tmp_path / "out")
    assert code == 1 and "icarus-omics resources install pam50" in err


def test_demo_runs_pam50_when_installed_and_says_how_otherwise(
    cli: Cli, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli("demo", "-o", tmp_path / "demo")
    assert code == 0, err
    assert "and PAM50 subtypes" in err
    calls = pd.read_csv(tmp_path / "demo" / "pam50" / "pam50_calls.tsv", sep="\t", index_col=0)
    truth = pd.read_csv(tmp_path / "demo" / "example" / "expression" / "subtype_truth.tsv",
                        sep="\t", index_col="sample")  # fmt: skip
    assert (calls.loc[truth.index, "subtype"] == truth["planted_subtype"]).all()
    monkeypatch.setenv("ICARUS_RESOURCES", str(tmp_path / "empty"))
    code, _, err = cli("demo", "-o", tmp_path / "bare")
    assert code == 0 and "icarus-omics resources install pam50 --from FILE" in err
    assert not (tmp_path / "bare" / "pam50").exists()
