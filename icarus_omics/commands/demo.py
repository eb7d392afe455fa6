"""``demo``: generate the bundled example cohort and run every step on it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import read_tsv, write_tsv

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_COLUMNS = ("sample", "response", "records", "calls", "passed", "nonsynonymous")


def demo(outdir: OutDir = Path("icarus-demo"), quiet: Quiet = False) -> None:
    """Generate the example cohort and run every step on it: ``run`` on the example's
    sample sheet and config (``example/run_sheet.tsv``, ``example/run.yaml``).

    Writes the cohort's input files to OUTDIR/example (reference FASTA, Mutect2 VCFs
    with VEP annotation, FACETS segments, RNA-seq counts, baseline expression, PFS and
    clinical tables) and each step's outputs to its own subfolder: wes/ (per-sample
    wes-annotate outputs, cohort.maf, cohort_summary.tsv), cna/ (gene copy-number
    categories), alterations/ (matrix, frequencies, oncoplot), signatures/ (catalogues,
    COSMIC exposures, association with response), rna/ (paired DE overall, in responders, in
    non-responders, the response x treatment interaction, and on-treatment samples by drug
    target), gsea/ (each paired result on the example gene sets, and on Hallmark when it is
    installed), pam50/ (baseline subtypes, when the PAM50 reference data are installed;
    otherwise the install commands are printed), pfs/ (the adaptive-lasso PFS signature on
    50 baseline tumours) and clinical/ (the trial's endpoints, and HER3, ESR1 and the
    signature's risk group against outcome), targets/ (ERBB2 and ERBB3 expression, the ADC
    targets the example has) and evaluate/ (scores against response and PFS: the HER3
    H-score and a model probability made from it, the PFS risk score, ERBB3, and a noise
    marker as the negative control); run.json and run/ hold the run's record.
    """
    import json

    from icarus_omics.commands import run as run_command

    example = outdir / "example"
    sheet, config, samples = _write_example(example)
    run_command.run(sheet, outdir, config=config, jobs=2, quiet=True)
    skipped = json.loads((outdir / "run.json").read_text())["skipped"]
    for name, reason in skipped.items():
        say(f"demo: {name} skipped: {reason}", quiet)
    rows = _cohort_maf(samples, outdir / "wes")
    signature = len(read_tsv(outdir / "pfs" / "signature.tsv", ["gene"], "signature"))
    _run_clinical(samples, example, outdir)
    _run_evaluation(example, outdir)
    from icarus_omics.io.report import write_report

    manifest = json.loads((outdir / "run.json").read_text())
    write_report(outdir, outdir / "report.html", "icarus-omics demo: the example cohort", manifest)
    passed = sum(int(str(r[4])) for r in rows)
    subtyped = "" if "pam50" in skipped else " and PAM50 subtypes"
    say(
        f"demo: {len(rows)} tumours, {passed:,} passing calls, {len(RNA_COMPARISONS)} RNA-seq "
        f"comparisons with GSEA{subtyped}, a {signature}-gene PFS signature, the trial's "
        f"endpoints; outputs in {outdir}",
        quiet,
    )


# comparison -> rna-de options (the study's comparisons, section 5 of the SPEC)
RNA_COMPARISONS: dict[str, dict[str, object]] = {
    "overall": {},
    "responders": {"subset": ["response=R"]},
    "non_responders": {"subset": ["response=NR"]},
    "interaction": {"interaction": "response:R:NR"},
    "drug_target_onT": {
        "design": "~ drug_target",
        "contrast": "drug_target:positive:negative",
        "subset": ["timepoint=onT"],
    },
}


def _write_example(example: Path) -> tuple[Path, Path, pd.DataFrame]:
    """Every input file of the example, the run's sample sheet and its config."""

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

    cohort_sheet = write_example_cohort(build_example_cohort(), example)
    samples = read_tsv(cohort_sheet, ["patient", "tumor_sample", "normal_sample", "vcf",
                                      "response", "best_response"], "sample sheet")  # fmt: skip
    rna = write_example_rna(build_example_rna(samples), example)
    expression = write_example_expression(build_example_expression(samples), example)
    survival = write_example_survival(build_example_survival(), example)
    sheet, config = write_run_files(example, samples, samples, rna, expression, survival)
    return sheet, config, samples


