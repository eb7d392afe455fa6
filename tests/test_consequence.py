"""Effect choice, MAF classification and protein-change notation."""

from __future__ import annotations

import pytest

from icarus_omics.somatic.consequence import (
    Effect,
    choose_effect,
    classify,
    short_protein_change,
    strip_feature,
)


def effect(gene: str, consequence: str, **kw: object) -> Effect:
    return Effect(gene=gene, consequence=consequence, biotype="protein_coding", **kw)  # type: ignore[arg-type]


def test_vep_pick_wins() -> None:
    picked = effect("A", "intron_variant", picked=True)
    assert choose_effect([effect("B", "stop_gained"), picked]) is picked


def test_most_severe_gene_then_its_canonical_transcript() -> None:
    canonical = effect("TP53", "missense_variant", canonical=True, transcript="T1")
    worse_other = effect("TP53", "stop_gained", transcript="T2")
    other_gene = effect("WRAP53", "intron_variant", canonical=True)
    assert choose_effect([other_gene, worse_other, canonical]) is canonical


def test_without_canonical_most_severe_of_gene() -> None:
    a, b = effect("G", "synonymous_variant"), effect("G", "missense_variant&splice_region_variant")
    assert choose_effect([a, b]) is b


def test_protein_coding_biotype_before_severity() -> None:
    lnc = Effect(gene="LINC", consequence="splice_donor_variant", biotype="lncRNA")
    coding = effect("G", "missense_variant")
    assert choose_effect([lnc, coding]) is coding


@pytest.mark.parametrize(
    ("consequence", "ref", "alt", "expected"),
    [
        ("missense_variant", "C", "T", "Missense_Mutation"),
        ("missense_variant&splice_region_variant", "C", "T", "Missense_Mutation"),
        ("splice_region_variant&intron_variant", "C", "T", "Splice_Region"),
        ("splice_donor_variant", "A", "ACCTCTT", "Splice_Site"),
        ("stop_gained", "C", "T", "Nonsense_Mutation"),
        ("frameshift_variant", "GT", "G", "Frame_Shift_Del"),
        ("frameshift_variant", "T", "TG", "Frame_Shift_Ins"),
        ("inframe_deletion", "GTTT", "G", "In_Frame_Del"),
        ("conservative_inframe_deletion", "GTTT", "G", "In_Frame_Del"),
        ("disruptive_inframe_insertion", "G", "GTTT", "In_Frame_Ins"),
        ("protein_altering_variant", "G", "GTTT", "In_Frame_Ins"),
        ("protein_altering_variant", "GT", "G", "Frame_Shift_Del"),
        ("start_lost", "C", "T", "Translation_Start_Site"),
        ("stop_lost", "A", "G", "Nonstop_Mutation"),
        ("synonymous_variant", "C", "T", "Silent"),
        ("5_prime_UTR_variant", "C", "T", "5'UTR"),
        ("3_prime_UTR_variant", "C", "T", "3'UTR"),
        ("upstream_gene_variant", "C", "T", "5'Flank"),
        ("downstream_gene_variant", "C", "T", "3'Flank"),
        ("intergenic_variant", "C", "T", "IGR"),
        ("intergenic_region", "C", "T", "IGR"),
        ("non_coding_transcript_exon_variant", "C", "T", "RNA"),
        ("intron_variant", "C", "T", "Intron"),
        ("feature_truncation", "C", "T", "Targeted_Region"),
    ],
)
def test_vcf2maf_classification(consequence: str, ref: str, alt: str, expected: str) -> None:
    assert classify(effect("G", consequence), ref, alt) == expected


def test_classifier_given_by_annotator_is_kept() -> None:
    assert (
        classify(Effect(gene="G", consequence="X", classification="Silent"), "C", "T") == "Silent"
    )
    assert classify(None, "C", "T") == ""


@pytest.mark.parametrize(
    ("hgvsp", "expected"),
    [
        ("p.Glu545Lys", "p.E545K"),
        ("p.Trp54Ter", "p.W54*"),
        ("p.Lys224AsnfsTer19", "p.K224Nfs*19"),
        ("p.Ser406=", "p.S406="),
        ("p.Met1?", "p.M1?"),
        ("p.Glu746_Ala750del", "p.E746_A750del"),
        ("", ""),
    ],
)
def test_short_protein_change(hgvsp: str, expected: str) -> None:
    assert short_protein_change(hgvsp) == expected


def test_splice_site_protein_position_as_vcf2maf() -> None:
    # vcf2maf: round((c + c % 3) / 3); c.504_508+1dup -> p.X168_splice
    assert short_protein_change("", "Splice_Site", "c.504_508+1dup") == "p.X168_splice"
    assert short_protein_change("", "Splice_Site", "c.505-2A>G") == "p.X169_splice"
    assert short_protein_change("", "Splice_Site", "c.506+1G>T") == "p.X169_splice"


def test_strip_feature_decodes_vep_escapes() -> None:
    assert strip_feature("ENSP0001.1:p.Leu212%3D") == "p.Leu212="
    assert strip_feature("c.1A>G") == "c.1A>G"
