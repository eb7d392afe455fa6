"""Benchmark ``icarus-omics run`` on a simulated cohort: wall seconds per step, peak memory.

Simulates a cohort of ``--patients`` patients with the example generators and writes it
with the ``icarus_omics.io.cohort.write_example_*`` writers, as ``icarus-omics demo`` does:

* WES and copy number (``example.cohort.build_example_cohort``): one Mutect2 + VEP VCF and
  one FACETS segment table per tumour, the reference FASTA and gene models;
* paired RNA-seq, baseline and on-treatment (``example.rna.build_example_rna``) and
  baseline TPM for PAM50 (``example.subtypes.build_example_expression``) for every patient,
  with the WES cohort's responses;
* baseline expression and PFS of ``--patients`` tumours for the PFS signature
  (``example.survival.build_example_survival``).

``--seed`` seeds the WES cohort; the RNA-seq, PAM50 and PFS generators get seed + 1, + 2
and + 3 (and the extra responses seed + 4). Then writes the run's sample sheet (one row per
tumour) and config (``run.yaml``: the demo's comparisons, GSEA permutations, focal-CNA
size and exome option) and runs, as a child process::

    icarus-omics run run_sheet.tsv --config run.yaml -o out --jobs N

It reports, from ``out/run.json``, every step's status and wall seconds (the per-sample
steps summed by kind: wes, and cna when it runs per sample), the run's total wall time (with
the steps' summed seconds, which --jobs overlaps, and the longest step) and its peak resident
memory (the largest single process of the run's tree, via GNU time as in
measure.py), and whether the goal, the whole cohort of 200 patients in under 15 minutes on
2 cores, is met. Steps that need reference data not installed (PAM50, Hallmark gene sets)
are skipped by ``run`` and listed.

    python benchmarks/cohort.py [--patients 200] [--jobs 2] [--seed 7] [--keep DIR]

A quick check (a few minutes):

    python benchmarks/cohort.py --patients 24
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from measure import icarus_version, measure, work_dir

from icarus_omics.commands.demo import write_run_files
from icarus_omics.example.cohort import build_example_cohort
from icarus_omics.example.rna import build_example_rna
from icarus_omics.example.subtypes import build_example_expression
from icarus_omics.example.survival import build_example_survival
from icarus_omics.io.cohort import (
    write_example_cohort,
    write_example_expression,
    write_example_rna,
    write_example_survival,
)
from icarus_omics.io.tables import read_tsv

GOAL_PATIENTS, GOAL_SECONDS, GOAL_CORES = 200, 15 * 60, 2
PER_SAMPLE_KINDS = ("wes", "cna")


@dataclass(frozen=True)
class Simulated:
    """The written cohort: the run's sample sheet and config, and what they hold."""

    sheet: Path
    config: Path
    lines: list[str]  # what was simulated, for the report


def simulate(folder: Path, n_patients: int, seed: int) -> Simulated:
    """Every input file under ``folder``, the run's sample sheet and config (as
    ``icarus_omics.commands.demo._write_example`` writes them, at ``n_patients``)."""
    cohort = build_example_cohort(n_patients=n_patients, seed=seed)
    cohort_sheet = write_example_cohort(cohort, folder)
    samples = read_tsv(cohort_sheet, ["patient", "tumor_sample", "normal_sample", "vcf",
                                      "response", "best_response"], "sample sheet")  # fmt: skip
    patients = samples[["patient", "response"]]
    rna_data = build_example_rna(patients, seed=seed + 1)
    rna = write_example_rna(rna_data, folder)
    expression_data = build_example_expression(patients, seed=seed + 2)
    expression = write_example_expression(expression_data, folder)
    survival_data = build_example_survival(n_patients=n_patients, seed=seed + 3)
    survival = write_example_survival(survival_data, folder)

    sheet, config = write_run_files(folder, samples, patients, rna, expression, survival)

    n_records = sum(len(records) for _, records in cohort.calls.values())
    n_normals = int((samples["normal_sample"].astype(str) != "").sum())
    counts, tpm, pfs = rna_data.counts, expression_data.tpm, survival_data.expression
    lines = [
        f"patients: {n_patients}",
        f"WES + copy number: {len(samples)} patients: {len(samples)} tumours "
        f"({n_normals} with a matched normal), {n_records:,} VCF records, "
        f"{len(cohort.genes)} genes on {len(cohort.reference)} contigs of 120 kb",
        f"RNA-seq: {counts.shape[1]} samples (baseline + on-treatment of "
        f"{len(patients)} patients) x {counts.shape[0]:,} genes, "
        f"{len(rna_data.gene_sets)} example gene sets",
        f"PAM50: {tpm.shape[1]} baseline samples x {tpm.shape[0]} genes (TPM)",
        f"PFS signature: {pfs.shape[1]} baseline samples x {pfs.shape[0]} genes, "
        f"{int(survival_data.pfs['event'].sum())} events",
    ]
    return Simulated(sheet, config, lines)


