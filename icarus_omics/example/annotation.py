"""Annotate the example cohort's alleles the way Ensembl VEP would, from the gene models alone.

Each ALT gets a consequence drawn with exome-like frequencies, then a codon, HGVS names, exon or
intron numbers and cDNA/CDS/protein positions that agree with that consequence under the
standard genetic code. No sequence is translated: the transcripts are synthetic.
"""

from __future__ import annotations

import re
from itertools import product
from typing import NamedTuple

import numpy as np

# fmt: off
SNV_CONSEQUENCES = {
    "missense_variant": 0.55, "synonymous_variant": 0.2, "stop_gained": 0.05,
    "splice_acceptor_variant": 0.015, "splice_donor_variant": 0.015,
    "splice_region_variant&intron_variant": 0.03, "intron_variant": 0.075,
    "3_prime_UTR_variant": 0.04, "5_prime_UTR_variant": 0.02, "start_lost": 0.003,
    "stop_lost": 0.002,
}
MNV_CONSEQUENCES = {"missense_variant": 0.8, "stop_gained": 0.1, "synonymous_variant": 0.1}
INDEL_CONSEQUENCES = {"coding": 0.85, "intron_variant": 0.1,
                      "splice_region_variant&intron_variant": 0.05}
CODON_CONSEQUENCES = ("missense_variant", "synonymous_variant", "stop_gained", "start_lost",
                      "stop_lost")
IMPACT = {"HIGH": "stop_gained frameshift_variant splice_acceptor_variant splice_donor_variant "
                  "start_lost stop_lost",
          "MODERATE": "missense_variant inframe_deletion inframe_insertion",
          "LOW": "synonymous_variant splice_region_variant",
          "MODIFIER": "intron_variant 3_prime_UTR_variant 5_prime_UTR_variant intergenic_variant"}
IMPACT_OF = {c: impact for impact, names in IMPACT.items() for c in names.split()}
AA3 = dict(zip("ARNDCQEGHILKMFPSTWYV*", ("Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly",
    "His", "Ile", "Leu", "Lys", "Met", "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val", "Ter"),
    strict=True))
AA1 = {three: one for one, three in AA3.items()}
CODON_TABLE = {"".join(codon): aa for codon, aa in zip(product("TCAG", repeat=3),
               "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG", strict=True)}
SENSE_CODONS = [codon for codon, aa in CODON_TABLE.items() if aa != "*"]
STOP_CODONS = ["TAA", "TAG", "TGA"]
# distance into the intron (HGVS +/- offset): 1-2 bp is the splice site, 3-8 bp the splice region
INTRON_OFFSETS = {"splice_donor_variant": (1, 3), "splice_acceptor_variant": (-2, 0),
                  "splice_region_variant&intron_variant": (3, 9), "intron_variant": (9, 2000)}
CSQ_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
              "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")
# fmt: on


class Gene(NamedTuple):
    """One synthetic gene model: a locus with a canonical and one other transcript."""

    name: str
    chrom: str
    start: int
    end: int
    strand: str
    gene_id: str
    transcript: str
    other: str
    protein_length: int
    hgnc: int


class Effect(NamedTuple):
    """One transcript's VEP annotation; HGVS strings come without their transcript prefix."""

    consequence: str
    hgvsc: str = ""
    hgvsp: str = ""  # '=' already written as %3D, as VEP does inside CSQ
    amino_acids: str = ""
    codons: str = ""
    exon: str = ""
    intron: str = ""
    cdna: str = ""
    cds: str = ""
    protein: str = ""


