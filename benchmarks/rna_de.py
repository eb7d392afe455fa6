"""Benchmark ``icarus-omics rna-de`` against R DESeq2, and ``icarus-omics gsea`` after it.

Simulates a GENCODE-sized paired RNA-seq study: 60,000 genes x 22 patients x 2 timepoints
(BL, onT). Gene means are log-normal with ~40% of genes near zero (as for the many
lowly expressed GENCODE genes); each patient shifts each gene (shared by both timepoints),
size factors vary and counts are negative binomial with dispersion 0.08 + 1/mean.
~5% of genes change at onT: the Hallmark interferon-gamma genes go up, the rest are
random genes with |log2 fold change| 0.5-2. Genes are named with every gene symbol of the
Hallmark GMT first, then synthetic names, so that the gene sets overlap the ranking.

Then times (wall and peak resident memory of the child, via GNU time in measure.run_child):

* ``icarus-omics rna-de counts.tsv samples.tsv -o out --threads 2`` (paired, default
  design ``~ patient + timepoint`` and filter);
* R DESeq2 (``benchmarks/deseq2_reference.R --design paired``) on exactly the genes
  rna-de tested (its de_results.tsv) and the same samples; their results are compared
  (Pearson r of log2FoldChange and of -log10 padj, Jaccard of the padj < 0.05 sets);
* ``icarus-omics gsea out/de_results.tsv --genesets h.all.v7.0.symbols.gmt
  --permutations 10000 --seed 0 --threads 2`` against the 30 s goal.

    python benchmarks/rna_de.py [--genes 60000] [--pairs 22] [--skip-r] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from measure import run_child, work_dir

from icarus_omics.expression.pipeline import agreement
from icarus_omics.io.gmt import read_gmt

HERE = Path(__file__).resolve().parent
R_SCRIPT = HERE / "deseq2_reference.R"
HALLMARK = Path("/work/shared/data/06_gene_sets/gseapy_repo/h.all.v7.0.symbols.gmt")
PLANTED_SET = "HALLMARK_INTERFERON_GAMMA_RESPONSE"
GSEA_GOAL_S = 30.0
ALPHA = 0.05
SEED = 11


def gene_names(n: int, gene_sets: dict[str, tuple[str, ...]]) -> list[str]:
    """Every symbol of the gene sets (first-seen order), then GENE00001, ... up to ``n``."""
    symbols = list(dict.fromkeys(g for genes in gene_sets.values() for g in genes))[:n]
    return symbols + [f"GENE{i:05d}" for i in range(1, n - len(symbols) + 1)]


def simulate(
    n_genes: int, n_pairs: int, gene_sets: dict[str, tuple[str, ...]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Counts (genes x samples), the sheet and the planted log2 fold change per gene."""
    rng = np.random.default_rng(SEED)
    genes = pd.Index(gene_names(n_genes, gene_sets), name="gene")
    is_low = rng.random(n_genes) < 0.4
    log_mean = np.where(
        is_low, rng.normal(np.log(0.2), 0.8, n_genes), rng.normal(np.log(150), 1.7, n_genes)
    )
    lfc = np.zeros(n_genes)
    in_set = np.flatnonzero(genes.isin(gene_sets.get(PLANTED_SET, ())))
    lfc[in_set] = rng.uniform(0.7, 1.5, len(in_set))
    n_others = max(int(0.05 * n_genes) - len(in_set), 0)
    others = rng.choice(np.flatnonzero(lfc == 0), n_others, replace=False)
    lfc[others] = rng.uniform(0.5, 2, n_others) * rng.choice([-1, 1], n_others)
    patient = rng.normal(0, 0.4, (n_genes, n_pairs))
    on_treatment = np.tile([0, 1], n_pairs)
    mu = np.exp(log_mean[:, None] + np.repeat(patient, 2, axis=1))
    mu *= 2.0 ** (lfc[:, None] * on_treatment[None, :])
    mu *= rng.uniform(0.6, 1.6, 2 * n_pairs)[None, :]
    dispersion = 0.08 + 1 / mu
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion))
    patients = [f"P{p + 1:02d}" for p in range(n_pairs)]
    sheet = pd.DataFrame(
        {
            "sample": [f"{p}_{t}" for p in patients for t in ("BL", "onT")],
            "patient": np.repeat(patients, 2),
            "timepoint": ["BL", "onT"] * n_pairs,
        }
    )
    table = pd.DataFrame(counts, index=genes, columns=list(sheet["sample"]))
    return table, sheet, pd.Series(lfc, index=genes)


def known_answer(table: pd.DataFrame, lfc: pd.Series) -> str:
    """Sensitivity (planted |log2FC| >= 1, tested genes) and false-discovery proportion."""
    called = table.padj.fillna(1) < ALPHA
    truth = lfc.reindex(table.index)
    strong = truth.abs() >= 1
    false = called & (truth == 0)
    return (
        f"{int(called.sum()):,} called at padj < {ALPHA}; sensitivity "
        f"{called[strong].mean():.3f} on {int(strong.sum()):,} tested planted |log2FC| >= 1; "
        f"FDP {false.sum() / max(int(called.sum()), 1):.3f}"
    )


def icarus(*args: object) -> list[str]:
    return [sys.executable, "-m", "icarus_omics", *map(str, args)]


def has_command(name: str) -> bool:
    """Whether ``icarus-omics NAME`` is registered (its --help succeeds)."""
    done = subprocess.run(icarus(name, "--help"), capture_output=True)
    return done.returncode == 0


