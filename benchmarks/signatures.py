"""Benchmark signature fitting against MutationalPatterns and SigProfilerAssignment.

Simulates SBS96 catalogues (deterministic, ``np.random.default_rng(seed)``): each sample
draws 2-5 signatures of the set being fitted, Dirichlet(1) weights and a total of 100-10,000
mutations (log-uniform), then multinomial counts (``--noise multinomial``, the default) or
Poisson counts around that spectrum (``--noise poisson``: each channel independently, so the
total varies too). The draws are made one sample at a time, so the first N samples of a
larger cohort are the N-sample cohort of the same seed.

Fits 1,000 and 10,000 samples against the 21-signature breast shortlist
(``resources/signatures/breast_shortlist.txt``; the first 21 COSMIC columns while that file
is missing) and the full 78-signature COSMIC v3.2 GRCh37 set, with each icarus method
(library calls on DataFrames in memory, ``processes=--processes`` where a fit takes it), and
times in the same run:

* MutationalPatterns ``fit_to_signatures`` and ``fit_to_signatures_strict(method =
  "backwards", max_delta = 0.004)`` through ``../shared/anchors/signatures_fit.R``. Its own
  clock (``Sys.time`` around each call) times the fits alone: R start-up, package loading
  and file input/output are left out. R runs on one core.
* SigProfilerAssignment ``Analyzer.cosmic_fit`` on a matrix file with the same signatures
  (``signature_database=``; the 78-signature file equals the tool's own
  ``cosmic_version=3.2`` GRCh37 matrix) and its default fitting settings; plots and the
  per-channel probability table (``export_probabilities``, written after the fit, no effect
  on exposures) off, ``cpu`` set to ``--processes``. Timed in its child process around the
  call, so it includes reading the matrix and writing its result files (the API has no
  other way), not the import.

Compares the answers: icarus nnls with ``fit_to_signatures`` (largest relative difference
of an exposure, relative to the R exposure or 1 mutation, whichever is larger), icarus
strict with the strict fit (share of samples with the same kept signatures, largest
exposure difference in mutations), icarus sparse with SigProfilerAssignment (share of
samples with the same kept signatures, mean Jaccard index of the kept sets) and icarus
sigprofiler with SigProfilerAssignment (samples with the same kept signatures, largest
exposure difference in mutations). The goals: strict identical to MutationalPatterns and at
least 10x faster; sigprofiler identical to SigProfilerAssignment (same sets, exposures
within 1 mutation) and at least 50x faster. The sparse comparison is not expected to be
exact: by default SigProfilerAssignment always offers the background SBS1 and SBS5, adds
signatures back (add penalty 0.05) and uses connected signatures, where icarus sparse
follows the removal-only Julia step of Pich et al. 2019; icarus sigprofiler reproduces
all of that.

The references are slow (MutationalPatterns strict: about 0.2 s per sample with 78
signatures), so by default they run on the first 1,000 samples of larger cohorts and their
time is scaled linearly (marked ``*``); agreement is then measured on those samples. For
MutationalPatterns strict that scaling understates the real time: after the per-sample fits
it merges the results with ``purrr::reduce(dplyr::full_join)``, one sample at a time, which
grows with the square of the sample count (use ``--r-max-samples 0`` to time it all).

    python benchmarks/signatures.py [--samples 1000,10000] [--sets 21,78] [--processes 2]
        [--methods nnls,strict,sparse,sigprofiler] [--noise multinomial|poisson]
        [--r-max-samples 1000] [--sigprofiler-max-samples 1000] [--skip-r]
        [--skip-sigprofiler] [--seed 0] [--keep DIR]

The SigProfilerAssignment comparison alone (1,000 simulated samples, all 78 COSMIC v3.2
signatures, Poisson noise):

    python benchmarks/signatures.py --samples 1000 --sets 78 --methods sigprofiler \
        --noise poisson --skip-r
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from measure import work_dir

from icarus_omics.signatures import fitting as signatures

REPO = Path(__file__).resolve().parents[1]
COSMIC = REPO / "resources" / "signatures" / "COSMIC_v3.2_SBS_GRCh37.txt.gz"
SHORTLIST = REPO / "resources" / "signatures" / "breast_shortlist.txt"
ANCHOR = REPO.parent / "shared" / "anchors" / "signatures_fit.R"
MAX_DELTA = 0.004  # MutationalPatterns' default for the strict fit, and the issue's
MAX_COSINE_DROP = 0.01  # SigProfiler's sparsity threshold
METHODS = ("nnls", "strict", "sparse", "sigprofiler")
REFERENCE_NAMES = {
    "nnls": "MP fit_to_signatures",
    "strict": "MP fit_to_signatures_strict",
    "sparse": "SigProfilerAssignment",
    "sigprofiler": "SigProfilerAssignment",
}
SPEED_GOALS = {"strict": 10.0, "sigprofiler": 50.0}  # x faster than the reference
BACKGROUND = ("SBS1", "SBS5")  # SigProfilerAssignment's default background signatures
SPA_CHILD = """
import sys, time
from pathlib import Path
from SigProfilerAssignment import Analyzer
samples, output, database, cpu = sys.argv[1:5]
start = time.perf_counter()
Analyzer.cosmic_fit(samples=samples, output=output, input_type="matrix",
                    signature_database=database, make_plots=False, cpu=int(cpu),
                    export_probabilities=False)