def write_run_files(example: Path, samples: pd.DataFrame, patients: pd.DataFrame,
                    rna: dict[str, Path], expression: dict[str, Path],
                    survival: dict[str, Path]) -> tuple[Path, Path]:  # fmt: skip
    """The run's sample sheet (``run_sheet.tsv``: one row per WES tumour of ``samples``),
    the PAM50 sample sheet (responses of ``patients``) and the config (``run.yaml``) of an
    example cohort written under ``example``; returns the sheet and the config."""
    import json

    import pandas as pd

    from icarus_omics import resources
    from icarus_omics.example.copy_number import DEMO_MAX_FOCAL_MB
    from icarus_omics.io.cohort import REFERENCE

    truth = read_tsv(expression["truth"], ["sample", "patient"], "subtype truth")
    response = patients.set_index("patient")["response"].astype(str)
    pam50_sheet = truth.assign(response=truth["patient"].map(response))
    sheet = pd.DataFrame({
        "patient": samples["patient"],
        "sample": samples["tumor_sample"],
        "timepoint": "BL",
        "response": samples["response"],
        "best_response": samples["best_response"],
        "vcf": samples["vcf"],
        "normal_sample": samples["normal_sample"],
        "segments": "cna/" + samples["tumor_sample"] + ".cncf.txt",
        "fit": "cna/fits.tsv",
    })  # fmt: skip
    relative = lambda path: str(path.relative_to(example))  # noqa: E731
    gene_sets = {"example": relative(rna["gene_sets"])}
    if resources.installed_manifest("hallmark") is not None:
        gene_sets["hallmark"] = "hallmark"
    config = {
        "inputs": {
            "fasta": REFERENCE, "genes": "genes.tsv", "panel": "panel.txt",
            "counts": relative(rna["counts"]), "rna_samples": relative(rna["samples"]),
            "gene_sets": gene_sets, "expression": relative(expression["tpm"]),
            "pfs_expression": relative(survival["expression"]),
            "pfs_survival": relative(survival["pfs"]),
        },
        "cna": {"max_focal_mb": DEMO_MAX_FOCAL_MB},  # the example's contigs are 120 kb
        "signatures": {"exome": True},  # the study's data are exomes
        "rna": {"comparisons": RNA_COMPARISONS},
        "gsea": {"permutations": 2_000},  # the command's default is 10,000
        "pam50": {"samples": "expression/samples.tsv", "group": "response"},
    }  # fmt: skip
    with staged_outputs(example) as stage:
        write_tsv(sheet, stage.path("run_sheet.tsv"))
        write_tsv(pam50_sheet[["sample", "patient", "response"]],
                  stage.path("expression/samples.tsv"))  # fmt: skip
        # JSON is YAML: the config is written as YAML without a YAML writer
        stage.path("run.yaml").write_text(json.dumps(config, indent=2) + "\n")
    return example / "run_sheet.tsv", example / "run.yaml"


def _cohort_maf(samples: pd.DataFrame, wes: Path) -> list[tuple[object, ...]]:
    """wes/cohort.maf and wes/cohort_summary.tsv from the per-sample outputs."""
    import json

    import pandas as pd

    rows: list[tuple[object, ...]] = []
    mafs = []
    for tumor, response in samples[["tumor_sample", "response"]].astype(str).itertuples(
            index=False):  # fmt: skip
        summary = json.loads((wes / f"{tumor}.summary.json").read_text())
        maf = read_tsv(wes / f"{tumor}.maf", what="MAF")
        mafs.append(maf)
        nonsynonymous = int((maf["nonsynonymous"] == "true").sum())
        rows.append((tumor, response, summary["records"], summary["calls"], summary["passed"],
                     nonsynonymous))  # fmt: skip
    with staged_outputs(wes) as stage:
        write_tsv(pd.concat(mafs, ignore_index=True), stage.path("cohort.maf"))
        write_tsv(pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)),
                  stage.path("cohort_summary.tsv"))  # fmt: skip
    return rows


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


def _run_evaluation(example: Path, outdir: Path) -> None:
    """target-expression on the baseline TPM, then evaluate: the example's scores
    (``example/clinical/scores.tsv``: HER3 H-score, a model probability from it, the noise
    marker, the PFS signature's risk score and ERBB3) against response and PFS."""
    from icarus_omics.commands import evaluate as evaluate_command
    from icarus_omics.commands import target_expression as target_command
    from icarus_omics.example.clinical import build_example_scores

    tpm = example / "expression" / "baseline_tpm.tsv"
    target_command.target_expression(tpm, outdir / "targets", genes="ERBB2,ERBB3", quiet=True)
    clinical_path = example / "clinical" / "clinical.tsv"
    scores = build_example_scores(read_tsv(clinical_path, ["patient", "her3_hscore"], "clinical"))
    risk = read_tsv(outdir / "pfs" / "risk_scores.tsv", ["sample", "linear_predictor"], "scores")
    target = read_tsv(outdir / "targets" / "target_scores.tsv", ["sample", "ERBB3_log2"],
                      "target scores")  # fmt: skip
    for table, column, name in ((risk, "linear_predictor", "pfs_risk_score"),
                                (target, "ERBB3_log2", "erbb3_log2")):  # fmt: skip
        by_patient = dict(zip(table["sample"].str.removesuffix("_BL"), table[column],
                              strict=True))  # fmt: skip
        scores[name] = scores["patient"].map(by_patient)
    with staged_outputs(example) as stage:
        write_tsv(scores, stage.path("clinical/scores.tsv"))
    path = example / "clinical" / "scores.tsv"
    evaluate_command.evaluate(
        path, clinical_path, outdir / "evaluate" / "response", outcome="response",
        score=["her3_hscore", "her3_model_probability", "erbb3_log2", "noise_marker"],
        probability=["her3_model_probability"], versus=["noise_marker"], quiet=True,
    )  # fmt: skip
    evaluate_command.evaluate(
        path, clinical_path, outdir / "evaluate" / "pfs", outcome="pfs",
        score=["pfs_risk_score", "her3_hscore", "noise_marker"], quiet=True,
    )  # fmt: skip
