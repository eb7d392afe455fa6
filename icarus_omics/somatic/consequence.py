"""Consequence annotation (VEP CSQ, SnpEff ANN, GATK Funcotator) and MAF classification.

One consequence is picked per ALT allele by this rule, which is vcf2maf's:

1. an effect VEP itself flagged with ``PICK=1`` (``--pick``/``--flag_pick``), if any;
2. otherwise the most severely affected gene: effects are ranked by transcript biotype
   (protein-coding first), then by the severity of their most severe term (the
   Sequence Ontology order VEP documents); the gene of the best-ranked effect wins;
3. within that gene, its canonical transcript's effect (VEP ``CANONICAL=YES``); if the gene
   has no canonical effect, the most severe one.

Funcotator writes one annotation per ALT already chosen by its own transcript rule, so it
is used as is. The MAF Variant_Classification of a consequence follows vcf2maf's table, so
MAFs from icarus-omics and vcf2maf agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

# Severity rank of Sequence Ontology consequence terms (lower is more severe), after
# Ensembl VEP's documented order, as used by vcf2maf to choose and classify effects.
_INFRAME = (  # SnpEff splits in-frame indels into conservative and disruptive ones
    "inframe_insertion",
    "inframe_deletion",
    "disruptive_inframe_insertion",
    "disruptive_inframe_deletion",
    "conservative_inframe_insertion",
    "conservative_inframe_deletion",
)
_SEVERITY_GROUPS = (
    ("transcript_ablation", "exon_loss_variant"),
    ("splice_donor_variant", "splice_acceptor_variant"),
    ("stop_gained", "frameshift_variant", "stop_lost"),
    ("start_lost", "initiator_codon_variant"),
    (*_INFRAME, "protein_altering_variant"),
    ("missense_variant", "conservative_missense_variant", "rare_amino_acid_variant"),
    ("transcript_amplification",),
    (
        "splice_region_variant",
        "splice_donor_5th_base_variant",
        "splice_donor_region_variant",
        "splice_polypyrimidine_tract_variant",
    ),
    ("start_retained_variant", "stop_retained_variant", "synonymous_variant"),
    ("incomplete_terminal_codon_variant",),
    ("coding_sequence_variant", "mature_miRNA_variant", "exon_variant"),
    (
        "5_prime_UTR_variant",
        "5_prime_UTR_premature_start_codon_gain_variant",
        "3_prime_UTR_variant",
    ),
    ("non_coding_exon_variant", "non_coding_transcript_exon_variant"),
    (
        "non_coding_transcript_variant",
        "nc_transcript_variant",
        "intron_variant",
        "intragenic_variant",
        "INTRAGENIC",
    ),
    ("NMD_transcript_variant",),
    ("upstream_gene_variant", "downstream_gene_variant"),
    (
        "TFBS_ablation",
        "TFBS_amplification",
        "TF_binding_site_variant",
        "regulatory_region_ablation",
        "regulatory_region_amplification",
        "regulatory_region_variant",
        "regulatory_region",
    ),
    ("feature_elongation", "feature_truncation"),
    ("intergenic_variant", "intergenic_region"),
)
SEVERITY = {term: rank for rank, group in enumerate(_SEVERITY_GROUPS, 1) for term in group}
UNKNOWN_SEVERITY = len(_SEVERITY_GROUPS) + 1

# MAF Variant_Classification of the most severe term (vcf2maf's GetVariantClassification).
_CLASSIFICATION = {
    **dict.fromkeys(
        (
            "splice_acceptor_variant",
            "splice_donor_variant",
            "transcript_ablation",
            "exon_loss_variant",
        ),
        "Splice_Site",
    ),
    "stop_gained": "Nonsense_Mutation",
    "stop_lost": "Nonstop_Mutation",
    **dict.fromkeys(("initiator_codon_variant", "start_lost"), "Translation_Start_Site"),
    **dict.fromkeys(
        (
            "missense_variant",
            "coding_sequence_variant",
            "conservative_missense_variant",
            "rare_amino_acid_variant",
        ),
        "Missense_Mutation",
    ),
    **dict.fromkeys(
        ("transcript_amplification", "intron_variant", "INTRAGENIC", "intragenic_variant"), "Intron"
    ),
    **dict.fromkeys(
        (
            "splice_region_variant",
            "splice_donor_5th_base_variant",
            "splice_donor_region_variant",
            "splice_polypyrimidine_tract_variant",
        ),
        "Splice_Region",
    ),
    **dict.fromkeys(
        (
            "incomplete_terminal_codon_variant",
            "synonymous_variant",
            "stop_retained_variant",
            "NMD_transcript_variant",
            "start_retained_variant",
        ),
        "Silent",
    ),
    **dict.fromkeys(
        (
            "mature_miRNA_variant",
            "exon_variant",
            "non_coding_exon_variant",
            "non_coding_transcript_exon_variant",
            "non_coding_transcript_variant",
            "nc_transcript_variant",
        ),
        "RNA",
    ),
    **dict.fromkeys(
        ("5_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant"), "5'UTR"
    ),
    "3_prime_UTR_variant": "3'UTR",
    **dict.fromkeys(
        (
            "TF_binding_site_variant",
            "regulatory_region_variant",
            "regulatory_region",
            "intergenic_variant",
            "intergenic_region",
        ),
        "IGR",
    ),
    "upstream_gene_variant": "5'Flank",
    "downstream_gene_variant": "3'Flank",
}

# Funcotator's variantClassification values in the MAF vocabulary.
FUNCOTATOR_CLASSIFICATION = {
    "MISSENSE": "Missense_Mutation",
    "NONSENSE": "Nonsense_Mutation",
    "NONSTOP": "Nonstop_Mutation",
    "SILENT": "Silent",
    "SPLICE_SITE": "Splice_Site",
    "IN_FRAME_DEL": "In_Frame_Del",
    "IN_FRAME_INS": "In_Frame_Ins",
    "FRAME_SHIFT_INS": "Frame_Shift_Ins",
    "FRAME_SHIFT_DEL": "Frame_Shift_Del",
    "START_CODON_SNP": "Translation_Start_Site",
    "START_CODON_INS": "Translation_Start_Site",
    "START_CODON_DEL": "Translation_Start_Site",
    "DE_NOVO_START_IN_FRAME": "5'UTR",
    "DE_NOVO_START_OUT_FRAME": "5'UTR",
    "FIVE_PRIME_UTR": "5'UTR",
    "THREE_PRIME_UTR": "3'UTR",
    "FIVE_PRIME_FLANK": "5'Flank",
    "THREE_PRIME_FLANK": "3'Flank",
    "INTRON": "Intron",
    "IGR": "IGR",
    "RNA": "RNA",
    "LINCRNA": "RNA",
}

# The classes the study analysed ("nonsynonymous": maftools' default non-silent set).
NONSYNONYMOUS = frozenset(
    {
        "Missense_Mutation",
        "Nonsense_Mutation",
        "Frame_Shift_Del",
        "Frame_Shift_Ins",
        "In_Frame_Del",
        "In_Frame_Ins",
        "Splice_Site",
        "Translation_Start_Site",
        "Nonstop_Mutation",
    }
)

_BIOTYPE_RANK = {"protein_coding": 1, "nonsense_mediated_decay": 3, "non_stop_decay": 3}
_AMINO_ACIDS = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Asx": "B",
    "Cys": "C",
    "Glu": "E",
    "Gln": "Q",
    "Glx": "Z",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Xxx": "X",
    "Ter": "*",
    "Sec": "U",
    "Pyl": "O",
}
_THREE_LETTER = re.compile("|".join(_AMINO_ACIDS))


@dataclass(frozen=True, slots=True)
class Effect:
    """One annotated effect of an ALT allele on one feature (transcript)."""

    gene: str
    consequence: str  # '&'-joined terms as the annotator wrote them
    transcript: str = ""
    biotype: str = ""
    canonical: bool = False
    hgvsc: str = ""
    hgvsp: str = ""
    impact: str = ""
    exon: str = ""
    existing: str = ""
    picked: bool = False
    classification: str = ""  # set directly by annotators that classify (Funcotator)

    @property
    def severity(self) -> int:
        """Rank of the most severe term (1 is most severe)."""
        return min(
            (SEVERITY.get(t, UNKNOWN_SEVERITY) for t in self.terms), default=UNKNOWN_SEVERITY
        )

    @property
    def terms(self) -> list[str]:
        """The Sequence Ontology terms of ``consequence``, split on ``&`` and ``,``."""
        return [t for t in re.split(r"[&,]", self.consequence) if t]

    @property
    def biotype_rank(self) -> int:
        """vcf2maf's biotype priority (1 protein_coding ... 9 none; lower is preferred)."""
        if not self.biotype:
            return 9
        return _BIOTYPE_RANK.get(self.biotype, 2 if self.biotype.endswith("_gene") else 5)


