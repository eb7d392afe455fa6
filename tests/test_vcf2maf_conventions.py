"""Our MAF against vcf2maf's on vcf2maf's own test data (test_b38.vcf -> test_b38_output.maf).

test_b38.vcf carries no annotation, and VEP cannot run here. So we rebuild the VEP CSQ
annotation vcf2maf saw from the VEP columns of its output MAF (the chosen effect, with
its CANONICAL/PICK flags, plus the other transcripts listed in all_effects) and add it
to the VCF. Then every MAF column we produce is compared with vcf2maf's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from tests.conftest import CliResult, shared_file

CSQ_FIELDS = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|HGVSc|HGVSp|Existing_variation|CANONICAL|PICK"
COMPARED = [
    "Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
    "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS",
    "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode", "Match_Norm_Seq_Allele1",
    "Match_Norm_Seq_Allele2", "HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID", "Exon_Number",
    "t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count", "n_alt_count",
    "Consequence", "IMPACT", "CANONICAL",
]  # fmt: skip


def _csq_entry(row: pd.Series) -> str:
    hgvsp = f"{row.ENSP}:{quote(row.HGVSp, safe='.*?_()>')}" if row.HGVSp else ""
    hgvsc = f"{row.Transcript_ID}.1:{row.HGVSc}" if row.HGVSc else ""
    values = [
        row.Allele, row.Consequence.replace(",", "&"), row.IMPACT, row.SYMBOL, row.Gene,
        row.Feature_type, row.Feature, row.BIOTYPE, row.EXON, hgvsc, hgvsp,
        row.Existing_variation.replace(",", "&"), row.CANONICAL, row.PICK,
    ]  # fmt: skip
    return "|".join(values)


def _other_effects(row: pd.Series) -> list[str]:
    """all_effects lists SYMBOL,Consequence,HGVSp_Short,Transcript,RefSeq for each transcript."""
    entries = []
    for item in filter(None, row.all_effects.split(";")):
        symbol, consequence, _, transcript, *_ = item.split(",")
        if transcript == row.Transcript_ID:
            continue
        values = [row.Allele, consequence.replace("&", "&"), "", symbol, row.Gene, "Transcript",
                  transcript, "protein_coding", "", "", "", "", "", ""]  # fmt: skip
        entries.append("|".join(values))
    return entries


def annotated_vcf(vcf: Path, maf: pd.DataFrame, out: Path) -> Path:
    csq = {
        (str(r.Chromosome), int(r.vcf_pos)): ",".join([_csq_entry(r), *_other_effects(r)])
        for r in maf.itertuples()
    }
    lines = []
    for line in vcf.read_text().splitlines():
        if line.startswith("#CHROM"):
            lines.append(
                f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {CSQ_FIELDS}">'
            )
        if not line.startswith("#"):
            fields = line.split("\t")
            fields[7] = "CSQ=" + csq[(fields[0], int(fields[1]))]
            line = "\t".join(fields)
        lines.append(line)
    out.write_text("\n".join(lines) + "\n")
    return out


def test_maf_columns_match_vcf2maf(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    vcf = shared_file("02_somatic_vcfs/vcf2maf_tests/test_b38.vcf")
    expected = pd.read_csv(
        shared_file("02_somatic_vcfs/vcf2maf_tests/test_b38_output.maf"),
        sep="\t", comment="#", dtype=str, keep_default_na=False,
    )  # fmt: skip
    expected = expected.rename(columns=lambda c: c).assign(
        Feature_type=lambda t: t.Feature_type, ENSP=lambda t: t.ENSP
    )
    annotated = annotated_vcf(vcf, pd.DataFrame(expected), tmp_path / "b38.csq.vcf")
    # vcf2maf keeps every variant: switch our read-count filters off. test_b38.vcf has
    # FILTER '.' throughout, and its build (GRCh38) is inferred from its ##contig line.
    code, _, err = cli(
        "wes-annotate", annotated, "-o", tmp_path, "--allow-unfiltered",
        "--min-tumor-depth", 0, "--min-tumor-alt", 0, "--min-tumor-vaf", 0,
        "--min-normal-depth", 0, "--max-normal-vaf", 1,
    )  # fmt: skip
    assert code == 0, err
    ours = pd.read_csv(
        tmp_path / "TUMOR.maf", sep="\t", comment="#", dtype=str, keep_default_na=False
    )
    assert len(ours) == len(expected) == 25
    for column in COMPARED:
        mismatched = [
            (p, a, b)
            for p, a, b in zip(expected.vcf_pos, ours[column], expected[column], strict=True)
            if a != b
        ]
        assert not mismatched, f"{column}: (vcf_pos, ours, vcf2maf) {mismatched}"
