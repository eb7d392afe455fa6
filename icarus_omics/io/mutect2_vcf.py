"""Mutect2 + FilterMutectCalls + VEP VCF text: the header GATK 4.1.8 and VEP 110 write and
one data line per record (used to write the example cohort's VCFs).

Takes the example generator's :class:`~icarus_omics.example.vcf.Record` values (chrom, pos,
ref, alleles with their VEP effects, FILTER flags, INFO and per-sample FORMAT fields) and
returns the text; the same records give the same bytes.
"""

from __future__ import annotations

from icarus_omics.example.annotation import CSQ_FIELDS, csq_entries
from icarus_omics.example.cohort import ExampleCohort
from icarus_omics.example.vcf import Record

# fmt: off
FILTER_DESCRIPTIONS = {
    "PASS": "All filters passed", "base_qual": "alt median base quality",
    "clustered_events": "Clustered events observed in the tumor", "contamination": "contamination",
    "duplicate": "evidence for alt allele is overrepresented by apparent duplicates",
    "fragment": "abs(ref - alt) median fragment length",
    "germline": "Evidence indicates this site is germline, not somatic",
    "haplotype": "Variant near filtered variant on same haplotype.",
    "low_allele_frac": "Allele fraction is below specified threshold",
    "map_qual": "ref - alt median mapping quality",
    "multiallelic": "Site filtered because too many alt alleles pass tumor LOD",
    "n_ratio": "Ratio of N to alt exceeds specified ratio", "normal_artifact": "artifact_in_normal",
    "orientation": "orientation bias detected by the orientation bias mixture model",
    "panel_of_normals": "Blacklisted site in panel of normals",
    "position": "median distance of alt variants from end of reads",
    "possible_numt": "Allele depth is below expected coverage of NuMT in autosome",
    "slippage": "Site filtered due to contraction of short tandem repeat region",
    "strand_bias": "Evidence for alt allele comes from one read direction only",
    "strict_strand": "Evidence for alt allele is not represented in both directions",
    "weak_evidence": "Mutation does not meet likelihood threshold",
}
FORMAT_LINES = (
    ("AD", "R", "Integer", "Allelic depths for the ref and alt alleles in the order listed"),
    ("AF", "A", "Float", "Allele fractions of alternate alleles in the tumor"),
    ("DP", "1", "Integer", "Approximate read depth (reads with MQ=255 or with bad mates are "
                           "filtered)"),
    ("F1R2", "R", "Integer", "Count of reads in F1R2 pair orientation supporting each allele"),
    ("F2R1", "R", "Integer", "Count of reads in F2R1 pair orientation supporting each allele"),
    ("GT", "1", "String", "Genotype"),
    ("SB", "4", "Integer", "Per-sample component statistics which comprise the Fisher's Exact "
                           "Test to detect strand bias."),
)
INFO_LINES = (
    ("DP", "1", "Integer", "Approximate read depth; some reads may have been filtered"),
    ("ECNT", "1", "Integer", "Number of events in this haplotype"),
    ("GERMQ", "1", "Integer", "Phred-scaled quality that alt alleles are not germline variants"),
    ("NLOD", "A", "Float", "Normal log 10 likelihood ratio of diploid het or hom alt genotypes"),
    ("POPAF", "A", "Float", "negative log 10 population allele frequencies of alt alleles"),
    ("TLOD", "A", "Float", "Log 10 likelihood ratio score of variant existing versus not existing"),
)
VEP_LINE = ('##VEP="v110" time="2024-05-14 10:12:03" cache="/opt/vep/.vep/homo_sapiens/110_GRCh37"'
            ' ensembl=110.1 ensembl-funcgen=110.1 ensembl-io=110.1 ensembl-variation=110.1'
            ' assembly="GRCh37"')
FORMAT = "GT:AD:AF:DP:F1R2:F2R1:SB"
# fmt: on


def vcf_text(reference: dict[str, str], tumour: str, normal: str, records: list[Record]) -> str:
    """The VCF text of one tumour (``normal`` is "" when tumour-only), records in order."""
    lines = _vcf_header(reference, tumour, normal)
    for r in records:
        entries = (e for a in r.alleles for e in csq_entries(a.alt, a.effects, r.ref, r.gene))
        csq = ",".join(entries)
        alts, filters = ",".join(a.alt for a in r.alleles), ";".join(r.filters) or "PASS"
        info = f"{r.info};CSQ={csq}"
        lines.append("\t".join([r.chrom, str(r.pos), ".", r.ref, alts, ".", filters, info, FORMAT]))
        lines[-1] += "".join(f"\t{field}" for field in r.fields)
    return "\n".join(lines) + "\n"


def _vcf_header(reference: dict[str, str], tumour: str, normal: str) -> list[str]:
    """Header lines in GATK's order, then the two lines that VEP appends."""
    meta = '=<ID={},Number={},Type={},Description="{}">'
    normal_args = f" --input {normal}.bam --normal-sample {normal}" if normal else ""
    lines = ["##fileformat=VCFv4.2"]
    lines += [f'##FILTER=<ID={k},Description="{v}">' for k, v in FILTER_DESCRIPTIONS.items()]
    lines += ["##FORMAT" + meta.format(*line) for line in FORMAT_LINES]
    lines += [
        f'##GATKCommandLine=<ID=FilterMutectCalls,CommandLine="FilterMutectCalls --variant '
        f"{tumour}.unfiltered.vcf.gz --contamination-table {tumour}.contamination.table "
        f'--ob-priors {tumour}.orientation.tar.gz --output {tumour}.vcf.gz",Version="4.1.8.1",'
        f'Date="May 14, 2024 9:41:07 AM CEST">',
        f'##GATKCommandLine=<ID=Mutect2,CommandLine="Mutect2 --input {tumour}.bam{normal_args} '
        f'--panel-of-normals pon.vcf.gz --output {tumour}.unfiltered.vcf.gz",'
        f'Version="4.1.8.1",Date="May 14, 2024 8:02:11 AM CEST">',
    ]
    lines += ["##INFO" + meta.format(*line) for line in INFO_LINES]
    lines += ["##MutectVersion=2.2"]
    lines += [f"##contig=<ID={chrom},length={len(seq)}>" for chrom, seq in reference.items()]
    lines += [
        "##filtering_status=These calls have been filtered by FilterMutectCalls to label false "
        "positives with a list of failed filters and true positives with PASS."
    ]
    lines += [f"##normal_sample={normal}"] if normal else []
    lines += ["##reference=file:///example/icarus_example.fa", "##source=FilterMutectCalls"]
    lines += [f"##tumor_sample={tumour}", VEP_LINE]
    lines += [
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FIELDS}">'
    ]
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
    columns += [normal, tumour] if normal else [tumour]
    return [*lines, "\t".join(columns)]


def cohort_vcf_texts(cohort: ExampleCohort) -> dict[str, str]:
    """The VCF text of every tumour of the example cohort (tumour sample -> text)."""
    return {
        tumour: vcf_text(cohort.reference, tumour, normal, records)
        for tumour, (normal, records) in cohort.calls.items()
    }