def choose_effect(effects: Sequence[Effect]) -> Effect | None:
    """The effect that represents an allele, by the rule in the module docstring.

    Parameters
    ----------
    effects
        Every effect of one ALT allele (one per transcript or feature).

    Returns
    -------
    Effect or None
        The PICKed effect, else the best by biotype, severity and canonical transcript,
        restricted to that effect's gene; None without effects.
    """
    if not effects:
        return None
    picked = [e for e in effects if e.picked]
    if picked:
        return picked[0]
    ranked = sorted(effects, key=lambda e: (e.biotype_rank, e.severity, not e.canonical))
    gene = ranked[0].gene
    same_gene = [e for e in ranked if e.gene == gene]
    canonical = [e for e in same_gene if e.canonical]
    return canonical[0] if canonical else same_gene[0]


def classify(effect: Effect | None, ref: str, alt: str) -> str:
    """MAF Variant_Classification of ``effect`` for the VCF alleles ``ref``/``alt``.

    Returns
    -------
    str
        A MAF 2.4 Variant_Classification (``Missense_Mutation``, ``Frame_Shift_Del``, ...;
        indel frame from the allele lengths), ``Targeted_Region`` for unknown terms, ""
        without an effect.
    """
    if effect is None:
        return ""
    if effect.classification:
        return effect.classification
    term = min(effect.terms, key=lambda t: SEVERITY.get(t, UNKNOWN_SEVERITY), default="")
    indel = "INS" if len(alt) > len(ref) else "DEL" if len(alt) < len(ref) else ""
    inframe = abs(len(ref) - len(alt)) % 3 == 0
    if term == "frameshift_variant" or (term == "protein_altering_variant" and not inframe):
        return {"DEL": "Frame_Shift_Del", "INS": "Frame_Shift_Ins"}.get(indel, "Targeted_Region")
    if term in _INFRAME or term == "protein_altering_variant":
        if "insertion" in term or (term == "protein_altering_variant" and indel == "INS"):
            return "In_Frame_Ins"
        return "In_Frame_Del" if indel == "DEL" or "deletion" in term else "Targeted_Region"
    return _CLASSIFICATION.get(term, "Targeted_Region")


