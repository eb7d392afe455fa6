"""The streaming pass of ``wes-filter`` and ``wes-annotate`` over one Mutect2 VCF.

A small pipeline of ``io`` and the library: the VCF is read in batches (``io.vcf_batch``),
judged by :func:`~icarus_omics.somatic.batch.judge_coded` (single-ALT records) and
:func:`~icarus_omics.somatic.rules.call_alleles` (the others), and written as it goes:
the soft-filtered VCF (htslib's text of each record with its FILTER column replaced), the
mutations table, the MAF. A bgzipped VCF is processed in groups of contigs (on ``threads``
processes) through its tabix index, and the parts are joined block-wise as they come, the
index of the joined file being built on a thread meanwhile; other inputs are streamed in
one pass. Either way the bytes written do not depend on ``threads``. Nothing here prints
or exits: the summary's ``notes`` carry the messages and the command prints them.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import cyvcf2
import numpy as np

from icarus_omics import __version__
from icarus_omics.errors import IcarusError
from icarus_omics.io import tables, vcf, vcf_contigs, vcf_write
from icarus_omics.io.annotation import allele_effects
from icarus_omics.io.bgzf import VcfJoiner
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
from icarus_omics.somatic.batch import Groups, judge_coded, region_mask
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
            paths = _PassPaths.final(stage, setup)
            tally = _run_pass(setup, reader, iter(reader), paths, tick, options.threads)
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
    final = _PassPaths.final(stage, setup)
    index = stage.path(f"{setup.sample}.filtered.vcf.gz.tbi")
    with _joined(final.vcf, index, scratch, setup.options.threads) as joined:
        for part, (*_, paths) in zip(parallel_map(_run_part, jobs, setup.options.threads), jobs,
                                     strict=True):  # fmt: skip
            tally.merge(part)
            tick(part.records)
            joined.append(paths.vcf)
        # while the index is finished
        tables.concatenate_tables([paths.mutations for *_, paths in jobs], final.mutations)
        if final.maf is not None:
            tables.concatenate_tables([p.maf for *_, p in jobs if p.maf], final.maf, skip=2)
    return tally


@contextmanager
def _joined(path: Path, index: Path, scratch: Path, threads: int) -> Iterator[VcfJoiner]:
    """The parts joined into ``path`` as they come, indexed on the way with a spare
    thread (``threads`` > 1), else once the file is whole."""
    if threads <= 1:
        with VcfJoiner(path) as joined:
            yield joined
        vcf_write.index_vcf(path, index)
        return
    stream = vcf_write.StreamIndex(path, index, scratch)
    try:
        with VcfJoiner(path, copy=stream) as joined:
            yield joined
    except BaseException:
        stream.close(finished=False)
        raise
    stream.close()


def _run_part(setup: Setup, index: Path, contigs: tuple[str, ...], paths: _PassPaths) -> Tally:
    """A group of contigs of an indexed VCF (runs in a worker process)."""
    reader = vcf_contigs.open_indexed(setup.path, index)
    return _run_pass(setup, reader, vcf_contigs.query_contigs(reader, contigs), paths)


def _run_pass(
    setup: Setup,
    reader: cyvcf2.VCF,
    records: Iterable[cyvcf2.Variant],
    paths: _PassPaths,
    tick: Progress | None = None,
    threads: int = 1,
) -> Tally:
    """Filter ``records``, writing the soft-filtered VCF, the TSV and the MAF to ``paths``
    (the VCF compressed on ``threads`` threads)."""
    tally = _new_tally(setup)
    with ExitStack() as stack:
        stack.enter_context(_rare_collections())
        writers = _Pass(setup, reader, paths, stack, tally, threads)
        for batch in iter_batches(reader, records, setup.header):
            writers.add(batch)
            if tick is not None:
                tick(len(batch))
        writers.close()
    return tally


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Collect cyclic garbage less often during a pass: each batch makes thousands of
    objects that live and die together, and frequent collections only rescan them."""
    threshold = gc.get_threshold()
    gc.set_threshold(100_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class _Pass:
    """The writers of one pass, fed batch by batch with the library's verdicts."""

    def __init__(
        self,
        setup: Setup,
        reader: cyvcf2.VCF,
        paths: _PassPaths,
        stack: ExitStack,
        tally: Tally,
        threads: int = 1,
    ) -> None:
        self.setup, self.options, self.tally = setup, setup.options, tally
        thresholds = setup.options.thresholds
        self.writer = vcf_write.SoftFilterWriter(
            paths.vcf,
            paths.index,
            reader,
            setup.header,
            thresholds.descriptions(),
            provenance=setup.provenance,
            split=thresholds.multiallelic == "split",
            threads=threads,
        )
        stack.callback(self.writer.abort)  # after an error too: no open file left behind
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
        self.tally.contigs.update(batch.chrom_names)
        self._check_reference(batch)
        self.tally.swap.add_batch(batch.filters, batch.tumor, batch.normal, batch.sites)
        codes, flags = batch.filter_codes, batch.filter_values
        verdict = judge_coded(codes, flags, batch.tumor, batch.normal, self._excluded(batch),
                              batch.sites, self.options.thresholds)  # fmt: skip
        self.groups.update(verdict.groups)
        filters = vcf_write.soft_filters(codes, batch.filter_texts, flags, verdict.failures)
        start = 0
        for stop in [*sorted(batch.sites), len(batch)]:  # runs of single-ALT records
            self.writer.write_records(batch.lines, filters, start, stop)
            self._keep_run(batch, np.flatnonzero(verdict.passing[start:stop]) + start)
            if stop < len(batch):  # several ALTs: the per-site rules, rows kept in order
                self._add_site(batch.sites[stop], batch.variants[stop])
            start = stop + 1

    def _excluded(self, batch: RecordBatch) -> np.ndarray:
        """Whether each record overlaps an excluded region (--exclude-bed)."""
        if self.setup.excluded is None:
            return np.zeros(len(batch), dtype=bool)
        return region_mask(self.setup.excluded, batch.chrom, batch.pos.tolist(), batch.ref)

    def _keep_run(self, batch: RecordBatch, rows: np.ndarray) -> None:
        """Keep the passing single-ALT records at ``rows``."""
        if self.maf is not None:
            for i in rows.tolist():
                self._keep(batch.passing_call(i), batch.variants[i])
        elif len(rows):
            self.mutations.write_text(batch.passing_lines(rows.tolist()), len(rows))
            self.tally.passed += len(rows)
            self.tally.written += len(rows)

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
        for chrom, pos, ref in zip(batch.chrom, batch.pos.tolist(), batch.ref, strict=True):
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
