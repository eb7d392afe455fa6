"""``icarus-omics rna-de``: outputs, Salmon input, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_salmon

DATA = Path(__file__).parent / "data" / "rna"
EXPECTED = Path(__file__).parent / "expected" / "rna"
COUNTS, SAMPLES = DATA / "counts.tsv", DATA / "samples.tsv"
OUTPUTS = ("de_results.tsv", "normalised_counts.tsv", "vst.tsv", "de_summary.json",
           "volcano.png", "ma_plot.png", "pca.png")  # fmt: skip


def test_paired_run_writes_every_output_and_matches_r(cli, tmp_path):
    code, out, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path, "--threads", 1)
    assert code == 0, err
    assert out == ""
    assert "390 genes tested" in err
    for name in OUTPUTS:
        assert (tmp_path / name).stat().st_size > 0, name
    ours = pd.read_csv(tmp_path / "de_results.tsv", sep="\t", index_col=0)
    assert list(pd.read_csv(tmp_path / "de_results.tsv", sep="\t", nrows=0).columns) == [
        "gene", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj",
    ]  # fmt: skip
    r = pd.read_csv(EXPECTED / "deseq2_paired.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(ours["log2FoldChange"], r["log2FoldChange"], rtol=1e-3, atol=1e-6)
    summary = json.loads((tmp_path / "de_summary.json").read_text())
    assert summary["samples"] == 24 and summary["genes_in"] == 400
    assert summary["up"] + summary["down"] == int((r["padj"] < 0.05).sum())


def test_threads_do_not_change_the_bytes(cli, tmp_path):
    for threads in (1, 2):
        code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path / str(threads),
                           "--threads", threads, "--subset", "response=R")  # fmt: skip
        assert code == 0, err
    for name in ("de_results.tsv", "normalised_counts.tsv", "vst.tsv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_interaction_and_unpaired_runs(cli, tmp_path):
    code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path / "i",
                       "--interaction", "response:R:NR")  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(tmp_path / "i" / "de_results.tsv", sep="\t", index_col=0)
    assert table.loc["IFIT3", "padj"] < 0.05 and table.loc["IFIT3", "log2FoldChange"] > 0.7
    code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path / "u", "--design", "~ drug_target",
                       "--contrast", "drug_target:positive:negative", "--subset", "timepoint=onT")  # fmt: skip
    assert code == 0, err
    # R DESeq2 on the same 389 genes and 12 onT samples (tests/expected/rna/README.md)
    ours = pd.read_csv(tmp_path / "u" / "de_results.tsv", sep="\t", index_col=0)
    r = pd.read_csv(EXPECTED / "deseq2_unpaired_drug_target.tsv", sep="\t", index_col=0)
    assert list(ours.index) == list(r.index)
    for column in ("baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"):
        assert (ours[column].isna() == r[column].isna()).all(), column
        both = r[column].notna()
        np.testing.assert_allclose(ours.loc[both, column], r.loc[both, column], rtol=1e-4,
                                   atol=0, err_msg=column)  # fmt: skip


def test_salmon_quantifications_are_summed_to_genes(cli, tmp_path):
    write_salmon(COUNTS, SAMPLES, tmp_path)
    code, _, err = cli("rna-de", tmp_path / "salmon", SAMPLES, "-o", tmp_path / "out",
                       "--tx2gene", tmp_path / "tx2gene.tsv")  # fmt: skip
    assert code == 0, err
    ours = pd.read_csv(tmp_path / "out" / "de_results.tsv", sep="\t", index_col=0)
    r = pd.read_csv(EXPECTED / "deseq2_paired.tsv", sep="\t", index_col=0)
    ours = ours.loc[r.index]
    np.testing.assert_allclose(ours["log2FoldChange"], r["log2FoldChange"], rtol=1e-3, atol=1e-6)
    tpm = pd.read_csv(tmp_path / "out" / "gene_tpm.tsv", sep="\t", index_col=0)
    assert (tpm.to_numpy() == 2.0).all()


def _set(counts: pd.DataFrame, gene: str, value: object) -> pd.DataFrame:
    counts = counts.copy()
    counts.loc[gene, "P01_BL"] = value
    return counts


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda c, s: (c, pd.concat([s, s.iloc[[0]].assign(sample="X9_BL")])),
            "not in the count matrix, e.g. X9_BL",
        ),
        (
            lambda c, s: (_set(c.astype(object), "IFIT3", "many"), s),
            "value for gene IFIT3 in sample P01_BL is not a number ('many')",
        ),
        (lambda c, s: (pd.concat([c, c.iloc[[0]]]), s), "duplicate gene id(s): "),
        (lambda c, s: (_set(c, "IFIT3", -2), s), "negative count -2 for gene IFIT3"),
        (lambda c, s: (c, s.drop(columns="patient")), "no sheet column patient"),
        (lambda c, s: (c.iloc[:0], s), "no genes or no sample columns"),
    ],
    ids=[
        "sheet-sample-missing",
        "non-numeric",
        "duplicate-genes",
        "negative",
        "design-column",
        "empty",
    ],
)
def test_bad_input_is_one_line_and_leaves_nothing(cli, tmp_path, mutate, message):
    counts, sheet = mutate(
        pd.read_csv(COUNTS, sep="\t", index_col=0), pd.read_csv(SAMPLES, sep="\t")
    )
    counts.to_csv(tmp_path / "counts.tsv", sep="\t")
    sheet.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    code, _, err = cli(
        "rna-de", tmp_path / "counts.tsv", tmp_path / "samples.tsv", "-o", tmp_path / "out"
    )
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unpaired_patient_with_strict_pairs_stops(cli, tmp_path):
    sheet = pd.read_csv(SAMPLES, sep="\t")
    sheet[sheet["sample"] != "P03_onT"].to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    code, _, err = cli(
        "rna-de", COUNTS, tmp_path / "samples.tsv", "-o", tmp_path / "o", "--strict-pairs"
    )
    assert code == 1 and "patient(s) P03 lack one sample" in err
    code, _, err = cli("rna-de", COUNTS, tmp_path / "samples.tsv", "-o", tmp_path / "o")
    assert code == 0 and "dropped: P03" in err and "matrix sample(s) not in the sheet" in err


def test_shrinkage_keeps_p_values_and_pulls_fold_changes_in(cli, tmp_path):
    code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path, "--shrink")
    assert code == 0, err
    shrunk = pd.read_csv(tmp_path / "de_results.tsv", sep="\t", index_col=0)
    r = pd.read_csv(EXPECTED / "deseq2_paired.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(shrunk["pvalue"], r["pvalue"], rtol=1e-3)
    pulled_in = shrunk["log2FoldChange"].abs() <= r["log2FoldChange"].abs() + 1e-3
    assert pulled_in.mean() >= 0.9, pulled_in.mean()
    code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path / "i", "--shrink",
                       "--interaction", "response:R:NR")  # fmt: skip
    assert code == 1 and "not available with --interaction" in err


def test_gene_map_adds_symbols(cli, tmp_path):
    counts = pd.read_csv(COUNTS, sep="\t", index_col=0)
    ids = {g: f"ENSG{k:011d}" for k, g in enumerate(counts.index)}
    counts.rename(index=ids).to_csv(tmp_path / "counts.tsv", sep="\t")
    pd.DataFrame({"gene_id": [f"{v}.7" for v in ids.values()], "symbol": list(ids)}).to_csv(
        tmp_path / "map.tsv", sep="\t", index=False
    )
    code, _, err = cli("rna-de", tmp_path / "counts.tsv", SAMPLES, "-o", tmp_path / "o",
                       "--gene-map", tmp_path / "map.tsv")  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(tmp_path / "o" / "de_results.tsv", sep="\t")
    assert list(table.columns[:2]) == ["gene", "symbol"]
    assert table.set_index("symbol").loc["IFIT3", "gene"] == ids["IFIT3"]


def test_installed_hallmark_and_kegg_find_the_study_pathways(cli, tmp_path, monkeypatch):
    from tests.conftest import shared_file

    sets = "06_gene_sets/gseapy_repo"
    monkeypatch.setenv("ICARUS_RESOURCES", str(tmp_path / "store"))
    for name, path in (("hallmark", f"{sets}/h.all.v7.0.symbols.gmt"),
                       ("kegg", f"{sets}/c2.cp.kegg.v7.5.1.symbols.gmt")):  # fmt: skip
        code, _, err = cli("resources", "install", name, "--from", shared_file(path))
        assert code == 0, err
    code, _, err = cli("rna-de", COUNTS, SAMPLES, "-o", tmp_path / "r", "--subset", "response=R")
    assert code == 0, err
    de = tmp_path / "r" / "de_results.tsv"
    for name, term, sign in (("hallmark", "HALLMARK_INTERFERON_ALPHA_RESPONSE", 1),
                             ("kegg", "KEGG_ENDOCYTOSIS", -1)):  # fmt: skip
        code, _, err = cli("gsea", de, "--genesets", name, "--min-size", 10,
                           "--permutations", 2000, "-o", tmp_path / name)  # fmt: skip
        assert code == 0, err
        table = pd.read_csv(tmp_path / name / "gsea_results.tsv", sep="\t", index_col="term")
        assert table.loc[term, "padj"] < 0.05 and np.sign(table.loc[term, "nes"]) == sign, term


def test_sample_listed_twice_in_the_sheet_is_one_line_error(cli, tmp_path):
    """Issue 9: a repeated sample sheet row gives a one-line error naming the sample (the
    check lives in the sheet preparation of rna-de; no traceback)."""
    counts = tmp_path / "counts.tsv"
    rows = "".join(f"G{k}\t{k}\t{k + 1}\t{k}\t{k + 2}\n" for k in range(20))
    counts.write_text("gene\tA\tB\tC\tD\n" + rows)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "sample\tpatient\tresponse\nA\tP1\tR\nB\tP2\tR\nC\tP3\tNR\nD\tP4\tNR\nA\tP1\tR\n"
    )
    code, _, err = cli(
        "rna-de", counts, sheet, "--design", "~ response", "--contrast", "response:R:NR",
        "-o", tmp_path / "o",
    )  # fmt: skip
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "sample A is listed twice" in err