def short_protein_change(hgvsp: str, classification: str = "", hgvsc: str = "") -> str:
    """One-letter HGVSp (``p.Glu545Lys`` -> ``p.E545K``); splice sites as vcf2maf writes them
    (``p.X168_splice``, from the coding position in HGVSc).

    Parameters
    ----------
    hgvsp, hgvsc
        The effect's HGVS protein and coding notation, feature prefix removed.
    classification
        Its Variant_Classification (``Splice_Site`` takes the HGVSc route).

    Returns
    -------
    str
        HGVSp_Short, "" when there is no protein change.
    """
    if classification == "Splice_Site":
        match = re.match(r"c\.(\d+)", hgvsc)
        if match:
            position = max(int(match.group(1)), 1)
            return f"p.X{round((position + position % 3) / 3)}_splice"
    if not hgvsp:
        return ""
    return _THREE_LETTER.sub(lambda m: _AMINO_ACIDS[m.group(0)], hgvsp)


def strip_feature(hgvs: str) -> str:
    """HGVS notation without its feature prefix (``ENST...:c.1A>G`` -> ``c.1A>G``),
    URL-decoded (VEP writes ``%3D`` for ``=``); "" stays ""."""
    return unquote(hgvs.split(":", 1)[-1]) if hgvs else ""
