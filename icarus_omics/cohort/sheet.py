"""The run's two files: the sample sheet and the config.

Sample sheet (TSV, one row per tumour sample; paths relative to the sheet's folder):

============== ==========================================================================
column          meaning
============== ==========================================================================
patient         patient id (required)
sample          tumour sample id, unique (required); names the per-sample outputs
timepoint       e.g. BL, onT (optional)
response        R / NR, the group of the cohort comparisons (optional)
best_response   CR, PR, SD, PD, NE (optional)
vcf             FilterMutectCalls VCF of the sample -> wes step
normal_sample   the normal's name in the VCF (optional; read from the header otherwise)
segments        FACETS segments (cncf) -> cna step
fit             FACETS fit table (purity, ploidy) for the segments
purity, ploidy  instead of ``fit``
counts          gene x sample count matrix holding this sample's column (one file for
                all rows) -> rna steps, with timepoint and response from this sheet
salmon          the sample's Salmon ``quant.sf`` (or its folder) -> rna steps; needs
                ``[rna] tx2gene`` in the config
expression      baseline TPM matrix (genes x samples) holding this sample -> pam50
============== ==========================================================================

RNA-seq samples are rows of their own (``P01_BL``, ``P01_onT``) with a patient and a
timepoint; ``counts`` and ``salmon`` are alternatives to the config's ``[inputs] counts``
and ``rna_samples``, ``expression`` to ``[inputs] expression``. Clinical data come from
``run --clinical FILE`` or ``[inputs] clinical``.

Config (TOML, or YAML by its suffix): an ``[inputs]`` table of cohort-level files
(:data:`INPUTS`; paths relative to the config's folder; ``gene_sets`` may be a table of
labelled sources, ``{example = "sets.gmt", hallmark = "hallmark"}``) and one table per step
holding that command's options by their Python names (``[cna] max_focal_mb = 0.05``;
option values naming a file relative to the config's folder are made absolute); ``[rna]``
lists the comparisons as ``[rna.comparisons.NAME]`` tables of rna-de options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

COLUMNS = {
    "patient": "patient id",
    "sample": "tumour sample id",
    "timepoint": "biopsy timepoint",
    "response": "R / NR",
    "best_response": "RECIST best response",
    "vcf": "FilterMutectCalls VCF",
    "normal_sample": "normal sample name in the VCF",
    "segments": "FACETS segments",
    "fit": "FACETS fit table",
    "purity": "tumour purity",
    "ploidy": "tumour ploidy",
    "counts": "gene x sample count matrix with this sample",
    "salmon": "Salmon quant.sf (or its folder)",
    "expression": "baseline TPM matrix with this sample (pam50)",
}
FILE_COLUMNS = ("vcf", "segments", "fit", "counts", "salmon", "expression")
ONE_FILE_COLUMNS = ("counts", "expression")  # the same matrix on every row that names one
INPUTS = {
    "fasta": "reference FASTA (with .fai) for wes and signatures",
    "genes": "gene coordinates for cna",
    "panel": "gene panel for alterations",
    "counts": "RNA-seq gene counts (genes x samples)",
    "rna_samples": "RNA-seq sample sheet",
    "gene_sets": "GMT gene sets (or hallmark, kegg) for gsea",
    "expression": "baseline TPM for pam50",
    "pfs_expression": "baseline expression for pfs-signature",
    "pfs_survival": "PFS table for pfs-signature",
    "clinical": "clinical table for clinical",
    "biomarkers": "biomarker table for clinical",
}
STEPS = ("wes", "cna", "alterations", "signatures", "rna", "gsea", "pam50", "pfs", "clinical")
NAMED_RESOURCES = ("hallmark", "kegg")


@dataclass
class RunConfig:
    """Cohort inputs (resolved paths, or resource names) and options per step."""

    inputs: dict[str, Path | str] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    gene_sets: dict[str, Path | str] = field(default_factory=dict)  # label -> GMT or name

    def step(self, name: str) -> dict[str, Any]:
        return dict(self.options.get(name, {}))


def read_config(path: Path | None) -> tuple[RunConfig, list[str]]:
    """The config and the problems found in it (all of them)."""
    if path is None:
        return RunConfig(), []
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return RunConfig(source=path), [f"{path}: cannot read the config ({error})"]
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            document = yaml.safe_load(text) or {}
        else:
            import tomllib

            document = tomllib.loads(text)
    except Exception as error:  # the parsers' own error types differ
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return RunConfig(source=path), [f"{path}: not a valid config ({first})"]
    if not isinstance(document, dict):
        return RunConfig(source=path), [f"{path}: the config must be a table of tables"]
    config = RunConfig(source=path)
    for key, value in document.items():
        if key == "inputs":
            if not isinstance(value, dict):
                problems.append(f"{path}: [inputs] must be a table")
                continue
            for name, item in value.items():
                if name not in INPUTS:
                    problems.append(f"{path}: unknown input {name!r} (known: {', '.join(INPUTS)})")
                elif name == "gene_sets":
                    labelled = item if isinstance(item, dict) else {"": item}
                    for label, source in labelled.items():
                        config.gene_sets[str(label)] = (
                            str(source) if str(source) in NAMED_RESOURCES
                            else (path.parent / str(source)).resolve())  # fmt: skip
                else:
                    config.inputs[name] = (path.parent / str(item)).resolve()
        elif key in STEPS:
            if not isinstance(value, dict):
                problems.append(f"{path}: [{key}] must be a table of options")
                continue
            config.options[key] = _with_paths(value, path.parent)
        else:
            problems.append(f"{path}: unknown section [{key}] (known: inputs, {', '.join(STEPS)})")
    for name, item in [*config.inputs.items(), *config.gene_sets.items()]:
        if isinstance(item, Path) and not item.exists():
            problems.append(f"{path}: input {name or 'gene_sets'} = {item} does not exist")
    return config, problems


def _with_paths(options: Any, folder: Path) -> Any:
    """Option values that name a file relative to the config's folder, made absolute (so a
    config works from any working directory); tables and lists are walked."""
    if isinstance(options, dict):
        return {key: _with_paths(value, folder) for key, value in options.items()}
    if isinstance(options, list):
        return [_with_paths(value, folder) for value in options]
    if isinstance(options, str) and "/" in options and (folder / options).is_file():
        return str((folder / options).resolve())
    return options


def check_sheet(sheet: pd.DataFrame, base: Path, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The sheet with file columns resolved against ``base``, and every problem found."""
    problems: list[str] = []
    unknown = [c for c in sheet.columns if c not in COLUMNS]
    if unknown:
        problems.append(f"{source}: unknown column(s) {', '.join(unknown)} "
                        f"(known: {', '.join(COLUMNS)})")  # fmt: skip
    for required in ("patient", "sample"):
        if required not in sheet.columns:
            problems.append(f"{source}: no {required} column")
    if problems and any("no " in p for p in problems):
        return sheet, problems
    sheet = sheet.copy()
    for column in sheet.columns:
        sheet[column] = sheet[column].astype(str).str.strip()
    for line, (patient, sample) in enumerate(zip(sheet["patient"], sheet["sample"], strict=True),
                                             start=2):  # fmt: skip
        if not patient or not sample:
            problems.append(f"{source}: line {line}: patient and sample are required")
    repeated = sheet["sample"][sheet["sample"].duplicated() & (sheet["sample"] != "")]
    for name in repeated.unique():
        problems.append(f"{source}: sample {name!r} is listed more than once")
    for column in FILE_COLUMNS:
        if column not in sheet.columns:
            continue
        resolved = []
        for sample, value in zip(sheet["sample"], sheet[column], strict=True):
            if not value:
                resolved.append("")
                continue
            file = (base / value).resolve()
            if column == "salmon" and file.is_dir():
                file = file / "quant.sf"
            if not file.exists():
                problems.append(f"{source}: sample {sample!r}: {column} {value} does not exist")
            resolved.append(str(file))
        sheet[column] = resolved
    problems += _rna_problems(sheet, source)
    for column in ("purity", "ploidy"):
        if column not in sheet.columns:
            continue
        for sample, value in zip(sheet["sample"], sheet[column], strict=True):
            if value and not _positive(value):
                problems.append(f"{source}: sample {sample!r}: {column} {value!r} is not a "
                                "positive number")  # fmt: skip
    if {"segments", "fit", "purity"} <= set(sheet.columns):
        both = (sheet["fit"] != "") & (sheet["purity"] != "")
        for sample in sheet.loc[both, "sample"]:
            problems.append(f"{source}: sample {sample!r}: give a fit file or purity/ploidy, "
                            "not both")  # fmt: skip
    return sheet, problems


