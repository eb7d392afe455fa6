"""``signatures``: SBS96 catalogues and COSMIC v3.2 exposures (the study's method)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from icarus_omics.commands.params import DEFAULT_THREADS, OutDir, Quiet, Threads, progress, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.files import staged_outputs

BUNDLED_SETS = {
    "cosmic-v3.2": "signatures/COSMIC_v3.2_SBS_GRCh37.txt.gz",
    "cosmic-v3.2-exome": "signatures/COSMIC_v3.2_SBS_GRCh37_exome.txt.gz",
}
SHORTLISTS = {"breast": "signatures/breast_shortlist.txt"}

Inputs = Annotated[list[Path], typer.Argument(
    help="VCFs (PASS records), MAFs, or one 96-channel catalogue TSV.", exists=True,
    dir_okay=False, metavar="INPUT...")]  # fmt: skip
File = {"exists": True, "dir_okay": False, "metavar": "FILE"}
Fasta = Annotated[
    Path | None, typer.Option(help="Indexed reference FASTA (VCF/MAF input).", **File)
]
SignatureSet = Annotated[str, typer.Option("--signatures", metavar="NAME",
    help="cosmic-v3.2 (bundled, GRCh37) or a matrix file.")]  # fmt: skip
Shortlist = Annotated[str, typer.Option(
    help="breast (the study's 21), all, a file or a comma list.", metavar="LIST")]  # fmt: skip
MinSnvs = Annotated[int, typer.Option(min=0, help="Fit only samples with this many SNVs.",
    metavar="N")]  # fmt: skip
Exome = Annotated[bool, typer.Option(help="Use exome-normalised signatures (WES data).")]
Method = Annotated[Literal["sparse", "nnls", "strict", "sigprofiler"], typer.Option(
    help="sparse (the study's: NNLS + SigProfiler sparsity), nnls, strict "
    "(MutationalPatterns) or sigprofiler (SigProfilerAssignment cosmic_fit).",
    metavar="METHOD")]  # fmt: skip
CosineDrop = Annotated[float, typer.Option(min=0.0, max=1.0, metavar="X",
    help="sparse: stop before cosine falls by this much.")]  # fmt: skip
MaxDelta = Annotated[float, typer.Option(min=0.0, max=1.0, metavar="X",
    help="strict: MutationalPatterns max_delta.")]  # fmt: skip
Replicates = Annotated[int, typer.Option(min=0, metavar="N",
    help="Bootstrap replicates for exposure intervals.")]  # fmt: skip
Seed = Annotated[int, typer.Option(help="Seed of the bootstrap.", metavar="N")]
Samples = Annotated[Path | None, typer.Option(
    help="Sample table with a group column to test exposures.", **File)]  # fmt: skip
Group = Annotated[str, typer.Option(help="Group column of --samples.", metavar="COLUMN")]
Spectra = Annotated[bool, typer.Option(help="Plot each sample's spectrum (spectra/).")]
Figures = Annotated[Literal["png", "svg", "pdf"], typer.Option(
    help="png (300 dpi), svg or pdf.", metavar="FORMAT")]  # fmt: skip


def signatures(
    inputs: Inputs,
    outdir: OutDir = Path("."),
    fasta: Fasta = None,
    signature_set: SignatureSet = "cosmic-v3.2",
    shortlist: Shortlist = "breast",
    min_snvs: MinSnvs = 50,
    exome: Exome = False,
    method: Method = "sparse",
    max_cosine_drop: CosineDrop = 0.01,
    max_delta: MaxDelta = 0.004,
    bootstrap: Replicates = 0,
    seed: Seed = 0,
    samples: Samples = None,
    group: Group = "response",
    spectra: Spectra = True,
    figure_format: Figures = "png",
    threads: Threads = DEFAULT_THREADS,
    quiet: Quiet = False,
) -> None:
    """Build SBS96 catalogues and fit COSMIC v3.2 signature exposures.

    Writes catalogue.tsv (96 channels x samples), exposures.tsv (samples x signatures,
    SNV counts), exposures_relative.tsv, fit_quality.tsv (sample, n_snvs, fitted,
    cosine_similarity, rss, signatures_kept), signatures_summary.json, spectra/SAMPLE.png,
    exposures.png, and with --bootstrap bootstrap.tsv, with --samples association.tsv
    (Mann-Whitney, BH).
    """
    from icarus_omics.io import signature_inputs as given
    from icarus_omics.io.signature_plots import draw_figures
    from icarus_omics.io.signature_summary import summary_document, summary_line
    from icarus_omics.io.signatures import read_signature_set
    from icarus_omics.io.summary import write_summary
    from icarus_omics.io.tables import write_tsv
    from icarus_omics.signatures import exposures as tables
    from icarus_omics.signatures.association import compare_exposures
    from icarus_omics.signatures.bootstrap import bootstrap as resample
    from icarus_omics.signatures.exome import exome_log_ratio, sequencing_check
    from icarus_omics.signatures.fitting import FitOptions, fit

    catalogue, report, indexed = given.read_catalogue_inputs(inputs, fasta)
    if spectra:  # each sample names its spectra/SAMPLE.png
        given.check_file_names(catalogue.columns)
    files = _resource_paths(signature_set, shortlist, exome)
    reference = read_signature_set(files["signatures"], files.get("shortlist", shortlist))
    names = list(reference.columns)  # both COSMIC sets, when at hand, for the exome check:
    pair = [read_signature_set(files[k], names) for k in ("genome_set", "exome_set") if k in files]
    check = sequencing_check(exome_log_ratio(catalogue, *pair) if pair else None, exome)
    eligible = tables.eligible_samples(catalogue, min_snvs)
    if not eligible:
        raise IcarusError(f"no sample has {min_snvs} SNVs or more (--min-snvs); nothing to fit")
    options = FitOptions(max_delta=max_delta, max_cosine_drop=max_cosine_drop)
    with progress("fitting signatures", unit="samples") as tick:
        fitted = fit(method, catalogue[eligible], reference, options, threads, tick)
    quality = tables.quality_table(fitted.quality, catalogue)
    with staged_outputs(outdir) as stage:
        write_tsv(catalogue, stage.path("catalogue.tsv"), index=True)
        write_tsv(fitted.exposures, stage.path("exposures.tsv"), index=True)
        relative = tables.relative_exposures(fitted.exposures)
        write_tsv(relative, stage.path("exposures_relative.tsv"), index=True)
        write_tsv(quality, stage.path("fit_quality.tsv"))
        if bootstrap:
            with progress("bootstrap", unit="samples") as tick:
                intervals = resample(catalogue[eligible], reference, method, bootstrap,
                                     seed, options, threads, tick)  # fmt: skip
            write_tsv(intervals, stage.path("bootstrap.tsv"))
        if samples is not None:
            groups = given.read_groups(samples, group)
            association = compare_exposures(fitted.exposures, relative, groups)
            write_tsv(association, stage.path("association.tsv"))
        draw_figures(catalogue, fitted, stage.path, figure_format, spectra)
        document = summary_document(
            method, options, quality, check, names,
            signature_set=signature_set, shortlist=shortlist, min_snvs=min_snvs,
            bootstrap=bootstrap, seed=seed,
        )  # fmt: skip
        summary = stage.path("signatures_summary.json")
        write_summary(document, summary, outdir, seed=seed, resources=files)
    say(summary_line(document, report, fasta if indexed else None), quiet)


def _resource_paths(signature_set: str, shortlist: str, exome: bool) -> dict[str, Path]:
    """The run's files by role, bundled names resolved to paths by the resource module."""
    from icarus_omics.resources import bundled_path

    name = f"{signature_set}-exome" if exome and signature_set == "cosmic-v3.2" else signature_set
    if name not in BUNDLED_SETS and not Path(name).is_file():
        known = ", ".join(BUNDLED_SETS)
        raise IcarusError(f"signature set {name!r} is neither a file nor a bundled set ({known})")
    files = {"signatures": bundled_path(BUNDLED_SETS[name]) if name in BUNDLED_SETS else Path(name)}
    if shortlist in SHORTLISTS:
        files["shortlist"] = bundled_path(SHORTLISTS[shortlist])
    if signature_set == "cosmic-v3.2":  # both sets for the exome-versus-genome check
        files["genome_set"] = bundled_path(BUNDLED_SETS["cosmic-v3.2"])
        files["exome_set"] = bundled_path(BUNDLED_SETS["cosmic-v3.2-exome"])
    return files