def run_r(
    work: Path, ours: pd.DataFrame, counts: pd.DataFrame, sheet: pd.DataFrame, samples: list[str]
) -> tuple[float, int, pd.DataFrame]:
    """R DESeq2 on the genes and samples rna-de tested: wall s, peak MiB, its results."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise SystemExit("Rscript not found; use --skip-r")
    folder = work / "r"
    folder.mkdir(exist_ok=True)
    counts.loc[ours.index, samples].to_csv(folder / "counts.tsv", sep="\t")
    sheet.set_index("sample").loc[samples].reset_index().to_csv(
        folder / "samples.tsv", sep="\t", index=False
    )
    command = [rscript, str(R_SCRIPT), str(folder / "counts.tsv"), str(folder / "samples.tsv")]
    command += [str(folder / "r.tsv"), "--design", "paired", "--alpha", str(ALPHA)]
    elapsed, peak = run_child(command)
    return elapsed, peak, pd.read_csv(folder / "r.tsv", sep="\t", index_col="gene")


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    print(f"{'':28}{'icarus rna-de':>16}{'R DESeq2':>14}{'R / icarus':>12}")
    for label, ours, theirs, ratio in rows:
        print(f"{label:28}{ours:>16}{theirs:>14}{ratio:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=60_000)
    parser.add_argument("--pairs", type=int, default=22)
    parser.add_argument("--skip-r", action="store_true", help="do not run R DESeq2")
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    work = work_dir(args.keep, "rna-de")
    print(
        f"# rna-de benchmark: {os.cpu_count()} cores, {args.genes:,} genes x "
        f"{2 * args.pairs} samples ({args.pairs} BL/onT pairs)"
    )
    gene_sets = read_gmt(HALLMARK) if HALLMARK.exists() else {}
    start = time.perf_counter()
    counts, sheet, lfc = simulate(args.genes, args.pairs, gene_sets)
    counts.to_csv(work / "counts.tsv", sep="\t")
    sheet.to_csv(work / "samples.tsv", sep="\t", index=False)
    print(
        f"simulated in {time.perf_counter() - start:.1f} s: {(counts.mean(axis=1) < 1).mean():.0%} "
        f"of genes with mean count < 1, {(lfc != 0).sum():,} planted changes "
        f"({(lfc[lfc.index.isin(gene_sets.get(PLANTED_SET, ()))] != 0).sum()} in {PLANTED_SET})"
    )

    out = work / "out"
    wall, peak = run_child(
        icarus("rna-de", work / "counts.tsv", work / "samples.tsv", "-o", out, "--threads", 2)
    )
    ours = pd.read_csv(out / "de_results.tsv", sep="\t", index_col="gene")
    summary = json.loads((out / "de_summary.json").read_text())
    samples = list(summary["size_factors"])
    rows = [
        ("genes in", f"{len(counts):,}", "", ""),
        ("genes tested (rows)", f"{len(ours):,}", "", ""),
        ("genes with padj", f"{int(ours.padj.notna().sum()):,}", "", ""),
        (f"padj < {ALPHA}", f"{int((ours.padj < ALPHA).sum()):,}", "", ""),
        ("wall s", f"{wall:.1f}", "", ""),
        ("peak MiB", f"{peak:,}", "", ""),
    ]
    figures = None
    if not args.skip_r:
        r_wall, r_peak, theirs = run_r(work, ours, counts, sheet, samples)
        rows = [
            ("genes in", f"{len(counts):,}", f"{len(ours):,}", ""),
            ("genes tested (rows)", f"{len(ours):,}", f"{len(theirs):,}", ""),
            ("genes with padj", rows[2][1], f"{int(theirs.padj.notna().sum()):,}", ""),
            (f"padj < {ALPHA}", rows[3][1], f"{int((theirs.padj < ALPHA).sum()):,}", ""),
            ("wall s", f"{wall:.1f}", f"{r_wall:.1f}", f"{r_wall / wall:.2f}"),
            ("peak MiB", f"{peak:,}", f"{r_peak:,}", f"{r_peak / peak:.2f}"),
        ]
        figures = agreement(ours, theirs, ALPHA)
    print_table(rows)
    if figures is not None:
        print(
            f"agreement with R: r(log2FC) {figures['r_lfc']:.7f} "
            f"(max |diff| {figures['max_lfc_diff']:.2g}), r(-log10 padj) "
            f"{figures['r_log_padj']:.7f}, Jaccard(padj < {ALPHA}) {figures['jaccard']:.4f}, "
            f"same padj NA {figures['same_na']:.4f}"
        )
    print(f"known answer (rna-de): {known_answer(ours, lfc)}")

    if not HALLMARK.exists():
        print(f"gsea: not timed, {HALLMARK} not found")
    elif not has_command("gsea"):
        print("gsea: not timed, the gsea command is not registered in icarus-omics yet")
    else:
        gsea_out = work / "gsea_out"
        gsea_wall, gsea_peak = run_child(
            icarus("gsea", out / "de_results.tsv", "--genesets", HALLMARK, "--permutations",
                   10_000, "--seed", 0, "-o", gsea_out, "--threads", 2)
        )  # fmt: skip
        results = pd.read_csv(gsea_out / "gsea_results.tsv", sep="\t")
        results["abs_nes"] = results.nes.abs()
        top = results.sort_values(["padj", "abs_nes"], ascending=[True, False]).head(3)
        verdict = "meets" if gsea_wall <= GSEA_GOAL_S else "misses"
        print(
            f"gsea (Hallmark, 10,000 permutations, --threads 2): {gsea_wall:.1f} s, peak "
            f"{gsea_peak:,} MiB, {verdict} the {GSEA_GOAL_S:.0f} s goal; {len(results)} sets, "
            f"{int((results.padj < ALPHA).sum())} at padj < {ALPHA}; top: "
            + ", ".join(f"{t.term} (NES {t.nes:.2f})" for t in top.itertuples())
        )
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
