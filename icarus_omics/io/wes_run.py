"""The streaming pass of ``wes-filter`` and ``wes-annotate`` over one Mutect2 VCF.

A small pipeline of ``io`` and the library: the VCF is read in batches (``io.vcf_batch``),
judged by :func:`~icarus_omics.somatic.batch.judge_batch` (single-ALT records) and
:func:`~icarus_omics.somatic.rules.call_alleles` (the others), and written as it goes:
the soft-filtered VCF, the mutations table, the MAF. A bgzipped VCF is processed in groups
of contigs (on ``threads`` processes) through its tabix index, and the parts are joined
block-wise; other inputs are streamed in one pass. Either way the bytes written do not
depend on ``threads``. Nothing here prints or exits: the summary's ``notes`` carry the
messages and the command prints them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from icarus_omics import __version__
from icarus_omics.errors import IcarusError
from icarus_omics.io import tables, vcf, vcf_contigs
from icarus_omics.io.annotation import allele_effects
from icarus_omics.io.bgzf import concatenate_vcfs
from icarus_omics.io.fasta import Reference
from icarus_omics.io.files import Staging, staged_outputs
from icarus_omics.io.knowledge import load_knowledge
from icarus_omics.io.summary import write_summary
from icarus_omics.io.vcf_batch import RecordBatch, iter_batches
from icarus_omics.io.wes_inputs import Setup, WesOptions, WesSummary, mark_unfiltered, prepare
from icarus_omics.oncogenic.civic import Civic
from icarus_omics.oncogenic.events import mutation_events
from icarus_omics.oncogenic.oncokb import Verdicts
from icarus_omics.parallel import parallel_map
from icarus_omics.somatic.attrition import ATTRITION_COLUMNS, Tally
from icarus_omics.somatic.batch import Groups, judge_batch, region_mask
from icarus_omics.somatic.consequence import Effect
from icarus_omics.somatic.maf import ANNOTATION_COLUMNS, MAF_COLUMNS, annotate, maf_row
from icarus_omics.somatic.rules import MUTATION_COLUMNS, AlleleCall, Site, call_alleles

__all__ = ["WesOptions", "WesSummary", "run_wes"]

# Advance a progress display by n records (the command's; a no-op by default).
Progress = Callable[[int], None]


def run_wes(
    path: Path, outdir: Path, options: WesOptions, progress: Progress | None = None
) -> WesSummary:
    """Filter (and annotate) the VCF at ``path``; write every output into ``outdir``.

    Parameters
    ----------
    path
        Mutect2/FilterMutectCalls VCF, VCF.gz or BCF.
    outdir
        Output folder; outputs appear there together (staged) or not at all.
    options
        Thresholds and every other choice of the run.
    progress
        Called with the number of records judged, as the pass goes.

    Returns
    -------
    WesSummary
        The counts written to ``SAMPLE.summary.json``, and the notes to print.

    Writes ``SAMPLE.filtered.vcf.gz`` (+ ``.tbi``), ``SAMPLE.mutations.tsv`` (columns
    ``MUTATION_COLUMNS``, plus ``ANNOTATION_COLUMNS`` when annotating),
    ``SAMPLE.filter_attrition.tsv`` (``ATTRITION_COLUMNS``), ``SAMPLE.summary.json`` and,
    when annotating, ``SAMPLE.maf`` (``MAF_COLUMNS``) and with a knowledge base
    ``SAMPLE.oncogenic.tsv``.
    """
    tick = progress or (lambda n: None)
    reader = vcf.open_vcf(path)
    setup, summary = prepare(vcf.read_header(reader, path, options.tumor, options.normal), options)
    knowledge = None
    if options.uses_knowledge:  # load early: fail fast
        knowledge = load_knowledge(
            options.oncokb, options.oncokb_genes, options.civic, options.kb_version,
            options.oncokb_actionable, options.oncokb_api_cache,
        )  # fmt: skip
    with staged_outputs(outdir) as stage:
        plan = vcf_contigs.contig_plan(path, stage.scratch(), setup.header.contig_lengths)
        if plan is None:
            tally = _run_pass(setup, reader, iter(reader), _PassPaths.final(stage, setup), tick)
        else:
            tally = _run_parts(setup, plan, stage, tick)
        _finish(setup, tally, summary, stage, outdir)
        if knowledge is not None:
            _write_oncogenic(stage, setup, *knowledge)
    return summary


# MAF columns -> the columns of a mutation table that mutation_events reads
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


def _write_oncogenic(
    stage: Staging, setup: Setup, kb: Verdicts | None, civic: Civic | None
) -> None:
    """``<sample>.oncogenic.tsv``: the passing calls OncoKB (or, without it, CIViC) flags."""
    maf_path = _PassPaths.final(stage, setup).maf
    assert maf_path is not None  # annotation is on whenever knowledge is given
    maf = tables.read_tsv(maf_path, what="MAF")
    calls = maf.rename(columns=ONCOGENIC_INPUT)[list(ONCOGENIC_INPUT.values())]
    events = mutation_events(calls, kb, civic)
    events = events[events["oncogenic"].astype(bool)]
    tables.write_tsv(events, stage.path(f"{setup.sample}.oncogenic.tsv"))


@dataclass(frozen=True)
class _PassPaths:
    """Where one pass writes; ``index`` is None for parts (indexed once joined)."""

    vcf: Path
    index: Path | None
    mutations: Path
    maf: Path | None

    @staticmethod
    def final(stage: Staging, setup: Setup) -> _PassPaths:
        """The run's own output files, in the staging folder."""
        sample = setup.sample
        return _PassPaths(
            stage.path(f"{sample}.filtered.vcf.gz"),
            stage.path(f"{sample}.filtered.vcf.gz.tbi"),
            stage.path(f"{sample}.mutations.tsv"),
            stage.path(f"{sample}.maf") if setup.options.annotate else None,
        )


