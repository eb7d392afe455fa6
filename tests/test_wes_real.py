"""wes-filter / wes-annotate on real Mutect2, MuTect1, SnpEff and Funcotator VCFs.

The kept set is compared with an independent implementation of the same rules that reads
the VCF with pysam (not cyvcf2), and the written VCF is read back with pysam and bcftools.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pysam
import pytest

from tests.conftest import CliResult, missing_reference, shared_file

pysam.set_verbosity(0)

Key = tuple[str, int, str, str]


def independent_kept(
    path: Path,
    tumor: str | None,
    normal: str | None,
    allowed: frozenset[str] = frozenset(),
    min_depth: int = 10,
    min_alt: int = 3,
    min_vaf: float = 0.05,
    min_normal_depth: int = 8,
    max_normal_vaf: float = 0.02,
) -> list[Key]:
    """The same rules, written plainly over pysam records (split multi-allelics)."""
    kept = []
    with pysam.VariantFile(str(readable_by_pysam(path))) as vcf:
        for record in vcf:
            flags = {f for f in record.filter.keys() if f != "PASS"}  # noqa: SIM118 - pysam filter object
            if flags - allowed:
                continue
            for i, alt in enumerate(record.alts or (), start=1):
                if tumor is None:
                    kept.append((record.chrom, record.pos, record.ref, alt))
                    continue
                t = record.samples[tumor]
                ad = t.get("AD") or ()
                dp = t.get("DP") if "DP" in record.format else None
                depth = dp if dp is not None else (sum(ad) if ad and None not in ad else None)
                ref_reads = ad[0] if ad else None
                alt_reads = ad[i] if len(ad) > i else None
                if ref_reads is not None and alt_reads is not None and ref_reads + alt_reads:
                    vaf = alt_reads / (ref_reads + alt_reads)
                elif ref_reads is None and alt_reads is not None and depth:
                    vaf = alt_reads / depth
                else:
                    vaf = None
                ok = depth is not None and depth >= min_depth
                ok &= alt_reads is not None and alt_reads >= min_alt
                ok &= vaf is not None and vaf >= min_vaf
                if normal is not None:
                    n = record.samples[normal]
                    nad = n.get("AD") or ()
                    ndp = n.get("DP") if "DP" in record.format else None
                    ndepth = (
                        ndp if ndp is not None else (sum(nad) if nad and None not in nad else None)
                    )
                    ok &= ndepth is not None and ndepth >= min_normal_depth
                    nref = nad[0] if nad else None
                    nalt = nad[i] if len(nad) > i else None
                    if nref is not None and nalt is not None and nref + nalt:
                        ok &= nalt / (nref + nalt) <= max_normal_vaf
                if ok:
                    kept.append((record.chrom, record.pos, record.ref, alt))
    return kept


def readable_by_pysam(path: Path) -> Path:
    """pysam cannot open plain-gzip (not BGZF) VCFs; give it a decompressed copy."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:2] != b"\x1f\x8b" or magic[3] & 4:
        return path
    plain = Path(tempfile.mkdtemp()) / path.name.removesuffix(".gz")
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    return plain


def kept_by_tool(path: Path) -> list[Key]:
    table = pd.read_csv(path, sep="\t", dtype={"chrom": str})
    return [(r.chrom, int(r.pos), r.ref, r.alt) for r in table.itertuples()]


