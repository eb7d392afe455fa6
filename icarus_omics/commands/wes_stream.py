"""Stream one Mutect2 VCF through the post-filter (and annotation): shared by
``wes-filter`` and ``wes-annotate``. Reads and writes; the rules live in the library."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from icarus_omics import __version__
from icarus_omics.commands.params import Tick, progress
from icarus_omics.errors import IcarusError
from icarus_omics.genome import ReferenceAgreement, check_coordinates_fit, choose_build
from icarus_omics.io import tables, vcf
from icarus_omics.io.annotation import AnnotationLayout, allele_effects, annotation_layout
from icarus_omics.io.bgzf import concatenate_vcfs
from icarus_omics.io.fasta import Reference
from icarus_omics.io.files import Staging, safe_name, staged_outputs
from icarus_omics.io.knowledge import load_knowledge
from icarus_omics.io.vcf_batch import RecordBatch, iter_batches
from icarus_omics.oncogenic.civic import Civic
from icarus_omics.oncogenic.events import mutation_events
from icarus_omics.oncogenic.oncokb import Verdicts
from icarus_omics.parallel import parallel_map
from icarus_omics.somatic import rules as somatic
from icarus_omics.somatic.attrition import ATTRITION_COLUMNS, Attrition, SwapCheck
from icarus_omics.somatic.batch import failure_masks, mask_names
from icarus_omics.somatic.consequence import Effect
from icarus_omics.somatic.maf import ANNOTATION_COLUMNS, MAF_COLUMNS, annotate, maf_row


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
    ncbi_build: str | None = None  # None: infer from ##contig lengths, else GRCh37
    allow_unfiltered: bool = False
    oncokb: str | None = None  # file or resource name; see io.knowledge.load_knowledge
    oncokb_genes: str | None = None
    civic: str | None = None
    kb_version: str | None = None
    oncokb_actionable: str | None = None


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
    genome_build: str = ""
    genome_build_inferred: bool = False
    genome_build_note: str = ""
    unfiltered: bool = False  # FilterMutectCalls never ran (--allow-unfiltered)
    unfiltered_note: str = ""


def run_wes(path: Path, outdir: Path, options: WesOptions) -> WesSummary:
    """Filter (and annotate) ``path``; write all outputs into ``outdir`` atomically.

    A bgzipped VCF is processed one contig at a time (in parallel with ``threads`` > 1)
    through its tabix index, made in a scratch folder if missing, and the parts are joined;
    other inputs are streamed in one pass. Either way the bytes written do not depend on
    ``threads``.
    """
    reader = vcf.open_vcf(path)
    header = vcf.read_header(reader, path, options.tumor, options.normal)
    if header.samples and not header.has_ad:
        raise IcarusError(f"{path}: FORMAT/AD is not declared; the filter needs allele depths")
    summary = WesSummary(_sample_name(path, header, options), header.tumor, header.normal)
    _note_missing_samples(header, summary)
    if header.unfiltered:
        _unfiltered(path, header.unfiltered, options, summary)
    build = choose_build(header.contig_lengths, options.ncbi_build, str(path))
    summary.genome_build, summary.genome_build_inferred = build.build, build.inferred
    summary.genome_build_note = build.note
    setup = _Setup(
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
    knowledge = None
    if options.oncokb is not None or options.civic is not None:  # load early: fail fast
        if setup.layout is None:
            raise IcarusError(f"{path}: --oncokb/--civic need consequence annotation in the VCF")
        knowledge = load_knowledge(options.oncokb, options.oncokb_genes, options.civic,
                                   options.kb_version, options.oncokb_actionable)  # fmt: skip
    with staged_outputs(outdir) as stage:
        plan = vcf.contig_plan(path, stage.scratch(), header.contig_lengths)
        if plan is None:
            with progress(f"wes: {path.name}") as tick:
                tally = _run_pass(setup, reader, iter(reader), _PassPaths.final(stage, setup), tick)
        else:
            tally = _run_parts(setup, plan, stage)
        _finish(setup, tally, summary, stage)
        if knowledge is not None:
            _write_oncogenic(stage, setup, *knowledge)
    return summary


def _write_oncogenic(
    stage: Staging, setup: _Setup, kb: Verdicts | None, civic: Civic | None
) -> None:
    """``<sample>.oncogenic.tsv``: the passing calls OncoKB (or, without it, CIViC) flags."""
    maf_path = _PassPaths.final(stage, setup).maf
    assert maf_path is not None  # annotation is on whenever knowledge is given
    maf = tables.read_tsv(maf_path, what="MAF")
    calls = maf.rename(columns=ONCOGENIC_INPUT)[list(ONCOGENIC_INPUT.values())]
    events = mutation_events(calls, kb, civic)
    events = events[events["oncogenic"].astype(bool)]
    tables.write_tsv(events, stage.path(f"{setup.sample}.oncogenic.tsv"))


ONCOGENIC_INPUT = {
    "Tumor_Sample_Barcode": "sample",
    "Chromosome": "chrom",
    "vcf_pos": "pos",
    "Reference_Allele": "ref",
    "Tumor_Seq_Allele2": "alt",
    "Hugo_Symbol": "gene",
    "HGVSp_Short": "protein_change",
    "Variant_Classification": "variant_classification",
    "t_vaf": "tumor_vaf",
}


def _sample_name(path: Path, header: vcf.VcfHeader, options: WesOptions) -> str:
    """The name every output file starts with, refused unless safe as a file name."""
    if options.prefix is not None:
        return safe_name(options.prefix, "--prefix")
    if header.tumor is not None:
        return safe_name(header.tumor, "tumour sample")
    return safe_name(_stem(path), "VCF file name")


def _unfiltered(path: Path, reason: str, options: WesOptions, summary: WesSummary) -> None:
    """Refuse calls FilterMutectCalls never saw, unless --allow-unfiltered: then say so."""
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


@dataclass(frozen=True)
class _Setup:
    """What every pass over the VCF needs (picklable, for worker processes)."""

    path: Path
    header: vcf.VcfHeader
    options: WesOptions
    sample: str
    excluded: somatic.Regions | None
    layout: AnnotationLayout | None
    provenance: str
    build: str


@dataclass(frozen=True)
class _PassPaths:
    """Where one pass writes; ``index`` is None for parts (indexed once joined)."""

    vcf: Path
    index: Path | None
    mutations: Path
    maf: Path | None

    @staticmethod
    def final(stage: Staging, setup: _Setup) -> _PassPaths:
        sample = setup.sample
        return _PassPaths(
            stage.path(f"{sample}.filtered.vcf.gz"),
            stage.path(f"{sample}.filtered.vcf.gz.tbi"),
            stage.path(f"{sample}.mutations.tsv"),
            stage.path(f"{sample}.maf") if setup.options.annotate else None,
        )


@dataclass
class _Tally:
    """Running counts of a pass; tallies of parts add up to the whole file's."""

    attrition: Attrition
    swap: SwapCheck
    agreement: ReferenceAgreement
    records: int = 0
    passed: int = 0
    written: int = 0
    contigs: set[str] = field(default_factory=set)
    has_filter_value: bool = False  # some record had FILTER PASS or a flag, not '.'

    def merge(self, other: _Tally) -> None:
        self.attrition.merge(other.attrition)
        self.swap.merge(other.swap)
        self.agreement.merge(other.agreement)
        self.records += other.records
        self.passed += other.passed
        self.written += other.written
        self.contigs |= other.contigs
        self.has_filter_value |= other.has_filter_value


