"""Benchmark ``icarus-omics wes-filter`` against bcftools on a Mutect2-like VCF.

Generates a deterministic FilterMutectCalls-style tumour/normal VCF (bgzipped and
tabix-indexed, as FilterMutectCalls writes it) with
1,000,000 records (and a 100,000-record one for the memory comparison), then times, in
the same run:

* icarus-omics wes-filter (soft filter: every record written, FILTER tagged, + .tbi,
  mutations TSV, attrition table) with the default thresholds;
* ``bcftools filter -s`` applying the same thresholds as a soft filter (every record
  written), + tabix: the like-for-like reference;
* ``bcftools view -f PASS -i`` (hard filter, only passing records written), + tabix:
  the anchor in ../shared/anchors/bcftools_filter.sh.

Prints wall times, the ratios, the passing-record counts (which must agree) and peak
resident memory (ru_maxrss of each child process) at 100k and 1M records. Each command
runs ``--repeat`` times, in turn with the others, and the median wall time is reported
(the largest peak memory); the load average is printed before and after, since other
jobs on the machine slow every command down.

    python benchmarks/wes_filter.py [--records 1000000] [--threads 2] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pysam
from measure import run_child, work_dir

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=germline,Description="Evidence indicates this site is germline, not somatic">
##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">
##FILTER=<ID=panel_of_normals,Description="Blacklisted site in panel of normals">
##FILTER=<ID=orientation,Description="orientation bias detected by the orientation bias mixture model">
##FILTER=<ID=contamination,Description="contamination">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description="Count of reads in F1R2 pair orientation supporting each allele">
##FORMAT=<ID=F2R1,Number=R,Type=Integer,Description="Count of reads in F2R1 pair orientation supporting each allele">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##INFO=<ID=ECNT,Number=1,Type=Integer,Description="Number of events in this haplotype">
##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score of variant existing versus not existing">
##INFO=<ID=POPAF,Number=A,Type=Float,Description="negative log 10 population allele frequencies of alt alleles">
{contigs}##normal_sample=NORMAL
##tumor_sample=TUMOR
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR
"""
FILTERS = np.array(
    [
        "PASS",
        "germline",
        "weak_evidence",
        "panel_of_normals",
        "orientation",
        "contamination;weak_evidence",
    ]
)
FILTER_P = np.array([0.6, 0.1, 0.15, 0.05, 0.05, 0.05])
BASES = np.array(list("ACGT"))


def generate(path: Path, records: int, seed: int = 1) -> None:
    """Write a bgzipped Mutect2-like VCF with ``records`` biallelic SNVs on 22 contigs."""
    rng = np.random.default_rng(seed)
    contigs = [str(c) for c in range(1, 23)]
    per = records // len(contigs) + 1
    plain = path.with_suffix("")
    lines = [
        HEADER.format(contigs="".join(f"##contig=<ID={c},length=250000000>\n" for c in contigs))
    ]
    with open(plain, "w") as out:
        out.write(lines[0])
        written = 0
        for contig in contigs:
            n = min(per, records - written)
            if n <= 0:
                break
            pos = np.sort(rng.choice(240_000_000, size=n, replace=False)) + 1
            ref = rng.integers(0, 4, n)
            alt = (ref + rng.integers(1, 4, n)) % 4
            depth = rng.integers(4, 300, n)
            vaf = rng.beta(1.2, 5, n)
            t_alt = rng.binomial(depth, vaf)
            t_ref = depth - t_alt
            n_depth = rng.integers(2, 150, n)
            n_alt = rng.binomial(n_depth, np.where(rng.random(n) < 0.05, 0.3, 0.002))
            n_ref = n_depth - n_alt
            filters = rng.choice(FILTERS, size=n, p=FILTER_P)
            tlod = rng.gamma(2, 10, n)
            for i in range(n):
                td, nd = t_ref[i] + t_alt[i], n_ref[i] + n_alt[i]
                out.write(
                    f"{contig}\t{pos[i]}\t.\t{BASES[ref[i]]}\t{BASES[alt[i]]}\t.\t{filters[i]}\t"
                    f"DP={td + nd};ECNT=1;TLOD={tlod[i]:.2f};POPAF=6.00\tGT:AD:AF:DP:F1R2:F2R1\t"
                    f"0/0:{n_ref[i]},{n_alt[i]}:{n_alt[i] / max(nd, 1):.3f}:{nd}:{n_ref[i] // 2},{n_alt[i] // 2}:{n_ref[i] - n_ref[i] // 2},{n_alt[i] - n_alt[i] // 2}\t"
                    f"0/1:{t_ref[i]},{t_alt[i]}:{t_alt[i] / max(td, 1):.3f}:{td}:{t_ref[i] // 2},{t_alt[i] // 2}:{t_ref[i] - t_ref[i] // 2},{t_alt[i] - t_alt[i] // 2}\n"
                )
            written += n
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    pysam.tabix_index(str(path), preset="vcf", force=True)  # GATK writes .vcf.gz.tbi too