CASES = {
    # file, tumor, normal, extra args, allowed flags
    "mc3_swapped_names": ("02_somatic_vcfs/gatk_tests/mc3_M2.filtered.vcf", "NORMAL", "TUMOR", ()),
    "many_allelic_tumor_only": (
        "02_somatic_vcfs/gatk_tests/many-allelic-somatic.filtered.vcf", "TUMOR", None,
        ("multiallelic", "contamination", "clustered_events"),
    ),
    "syn3_snpeff": (
        "02_somatic_vcfs/hbctraining_syn3/"
        "mutect2_syn3_normal_syn3_tumor_GRCh38.p7-pass-filt-LCR.pedigree_header.snpeff.dbSNP.vcf.gz",
        "syn3_tumor", "syn3_normal", (),
    ),
    "mutect1_vcf2maf": ("02_somatic_vcfs/vcf2maf_tests/test_mutect.vcf", "TUMOR", "NORMAL", ()),
    "mutect2_unfiltered": ("02_somatic_vcfs/purecn_debian/example_mutect2.vcf.gz", "EU_It", None, ()),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_kept_set_matches_independent_rules(
    case: str, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    relative, tumor, normal, allowed = CASES[case]
    path = shared_file(relative)
    args: list[object] = ["wes-filter", path, "-o", tmp_path, "--prefix", "s", "--tumor", tumor]
    if normal:
        args += ["--normal", normal]
    for flag in allowed:
        args += ["--allow-filter", flag]
    if case == "mutect2_unfiltered":  # refused without it (FilterMutectCalls never ran)
        args.append("--allow-unfiltered")
    code, out, err = cli(*args)
    assert code == 0, err
    assert out == ""
    expected = independent_kept(path, tumor, normal, frozenset(allowed))
    assert kept_by_tool(tmp_path / "s.mutations.tsv") == expected
    # every input record is in the soft-filtered VCF (multi-allelics split), PASS = kept
    with pysam.VariantFile(str(tmp_path / "s.filtered.vcf.gz")) as written:
        assert written.index is not None
        records = list(written)
    with pysam.VariantFile(str(readable_by_pysam(path))) as original:
        n_alleles = sum(len(r.alts or ()) for r in original)
    assert len(records) == n_alleles
    attrition = pd.read_csv(tmp_path / "s.filter_attrition.tsv", sep="\t")
    assert attrition["remaining"].iloc[-1] == len(expected)
    assert attrition["removed"].sum() == n_alleles - len(expected)


def test_mutect1_with_float_depths_is_refused_cleanly(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    # PureCN's MuTect1 example writes DP=79.0663 in an Integer field; bcftools and pysam
    # refuse the file too. We name the record and leave no output behind.
    path = shared_file("02_somatic_vcfs/purecn_debian/example_vcf.vcf.gz")
    out = tmp_path / "out"
    code, _, err = cli(
        "wes-filter", path, "-o", out, "--tumor", "LIB-02240e4", "--normal", "LIB-02252e4"
    )
    assert code == 1
    assert err.startswith("error: ") and "record 1 cannot be parsed" in err and err.count("\n") == 1
    assert list(out.iterdir()) == []


def test_mc3_as_labelled_warns_that_samples_look_swapped(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = shared_file("02_somatic_vcfs/gatk_tests/mc3_M2.filtered.vcf")
    code, _, err = cli("wes-filter", path, "-o", tmp_path)
    assert code == 0
    assert "TUMOR: 0 of 303 calls pass" in err and "swapped" in err


def test_written_vcf_passes_bcftools_and_declares_filters(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    if shutil.which("bcftools") is None:
        missing_reference("bcftools not installed (apt-get install bcftools)")
    path = shared_file("02_somatic_vcfs/gatk_tests/mc3_M2.filtered.vcf")
    code, _, err = cli("wes-filter", path, "-o", tmp_path, "--tumor", "NORMAL", "--normal", "TUMOR")
    assert code == 0, err
    vcf = tmp_path / "NORMAL.filtered.vcf.gz"
    header = subprocess.run(
        ["bcftools", "view", "-h", str(vcf)], capture_output=True, text=True, check=True
    ).stdout
    assert (
        '##FILTER=<ID=low_tumor_vaf,Description="Tumour alt-allele fraction from AD below 0.05">'
        in header
    )
    passing = subprocess.run(
        ["bcftools", "view", "-H", "-f", "PASS", str(vcf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [tuple(line.split("\t")[:2]) for line in passing] == [
        ("1", "26691436"), ("1", "147120061"), ("1", "155020578"), ("1", "160144388"),
    ]  # fmt: skip
    region = subprocess.run(
        ["bcftools", "view", "-H", "-r", "1:147120061", str(vcf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert region.startswith("1\t147120061")  # the .tbi index works


def test_snpeff_annotation_and_maf(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = shared_file(CASES["syn3_snpeff"][0])
    code, _, err = cli("wes-annotate", path, "-o", tmp_path)
    assert code == 0, err
    assert "annotation: SnpEff" in err
    maf = pd.read_csv(tmp_path / "syn3_tumor.maf", sep="\t", comment="#", dtype=str)
    table = pd.read_csv(tmp_path / "syn3_tumor.mutations.tsv", sep="\t", dtype=str)
    assert len(maf) == len(table) == 1294
    # an in-frame deletion annotated by SnpEff as conservative_inframe_deletion
    row = maf[maf.vcf_pos == "1721672"].iloc[0]
    assert (row.Hugo_Symbol, row.Variant_Classification, row.Variant_Type) == (
        "CDK11A",
        "In_Frame_Del",
        "DEL",
    )
    assert (row.Start_Position, row.End_Position, row.Reference_Allele, row.Tumor_Seq_Allele2) == (
        "1721673", "1721693", "CTCCTCAAGGGAATCCCGCTT", "-",
    )  # fmt: skip
    assert set(maf.Variant_Classification) <= {
        "Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del",
        "In_Frame_Ins", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "Silent",
        "Splice_Region", "Intron", "5'UTR", "3'UTR", "5'Flank", "3'Flank", "IGR", "RNA", "Targeted_Region",
    }  # fmt: skip


def test_funcotator_sites_only(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = shared_file(
        "02_somatic_vcfs/gatk_tests/funcotator_regressionTestVariantSet1.funcotated.vcf.gz"
    )
    code, _, err = cli("wes-annotate", path, "-o", tmp_path, "--prefix", "f")
    assert code == 0, err
    assert "sites-only" in err and "Funcotator" in err
    maf = pd.read_csv(tmp_path / "f.maf", sep="\t", comment="#", dtype=str)
    assert len(maf) == 198
    # Funcotator's own classification and protein change are carried over
    first = maf[(maf.Chromosome == "1") & (maf.vcf_pos == "752566")].iloc[0]
    assert (first.Hugo_Symbol, first.Variant_Classification) == ("RP11-206L10.10", "RNA")
    pik3ca = maf[maf.Hugo_Symbol == "PIK3CA"]
    assert {"Frame_Shift_Ins", "Frame_Shift_Del", "In_Frame_Del"} <= set(
        pik3ca.Variant_Classification
    )