def _new_tally(setup: Setup) -> Tally:
    return Tally.start(setup.options.thresholds, str(setup.path), str(setup.options.fasta))


def _run_parts(setup: Setup, plan: vcf_contigs.ContigPlan, stage: Staging, tick: Progress) -> Tally:
    """Filter each contig group on its own (in ``threads`` processes) and join the parts."""
    scratch = stage.scratch()
    jobs = [
        (setup, plan.index, contigs, _PassPaths(
            scratch / f"{k}.vcf.gz", None, scratch / f"{k}.tsv",
            scratch / f"{k}.maf" if setup.options.annotate else None,
        ))
        for k, contigs in enumerate(plan.groups)
    ]  # fmt: skip
    tally = _new_tally(setup)
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


def _run_part(setup: Setup, index: Path, contigs: tuple[str, ...], paths: _PassPaths) -> Tally:
    """A group of contigs of an indexed VCF (runs in a worker process)."""
    reader = vcf_contigs.open_indexed(setup.path, index)
    return _run_pass(setup, reader, vcf_contigs.query_contigs(reader, contigs), paths)


def _run_pass(
    setup: Setup,
    reader: object,
    records: Iterable[object],
    paths: _PassPaths,
    tick: Progress | None = None,
) -> Tally:
    """Filter ``records``, writing the soft-filtered VCF, the TSV and the MAF to ``paths``."""
    tally = _new_tally(setup)
    with ExitStack() as stack:
        writers = _Pass(setup, reader, paths, stack, tally)
        for batch in iter_batches(records, setup.header):
            writers.add(batch)
            if tick is not None:
                tick(len(batch))
        writers.close()
    return tally


