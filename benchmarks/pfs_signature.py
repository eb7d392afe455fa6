"""Benchmark ``icarus-omics pfs-signature`` against the R adaptive-lasso Cox anchor.

Simulates an expression study (``np.random.default_rng(seed)``): 20,000 genes x 60 samples
of standard normal expression; survival times from an exponential model whose log hazard is
driven by 5 planted genes (coefficients 1.0, -0.8, 0.7, -0.6, 0.5) and independent
exponential censoring calibrated to censor ~35% of samples. Times are rounded to 4 decimals
and then made distinct (no ties at all, so none between censored and event times, where Cox
implementations may break ties differently). Writes both layouts: genes x samples (first
column ``gene``) for icarus, samples x genes (first column ``sample``) for R.

Then times (wall and peak resident memory of the largest process of the child tree, via GNU
time in measure.py; our command forks worker processes, each measured on its own):

* ``icarus-omics pfs-signature expression.tsv survival.tsv -o out --repeats N --folds 5
  --threads T``, all N repeats;
* ``../shared/anchors/adaptive_lasso_cox.R`` (glmnet; biospear ``alassoR`` mode) with
  ``--foldids`` set to the first ``--r-repeats`` rows of our ``folds.tsv``, so both fit the
  same folds. R takes minutes per repeat at 20,000 genes, so it runs only a few repeats;
  its per-repeat time is its own fit clock (no R start-up, loading or file reading) and is
  projected linearly to all N repeats.

Compares, repeat by repeat, the genes each selects (``per_repeat.tsv``, column
``selected``) and lists the repeats that differ with the symmetric difference.

Our seconds per repeat are the command's whole wall time over the repeats, so they include
its fixed costs (Python start-up, reading, univariate Cox, the refit and the figures): with
few repeats (the quick check below) those dominate; with the default 100 they do not.

    python benchmarks/pfs_signature.py [--genes 20000] [--samples 60] [--repeats 100]
        [--r-repeats 3] [--threads 2] [--seed 7] [--skip-r] [--keep DIR]

A quick check (a few minutes; ``--genes 500 --repeats 6 --r-repeats 2`` takes about half a
minute):

    python benchmarks/pfs_signature.py --genes 2000 --repeats 10 --r-repeats 3
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from measure import icarus_version, measure, run_child, work_dir

REPO = Path(__file__).resolve().parents[1]
ANCHOR = REPO.parent / "shared" / "anchors" / "adaptive_lasso_cox.R"
PLANTED_COEFS = (1.0, -0.8, 0.7, -0.6, 0.5)
CENSORED_SHARE = 0.35
BASELINE_HAZARD = 1 / 24  # per month: median survival ~ 17 months at a linear predictor of 0
FOLDS = 5
TICK = 1e-4  # times are rounded to 4 decimals


@dataclass(frozen=True)
class RRun:
    """The anchor's selections, its timings (seconds) and peak memory (MiB)."""

    per_repeat: pd.DataFrame
    wall: float
    fit: float
    peak: int
    header: str  # its first output line: glmnet and survival versions, data sizes
    warnings: str  # its glmnet warnings line, if any


def distinct_ticks(times: np.ndarray) -> np.ndarray:
    """``times`` rounded to 4 decimals, nudged up by whole ticks where needed so that no two
    are equal (the order is kept) and all are positive."""
    ticks = np.maximum(np.rint(times / TICK).astype(np.int64), 1)
    order = np.argsort(ticks, kind="stable")
    rank = np.arange(len(ticks))
    unique = np.empty_like(ticks)
    # smallest strictly increasing sequence >= the sorted ticks: rank + cummax(tick - rank)
    unique[order] = rank + np.maximum.accumulate(ticks[order] - rank)
    return np.round(unique * TICK, 4)


def censoring_rate(hazards: np.ndarray, share: float) -> float:
    """The exponential censoring rate c with mean(c / (c + h)) = ``share`` (bisection)."""
    low, high = 1e-12, 1e6
    for _ in range(200):
        middle = np.sqrt(low * high)
        if np.mean(middle / (middle + hazards)) < share:
            low = middle
        else:
            high = middle
    return float(np.sqrt(low * high))


