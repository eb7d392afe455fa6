"""Mutation Annotation Format (MAF) records from filtered, annotated calls.

Coordinates and alleles follow vcf2maf: the bases REF and ALT share at the start are
removed (``-`` marks an empty allele); a deletion starts at its first deleted base and
ends at its last; an insertion spans the two bases it sits between (Start_Position is the
base before it). An ALT split from a multi-allelic record first loses the trailing
padding it shares with REF. Variant_Type is SNP, DNP, TNP, ONP, INS or DEL, counts
missing from the VCF are written as ``.``, and dbSNP_RS lists the rs ids of the record's
ID column and of VEP's Existing_variation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icarus_omics.somatic.consequence import (
    NONSYNONYMOUS,
    Effect,
    choose_effect,
    classify,
    short_protein_change,
)
from icarus_omics.somatic.rules import AlleleCall

MAF_COLUMNS = (
    "Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_Position",
    "End_Position", "Strand", "Variant_Classification", "Variant_Type", "Reference_Allele",
    "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS", "dbSNP_Val_Status",
    "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode", "Match_Norm_Seq_Allele1",
    "Match_Norm_Seq_Allele2", "Tumor_Validation_Allele1", "Tumor_Validation_Allele2",
    "Match_Norm_Validation_Allele1", "Match_Norm_Validation_Allele2", "Verification_Status",
    "Validation_Status", "Mutation_Status", "Sequencing_Phase", "Sequence_Source",
    "Validation_Method", "Score", "BAM_File", "Sequencer", "Tumor_Sample_UUID",
    "Matched_Norm_Sample_UUID", "HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID",
    "Exon_Number", "t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count",
    "n_alt_count", "Consequence", "IMPACT", "CANONICAL", "FILTER", "vcf_pos", "t_vaf",
    "nonsynonymous",
)  # fmt: skip
# Annotation columns appended to the mutations table by wes-annotate.
ANNOTATION_COLUMNS = (
    "gene",
    "consequence",
    "variant_classification",
    "hgvsc",
    "hgvsp_short",
    "transcript_id",
    "canonical",
    "nonsynonymous",
)
_MNV_TYPES = {1: "SNP", 2: "DNP", 3: "TNP"}


@dataclass(frozen=True)
class MafAlleles:
    """MAF coordinates and alleles of one VCF allele."""

    start: int
    end: int
    ref: str
    alt: str
    variant_type: str


def maf_alleles(pos: int, ref: str, alt: str, split: bool = False) -> MafAlleles:
    """Convert a VCF position and alleles to MAF conventions, as vcf2maf does.

    Bases shared at the start of REF and ALT are removed one by one, each moving the
    position on (``-`` marks an emptied allele). Equal lengths are SNP/DNP/TNP/ONP; an
    insertion with an empty REF spans the two bases around it, Start_Position the base
    before; a deletion spans its deleted bases.

    ``split``: the allele comes from a multi-allelic record, split as ``bcftools norm -m-``
    does, so it keeps the padding the record needed for its other ALTs (REF ``TA``, ALT
    ``TAA,T`` gives ``TA>TAA``). Bases shared at the end are removed first (leaving one),
    which gives the alleles Mutect2 would have written for that ALT alone (``T>TA``).

    Parameters
    ----------
    pos
        1-based VCF POS.
    ref, alt
        VCF alleles (anchor base included for indels).

    Returns
    -------
    MafAlleles
        1-based Start_Position and End_Position, MAF alleles and Variant_Type (SNP, DNP,
        TNP, ONP, INS, DEL).
    """
    if split:
        while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
            ref, alt = ref[:-1], alt[:-1]
    ref_length, alt_length = len(ref), len(alt)
    while ref[:1] == alt[:1] and ref != alt:
        ref, alt = ref[1:] or "-", alt[1:] or "-"
        ref_length, alt_length, pos = ref_length - 1, alt_length - 1, pos + 1
    if ref_length == alt_length:
        return MafAlleles(pos, pos + alt_length - 1, ref, alt, _MNV_TYPES.get(alt_length, "ONP"))
    if ref_length < alt_length:
        if ref == "-":
            return MafAlleles(pos - 1, pos, ref, alt, "INS")
        return MafAlleles(pos, pos + ref_length - 1, ref, alt, "INS")
    return MafAlleles(pos, pos + ref_length - 1, ref, alt, "DEL")


@dataclass(frozen=True)
class Annotation:
    """The consequence chosen for one call, in MAF terms."""

    effect: Effect | None
    classification: str
    hgvsp_short: str

    @property
    def gene(self) -> str:
        """The chosen effect's gene symbol ("" without one)."""
        return self.effect.gene if self.effect else ""

    @property
    def is_nonsynonymous(self) -> bool:
        """Whether the classification changes the protein (``NONSYNONYMOUS``)."""
        return self.classification in NONSYNONYMOUS

    def columns(self) -> tuple[object, ...]:
        """Values of ANNOTATION_COLUMNS."""
        effect = self.effect or Effect(gene="", consequence="")
        return (
            effect.gene,
            effect.consequence,
            self.classification,
            effect.hgvsc,
            self.hgvsp_short,
            effect.transcript,
            effect.canonical if self.effect else None,
            self.is_nonsynonymous if self.effect else None,
        )