class _Pass:
    """The writers of one pass, fed batch by batch with the library's verdicts."""

    def __init__(
        self, setup: Setup, reader: object, paths: _PassPaths, stack: ExitStack, tally: Tally
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
        columns = MUTATION_COLUMNS + (ANNOTATION_COLUMNS if self.options.annotate else ())
        self.mutations = stack.enter_context(tables.TableWriter(paths.mutations, columns))
        self.maf = None
        if paths.maf is not None:
            comments = ["version 2.4"]
            self.maf = stack.enter_context(tables.TableWriter(paths.maf, MAF_COLUMNS, comments))
        # single-ALT calls counted by group, added after the per-site calls (table order)
        self.groups: Groups = Counter()
        self.reference = Reference(self.options.fasta) if self.options.fasta else None
        self.panel = set(self.options.genes) if self.options.genes is not None else None

    def add(self, batch: RecordBatch) -> None:
        """Judge one batch: write every record, count it, keep the passing calls."""
        self.tally.records += len(batch)
        self.tally.has_filter_value |= batch.has_filter_value
        self.tally.contigs.update(batch.chrom)
        self._check_reference(batch)
        self.tally.swap.add_batch(batch.filters, batch.tumor, batch.normal, batch.sites)
        region = region_mask(self.setup.excluded, batch.chrom, batch.pos, batch.ref)
        verdict = judge_batch(batch.filters, batch.tumor, batch.normal, region, batch.sites,
                              self.options.thresholds)  # fmt: skip
        self.groups.update(verdict.groups)
        write, annotating = self.writer.write_flags, self.maf is not None
        rows: list[int] = []  # passing single-ALT records, written as one block per run
        for i, (variant, filters, failed, passing) in enumerate(
            zip(batch.variants, batch.filters, verdict.failures, verdict.passing, strict=True)
        ):
            if i in batch.sites:  # several ALTs: the per-site rules, rows kept in order
                self._flush(batch, rows)
                self._add_site(batch.sites[i], variant)
                continue
            write(variant, filters, failed)
            if passing:
                if annotating:
                    self._keep(batch.passing_call(i), variant)
                else:
                    rows.append(i)
        self._flush(batch, rows)

    def _flush(self, batch: RecordBatch, rows: list[int]) -> None:
        """Write the rows of passing single-ALT records collected so far (no annotation)."""
        if rows:
            self.mutations.write_text(batch.passing_lines(rows), len(rows))
            self.tally.passed += len(rows)
            self.tally.written += len(rows)
            rows.clear()

    def _add_site(self, site: Site, variant: object) -> None:
        self.tally.swap.add(site)
        calls = call_alleles(site, self.options.thresholds, self.setup.excluded)
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

    def _keep(self, call: AlleleCall, variant: object) -> None:
        self.tally.passed += 1
        row = call.row()
        if self.maf is not None:
            annotation = annotate(call, _effects(self.setup, variant, call))
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
        """Count the single-ALT groups, finish the VCF (and its index), close the FASTA."""
        self.tally.attrition.add_groups(self.groups)
        self.writer.close()
        if self.reference is not None:
            self.reference.close()


def _effects(setup: Setup, variant: object, call: AlleleCall) -> list[Effect]:
    layout = setup.layout
    if layout is None:
        return []
    value = variant.INFO.get(layout.key)  # type: ignore[attr-defined]
    if not isinstance(value, str):
        return []
    return allele_effects(layout, value, call.site.ref, call.site.alts, call.allele)


def _finish(setup: Setup, tally: Tally, summary: WesSummary, stage: Staging, outdir: Path) -> None:
    """Whole-file checks, then the attrition table and the summary."""
    header, options = setup.header, setup.options
    tally.agreement.check(final=True)
    if tally.records and not tally.has_filter_value and not summary.unfiltered:
        mark_unfiltered(header.path, "every record has FILTER '.'", options, summary)
    excluded = setup.excluded
    if excluded is not None and tally.contigs and not excluded.shares_contig(tally.contigs):
        raise IcarusError(
            f"{options.exclude_bed} and {header.path} have no contig in common; "
            "they are probably for different genome builds or species"
        )
    warning = tally.swap.warning(header.tumor, header.normal)
    if warning:
        summary.notes.append(warning)
    summary.records, summary.calls = tally.records, tally.attrition.total
    summary.passed, summary.written = tally.passed, tally.written
    path = stage.path(f"{summary.sample}.filter_attrition.tsv")
    with tables.TableWriter(path, ATTRITION_COLUMNS) as attrition:
        unfiltered = summary.unfiltered_note if summary.unfiltered else ""
        for row in tally.attrition.table(header.filter_descriptions, unfiltered):
            attrition.write(row)
    thresholds = asdict(options.thresholds)
    thresholds["allowed_filters"] = sorted(options.thresholds.allowed_filters)
    document = {"icarus_omics_version": __version__, **asdict(summary), "thresholds": thresholds}
    given = {"fasta": options.fasta, "exclude_bed": options.exclude_bed}
    resources = {name: p for name, p in given.items() if p is not None} | options.resources
    write_summary(document, stage.path(f"{summary.sample}.summary.json"), outdir,
                  resources=resources)  # fmt: skip