def on_genome(bases: str, gene: Gene) -> str:
    """Turn transcript bases into + strand bases, or back (the same operation).

    Parameters
    ----------
    bases
        Upper-case ACGT bases, 5' to 3' on the strand they are read from.
    gene
        The gene whose strand decides: ``+`` returns ``bases`` unchanged, ``-`` their reverse
        complement.

    Returns
    -------
    str
        The bases on the other coordinate system, of the same length.
    """
    return bases if gene.strand == "+" else bases.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def annotate(
    rng: np.random.Generator, gene: Gene | None, kind: str, ref: str, alt: str
) -> tuple[Effect, Effect] | None:
    """Draw the VEP effects of one ALT allele on a gene's two transcripts.

    Parameters
    ----------
    rng
        The cohort's generator; draws from it in a fixed order.
    gene
        The gene that holds the allele, or None when it is intergenic.
    kind
        ``SNV``, ``MNV``, ``DEL`` or ``INS``.
    ref, alt
        REF and ALT on the + strand, VCF style (indels keep their anchor base).

    Returns
    -------
    tuple of Effect or None
        The canonical and the other transcript's effect (usually the same one), or None when
        ``gene`` is None.
    """
    if gene is None:
        return None
    canonical = _draw_effect(rng, gene, kind, ref, alt, None)
    if rng.random() < 0.9:
        return canonical, canonical
    # another consequence on the other transcript, more severe when the canonical one is mild,
    # so that the 'canonical first' and 'most severe' rules disagree on a few records
    other = "coding" if _impact(canonical.consequence) in ("LOW", "MODIFIER") else "intron_variant"
    return canonical, _draw_effect(rng, gene, kind, ref, alt, other)


def _draw_effect(
    rng: np.random.Generator, gene: Gene, kind: str, ref: str, alt: str, want: str | None
) -> Effect:
    tref, talt = on_genome(ref, gene), on_genome(alt, gene)
    weights = {"SNV": SNV_CONSEQUENCES, "MNV": MNV_CONSEQUENCES}.get(kind, INDEL_CONSEQUENCES)
    p = np.array(list(weights.values()))
    want = want or str(rng.choice(list(weights), p=p / p.sum()))
    if want == "coding" and kind in ("SNV", "MNV"):
        want = "missense_variant"
    change = {"SNV": f"{tref}>{talt}", "MNV": f"delins{talt}", "DEL": "del"}.get(kind, "")
    change = change or f"ins{on_genome(alt[1:], gene)}"
    if want == "coding":
        protein_pos = int(rng.integers(2, gene.protein_length))
        return indel_effect(rng, gene, kind, abs(len(alt) - len(ref)), change, protein_pos)
    if want in CODON_CONSEQUENCES:
        ref_codon, alt_codon, k, protein_pos = _codon_change(rng, gene, tref, talt, want)
        return codon_effect(gene, protein_pos, ref_codon, alt_codon, k)
    return _noncoding_effect(rng, gene, want, change)


def _codon_change(
    rng: np.random.Generator, gene: Gene, tref: str, talt: str, want: str
) -> tuple[str, str, int, int]:
    """Find a codon holding the transcript REF whose change has the wanted consequence."""
    n, k, codon = len(tref), 0, "GAG"
    for goal in (want, "missense_variant", "synonymous_variant"):
        pool = {"start_lost": ["ATG"], "stop_lost": STOP_CODONS}.get(goal, SENSE_CODONS)
        for _ in range(60):
            k = int(rng.integers(0, 4 - n))
            codon = pool[int(rng.integers(len(pool)))]
            codon = codon[:k] + tref + codon[k + n :]
            mutated = codon[:k] + talt + codon[k + n :]
            if codon in pool and _codon_class(codon, mutated, goal == "start_lost") == goal:
                protein_pos = {"start_lost": 1, "stop_lost": gene.protein_length}.get(goal, 0)
                return codon, mutated, k, protein_pos or int(rng.integers(2, gene.protein_length))
    return codon, codon[:k] + talt + codon[k + n :], k, 2  # not reached for real base changes


def _codon_class(codon: str, mutated: str, is_start: bool) -> str:
    before, after = CODON_TABLE[codon], CODON_TABLE[mutated]
    if is_start:
        return "start_lost"
    if before == "*":
        return "stop_retained_variant" if after == "*" else "stop_lost"
    if after == before:
        return "synonymous_variant"
    return "stop_gained" if after == "*" else "missense_variant"


