"""Readers and writers of icarus_omics.io.segments: FACETS segments and fits, gene tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.copynumber import categories as cna
from icarus_omics.errors import IcarusError
from icarus_omics.io import segments as files
from tests.conftest import DATA, shared_file

CNA_DATA = DATA / "cna"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_the_facets_vignette_cncf() -> None:
    (sample,) = files.read_segments(shared_file("02b_facets/facets_vignette_stomach_cncf_head.tsv"))
    assert sample.sample == "facets_vignette_stomach_cncf_head"
    assert tuple(sample.segments.columns) == cna.SEGMENT_COLUMNS
    first = sample.segments.iloc[0]
    assert (first.chrom, first.start, first.end, first.tcn, first.lcn) == (
        "1",
        69424,
        29651873,
        3,
        1,
    )
    assert sample.segments["tcn"].tolist() == [3, 2, 3, 2, 1, 2]
    assert sample.fit == cna.Fit()


def test_facets_suite_names_ids_and_sex_chromosomes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cohort.cncf.txt",
        "ID\tchrom\tloc.start\tloc.end\ttcn\tlcn\ttcn.em\tlcn.em\n"
        "A\t1\t1\t100\t3\t1\t4\t1\nA\t23\t1\t50\t1\tNA\t1\tNA\nB\t24\t1e+05\t2e+05\t2\t1\t2\t1\n",
    )
    a, b = files.read_segments(path)
    assert (a.sample, b.sample) == ("A", "B")
    assert a.segments["tcn"].tolist() == [4, 1]  # tcn.em preferred over tcn
    assert a.segments["chrom"].tolist() == ["1", "X"] and b.segments["chrom"].tolist() == ["Y"]
    assert math.isnan(a.segments["lcn"][1])
    assert (b.segments["start"][0], b.segments["end"][0]) == (100_000, 200_000)  # R's 1e+05


def test_tcn_and_lcn_without_em_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "T9.txt", "chrom\tloc.start\tloc.end\ttcn\tlcn\nchr2\t5\t10\t0\t.\n")
    (sample,) = files.read_segments(path)
    assert sample.sample == "T9" and sample.segments["tcn"].tolist() == [0]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("P1.cncf.txt", "P1"),
        ("P1.txt", "P1"),
        ("P1.tsv", "P1"),
        ("P1.cncf.txt.gz", "P1"),
        ("P1", "P1"),
    ],
)
def test_sample_stem(name: str, stem: str) -> None:
    assert files.sample_stem(Path(name)) == stem


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1\t1\t10\t2.5\t1", r"tcn.em must be a whole number; row 1 has 2.5"),
        ("1\t1\t10\tNA\t1", r"tcn.em is missing in row 1"),
        ("1\tone\t10\t2\t1", r"start is not a number in row 1 \('one'\)"),
        ("1\t1\t10\t2\t3", r"lcn.em outside 0 to tcn.em in row 1"),
        ("1\t-5\t10\t2\t1", r"start below 0 in row 1"),
    ],
)
def test_bad_segment_values(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "T.txt", f"chrom\tstart\tend\ttcn.em\tlcn.em\n{row}\n")
    with pytest.raises(IcarusError, match=message):
        files.read_segments(path)


def test_purity_and_ploidy_columns(tmp_path: Path) -> None:
    head = "sample\tchrom\tstart\tend\ttcn.em\tlcn.em\tpurity\tploidy\n"
    path = write(tmp_path, "c.txt", head + "A\t1\t1\t9\t2\t1\t0.5\t2.1\nB\t1\t1\t9\t2\t1\tNA\tNA\n")
    a, b = files.read_segments(path)
    assert (a.fit, b.fit) == (cna.Fit(0.5, 2.1), cna.Fit())
    bad = write(tmp_path, "d.txt", head + "A\t1\t1\t9\t2\t1\t1.5\t2.1\n")
    with pytest.raises(IcarusError, match=r"d.txt \(sample A\): purity 1.5 is outside"):
        files.read_segments(bad)


def test_read_cohort_prefix_and_duplicates(tmp_path: Path) -> None:
    one = CNA_DATA / "T1.cncf.txt"
    assert [s.sample for s in files.read_cohort([one], "renamed")] == ["renamed"]
    with pytest.raises(IcarusError, match="--prefix names one sample but the segment file"):
        files.read_cohort([CNA_DATA / "cohort.cncf.txt"], "X")
    copy = tmp_path / "sub" / "T1.cncf.txt"
    copy.parent.mkdir()
    copy.write_text(one.read_text())
    with pytest.raises(IcarusError, match=r"sample 'T1' appears in .* and in"):
        files.read_cohort([one, copy])
    slash = write(tmp_path, "s.txt", "sample\tchrom\tstart\tend\ttcn\tlcn\na/b\t1\t1\t9\t2\t1\n")
    with pytest.raises(IcarusError, match="sample 'a/b' contains a path separator"):
        files.read_cohort([slash])


def test_fit_key_value_from_the_facets_vignette() -> None:
    path = shared_file("02b_facets/facets_vignette_stomach_fit_summary.tsv")
    assert files.read_fit(path) == [("", cna.Fit(0.891936, 2.070151))]


def test_fit_out_file_lines(tmp_path: Path) -> None:
    text = "# Version = 0.5.14\n# Purity = 0.89\n# Ploidy = 2.07\n# dipLogR = -0.04\n"
    assert files.read_fit(write(tmp_path, "T.out", text)) == [("", cna.Fit(0.89, 2.07))]
    assert files.read_fit(write(tmp_path, "U.out", "# Purity = NA\n# Ploidy = 1.9\n")) == [
        ("", cna.Fit(None, 1.9))
    ]


def test_fit_table_with_samples(tmp_path: Path) -> None:
    path = write(tmp_path, "fits.tsv", "sample\tpurity\tploidy\nA\t0.4\t2.9\nB\tNA\t2.0\n")
    assert files.read_fit(path) == [("A", cna.Fit(0.4, 2.9)), ("B", cna.Fit(None, 2.0))]
    assert files.read_fits([path], ["B", "A"]) == {
        "B": cna.Fit(None, 2.0),
        "A": cna.Fit(0.4, 2.9),
    }
    with pytest.raises(IcarusError, match=r"--fit has no fit for sample\(s\) X, Y \(it names A, B"):
        files.read_fits([path], ["X", "Y"])


def test_named_fits_are_matched_by_name_and_every_sample_needs_one(tmp_path: Path) -> None:
    """A fit table naming only other samples used to be applied to a lone sample."""
    path = write(tmp_path, "fits.tsv", "sample\tpurity\tploidy\nOTHER\t0.4\t2.9\n")
    with pytest.raises(IcarusError, match=r"no fit for sample\(s\) T1 \(it names OTHER\)"):
        files.read_fits([path], ["T1"])
    with pytest.raises(IcarusError, match=r"no fit for sample\(s\) C "):
        files.read_fits(
            [write(tmp_path, "ab.tsv", "sample\tpurity\tploidy\nA\t0.4\t2\nB\t0.5\t2\n")],
            ["A", "C"],
        )
    twice = write(tmp_path, "twice.tsv", "sample\tpurity\tploidy\nA\t0.4\t2\nA\t0.5\t2\n")
    with pytest.raises(IcarusError, match="sample 'A' has more than one fit"):
        files.read_fits([twice], ["A"])
    mixed = write(tmp_path, "T1.out", "# Purity = 0.5\n# Ploidy = 2\n")
    with pytest.raises(IcarusError, match="mixes fits named"):
        files.read_fits([path, mixed], ["OTHER", "T1"])


def test_unnamed_fits_go_in_order_but_not_to_another_named_sample(tmp_path: Path) -> None:
    """Decision: FACETS .out lines and key/value rows carry no sample name, so they stay
    usable one per sample in segment-file order; a file named after another sample of
    the run is refused."""
    t1 = write(tmp_path, "T1.out", "# Purity = 0.5\n# Ploidy = 2\n")
    t2 = write(tmp_path, "T2.out", "# Purity = 0.7\n# Ploidy = 3\n")
    assert files.read_fits([t1], ["T1"]) == {"T1": cna.Fit(0.5, 2.0)}
    assert files.read_fits([write(tmp_path, "fit.txt", "purity\t0.6\n")], ["T9"]) == {
        "T9": cna.Fit(0.6, None)
    }
    assert files.read_fits([t1, t2], ["T1", "T2"])["T2"] == cna.Fit(0.7, 3.0)
    with pytest.raises(IcarusError, match="named after sample 'T2' but stands in the place"):
        files.read_fits([t2, t1], ["T1", "T2"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dipLogR\t0.1\n", "no purity or ploidy found"),
        ("purity\thigh\nploidy\t2\n", "purity 'high' is not a number"),
        ("purity\t1.3\nploidy\t2\n", r"purity 1.3 is outside \(0, 1\]"),
        ("purity\t0.5\nploidy\t0\n", "ploidy 0 must be above 0"),
    ],
)
def test_bad_fits(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        files.read_fit(write(tmp_path, "fit.tsv", text))


def test_fits_by_order_and_precedence(tmp_path: Path) -> None:
    first = write(tmp_path, "a.tsv", "purity\t0.3\nploidy\t2\n")
    second = write(tmp_path, "b.tsv", "purity\t0.6\n")
    assert files.read_fits([first, second], ["X", "Y"]) == {
        "X": cna.Fit(0.3, 2.0),
        "Y": cna.Fit(0.6),
    }
    with pytest.raises(IcarusError, match=r"2 fit\(s\) in --fit for 3 sample\(s\)"):
        files.read_fits([first, second], ["X", "Y", "Z"])
    (sample,) = files.read_cohort([CNA_DATA / "T1.cncf.txt"])
    sample = sample._replace(fit=cna.Fit(0.9, 3.0))
    fits = files.sample_fits([sample], cna.Fit(purity=0.5), [second])
    assert fits == {"T1": cna.Fit(0.5, 3.0)}  # option, else --fit, else segment columns


def test_gene_tsv_and_bed_agree() -> None:
    tsv, bed = files.read_genes(CNA_DATA / "genes.tsv"), files.read_genes(CNA_DATA / "genes.bed")
    pd.testing.assert_frame_equal(tsv, bed)
    assert tuple(tsv.columns) == cna.GENE_COLUMNS
    assert tsv.iloc[0].tolist() == ["G01_NEUTRAL", "chr1", 1_500_000, 1_510_000]


def test_gene_rows_of_one_gene_are_merged(tmp_path: Path) -> None:
    path = write(tmp_path, "tx.bed", "chr1\t99\t200\tA\nchr1\t149\t400\tA\nchr2\t9\t20\tB\n")
    assert files.read_genes(path).values.tolist() == [
        ["A", "chr1", 100, 400],
        ["B", "chr2", 10, 20],
    ]
    split = write(tmp_path, "par.bed", "chrX\t0\t9\tP\nchrY\t0\t9\tP\n")
    with pytest.raises(IcarusError, match=r"gene P lies on several contigs \(chrX, chrY\)"):
        files.read_genes(split)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "symbol\tchrom\tstart\tend\nA\t1\t1\t9\n",
            r"lacks column\(s\) gene \(found: symbol, chrom",
        ),
        ("gene\tchrom\tstart\tend\n", "the gene table has no genes"),
        ("gene\tchrom\tstart\tend\nA\t1\t90\t9\n", "gene A has end before start"),
        ("gene\tchrom\tstart\tend\nA\t1\tx\t9\n", r"start is not a number in row 1 \('x'\)"),
        ("", r"lacks column\(s\) gene, chrom, start, end \(found: nothing\)"),
    ],
)
def test_bad_gene_tables(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        files.read_genes(write(tmp_path, "genes.tsv", text))


def test_gene_call_writer_writes_the_golden_table(tmp_path: Path) -> None:
    """The writer's bytes equal the hand-checked golden (re-derived without icarus_omics in
    tests/test_goldens_rederived.py); T1's fit has no WGD."""
    (sample,) = files.read_cohort([CNA_DATA / "T1.cncf.txt"])
    index = cna.index_genes(files.read_genes(CNA_DATA / "genes.tsv"))
    calls = cna.call_genes(index, sample.segments, sample.sample)
    files.GeneCallWriter(index.genes).write(calls, tmp_path / "t.tsv")
    golden = Path(__file__).parent / "expected" / "cna" / "T1.cna_genes.tsv"
    assert (tmp_path / "t.tsv").read_text() == golden.read_text()


def test_code_matrix(tmp_path: Path) -> None:
    codes = np.array([[0, 7], [5, 6]], dtype=np.int8)
    files.write_code_matrix(
        ["G1", "G2"], ["A", "B"], codes, cna.DISCRETE_LABELS, tmp_path / "m.tsv"
    )
    assert (tmp_path / "m.tsv").read_text() == "gene\tA\tB\nG1\t2\t\nG2\t0\t\n"