# Same thresholds as wes-filter's defaults; sample 1 = TUMOR, sample 0 = NORMAL.
EXPRESSION = (
    "FMT/DP[1]>=10 && FMT/AD[1:1]>=3 && FMT/AD[1:1]/(FMT/AD[1:0]+FMT/AD[1:1])>=0.05"
    " && FMT/DP[0]>=8 && (FMT/AD[0:0]+FMT/AD[0:1]==0 || FMT/AD[0:1]/(FMT/AD[0:0]+FMT/AD[0:1])<=0.02)"
)


def icarus(vcf: Path, out: Path, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "icarus_omics",
        "wes-filter",
        str(vcf),
        "-o",
        str(out),
        "-q",
        "--threads",
        str(threads),
    ]


def shell(command: str) -> list[str]:
    return ["bash", "-c", command]


def count_passing(vcf: Path) -> int:
    return int(
        subprocess.run(
            shell(f"bcftools view -H -f PASS {vcf} | wc -l"),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def timed(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, int]]:
    """Median wall seconds and largest peak MiB of each command, run ``repeat`` times in
    turn (so that a burst of load from other jobs falls on all of them)."""
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(run_child(command))
    return {
        name: (statistics.median(w for w, _ in found), max(m for _, m in found))
        for name, found in runs.items()
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure_size(work: Path, size: int, threads: int, repeat: int) -> None:
    """Time the three commands on a VCF of ``size`` records; print the figures."""
    vcf = work / f"mutect2_{size}.vcf.gz"
    if not vcf.exists():
        t = time.perf_counter()
        generate(vcf, size)
        print(f"generated {size:,} records in {time.perf_counter() - t:.1f} s")
    soft, hard = work / f"soft_{size}.vcf.gz", work / f"hard_{size}.vcf.gz"
    results = timed(
        {
            "icarus": icarus(vcf, work / f"icarus_{size}", threads),
            "soft": shell(
                f"bcftools filter --threads {threads} -m+ -s icarus_fail -i '{EXPRESSION}' "
                f"-Oz -o {soft} {vcf} && bcftools view --threads {threads} -h {soft} >/dev/null "
                f"&& tabix -f -p vcf {soft}"
            ),
            "hard": shell(
                f"bcftools view --threads {threads} -f PASS -i '{EXPRESSION}' -Oz -o {hard} "
                f"{vcf} && tabix -f -p vcf {hard}"
            ),
        },
        repeat,
    )
    (t_icarus, m_icarus), (t_soft, m_soft), (t_hard, m_hard) = results.values()
    ours = (work / f"icarus_{size}" / "TUMOR.mutations.tsv").read_text().count("\n") - 1
    reference = count_passing(hard)
    print(f"\n## {size:,} records (median of {repeat} runs; load average now {load()})")
    print(
        f"passing calls: icarus-omics {ours:,} | bcftools {reference:,} | agree: {ours == reference}"
    )
    print(f"icarus-omics wes-filter (soft, +tbi, TSVs): {t_icarus:7.2f} s  peak {m_icarus:5d} MiB")
    print(f"bcftools filter -s (soft, +tabix):          {t_soft:7.2f} s  peak {m_soft:5d} MiB")
    print(f"bcftools view -f PASS -i (hard, +tabix):    {t_hard:7.2f} s  peak {m_hard:5d} MiB")
    print(f"ratio wes-filter / bcftools filter -s: {t_icarus / t_soft:.2f}x | "
          f"vs hard filter: {t_icarus / t_hard:.2f}x")  # fmt: skip
    if ours != reference:
        raise SystemExit("passing sets differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    if shutil.which("bcftools") is None or shutil.which("tabix") is None:
        raise SystemExit("bcftools and tabix are needed: apt-get install bcftools tabix")
    work = work_dir(args.keep, "wes-filter")
    print(f"# wes-filter benchmark: {os.cpu_count()} cores, threads={args.threads}, "
          f"load average {load()}")  # fmt: skip
    print(
        subprocess.run(
            ["bcftools", "--version"], capture_output=True, text=True
        ).stdout.splitlines()[0]
    )
    for size in sorted({min(100_000, args.records), args.records}):
        measure_size(work, size, args.threads, args.repeat)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
