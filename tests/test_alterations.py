"""Cohort alteration matrix, group frequencies with Fisher's test, and the command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from icarus_omics.errors import IcarusError
from icarus_omics.oncogenic import alterations as lib
from tests.conftest import CliResult

SHEET = pd.DataFrame(
    {"sample": ["s1", "s2", "s3", "s4", "s5"], "response": ["R", "R", "R", "NR", "NR"]}
)


def test_events_matrix_and_types() -> None:
    mutations = pd.DataFrame({
        "sample": ["s1", "s1", "s2", "s4"], "gene": ["TP53", "TP53", "PIK3CA", "TP53"],
        "variant_classification": ["Missense_Mutation", "Nonsense_Mutation", "Missense_Mutation", "Splice_Site"],
    })  # fmt: skip
    cnas = pd.DataFrame(
        {"sample": ["s3", "s1"], "gene": ["ERBB2", "TP53"], "change": ["amplification", "deletion"]}
    )
    events = lib.alteration_events(mutations, cnas)
    matrix = lib.alteration_matrix(
        events, ["TP53", "PIK3CA", "ERBB2", "ESR1"], list(SHEET["sample"])
    )
    assert matrix.loc["TP53", "s1"] == "deletion;missense;truncating"
    assert matrix.loc["TP53", "s4"] == "truncating"
    assert matrix.loc["ERBB2", "s3"] == "amplification"
    assert (matrix.loc["ESR1"] == "").all()


def test_frequencies_fisher_and_bh_by_hand() -> None:
    matrix = pd.DataFrame(
        {"s1": ["missense", ""], "s2": ["truncating", ""], "s3": ["missense", "amplification"],
         "s4": ["", "amplification"], "s5": ["", "amplification"]},
        index=pd.Index(["TP53", "ERBB2"], name="gene"),
    )  # fmt: skip
    groups = lib.response_groups(SHEET, "sample", "response")
    assert (groups.a, groups.b) == ("R", "NR")
    table = lib.frequencies(matrix, groups).set_index(["gene", "alteration"])
    tp53 = table.loc[("TP53", "any")]
    assert (tp53.altered_a, tp53.total_a, tp53.altered_b, tp53.total_b) == (3, 3, 0, 2)
    assert tp53.pvalue == pytest.approx(stats.fisher_exact([[3, 0], [0, 2]])[1])  # = 0.1
    assert tp53.pvalue == pytest.approx(0.1)
    erbb2 = table.loc[("ERBB2", "amplification")]
    assert (erbb2.altered_a, erbb2.altered_b) == (1, 2) and erbb2.frequency_b == 1.0
    assert ("ERBB2", "deletion") not in table.index  # classes nobody has are not tested
    # BH over all rows: p sorted ascending, padj = min over k>=i of p_k * m / k
    p = table["pvalue"].to_numpy()
    assert table["padj"].to_numpy() == pytest.approx(stats.false_discovery_control(p))
    assert (table["padj"] >= table["pvalue"] - 1e-12).all()


def test_groups_need_two_values() -> None:
    sheet = SHEET.assign(response=["CR", "PR", "SD", "PD", "PD"])
    with pytest.raises(IcarusError, match="has 4 groups"):
        lib.response_groups(sheet, "sample", "response")
    groups = lib.response_groups(sheet, "sample", "response", "PR", "PD")
    assert groups.members("PD") == ["s4", "s5"]
    with pytest.raises(IcarusError, match="no column 'best'"):
        lib.response_groups(sheet, "sample", "best")


def test_alterations_command(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    sheet = tmp_path / "samples.tsv"
    SHEET.to_csv(sheet, sep="\t", index=False)
    muts = tmp_path / "s1.oncogenic.tsv"
    muts.write_text(
        "sample\tgene\tprotein_change\tvariant_classification\toncogenic\n"
        "s1\tPIK3CA\tp.E545K\tMissense_Mutation\ttrue\n"
        "s4\tPIK3CA\tp.H1047R\tMissense_Mutation\ttrue\n"
        "s2\tTTN\tp.A1V\tMissense_Mutation\tfalse\n"
        "s3\tTTN\tp.A1V\tMissense_Mutation\tfalse\n"
        "s5\tTTN\tp.A1V\tMissense_Mutation\tfalse\n"
    )
    cna = tmp_path / "s3.cna_genes.tsv"
    cna.write_text(
        "gene\tchrom\tcategory\tfocal\nERBB2\t17\thigh_level_gain\ttrue\nMYC\t8\thigh_level_gain\tfalse\n"
    )
    others = []  # every sample needs its CNA table, even one without a change
    for sample in ("s1", "s2", "s4", "s5"):
        others += ["--cna", tmp_path / f"{sample}.cna_genes.tsv"]
        (tmp_path / f"{sample}.cna_genes.tsv").write_text("gene\tchrom\tcategory\tfocal\n")
    panel = tmp_path / "panel.txt"
    panel.write_text("PIK3CA\nERBB2\nMYC\nTTN\n")
    code, out, err = cli(
        "alterations",
        sheet,
        "--mutations",
        muts,
        "--cna",
        cna,
        *others,
        "--genes",
        panel,
        "-o",
        tmp_path / "out",
    )
    assert code == 0 and out == "", err
    matrix = pd.read_csv(
        tmp_path / "out" / "alteration_matrix.tsv", sep="\t", index_col=0, keep_default_na=False
    )
    assert matrix.loc["PIK3CA", "s1"] == "missense" and matrix.loc["ERBB2", "s3"] == "amplification"
    assert (
        matrix.loc["MYC", "s3"] == "" and matrix.loc["TTN", "s2"] == ""
    )  # non-focal, not oncogenic
    assert (tmp_path / "out" / "oncoplot.png").read_bytes()[:4] == b"\x89PNG"
    unknown = tmp_path / "x.oncogenic.tsv"
    unknown.write_text(
        "sample\tgene\tprotein_change\tvariant_classification\nzz\tKRAS\tp.G12D\tMissense_Mutation\n"
    )
    code, _, err = cli("alterations", sheet, "--mutations", unknown, "-o", tmp_path / "bad")
    assert code == 1 and "samples not in" in err and "zz" in err
