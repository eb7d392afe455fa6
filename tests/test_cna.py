"""Gene-level copy-number categories (icarus_omics.copynumber.categories) and the ``cna`` command."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.copynumber import categories as cna
from icarus_omics.errors import IcarusError
from icarus_omics.example.cohort import build_example_cohort
from icarus_omics.example.copy_number import (
    DEMO_MAX_FOCAL_MB,
    example_fits,
    example_segments,
)
from icarus_omics.io.tables import write_tsv
from tests.conftest import DATA, EXPECTED, CliResult, shared_file

Cli = Callable[..., CliResult]
CNA_DATA = DATA / "cna"
NA = math.nan


def segments(*rows: tuple[str, int, int, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cna.SEGMENT_COLUMNS))


def genes(*rows: tuple[str, str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cna.GENE_COLUMNS))


def category(tcn: float, lcn: float, wgd: bool) -> str:
    levels = cna.Thresholds().wgd if wgd else cna.Thresholds().no_wgd
    code = cna.categorise(np.array([tcn], float), np.array([lcn], float), levels)[0]
    return cna.CATEGORIES[code]


# Each threshold, and the value just past it (tcn, lcn, category).
NO_WGD_BOUNDARIES = [
    (0, 0, "homozygous_deletion"), (0, NA, "homozygous_deletion"),
    (1, 0, "loh"), (2, 0, "loh"), (3, 0, "low_level_gain"),
    (1, NA, "undetermined"), (2, NA, "undetermined"), (2, 1, "neutral"),
    (3, 1, "low_level_gain"), (3, NA, "low_level_gain"), (4, 2, "medium_level_gain"),
    (5, 2, "medium_level_gain"), (6, 3, "high_level_gain"), (6, NA, "high_level_gain"),
    (25, 4, "high_level_gain"),
]  # fmt: skip
WGD_BOUNDARIES = [
    (0, 0, "homozygous_deletion"), (1, 0, "loh"), (4, 0, "loh"), (5, 0, "low_level_gain"),
    (4, NA, "undetermined"), (1, NA, "undetermined"), (4, 2, "neutral"), (2, 1, "neutral"),
    (5, 2, "low_level_gain"), (6, 3, "low_level_gain"), (7, 2, "medium_level_gain"),
    (9, 3, "medium_level_gain"), (10, 3, "high_level_gain"), (10, NA, "high_level_gain"),
]  # fmt: skip


@pytest.mark.parametrize(("tcn", "lcn", "expected"), NO_WGD_BOUNDARIES)
def test_categories_without_wgd(tcn: int, lcn: float, expected: str) -> None:
    assert category(tcn, lcn, wgd=False) == expected


@pytest.mark.parametrize(("tcn", "lcn", "expected"), WGD_BOUNDARIES)
def test_categories_with_wgd(tcn: int, lcn: float, expected: str) -> None:
    assert category(tcn, lcn, wgd=True) == expected


def test_every_copy_number_state_follows_the_study_table() -> None:
    """All tcn 0-30 x lcn (0..tcn, NA) x WGD against the study's table as written in
    SPEC.md (an independent restatement in tests/test_goldens_rederived.py)."""
    from tests.test_goldens_rederived import _category

    for wgd in (False, True):
        for tcn in range(31):
            for lcn in [*range(tcn + 1), NA]:
                assert category(tcn, lcn, wgd) == _category(tcn, lcn, wgd), (tcn, lcn, wgd)


def test_thresholds_are_options_that_take_effect() -> None:
    """Changing a level changes the call (the thresholds are parameters, not constants),
    and the parameter set is frozen."""
    stricter = cna.Levels(7, 4, 3, 2)
    code = cna.categorise(np.array([6.0]), np.array([1.0]), stricter)[0]
    assert cna.CATEGORIES[code] == "medium_level_gain"
    with pytest.raises(AttributeError):
        cna.Thresholds().max_focal_length = 1  # type: ignore[misc]


# facets-suite FACETS_CALL_table.tsv: (WGD, mcn, lcn) -> our discrete value for tcn = mcn + lcn.
# Rows where ours differs from FACETS_CNA carry a comment saying why.
OURS_VS_FACETS_SUITE = {
    ("no WGD", 0, 0): -2, ("no WGD", 1, 0): -1, ("no WGD", 2, 0): -1,  # HETLOSS, CNLOH = loh
    ("no WGD", 3, 0): 1, ("no WGD", 4, 0): 1,
    ("no WGD", 5, 0): 1,  # they: AMP (LOH) 2; the study's high level starts at tcn 6
    ("no WGD", 6, 0): 2, ("no WGD", 1, 1): 0, ("no WGD", 2, 1): 1, ("no WGD", 3, 1): 1,
    ("no WGD", 4, 1): 1,  # they: AMP 2; tcn 5 is a medium-level gain in the study
    ("no WGD", 5, 1): 2, ("no WGD", 6, 1): 2, ("no WGD", 2, 2): 1,
    ("no WGD", 3, 2): 1,  # they: AMP 2; tcn 5 is a medium-level gain in the study
    ("no WGD", 4, 2): 2, ("no WGD", 5, 2): 2, ("no WGD", 6, 2): 2, ("no WGD", 3, 3): 2,
    ("no WGD", 4, 3): 2, ("no WGD", 5, 3): 2, ("no WGD", 6, 3): 2,
    ("WGD", 0, 0): -2, ("WGD", 1, 0): -1, ("WGD", 2, 0): -1, ("WGD", 3, 0): -1,
    ("WGD", 4, 0): -1, ("WGD", 5, 0): 1,
    ("WGD", 6, 0): 1,  # they: AMP (LOH) 2; with WGD the study's high level starts at tcn 10
    ("WGD", 1, 1): 0,  # they: DOUBLE LOSS AFTER -1; the study has no hemizygous-loss category
    ("WGD", 2, 1): 0,  # they: LOSS AFTER -1; lcn 1 is not LOH and there is no loss category
    ("WGD", 3, 1): 0,  # they: CNLOH AFTER -1; lcn 1 is not LOH in the study's table
    ("WGD", 4, 1): 1,
    ("WGD", 5, 1): 1, ("WGD", 6, 1): 1,  # they: AMP 2; WGD high level is tcn >= 10
    ("WGD", 2, 2): 0, ("WGD", 3, 2): 1,
    ("WGD", 4, 2): 1, ("WGD", 5, 2): 1, ("WGD", 6, 2): 1,  # they: AMP 2; WGD high is tcn >= 10
    ("WGD", 3, 3): 1, ("WGD", 4, 3): 1, ("WGD", 5, 3): 1, ("WGD", 6, 3): 1,  # same reason
}  # fmt: skip


def test_facets_suite_call_table_comparison() -> None:
    table = pd.read_csv(shared_file("02b_facets/FACETS_CALL_table.tsv"), sep="\t")
    assert len(table) == len(OURS_VS_FACETS_SUITE) == 44
    differences = 0
    for row in table.itertuples(index=False):
        name = category(row.mcn + row.lcn, row.lcn, wgd=row.WGD == "WGD")
        ours = cna.DISCRETE[name]
        assert ours == OURS_VS_FACETS_SUITE[(row.WGD, row.mcn, row.lcn)], row
        differences += ours != row.FACETS_CNA
    assert differences == 16  # the commented rows above; the module docstring's table


GENES = genes(
    ("ONE", "chr1", 100, 200),
    ("SPANS", "chr1", 900, 1200),
    ("GAP", "chr1", 6000, 6100),
    ("OTHER_CONTIG", "chr3", 10, 20),
)


def call(
    segs: pd.DataFrame, table: pd.DataFrame = GENES, wgd: cna.WgdMode = "no", **options: object
) -> cna.GeneCalls:
    """Call genes; without WGD unless asked, so that tiny genomes keep the no-WGD table."""
    return cna.call_genes(cna.index_genes(table), segs, "S", wgd, **options)  # type: ignore[arg-type]


def test_multi_segment_gene_takes_the_shortest_segment() -> None:
    segs = segments(
        ("1", 1, 999, 2, 1), ("1", 1000, 1100, 7, 1), ("1", 1101, 5000, 2, 0), ("3", 1, 9, 2, 1)
    )
    table = call(segs).table().set_index("gene")
    assert table.loc["SPANS", "n_segments"] == 3
    assert table.loc["SPANS", ["segment_start", "segment_end", "segment_length"]].tolist() == [
        1000, 1100, 101,
    ]  # fmt: skip
    assert table.loc["SPANS", "category"] == "high_level_gain"
    assert table.loc["ONE", "n_segments"] == 1 and table.loc["ONE", "category"] == "neutral"


def test_equal_lengths_go_to_the_leftmost_segment() -> None:
    segs = segments(("1", 801, 1000, 2, 0), ("1", 1001, 1200, 2, 1))
    table = call(segs).table().set_index("gene")
    assert table.loc["SPANS", "segment_start"] == 801 and table.loc["SPANS", "category"] == "loh"


def test_genes_outside_segments_are_no_segment() -> None:
    table = call(segments(("1", 1, 5000, 2, 1))).table().set_index("gene")
    for gene in ("GAP", "OTHER_CONTIG"):
        row = table.loc[gene]
        assert row["category"] == "no_segment" and row["n_segments"] == 0
        assert pd.isna(row["tcn"]) and pd.isna(row["segment_length"]) and pd.isna(row["focal"])
        assert pd.isna(row["discrete"])


def test_focal_is_shorter_than_the_limit() -> None:
    table = genes(("AT_LIMIT", "1", 100, 200), ("UNDER", "1", 10_000_100, 10_000_200))
    segs = segments(("1", 1, 10_000_000, 7, 1), ("1", 10_000_001, 20_000_000 - 1, 7, 1))
    calls = call(segs, table).table().set_index("gene")
    assert calls.loc["AT_LIMIT", "segment_length"] == 10_000_000
    assert not calls.loc["AT_LIMIT", "focal"] and calls.loc["UNDER", "focal"]
    summary = cna.summarise(call(segs, table), cna.Fit())
    assert summary.focal_calls == {"high_level_gain": ["UNDER"], "homozygous_deletion": []}
    small = call(segs, table, thresholds=cna.Thresholds(max_focal_length=5_000_000)).table()
    assert not small["focal"].any()


def test_na_lcn_is_undetermined_never_loh() -> None:
    segs = segments(("1", 1, 500, 1, NA), ("1", 501, 5000, 0, NA))
    calls = call(segs)
    table = calls.table().set_index("gene")
    assert table.loc["ONE", "category"] == "undetermined" and pd.isna(table.loc["ONE", "lcn"])
    assert pd.isna(table.loc["ONE", "discrete"])
    assert table.loc["SPANS", "category"] == "homozygous_deletion"  # tcn 0 needs no lcn
    summary = cna.summarise(calls, cna.Fit())
    assert summary.undetermined == 1 and summary.undetermined_genes == ["ONE"]
    assert summary.categories["undetermined"] == 1


def test_output_columns_and_types() -> None:
    table = call(segments(("1", 1, 5000, 2, 1))).table()
    assert tuple(table.columns) == cna.CALL_COLUMNS
    assert table["wgd"].dtype == bool and table["discrete"].tolist()[:2] == [0, 0]


def wgd_case(elevated: int, other: int) -> pd.DataFrame:
    """Two autosomal segments: ``elevated`` bp at major copy number 2, ``other`` bp at 1."""
    return segments(
        ("1", 1, elevated, 3, 1),
        ("2", 1, other, 2, 1),
        ("2", other + 1, other + 90_000_000, 2, NA),  # lcn NA: not counted
        ("X", 1, 150_000_000, 4, 0),  # not an autosome
    )


def test_wgd_auto_just_above_and_below_half() -> None:
    above = cna.call_wgd(wgd_case(50_000_001, 49_999_999))
    below = cna.call_wgd(wgd_case(49_999_999, 50_000_001))
    half = cna.call_wgd(wgd_case(50_000_000, 50_000_000))
    assert above.is_wgd and above.fraction == pytest.approx(0.50000001)
    assert not below.is_wgd and below.fraction == pytest.approx(0.49999999)
    assert not half.is_wgd  # "more than half"
    assert above.rule == "facets-suite"


def test_wgd_can_be_set_by_the_user_and_changes_thresholds() -> None:
    segs = segments(("1", 1, 5000, 4, 0))
    assert cna.call_wgd(segs, "no") == cna.WgdCall(False, "user", 1.0)
    assert call(segs, wgd="auto").table()["category"][0] == "loh"  # WGD: tcn 4 lcn 0 is LOH
    assert call(segs, wgd="no").table()["category"][0] == "medium_level_gain"
    assert math.isnan(cna.call_wgd(segments(("X", 1, 10, 2, 1))).fraction)


def test_contig_names_match_without_chr_prefix() -> None:
    table = call(segments(("chr1", 1, 5000, 3, 1))).table()
    assert table["category"].tolist()[:2] == ["low_level_gain", "low_level_gain"]


def test_overlapping_segments_are_an_error() -> None:
    with pytest.raises(
        IcarusError, match=r"sample 'S': segments overlap on 1 \(1-500 and 500-900\)"
    ):
        call(segments(("1", 1, 500, 2, 1), ("1", 500, 900, 2, 1)))


def test_unknown_contigs_are_named() -> None:
    with pytest.raises(IcarusError, match=r"segment contig\(s\) 7, Y are not in the gene table"):
        call(segments(("1", 1, 500, 2, 1), ("Y", 1, 9, 1, 0), ("7", 1, 9, 2, 1)))


@pytest.mark.parametrize(
    ("fit", "message"),
    [
        (cna.Fit(purity=0.0), r"purity 0 is outside \(0, 1\]"),
        (cna.Fit(purity=1.2), r"purity 1.2 is outside \(0, 1\]"),
        (cna.Fit(ploidy=0.0), "ploidy 0 must be above 0"),
    ],
)
def test_bad_fits(fit: cna.Fit, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        cna.check_fit(fit, "x")
    assert cna.check_fit(cna.Fit(1.0, 2.5), "x") == cna.Fit(1.0, 2.5)


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 999), min_size=1, max_size=12, unique=True),
    gaps=st.lists(st.booleans(), min_size=13, max_size=13),
    spans=st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 300)), min_size=1, max_size=8),
)
def test_locate_genes_matches_brute_force(
    cuts: list[int], gaps: list[bool], spans: list[tuple[int, int]]
) -> None:
    bounds = [0, *sorted(cuts), 1000]  # segments (a, b], some shortened to leave 1-bp gaps
    ends = [b - int(gaps[k] and b - a > 1) for k, (a, b) in enumerate(pairwise(bounds))]
    rows = [("1", a + 1, end, 2, 1) for a, end in zip(bounds, ends, strict=False)]
    segs = segments(*rows)
    table = genes(*[(f"G{i}", "1", s, s + w) for i, (s, w) in enumerate(spans)])
    calls = call(segs, table)
    for i, (start, width) in enumerate(spans):
        hits = [k for k, (_, a, b, _, _) in enumerate(rows) if a <= start + width and b >= start]
        assert calls.n_segments[i] == len(hits)
        lengths = [rows[k][2] - rows[k][1] + 1 for k in hits]
        expected = hits[lengths.index(min(lengths))] if hits else -1
        assert calls.segment_of_gene[i] == expected


class Example(NamedTuple):
    genes: pd.DataFrame
    tables: dict[str, pd.DataFrame]  # FACETS-like cncf per tumour
    fits: pd.DataFrame


@pytest.fixture(scope="module")
def example() -> Example:
    cohort = build_example_cohort()
    tables = example_segments(cohort.samples, cohort.genes)
    return Example(cohort.genes, tables, example_fits(cohort.samples, tables))


def test_example_cohort_recovers_planted_events(example: Example) -> None:
    thresholds = cna.Thresholds(max_focal_length=round(DEMO_MAX_FOCAL_MB * 1_000_000))
    index = cna.index_genes(example.genes)
    calls, summaries = {}, {}
    for sample, table in example.tables.items():
        segs = table.rename(columns={"tcn.em": "tcn", "lcn.em": "lcn"})
        calls[sample] = cna.call_genes(index, segs, sample, "auto", thresholds)
        summaries[sample] = cna.summarise(calls[sample], cna.Fit(), thresholds)

    def planted(what: str) -> dict[str, list[str]]:
        return {s: v.focal_calls[what] for s, v in summaries.items() if v.focal_calls[what]}

    assert planted("high_level_gain") == {
        "P01_T": ["ERBB2"], "P04_T": ["CCND1"], "P06_T": ["MYC"], "P10_T": ["ERBB2"]
    }  # fmt: skip
    assert planted("homozygous_deletion") == {"P02_T": ["PTEN"], "P06_T": ["RB1"]}
    fractions = {s: v.wgd_fraction or 0.0 for s, v in summaries.items()}
    assert [s for s, v in summaries.items() if v.wgd] == ["P05_T"] and fractions["P05_T"] > 0.8
    assert max(f for s, f in fractions.items() if s != "P05_T") < 0.4
    undetermined = {s: v.undetermined_genes for s, v in summaries.items() if v.undetermined}
    assert undetermined == {"P03_T": ["CDH1"]}
    wgd_table = calls["P05_T"].table().set_index("gene")
    assert wgd_table.loc["FGFR1", "category"] == "medium_level_gain"  # tcn 8, under WGD
    seen = {c for v in summaries.values() for c, n in v.categories.items() if n}
    assert {"loh", "neutral", "low_level_gain"} <= seen
    assert example.fits["purity"].between(0.35, 0.9).all()
    assert example.fits.set_index("sample").loc["P05_T", "ploidy"] > 3.5


# --- the command ----------------------------------------------------------------------------


def test_cna_golden(cli: Cli, tmp_path: Path) -> None:
    args = ("cna", CNA_DATA / "T1.cncf.txt", "--genes", CNA_DATA / "genes.tsv")
    code, out, err = cli(*args, "--fit", CNA_DATA / "T1.fit.tsv", "-o", tmp_path)
    assert (code, out) == (0, "")
    assert err == (
        "cna: T1: 13 genes, WGD no (facets-suite; autosomal fraction at major CN >= 2: 0.26); "
        "focal high-level gains 2, focal homozygous deletions 1; 2 gene(s) undetermined "
        "(tcn in the LOH range, lcn NA)\n"
    )
    name = "T1.cna_genes.tsv"
    assert (tmp_path / name).read_text() == (EXPECTED / "cna" / name).read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["T1.cna_genes.tsv", "T1.cna_summary.json"]
    summary = json.loads((tmp_path / "T1.cna_summary.json").read_text())
    assert (summary["purity"], summary["ploidy"], summary["wgd"]) == (0.81, 2.31, False)
    assert (summary["wgd_rule"], summary["wgd_fraction"]) == ("facets-suite", 0.2643)
    assert summary["undetermined_genes"] == ["G09_LCN_NA", "G10_SPANS_NA"]
    assert summary["categories"]["no_segment"] == 2
    assert summary["focal_calls"] == {
        "high_level_gain": ["G02_SPANS_AMP", "G11_ERBB2_LIKE"], "homozygous_deletion": ["G08_HOMDEL"]
    }  # fmt: skip


def test_cna_cohort_golden(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli(
        "cna", CNA_DATA / "cohort.cncf.txt", "--genes", CNA_DATA / "genes.bed", "-o", tmp_path
    )
    assert code == 0, err
    for name in ("cna_discrete.tsv", "cna_categories.tsv"):
        assert (tmp_path / name).read_text() == (EXPECTED / "cna" / name).read_text(), name
    s1 = json.loads((tmp_path / "S1.cna_summary.json").read_text())
    s2 = json.loads((tmp_path / "S2.cna_summary.json").read_text())
    assert (s1["purity"], s1["ploidy"], s1["wgd"]) == (0.62, 3.9, True)  # from the table
    assert (s2["purity"], s2["ploidy"], s2["wgd"]) == (None, None, False)  # reported missing
    assert (tmp_path / "S1.cna_genes.tsv").exists() and (tmp_path / "S2.cna_genes.tsv").exists()


def test_cna_same_bytes_whatever_the_threads(cli: Cli, tmp_path: Path) -> None:
    paths = []
    for sample in ("A", "B", "C"):
        paths.append(tmp_path / f"{sample}.cncf.txt")
        paths[-1].write_text((CNA_DATA / "T1.cncf.txt").read_text())
    for threads in (1, 2):
        code, _, err = cli(
            "cna",
            *paths,
            "--genes",
            CNA_DATA / "genes.tsv",
            "-o",
            tmp_path / str(threads),
            "--threads",
            threads,
            "-q",
        )
        assert (code, err) == (0, "")
    for name in ("cna_discrete.tsv", "B.cna_genes.tsv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    one, two = (json.loads((tmp_path / t / "C.cna_summary.json").read_text()) for t in "12")
    assert one.pop("run")["command_line"][-2:] == ["1", "-q"]
    assert two.pop("run")["command_line"][-2:] == ["2", "-q"]
    assert one == two


def test_cna_on_the_example_cohort(cli: Cli, tmp_path: Path, example: Example) -> None:
    args: list[object] = ["cna", "--genes", tmp_path / "genes.tsv", "-o", tmp_path / "out"]
    write_tsv(example.genes, tmp_path / "genes.tsv")
    for sample, purity, ploidy in example.fits.itertuples(index=False):
        write_tsv(example.tables[sample], tmp_path / f"{sample}.cncf.txt")
        (tmp_path / f"{sample}.fit").write_text(f"purity\t{purity}\nploidy\t{ploidy}\n")
        args += [tmp_path / f"{sample}.cncf.txt", "--fit", tmp_path / f"{sample}.fit"]
    code, _, err = cli(*args, "--max-focal-mb", DEMO_MAX_FOCAL_MB)
    assert code == 0, err
    assert (
        "12 samples x 20 genes, 1 with WGD; focal high-level gains 4, focal homozygous deletions 2"
        in err
    )
    out = tmp_path / "out"
    discrete = pd.read_csv(
        out / "cna_discrete.tsv", sep="\t", index_col="gene", dtype=str, keep_default_na=False
    )
    assert discrete.loc["ERBB2", "P01_T"] == "2" and discrete.loc["PTEN", "P02_T"] == "-2"
    assert discrete.loc["CDH1", "P03_T"] == ""  # undetermined
    summary = json.loads((out / "P05_T.cna_summary.json").read_text())
    assert summary["wgd"] and summary["purity"] == example.fits.loc[4, "purity"]


BAD_SEGMENTS = {
    "end_before_start": ("chrom\tstart\tend\ttcn.em\tlcn.em\n1\t500\t100\t2\t1\n", r"end < start in row 1 \(1:500-100, tcn 2\)"),
    "unknown_contig": ("chrom\tstart\tend\ttcn.em\tlcn.em\n1\t1\t100\t2\t1\nchrUn_gl000220\t1\t9\t2\t1\n", r"segment contig\(s\) chrUn_gl000220 are not in the gene table"),
    "overlap": ("chrom\tstart\tend\ttcn.em\tlcn.em\n1\t1\t100\t2\t1\n1\t50\t150\t3\t1\n", r"segments overlap on 1 \(1-100 and 50-150\)"),
    "missing_column": ("chrom\tstart\tend\ttcn.em\n1\t1\t100\t2\n", r"lacks column lcn.em or lcn \(found: chrom, start, end, tcn.em\)"),
    "empty": ("", "no segments"),
    "header_only": ("chrom\tstart\tend\ttcn.em\tlcn.em\n", "no segments"),
    "non_numeric_tcn": ("chrom\tstart\tend\ttcn.em\tlcn.em\n1\t1\t100\tthree\t1\n", r"tcn.em is not a number in row 1 \('three'\)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_SEGMENTS))
def test_cna_bad_segments(cli: Cli, tmp_path: Path, case: str) -> None:
    text, message = BAD_SEGMENTS[case]
    (tmp_path / "T.cncf.txt").write_text(text)
    out = tmp_path / "out"
    code, stdout, err = cli(
        "cna", tmp_path / "T.cncf.txt", "--genes", CNA_DATA / "genes.tsv", "-o", out
    )
    assert (code, stdout) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--purity", "1.5"), r"error: --purity/--ploidy: purity 1.5 is outside \(0, 1\]"),
        (("--purity", "0"), r"error: --purity/--ploidy: purity 0 is outside \(0, 1\]"),
        (("--ploidy", "-1"), r"error: --purity/--ploidy: ploidy -1 must be above 0"),
        (
            ("--genes", CNA_DATA / "T1.fit.tsv"),
            r"gene table lacks column\(s\) gene, chrom, start, end",
        ),
    ],
)
def test_cna_bad_options(
    cli: Cli, tmp_path: Path, options: tuple[object, ...], message: str
) -> None:
    out = tmp_path / "out"
    args = ["cna", CNA_DATA / "T1.cncf.txt", "--genes", CNA_DATA / "genes.tsv", "-o", out]
    code, _, err = cli(*args, *options)
    assert code == 1 and err.count("\n") == 1
    assert re.search(message, err), err
    assert not out.exists() or list(out.iterdir()) == []


def test_cna_error_in_a_later_sample_leaves_no_output(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "B.cncf.txt"
    bad.write_text("chrom\tstart\tend\ttcn.em\tlcn.em\n1\t1\t100\t2\t1\n1\t50\t150\t3\t1\n")
    out = tmp_path / "out"
    code, _, err = cli(
        "cna",
        CNA_DATA / "T1.cncf.txt",
        bad,
        "--genes",
        CNA_DATA / "genes.tsv",
        "-o",
        out,
        "--threads",
        2,
    )
    assert code == 1 and "sample 'B': segments overlap" in err
    assert list(out.iterdir()) == []