def _new_tally(setup: _Setup) -> _Tally:
    agreement = ReferenceAgreement(str(setup.path), str(setup.options.fasta))
    return _Tally(Attrition(setup.options.thresholds), SwapCheck(), agreement)


def _run_parts(setup: _Setup, plan: vcf.ContigPlan, stage: Staging) -> _Tally:
    """Filter each contig on its own (in ``threads`` processes) and join the parts."""
    scratch = stage.scratch()
    jobs = [
        (setup, plan.index, contigs, _PassPaths(
            scratch / f"{k}.vcf.gz", None, scratch / f"{k}.tsv",
            scratch / f"{k}.maf" if setup.options.annotate else None,
        ))
        for k, contigs in enumerate(plan.groups)
    ]  # fmt: skip
    tally = _new_tally(setup)
    with progress(f"wes: {setup.path.name}") as tick:
        for part in parallel_map(_run_part, jobs, setup.options.threads):
            tally.merge(part)
            tick(part.records)
    final = _PassPaths.final(stage, setup)
    concatenate_vcfs([paths.vcf for *_, paths in jobs], final.vcf)
    vcf.index_vcf(final.vcf, stage.path(f"{setup.sample}.filtered.vcf.gz.tbi"))
    tables.concatenate_tables([paths.mutations for *_, paths in jobs], final.mutations)
    if final.maf is not None:
        tables.concatenate_tables([p.maf for *_, p in jobs if p.maf], final.maf, skip=2)
    return tally


