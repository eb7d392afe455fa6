"""Which steps a run makes of its sample sheet and config, and why others are skipped.

A step is one icarus-omics command line (``argv``) with its output folder, the files it
reads (for resumability) and the steps it waits for. Per-sample steps (``wes/SAMPLE``, and
``cna/SAMPLE`` when samples give purity and ploidy rather than a FACETS fit file) come
first and may run in parallel; cohort steps follow in the order of :data:`COHORT_ORDER`
(``cna`` over all samples at once when they give fit files). A step whose inputs are
absent is skipped with the reason. The same plan drives ``run`` and the Snakemake
workflow, so both run the same command lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from icarus_omics.cohort.sheet import RunConfig

COHORT_ORDER = ("cna", "alterations", "signatures", "rna", "gsea", "pam50", "pfs",
                "clinical")  # fmt: skip


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...]
    outdir: Path
    inputs: tuple[Path, ...]
    needs: tuple[str, ...] = ()

    @property
    def per_sample(self) -> bool:
        return "/" in self.name and self.name.split("/")[0] in ("wes", "cna")


@dataclass(frozen=True)
class Skip:
    name: str
    reason: str


@dataclass
class Plan:
    steps: list[Step]
    skipped: list[Skip]


def flags(options: dict[str, Any]) -> list[str]:
    """Command-line flags for options given by their Python names: ``max_focal_mb=0.05`` ->
    ``--max-focal-mb 0.05``; ``True`` -> ``--name``; lists repeat the flag."""
    out: list[str] = []
    for key, value in options.items():
        flag = "--" + str(key).replace("_", "-")
        if isinstance(value, bool):
            if value:
                out.append(flag)
        elif isinstance(value, list | tuple):
            for item in value:
                out.extend([flag, str(item)])
        elif value is not None:
            out.extend([flag, str(value)])
    return out


def plan(sheet: pd.DataFrame, config: RunConfig, outdir: Path, sheet_path: Path) -> Plan:
    """The steps of a run (see the module docstring)."""
    steps: list[Step] = []
    skipped: list[Skip] = []
    inputs = config.inputs
    fasta = inputs.get("fasta")
    wes_done: dict[str, Path] = {}
    for row in sheet.to_dict("records"):
        sample = row["sample"]
        if row.get("vcf"):
            argv = ["wes-annotate", row["vcf"], "-o", str(outdir / "wes"), "--prefix", sample]
            if row.get("normal_sample"):
                argv += ["--normal", row["normal_sample"]]
            if fasta is not None:
                argv += ["--fasta", str(fasta)]
            argv += flags(config.step("wes"))
            steps.append(Step(f"wes/{sample}", tuple(argv), outdir / "wes",
                              _paths(row["vcf"], fasta)))  # fmt: skip
            wes_done[sample] = outdir / "wes" / f"{sample}.mutations.tsv"
        else:
            skipped.append(Skip(f"wes/{sample}", "no vcf in the sample sheet"))
    cna_done = _cna_steps(steps, skipped, sheet, config, outdir)
    cohort_sheet = outdir / "run" / "samples.tsv"
    _cohort_steps(steps, skipped, sheet, config, outdir, wes_done, cna_done, cohort_sheet)
    return Plan(steps, skipped)


def _cna_steps(steps: list[Step], skipped: list[Skip], sheet: pd.DataFrame, config: RunConfig,
               outdir: Path) -> dict[str, Path]:  # fmt: skip
    """One ``cna`` step over every sample when all give a FACETS fit file (it also writes the
    cohort's gene x sample matrices); else one ``cna/SAMPLE`` step each (purity/ploidy)."""
    genes = config.inputs.get("genes")
    rows = []
    for row in sheet.to_dict("records"):
        if not row.get("segments"):
            skipped.append(Skip(f"cna/{row['sample']}", "no segments in the sample sheet"))
        elif genes is None:
            skipped.append(Skip(f"cna/{row['sample']}", "no [inputs] genes (gene coordinates)"))
        else:
            rows.append(row)
    done = {row["sample"]: outdir / "cna" / f"{row['sample']}.cna_genes.tsv" for row in rows}
    options = flags(config.step("cna"))
    if rows and all(row.get("fit") for row in rows):
        fits = list(dict.fromkeys(row["fit"] for row in rows))
        argv = ["cna", *(row["segments"] for row in rows), "--genes", str(genes), "-o",
                str(outdir / "cna")]  # fmt: skip
        for fit in fits:
            argv += ["--fit", fit]
        reads = _paths(*(row["segments"] for row in rows), *fits, genes)
        steps.append(Step("cna", (*argv, *options), outdir / "cna", reads))
        return done
    for row in rows:
        sample = row["sample"]
        argv = ["cna", row["segments"], "--genes", str(genes), "-o", str(outdir / "cna"),
                "--prefix", sample]  # fmt: skip
        if row.get("fit"):
            argv += ["--fit", row["fit"]]
        elif row.get("purity"):
            argv += ["--purity", row["purity"], "--ploidy", row.get("ploidy") or "2"]
        steps.append(Step(f"cna/{sample}", (*argv, *options), outdir / "cna",
                          _paths(row["segments"], row.get("fit"), genes)))  # fmt: skip
    return done


def _paths(*items: object) -> tuple[Path, ...]:
    return tuple(Path(str(i)) for i in items if i not in (None, "") and isinstance(i, str | Path))


def _cohort_steps(steps: list[Step], skipped: list[Skip], sheet: pd.DataFrame,
                  config: RunConfig, outdir: Path, wes_done: dict[str, Path],
                  cna_done: dict[str, Path], cohort_sheet: Path) -> None:  # fmt: skip
    inputs = config.inputs
    has_response = "response" in sheet.columns and (sheet["response"] != "").any()
    if (wes_done or cna_done) and has_response:
        argv = ["alterations", str(cohort_sheet), "-o", str(outdir / "alterations")]
        for path in wes_done.values():
            argv += ["--mutations", str(path)]
        for path in cna_done.values():
            argv += ["--cna", str(path)]
        if inputs.get("panel") is not None:
            argv += ["--genes", str(inputs["panel"])]
        argv += flags(config.step("alterations"))
        cna_steps = [s.name for s in steps if s.name == "cna" or s.name.startswith("cna/")]
        needs = tuple(f"wes/{s}" for s in wes_done) + tuple(cna_steps)
        reads = (cohort_sheet, *wes_done.values(), *cna_done.values())
        steps.append(Step("alterations", tuple(argv), outdir / "alterations", reads, needs))
    else:
        reason = "no response column" if not has_response else "no wes or cna step"
        skipped.append(Skip("alterations", reason))
    if wes_done and inputs.get("fasta") is not None:
        vcfs = [outdir / "wes" / f"{s}.filtered.vcf.gz" for s in wes_done]
        argv = ["signatures", *map(str, vcfs), "-o", str(outdir / "signatures"), "--fasta",
                str(inputs["fasta"])]  # fmt: skip
        if has_response:
            argv += ["--samples", str(cohort_sheet)]
        argv += flags(config.step("signatures"))
        steps.append(Step("signatures", tuple(argv), outdir / "signatures",
                          (*vcfs, Path(str(inputs["fasta"]))),
                          tuple(f"wes/{s}" for s in wes_done)))  # fmt: skip
    else:
        reason = "no wes step" if not wes_done else "no [inputs] fasta"
        skipped.append(Skip("signatures", reason))
    rna_settings = config.step("rna")
    comparisons = rna_settings.pop("comparisons", {"overall": {}})
    rna = rna_inputs(sheet, config, outdir)
    if isinstance(rna, str):
        skipped.append(Skip("rna", rna))
    else:
        counts, rna_sheet, reads = rna
        for name, options in comparisons.items():
            argv = ["rna-de", str(counts), str(rna_sheet), "-o", str(outdir / "rna" / name),
                    *flags({**rna_settings, **options})]  # fmt: skip
            steps.append(Step(f"rna/{name}", tuple(argv), outdir / "rna" / name, reads))
            if options.get("interaction") or options.get("design"):
                continue  # GSEA ranks paired treatment effects only
            results = outdir / "rna" / name / "de_results.tsv"
            for label, source in config.gene_sets.items():
                folder = f"{name}_{label}" if label else name
                argv = ["gsea", str(results), "-o", str(outdir / "gsea" / folder),
                        "--genesets", str(source), *flags(config.step("gsea"))]  # fmt: skip
                steps.append(Step(f"gsea/{folder}", tuple(argv), outdir / "gsea" / folder,
                                  (results,), (f"rna/{name}",)))  # fmt: skip
    expression = _sheet_file(sheet, "expression")  # the sheet's, when [inputs] has none
    if "expression" not in inputs and expression is not None:
        inputs = {**inputs, "expression": expression}
    _single(steps, skipped, config, outdir, "pam50", ("expression",),
            lambda: ["pam50", str(inputs["expression"])], inputs)  # fmt: skip
    _single(steps, skipped, config, outdir, "pfs", ("pfs_expression", "pfs_survival"),
            lambda: ["pfs-signature", str(inputs["pfs_expression"]),
                     str(inputs["pfs_survival"])], inputs)  # fmt: skip
    _single(
        steps,
        skipped,
        config,
        outdir,
        "clinical",
        ("clinical",),
        lambda: (
            ["clinical", str(inputs["clinical"])]
            + (["--biomarkers", str(inputs["biomarkers"])] if "biomarkers" in inputs else [])
        ),
        inputs,
    )


RNA_SHEET = "rna_samples.tsv"  # under OUTDIR/run: the sheet's RNA-seq samples, for rna-de
SALMON_FOLDER = "salmon"  # under OUTDIR/run: SAMPLE.quant.sf links to the sheet's files


def rna_inputs(sheet: pd.DataFrame, config: RunConfig,
               outdir: Path) -> tuple[Path, Path, tuple[Path, ...]] | str:  # fmt: skip
    """rna-de's COUNTS and SAMPLES arguments and the files they read: the config's
    ``[inputs] counts`` and ``rna_samples``, else the sheet's ``counts`` or ``salmon``
    column with ``OUTDIR/run/rna_samples.tsv`` (written by the run). A string says why
    there is no RNA step."""
    inputs = config.inputs
    if inputs.get("counts") is not None and inputs.get("rna_samples") is not None:
        return (Path(inputs["counts"]), Path(inputs["rna_samples"]),
                _paths(inputs["counts"], inputs["rna_samples"]))  # fmt: skip
    rna_sheet = outdir / "run" / RNA_SHEET
    counts = _sheet_file(sheet, "counts")
    if counts is not None:
        return counts, rna_sheet, (counts, rna_sheet)
    if "salmon" in sheet.columns and (sheet["salmon"] != "").any():
        if "tx2gene" not in config.step("rna"):
            return "salmon in the sample sheet needs [rna] tx2gene in the config"
        quant = _paths(*sheet.loc[sheet["salmon"] != "", "salmon"])
        return outdir / "run" / SALMON_FOLDER, rna_sheet, (*quant, rna_sheet)
    return "no [inputs] counts and rna_samples, nor counts or salmon in the sample sheet"


def _sheet_file(sheet: pd.DataFrame, column: str) -> Path | None:
    """The one file a sheet column names for the whole cohort (``counts``, ``expression``;
    check_sheet refuses two), or None."""
    if column not in sheet.columns or not (sheet[column] != "").any():
        return None
    return Path(sheet.loc[sheet[column] != "", column].iloc[0])


def _single(steps: list[Step], skipped: list[Skip], config: RunConfig, outdir: Path,
            name: str, needed: tuple[str, ...], argv: Any,
            inputs: dict[str, Path | str]) -> None:  # fmt: skip
    """One cohort step reading the ``needed`` cohort files of ``inputs``."""
    missing = [key for key in needed if key not in inputs]
    if missing:
        skipped.append(Skip(name, f"no [inputs] {', '.join(missing)}"))
        return
    files = tuple(Path(str(inputs[k])) for k in needed)
    full = [*argv(), "-o", str(outdir / name), *flags(config.step(name))]
    steps.append(Step(name, tuple(full), outdir / name, files))
