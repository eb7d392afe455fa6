"""Stream one Mutect2 VCF through the post-filter (and annotation): shared by
``wes-filter`` and ``wes-annotate``. Reads and writes; the rules live in the library."""

from __future__ import annotations

import json
import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from icarus_omics import __version__, somatic
from icarus_omics.attrition import ATTRITION_COLUMNS, Attrition, SwapCheck
from icarus_omics.commands.params import progress
from icarus_omics.consequence import Effect
from icarus_omics.errors import IcarusError
from icarus_omics.genome import ReferenceAgreement, check_coordinates_fit
from icarus_omics.io import tables, vcf
from icarus_omics.io.annotation import AnnotationLayout, allele_effects, annotation_layout
from icarus_omics.io.fasta import Reference
from icarus_omics.io.files import Staging, staged_outputs
from icarus_omics.maf import ANNOTATION_COLUMNS, MAF_COLUMNS, annotate, maf_row
from icarus_omics.somatic_batch import failure_masks, mask_names


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
    run = _Run(header, options, summary, stage, stack, excluded, reference, layout, reader)
    with progress(f"wes: {header.path.name}") as tick:
        for batch in vcf.iter_batches(reader, header):
            run.judge(batch)
            tick(len(batch))
    run.finish()


class _Run:
    """The writers and running tallies of one wes-filter/wes-annotate run."""

    def __init__(
        self,
        header: vcf.VcfHeader,
        options: WesOptions,
        summary: WesSummary,
        stage: Staging,
        stack: ExitStack,
        excluded: somatic.Regions | None,
        reference: Reference | None,
        layout: AnnotationLayout | None,
        reader: object,
    ) -> None:
        self.header, self.options, self.summary, self.stage = header, options, summary, stage
        self.excluded, self.reference, self.layout = excluded, reference, layout
        sample, thresholds = summary.sample, options.thresholds
        self.writer = vcf.SoftFilterWriter(
            stage.path(f"{sample}.filtered.vcf.gz"),
            stage.path(f"{sample}.filtered.vcf.gz.tbi"),
            reader,
            header,
            thresholds.descriptions(),
            provenance=f'<Version={__version__},Command="{" ".join(sys.argv[1:])}">',
            split=thresholds.multiallelic == "split",
            threads=options.threads,
        )
        columns = somatic.MUTATION_COLUMNS + (ANNOTATION_COLUMNS if options.annotate else ())
        self.mutations = stack.enter_context(
            tables.TableWriter(stage.path(f"{sample}.mutations.tsv"), columns)
        )
        self.maf = None
        if options.annotate:
            self.maf = stack.enter_context(
                tables.TableWriter(
                    stage.path(f"{sample}.maf"), MAF_COLUMNS, comments=["version 2.4"]
                )
            )
        self.attrition = Attrition(thresholds)
        self.groups: Counter[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = Counter()
        self.agreement = ReferenceAgreement(str(header.path), str(options.fasta))
        self.panel = set(options.genes) if options.genes is not None else None
        self.swap = SwapCheck()
        self.contigs: set[str] = set()

    def judge(self, batch: vcf.RecordBatch) -> None:
        """Filter one batch: write every record, count it, keep the passing calls."""
        thresholds, allowed = self.options.thresholds, self.options.thresholds.allowed_filters
        self.summary.records += len(batch)
        self.contigs.update(batch.chrom)
        self._check_reference(batch)
        self.swap.add_batch(
            batch.filters, batch.tumor, batch.normal, [s is None for s in batch.sites]
        )
        region = np.zeros(len(batch), dtype=bool)
        if self.excluded is not None:
            region = np.fromiter(
                (self.excluded.overlaps(c, p - 1, p - 1 + len(r))
                 for c, p, r in zip(batch.chrom, batch.pos, batch.ref, strict=True)),
                dtype=bool, count=len(batch),
            )  # fmt: skip
        masks = failure_masks(batch.tumor, batch.normal, region, thresholds).tolist()
        for i, variant in enumerate(batch.variants):
            site = batch.sites[i]
            if site is not None:  # several ALTs: the per-site rules
                self.swap.add(site)
                calls = somatic.call_alleles(site, thresholds, self.excluded)
                self.writer.write(variant, calls)
                for call in calls:
                    self.attrition.add(call)
                    if call.is_pass:
                        self._keep(call, variant)
                continue
            filters, failures = batch.filters[i], mask_names(masks[i])
            rejected = tuple(f for f in filters if f not in allowed) if filters else ()
            self.groups[(filters, rejected, failures)] += 1
            self.writer.write_flags(variant, filters + failures)
            if rejected or failures:
                continue
            if self.maf is None:  # no annotation: the row straight from the batch
                self.summary.passed += 1
                self.summary.written += 1
                self.mutations.write(batch.passing_row(i))
            else:
                self._keep(batch.passing_call(i), variant)

    def _check_reference(self, batch: vcf.RecordBatch) -> None:
        if self.reference is None:
            return
        for chrom, pos, ref in zip(batch.chrom, batch.pos, batch.ref, strict=True):
            fasta_ref = self.reference.fetch(chrom, pos - 1, pos - 1 + len(ref))
            self.agreement.add(chrom, pos, ref, fasta_ref)
        self.agreement.check()

    def _keep(self, call: somatic.AlleleCall, variant: object) -> None:
        self.summary.passed += 1
        row = call.row()
        if self.maf is not None:
            annotation = annotate(call, _effects(self.layout, variant, call))
            if self.panel is not None and annotation.gene not in self.panel:
                return
            if self.options.nonsynonymous_only and not annotation.is_nonsynonymous:
                return
            row += annotation.columns()
            self.maf.write(
                maf_row(
                    call,
                    annotation,
                    self.summary.sample,
                    self.header.normal,
                    self.options.ncbi_build,
                )
            )
        self.mutations.write(row)
        self.summary.written += 1

    def finish(self) -> None:
        """Final checks, then close the VCF and write the attrition table and summary."""
        header, options, summary = self.header, self.options, self.summary
        self.agreement.check(final=True)
        if (
            self.excluded is not None
            and self.contigs
            and not self.excluded.shares_contig(self.contigs)
        ):
            raise IcarusError(
                f"{options.exclude_bed} and {header.path} have no contig in common; "
                "they are probably for different genome builds or species"
            )
        if self.swap.looks_swapped:
            summary.notes.append(
                f"warning: at {self.swap.normal_higher} of {self.swap.checked} PASS records the "
                f"normal ({header.normal}) has more ALT reads than the tumour ({header.tumor}); "
                "are --tumor and --normal swapped?"
            )
        for (filters, rejected, failures), count in self.groups.items():
            self.attrition.add_group(filters, rejected, failures, count)
        summary.calls = self.attrition.total
        self.writer.close()
        path = self.stage.path(f"{summary.sample}.filter_attrition.tsv")
        with tables.TableWriter(path, ATTRITION_COLUMNS) as attrition:
            for row in self.attrition.table(header.filter_descriptions):
                attrition.write(row)
        self.stage.path(f"{summary.sample}.summary.json").write_text(
            _summary_json(summary, options)
        )


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
