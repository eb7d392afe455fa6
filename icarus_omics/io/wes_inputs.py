"""The inputs of a ``wes-filter``/``wes-annotate`` run, checked before the pass.

:func:`prepare` takes the VCF header (read by ``io``), refuses what the pass cannot use
(no FORMAT/AD, unfiltered Mutect2 calls without ``--allow-unfiltered``, an excluded-regions
BED or a FASTA of another build, knowledge bases without annotation) and returns the
:class:`Setup` every pass needs, with the :class:`WesSummary` it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from icarus_omics import __version__
from icarus_omics.errors import IcarusError
from icarus_omics.genome import check_coordinates_fit, choose_build
from icarus_omics.io import tables, vcf
from icarus_omics.io.annotation import AnnotationLayout, annotation_layout
from icarus_omics.io.fasta import Reference
from icarus_omics.io.files import safe_name
from icarus_omics.somatic.rules import Regions, Thresholds


@dataclass(frozen=True)
class WesOptions:
    """Everything a wes-filter/wes-annotate run needs besides the VCF and the outdir.

    ``resources`` names the files used besides ``fasta`` and ``exclude_bed`` (the gene
    panel and the knowledge-base files), for the summary's ``run`` block.
    """

    thresholds: Thresholds
    tumor: str | None = None
    normal: str | None = None
    prefix: str | None = None
    exclude_bed: Path | None = None
    fasta: Path | None = None
    threads: int = 1
    annotate: bool = False
    genes: tuple[str, ...] | None = None
    nonsynonymous_only: bool = False
    ncbi_build: str | None = None  # None: infer from ##contig lengths, else GRCh37
    allow_unfiltered: bool = False
    # knowledge-base files (resource names resolved by the command); see io.knowledge
    oncokb: Path | None = None
    oncokb_genes: Path | None = None
    civic: Path | None = None
    kb_version: str | None = None
    oncokb_actionable: Path | None = None
    oncokb_api_cache: Path | None = None  # --oncokb api: the OncoKB web API, cached here
    resources: dict[str, Path] = field(default_factory=dict)

    @property
    def uses_knowledge(self) -> bool:
        """Whether OncoKB or CIViC verdicts are asked for (``SAMPLE.oncogenic.tsv``)."""
        return any(x is not None for x in (self.oncokb, self.civic, self.oncokb_api_cache))


@dataclass
class WesSummary:
    """Counts and facts of one run, written as ``<sample>.summary.json``.

    ``records`` counts VCF records; ``calls`` ALT alleles judged; ``passed`` calls passing
    every filter; ``written`` passing calls written (after ``--genes`` and
    ``--nonsynonymous-only``). ``notes`` are the messages the command prints.
    """

    sample: str
    tumor: str | None
    normal: str | None
    records: int = 0
    calls: int = 0
    passed: int = 0
    written: int = 0
    annotation: str | None = None
    notes: list[str] = field(default_factory=list)
    genome_build: str = ""
    genome_build_inferred: bool = False
    genome_build_note: str = ""
    unfiltered: bool = False  # FilterMutectCalls never ran (--allow-unfiltered)
    unfiltered_note: str = ""


@dataclass(frozen=True)
class Setup:
    """What every pass over the VCF needs (picklable, for worker processes)."""

    path: Path
    header: vcf.VcfHeader
    options: WesOptions
    sample: str
    excluded: Regions | None
    layout: AnnotationLayout | None
    provenance: str
    build: str


def prepare(header: vcf.VcfHeader, options: WesOptions) -> tuple[Setup, WesSummary]:
    """Check the VCF's ``header`` and the inputs given with it; the pass's setup.

    Returns
    -------
    Setup, WesSummary
        What every pass needs, and the run's summary with its notes so far.

    Raises IcarusError for a VCF the filter cannot judge (see the module docstring).
    """
    path = header.path
    if header.samples and not header.has_ad:
        raise IcarusError(f"{path}: FORMAT/AD is not declared; the filter needs allele depths")
    summary = WesSummary(_sample_name(path, header, options), header.tumor, header.normal)
    if header.tumor is None:
        summary.notes.append("sites-only VCF: read-count filters skipped")
    elif header.normal is None:
        summary.notes.append("tumour-only VCF: normal-sample filters skipped")
    if header.unfiltered:
        mark_unfiltered(path, header.unfiltered, options, summary)
    build = choose_build(header.contig_lengths, options.ncbi_build, str(path))
    summary.genome_build, summary.genome_build_inferred = build.build, build.inferred
    summary.genome_build_note = build.note
    setup = Setup(
        path=path,
        header=header,
        options=options,
        sample=summary.sample,
        excluded=_excluded_regions(options.exclude_bed, header),
        layout=_layout(header, options, summary),
        provenance=_provenance(options),
        build=build.build,
    )
    if options.fasta is not None and _check_reference_lengths(options.fasta, header):
        summary.notes.append(f"built the missing FASTA index of {options.fasta.name}")
    if options.uses_knowledge and setup.layout is None:
        raise IcarusError(f"{path}: --oncokb/--civic need consequence annotation in the VCF")
    return setup, summary


def mark_unfiltered(path: Path, reason: str, options: WesOptions, summary: WesSummary) -> None:
    """Refuse calls FilterMutectCalls never saw, unless --allow-unfiltered: then say so.

    Sets ``summary.unfiltered`` and its note (the attrition table's step 0 row); raises
    IcarusError naming ``path`` and ``reason`` when unfiltered input is not allowed.
    """
    if not options.allow_unfiltered:
        raise IcarusError(
            f"{path}: unfiltered Mutect2 calls ({reason}); run GATK FilterMutectCalls "
            "first, or pass --allow-unfiltered to filter on read counts alone"
        )
    summary.unfiltered = True
    summary.unfiltered_note = (
        f"FilterMutectCalls never ran ({reason}): contamination, artefact and germline "
        "calls were not removed (--allow-unfiltered)"
    )


def _sample_name(path: Path, header: vcf.VcfHeader, options: WesOptions) -> str:
    """The name every output file starts with, refused unless safe as a file name."""
    if options.prefix is not None:
        return safe_name(options.prefix, "--prefix")
    if header.tumor is not None:
        return safe_name(header.tumor, "tumour sample")
    name = path.name
    for suffix in (".gz", ".bcf", ".vcf"):
        name = name.removesuffix(suffix)
    return safe_name(name, "VCF file name")


def _provenance(options: WesOptions) -> str:
    """The header line's value: version and every setting that shapes the result (not
    paths or thread counts, so the bytes do not depend on them)."""
    t = options.thresholds
    settings = (
        f"min_tumor_depth={t.min_tumor_depth} min_tumor_alt={t.min_tumor_alt} "
        f"min_tumor_vaf={t.min_tumor_vaf:g} min_normal_depth={t.min_normal_depth} "
        f"max_normal_vaf={t.max_normal_vaf:g} multiallelic={t.multiallelic} "
        f"allowed_filters={','.join(sorted(t.allowed_filters)) or 'none'} "
        f"excluded_regions={'yes' if options.exclude_bed else 'no'}"
    )
    return f'<ID=wes-filter,Version={__version__},Settings="{settings}">'


def _excluded_regions(bed: Path | None, header: vcf.VcfHeader) -> Regions | None:
    if bed is None:
        return None
    intervals = tables.read_bed(bed)
    ends: dict[str, int] = {}
    for chrom, _, end in intervals:
        ends[chrom] = max(ends.get(chrom, 0), end)
    check_coordinates_fit(ends, header.contig_lengths, str(bed), str(header.path))
    return Regions(intervals)


def _check_reference_lengths(fasta: Path, header: vcf.VcfHeader) -> bool:
    """Refuse a FASTA whose contig lengths differ from the header's; True when its index
    had to be built."""
    reference = Reference(fasta)
    for name, length in header.contig_lengths.items():
        other = reference.contig(name)
        if other is not None and reference.lengths[other] != length:
            raise IcarusError(
                f"{header.path} declares {name} as {length:,} bp but {fasta} has "
                f"{reference.lengths[other]:,} bp: different genome builds"
            )
    reference.close()
    return bool(reference.indexed)


def _layout(
    header: vcf.VcfHeader, options: WesOptions, summary: WesSummary
) -> AnnotationLayout | None:
    if not options.annotate:
        return None
    if header.annotation is None:
        if options.genes is not None or options.nonsynonymous_only:
            raise IcarusError(
                f"{header.path} has no consequence annotation (VEP CSQ, SnpEff ANN or "
                "Funcotator FUNCOTATION), so --genes/--nonsynonymous-only cannot be applied"
            )
        summary.notes.append("no consequence annotation (CSQ/ANN/FUNCOTATION): columns left empty")
        return None
    layout = annotation_layout(header.annotation, header.annotation_description)
    summary.annotation = layout.tool
    return layout
