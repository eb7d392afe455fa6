"""MAF coordinates and alleles (vcf2maf conventions)."""

from __future__ import annotations

import pytest

from icarus_omics.somatic.consequence import Effect
from icarus_omics.somatic.maf import MAF_COLUMNS, Annotation, MafAlleles, maf_alleles, maf_row
from icarus_omics.somatic.rules import AlleleCall, Site


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        (100, "C", "T", MafAlleles(100, 100, "C", "T", "SNP")),
        (100, "CA", "TG", MafAlleles(100, 101, "CA", "TG", "DNP")),
        (100, "CAT", "TGA", MafAlleles(100, 102, "CAT", "TGA", "TNP")),
        (100, "CATG", "TGAC", MafAlleles(100, 103, "CATG", "TGAC", "ONP")),
        # vcf2maf test_b38: 21:41479182 GT>G -> 41479183-41479183 T>-
        (41479182, "GT", "G", MafAlleles(41479183, 41479183, "T", "-", "DEL")),
        # vcf2maf test_b38: 21:34880555 A>ACCTCTT -> 34880555-34880556 ->CCTCTT
        (34880555, "A", "ACCTCTT", MafAlleles(34880555, 34880556, "-", "CCTCTT", "INS")),
        (100, "TCCG", "T", MafAlleles(101, 103, "CCG", "-", "DEL")),
        # vcf2maf removes every shared leading base, not only the first
        (100, "TCCG", "TCA", MafAlleles(102, 103, "CG", "A", "DEL")),
        (100, "TA", "TAA", MafAlleles(101, 102, "-", "A", "INS")),
        (100, "CA", "CG", MafAlleles(101, 101, "A", "G", "SNP")),
        (100, "AT", "GCC", MafAlleles(100, 101, "AT", "GCC", "INS")),
        (100, "TC", "TGAA", MafAlleles(101, 101, "C", "GAA", "INS")),
    ],
)
def test_maf_alleles(pos: int, ref: str, alt: str, expected: MafAlleles) -> None:
    assert maf_alleles(pos, ref, alt) == expected


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        # REF TA, ALT TAA,T split as bcftools norm -m- does: TA>TAA and TA>T
        (100, "TA", "TAA", MafAlleles(100, 101, "-", "A", "INS")),
        (100, "TA", "T", MafAlleles(101, 101, "A", "-", "DEL")),
        # REF GTT, ALT G,GT
        (100, "GTT", "G", MafAlleles(101, 102, "TT", "-", "DEL")),
        (100, "GTT", "GT", MafAlleles(101, 101, "T", "-", "DEL")),
        # Mutect2's padded substitution beside a deletion: CAAAA, ALT AAAAA,C
        (100, "CAAAA", "AAAAA", MafAlleles(100, 100, "C", "A", "SNP")),
        (100, "CAAAA", "C", MafAlleles(101, 104, "AAAA", "-", "DEL")),
        # REF CAG, ALT CAGAG,C: one inserted AG, one deleted AG
        (100, "CAG", "CAGAG", MafAlleles(100, 101, "-", "AG", "INS")),
        (100, "CAG", "C", MafAlleles(101, 102, "AG", "-", "DEL")),
    ],
)
def test_maf_alleles_of_split_multiallelic(
    pos: int, ref: str, alt: str, expected: MafAlleles
) -> None:
    assert maf_alleles(pos, ref, alt, split=True) == expected


def _call(alts: tuple[str, ...], allele: int = 1) -> AlleleCall:
    site = Site("1", 100, "TA", alts, (), None, None)
    return AlleleCall(site, allele, None, None, None, None, None, None, None, None, (), ())


@pytest.mark.parametrize(
    ("existing", "vcf_id", "expected"),
    [
        ("", "", "novel"),
        ("rs1&COSV2", "", "rs1"),
        ("COSV2", "", ""),
        ("", "rs7;COSM3", "rs7"),
        ("rs1", "rs7;rs1", "rs7,rs1"),
        (None, "rs7", "rs7"),
        (None, ".", ""),
    ],
)
def test_dbsnp_rs_from_existing_variation_and_id(
    existing: str | None, vcf_id: str, expected: str
) -> None:
    effect = None if existing is None else Effect(gene="G", consequence="x", existing=existing)
    annotation = Annotation(effect, "", "")
    row = dict(
        zip(
            MAF_COLUMNS,
            maf_row(_call(("TAA",)), annotation, "T", None, "GRCh37", vcf_id),
            strict=True,
        )
    )
    assert row["dbSNP_RS"] == expected


def test_maf_row_trims_split_alleles() -> None:
    row = dict(
        zip(
            MAF_COLUMNS,
            maf_row(_call(("TAA", "T")), Annotation(None, "", ""), "T", None, "GRCh37"),
            strict=True,
        )
    )
    assert (row["Start_Position"], row["End_Position"], row["Reference_Allele"]) == (100, 101, "-")
    assert row["Tumor_Seq_Allele2"] == "A" and row["Variant_Type"] == "INS"
