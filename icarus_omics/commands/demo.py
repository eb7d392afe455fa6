"""``demo``: generate the bundled example cohort and run every step on it."""

from __future__ import annotations

from pathlib import Path

from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_tsv, write_tsv
from icarus_omics.io.wes_run import WesOptions, run_wes
from icarus_omics.somatic.rules import Thresholds

SUMMARY_COLUMNS = ("sample", "response", "records", "calls", "passed", "nonsynonymous")


def demo(outdir: OutDir = Path("icarus-demo"), quiet: Quiet = False) -> None:
    """Generate the example cohort and run every step on it.

    Writes the cohort's input files to OUTDIR/example (reference FASTA, Mutect2 VCFs
    with VEP annotation, FACETS segments, sample sheet) and each step's outputs to its own
    subfolder: wes/ (per-sample wes-annotate outputs, cohort.maf, cohort_summary.tsv),
    cna/ (gene copy-number categories), alterations/ (matrix, frequencies, oncoplot),
    signatures/ (catalogues, COSMIC exposures, association with response), rna/ (paired DE
    overall, in responders, in non-responders, the response x treatment interaction, and
    on-treatment samples by drug target) and gsea/ (each paired result on the example gene
    sets, and on Hallmark when it is installed).
    """
    import pandas as pd

    from icarus_omics.commands import alterations as alterations_command
    from icarus_omics.commands import cna as cna_command
    from icarus_omics.commands import signatures as signatures_command
    from icarus_omics.example.cohort import build_example_cohort
    from icarus_omics.example.copy_number import DEMO_MAX_FOCAL_MB
    from icarus_omics.io.cohort import REFERENCE, write_example_cohort

    example = outdir / "example"
    sheet = write_example_cohort(build_example_cohort(), example)
    samples = read_tsv(sheet, ["tumor_sample", "normal_sample", "vcf", "response"], "sample sheet")
    wes = outdir / "wes"
    rows, mafs = [], []
    for tumor, normal, vcf, response in (
        samples[["tumor_sample", "normal_sample", "vcf", "response"]]
        .astype(str)
        .itertuples(index=False)
    ):
        options = WesOptions(
            Thresholds(),
            tumor=tumor,
            normal=normal or None,
            fasta=example / REFERENCE,
            annotate=True,
        )
        summary = run_wes(example / vcf, wes, options)
        maf = read_tsv(wes / f"{summary.sample}.maf", what="MAF")
        mafs.append(maf)
        nonsynonymous = int((maf["nonsynonymous"] == "true").sum())
        rows.append((summary.sample, response, summary.records, summary.calls,
                     summary.passed, nonsynonymous))  # fmt: skip
    with staged_outputs(wes) as stage:
        write_tsv(pd.concat(mafs, ignore_index=True), stage.path("cohort.maf"))
        write_tsv(
            pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)), stage.path("cohort_summary.tsv")
        )
    tumors = list(samples["tumor_sample"].astype(str))
    cna_command.cna(
        [example / "cna" / f"{t}.cncf.txt" for t in tumors],
        example / "genes.tsv",
        outdir / "cna",
        fit=[example / "cna" / "fits.tsv"],
        max_focal_mb=DEMO_MAX_FOCAL_MB,  # the example genome's contigs are 120 kb long
        quiet=True,
    )
    alterations_command.alterations(
        sheet,
        outdir / "alterations",
        mutations=[wes / f"{t}.mutations.tsv" for t in tumors],
        cna=[outdir / "cna" / f"{t}.cna_genes.tsv" for t in tumors],
        genes=example / "panel.txt",
        quiet=True,
    )
    signatures_command.signatures(
        [wes / f"{t}.filtered.vcf.gz" for t in tumors],
        outdir / "signatures",
        fasta=example / REFERENCE,
        exome=True,  # the study's data are exomes
        samples=sheet,
        threads=1,
        quiet=True,
    )
    from icarus_omics.commands.demo_rna import run_rna_demo

    comparisons = run_rna_demo(samples, example, outdir)
    passed = sum(r[4] for r in rows)
    say(
        f"demo: {len(rows)} tumours, {passed:,} passing calls, {len(comparisons)} RNA-seq "
        f"comparisons with GSEA; outputs in {outdir}",
        quiet,
    )