Path(output, "seconds.txt").write_text(str(time.perf_counter() - start))
"""


@dataclass(frozen=True)
class Reference:
    """One reference tool's exposures (samples x signatures) on the first ``samples``
    samples, its fitting seconds there, or why it did not run."""

    exposures: dict[str, pd.DataFrame]  # by icarus method it is compared with
    seconds: dict[str, float]
    samples: int
    error: str = ""


def signature_set(size: int) -> tuple[str, pd.DataFrame]:
    """The 78 COSMIC v3.2 signatures, the 21-signature breast shortlist, or the first
    ``size`` COSMIC columns; with a label saying which."""
    cosmic = pd.read_csv(COSMIC, sep="\t", index_col=0)
    cosmic.index.name = "MutationType"
    if size == cosmic.shape[1]:
        return f"COSMIC v3.2 GRCh37, all {size}", cosmic
    if size == 21 and SHORTLIST.is_file():
        lines = SHORTLIST.read_text().splitlines()
        names = [line.split("#")[0].strip() for line in lines]
        names = [name for name in names if name]
        if len(names) != size:
            raise SystemExit(f"{SHORTLIST} lists {len(names)} signatures, not {size}")
        return "breast shortlist", cosmic[names]
    note = " (no breast_shortlist.txt yet)" if size == 21 else ""
    return f"first {size} COSMIC v3.2 columns{note}", cosmic.iloc[:, :size]


def simulate(profiles: pd.DataFrame, n: int, seed: int, noise: str = "multinomial") -> pd.DataFrame:
    """Channels x samples counts: 2-5 signatures per sample, Dirichlet(1) weights,
    100-10,000 mutations (log-uniform), multinomial or Poisson draws."""
    rng = np.random.default_rng(seed)
    matrix = profiles.to_numpy()
    counts = np.zeros((matrix.shape[0], n), dtype=np.int64)
    for j in range(n):  # one sample at a time: a cohort's prefix is the smaller cohort
        k = int(rng.integers(2, 6))
        chosen = rng.choice(matrix.shape[1], size=min(k, matrix.shape[1]), replace=False)
        weights = rng.dirichlet(np.ones(len(chosen)))
        total = int(np.exp(rng.uniform(np.log(100), np.log(10_000))))
        p = matrix[:, chosen] @ weights
        if noise == "poisson":
            counts[:, j] = rng.poisson(total * p / p.sum())
        else:
            counts[:, j] = rng.multinomial(total, p / p.sum())
    columns = [f"S{j + 1:05d}" for j in range(n)]
    return pd.DataFrame(counts, index=profiles.index, columns=columns)


def icarus_fit(
    method: str, catalogue: pd.DataFrame, profiles: pd.DataFrame, processes: int
) -> tuple[float, pd.DataFrame]:
    """Seconds and exposures (samples x signatures) of one icarus fit."""
    options = signatures.FitOptions(max_delta=MAX_DELTA, max_cosine_drop=MAX_COSINE_DROP)
    start = time.perf_counter()
    result = signatures.fit(method, catalogue, profiles, options, processes)  # type: ignore[arg-type]
    return time.perf_counter() - start, result.exposures


def run_mutationalpatterns(
    catalogue: pd.DataFrame, profiles: pd.DataFrame, work: Path
) -> Reference:
    """fit_to_signatures and fit_to_signatures_strict through the shared R anchor."""
    samples = catalogue.shape[1]
    if shutil.which("Rscript") is None:
        return Reference({}, {}, samples, "Rscript not found (shared/anchors/install_anchors.sh)")
    if not ANCHOR.is_file():
        return Reference({}, {}, samples, f"{ANCHOR} not found")
    work.mkdir(parents=True, exist_ok=True)
    catalogue.rename_axis("Type").to_csv(work / "catalogue.tsv", sep="\t")
    profiles.rename_axis("Type").to_csv(work / "signatures.tsv", sep="\t")
    command = ["Rscript", str(ANCHOR), str(work / "catalogue.tsv"), str(work / "signatures.tsv")]
    command += [f"{work}/", "--max-delta", str(MAX_DELTA), "--method", "backwards"]
    done = subprocess.run(command, capture_output=True, text=True)
    timing = re.search(r"wall_s load=[\d.]+ nnls=([\d.]+) strict=([\d.]+)", done.stdout)
    if done.returncode != 0 or timing is None:
        lines = done.stderr.strip().splitlines() or ["no output"]
        first_error = next((line for line in lines if "Error" in line), lines[-1])
        return Reference({}, {}, samples, f"signatures_fit.R failed: {first_error}")
    exposures = {
        method: pd.read_csv(work / f"contributions_{method}.tsv", sep="\t", index_col=0).T
        for method in ("nnls", "strict")
    }
    seconds = {"nnls": float(timing[1]), "strict": float(timing[2])}
    return Reference(exposures, seconds, samples)


def run_sigprofiler(
    catalogue: pd.DataFrame, profiles: pd.DataFrame, work: Path, processes: int
) -> Reference:
    """SigProfilerAssignment cosmic_fit on a matrix file, in a child process."""
    samples = catalogue.shape[1]
    try:
        import SigProfilerAssignment  # noqa: F401  (only checks that it is installed)
    except ImportError:
        return Reference({}, {}, samples, "not installed: pip install sigprofilerassignment")
    work.mkdir(parents=True, exist_ok=True)
    catalogue.rename_axis("MutationType").to_csv(work / "catalogue.txt", sep="\t")
    profiles.rename_axis("Type").to_csv(work / "signatures.txt", sep="\t")
    output = work / "output"
    command = [sys.executable, "-c", SPA_CHILD, str(work / "catalogue.txt"), str(output)]
    command += [str(work / "signatures.txt"), str(processes)]
    with open(work / "log.txt", "w") as log:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    activities = (
        output / "Assignment_Solution" / "Activities" / "Assignment_Solution_Activities.txt"
    )
    if done.returncode != 0 or not activities.is_file():
        lines = (work / "log.txt").read_text().strip().splitlines() or ["no output"]
        return Reference({}, {}, samples, f"cosmic_fit failed: {lines[-1]}")
    exposures = pd.read_csv(activities, sep="\t", index_col=0)
    exposures = exposures.reindex(index=catalogue.columns, columns=profiles.columns, fill_value=0)
    seconds = float((output / "seconds.txt").read_text())
    both = ("sparse", "sigprofiler")
    return Reference(dict.fromkeys(both, exposures), dict.fromkeys(both, seconds), samples)


def kept_sets(exposures: pd.DataFrame) -> np.ndarray:
    """Samples x signatures: True where the exposure is above zero."""
    return exposures.to_numpy() > 0


def agreement(method: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
    """The comparison the issue asks for, as a short text."""
    theirs = theirs.reindex(index=ours.index, columns=ours.columns)
    a, b = ours.to_numpy(), theirs.to_numpy()
    if method == "nnls":
        relative = np.abs(a - b) / np.maximum(np.abs(b), 1.0)
        return f"max rel diff {relative.max():.1e}"
    mine, other = kept_sets(ours), kept_sets(theirs)
    same = (mine == other).all(axis=1).mean()
    if method == "sigprofiler":
        identical = int((mine == other).all(axis=1).sum())
        return f"same kept {identical}/{len(mine)} ({100 * same:.1f}%), max |diff| {np.abs(a - b).max():.0f}"
    if method == "strict":
        return f"same kept {100 * same:.1f}%, max |diff| {np.abs(a - b).max():.1e}"
    union = (mine | other).sum(axis=1)
    jaccard = np.where(union > 0, (mine & other).sum(axis=1) / np.maximum(union, 1), 1.0)
    # SigProfilerAssignment adds the clock-like SBS1 and SBS5 by default (background
    # signatures): how much of the difference is theirs
    other_signatures = ~ours.columns.isin(BACKGROUND)
    same_other = (mine == other)[:, other_signatures].all(axis=1).mean()
    return (
        f"same kept {100 * same:.1f}% ({100 * same_other:.1f}% ignoring SBS1/SBS5), "
        f"mean Jaccard {jaccard.mean():.3f}"
    )


def run_references(
    catalogue: pd.DataFrame,
    profiles: pd.DataFrame,
    args: argparse.Namespace,
    work: Path,
    cache: dict,
) -> dict[str, Reference]:
    """MutationalPatterns and SigProfilerAssignment on (the first samples of) the cohort,
    by the icarus method each is compared with."""
    n, size = catalogue.shape[1], profiles.shape[1]
    references: dict[str, Reference] = {}
    if not args.skip_r and {"nnls", "strict"} & set(args.methods):
        subset = catalogue.iloc[:, : min(n, args.r_max_samples or n)]
        references["nnls"] = references["strict"] = cached(
            cache,
            ("MutationalPatterns", *profiles.columns),
            subset,
            lambda: run_mutationalpatterns(subset, profiles, work / f"mp_{n}_{size}"),
        )
    if not args.skip_sigprofiler and {"sparse", "sigprofiler"} & set(args.methods):
        subset = catalogue.iloc[:, : min(n, args.sigprofiler_max_samples or n)]
        references["sparse"] = references["sigprofiler"] = cached(
            cache,
            ("SigProfilerAssignment", *profiles.columns),
            subset,
            lambda: run_sigprofiler(subset, profiles, work / f"spa_{n}_{size}", args.processes),
        )
    return references


def cached(
    cache: dict[tuple[str, ...], tuple[pd.DataFrame, Reference]],
    key: tuple[str, ...],
    subset: pd.DataFrame,
    run: Callable[[], Reference],
) -> Reference:
    """Run a reference once per input (``key``: tool and signature names): capped at N
    samples, a larger cohort's run is the N-sample cohort's (the simulation draws one sample
    at a time)."""
    tool = key[0]
    if key in cache and cache[key][0].equals(subset):
        print(f"  {tool}: first {subset.shape[1]:,} samples, result reused", flush=True)
        return cache[key][1]
    start = time.perf_counter()
    reference = run()
    cache[key] = (subset, reference)
    elapsed = time.perf_counter() - start
    print(f"  {tool}: {subset.shape[1]:,} samples, {elapsed:.0f} s wall", flush=True)
    return reference


def table_row(
    method: str,
    catalogue: pd.DataFrame,
    profiles: pd.DataFrame,
    fit: tuple[float, pd.DataFrame],
    reference: Reference | None,
) -> list[str]:
    """samples, signatures, method, icarus s, reference, its s, speed-up, agreement."""
    n, (seconds, exposures) = catalogue.shape[1], fit
    row = [f"{n:,}", str(profiles.shape[1]), method, f"{seconds:.2f}", REFERENCE_NAMES[method]]
    if reference is None or reference.error:
        return [*row, "-", "-", "not run"]
    m = reference.samples
    scaled = reference.seconds[method] * n / m
    ours = exposures.iloc[:m]
    if method == "strict" and m < n:
        # the strict fit sets aside signatures unused across the whole cohort, so the
        # answers are compared on the very cohort the reference was given
        ours = icarus_fit(method, catalogue.iloc[:, :m], profiles, 1)[1]
    found = agreement(method, ours, reference.exposures[method])
    found += f" (first {m:,})" if m < n else ""
    mark = "*" if m < n else ""
    speed = f"{scaled / seconds:.1f}x" if seconds > 0 else "-"
    return [*row, f"{scaled:.2f}{mark}", speed, found]


def benchmark_one(
    n: int, size: int, args: argparse.Namespace, work: Path, cache: dict, notes: list[str]
) -> list[list[str]]:
    """Table rows for one cohort size and signature set."""
    label, profiles = signature_set(size)
    catalogue = simulate(profiles, n, args.seed, args.noise)
    print(
        f"# {n:,} samples x {size} signatures ({label}), {args.noise} noise, seed {args.seed}",
        flush=True,
    )
    methods = args.methods
    fits = {method: icarus_fit(method, catalogue, profiles, args.processes) for method in methods}
    print("  icarus: " + ", ".join(f"{m} {s:.2f} s" for m, (s, _) in fits.items()), flush=True)
    references = run_references(catalogue, profiles, args, work, cache)
    for method in methods:
        reference = references.get(method)
        if reference is not None and reference.error:
            notes.append(f"{REFERENCE_NAMES[method]}, {n:,} x {size}: {reference.error}")
    return [
        table_row(method, catalogue, profiles, fits[method], references.get(method))
        for method in methods
    ]


def print_table(rows: list[list[str]]) -> None:
    header = ["samples", "sigs", "method", "icarus s", "reference", "ref s", "speed-up"]
    header.append("agreement")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [
            c.rjust(w) if i in (0, 1, 3, 5, 6) else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def print_goal(rows: list[list[str]]) -> None:
    """The issues' goals: strict against MutationalPatterns strict, sigprofiler against
    SigProfilerAssignment (same kept sets everywhere, exposures within 1 mutation)."""
    for row in rows:
        method = row[2]
        if method not in SPEED_GOALS or row[6] == "-":
            continue
        speed, goal = float(row[6].rstrip("x")), SPEED_GOALS[method]
        identical = "(100.0%)" in row[7] if method == "sigprofiler" else "100.0%" in row[7]
        close = method != "sigprofiler" or float(row[7].split("max |diff| ")[1].split()[0]) <= 1
        verdict = "met" if speed >= goal and identical and close else "NOT met"
        print(f"goal {method} (identical, >= {goal:.0f}x {row[4]}), {row[0]} x {row[1]}: {verdict}")


def versions() -> str:
    found = []
    with contextlib.suppress(PackageNotFoundError):
        found.append(f"SigProfilerAssignment {version('SigProfilerAssignment')}")
    if shutil.which("Rscript"):
        done = subprocess.run(
            ["Rscript", "-e", 'cat(format(packageVersion("MutationalPatterns")))'],
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            found.append(f"MutationalPatterns {done.stdout.strip()}")
    return ", ".join(found) or "no reference tool found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="1000,10000", help="cohort sizes, comma-separated")
    parser.add_argument("--sets", default="21,78", help="signature set sizes, comma-separated")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--methods", default=",".join(METHODS), help="icarus methods, comma-separated"
    )
    parser.add_argument("--noise", choices=("multinomial", "poisson"), default="multinomial")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-sigprofiler", action="store_true")
    parser.add_argument("--r-max-samples", type=int, default=1000, help="0: all samples")
    parser.add_argument("--sigprofiler-max-samples", type=int, default=1000, help="0: all")
    parser.add_argument("--keep", type=Path, help="keep the reference tools' files here")
    args = parser.parse_args()
    args.methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method(s) {', '.join(unknown)}; use {', '.join(METHODS)}")
    work = work_dir(args.keep, "signatures")
    print(
        f"# signature fitting benchmark: {os.cpu_count()} cores, icarus --processes "
        f"{args.processes}; {versions()}; load average {os.getloadavg()[0]:.1f} "
        "(timings need an otherwise idle machine)",
        flush=True,
    )
    rows: list[list[str]] = []
    notes: list[str] = []
    cache: dict = {}
    start = time.perf_counter()
    for n in (int(s) for s in args.samples.split(",")):
        for size in (int(s) for s in args.sets.split(",")):
            rows.extend(benchmark_one(n, size, args, work, cache, notes))
    print()
    print_table(rows)
    print()
    print_goal(rows)
    print(
        "speed-up = reference s / icarus s. MP = MutationalPatterns, timed by its own clock "
        "around each fit call (no R start-up, loading or file I/O), one core. "
        "SigProfilerAssignment: wall time of cosmic_fit, file I/O included. "
        "* reference timed on the first N samples (see agreement) and scaled linearly: a "
        "lower bound for MP strict, which joins its per-sample results one by one "
        "(purrr::reduce(dplyr::full_join)), a cost that grows with the square of the samples."
    )
    print(
        "agreement: nnls, largest |icarus - R| / max(R, 1) over all exposures; strict, share "
        "of samples with the same kept signatures (exposure > 0) and largest exposure "
        "difference in mutations; sparse, the same share (SigProfilerAssignment reports "
        "whole mutations), also ignoring its default background SBS1/SBS5, and the mean "
        "Jaccard index of the kept sets; sigprofiler, samples with the same kept "
        "signatures and the largest exposure difference (both report whole mutations)."
    )
    for note in notes:
        print(f"note: {note}")
    print(f"total {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.1f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