def annotate(call: AlleleCall, effects: list[Effect]) -> Annotation:
    """Choose the representative effect of ``call`` and classify it.

    Parameters
    ----------
    call
        A passing ALT allele.
    effects
        Its effects as the annotator wrote them (VEP CSQ, SnpEff ANN, Funcotator).

    Returns
    -------
    Annotation
        The chosen effect (or None), its Variant_Classification and HGVSp_Short; its
        ``columns()`` are the values of ``ANNOTATION_COLUMNS``.
    """
    effect = choose_effect(effects)
    classification = classify(effect, call.site.ref, call.alt)
    hgvsp_short = ""
    if effect is not None:
        hgvsp_short = short_protein_change(effect.hgvsp, classification, effect.hgvsc)
    return Annotation(effect, classification, hgvsp_short)


def _count(value: int | None) -> object:
    return "." if value is None else value


def _dbsnp(effect: Effect | None, vcf_id: str) -> str:
    """dbSNP rs ids as vcf2maf writes them (from VEP's Existing_variation, joined by ','),
    here also those of the VCF ID column, where ``SnpSift annotate`` and ``bcftools
    annotate`` put dbSNP ids. Without any: ``novel`` for an annotated call with no known
    variant, empty when the known ones are not in dbSNP (COSMIC ids) or when the call
    has no annotation (it was never looked up)."""
    existing = effect.existing if effect is not None else ""
    ids = _RS_ID.findall(vcf_id) + _RS_ID.findall(existing)
    if ids:
        return ",".join(dict.fromkeys(ids))
    return "novel" if effect is not None and not existing else ""


_RS_ID = re.compile(r"\brs\d+\b")


def maf_row(
    call: AlleleCall,
    annotation: Annotation,
    tumor: str,
    normal: str | None,
    build: str,
    vcf_id: str = "",
) -> tuple[object, ...]:
    """One MAF line for a call; intergenic calls get Hugo_Symbol Unknown.

    Parameters
    ----------
    call, annotation
        The passing call and its chosen consequence (:func:`annotate`).
    tumor, normal
        Tumor_Sample_Barcode and Matched_Norm_Sample_Barcode (None: tumour-only, the
        normal columns are left empty).
    build
        NCBI_Build (GRCh37 or GRCh38).
    vcf_id
        The record's ID column (rs ids there reach dbSNP_RS).

    Returns
    -------
    tuple
        Values of ``MAF_COLUMNS``: positions 1-based, read counts in reads, ``.`` for a
        missing count, ``t_vaf`` a fraction in 0..1.
    """
    site, effect = call.site, annotation.effect
    alleles = maf_alleles(site.pos, site.ref, call.alt, split=len(site.alts) > 1)
    has_normal = normal is not None
    row = {
        "Hugo_Symbol": (effect.gene if effect else "") or "Unknown",
        "Entrez_Gene_Id": 0,
        "Center": ".",
        "NCBI_Build": build,
        "Chromosome": site.chrom,
        "Start_Position": alleles.start,
        "End_Position": alleles.end,
        "Strand": "+",
        "Variant_Classification": annotation.classification,
        "Variant_Type": alleles.variant_type,
        "Reference_Allele": alleles.ref,
        "Tumor_Seq_Allele1": alleles.ref,
        "Tumor_Seq_Allele2": alleles.alt,
        "dbSNP_RS": _dbsnp(effect, vcf_id),
        "Tumor_Sample_Barcode": tumor,
        "Matched_Norm_Sample_Barcode": normal or "",
        "Match_Norm_Seq_Allele1": alleles.ref if has_normal else "",
        "Match_Norm_Seq_Allele2": alleles.ref if has_normal else "",
        "HGVSc": effect.hgvsc if effect else "",
        "HGVSp": effect.hgvsp if effect else "",
        "HGVSp_Short": annotation.hgvsp_short,
        "Transcript_ID": effect.transcript if effect else "",
        "Exon_Number": effect.exon if effect else "",
        "t_depth": _count(call.depth),
        "t_ref_count": _count(call.ref_count),
        "t_alt_count": _count(call.alt_count),
        "n_depth": _count(call.normal_depth) if has_normal else "",
        "n_ref_count": _count(call.normal_ref_count) if has_normal else "",
        "n_alt_count": _count(call.normal_alt_count) if has_normal else "",
        "Consequence": effect.consequence.replace("&", ",") if effect else "",
        "IMPACT": effect.impact if effect else "",
        "CANONICAL": "YES" if effect and effect.canonical else "",
        "FILTER": ";".join(site.filters) or "PASS",
        "vcf_pos": site.pos,
        "t_vaf": call.vaf,
        "nonsynonymous": annotation.is_nonsynonymous,
    }
    return tuple(row.get(column, "") for column in MAF_COLUMNS)