def _run_part(setup: _Setup, index: Path, contigs: tuple[str, ...], paths: _PassPaths) -> _Tally:
    """A group of contigs of an indexed VCF (runs in a worker process)."""
    reader = vcf.open_indexed(setup.path, index)
    return _run_pass(setup, reader, vcf.query_contigs(reader, contigs), paths)


def _run_pass(
    setup: _Setup,
    reader: object,
    records: Iterable[object],
    paths: _PassPaths,
    tick: Tick | None = None,
) -> _Tally:
    """Filter ``records``, writing the soft-filtered VCF, the TSV and the MAF to ``paths``."""
    tally = _new_tally(setup)
    with ExitStack() as stack:
        judge = _Judge(setup, reader, paths, stack, tally)
        for batch in iter_batches(records, setup.header):
            judge.judge(batch)
            if tick is not None:
                tick(len(batch))
        judge.close()
    return tally


class _Judge:
    """The writers of one pass and the per-batch filtering."""

    def __init__(
        self, setup: _Setup, reader: object, paths: _PassPaths, stack: ExitStack, tally: _Tally
    ) -> None:
        self.setup, self.options, self.tally = setup, setup.options, tally
        thresholds = setup.options.thresholds
        self.writer = vcf.SoftFilterWriter(
            paths.vcf,
            paths.index,
            reader,
            setup.header,
            thresholds.descriptions(),
            provenance=setup.provenance,
            split=thresholds.multiallelic == "split",
        )
        columns = somatic.MUTATION_COLUMNS + (ANNOTATION_COLUMNS if self.options.annotate else ())
        self.mutations = stack.enter_context(tables.TableWriter(paths.mutations, columns))
        self.maf = None
        if paths.maf is not None:
            comments = ["version 2.4"]
            self.maf = stack.enter_context(tables.TableWriter(paths.maf, MAF_COLUMNS, comments))
        self.groups: Counter[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = Counter()
        self.reference = Reference(self.options.fasta) if self.options.fasta else None
        self.panel = set(self.options.genes) if self.options.genes is not None else None

    def judge(self, batch: RecordBatch) -> None:
        """Filter one batch: write every record, count it, keep the passing calls."""
        thresholds, excluded = self.options.thresholds, self.setup.excluded
        allowed = thresholds.allowed_filters
        self.tally.records += len(batch)
        self.tally.has_filter_value |= batch.has_filter_value
        self.tally.contigs.update(batch.chrom)
        self._check_reference(batch)
        self.tally.swap.add_batch(batch.filters, batch.tumor, batch.normal, batch.sites)
        region = np.zeros(len(batch), dtype=bool)
        if excluded is not None:
            region = np.fromiter(
                (excluded.overlaps(c, p - 1, p - 1 + len(r))
                 for c, p, r in zip(batch.chrom, batch.pos, batch.ref, strict=True)),
                dtype=bool, count=len(batch),
            )  # fmt: skip
        masks = failure_masks(batch.tumor, batch.normal, region, thresholds).tolist()
        failures = [mask_names(m) for m in masks]
        passing = {
            i for i, (filters, mask) in enumerate(zip(batch.filters, masks, strict=True))
            if not mask and all(f in allowed for f in filters)
        }  # fmt: skip
        write, annotating = self.writer.write_flags, self.maf is not None
        rows: list[int] = []  # passing single-ALT records, written as one block per run
        for i, (variant, filters, failed) in enumerate(
            zip(batch.variants, batch.filters, failures, strict=True)
        ):
            if i in batch.sites:  # several ALTs: the per-site rules, rows kept in order
                self._flush(batch, rows)
                self._judge_site(batch.sites[i], variant)
                continue
            write(variant, filters, failed)
            if i in passing:
                if annotating:
                    self._keep(batch.passing_call(i), variant)
                else:
                    rows.append(i)
        self._flush(batch, rows)
        pairs = list(zip(batch.filters, failures, strict=True))
        for i in batch.sites:  # counted call by call in _judge_site
            pairs[i] = ((), ("",))
        for (filters, failed), count in Counter(pairs).items():
            if failed != ("",):
                rejected = tuple(f for f in filters if f not in allowed)
                self.groups[(filters, rejected, failed)] += count

    def _flush(self, batch: RecordBatch, rows: list[int]) -> None:
        """Write the rows of passing single-ALT records collected so far (no annotation)."""
        if rows:
            self.mutations.write_text(batch.passing_lines(rows), len(rows))
            self.tally.passed += len(rows)
            self.tally.written += len(rows)
            rows.clear()

    def _judge_site(self, site: somatic.Site, variant: object) -> None:
        self.tally.swap.add(site)
        calls = somatic.call_alleles(site, self.options.thresholds, self.setup.excluded)
        self.writer.write(variant, calls)
        for call in calls:
            self.tally.attrition.add(call)
            if call.is_pass:
                self._keep(call, variant)

    def _check_reference(self, batch: RecordBatch) -> None:
        if self.reference is None:
            return
        agreement = self.tally.agreement
        for chrom, pos, ref in zip(batch.chrom, batch.pos, batch.ref, strict=True):
            fasta_ref = self.reference.fetch(chrom, pos - 1, pos - 1 + len(ref))
            agreement.add(chrom, pos, ref, fasta_ref)
        agreement.check()

    def _keep(self, call: somatic.AlleleCall, variant: object) -> None:
        self.tally.passed += 1
        row = call.row()
        if self.maf is not None:
            annotation = annotate(call, _effects(self.setup.layout, variant, call))
            if self.panel is not None and annotation.gene not in self.panel:
                return
            if self.options.nonsynonymous_only and not annotation.is_nonsynonymous:
                return
            row += annotation.columns()
            normal, build = self.setup.header.normal, self.setup.build
            vcf_id = variant.ID or ""  # type: ignore[attr-defined]
            self.maf.write(maf_row(call, annotation, self.setup.sample, normal, build, vcf_id))
        self.mutations.write(row)
        self.tally.written += 1

    def close(self) -> None:
        for (filters, rejected, failures), count in self.groups.items():
            self.tally.attrition.add_group(filters, rejected, failures, count)
        self.writer.close()
        if self.reference is not None:
            self.reference.close()


def _finish(setup: _Setup, tally: _Tally, summary: WesSummary, stage: Staging) -> None:
    """Whole-file checks, then the attrition table and the summary."""
    header, options = setup.header, setup.options
    tally.agreement.check(final=True)
    if tally.records and not tally.has_filter_value and not summary.unfiltered:
        _unfiltered(header.path, "every record has FILTER '.'", options, summary)
    excluded = setup.excluded
    if excluded is not None and tally.contigs and not excluded.shares_contig(tally.contigs):
        raise IcarusError(
            f"{options.exclude_bed} and {header.path} have no contig in common; "
            "they are probably for different genome builds or species"
        )
    if tally.swap.looks_swapped:
        summary.notes.append(
            f"warning: at {tally.swap.normal_higher} of {tally.swap.checked} PASS records the "
            f"normal ({header.normal}) has more ALT reads than the tumour ({header.tumor}); "
            "are --tumor and --normal swapped?"
        )
    summary.records, summary.calls = tally.records, tally.attrition.total
    summary.passed, summary.written = tally.passed, tally.written
    path = stage.path(f"{summary.sample}.filter_attrition.tsv")
    with tables.TableWriter(path, ATTRITION_COLUMNS) as attrition:
        unfiltered = summary.unfiltered_note if summary.unfiltered else ""
        for row in tally.attrition.table(header.filter_descriptions, unfiltered):
            attrition.write(row)
    stage.path(f"{summary.sample}.summary.json").write_text(_summary_json(summary, options))


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
