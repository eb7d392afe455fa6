"""Benchmark ``icarus-omics cna`` on a simulated cohort: 1,000 samples x 20,000 genes.

Simulates a GRCh37-sized genome (chromosomes 1-22, X, Y at their GRCh37 lengths), 20,000
genes (1-200 kb, placed uniformly) and, per sample, a FACETS-like segmentation of 100-300
segments (chromosome ends trimmed like the first and last SNP, X/Y written 23/24 as FACETS
does, tcn mostly 2, 5% of lcn NA). Then times, in the same run:

* the library alone: ``cna.call_genes`` on every sample, already in memory (one process);
* the full command in cohort mode (reading 1,000 files, writing 1,000 gene tables and
  summaries plus the two genes x samples matrices) as a child process, at --threads 1
  and 2.

Prints wall time and peak resident memory: ``ru_maxrss`` of this process for the library
(``resource.getrusage``; it holds every sample's segments) and, for the command,
``ru_maxrss`` from ``os.wait4``, which on Linux is the largest peak of any single process in
the command's tree (the command or one of its forked workers), not their sum. The commands
run first, while this process is small: a child's ``ru_maxrss`` starts from the size of the
parent that forked it.

    python benchmarks/cna.py [--samples 1000] [--genes 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from measure import run_child, work_dir

from icarus_omics.copynumber import categories as cna
from icarus_omics.genome import BUILD_LENGTHS
from icarus_omics.io.segments import read_segments

GRCH37 = BUILD_LENGTHS["GRCh37"]  # chromosomes 1-22, X, Y in order
FACETS_NAME = {"X": "23", "Y": "24"}
TCN = np.arange(11)
TCN_P = np.array([0.01, 0.1, 0.5, 0.15, 0.08, 0.05, 0.04, 0.03, 0.02, 0.01, 0.01])


def simulate_genes(n: int, rng: np.random.Generator) -> pd.DataFrame:
    names = list(GRCH37)
    lengths = np.array(list(GRCH37.values()), dtype=np.int64)
    chrom = rng.choice(len(names), size=n, p=lengths / lengths.sum())
    size = np.exp(rng.uniform(np.log(1_000), np.log(200_000), n)).astype(np.int64)
    start = (rng.random(n) * (lengths[chrom] - size - 1)).astype(np.int64) + 1
    genes = pd.DataFrame(
        {"gene": [f"GENE{i:05d}" for i in range(n)], "chrom": [f"chr{names[c]}" for c in chrom]}
    )
    genes["start"], genes["end"], genes["order"] = start, start + size - 1, chrom
    return genes.sort_values(["order", "start"]).drop(columns="order").reset_index(drop=True)


def simulate_segments(rng: np.random.Generator) -> pd.DataFrame:
    """One sample: breakpoints spread over the genome in proportion to chromosome length."""
    n_breaks = int(rng.integers(100, 301)) - len(GRCH37)
    lengths = np.array(list(GRCH37.values()))
    per = rng.multinomial(n_breaks, lengths / lengths.sum())
    parts = []
    for (name, length), k in zip(GRCH37.items(), per, strict=True):
        first, last = int(rng.integers(10_000, 60_000)), length - int(rng.integers(10_000, 60_000))
        cuts = np.unique(rng.integers(first + 1, last, size=k))
        starts = np.concatenate([[first], cuts])
        ends = np.concatenate([cuts - 1 - rng.integers(0, 5_000, size=len(cuts)), [last]])
        parts.append(
            pd.DataFrame({"chrom": FACETS_NAME.get(name, name), "start": starts, "end": ends})
        )
    segments = pd.concat(parts, ignore_index=True)
    segments = segments[segments["end"] >= segments["start"]].reset_index(drop=True)
    n = len(segments)
    tcn = rng.choice(TCN, size=n, p=TCN_P)
    lcn = np.floor(rng.random(n) * (tcn // 2 + 1)).astype(float)
    lcn[rng.random(n) < 0.05] = np.nan
    segments["seg"] = np.arange(1, n + 1)
    segments["num.mark"] = rng.integers(10, 5000, n)
    segments["cf.em"] = np.round(rng.uniform(0.3, 1.0, n), 4)
    segments["tcn.em"], segments["lcn.em"] = tcn, lcn
    return segments[["chrom", "seg", "num.mark", "start", "end", "cf.em", "tcn.em", "lcn.em"]]


def write_cohort(work: Path, samples: int, genes: int, seed: int = 1) -> list[Path]:
    rng = np.random.default_rng(seed)
    table = simulate_genes(genes, rng)
    table.to_csv(work / "genes.tsv", sep="\t", index=False)
    paths = []
    for i in range(samples):
        path = work / "segments" / f"S{i + 1:04d}.cncf.txt"
        path.parent.mkdir(exist_ok=True)
        simulate_segments(rng).to_csv(path, sep="\t", index=False, na_rep="NA")
        paths.append(path)
    return paths


def time_library(work: Path, paths: list[Path]) -> None:
    genes = pd.read_csv(work / "genes.tsv", sep="\t")
    start = time.perf_counter()
    samples = [s for path in paths for s in read_segments(path)]
    read = time.perf_counter() - start
    start = time.perf_counter()
    index = cna.index_genes(genes)
    assigned = 0
    for sample in samples:  # one sample's calls at a time, as the command holds them
        calls = cna.call_genes(index, sample.segments, sample.sample)
        assigned += int((calls.segment_of_gene >= 0).sum())
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"read {len(paths):,} segment files (io.segments):      {read:7.2f} s")
    print(
        f"library call_genes, {len(samples):,} samples x {len(genes):,} genes: {elapsed:7.2f} s "
        f"({1000 * elapsed / len(samples):.2f} ms/sample; {assigned:,} gene-sample pairs "
        f"in a segment); this process peak {peak} MiB"
    )


def command(work: Path, paths: list[Path], threads: int, out: Path) -> list[str]:
    """``icarus-omics cna`` if registered in cli.py, else the same function in a Typer shim."""
    from icarus_omics.cli import COMMANDS

    args = [*map(str, paths), "--genes", str(work / "genes.tsv"), "-o", str(out)]
    args += ["--threads", str(threads), "-q"]
    if "cna" in COMMANDS:
        return [sys.executable, "-m", "icarus_omics", "cna", *args]
    shim = (
        "import sys, typer; from icarus_omics.commands.cna import cna; app = typer.Typer(); "
        "app.command()(cna); app(sys.argv[1:])"
    )
    return [sys.executable, "-c", shim, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    work = work_dir(args.keep, "cna")
    print(
        f"# cna benchmark: {os.cpu_count()} cores, {args.samples:,} samples x {args.genes:,} genes"
    )
    start = time.perf_counter()
    paths = write_cohort(work, args.samples, args.genes)
    print(f"simulated the cohort in {time.perf_counter() - start:.1f} s")
    outputs = {}
    for threads in (1, 2):
        out = work / f"out_threads{threads}"
        elapsed, peak = run_child(command(work, paths, threads, out))
        print(f"command cna, cohort mode, --threads {threads}: {elapsed:7.2f} s  peak {peak} MiB")
        outputs[threads] = out
    same = all(
        filecmp.cmp(outputs[1] / name, outputs[2] / name, shallow=False)
        for name in ("cna_discrete.tsv", "cna_categories.tsv", "S0001.cna_genes.tsv")
    )
    print(f"outputs identical at --threads 1 and 2: {same}")
    time_library(work, paths)  # last: a big parent would inflate the children's ru_maxrss
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
