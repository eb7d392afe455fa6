"""wes-filter / wes-annotate on inputs that used to give a wrong answer or a traceback.

Hostile sample names and prefixes, Mutect2 calls FilterMutectCalls never saw, the genome
build, dbSNP ids, MAF alleles of split multi-allelic records, and malformed headers.
Tiny VCFs are written inline; the real ones come from ../shared/data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.genome import choose_build, infer_build
from tests.conftest import CliResult, shared_file

Cli = Callable[..., CliResult]
FILTER_MUTECT_CALLS = (
    '##GATKCommandLine=<ID=FilterMutectCalls,CommandLine="FilterMutectCalls --variant '
    'T1.unfiltered.vcf.gz --output T1.vcf.gz",Version="4.1.8.1",Date="May 14, 2024 9:41:07 AM">'
)
MUTECT2 = (
    '##GATKCommandLine=<ID=Mutect2,CommandLine="Mutect2 --input T1.bam --output '
    'T1.unfiltered.vcf.gz",Version="4.1.8.1",Date="May 14, 2024 8:02:11 AM">'
)
HEADER = [
    "##fileformat=VCFv4.2",
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    MUTECT2,
    FILTER_MUTECT_CALLS,
    '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score">',
    "##contig=<ID=1,length=5000>",
    "##normal_sample=N1",
    "##tumor_sample=T1",
]
GOOD = "1\t100\t.\tC\tT\t.\tPASS\tTLOD=30\tGT:AD:DP\t0/0:30,0:30\t0/1:40,20:60"


def write_vcf(
    tmp_path: Path,
    records: list[str],
    samples: tuple[str, ...] = ("N1", "T1"),
    header: list[str] = HEADER,
    extra: tuple[str, ...] = (),
) -> Path:
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]
    lines = [*header, *extra, "\t".join(columns), *records]
    path = tmp_path / "in.vcf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line_error(result: CliResult, message: str) -> None:
    code, out, err = result
    assert code == 1, err
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# 1. hostile names ------------------------------------------------------------------------

HOSTILE = ["../../tmp/x", "/tmp/x", "a\\b", ".hidden", "-x", "ctl\x01name", "..", "a/../b"]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("command", ["wes-filter", "wes-annotate"])
def test_hostile_tumour_sample_refused_nothing_written(
    name: str, command: str, cli: Cli, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    record = "1\t100\t.\tC\tT\t.\tPASS\tTLOD=30\tGT:AD:DP\t0/1:40,20:60"
    header = [x for x in HEADER if not x.startswith(("##normal_sample", "##tumor_sample"))]
    vcf = write_vcf(work, [record], samples=(name,), header=header)
    before = files_under(tmp_path)
    outdir = work / "deep" / "out"
    one_line_error(cli(command, vcf, "-o", outdir), "tumour sample")
    assert files_under(tmp_path) == before  # no outdir, no partial file, nothing beside
    assert not Path("/tmp/x.filtered.vcf.gz").exists()


@pytest.mark.parametrize("prefix", ["../x", "/tmp/x", "a\\b", ".x", "-x", "x\ty"])
def test_hostile_prefix_refused(prefix: str, cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD])
    before = files_under(tmp_path)
    one_line_error(cli("wes-filter", vcf, "-o", tmp_path / "out", "--prefix", prefix), "--prefix")
    assert files_under(tmp_path) == before


def test_safe_prefix_names_outputs(cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD])
    code, _, err = cli("wes-filter", vcf, "-o", tmp_path / "out", "--prefix", "P01_T.v2")
    assert code == 0, err
    assert (tmp_path / "out" / "P01_T.v2.mutations.tsv").exists()


# 2. unfiltered Mutect2 calls -------------------------------------------------------------

UNFILTERED_HEADERS = {
    "filtering_status": [
        *(x for x in HEADER if x != FILTER_MUTECT_CALLS),
        "##filtering_status=Warning: unfiltered Mutect 2 calls.  Please run FilterMutectCalls "
        "to remove false positives.",
    ],
    "mutect2 without FilterMutectCalls": [x for x in HEADER if x != FILTER_MUTECT_CALLS],
    "source=Mutect2 only": [
        *(x for x in HEADER if x not in (FILTER_MUTECT_CALLS, MUTECT2)),
        "##source=Mutect2",
    ],
}


@pytest.mark.parametrize("case", sorted(UNFILTERED_HEADERS))
def test_unfiltered_header_refused(case: str, cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD], header=UNFILTERED_HEADERS[case])
    for command in ("wes-filter", "wes-annotate"):
        result = cli(command, vcf, "-o", tmp_path / "out")
        one_line_error(result, "FilterMutectCalls")
        assert "--allow-unfiltered" in result[2]
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_all_dot_filter_refused_even_with_filter_header(cli: Cli, tmp_path: Path) -> None:
    dotted = GOOD.replace("\tPASS\t", "\t.\t")
    vcf = write_vcf(tmp_path, [dotted, dotted.replace("\t100\t", "\t200\t")])
    result = cli("wes-filter", vcf, "-o", tmp_path / "out")
    one_line_error(result, "every record has FILTER '.'")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_one_filtered_record_is_enough(cli: Cli, tmp_path: Path) -> None:
    dotted = GOOD.replace("\tPASS\t", "\t.\t")
    vcf = write_vcf(tmp_path, [dotted, GOOD.replace("\t100\t", "\t200\t")])
    code, _, err = cli("wes-filter", vcf, "-o", tmp_path / "out")
    assert code == 0, err
    assert "warning" not in err


def test_allow_unfiltered_warns_once_and_records_it(cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD], header=UNFILTERED_HEADERS["filtering_status"])
    out = tmp_path / "out"
    code, _, err = cli("wes-annotate", vcf, "-o", out, "--allow-unfiltered")
    assert code == 0, err
    assert err.count("warning: ") == 1 and "FilterMutectCalls" in err, err
    summary = json.loads((out / "T1.summary.json").read_text())
    assert summary["unfiltered"] is True and "FilterMutectCalls" in summary["unfiltered_note"]
    attrition = pd.read_csv(out / "T1.filter_attrition.tsv", sep="\t")
    first = attrition.iloc[0]
    assert (first.step, first["filter"], first.removed, first.remaining) == (
        0, "unfiltered_input", 0, 1,
    )  # fmt: skip
    assert "FilterMutectCalls" in first.description


def test_filtered_input_summary_says_filtered(cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD])
    code, _, err = cli("wes-filter", vcf, "-o", tmp_path / "out")
    assert code == 0 and "warning" not in err, err
    summary = json.loads((tmp_path / "out" / "T1.summary.json").read_text())
    assert summary["unfiltered"] is False
    attrition = pd.read_csv(tmp_path / "out" / "T1.filter_attrition.tsv", sep="\t")
    assert "unfiltered_input" not in set(attrition["filter"])


def test_real_unfiltered_mutect2_vcf(cli: Cli, tmp_path: Path) -> None:
    vcf = shared_file("02_somatic_vcfs/purecn_debian/example_mutect2.vcf.gz")
    one_line_error(cli("wes-filter", vcf, "-o", tmp_path / "a"), "##filtering_status")
    code, _, err = cli("wes-filter", vcf, "-o", tmp_path / "b", "--allow-unfiltered")
    assert code == 0 and err.count("warning: ") == 1, err
    summary = json.loads((tmp_path / "b" / "EU_It.summary.json").read_text())
    assert summary["unfiltered"] is True and summary["genome_build"] == "GRCh38"


def test_mutect1_pass_reject_is_not_unfiltered(cli: Cli, tmp_path: Path) -> None:
    vcf = shared_file("02_somatic_vcfs/vcf2maf_tests/test_mutect.vcf")
    code, _, err = cli("wes-filter", vcf, "-o", tmp_path, "--allow-filter", "REJECT")
    assert code == 0 and "warning" not in err, err


# 3. genome build -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ({"1": 249250621, "2": 243199373, "MT": 16569}, "GRCh37"),
        ({"chr1": 249250621, "chrM": 16571}, "GRCh37"),  # hg19
        ({"chr1": 248956422, "chr21": 46709983, "chrM": 16569}, "GRCh38"),
        ({"21": 46709983}, "GRCh38"),
        ({"1": 5000, "2": 3000}, "unknown"),
        ({"1": 249250621, "2": 242193529}, "unknown"),  # mixed builds
        ({"MT": 16569}, "unknown"),  # the same in both builds
        ({}, None),
    ],
)
def test_infer_build(lengths: dict[str, int], expected: str | None) -> None:
    assert infer_build(lengths) == expected


def test_choose_build() -> None:
    grch38 = {"chr1": 248956422}
    assert choose_build(grch38, None, "x.vcf").build == "GRCh38"
    assert choose_build(grch38, "hg38", "x.vcf").inferred
    with pytest.raises(IcarusError, match="contradicts"):
        choose_build(grch38, "GRCh37", "x.vcf")
    unknown = choose_build({"1": 5000}, None, "x.vcf")
    assert (unknown.build, unknown.inferred) == ("GRCh37", False)
    assert "not inferred" in unknown.note
    assert choose_build({}, "GRCh38", "x.vcf").build == "GRCh38"


def test_grch38_header_gives_grch38_maf(cli: Cli, tmp_path: Path) -> None:
    header = [x.replace("length=5000", "length=248956422") for x in HEADER]
    vcf = write_vcf(tmp_path, [GOOD], header=header)
    code, _, err = cli("wes-annotate", vcf, "-o", tmp_path / "out")
    assert code == 0, err
    maf = pd.read_csv(tmp_path / "out" / "T1.maf", sep="\t", comment="#", dtype=str)
    assert list(maf.NCBI_Build) == ["GRCh38"]
    summary = json.loads((tmp_path / "out" / "T1.summary.json").read_text())
    assert summary["genome_build"] == "GRCh38" and summary["genome_build_inferred"] is True
    one_line_error(
        cli("wes-annotate", vcf, "-o", tmp_path / "o2", "--ncbi-build", "GRCh37"), "contradicts"
    )


def test_no_contig_lengths_uses_ncbi_build_and_says_so(cli: Cli, tmp_path: Path) -> None:
    header = [x for x in HEADER if not x.startswith("##contig")]
    vcf = write_vcf(tmp_path, [GOOD], header=header)
    code, _, err = cli("wes-annotate", vcf, "-o", tmp_path / "out", "--ncbi-build", "GRCh38")
    assert code == 0, err
    maf = pd.read_csv(tmp_path / "out" / "T1.maf", sep="\t", comment="#", dtype=str)
    assert list(maf.NCBI_Build) == ["GRCh38"]
    summary = json.loads((tmp_path / "out" / "T1.summary.json").read_text())
    assert summary["genome_build_inferred"] is False
    assert "not inferred" in summary["genome_build_note"]


@pytest.mark.parametrize(
    ("relative", "build"),
    [
        ("02_somatic_vcfs/vcf2maf_tests/test_b38.vcf", "GRCh38"),
        (
            "02_somatic_vcfs/hbctraining_syn3/mutect2_syn3_normal_syn3_tumor_GRCh38.p7-pass-filt-"
            "LCR.pedigree_header.snpeff.dbSNP.vcf.gz",
            "GRCh38",
        ),
        ("02_somatic_vcfs/gatk_tests/mc3_M2.filtered.vcf", "GRCh37"),
    ],
)
def test_real_vcf_build_reaches_maf(relative: str, build: str, cli: Cli, tmp_path: Path) -> None:
    vcf = shared_file(relative)
    code, _, err = cli(
        "wes-annotate", vcf, "-o", tmp_path, "--allow-unfiltered", "--min-tumor-depth", 0,
        "--min-tumor-alt", 0, "--min-tumor-vaf", 0, "--min-normal-depth", 0,
        "--max-normal-vaf", 1, "--allow-filter", "t_lod",
    )  # fmt: skip
    assert code == 0, err
    (maf_path,) = tmp_path.glob("*.maf")
    maf = pd.read_csv(maf_path, sep="\t", comment="#", dtype=str, keep_default_na=False)
    assert len(maf) > 0 and set(maf.NCBI_Build) == {build}
    (summary_path,) = tmp_path.glob("*.summary.json")
    assert json.loads(summary_path.read_text())["genome_build"] == build


# 4. dbSNP ids ----------------------------------------------------------------------------


def test_vcf_id_rs_reaches_maf(cli: Cli, tmp_path: Path) -> None:
    records = [
        GOOD.replace("\t.\tC\tT", "\trs121913529;COSM12\tC\tT"),
        GOOD.replace("1\t100\t.", "1\t200\tCOSM99"),
        GOOD.replace("1\t100\t.", "1\t300\t."),
    ]
    vcf = write_vcf(tmp_path, records)
    assert cli("wes-annotate", vcf, "-o", tmp_path / "out")[0] == 0
    maf = pd.read_csv(
        tmp_path / "out" / "T1.maf", sep="\t", comment="#", dtype=str, keep_default_na=False
    )
    # no consequence annotation: dbSNP was not looked up unless the ID column says so
    assert list(maf.dbSNP_RS) == ["rs121913529", "", ""]


def test_snpeff_dbsnp_ids_reach_maf(cli: Cli, tmp_path: Path) -> None:
    vcf = shared_file(
        "02_somatic_vcfs/hbctraining_syn3/mutect2_syn3_normal_syn3_tumor_GRCh38.p7-pass-filt-"
        "LCR.pedigree_header.snpeff.dbSNP.vcf.gz"
    )
    code, _, err = cli(
        "wes-annotate", vcf, "-o", tmp_path, "--min-tumor-depth", 0, "--min-tumor-alt", 0,
        "--min-tumor-vaf", 0, "--min-normal-depth", 0, "--max-normal-vaf", 1,
    )  # fmt: skip
    assert code == 0, err
    maf = pd.read_csv(
        tmp_path / "syn3_tumor.maf", sep="\t", comment="#", dtype=str, keep_default_na=False
    )
    assert (maf.dbSNP_RS.str.startswith("rs")).sum() == 99  # the 99 records with rs IDs
    assert set(maf.dbSNP_RS[~maf.dbSNP_RS.str.startswith("rs")]) == {"novel"}
    assert maf.dbSNP_RS.str.fullmatch(r"rs\d+(,rs\d+)*|novel").all()
    assert "rs67196948,rs76281905" in set(maf.dbSNP_RS)  # ID rs67196948;rs76281905


# 5. MAF alleles of split multi-allelic records -------------------------------------------


def test_split_multiallelic_indels_are_trimmed(cli: Cli, tmp_path: Path) -> None:
    records = [
        "1\t100\t.\tTA\tTAA,T\t.\tPASS\tTLOD=30,30\tGT:AD:DP\t0/0:30,0,0:30\t0/1/2:40,20,20:80",
        "1\t200\t.\tGTT\tG,GT\t.\tPASS\tTLOD=30,30\tGT:AD:DP\t0/0:30,0,0:30\t0/1/2:40,20,20:80",
        "1\t300\t.\tCAAAA\tAAAAA,C\t.\tPASS\tTLOD=30,30\tGT:AD:DP\t0/0:30,0,0:30\t0/1/2:40,20,20:80",
    ]
    vcf = write_vcf(tmp_path, records)
    code, _, err = cli("wes-annotate", vcf, "-o", tmp_path / "out")
    assert code == 0, err
    maf = pd.read_csv(tmp_path / "out" / "T1.maf", sep="\t", comment="#", dtype=str)
    got = [
        tuple(r)
        for r in maf[["Start_Position", "End_Position", "Variant_Type", "Reference_Allele",
                      "Tumor_Seq_Allele2"]].itertuples(index=False)
    ]  # fmt: skip
    assert got == [
        ("100", "101", "INS", "-", "A"),  # TA>TAA is T>TA: A inserted after 100
        ("101", "101", "DEL", "A", "-"),
        ("201", "202", "DEL", "TT", "-"),  # GTT>G
        ("201", "201", "DEL", "T", "-"),  # GTT>GT is GT>G
        ("300", "300", "SNP", "C", "A"),  # CAAAA>AAAAA is C>A
        ("301", "304", "DEL", "AAAA", "-"),
    ]


# 6. malformed headers and records --------------------------------------------------------


def test_duplicate_sample_names(cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [GOOD], samples=("T1", "T1"))
    for command in ("wes-filter", "wes-annotate"):
        one_line_error(cli(command, vcf, "-o", tmp_path / "out"), "'T1' appears twice")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("record", "tag"),
    [
        (GOOD.replace("TLOD=30", "TLOD=30;FOO=3"), "INFO/FOO"),
        (GOOD.replace("GT:AD:DP\t0/0:30,0:30\t0/1:40,20:60",
                      "GT:AD:DP:XX\t0/0:30,0:30:1\t0/1:40,20:60:2"), "FORMAT/XX"),
    ],
)  # fmt: skip
def test_undeclared_tag_one_line_error(record: str, tag: str, cli: Cli, tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path, [record])
    for command in ("wes-filter", "wes-annotate"):
        result = cli(command, vcf, "-o", tmp_path / "out")
        one_line_error(result, f"1:100 uses {tag}, not declared in the VCF header")
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
