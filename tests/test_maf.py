"""MAF coordinates and alleles (vcf2maf conventions)."""

from __future__ import annotations

import pytest

from icarus_omics.maf import MafAlleles, maf_alleles


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
        (100, "TCCG", "TCA", MafAlleles(101, 103, "CCG", "CA", "DEL")),
        (100, "AT", "GCC", MafAlleles(100, 101, "AT", "GCC", "INS")),
    ],
)
def test_maf_alleles(pos: int, ref: str, alt: str, expected: MafAlleles) -> None:
    assert maf_alleles(pos, ref, alt) == expected
