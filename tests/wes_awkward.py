"""Awkward Mutect2-like VCFs for the byte-identity tests of ``wes-filter``
(tests/test_wes_filter_fast.py) and the goldens they are compared with.

Every record kind that htslib re-formats on the way through, or that takes another path
in the filter: multi-allelic records (Number=A/R/G values, 0/1/2 genotypes), '.' in every
column and FORMAT value, missing AD, truncated sample columns, INFO flags, floats and
integers written in a non-canonical way (``0.300``, ``1e-05``, ``007``), QUAL values,
several IDs, symbolic and spanning-deletion ALTs, records without ALT, FILTER '.', lines
longer than a BGZF block. The text depends only on ``seed``.

    python -m tests.wes_awkward   # re-make tests/expected/wes-filter-fast (see its README)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pysam

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=clustered_events,Description="Clustered events observed in the tumor">
##FILTER=<ID=germline,Description="Evidence indicates this site is germline, not somatic">
##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">
##FILTER=<ID=panel_of_normals,Description="Blacklisted site in panel of normals">
##FILTER=<ID=multiallelic,Description="Site filtered because too many alt alleles pass tumor LOD">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description="Count of reads in F1R2 pair orientation">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled genotype likelihoods">
##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phasing set">
##FORMAT=<ID=SB,Number=4,Type=Integer,Description="Per-sample strand bias counts">
##GATKCommandLine=<ID=FilterMutectCalls,CommandLine="FilterMutectCalls --variant T1.unfiltered.vcf.gz --output T1.vcf.gz",Version="4.1.8.1",Date="May 14, 2024 9:41:07 AM">
##GATKCommandLine=<ID=Mutect2,CommandLine="Mutect2 --input T1.bam --output T1.unfiltered.vcf.gz",Version="4.1.8.1",Date="May 14, 2024 8:02:11 AM">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##INFO=<ID=ECNT,Number=1,Type=Integer,Description="Number of events in this haplotype">
##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score">
##INFO=<ID=POPAF,Number=A,Type=Float,Description="negative log 10 population allele frequencies">
##INFO=<ID=STR,Number=0,Type=Flag,Description="Variant is a short tandem repeat">
##INFO=<ID=RPA,Number=R,Type=Integer,Description="Number of times tandem repeat unit is repeated">
##INFO=<ID=NOTE,Number=.,Type=String,Description="Free text">
##contig=<ID=1,length=249250621>
##contig=<ID=2,length=243199373>
##contig=<ID=3,length=198022430>
##contig=<ID=X,length=155270560>
##contig=<ID=MT,length=16569>
##normal_sample=N1
##source=FilterMutectCalls
##tumor_sample=T1
"""
SAMPLES = ("N1", "T1")
FORMAT = "GT:AD:AF:DP:F1R2:SB"
# Records that each hit one awkward case: (FILTER, ALT, INFO, FORMAT, normal, tumour).
# REF is filled in per record ("C", or longer for indels); {n} and {t} vary the counts.
CASES: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "PASS",
        "T",
        "DP=90;ECNT=1;TLOD=30.00;POPAF=6.00",
        FORMAT,
        "0/0:30,0:0.030:30:15,0:15,0,0,0",
        "0/1:{t},20:0.333:{d}:20,10:20,20,10,10",
    ),
    (
        "PASS",
        "T",
        "DP=90;ECNT=1;TLOD=1e-05;POPAF=6.00;STR",
        FORMAT,
        "0/0:{n},1:0.03:31:15,0:15,15,0,1",
        "0/1:{t},4:0.100:{d}:20,2:20,20,2,2",
    ),
    (
        "germline;panel_of_normals",
        "A",
        "DP=60;ECNT=2;TLOD=80.123456789;POPAF=0.5",
        FORMAT,
        "0/1:{n},14:0.3:42:15,7:14,14,7,7",
        "0/1:{t},30:0.5:{d}:15,15:15,15,15,15",
    ),
    (
        ".",
        "G",
        "DP=50;ECNT=1;TLOD=12.5",
        FORMAT,
        "0/0:30,0:0:30:15,0:15,15,0,0",
        "0/1:{t},9:0.2:{d}:20,4:20,20,5,4",
    ),
    (
        "PASS",
        "G,A",
        "DP=99;ECNT=1;TLOD=3.1,40.2;POPAF=6.00,5.20;RPA=3,4,5",
        "GT:AD:AF:DP:F1R2:PL:SB",
        "0/0:30,0,0:0.03,0.03:30:15,0,0:0,30,300,30,300,300:15,15,0,0",
        "0/1/2:{t},2,20:0.03,0.32:{d}:20,1,10:90,0,70,80,90,100:20,20,11,11",
    ),
    (
        "PASS",
        "G,A,TT",
        "DP=99;ECNT=1;TLOD=3.1,40.2,.;POPAF=6.00,5.20,1",
        "GT:AD:AF:DP",
        "0/0:30,0,0,0:.,.,.:30",
        "0|2:{t},1,20,5:0.02,0.3,0.07:{d}",
    ),
    (
        "weak_evidence",
        "CAG",
        "DP=40;ECNT=3;TLOD=4.00",
        FORMAT,
        "0/0:{n},0:.:.:.:.",
        "0/1:{t},3:0.107:.:.:.",
    ),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, ".", "0/1:{t},12:0.3:{d}:.:."),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, "0/0:.:.:.:.:.", "0/1:.:.:.:.:."),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, "0/0:.,0:0.0:12:.:.", "0/1:.,11:0.25:{d}:.:."),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, "0/0:12,.:0.0:12:.:.", "0/1:{t},.:0.25:{d}:.:."),
    ("PASS", "T", "DP=70;TLOD=20", "GT:DP", "0/0:30", "0/1:{d}"),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, "0/0:30,0", "0/1:{t},12"),
    ("PASS", "T", "DP=70;TLOD=20", FORMAT, "./.", "0/1"),
    ("PASS", "T", ".", "GT:AD:DP:PS", "0|0:30,0:30:007", "0|1:{t},+12:{d}:0123"),
    (
        "PASS",
        "T",
        "DP=70;TLOD=20;NOTE=a,b,c",
        FORMAT,
        "0/0:30,0,0:0.0:30:.:.",
        "0/1:{t},12,4:0.3:{d}:.:.",
    ),
    ("PASS", "<NON_REF>", "DP=70;TLOD=20", FORMAT, "0/0:30,0:0.0:30:.:.", "0/1:{t},12:0.3:{d}:.:."),
    ("PASS", "*", "DP=70;TLOD=20", FORMAT, "0/0:30,0:0.0:30:.:.", "0/1:{t},12:0.3:{d}:.:."),
    ("PASS", ".", "DP=70", "GT:DP", "0/0:30", "0/0:{d}"),
    (
        "clustered_events;germline;germline",
        "T",
        "DP=70;TLOD=20",
        FORMAT,
        "0/0:{n},0:0.0:30:.:.",
        "0/1:{t},12:0.3:{d}:.:.",
    ),
    (
        "PASS",
        "T",
        "DP=70;TLOD=20.0000000001;POPAF=-0.25",
        FORMAT,
        "0/0:{n},0:0.00:30:.:.",
        "0/1:{t},12:3.0e-1:{d}:.:.",
    ),
    ("multiallelic", "T,C", "DP=70;TLOD=20,3", "GT:AD:DP", "0/0:30,0,0:30", "1/2:0,12,9:{d}"),
)
QUALS = (".", "50", "12.5", "0.100")
IDS = (".", "rs123", "rs1;COSV99")


