"""Stream one Mutect2 VCF through the post-filter (and annotation): shared by
``wes-filter`` and ``wes-annotate``. Reads and writes; the rules live in the library."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from icarus_omics import __version__, somatic
from icarus_omics.commands.params import progress
from icarus_omics.consequence import Effect
from icarus_omics.errors import IcarusError
from icarus_omics.genome import ReferenceAgreement, check_coordinates_fit
from icarus_omics.io import tables, vcf
from icarus_omics.io.annotation import AnnotationLayout, allele_effects, annotation_layout
from icarus_omics.io.fasta import Reference
from icarus_omics.io.files import Staging, staged_outputs
from icarus_omics.maf import ANNOTATION_COLUMNS, MAF_COLUMNS, annotate, maf_row


@dataclass(frozen=True)
class WesOptions:
    """Everything a wes-filter/wes-annotate run needs besides the VCF and the outdir."""

    thresholds: somatic.Thresholds
    tumor: str | None = None
    normal: str | None = None
    prefix: str | None = None
    exclude_bed: Path | None = None
    fasta: Path | None = None
    threads: int = 1
    annotate: bool = False
    genes: tuple[str, ...] | None = None
    nonsynonymous_only: bool = False
    ncbi_build: str = "GRCh37"


@dataclass
class WesSummary:
    """Counts and facts of one run, written as ``<sample>.summary.json``."""

    sample: str
    tumor: str | None
    normal: str | None
    records: int = 0
    calls: int = 0
    passed: int = 0
    written: int = 0
    annotation: str | None = None
    notes: list[str] = field(default_factory=list)


def run_wes(path: Path, outdir: Path, options: WesOptions) -> WesSummary:
    """Filter (and annotate) ``path``; write all outputs into ``outdir`` atomically."""
    reader = vcf.open_vcf(path, threads=options.threads)
    header = vcf.read_header(reader, path, options.tumor, options.normal)
    if header.samples and not header.has_ad:
        raise IcarusError(f"{path}: FORMAT/AD is not declared; the filter needs allele depths")
    summary = WesSummary(options.prefix or header.tumor or _stem(path), header.tumor, header.normal)
    _note_missing_samples(header, summary)
    excluded = _excluded_regions(options.exclude_bed, header)
    reference = _reference(options.fasta, header)
    layout = _layout(header, options, summary)
    with staged_outputs(outdir) as stage, ExitStack() as stack:
        _stream(reader, header, options, summary, stage, stack, excluded, reference, layout)
    return summary


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bcf", ".vcf"):
        name = name.removesuffix(suffix)
    return name


def _note_missing_samples(header: vcf.VcfHeader, summary: WesSummary) -> None:
    if header.tumor is None:
        summary.notes.append("sites-only VCF: read-count filters skipped")
    elif header.normal is None:
        summary.notes.append("tumour-only VCF: normal-sample filters skipped")


def _excluded_regions(bed: Path | None, header: vcf.VcfHeader) -> somatic.Regions | None:
    if bed is None:
        return None
    intervals = tables.read_bed(bed)
    ends: dict[str, int] = {}
    for chrom, _, end in intervals:
        ends[chrom] = max(ends.get(chrom, 0), end)
    check_coordinates_fit(ends, header.contig_lengths, str(bed), str(header.path))
    return somatic.Regions(intervals)


def _reference(fasta: Path | None, header: vcf.VcfHeader) -> Reference | None:
    if fasta is None:
        return None
    reference = Reference(fasta)
    for name, length in header.contig_lengths.items():
        other = reference.contig(name)
        if other is not None and reference.lengths[other] != length:
            raise IcarusError(
                f"{header.path} declares {name} as {length:,} bp but {fasta} has "
                f"{reference.lengths[other]:,} bp: different genome builds"
            )
    return reference


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


def _stream(
    reader: object,
    header: vcf.VcfHeader,
    options: WesOptions,
    summary: WesSummary,
    stage: Staging,
    stack: ExitStack,
    excluded: somatic.Regions | None,
    reference: Reference | None,
    layout: AnnotationLayout | None,
) -> None:
    sample, thresholds = summary.sample, options.thresholds
    descriptions = thresholds.descriptions()
    writer = vcf.SoftFilterWriter(
        stage.path(f"{sample}.filtered.vcf.gz"),
        stage.path(f"{sample}.filtered.vcf.gz.tbi"),
        reader,
        header,
        descriptions,
        provenance=f'<Version={__version__},Command="{" ".join(sys.argv[1:])}">',
        split=thresholds.multiallelic == "split",
    )
    columns = somatic.MUTATION_COLUMNS + (ANNOTATION_COLUMNS if options.annotate else ())
    mutations = stack.enter_context(
        tables.TableWriter(stage.path(f"{sample}.mutations.tsv"), columns)
    )
    maf = None
    if options.annotate:
        maf = stack.enter_context(
            tables.TableWriter(stage.path(f"{sample}.maf"), MAF_COLUMNS, comments=["version 2.4"])
        )
    attrition = somatic.Attrition(thresholds)
    agreement = ReferenceAgreement(str(header.path), str(options.fasta))
    panel = set(options.genes) if options.genes is not None else None
    swap = somatic.SwapCheck()
    contigs: set[str] = set()
    with progress(f"wes: {header.path.name}") as tick:
        for site, variant in vcf.iter_sites(reader, header):
            summary.records += 1
            if summary.records % 10_000 == 0:
                tick(10_000)
            if reference is not None:
                fasta_ref = reference.fetch(site.chrom, site.pos - 1, site.pos - 1 + len(site.ref))
                agreement.add(site.chrom, site.pos, site.ref, fasta_ref)
                if agreement.checked == agreement.min_checked:
                    agreement.check()
            swap.add(site)
            contigs.add(site.chrom)
            calls = somatic.call_alleles(site, thresholds, excluded)
            writer.write(variant, calls)
            for call in calls:
                attrition.add(call)
                summary.calls += 1
                if not call.is_pass:
                    continue
                summary.passed += 1
                row = call.row()
                if options.annotate:
                    effects = _effects(layout, variant, call)
                    annotation = annotate(call, effects)
                    if panel is not None and annotation.gene not in panel:
                        continue
                    if options.nonsynonymous_only and not annotation.is_nonsynonymous:
                        continue
                    row += annotation.columns()
                    maf.write(maf_row(call, annotation, sample, header.normal, options.ncbi_build))  # type: ignore[union-attr]
                mutations.write(row)
                summary.written += 1
    agreement.check(final=True)
    if excluded is not None and contigs and not excluded.shares_contig(contigs):
        raise IcarusError(
            f"{options.exclude_bed} and {header.path} have no contig in common; "
            "they are probably for different genome builds or species"
        )
    if swap.looks_swapped:
        summary.notes.append(
            f"warning: at {swap.normal_higher} of {swap.checked} PASS records the normal "
            f"({header.normal}) has more ALT reads than the tumour ({header.tumor}); "
            "are --tumor and --normal swapped?"
        )
    writer.close()
    tables.write_tsv(
        attrition.table(header.filter_descriptions), stage.path(f"{sample}.filter_attrition.tsv")
    )
    stage.path(f"{sample}.summary.json").write_text(_summary_json(summary, options))


def _effects(
    layout: AnnotationLayout | None, variant: object, call: somatic.AlleleCall
) -> list[Effect]:
    if layout is None:
        return []
    value = variant.INFO.get(layout.key)  # type: ignore[attr-defined]
    if not isinstance(value, str):
        return []
    return allele_effects(layout, value, call.site.ref, call.site.alts, call.allele)


def _summary_json(summary: WesSummary, options: WesOptions) -> str:
    thresholds = asdict(options.thresholds)
    thresholds["allowed_filters"] = sorted(options.thresholds.allowed_filters)
    document = {"icarus_omics_version": __version__, **asdict(summary), "thresholds": thresholds}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