def codon_effect(gene: Gene, protein_pos: int, ref_codon: str, alt_codon: str, k: int) -> Effect:
    """Describe a codon change as VEP does.

    Parameters
    ----------
    gene
        The gene whose transcript carries the codon.
    protein_pos
        The codon's amino-acid position, 1-based; 1 with ATG is the start codon.
    ref_codon, alt_codon
        The codon before and after the change, upper case, on the transcript strand.
    k
        0-based offset of the first changed base within the codon.

    Returns
    -------
    Effect
        Consequence, HGVSc, HGVSp (``=`` as ``%3D``), amino acids, codons (changed bases in
        upper case) and the exon, cDNA, CDS and protein positions.
    """
    n = sum(a != b for a, b in zip(ref_codon, alt_codon, strict=True))
    consequence = _codon_class(ref_codon, alt_codon, protein_pos == 1 and ref_codon == "ATG")
    before, after = AA3[CODON_TABLE[ref_codon]], AA3[CODON_TABLE[alt_codon]]
    cds = 3 * (protein_pos - 1) + k + 1
    tref, talt = ref_codon[k : k + n], alt_codon[k : k + n]
    hgvsc = f"c.{cds}{tref}>{talt}" if n == 1 else f"c.{cds}_{cds + n - 1}delins{talt}"
    hgvsp = f"p.{before}{protein_pos}{after}"
    if consequence == "synonymous_variant":
        hgvsp = f"p.{before}{protein_pos}%3D"
    elif consequence in ("start_lost", "stop_lost"):
        hgvsp = "p.Met1?" if protein_pos == 1 else f"{hgvsp}extTer{7 + protein_pos % 40}"
    codons = "/".join(
        "".join(b if k <= i < k + n else b.lower() for i, b in enumerate(c))
        for c in (ref_codon, alt_codon)
    )
    aas = "/".join(dict.fromkeys([AA1[before], AA1[after]]))  # one letter when synonymous
    return Effect(consequence, hgvsc, hgvsp, aas, codons, *_coding_place(gene, cds, protein_pos))


def indel_effect(
    rng: np.random.Generator, gene: Gene, kind: str, size: int, change: str, protein_pos: int
) -> Effect:
    """Describe a coding indel as VEP does: frameshift, or in-frame deletion or insertion.

    Parameters
    ----------
    rng
        The cohort's generator; draws the affected amino acids and the frameshift's length.
    gene
        The gene whose transcript carries the indel.
    kind
        ``DEL`` or ``INS``.
    size
        Number of bases deleted or inserted.
    change
        The HGVSc change after the positions (``del`` or ``insACG``).
    protein_pos
        Amino-acid position of the first affected codon, 1-based.

    Returns
    -------
    Effect
        Consequence, HGVSc, HGVSp, amino acids and the exon, cDNA, CDS and protein positions.
    """
    cds, n_aa = 3 * (protein_pos - 1) + 1, size // 3
    aas = [str(a) for a in rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=3)]
    first = f"{AA3[aas[0]]}{protein_pos}"
    if kind == "DEL":
        hgvsc = f"c.{cds}del" if size == 1 else f"c.{cds}_{cds + size - 1}del"
    else:
        hgvsc = f"c.{cds}_{cds + 1}{change}"
    if size % 3:
        consequence, amino_acids = "frameshift_variant", f"{aas[0]}/X"
        hgvsp = f"p.{first}{AA3[aas[1]]}fsTer{int(rng.integers(2, 60))}"
    elif kind == "DEL":
        consequence, amino_acids = "inframe_deletion", f"{''.join(aas[:n_aa])}/-"
        last = f"_{AA3[aas[n_aa - 1]]}{protein_pos + n_aa - 1}" if n_aa > 1 else ""
        hgvsp = f"p.{first}{last}del"
    else:
        consequence, amino_acids = "inframe_insertion", f"-/{''.join(aas[1 : 1 + n_aa])}"
        inserted = "".join(AA3[a] for a in aas[1 : 1 + n_aa])
        hgvsp = f"p.{first}_{AA3[aas[2]]}{protein_pos + 1}ins{inserted}"
    place = _coding_place(gene, cds, protein_pos)
    return Effect(consequence, hgvsc, hgvsp, amino_acids, "-", *place)


def _coding_place(gene: Gene, cds: int, protein_pos: int) -> tuple[str, str, str, str, str]:
    """EXON, INTRON, cDNA_position, CDS_position and Protein_position of a coding change."""
    return _exon(gene, cds), "", str(cds + _utr5(gene)), str(cds), str(protein_pos)


