"""``cna``: gene-level copy-number categories from FACETS segments (thresholds in cna.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import numpy as np
import typer

from icarus_omics.commands.params import (
    DEFAULT_THREADS,
    OutDir,
    Prefix,
    Quiet,
    Threads,
    progress,
    say,
)
from icarus_omics.io.files import staged_outputs
from icarus_omics.parallel import parallel_map

if TYPE_CHECKING:  # numpy/pandas-heavy modules load only when the command runs
    from icarus_omics.copynumber import categories as copy_number
    from icarus_omics.io import segments as files


@dataclass(frozen=True)
class Provenance:
    """What every sample's summary records of the run: the output folder, the files used."""

    outdir: Path
    resources: dict[str, Path] = field(default_factory=dict)


class Wgd(str, Enum):
    """How to decide whole-genome doubling."""

    AUTO = "auto"
    YES = "yes"
    NO = "no"


_SEGMENTS = "FACETS segment tables (cncf or .cncf.txt); several samples make a cohort."
Segments = Annotated[
    list[Path], typer.Argument(help=_SEGMENTS, metavar="SEGMENTS...", exists=True, dir_okay=False)
]
_GENES = (
    "Gene coordinates (required): BED (chrom, start, end, name) or TSV (gene, chrom, start, end; "
    "1-based). None is bundled: no openly licensed gene table was found in a package registry."
)
Genes = Annotated[Path, typer.Option(help=_GENES, metavar="FILE", exists=True, dir_okay=False)]
Purity = Annotated[float | None, typer.Option(help="Purity in (0, 1] of a lone sample (reported).")]
Ploidy = Annotated[float | None, typer.Option(help="Ploidy of a lone sample (reported).")]
_FIT = (
    "FACETS fit summary: a table with sample, purity and ploidy columns (matched by sample "
    "name; every sample needs its row), or unnamed purity/ploidy key-value rows or "
    "'# Purity = 0.5' lines, one per sample in segment-file order."
)
FitFiles = Annotated[
    list[Path] | None, typer.Option(help=_FIT, metavar="FILE", exists=True, dir_okay=False)
]
_WGD = "auto: WGD if over half the autosomal genome has major CN >= 2 (facets-suite); yes/no."
WgdOption = Annotated[Wgd, typer.Option(help=_WGD)]
MaxFocalMb = Annotated[
    float, typer.Option(min=0.0, help="Segments this long (Mb) or longer are not focal.")
]


def cna(
    segments: Segments,
    genes: Genes,
    outdir: OutDir = Path("."),
    purity: Purity = None,
    ploidy: Ploidy = None,
    fit: FitFiles = None,
    wgd: WgdOption = Wgd.AUTO,
    max_focal_mb: MaxFocalMb = 10.0,
    prefix: Prefix = None,
    threads: Threads = DEFAULT_THREADS,
    quiet: Quiet = False,
) -> None:
    """Call gene copy-number categories from FACETS segments with the study's thresholds.

    Writes SAMPLE.cna_genes.tsv and SAMPLE.cna_summary.json for each sample and, for a
    cohort, cna_discrete.tsv (cBioPortal values) and cna_categories.tsv, genes x samples.
    Categories: high/medium/low_level_gain, homozygous_deletion, loh, neutral; undetermined
    where tcn is in the LOH range but lcn is NA; no_segment for genes in no segment.
    """
    from icarus_omics.copynumber import categories as copy_number
    from icarus_omics.io import segments as files

    thresholds = copy_number.Thresholds(max_focal_length=round(max_focal_mb * 1_000_000))
    samples = files.read_cohort(segments, prefix)
    fits = files.sample_fits(samples, copy_number.Fit(purity, ploidy), fit or [])
    index = copy_number.index_genes(files.read_genes(genes))
    writer, mode = files.GeneCallWriter(index.genes), cast(copy_number.WgdMode, wgd.value)
    with staged_outputs(outdir) as stage:
        jobs = [(s, fits[s.sample], stage.path(f"{s.sample}.cna_genes.tsv"),
                 stage.path(f"{s.sample}.cna_summary.json")) for s in samples]  # fmt: skip
        size = -(-len(jobs) // (4 * threads))  # a few chunks per worker, in order
        used = {"genes": genes, **{f"fit {i + 1}": path for i, path in enumerate(fit or [])}}
        chunks = [(index, writer, jobs[i : i + size], mode, thresholds, Provenance(outdir, used))
                  for i in range(0, len(jobs), size)]  # fmt: skip
        results = []
        with progress("cna", unit="samples") as tick:  # a counter on a terminal only
            for done in parallel_map(_call_samples, chunks, threads):
                results += done
                tick(len(done))
        if len(results) > 1:
            codes = np.column_stack([category for category, _ in results])
            names, rows = [s.sample for s in samples], index.genes["gene"].tolist()
            for name, labels in (("cna_discrete.tsv", copy_number.DISCRETE_LABELS),
                                 ("cna_categories.tsv", copy_number.CATEGORIES)):  # fmt: skip
                files.write_code_matrix(rows, names, codes, labels, stage.path(name))
    say(copy_number.describe([summary for _, summary in results]), quiet)


def _call_samples(
    index: copy_number.GeneIndex,
    writer: files.GeneCallWriter,
    jobs: list[tuple[files.SampleSegments, copy_number.Fit, Path, Path]],
    mode: copy_number.WgdMode,
    thresholds: copy_number.Thresholds,
    provenance: Provenance,
) -> list[tuple[copy_number.Codes, copy_number.SampleSummary]]:
    """Call, write and summarise some samples (one worker's share)."""
    from icarus_omics.copynumber import categories as copy_number
    from icarus_omics.io.summary import write_summary

    results = []
    for sample, fit, table_path, summary_path in jobs:
        calls = copy_number.call_genes(index, sample.segments, sample.sample, mode, thresholds)
        writer.write(calls, table_path)
        summary = copy_number.summarise(calls, fit, thresholds)
        write_summary(vars(summary), summary_path, provenance.outdir,
                      resources=provenance.resources)  # fmt: skip
        results.append((calls.category, summary))
    return results
