"""Writing the soft-filtered VCF, and its tabix index.

A record is written as htslib's own text of it (cyvcf2's ``str(variant)``, what cyvcf2's
writer would write) with its FILTER column replaced, in the BGZF blocks htslib's writer
makes (:class:`~icarus_omics.io.bgzf.BgzfWriter`): the bytes are those cyvcf2's writer
gave. The split of a multi-allelic record into one record per ALT is in
:mod:`icarus_omics.io.vcf_split`. The index is pysam's ``tabix_index``, built by the same
htslib function, either once the file is written or while its parts are joined
(:class:`StreamIndex`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import cyvcf2
import numpy as np
import pysam

from icarus_omics.errors import IcarusError
from icarus_omics.io.bgzf import BgzfWriter
from icarus_omics.io.vcf import VcfHeader
from icarus_omics.io.vcf_lines import FILTER, Lines
from icarus_omics.io.vcf_split import split_record
from icarus_omics.somatic.batch import mask_names
from icarus_omics.somatic.rules import AlleleCall


class SoftFilterWriter:
    """Write every record to a bgzipped VCF, FILTER set to the flags each call fails.

    A record is written as htslib's own text of it (``str(variant)``, what cyvcf2 would
    write) with its FILTER column replaced, so the bytes are those cyvcf2's writer gave.
    Our filters are declared in the header with their thresholds. With the ``split``
    policy a multi-allelic record becomes one record per ALT: Number=A/R/G values are
    subset and GT is recoded, as ``bcftools norm -m-`` does.
    """

    def __init__(
        self,
        path: Path,
        index: Path | None,
        vcf: cyvcf2.VCF,
        header: VcfHeader,
        filters: dict[str, str],
        provenance: str,
        split: bool,
        threads: int = 1,
    ) -> None:
        declared = vcf.raw_header  # a reader reused for several parts is declared once
        for name, description in filters.items():
            if f"##FILTER=<ID={name}," not in declared:
                vcf.add_filter_to_header({"ID": name, "Description": description})
        if f"##icarus-omics={provenance}" not in declared:
            vcf.add_to_header(f"##icarus-omics={provenance}")
        self.path = path
        self.index = index
        self.split = split
        self._numbers = header.numbers
        self._pieces = cyvcf2.Writer(os.devnull, vcf, mode="w")  # parses split records
        self._threads = threads
        self._out = BgzfWriter(path, threads)
        self._out.write_header(vcf.raw_header.encode())

    def write_records(self, lines: Lines, filters: SoftFilters, start: int, stop: int) -> None:
        """Write lines ``start`` to ``stop`` (not included) of ``lines``, each with its
        FILTER column from ``filters``."""
        if start >= stop:
            return
        codes, texts = filters
        picked = np.flatnonzero(codes[start:stop] >= 0) + start
        begin, end = lines.column(FILTER)
        data, position = lines.data, int(lines.starts[start])
        pieces: list[bytes] = []
        for i, s, e in zip(codes[picked].tolist(), begin[picked].tolist(), end[picked].tolist(),
                           strict=True):  # fmt: skip
            pieces += (data[position:s], texts[i])
            position = e
        pieces.append(data[position : int(lines.ends[stop - 1]) + 1])
        lengths = lines.lengths()[start:stop]
        sizes = np.array([len(t) for t in texts] or [0])
        lengths[picked - start] += sizes[codes[picked]] - (end[picked] - begin[picked])
        self._out.write_lines(b"".join(pieces), lengths)

    def write(self, variant: cyvcf2.Variant, calls: Sequence[AlleleCall]) -> None:
        """Write ``variant`` (or its per-ALT pieces) with the FILTER of its calls."""
        texts = [text.encode() for text in self._texts(variant, calls)]
        self._out.write_lines(b"".join(texts), np.array([len(t) for t in texts]))

    def _texts(self, variant: cyvcf2.Variant, calls: Sequence[AlleleCall]) -> list[str]:
        if not calls:  # a record without ALT allele: nothing to judge
            return [str(variant)]
        if len(calls) == 1 or not self.split:
            variant.FILTER = _filter_value([c for call in calls for c in _flags(call)])
            return [str(variant)]
        line = str(variant).rstrip("\n")
        texts = []
        for call in calls:
            piece = self._pieces.variant_from_string(split_record(line, call.allele, self._numbers))
            piece.FILTER = _filter_value(_flags(call))
            texts.append(str(piece))
        return texts

    def close(self) -> None:
        """Finish the file and write its tabix index to ``index`` (when not None)."""
        self._out.close()
        self._pieces.close()
        if self.index is not None:
            index_vcf(self.path, self.index, self._threads)

    def abort(self) -> None:
        """After an error: let the file go, unfinished (nothing if already closed)."""
        with contextlib.suppress(IcarusError):
            self._out.close()


# The FILTER column of each record of a batch: an index into the texts, -1 to keep it.
SoftFilters = tuple[np.ndarray, list[bytes]]


def soft_filters(
    codes: np.ndarray, texts: list[str], flags: list[tuple[str, ...]], failures: np.ndarray
) -> SoftFilters:
    """The FILTER column of single-ALT records: their FilterMutectCalls flags plus our
    failures, PASS when both are empty.

    ``codes`` index each record's FILTER column as written (``texts``) and its flags
    (``flags``); ``failures`` are bit masks of our filters (:func:`~icarus_omics.somatic.
    batch.mask_names`). Records whose column stays as written are coded -1.
    """
    keys = codes.astype(np.int64) * 256 + failures
    unique, inverse = np.unique(keys, return_inverse=True)
    new: list[bytes] = []
    picks = []
    for key in unique.tolist():
        code, mask = divmod(key, 256)
        failed = mask_names(mask)
        value = _filter_value(flags[code] + failed) if failed else ";".join(flags[code]) or "PASS"
        picks.append(-1 if value == texts[code] else len(new))
        if value != texts[code]:
            new.append(value.encode())
    return np.array(picks, dtype=np.int64)[inverse.ravel()], new


def index_vcf(path: Path, index: Path, threads: int = 1) -> None:
    """Write the tabix index of the bgzipped VCF ``path`` to ``index``.

    The index ``pysam.tabix_index`` writes, built by the same htslib function (with a
    thread decompressing the file while another reads it when ``threads`` > 1).
    """
    build = _tabix_build()
    if build is not None:
        function, preset = build
        if function(os.fsencode(path), os.fsencode(index), 0, min(threads - 1, 1), preset):
            raise IcarusError(f"cannot index {path}; check it with 'bcftools view'")
        return
    try:
        pysam.tabix_index(str(path), preset="vcf", force=True, index=str(index))
    except (OSError, ValueError) as error:
        raise IcarusError(f"cannot index {path} ({error})") from None


class StreamIndex:
    """The tabix index of a bgzipped VCF built while the file is written.

    htslib reads the bytes from a FIFO in ``scratch`` on a thread of its own (ctypes lets
    go of the GIL), so the index is done soon after the last byte instead of after a
    second pass over the file; the index is the one :func:`index_vcf` writes. Where this
    cannot be set up (no FIFO, no htslib function), :meth:`close` indexes the file.
    """

    def __init__(self, path: Path, index: Path, scratch: Path) -> None:
        self.path, self.index = path, index
        self._result: list[int] = []
        self._thread: threading.Thread | None = None
        self._sink: BinaryIO | None = None
        build, fifo = _tabix_build(), scratch / "index.fifo"
        try:
            if build is None:
                return
            os.mkfifo(fifo)
        except (OSError, AttributeError):  # no FIFO here (some file systems, Windows)
            return
        function, preset = build
        arguments = (os.fsencode(fifo), os.fsencode(index), 0, 0, preset)
        self._thread = threading.Thread(
            target=lambda: self._result.append(function(*arguments)), daemon=True
        )
        self._thread.start()
        self._sink = self._open(fifo)

    def _open(self, fifo: Path) -> BinaryIO | None:
        """The FIFO's writing end, once htslib has opened it for reading (None if htslib
        gave up before)."""
        while self._thread is not None and self._thread.is_alive():
            try:
                descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                time.sleep(0.001)
                continue
            os.set_blocking(descriptor, True)
            return os.fdopen(descriptor, "wb")
        return None

    def write(self, data: bytes) -> None:
        """Pass bytes of the file on to htslib."""
        if self._sink is not None:
            try:
                self._sink.write(data)
            except BrokenPipeError:  # htslib stopped reading: close() says why
                self._let_go()

    def _let_go(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            with contextlib.suppress(BrokenPipeError):
                sink.close()

    def close(self, finished: bool = True) -> None:
        """Wait for the index (``finished``: the file is complete) and check it."""
        self._let_go()
        if self._thread is not None:
            self._thread.join()
        if finished and self._result != [0]:
            index_vcf(self.path, self.index)  # not set up, or failed: the slow way


@cache
def _tabix_build() -> tuple[Any, int] | None:
    """pysam's htslib ``tbx_index_build3`` and its VCF preset, if the library exports them."""
    import pysam.libchtslib

    try:
        lib = ctypes.CDLL(pysam.libchtslib.__file__)
        function = lib.tbx_index_build3
        preset = ctypes.addressof(ctypes.c_int.in_dll(lib, "tbx_conf_vcf"))
    except (OSError, AttributeError, ValueError):
        return None
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                         ctypes.c_void_p]  # fmt: skip
    return function, preset


def _flags(call: AlleleCall) -> list[str]:
    return [*call.site.filters, *call.failures]


def _filter_value(flags: Sequence[str]) -> str:
    unique = list(dict.fromkeys(flags))
    return ";".join(unique) if unique else "PASS"