def step_rows(steps: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Table rows (step, status, steps, seconds): per-sample steps summed by kind, then the
    cohort steps in the order they ran."""
    rows = []
    for kind in PER_SAMPLE_KINDS:
        mine = [r for name, r in steps.items() if name.startswith(f"{kind}/")]
        if mine:
            seconds = [float(r["seconds"]) for r in mine]
            statuses = pd.Series([r["status"] for r in mine]).value_counts()
            status = ", ".join(f"{count} {name}" for name, count in statuses.items())
            label = f"{kind}/* (sum; mean {np.mean(seconds):.1f}, max {max(seconds):.1f})"
            rows.append((label, status, str(len(mine)), f"{sum(seconds):.1f}"))
    for name, result in steps.items():
        if name.split("/")[0] in PER_SAMPLE_KINDS and "/" in name:
            continue
        rows.append((name, result["status"], "1", f"{float(result['seconds']):.1f}"))
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> int:
    """Print the rows; return the width of the columns before ``wall s``."""
    width = max(len(row[0]) for row in rows) + 2
    status_width = max(len(row[1]) for row in rows) + 2
    print(f"{'step':{width}}{'status':{status_width}}{'steps':>6}{'wall s':>10}")
    for label, status, count, seconds in rows:
        print(f"{label:{width}}{status:{status_width}}{count:>6}{seconds:>10}")
    return width + status_width + 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=GOAL_PATIENTS)
    parser.add_argument("--jobs", type=int, default=2, help="run --jobs (per-sample steps)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulation")
    parser.add_argument("--keep", type=Path, help="keep the generated files and outputs here")
    args = parser.parse_args()
    if args.patients < 10:
        raise SystemExit("--patients: at least 10 (pfs-signature's 5 folds need 10 samples)")
    work = work_dir(args.keep, "cohort")
    print(
        f"# cohort benchmark: {os.cpu_count()} cores, {args.patients} patients, run --jobs "
        f"{args.jobs}; icarus-omics {icarus_version()}; load average "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    started = time.perf_counter()
    simulated = simulate(work / "cohort", args.patients, args.seed)
    for line in simulated.lines:
        print(f"simulated {line}")
    print(f"simulated and written in {time.perf_counter() - started:.1f} s", flush=True)

    out = work / "out"
    command = [sys.executable, "-m", "icarus_omics", "run", str(simulated.sheet), "--config",
               str(simulated.config), "-o", str(out), "--jobs", str(args.jobs)]  # fmt: skip
    measured = measure(command, work / "run.log", check=False)
    manifest_path = out / "run.json"
    if not manifest_path.is_file():
        tail = "\n".join((work / "run.log").read_text().splitlines()[-20:])
        raise SystemExit(f"run failed (exit {measured.status}), no run.json:\n{tail}")
    manifest = json.loads(manifest_path.read_text())
    steps: dict[str, dict[str, Any]] = manifest["steps"]
    print()
    w = print_table(step_rows(steps))
    busy = sum(float(r["seconds"]) for r in steps.values())
    ran = [r for r in steps.values() if "finished" in r]
    last = max((float(r["finished"]) for r in ran), default=0.0)
    longest = max(steps, key=lambda n: float(steps[n]["seconds"]))
    print(f"{'total wall s (run, start to end)':{w}}{measured.wall:10.1f}")
    print(f"{'  steps, summed (run --jobs overlaps them)':{w}}{busy:10.1f}")
    print(f"{'  longest step: ' + longest:{w}}{float(steps[longest]['seconds']):10.1f}")
    print(f"{'  after the last step (manifest, report)':{w}}{measured.wall - last:10.1f}")
    print(f"{'peak MiB (largest process)':{w}}{measured.peak:10,}")
    for name, reason in manifest.get("skipped", {}).items():
        print(f"skipped {name}: {reason}")
    failed = {n: r for n, r in steps.items() if r["status"] == "failed"}
    for name, result in failed.items():
        print(f"FAILED {name}: {result['message']}")

    met = measured.wall < GOAL_SECONDS and not failed
    scope = []
    if args.patients < GOAL_PATIENTS:
        scope.append(f"this run has {args.patients} patients, not {GOAL_PATIENTS}")
    if os.cpu_count() != GOAL_CORES or args.jobs != GOAL_CORES:
        scope.append(f"{os.cpu_count()} cores, --jobs {args.jobs}")
    if failed:
        scope.append(f"{len(failed)} step(s) failed")
    note = f" ({'; '.join(scope)})" if scope else ""
    print(
        f"goal, the whole cohort in under {GOAL_SECONDS // 60} minutes on {GOAL_CORES} cores: "
        f"{'met' if met else 'NOT met'}, {measured.wall / 60:.1f} min{note}"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")
    if measured.status != 0:
        tail = "\n".join((work / "run.log").read_text().splitlines()[-5:])
        raise SystemExit(f"run exited {measured.status}; files kept in {work}\n{tail}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
