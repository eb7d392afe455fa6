"""Write the generated example cohort as the files a user would have."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pysam

from icarus_omics.example.cohort import ExampleCohort
from icarus_omics.example.copy_number import example_fits, example_segments
from icarus_omics.example.rna import GMT_DESCRIPTION, ExampleRna
from icarus_omics.example.subtypes import ExampleExpression
from icarus_omics.example.survival import ExampleSurvival
from icarus_omics.io.files import safe_name, staged_outputs
from icarus_omics.io.gmt import write_gmt
from icarus_omics.io.mutect2_vcf import cohort_vcf_texts
from icarus_omics.io.tables import write_tsv

REFERENCE = "reference/icarus_example.fa"
SAMPLESHEET = "samplesheet.tsv"


def write_example_cohort(cohort: ExampleCohort, directory: Path) -> Path:
    """Write reference FASTA (+ .fai), bgzipped indexed VCFs, the sample sheet, the gene
    models, a gene panel and the planted truth under ``directory``; return the sample sheet.
    Tumour names become file names, so each passes ``safe_name`` before anything is written."""
    tumors = [safe_name(t, "tumour sample") for t in cohort.samples["tumor_sample"].astype(str)]
    with staged_outputs(directory) as stage:
        write_tsv(cohort.samples, stage.path(SAMPLESHEET))
        write_tsv(cohort.genes, stage.path("genes.tsv"))
        write_tsv(cohort.truth, stage.path("truth.tsv"))
        stage.path("panel.txt").write_text("".join(f"{g}\n" for g in cohort.genes["gene"]))
    fasta = directory / REFERENCE
    fasta.parent.mkdir(parents=True, exist_ok=True)
    fasta.write_text("".join(f">{name}\n{_wrap(seq)}" for name, seq in cohort.reference.items()))
    pysam.faidx(str(fasta))
    _write_copy_number(cohort, directory)
    (directory / "vcf").mkdir(exist_ok=True)
    texts = cohort_vcf_texts(cohort)
    for tumor in tumors:
        plain = directory / "vcf" / f"{tumor}.vcf"
        plain.write_text(texts[tumor])
        pysam.tabix_index(str(plain), preset="vcf", force=True)  # bgzips to .vcf.gz + .tbi
    return directory / SAMPLESHEET


def _write_copy_number(cohort: ExampleCohort, directory: Path) -> None:
    """FACETS-like ``cna/SAMPLE.cncf.txt`` tables and ``cna/fits.tsv`` (purity, ploidy)."""
    segments = example_segments(cohort.samples, cohort.genes)
    with staged_outputs(directory / "cna") as stage:
        for sample, table in segments.items():
            write_tsv(table, stage.path(f"{safe_name(sample, 'tumour sample')}.cncf.txt"))
        write_tsv(example_fits(cohort.samples, segments), stage.path("fits.tsv"))


def _wrap(sequence: str, width: int = 60) -> str:
    return "".join(sequence[i : i + width] + "\n" for i in range(0, len(sequence), width))


def write_example_rna(rna: ExampleRna, directory: Path) -> dict[str, Path]:
    """Write ``rna/counts.tsv``, ``rna/samples.tsv``, ``rna/truth.tsv`` and the example gene
    sets ``rna/example_gene_sets.gmt`` under ``directory``; return their paths by name."""
    names = {
        "counts": "rna/counts.tsv",
        "samples": "rna/samples.tsv",
        "truth": "rna/truth.tsv",
        "gene_sets": "rna/example_gene_sets.gmt",
    }
    with staged_outputs(directory) as stage:
        write_tsv(rna.counts.reset_index(), stage.path(names["counts"]))
        write_tsv(rna.sheet, stage.path(names["samples"]))
        write_tsv(rna.truth.reset_index(), stage.path(names["truth"]))
        write_gmt(rna.gene_sets, stage.path(names["gene_sets"]), GMT_DESCRIPTION)
    return {key: directory / name for key, name in names.items()}


def write_example_expression(expression: ExampleExpression, directory: Path) -> dict[str, Path]:
    """Write the baseline TPM ``expression/baseline_tpm.tsv`` (genes x samples, index column
    ``gene``) and the planted subtypes ``expression/subtype_truth.tsv`` under ``directory``;
    return their paths by name."""
    names = {"tpm": "expression/baseline_tpm.tsv", "truth": "expression/subtype_truth.tsv"}
    with staged_outputs(directory) as stage:
        write_tsv(expression.tpm.rename_axis("gene").reset_index(), stage.path(names["tpm"]))
        write_tsv(expression.truth, stage.path(names["truth"]))
    return {key: directory / name for key, name in names.items()}


def write_example_survival(survival: ExampleSurvival, directory: Path) -> dict[str, Path]:
    """Write the baseline expression ``expression/pfs_expression.tsv`` (genes x samples,
    log2(TPM + 1)), the PFS table ``clinical/pfs.tsv`` (sample, patient, time in months,
    event) and the planted genes ``clinical/pfs_truth.tsv`` under ``directory``."""
    names = {"expression": "expression/pfs_expression.tsv", "pfs": "clinical/pfs.tsv",
             "truth": "clinical/pfs_truth.tsv"}  # fmt: skip
    with staged_outputs(directory) as stage:
        write_tsv(survival.expression.reset_index(), stage.path(names["expression"]))
        write_tsv(survival.pfs, stage.path(names["pfs"]))
        write_tsv(survival.truth, stage.path(names["truth"]))
    return {key: directory / name for key, name in names.items()}


def write_example_clinical(clinical: pd.DataFrame, biomarkers: pd.DataFrame,
                           directory: Path) -> dict[str, Path]:  # fmt: skip
    """Write ``clinical/clinical.tsv`` (one row per patient) and ``clinical/biomarkers.tsv``
    (patient and marker columns) under ``directory``."""
    names = {"clinical": "clinical/clinical.tsv", "biomarkers": "clinical/biomarkers.tsv"}
    with staged_outputs(directory) as stage:
        write_tsv(clinical, stage.path(names["clinical"]))
        write_tsv(biomarkers, stage.path(names["biomarkers"]))
    return {key: directory / name for key, name in names.items()}
