"""Reading gene sets (GMT), ranked gene lists and identifier maps, and the GSEA summary."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.io.files import file_sha256
from icarus_omics.io.gmt import gmt_text, read_gmt, write_gmt
from icarus_omics.io.rankings import read_gene_map, read_ranking
from icarus_omics.io.summary import write_summary
from tests.conftest import DATA, shared_file

DE_HEADER = "gene\tbaseMean\tlog2FoldChange\tlfcSE\tstat\tpvalue\tpadj\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------- GMT


def test_gmt_sets_keep_order_and_drop_empty_and_repeated_genes(tmp_path: Path) -> None:
    path = write(tmp_path, "s.gmt", "A\thttp://x\tG1\tG2\t\tG1\r\n\nB\t\tG3 \n")
    assert read_gmt(path) == {"A": ("G1", "G2"), "B": ("G3",)}


def test_gmt_may_be_gzip_compressed(tmp_path: Path) -> None:
    path = tmp_path / "s.gmt.gz"
    path.write_bytes(gzip.compress(b"A\tdesc\tG1\tG2\n"))
    assert read_gmt(path) == {"A": ("G1", "G2")}


def test_the_same_set_twice_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "s.gmt", "A\td\tG1\tG2\nA\td\tG2\tG1\n")
    assert read_gmt(path) == {"A": ("G1", "G2")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no gene sets"),
        ("\n\n", "has no gene sets"),
        ("A\tG1\n", "line 1: has 2 tab-separated field"),
        ("A G1 G2 G3\n", "line 1: has 1 tab-separated field"),
        ("A\td\tG1\nA\td\tG2\n", "line 2: gene set 'A' appears twice with different genes"),
        ("A\td\t\t\n", "gene set 'A' has no genes"),
        ("<html><body>Login</body></html>\n", "HTML"),
    ],
)
def test_bad_gmt_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        read_gmt(write(tmp_path, "bad.gmt", text))


def test_binary_and_garbled_gmt_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "b.gmt"
    binary.write_bytes(b"A\td\t\x00\x01\x02G1\n")
    with pytest.raises(IcarusError, match="binary file, not a GMT"):
        read_gmt(binary)
    garbled = tmp_path / "g.gmt"
    garbled.write_bytes(b"A\td\tG1\xff\xfe\n")
    with pytest.raises(IcarusError, match="not UTF-8"):
        read_gmt(garbled)
    broken = tmp_path / "c.gmt.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(IcarusError, match="cannot read gene sets"):
        read_gmt(broken)


def test_msigdb_hallmark_file_reads() -> None:
    sets = read_gmt(shared_file("06_gene_sets/gseapy_repo/h.all.v7.0.symbols.gmt"))
    assert len(sets) == 50 and all(name.startswith("HALLMARK_") for name in sets)
    assert "IFIT3" in sets["HALLMARK_INTERFERON_ALPHA_RESPONSE"]


def test_file_sha256(tmp_path: Path) -> None:
    path = write(tmp_path, "x", "abc")
    assert file_sha256(path).startswith("ba7816bf8f01cfea")


# ---------------------------------------------------------------- ranked lists


def test_de_table_ranks_by_the_chosen_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, "de.tsv", DE_HEADER + "A\t10\t1.5\t0.1\t15\t0\t0\nB\t9\tNA\tNA\tNA\tNA\tNA\n"
    )
    stat = read_ranking(path)
    assert stat.name == "stat" and stat["A"] == 15.0 and np.isnan(stat["B"])
    assert read_ranking(path, "log2FoldChange")["A"] == 1.5


def test_de_table_without_the_rank_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "de.tsv", "gene\tbaseMean\tlog2FoldChange\tpadj\nA\t1\t2\t0.1\n")
    with pytest.raises(
        IcarusError, match=r"no column 'stat' to rank by .*log2FoldChange.*--rank-by"
    ):
        read_ranking(path)


def test_r_style_table_uses_its_first_column_as_genes(tmp_path: Path) -> None:
    path = write(tmp_path, "de.tsv", "\tbaseMean\tstat\nA\t1\t-2\nB\t1\t3\n")
    assert read_ranking(path).to_dict() == {"A": -2.0, "B": 3.0}


@pytest.mark.parametrize(
    "text",
    ["A\t1.5\nB\t-2e-3\n", "ID\tt\nA\t1.5\nB\t-2e-3\n", "# made by hand\nA\t1.5\nB\t-2e-3\n"],
)
def test_two_column_rnk_with_or_without_header(tmp_path: Path, text: str) -> None:
    ranking = read_ranking(write(tmp_path, "list.rnk", text), rank_by="ignored")
    assert ranking.to_dict() == {"A": 1.5, "B": -0.002}


def test_csv_ranked_list(tmp_path: Path) -> None:
    assert read_ranking(write(tmp_path, "l.csv", "gene,score\nA,1\n")).to_dict() == {"A": 1.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("gene\tscore\n", "has no genes to rank"),
        ("A\t1\nB\thigh\nC\tlow\n", r"score of gene 'B' is 'high', not a number \(2 such"),
        (DE_HEADER + "A\t1\t2\t3\tup\t5\t6\n", "stat of gene 'A' is 'up'"),
        ("A\nB\n", "has one column"),
        ("A\t1\n\t2\n", "data row 2 has no gene id"),
        ("A\t1\t2\nB\t1\n", "has no column 'stat'"),
    ],
)
def test_bad_ranked_lists_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        read_ranking(write(tmp_path, "bad.tsv", text))


def test_binary_ranked_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_bytes(b"\x00\x01gene\tstat\n")
    with pytest.raises(IcarusError, match="binary file"):
        read_ranking(path)


def test_bundled_test_de_results_read() -> None:
    ranking = read_ranking(DATA / "gsea" / "de_results.tsv")
    assert len(ranking) == 150 and int(ranking.isna().sum()) == 1


# ---------------------------------------------------------------- identifier maps, summary


def test_gene_map_reads_two_columns_and_keeps_first_partner(tmp_path: Path) -> None:
    path = write(
        tmp_path, "m.tsv", "gene_id\tsymbol\nENSG1\tTP53\nENSG1\tX\nENSG2\t\nENSG3\tEGFR\n"
    )
    assert read_gene_map(path).to_dict() == {"gene_id": "symbol", "ENSG1": "TP53", "ENSG3": "EGFR"}


def test_gene_map_needs_two_columns(tmp_path: Path) -> None:
    with pytest.raises(IcarusError, match="expected two columns"):
        read_gene_map(write(tmp_path, "m.tsv", "ENSG1\nENSG2\n"))


def test_summary_is_json_with_the_version(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_summary({"seed": np.int64(3), "permutations": 10}, path, tmp_path, seed=3)
    document = json.loads(path.read_text())
    assert document["seed"] == 3 and "icarus_omics_version" in document["run"]


def test_gmt_text_has_one_tab_separated_line_per_set() -> None:
    text = gmt_text({"SET_A": ("G1", "G2"), "SET_B": ("G3",)}, "about")
    assert text == "SET_A\tabout\tG1\tG2\nSET_B\tabout\tG3\n"


def test_written_gmt_reads_back(tmp_path: Path) -> None:
    sets = {"SET_A": ("G1", "G2"), "SET_B": ("G3",)}
    write_gmt(sets, tmp_path / "s.gmt", "about")
    assert read_gmt(tmp_path / "s.gmt") == sets


def test_r_write_table_output_reads(tmp_path: Path) -> None:
    """``write.table(as.data.frame(res), sep = "\\t")``: quoted, no header for row names."""
    text = '"baseMean"\t"log2FoldChange"\t"stat"\n"TP53"\t10\t1.5\t4.2\n"EGFR"\t9\t-1\tNA\n'
    ranking = read_ranking(write(tmp_path, "res.tsv", text))
    assert ranking.index.tolist() == ["TP53", "EGFR"] and ranking["TP53"] == 4.2
    assert read_ranking(write(tmp_path, "res.tsv", text), "log2FoldChange")["EGFR"] == -1.0
