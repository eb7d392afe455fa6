"""Parsing VEP CSQ, SnpEff ANN and Funcotator FUNCOTATION values."""

from __future__ import annotations

from icarus_omics.io.annotation import allele_effects, annotation_layout, vep_alleles

CSQ_HEADER = (
    "Consequence annotations from Ensembl VEP. Format: "
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL"
)


def test_vep_allele_convention() -> None:
    assert vep_alleles("C", ["T"]) == ["T"]
    assert vep_alleles("GTT", ["G", "GT", "GTTT"]) == ["-", "T", "TTT"]
    assert vep_alleles("A", ["G", "AT"]) == ["G", "AT"]  # no shared first base: untouched


def test_csq_effects_per_allele() -> None:
    layout = annotation_layout("CSQ", CSQ_HEADER)
    assert layout.fields[0] == "Allele" and layout.tool == "VEP"
    value = (
        "-|frameshift_variant|HIGH|GATA3|ENSG1|Transcript|ENST1|protein_coding|"
        "ENST1.1:c.1A>G|ENSP1.1:p.Lys2fs|YES,"
        "T|inframe_deletion|MODERATE|GATA3|ENSG1|Transcript|ENST1|protein_coding|||YES"
    )
    (first,) = allele_effects(layout, value, "GTT", ["G", "GT"], 1)
    assert (first.gene, first.consequence, first.canonical) == ("GATA3", "frameshift_variant", True)
    assert first.hgvsc == "c.1A>G" and first.hgvsp == "p.Lys2fs"
    (second,) = allele_effects(layout, value, "GTT", ["G", "GT"], 2)
    assert second.consequence == "inframe_deletion"


def test_snpeff_ann() -> None:
    description = (
        "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID "
        "| Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | "
        "cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
        "ERRORS / WARNINGS / INFO' "
    )
    layout = annotation_layout("ANN", description)
    value = (
        "A|missense_variant|MODERATE|PIK3CA|PIK3CA|transcript|NM_006218.4|protein_coding|"
        "10/21|c.1633G>A|p.Glu545Lys|1790/3724|1633/3207|545/1068||,"
        "C|intron_variant|MODIFIER|X|X|transcript|NM_1|protein_coding|1/2|c.1+5G>C|||||"
    )
    (e,) = allele_effects(layout, value, "G", ["A", "C"], 1)
    assert (e.gene, e.hgvsp, e.transcript) == ("PIK3CA", "p.Glu545Lys", "NM_006218.4")


def test_funcotation_per_allele_and_escapes() -> None:
    description = (
        "Functional annotation from the Funcotator tool.  Funcotation fields are: "
        "Gencode_19_hugoSymbol|Gencode_19_variantClassification|Gencode_19_annotationTranscript|"
        "Gencode_19_cDnaChange|Gencode_19_proteinChange|Other_field"
    )
    layout = annotation_layout("FUNCOTATION", description)
    value = "[PIK3CA|MISSENSE|ENST1|c.1633G>A|p.E545K|a_%2C_b],[PIK3CA|SILENT|ENST1|c.1633G>C||x]"
    (e,) = allele_effects(layout, value, "G", ["A", "C"], 2)
    assert e.classification == "Silent" and e.picked
    (e,) = allele_effects(layout, value, "G", ["A", "C"], 1)
    assert (e.gene, e.hgvsp, e.classification) == ("PIK3CA", "p.E545K", "Missense_Mutation")