def _noncoding_effect(rng: np.random.Generator, gene: Gene, want: str, change: str) -> Effect:
    cds, n_exons = int(rng.integers(1, 3 * gene.protein_length)), _exon_count(gene)
    if want == "3_prime_UTR_variant":
        past = int(rng.integers(1, 1200))
        cdna = 3 * gene.protein_length + 3 + _utr5(gene) + past
        return Effect(want, f"c.*{past}{change}", exon=f"{n_exons}/{n_exons}", cdna=str(cdna))
    if want == "5_prime_UTR_variant":
        before = int(rng.integers(1, _utr5(gene)))
        start = str(_utr5(gene) - before + 1)
        return Effect(want, f"c.-{before}{change}", exon=f"1/{n_exons}", cdna=start)
    offset = int(rng.integers(*INTRON_OFFSETS[want]))
    intron = f"{_exon(gene, cds).split('/')[0]}/{n_exons - 1}"
    return Effect(want, f"c.{cds}{offset:+d}{change}", intron=intron)


def _exon_count(gene: Gene) -> int:
    return min(59, 3 + gene.protein_length // 60)


def _exon(gene: Gene, cds: int) -> str:
    n_exons = _exon_count(gene)
    return f"{1 + cds * (n_exons - 2) // (3 * gene.protein_length + 3)}/{n_exons}"


def _utr5(gene: Gene) -> int:
    return 60 + gene.protein_length % 140


def _impact(consequence: str) -> str:
    order = ("HIGH", "MODERATE", "LOW", "MODIFIER")
    return min((IMPACT_OF[c] for c in consequence.split("&")), key=order.index)


def csq_entries(
    alt: str, effects: tuple[Effect, Effect] | None, ref: str, gene: Gene | None
) -> list[str]:
    """Format VEP's CSQ entries of one ALT allele.

    Parameters
    ----------
    alt
        The ALT allele, VCF style.
    effects
        Its effects on the canonical and the other transcript, or None when intergenic.
    ref
        The record's REF.
    gene
        The gene that holds the record, or None.

    Returns
    -------
    list of str
        One intergenic entry, or the canonical and the other transcript's entries, each with
        the fields of ``CSQ_FIELDS`` joined by ``|``.
    """
    vep_allele = alt
    if len(alt) != len(ref):  # VEP drops the anchor base: '-' for a deletion, else the new bases
        vep_allele = "-" if len(alt) < len(ref) else alt[1:]
    if gene is None or effects is None:
        return [f"{vep_allele}|intergenic_variant|MODIFIER" + "|" * 21]
    entries = []
    transcripts = ((gene.transcript, "YES"), (gene.other, ""))
    for e, (tx, canonical) in zip(effects, transcripts, strict=True):
        hgvsp = f"ENSP{tx[4:]}.1:{e.hgvsp}" if e.hgvsp else ""
        strand = "1" if gene.strand == "+" else "-1"
        entries.append(
            f"{vep_allele}|{e.consequence}|{_impact(e.consequence)}|{gene.name}|{gene.gene_id}|"
            f"Transcript|{tx}|protein_coding|{e.exon}|{e.intron}|{tx}.1:{e.hgvsc}|{hgvsp}|"
            f"{e.cdna}|{e.cds}|{e.protein}|{e.amino_acids}|{e.codons}|||{strand}||HGNC|"
            f"HGNC:{gene.hgnc}|{canonical}"
        )
    return entries


def short_hgvsp(hgvsp: str) -> str:
    """Shorten a VEP HGVSp to one-letter amino acids.

    Parameters
    ----------
    hgvsp
        A protein change as in CSQ, e.g. ``p.Glu545Lys``, ``p.Lys224AsnfsTer19``,
        ``p.Leu12%3D``; may be empty.

    Returns
    -------
    str
        ``p.E545K``, ``p.K224Nfs*19``, ``p.L12=``; empty stays empty.
    """
    return re.sub("|".join(AA1), lambda m: AA1[m.group(0)], hgvsp).replace("%3D", "=")