def simulate(n_genes: int, n_samples: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expression (genes x samples) and survival (sample, time, event); the planted genes
    are listed in the survival table's ``attrs['planted']``."""
    rng = np.random.default_rng(seed)
    genes = [f"GENE{i:05d}" for i in range(1, n_genes + 1)]
    samples = [f"S{j:03d}" for j in range(1, n_samples + 1)]
    x = rng.standard_normal((n_genes, n_samples))
    planted = np.sort(rng.choice(n_genes, size=min(len(PLANTED_COEFS), n_genes), replace=False))
    linear = np.asarray(PLANTED_COEFS[: len(planted)]) @ x[planted]
    hazards = BASELINE_HAZARD * np.exp(linear)
    event_time = rng.exponential(1 / hazards)
    censor_time = rng.exponential(1 / censoring_rate(hazards, CENSORED_SHARE), n_samples)
    event = (event_time <= censor_time).astype(int)
    survival = pd.DataFrame({
        "sample": samples,
        "time": distinct_ticks(np.minimum(event_time, censor_time)),
        "event": event,
    })  # fmt: skip
    survival.attrs["planted"] = [genes[i] for i in planted]
    expression = pd.DataFrame(x, index=pd.Index(genes, name="gene"), columns=samples)
    return expression, survival


def icarus(*args: object) -> list[str]:
    return [sys.executable, "-m", "icarus_omics", *map(str, args)]


def run_r(work: Path, expression: pd.DataFrame, survival: pd.DataFrame, folds: Path) -> RRun:
    """The anchor on the same data and the first rows of our folds."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise SystemExit("Rscript not found (../shared/anchors/install_anchors.sh); or --skip-r")
    if not ANCHOR.is_file():
        raise SystemExit(f"{ANCHOR} not found; or --skip-r")
    folder = work / "r"
    folder.mkdir(exist_ok=True)
    expression.T.rename_axis("sample").to_csv(folder / "expression.tsv", sep="\t")
    survival.to_csv(folder / "survival.tsv", sep="\t", index=False)
    command = [rscript, str(ANCHOR), str(folder / "expression.tsv"), str(folder / "survival.tsv")]
    command += [f"{folder}/", "--foldids", str(folds), "--nfolds", str(FOLDS)]
    measured = measure(command, folder / "log.txt")
    wall, peak = measured.wall, measured.peak
    log = (folder / "log.txt").read_text()
    lines = log.splitlines()
    timing = re.search(r"wall_s load=\S+ fit=([\d.]+)", log)
    if timing is None:
        raise SystemExit(f"no timing line in {folder / 'log.txt'}")
    warnings = next((line for line in lines if "glmnet warnings" in line), "")
    per_repeat = pd.read_csv(folder / "per_repeat.tsv", sep="\t")
    return RRun(per_repeat, wall, float(timing[1]), peak, lines[0] if lines else "", warnings)


def selections(per_repeat: pd.DataFrame) -> dict[int, frozenset[str]]:
    """Genes selected in each repeat (``per_repeat.tsv``: columns repeat, selected)."""
    chosen = per_repeat["selected"].fillna("").astype(str)
    return {
        int(r): frozenset(g for g in s.split(",") if g)
        for r, s in zip(per_repeat["repeat"], chosen, strict=True)
    }


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[str, list[str]]:
    """A summary of the repeat-by-repeat agreement and one line per differing repeat."""
    mine, other = selections(ours), selections(theirs)
    common = sorted(set(mine) & set(other))
    differing = [r for r in common if mine[r] != other[r]]
    lines = []
    for r in differing:
        only_ours = ",".join(sorted(mine[r] - other[r])) or "-"
        only_r = ",".join(sorted(other[r] - mine[r])) or "-"
        lines.append(
            f"  repeat {r}: {len(mine[r])} vs {len(other[r])} genes; only icarus: {only_ours}; "
            f"only R: {only_r}"
        )
    icarus_lambda = ours.set_index("repeat").loc[common, "lambda_alasso"].to_numpy(dtype=float)
    ref = theirs.set_index("repeat").loc[common, "lambda_alasso"].to_numpy(dtype=float)
    relative = np.abs(icarus_lambda - ref) / np.maximum(np.abs(ref), 1e-300)
    lambda_note = (
        f", lambda_alasso max rel diff {relative.max():.1e} (as the files print it)"
        if common
        else ""
    )
    summary = f"{len(common) - len(differing)}/{len(common)} repeats agree{lambda_note}"
    return summary, lines


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    width = max(len(row[0]) for row in rows) + 2
    print(f"{'':{width}}{'icarus':>14}{'R glmnet':>14}{'R / icarus':>12}".rstrip())
    for label, ours, theirs, ratio in rows:
        print(f"{label:{width}}{ours:>14}{theirs:>14}{ratio:>12}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=100, help="icarus repeats")
    parser.add_argument("--r-repeats", type=int, default=3, help="R runs the first N repeats")
    parser.add_argument("--threads", type=int, default=2, help="icarus worker processes")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulation")
    parser.add_argument("--skip-r", action="store_true", help="do not run the R anchor")
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    if not args.skip_r and shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found (../shared/anchors/install_anchors.sh); or --skip-r")
    r_repeats = min(args.r_repeats, args.repeats)
    work = work_dir(args.keep, "pfs-signature")
    r_note = "skipped" if args.skip_r else r_repeats
    print(
        f"# pfs-signature benchmark: {os.cpu_count()} cores, {args.genes:,} genes x "
        f"{args.samples} samples, {args.repeats} repeats (R: {r_note}), {FOLDS} folds; "
        f"icarus-omics {icarus_version()}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    expression, survival = simulate(args.genes, args.samples, args.seed)
    expression.to_csv(work / "expression.tsv", sep="\t")
    survival.to_csv(work / "survival.tsv", sep="\t", index=False)
    planted = survival.attrs["planted"]
    effects = ", ".join(f"{g} ({c:+.1f})" for g, c in zip(planted, PLANTED_COEFS, strict=False))
    print(
        f"simulated: {int(survival.event.sum())} events, {1 - survival.event.mean():.0%} "
        f"censored, planted {effects}",
        flush=True,
    )

    out = work / "out"
    wall, peak = run_child(
        icarus("pfs-signature", work / "expression.tsv", work / "survival.tsv", "-o", out,
               "--repeats", args.repeats, "--folds", FOLDS, "--threads", args.threads, "-q")
    )  # fmt: skip
    ours = pd.read_csv(out / "per_repeat.tsv", sep="\t")
    per_ours = wall / args.repeats
    print(f"icarus: {wall:.1f} s for {args.repeats} repeats, peak {peak:,} MiB", flush=True)
    signature = pd.read_csv(out / "signature.tsv", sep="\t")
    gene_column = signature.columns[0]
    found = sorted(set(signature[gene_column].astype(str)) & set(planted))
    print(
        f"icarus signature: {len(signature)} genes, {len(found)}/{len(planted)} planted "
        f"({', '.join(found) or 'none'})"
    )

    rows = [
        (f"s per repeat (icarus --threads {args.threads})", f"{per_ours:.2f}", "", ""),
        (f"wall s, {args.repeats} repeats", f"{wall:.1f}", "", ""),
        ("peak MiB (largest process)", f"{peak:,}", "", ""),
    ]
    if args.skip_r:
        print_table(rows)
    else:
        folds = pd.read_csv(out / "folds.tsv", sep="\t")
        trimmed = work / "folds_r.tsv"
        folds.iloc[:r_repeats].to_csv(trimmed, sep="\t", index=False)
        print(f"R anchor: {r_repeats} repeats on the same folds ...", flush=True)
        r = run_r(work, expression, survival, trimmed)
        per_r = r.fit / r_repeats
        rows = [
            (
                f"s per repeat (icarus --threads {args.threads}; R fit)",
                f"{per_ours:.2f}",
                f"{per_r:.2f}",
                f"{per_r / per_ours:.1f}",
            ),
            (
                f"wall s (icarus {args.repeats}, R {r_repeats} repeats)",
                f"{wall:.1f}",
                f"{r.wall:.1f}",
                "",
            ),
            (
                f"s for {args.repeats} repeats (R projected)",
                f"{wall:.1f}",
                f"{per_r * args.repeats:.0f}",
                f"{per_r * args.repeats / wall:.1f}",
            ),
            ("peak MiB (largest process)", f"{peak:,}", f"{r.peak:,}", f"{r.peak / peak:.2f}"),
        ]
        print()
        print_table(rows)
        summary, differing = compare(ours.iloc[:r_repeats], r.per_repeat)
        print(f"selection, same folds, first {r_repeats} repeats: {summary}")
        for line in differing:
            print(line)
        print(f"R: {r.header.removeprefix('[adaptive_lasso_cox.R] ')}")
        if r.warnings:
            print(f"R: {r.warnings.removeprefix('[adaptive_lasso_cox.R] ')}")
        print(
            "s per repeat: icarus wall time (start-up, reading, univariate Cox, refit and "
            "figures included) / repeats; R: its fit clock / repeats, R start-up, loading "
            "and reading left out, one core. R wall s is the whole Rscript run."
        )
    n_warned = int((ours["n_warnings"] > 0).sum()) if "n_warnings" in ours else 0
    if n_warned:
        print(f"icarus: convergence warnings in {n_warned}/{len(ours)} repeats")
    print(f"load average {os.getloadavg()[0]:.1f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