def record(rng: np.random.Generator, chrom: str, pos: int, case: int, long_note: int = 0) -> str:
    """One VCF line of ``CASES[case]`` at ``chrom:pos``; counts drawn from ``rng``."""
    filters, alt, info, fmt, normal, tumour = CASES[case]
    ref = "CA" if alt == "T,C" or case % 5 == 4 else "C"
    ref_reads, depth = int(rng.integers(0, 120)), int(rng.integers(0, 200))
    values = {"n": int(rng.integers(0, 40)), "t": ref_reads, "d": depth}
    if long_note:
        info = f"{info};NOTE={'x' * long_note}" if info != "." else f"NOTE={'y' * long_note}"
    qual, ids = QUALS[int(rng.integers(0, len(QUALS)))], IDS[int(rng.integers(0, len(IDS)))]
    columns = [chrom, str(pos), ids, ref, alt, qual, filters, info, fmt]
    columns += [normal.format(**values), tumour.format(**values)]
    return "\t".join(columns)


def vcf_text(records: int, seed: int, long_every: int = 0) -> str:
    """A sorted VCF of ``records`` awkward records over five contigs; every
    ``long_every``-th record (0: none) has an INFO value longer than a BGZF block."""
    rng = np.random.default_rng(seed)
    contigs = ("1", "2", "3", "X", "MT")
    lines = [HEADER + "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER",
                                 "INFO", "FORMAT", *SAMPLES])]  # fmt: skip
    per = max(1, records // len(contigs))
    for c, chrom in enumerate(contigs):
        count = per if c < len(contigs) - 1 else records - per * (len(contigs) - 1)
        positions = np.sort(rng.choice(16000, size=count, replace=False)) + 1
        positions[1::7] = positions[0::7][: len(positions[1::7])]  # same POS twice
        positions.sort()
        for pos in positions.tolist():
            n = len(lines)
            long_note = 70_000 if long_every and n % long_every == 0 else 0
            case = (n + n // len(CASES)) % len(CASES)
            lines.append(record(rng, chrom, pos, case, long_note))
    return "\n".join(lines) + "\n"


def tumour_only(text: str) -> str:
    """The same VCF without its normal column."""
    out = []
    for line in text.splitlines():
        if line.startswith("##normal_sample"):
            continue
        out.append(
            line
            if line.startswith("##")
            else "\t".join([*line.split("\t")[:-2], line.split("\t")[-1]])
        )
    return "\n".join(out) + "\n"


def sites_only(text: str) -> str:
    """The same VCF without FORMAT and sample columns, and without the records whose ALT
    is '.' or several alleles: the code the goldens were made with crashed on the first
    and judged only the first ALT of the others in a sites-only VCF (fixed since; see
    test_sites_only_records_without_one_alt)."""
    out = []
    for line in text.splitlines():
        if line.startswith(("##normal_sample", "##tumor_sample")):
            continue
        if not line.startswith("#") and ("," in line.split("\t")[4] or line.split("\t")[4] == "."):
            continue
        out.append(line if line.startswith("##") else "\t".join(line.split("\t")[:8]))
    return "\n".join(out) + "\n"


BED = "chr1\t100\t4000\tblacklist\n2\t5000\t5200\n"

# name -> (input text maker, compressed and indexed?, extra arguments)
Variant = tuple[Callable[[], str], bool, tuple[str, ...]]
VARIANTS: dict[str, Variant] = {
    "small_plain": (lambda: vcf_text(120, 1), False, ("--exclude-bed", "{bed}")),
    "small_bgzf_t1": (lambda: vcf_text(120, 1), True, ("--exclude-bed", "{bed}", "--threads", "1")),
    "small_bgzf_t2": (lambda: vcf_text(120, 1), True, ("--threads", "2")),
    "small_drop_allow": (
        lambda: vcf_text(120, 2), False,
        ("--multiallelic", "drop", "--allow-filter", "germline", "--allow-filter", "weak_evidence",
         "--min-tumor-vaf", "0.2", "--min-normal-depth", "0", "--max-normal-vaf", "1"),
    ),
    "tumour_only": (lambda: tumour_only(vcf_text(120, 3)), False, ()),
    "tumour_only_bgzf": (lambda: tumour_only(vcf_text(120, 3)), True, ("--threads", "2")),
    "sites_only": (lambda: sites_only(vcf_text(120, 4)), False, ()),
    "bulk_plain": (lambda: vcf_text(6000, 5, long_every=997), False, ("--exclude-bed", "{bed}")),
    "bulk_bgzf": (lambda: vcf_text(6000, 5, long_every=997), True, ("--threads", "2")),
}  # fmt: skip


def make_input(folder: Path, variant: str) -> Path:
    """Write the input of ``variant`` (and its BED) into ``folder``; the VCF's path."""
    text, compressed, _ = VARIANTS[variant]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exclude.bed").write_text(BED)
    plain = folder / "in.vcf"
    plain.write_text(text())
    if not compressed:
        return plain
    pysam.tabix_compress(str(plain), str(folder / "in.vcf.gz"), force=True)
    pysam.tabix_index(str(folder / "in.vcf.gz"), preset="vcf", force=True)
    plain.unlink()
    return folder / "in.vcf.gz"


def arguments(folder: Path, variant: str) -> list[str]:
    return [a.replace("{bed}", str(folder / "exclude.bed")) for a in VARIANTS[variant][2]]


def digests(outdir: Path) -> dict[str, str]:
    """sha256 of every output file, and of the filtered VCF's decompressed text."""
    found = {}
    for p in sorted(outdir.iterdir()):
        data = p.read_bytes()
        if p.name.endswith(".summary.json"):  # without the run block (wall time, argv)
            summary = json.loads(data)
            del summary["run"]
            data = json.dumps(summary, sort_keys=True).encode()
        found[p.name] = hashlib.sha256(data).hexdigest()
    for p in outdir.glob("*.vcf.gz"):
        found[p.name + ":text"] = hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest()
    return found


def _write_goldens(root: Path) -> None:
    import tempfile

    from icarus_omics.cli import main

    found: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for variant in VARIANTS:
            folder = Path(scratch) / variant
            path = make_input(folder, variant)
            for command in ("wes-filter", "wes-annotate"):
                out = folder / command
                try:
                    main([command, str(path), "-o", str(out), "-q", *arguments(folder, variant)])
                except SystemExit as done:
                    if done.code:
                        raise
                found[f"{variant}/{command}"] = digests(out)
                if variant == "small_plain" and command == "wes-filter":
                    vcf = out / "T1.filtered.vcf.gz"
                    (root / "small_plain.filtered.vcf").write_bytes(
                        gzip.decompress(vcf.read_bytes())
                    )
    (root / "digests.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    _write_goldens(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parent / "expected" / "wes-filter-fast"
    )
