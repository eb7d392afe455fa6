"""Build a small example trial cohort in memory, the same one for the same seed.

The cohort mimics the study's WES arm: a synthetic GRCh37-like reference (one 120-kb contig per
chromosome that carries one of 20 breast-cancer genes), gene models, one Mutect2 +
FilterMutectCalls + VEP VCF per tumour, a sample sheet with response, and a truth table that
says what each ALT allele is, which process made it and whether the default post-filter keeps
it. Responders carry more APOBEC (TCW) mutations, echoing the study's SBS2-response association.
The VCF text is written by :mod:`icarus_omics.io.mutect2_vcf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.example.annotation import (
    Effect,
    Gene,
    annotate,
    codon_effect,
    indel_effect,
    on_genome,
    short_hgvsp,
)
from icarus_omics.example.vcf import Allele, Record, info_field, sample_field

# fmt: off
GENE_COLUMNS = ("gene", "chrom", "start", "end", "strand", "gene_id", "canonical_transcript",
                "other_transcript", "protein_length")
SAMPLE_COLUMNS = ("patient", "tumor_sample", "normal_sample", "vcf", "response", "best_response")
TRUTH_COLUMNS = ("tumor_sample", "chrom", "pos", "ref", "alt", "variant_type", "mutect_filter",
                 "expected_pass", "gene", "canonical_consequence", "hgvsp_short", "process",
                 "apobec_share")

CONTIG_LENGTH = 120_000
# The human genome is ~41% GC with CpG at ~1/4 of its expected frequency (methyl-C deamination):
# draw at 44.5% GC, then turn 78% of CpGs into TpG or CpA, which lowers GC by ~3.5 points.
START_GC, CPG_KEPT = 0.445, 0.22
# The example genome holds 20 genes where an exome has ~20,000: placing only a few percent of
# calls in them keeps per-gene mutation frequencies realistic (beyond the planted hotspots).
GENIC_FRACTION = 0.04
# Default post-filter thresholds, restated here so that the truth does not depend on the filter.
MIN_TUMOR_DEPTH, MIN_TUMOR_ALT, MIN_TUMOR_VAF = 10, 3, 0.05
MIN_NORMAL_DEPTH, MAX_NORMAL_VAF = 8, 0.02

# gene, chromosome, protein length (aa), HGNC number
GENE_MODELS = (
    ("PIK3CA", "3", 1068, 8975), ("ESR1", "6", 595, 3467), ("TP53", "17", 393, 11998),
    ("GATA3", "10", 443, 4172), ("CDH1", "16", 882, 1748), ("MAP3K1", "5", 1512, 6848),
    ("KMT2C", "7", 4911, 13726), ("ERBB2", "17", 1255, 3430), ("AKT1", "14", 480, 391),
    ("PTEN", "10", 403, 9588), ("ARID1A", "1", 2285, 11110), ("NF1", "17", 2839, 7765),
    ("RB1", "13", 928, 9884), ("CCND1", "11", 295, 1582), ("FGFR1", "8", 822, 3688),
    ("MYC", "8", 439, 7553), ("BRCA2", "13", 3418, 1101), ("ERBB3", "12", 1342, 3431),
    ("KRAS", "12", 189, 6407), ("CBFB", "16", 182, 1539),
)
CONTIGS = tuple(sorted({chrom for _, chrom, _, _ in GENE_MODELS}, key=int))

# Known breast-cancer alterations at their real protein positions, so that OncoKB matching is
# meaningful: a canonical codon change (changed base in upper case) or a 1-bp deletion.
HOTSPOTS = {
    "PIK3CA_E545K": ("PIK3CA", 545, "Gag>Aag"), "PIK3CA_H1047R": ("PIK3CA", 1047, "cAt>cGt"),
    "ESR1_D538G": ("ESR1", 538, "gAt>gGt"), "ESR1_Y537S": ("ESR1", 537, "tAt>tCt"),
    "TP53_R175H": ("TP53", 175, "cGc>cAc"), "TP53_R273H": ("TP53", 273, "cGt>cAt"),
    "TP53_R213X": ("TP53", 213, "Cga>Tga"), "TP53_fs": ("TP53", 241, "del"),
    "AKT1_E17K": ("AKT1", 17, "Gag>Aag"), "ERBB2_L755S": ("ERBB2", 755, "tTg>tCg"),
    "GATA3_fs": ("GATA3", 336, "del"), "MAP3K1_R306X": ("MAP3K1", 306, "Cga>Tga"),
    "MAP3K1_fs": ("MAP3K1", 949, "del"), "CDH1_Q23X": ("CDH1", 23, "Cag>Tag"),
    "CDH1_fs": ("CDH1", 127, "del"), "KMT2C_Q1690X": ("KMT2C", 1690, "Cag>Tag"),
    "ARID1A_fs": ("ARID1A", 1850, "del"), "ARID1A_R1989X": ("ARID1A", 1989, "Cga>Tga"),
}
HOTSPOT_PLAN = (  # the hotspots of patients P01, P02, ...
    ("PIK3CA_E545K", "ESR1_D538G"), ("PIK3CA_H1047R", "GATA3_fs"), ("TP53_R175H", "KMT2C_Q1690X"),
    ("PIK3CA_E545K", "MAP3K1_R306X"), ("ESR1_D538G", "CDH1_Q23X"), ("TP53_R273H", "KMT2C_Q1690X"),
    ("PIK3CA_H1047R", "GATA3_fs"), ("ESR1_Y537S", "ARID1A_fs"), ("PIK3CA_E545K", "MAP3K1_fs"),
    ("TP53_R213X", "CDH1_fs"), ("TP53_fs", "ERBB2_L755S"), ("AKT1_E17K", "ARID1A_R1989X"),
)

KIND_SHARES = {"SNV": 0.87, "DEL": 0.06, "INS": 0.05, "MNV": 0.02}
INDEL_SIZES = (0.5, 0.2, 0.12, 0.08, 0.05, 0.05)  # probability of 1, 2, ... 6 bp
CLOCK_SHARE = 0.35  # of the non-APOBEC SNVs; the rest is a flat background
PASS_SHARE = 0.55
# PASS calls that the default post-filter must still reject, as shares of all PASS calls
PLANTED_FAILS = {"low_depth": 0.05, "low_vaf": 0.05, "low_alt": 0.03, "low_normal_depth": 0.03,
                 "normal_vaf": 0.03}
FAIL_FILTERS = {"weak_evidence": 0.3, "germline": 0.1, "panel_of_normals": 0.1, "orientation": 0.08,
                "normal_artifact": 0.07, "clustered_events": 0.07, "strand_bias": 0.07,
                "contamination": 0.05, "slippage": 0.04, "base_qual": 0.03, "map_qual": 0.03,
                "haplotype": 0.03, "position": 0.02, "fragment": 0.02}
# fmt: on


@dataclass(frozen=True)
class ExampleCohort:
    """A synthetic trial cohort: reference, gene models, VCF records, sample sheet and truth.

    ``calls`` maps each tumour sample to its normal sample ("" when tumour-only) and its
    records in order; :func:`icarus_omics.io.mutect2_vcf.vcf_text` writes them as VCF text.
    """

    reference: dict[str, str]
    genes: pd.DataFrame
    calls: dict[str, tuple[str, list[Record]]]
    samples: pd.DataFrame
    truth: pd.DataFrame


class _Genome(NamedTuple):
    sequences: dict[str, str]
    genes: list[Gene]


class _Patient(NamedTuple):
    tumour: str
    normal: str  # "" when tumour-only
    apobec_share: float
    n_records: int
    hotspots: tuple[str, ...]


def build_example_cohort(n_patients: int = 12, seed: int = 7) -> ExampleCohort:
    """Generate the example cohort deterministically from a seed.

    Parameters
    ----------
    n_patients
        Number of patients, 2 to 999 (named P01.., or P001.. above 99). About 7 in 12
        respond; the last one is tumour-only.
    seed
        Seed of the numpy generator; the same arguments give byte-identical VCF texts.

    Returns
    -------
    ExampleCohort
        ``reference`` (contig -> ACGT sequence), ``genes`` (one row per gene, columns
        ``GENE_COLUMNS``), ``calls`` (tumour sample -> normal sample and VCF records),
        ``samples`` (one row per patient, columns ``SAMPLE_COLUMNS``) and ``truth`` (one row
        per ALT allele, columns ``TRUTH_COLUMNS``; ``expected_pass`` applies FILTER and the
        default thresholds).
    """
    if not 2 <= n_patients <= 999:
        raise IcarusError(f"example cohort: n_patients={n_patients}; choose 2 to 999 patients")
    rng = np.random.default_rng(seed)
    reference = {chrom: _random_contig(rng) for chrom in CONTIGS}
    genome = _Genome(reference, _place_genes(rng))
    hotspots = {name: _place_hotspot(rng, genome, name) for name in HOTSPOTS}
    samples, patients = _sample_sheet(rng, n_patients)
    calls: dict[str, tuple[str, list[Record]]] = {}
    truth: list[list[object]] = []
    for patient in patients:
        records = _patient_records(rng, genome, hotspots, patient)
        calls[patient.tumour] = (patient.normal, records)
        truth += [_truth_row(patient, r, i) for r in records for i in range(len(r.alleles))]
    genes = pd.DataFrame([gene[:9] for gene in genome.genes], columns=list(GENE_COLUMNS))
    truth_table = pd.DataFrame(truth, columns=list(TRUTH_COLUMNS))
    return ExampleCohort(reference, genes, calls, samples, truth_table)


def _random_contig(rng: np.random.Generator) -> str:
    gc, at = START_GC / 2, (1 - START_GC) / 2
    codes = rng.choice(4, size=CONTIG_LENGTH, p=[at, gc, gc, at])  # A C G T
    cpg = np.flatnonzero((codes[:-1] == 1) & (codes[1:] == 2))
    lost = cpg[rng.random(len(cpg)) > CPG_KEPT]
    on_c = rng.random(len(lost)) < 0.5
    codes[lost[on_c]] = 3  # CpG -> TpG
    codes[lost[~on_c] + 1] = 0  # CpG -> CpA, the same deamination on the other strand
    return np.frombuffer(b"ACGT", dtype=np.uint8)[codes].tobytes().decode()


def _place_genes(rng: np.random.Generator) -> list[Gene]:
    """Give each gene 8-15 kb in its own slot of its chromosome, so that genes never overlap."""
    genes = []
    for i, (name, chrom, protein_length, hgnc) in enumerate(GENE_MODELS):
        on_chrom = [model[0] for model in GENE_MODELS if model[1] == chrom]
        width = CONTIG_LENGTH // len(on_chrom)
        start = on_chrom.index(name) * width + int(rng.integers(1000, width - 16_000))
        end = start + int(rng.integers(8000, 15_001)) - 1
        strand = "+" if rng.random() < 0.5 else "-"
        gene_id, transcript, other = (
            f"ENS{x}000001{10_001 + 13 * i + j:05d}" for j, x in enumerate("GTT")
        )
        model = (gene_id, transcript, other, protein_length, hgnc)
        genes.append(Gene(name, chrom, start, end, strand, *model))
    return genes


def _place_hotspot(rng: np.random.Generator, genome: _Genome, name: str) -> Record:
    """Place a hotspot allele once, so that all its carriers share its locus and annotation."""
    symbol, protein_pos, change = HOTSPOTS[name]
    gene = next(g for g in genome.genes if g.name == symbol)
    seq = genome.sequences[gene.chrom]
    if change == "del":
        pos0 = int(rng.integers(gene.start, gene.end - 10))
        ref, alt, kind = seq[pos0 : pos0 + 2], seq[pos0], "DEL"
        effect = indel_effect(rng, gene, "DEL", 1, "del", protein_pos)
    else:
        ref_codon, alt_codon = change.split(">")
        k = next(i for i, base in enumerate(ref_codon) if base.isupper())
        ref, alt = on_genome(ref_codon[k], gene), on_genome(alt_codon[k], gene)
        sites = [i for i in range(gene.start, gene.end - 10) if seq[i] == ref]
        pos0, kind = sites[int(rng.integers(len(sites)))], "SNV"
        effect = codon_effect(gene, protein_pos, ref_codon.upper(), alt_codon.upper(), k)
    allele = Allele(alt, kind, "indel" if kind == "DEL" else "background", (effect, effect))
    return Record(gene.chrom, pos0 + 1, ref, (allele,), gene)


def _sample_sheet(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, list[_Patient]]:
    is_responder = np.zeros(n, dtype=bool)
    is_responder[rng.permutation(n)[: round(n * 7 / 12)]] = True
    first_non_responder = int(np.flatnonzero(~is_responder)[0])
    width = max(2, len(str(n)))
    rows, patients = [], []
    for i, responds in enumerate(is_responder.tolist()):
        patient = f"P{i + 1:0{width}d}"
        normal = "" if i == n - 1 else f"{patient}_N"
        if responds:  # more SNVs and a high APOBEC share
            share, n_records = rng.uniform(0.3, 0.6), int(rng.integers(200, 401))
            best = "CR" if rng.random() < 0.25 else "PR"
        else:  # one non-responder is big enough for signature fitting too
            share, n_records = rng.uniform(0.0, 0.1), int(rng.integers(60, 321))
            n_records = max(n_records, 200) if i == first_non_responder else n_records
            best = "SD" if rng.random() < 0.6 else "PD"
        plan = HOTSPOT_PLAN[i] if i < len(HOTSPOT_PLAN) else ()
        patients.append(_Patient(f"{patient}_T", normal, round(share, 3), n_records, plan))
        response = "R" if responds else "NR"
        rows.append([patient, f"{patient}_T", normal, f"vcf/{patient}_T.vcf.gz", response, best])
    return pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS)), patients


def _allocate(rng: np.random.Generator, n: int, shares: dict[str, float]) -> list[str]:
    """Apportion n items to labels exactly (the first label takes the rounding), shuffled."""
    counts = [round(n * share) for share in shares.values()]
    counts[0] = n - sum(counts[1:])
    labels = [label for label, count in zip(shares, counts, strict=True) for _ in range(count)]
    return [labels[i] for i in rng.permutation(len(labels))]


def _patient_records(
    rng: np.random.Generator, genome: _Genome, hotspots: dict[str, Record], patient: _Patient
) -> list[Record]:
    paired = patient.normal != ""
    used = {(hotspot.chrom, hotspot.pos - 1) for hotspot in hotspots.values()}
    records = [_with_reads(rng, hotspots[name], "good", paired) for name in patient.hotspots]
    fails = {k: PASS_SHARE * v for k, v in PLANTED_FAILS.items() if paired or "normal" not in k}
    categories = _allocate(rng, patient.n_records, {"good": 0, **fails, "filtered": 1 - PASS_SHARE})
    kinds = _allocate(rng, patient.n_records, KIND_SHARES)
    share = patient.apobec_share
    snv_mix = {"background": 0.0, "apobec": share, "clock": (1 - share) * CLOCK_SHARE}
    processes = iter(_allocate(rng, kinds.count("SNV"), snv_mix))
    for kind, category in zip(kinds, categories, strict=True):
        process = next(processes) if kind == "SNV" else {"MNV": "mnv"}.get(kind, "indel")
        filters = _draw_filters(rng) if category == "filtered" else ()
        record = _new_record(rng, genome, used, kind, process)._replace(filters=filters)
        records.append(_with_reads(rng, record, category, paired))
    for j in range(int(rng.integers(2, 5))):  # alternately a weak second ALT or two strong ones
        record = _new_record(rng, genome, used, "multiallelic", "background")
        record = record._replace(filters=("multiallelic",) if j % 2 else ())
        records.append(_with_reads(rng, record, "good", paired))
    return sorted(records, key=lambda r: (CONTIGS.index(r.chrom), r.pos))


def _draw_site(
    rng: np.random.Generator, genome: _Genome, process: str, used: set[tuple[str, int]]
) -> tuple[str, int]:
    """Draw a free 0-based position in the base context that the process mutates."""
    while True:
        if rng.random() < GENIC_FRACTION:
            gene = genome.genes[int(rng.integers(len(genome.genes)))]
            chrom, pos0 = gene.chrom, int(rng.integers(gene.start, gene.end - 8))
        else:
            chrom = CONTIGS[int(rng.integers(len(CONTIGS)))]
            pos0 = int(rng.integers(20, CONTIG_LENGTH - 20))
        triplet = genome.sequences[chrom][pos0 - 1 : pos0 + 2]
        if process == "apobec" and triplet not in ("TCA", "TCT", "TGA", "AGA"):
            continue  # APOBEC3A/B deaminate the C of TCW (W = A or T)
        if process == "clock" and "CG" not in (triplet[:2], triplet[1:]):
            continue  # the clock-like SBS1 deaminates methylated CpG
        # records span at most 7 bp, so 8 bp of clearance keeps them apart
        if all((chrom, p) not in used for p in range(pos0 - 8, pos0 + 9)):
            used.add((chrom, pos0))
            return chrom, pos0


def _new_record(
    rng: np.random.Generator, genome: _Genome, used: set[tuple[str, int]], kind: str, process: str
) -> Record:
    chrom, pos0 = _draw_site(rng, genome, process, used)
    seq = genome.sequences[chrom]
    pos = pos0 + 1
    gene = next((g for g in genome.genes if g.chrom == chrom and g.start <= pos <= g.end), None)
    size, ref = int(rng.choice(len(INDEL_SIZES), p=INDEL_SIZES)) + 1, seq[pos0]
    if kind == "SNV":
        alts = [_snv_alt(rng, process, ref)]
    elif kind == "multiallelic":
        first = _snv_alt(rng, "background", ref)
        alts, kind = [first, _snv_alt(rng, "background", ref, first)], "SNV"
    elif kind == "MNV":
        ref = seq[pos0 : pos0 + 2 + int(rng.random() < 0.2)]
        alts = ["".join(_snv_alt(rng, "background", base) for base in ref)]
    elif kind == "DEL":
        ref, alts = seq[pos0 : pos0 + size + 1], [ref]
    else:
        alts = [ref + "".join("ACGT"[i] for i in rng.integers(0, 4, size=size))]
    alleles = tuple(Allele(a, kind, process, annotate(rng, gene, kind, ref, a)) for a in alts)
    return Record(chrom, pos, ref, alleles, gene)


def _snv_alt(rng: np.random.Generator, process: str, ref: str, taken: str = "") -> str:
    if process == "apobec":  # C>T and C>G (G>A and G>C on the other strand)
        options = "TG" if ref == "C" else "AC"
    elif process == "clock":  # C>T
        options = "T" if ref == "C" else "A"
    else:
        options = "".join(base for base in "ACGT" if base not in (ref, taken))
    return options[int(rng.integers(len(options)))]


def _draw_filters(rng: np.random.Generator) -> tuple[str, ...]:
    p = np.array(list(FAIL_FILTERS.values()))
    chosen = rng.choice(list(FAIL_FILTERS), 1 + int(rng.random() < 0.25), False, p / p.sum())
    return tuple(sorted(str(name) for name in chosen))


def _with_reads(rng: np.random.Generator, record: Record, category: str, paired: bool) -> Record:
    """Draw read counts for the category, then format INFO and the sample columns."""
    alt, ref = _tumour_counts(rng, category, record.filters)
    tumour_ad = [ref, alt]
    if len(record.alleles) == 2:  # a strong second ALT if filtered 'multiallelic', else 2-3 reads
        strong = "multiallelic" in record.filters
        second = round(ref * rng.uniform(0.1, 0.4)) if strong else int(rng.integers(2, 4))
        tumour_ad.append(max(5, second) if strong else second)
    tumour_dp = sum(tumour_ad) + int(rng.integers(0, 4))
    normal_ad, normal_dp = _normal_counts(rng, category, record.filters, len(tumour_ad) - 1)
    fields = [sample_field(rng, "0/0", normal_ad, normal_dp, ())] if paired else []
    genotype = "/".join(str(i) for i in range(len(tumour_ad)))
    fields.append(sample_field(rng, genotype, tumour_ad, tumour_dp, record.filters))
    record = record._replace(tumour_ad=tuple(tumour_ad), tumour_dp=tumour_dp, fields=tuple(fields))
    if paired:
        record = record._replace(normal_ad=tuple(normal_ad), normal_dp=normal_dp)
    return record._replace(info=info_field(rng, record))


def _tumour_counts(
    rng: np.random.Generator, category: str, filters: tuple[str, ...]
) -> tuple[int, int]:
    """Alt and ref reads; each planted category fails exactly one default threshold."""
    if category == "low_depth":  # AD sum 4-6, plus at most 3 other reads: DP <= 9
        return 3, int(rng.integers(1, 4))
    if category == "low_vaf":  # ref > 19 * alt, so VAF < 0.05
        alt = int(rng.integers(3, 7))
        return alt, 19 * alt + int(rng.integers(1, 150))
    if category == "low_alt":  # 2 / 38 > 0.05
        return 2, int(rng.integers(12, 37))
    if "weak_evidence" in filters:
        return int(rng.integers(2, 6)), int(rng.integers(20, 120))
    total = int(rng.integers(30, 251))
    alt = max(3, round(total * rng.uniform(0.08, 0.6)))
    return alt, total - alt


def _normal_counts(
    rng: np.random.Generator, category: str, filters: tuple[str, ...], n_alts: int
) -> tuple[list[int], int]:
    alt = 0
    if category == "low_normal_depth":  # AD sum 2-6, plus at most 1 other read: DP <= 7
        ref, extra = int(rng.integers(2, 7)), int(rng.integers(0, 2))
    else:
        ref, extra = int(rng.integers(20, 121)), int(rng.integers(0, 4))
        if category == "normal_vaf":  # 2-4 alt reads among at most 84: VAF > 0.02
            ref, alt = min(ref, 80), int(rng.integers(2, 5))
        elif {"germline", "normal_artifact"} & set(filters):
            alt = int(rng.integers(3, 31))
        elif ref >= 60 and rng.random() < 0.1:  # one stray read, VAF still below 0.02
            alt = 1
    ad = [ref, alt] + [0] * (n_alts - 1)
    return ad, sum(ad) + extra


def _truth_row(patient: _Patient, record: Record, i: int) -> list[object]:
    allele = record.alleles[i]
    effect = allele.effects[0] if allele.effects else Effect("intergenic_variant")
    site = [patient.tumour, record.chrom, record.pos, record.ref, allele.alt, allele.variant_type]
    mutect_filter = ";".join(record.filters) or "PASS"
    annotation = [
        record.gene.name if record.gene else "",
        effect.consequence,
        short_hgvsp(effect.hgvsp),
        allele.process,
    ]
    return [*site, mutect_filter, _passes(record, i), *annotation, patient.apobec_share]


def _passes(record: Record, i: int) -> bool:
    """Whether ALT i passes FILTER and the default thresholds, from the record's own numbers."""
    t_ref, t_alt = record.tumour_ad[0], record.tumour_ad[i + 1]
    if record.filters or record.tumour_dp < MIN_TUMOR_DEPTH or t_alt < MIN_TUMOR_ALT:
        return False
    if t_alt / (t_ref + t_alt) < MIN_TUMOR_VAF:
        return False
    if record.normal_ad is None:  # tumour-only: no normal checks
        return True
    n_ref, n_alt = record.normal_ad[0], record.normal_ad[i + 1]
    normal_vaf = n_alt / (n_ref + n_alt) if n_ref + n_alt else 0.0
    return record.normal_dp >= MIN_NORMAL_DEPTH and normal_vaf <= MAX_NORMAL_VAF
