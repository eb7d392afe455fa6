"""``signatures``: SBS96 catalogues and COSMIC v3.2 exposures (the study's method)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from icarus_omics.commands.params import OutDir, Quiet, say
from icarus_omics.errors import IcarusError
from icarus_omics.io.files import staged_outputs

if TYPE_CHECKING:
    import pandas as pd

    from icarus_omics.signatures.fitting import FitResult


class Method(str, Enum):
    """How exposures are fitted."""

    SPARSE = "sparse"
    NNLS = "nnls"
    STRICT = "strict"


Inputs = Annotated[
    list[Path],
    typer.Argument(
        help="VCFs (PASS records), MAFs, or one 96-channel catalogue TSV.",
        exists=True,
        dir_okay=False,
        metavar="INPUT...",
    ),
]
Fasta = Annotated[
    Path | None,
    typer.Option(help="Indexed reference FASTA (VCF/MAF input).", exists=True, dir_okay=False),
]
SignatureSet = Annotated[
    str, typer.Option("--signatures", help="cosmic-v3.2 (bundled, GRCh37) or a matrix file.")
]
Shortlist = Annotated[
    str, typer.Option(help="breast (the study's 21), all, a file or a comma list.")
]
Samples = Annotated[
    Path | None,
    typer.Option(
        help="Sample table with a group column to test exposures.", exists=True, dir_okay=False
    ),
]


def signatures(
    inputs: Inputs,
    outdir: OutDir = Path("."),
    fasta: Fasta = None,
    signature_set: SignatureSet = "cosmic-v3.2",
    shortlist: Shortlist = "breast",
    min_snvs: Annotated[
        int, typer.Option(min=0, help="Fit only samples with this many SNVs.")
    ] = 50,
    exome: Annotated[
        bool, typer.Option(help="Use exome-normalised signatures (WES data).")
    ] = False,
    method: Annotated[
        Method, typer.Option(help="sparse (NNLS + SigProfiler sparsity), nnls, strict.")
    ] = Method.SPARSE,
    max_cosine_drop: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="sparse: stop before cosine falls by this much.")
    ] = 0.01,
    max_delta: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="strict: MutationalPatterns max_delta.")
    ] = 0.004,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap replicates for exposure intervals.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    samples: Samples = None,
    group: Annotated[str, typer.Option(help="Group column of --samples.")] = "response",
    spectra: Annotated[bool, typer.Option(help="Plot each sample's spectrum (spectra/).")] = True,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    quiet: Quiet = False,
) -> None:
    """Build SBS96 catalogues and fit COSMIC v3.2 signature exposures.

    Writes catalogue.tsv (96 channels x samples), exposures.tsv (samples x signatures,
    SNV counts), exposures_relative.tsv, fit_quality.tsv (sample, n_snvs, fitted,
    cosine_similarity, rss, signatures_kept), spectra/SAMPLE.png, exposures.png, and with
    --bootstrap bootstrap.tsv, with --samples association.tsv (Mann-Whitney, BH).
    """
    from icarus_omics.io import plots
    from icarus_omics.io.signatures import read_shortlist, read_signatures
    from icarus_omics.io.tables import write_tsv
    from icarus_omics.signatures import fitting as fitting

    catalogue, report, indexed = _catalogue(inputs, fasta)
    if spectra:  # each sample names its spectra/SAMPLE.png
        _check_file_names(catalogue.columns)
    name = f"{signature_set}-exome" if exome and signature_set == "cosmic-v3.2" else signature_set
    reference = read_signatures(name)
    reference = reference[read_shortlist(shortlist, list(reference.columns))]
    counts = catalogue.sum(axis=0)
    eligible = [s for s in catalogue.columns if counts[s] >= min_snvs]
    log_ratio = _exome_log_ratio(catalogue, signature_set, list(reference.columns))
    notes = _build_notes(catalogue, eligible, min_snvs, exome, report, log_ratio)
    if indexed:
        notes += f"; indexed {fasta} (wrote its .fai next to it)"
    if not eligible:
        raise IcarusError(f"no sample has {min_snvs} SNVs or more (--min-snvs); nothing to fit")
    fit = _fit(fitting, catalogue[eligible], reference, method, max_cosine_drop, max_delta, threads)
    relative = fit.exposures.div(fit.exposures.sum(axis=1).where(lambda x: x > 0), axis=0)
    with staged_outputs(outdir) as stage:
        write_tsv(catalogue, stage.path("catalogue.tsv"), index=True)
        write_tsv(fit.exposures, stage.path("exposures.tsv"), index=True)
        write_tsv(relative, stage.path("exposures_relative.tsv"), index=True)
        write_tsv(_quality(fit.quality, counts, eligible), stage.path("fit_quality.tsv"))
        if bootstrap:
            intervals = fitting.bootstrap(
                catalogue[eligible],
                reference,
                method.value,
                bootstrap,
                seed,
                threads,
                **_options(method, max_cosine_drop, max_delta),
            )
            write_tsv(intervals, stage.path("bootstrap.tsv"))
        if samples is not None:
            write_tsv(
                _association(samples, group, fit.exposures, relative), stage.path("association.tsv")
            )
        if spectra:
            paths = {sample: stage.path(f"spectra/{sample}.png") for sample in catalogue.columns}
            plots.spectra(catalogue, fit.reconstructed, paths)
        plots.exposure_bars(relative.fillna(0), stage.path("exposures.png"))
    kept = fit.quality["cosine_similarity"].median()
    say(
        f"signatures: {len(eligible)} of {len(catalogue.columns)} samples fitted ({method.value}, "
        f"{len(reference.columns)} signatures, median cosine {kept:.3f})" + notes,
        quiet,
    )


def _catalogue(inputs: list[Path], fasta: Path | None) -> tuple[pd.DataFrame, object | None, bool]:
    from icarus_omics.io.catalogue import is_maf, read_catalogue, read_variant_files
    from icarus_omics.io.fasta import Reference
    from icarus_omics.signatures.catalogue import build_catalogue

    tables = [p for p in inputs if not is_maf(p) and not _is_vcf(p)]
    if tables:
        if len(inputs) > 1:
            raise IcarusError("give either one catalogue TSV or VCF/MAF files, not both")
        return read_catalogue(tables[0]), None, False
    if fasta is None:
        raise IcarusError(
            "VCF/MAF input needs --fasta (indexed reference) for the trinucleotide context"
        )
    variants, names = read_variant_files(inputs)
    reference = Reference(fasta)
    return (*build_catalogue(variants, reference, names), reference.indexed)


def _check_file_names(samples: pd.Index) -> None:
    from icarus_omics.io.files import safe_name

    advice = "rename it in the input, or plot no spectra (--no-spectra)"  # no --prefix here
    for sample in samples:
        safe_name(str(sample), "sample", advice)


def _exome_log_ratio(catalogue: pd.DataFrame, signature_set: str, names: list[str]) -> float | None:
    """Exome-vs-genome log-likelihood ratio, when both COSMIC sets are at hand."""
    from icarus_omics.io.signatures import read_signatures
    from icarus_omics.signatures.fitting import exome_log_ratio

    if signature_set != "cosmic-v3.2":
        return None
    genome, exome = read_signatures("cosmic-v3.2"), read_signatures("cosmic-v3.2-exome")
    return exome_log_ratio(catalogue, genome[names], exome[names])


def _is_vcf(path: Path) -> bool:
    return any(path.name.endswith(s) for s in (".vcf", ".vcf.gz", ".bcf"))


def _fit(
    fitting: object,
    catalogue: pd.DataFrame,
    reference: pd.DataFrame,
    method: Method,
    max_cosine_drop: float,
    max_delta: float,
    threads: int,
) -> FitResult:
    function = {"sparse": "fit_sparse", "nnls": "fit_nnls", "strict": "fit_strict"}[method.value]
    options = _options(method, max_cosine_drop, max_delta)
    result: FitResult = getattr(fitting, function)(
        catalogue, reference, processes=threads, **options
    )
    return result


def _options(method: Method, max_cosine_drop: float, max_delta: float) -> dict[str, float]:
    if method is Method.SPARSE:
        return {"max_cosine_drop": max_cosine_drop}
    return {"max_delta": max_delta} if method is Method.STRICT else {}


def _build_notes(
    catalogue: pd.DataFrame,
    eligible: list[str],
    min_snvs: int,
    exome: bool,
    report: object | None,
    log_ratio: float | None,
) -> str:
    from icarus_omics.signatures.fitting import SEQUENCING_LOG_RATIO

    notes = []
    skipped = len(catalogue.columns) - len(eligible)
    if skipped:
        notes.append(f"{skipped} sample(s) under {min_snvs} SNVs not fitted")
    # The trinucleotide make-up of the catalogue decides, not the number of SNVs: see
    # signatures.exome_log_ratio (exome-normalised vs genome COSMIC signatures).
    if log_ratio is not None and not exome and log_ratio > SEQUENCING_LOG_RATIO:
        notes.append(
            f"warning: the trinucleotide contexts look like exome data (log-likelihood ratio "
            f"{log_ratio:.0f} for exome- vs genome-normalised signatures); consider --exome"
        )
    if log_ratio is not None and exome and log_ratio < -SEQUENCING_LOG_RATIO:
        notes.append(
            f"warning: the trinucleotide contexts look like a whole genome (log-likelihood "
            f"ratio {-log_ratio:.0f} for genome- vs exome-normalised signatures), but --exome "
            "uses exome-normalised signatures"
        )
    if report is not None:
        notes.append(report.summary())  # type: ignore[attr-defined]
    return "".join(f"; {n}" for n in notes)


def _quality(quality: pd.DataFrame, counts: pd.Series, eligible: list[str]) -> pd.DataFrame:
    """One row per sample, fitted or not."""
    table = quality.reindex(counts.index)
    table["n_snvs"] = counts.astype(int)
    table.insert(1, "fitted", [s in eligible for s in counts.index])
    table.index.name = "sample"
    columns = ["n_snvs", "fitted", "cosine_similarity", "rss", "signatures_kept"]
    return table.reset_index()[["sample", *columns]]


def _association(
    path: Path, group: str, absolute: pd.DataFrame, relative: pd.DataFrame
) -> pd.DataFrame:
    import pandas as pd

    from icarus_omics.io.tables import read_sample_table
    from icarus_omics.oncogenic.alterations import response_groups
    from icarus_omics.signatures.association import compare_groups

    sheet, id_column = read_sample_table(path)
    groups = response_groups(sheet, id_column, group)
    return pd.concat(
        [
            compare_groups(absolute, groups, "absolute"),
            compare_groups(relative.fillna(0), groups, "relative"),
        ],
        ignore_index=True,
    )