def _rna_problems(sheet: pd.DataFrame, source: str) -> list[str]:
    """A count or TPM matrix is one file for the cohort; RNA samples need a timepoint."""
    problems = []
    for column in ONE_FILE_COLUMNS:
        files = sheet[column][sheet[column] != ""].nunique() if column in sheet.columns else 0
        if files > 1:
            problems.append(f"{source}: {column}: one matrix for every sample is expected, "
                            f"found {files} files")  # fmt: skip
    if {"counts", "salmon"} <= set(sheet.columns):
        for sample in sheet.loc[(sheet["counts"] != "") & (sheet["salmon"] != ""), "sample"]:
            problems.append(f"{source}: sample {sample!r}: give counts or salmon, not both")
    for column in ("counts", "salmon"):
        if column not in sheet.columns:
            continue
        rna = sheet[column] != ""
        if "timepoint" not in sheet.columns:
            if rna.any():
                problems.append(f"{source}: {column} needs a timepoint column")
            continue
        for sample in sheet.loc[rna & (sheet["timepoint"] == ""), "sample"]:
            problems.append(f"{source}: sample {sample!r}: {column} needs a timepoint")
    return problems


def rna_samples(sheet: pd.DataFrame) -> pd.DataFrame:
    """The RNA-seq samples of the sheet (rows with counts or salmon): sample, patient,
    timepoint and response when the sheet has it, for rna-de."""
    has = pd.Series(False, index=sheet.index)
    for column in ("counts", "salmon"):
        if column in sheet.columns:
            has |= sheet[column] != ""
    keep = [c for c in ("sample", "patient", "timepoint", "response") if c in sheet.columns]
    return sheet.loc[has, keep].reset_index(drop=True)


def _positive(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number) and number > 0
