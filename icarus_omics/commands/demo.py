"""``demo``: generate the bundled example cohort and run every step on it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_tsv, write_tsv
from icarus_omics.io.wes_run import WesOptions, run_wes
from icarus_omics.somatic.rules import Thresholds

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_COLUMNS = ("sample", "response", "records", "calls", "passed", "nonsynonymous")


def demo(outdir: OutDir = Path("icarus-demo"), quiet: Quiet = False) -> None:
    """Generate the example cohort and run every step on it.

    Writes the cohort's input files to OUTDIR/example (reference FASTA, Mutect2 VCFs
    with VEP annotation, FACETS segments, sample sheet) and each step's outputs to its own
    subfolder: wes/ (per-sample wes-annotate outputs, cohort.maf, cohort_summary.tsv),
    cna/ (gene copy-number categories), alterations/ (matrix, frequencies, oncoplot),
    signatures/ (catalogues, COSMIC exposures, association with response), rna/ (paired DE
    overall, in responders, in non-responders, the response x treatment interaction, and
    on-treatment samples by drug target), gsea/ (each paired result on the example gene
    sets, and on Hallmark when it is installed), pam50/ (baseline subtypes, when the PAM50
    reference data are installed; otherwise the install commands are printed), pfs/
    (the adaptive-lasso PFS signature on 50 baseline tumours) and clinical/ (the trial's
    endpoints, and HER3, ESR1 and the signature's risk group against outcome).
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
    subtyped = _run_pam50(samples, example, outdir, quiet)
    signature = _run_pfs_signature(example, outdir)
    _run_clinical(samples, example, outdir)
    passed = sum(r[4] for r in rows)
    say(
        f"demo: {len(rows)} tumours, {passed:,} passing calls, {len(comparisons)} RNA-seq "
        f"comparisons with GSEA{subtyped}, a {signature}-gene PFS signature, the trial's "
        f"endpoints; outputs in {outdir}",
        quiet,
    )


def _run_clinical(samples: pd.DataFrame, example: Path, outdir: Path) -> None:
    """The trial's endpoints on the example's outcomes, and three markers against them:
    the HER3 H-score, ESR1 mutation and the PFS signature's risk group."""
    from icarus_omics.commands import clinical as clinical_command
    from icarus_omics.example.clinical import build_example_clinical
    from icarus_omics.io.cohort import write_example_clinical

    known = dict(zip(samples["patient"].astype(str), samples["best_response"].astype(str),
                     strict=True))  # fmt: skip
    scores = read_tsv(outdir / "pfs" / "risk_scores.tsv", ["sample", "risk_group"], "scores")
    biomarkers = scores.assign(patient=scores["sample"].str.removesuffix("_BL"))
    biomarkers = biomarkers.rename(columns={"risk_group": "pfs_risk_group"})
    markers = biomarkers[["patient", "pfs_risk_group"]]
    written = write_example_clinical(build_example_clinical(known), markers, example)
    clinical_command.clinical(written["clinical"], outdir / "clinical",
                              by=["her3_hscore", "esr1_mutation", "pfs_risk_group"],
                              biomarkers=written["biomarkers"], orr_ci=0.90, null_orr=0.12,
                              quiet=True)  # fmt: skip


def _run_pfs_signature(example: Path, outdir: Path) -> int:
    """The adaptive-lasso PFS signature on the 50 baseline tumours, the study's settings."""
    from icarus_omics.commands import pfs_signature as pfs_command
    from icarus_omics.example.survival import build_example_survival
    from icarus_omics.io.cohort import write_example_survival

    written = write_example_survival(build_example_survival(), example)
    pfs_command.pfs_signature(written["expression"], written["pfs"], outdir / "pfs",
                              quiet=True)  # fmt: skip
    genes = read_tsv(outdir / "pfs" / "signature.tsv", ["gene"], "signature")
    return len(genes)


PAM50_RESOURCES = ("pam50", "pam50-annotation", "pam50-subgroups")


def _run_pam50(samples: pd.DataFrame, example: Path, outdir: Path, quiet: bool) -> str:
    """PAM50 on the baseline TPM when its reference data are installed, else say how."""
    from icarus_omics import resources
    from icarus_omics.commands import pam50 as pam50_command
    from icarus_omics.example.subtypes import build_example_expression
    from icarus_omics.io.cohort import write_example_expression

    written = write_example_expression(build_example_expression(samples), example)
    missing = [name for name in PAM50_RESOURCES if resources.installed_manifest(name) is None]
    if missing:
        hints = "; ".join(f"icarus-omics resources install {name} --from FILE" for name in missing)
        say(f"demo: pam50 skipped, its reference data are not installed: {hints}", quiet)
        return ""
    truth = read_tsv(written["truth"], ["sample", "patient"], "subtype truth")
    response = samples.set_index("patient")["response"].astype(str)
    sheet = truth.assign(response=truth["patient"].map(response))[["sample", "patient", "response"]]
    with staged_outputs(example / "expression") as stage:
        write_tsv(sheet, stage.path("samples.tsv"))
    pam50_command.pam50(written["tpm"], outdir / "pam50",
                        samples=example / "expression" / "samples.tsv", group="response",
                        quiet=True)  # fmt: skip
    return " and PAM50 subtypes"
