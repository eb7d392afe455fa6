"""BGZF files: writing VCF text in htslib's blocks, and joining VCF parts without
recompressing them.

:class:`BgzfWriter` writes through htslib's own BGZF writer (the copy cyvcf2 carries), and
starts a new block where htslib's VCF writer would (before a record that does not fit in
the current one), so text written here is compressed to the same bytes as the records
cyvcf2 writes itself.

A BGZF file is a series of independent gzip blocks, so files can be joined byte by byte.
Only the VCF header of every part after the first must go: the blocks holding it are
decompressed, the records that share its last block are recompressed into one new block,
and the remaining blocks are copied as they are.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import struct
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import cyvcf2
import numpy as np

from icarus_omics.errors import IcarusError

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
BLOCK_SIZE = 0xFF00  # htslib's BGZF_BLOCK_SIZE: uncompressed bytes per block
_HEADER = struct.Struct("<4BI2BH2BH")  # ID1 ID2 CM FLG MTIME XFL OS XLEN SI1 SI2 SLEN
_BSIZE = struct.Struct("<H")


def compress_block(data: bytes, level: int = 6) -> bytes:
    """One BGZF block holding ``data`` (at most 65,280 bytes)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    payload = compressor.compress(data) + compressor.flush()
    size = _HEADER.size + 2 + len(payload) + 8
    header = _HEADER.pack(31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2) + _BSIZE.pack(size - 1)
    return header + payload + struct.pack("<II", zlib.crc32(data), len(data))


@cache
def _htslib() -> ctypes.CDLL | None:
    """htslib's BGZF functions from cyvcf2's library (None when it does not export them)."""
    try:
        lib = ctypes.CDLL(cyvcf2.cyvcf2.__file__)
        functions = (lib.bgzf_open, lib.bgzf_write, lib.bgzf_flush, lib.bgzf_flush_try,
                     lib.bgzf_mt, lib.bgzf_close)  # fmt: skip
    except (OSError, AttributeError):
        return None
    handle, size = ctypes.c_void_p, ctypes.c_ssize_t
    signatures: tuple[tuple[Any, list[Any]], ...] = (
        (handle, [ctypes.c_char_p, ctypes.c_char_p]),
        (size, [handle, ctypes.c_char_p, ctypes.c_size_t]),
        (ctypes.c_int, [handle]),
        (ctypes.c_int, [handle, size]),
        (ctypes.c_int, [handle, ctypes.c_int, ctypes.c_int]),
        (ctypes.c_int, [handle]),
    )
    for function, (result, arguments) in zip(functions, signatures, strict=True):
        function.restype, function.argtypes = result, arguments
    return lib


def block_starts(lengths: np.ndarray, offset: int) -> tuple[list[int], int]:
    """Where htslib's VCF writer starts a new block in a run of lines.

    ``lengths`` are the lines' sizes in bytes and ``offset`` the bytes already in the
    current block. A line that does not fit in what is left of the block starts a new one
    (``bgzf_flush_try``); a line longer than a block fills blocks of its own. Returns the
    indices of the lines that start a block, and the offset in the block after the last.
    """
    ends = np.cumsum(lengths)  # where each line ends, counted from the first line's start
    starts: list[int] = []
    i, done = 0, 0  # the next line, and the bytes before it
    while i < len(lengths):
        fit = int(np.searchsorted(ends, done + BLOCK_SIZE - offset, side="right"))
        if fit > i:  # lines i to fit - 1 fit in the current block
            offset += int(ends[fit - 1]) - done
            offset %= BLOCK_SIZE  # a full block is written out at once
            i, done = fit, int(ends[fit - 1])
            continue
        starts.append(i)  # line i does not fit: a new block, filled by it alone if long
        offset = int(lengths[i]) % BLOCK_SIZE
        i, done = i + 1, int(ends[i])
    return starts, offset


class BgzfWriter:
    """Write a bgzipped VCF: a header, then record lines in htslib's blocks.

    ``threads`` > 1 compresses on htslib's threads (the same bytes). Without htslib's
    BGZF functions the blocks are compressed here with zlib: the same blocks and text,
    other compressed bytes.
    """

    def __init__(self, path: Path, threads: int = 1) -> None:
        self.path = path
        self._lib = _htslib()
        self._handle: int | None = None
        self._sink: BinaryIO | None = None
        self._block = bytearray()  # the zlib fallback's current block
        if self._lib is not None:
            self._handle = self._lib.bgzf_open(os.fsencode(path), b"w")
            if not self._handle:
                raise IcarusError(f"{path}: cannot be written")
            if threads > 1:
                self._lib.bgzf_mt(self._handle, threads, 64)
        else:
            self._sink = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.offset = 0

    def write_header(self, text: bytes) -> None:
        """Write the header and end its block, as htslib does."""
        self._write(text)
        self._flush()
        self.offset = 0

    def write_lines(self, data: bytes, lengths: np.ndarray) -> None:
        """Write record lines, ``data`` holding lines of ``lengths`` bytes in order."""
        starts, offset = block_starts(lengths, self.offset)
        begin = 0
        if starts:
            ends = np.cumsum(lengths)
            for i in starts:
                position = int(ends[i - 1]) if i else 0
                self._write(data[begin:position])
                self._new_block(int(lengths[i]))
                begin = position
        self._write(data[begin:])
        self.offset = offset

    def _new_block(self, length: int) -> None:
        """End the current block before a line of ``length`` bytes that does not fit."""
        if self._lib is None:
            self._flush()
        elif self._lib.bgzf_flush_try(self._handle, length) != 0:
            raise IcarusError(f"{self.path}: write failed (disk full?)")

    def _write(self, data: bytes) -> None:
        if not data:
            return
        if self._lib is not None:
            if self._lib.bgzf_write(self._handle, data, len(data)) != len(data):
                raise IcarusError(f"{self.path}: write failed (disk full?)")
            return
        self._block += data
        while len(self._block) >= BLOCK_SIZE:
            self._emit(bytes(self._block[:BLOCK_SIZE]))
            del self._block[:BLOCK_SIZE]

    def _flush(self) -> None:
        if self._lib is not None:
            if self._lib.bgzf_flush(self._handle) != 0:
                raise IcarusError(f"{self.path}: write failed (disk full?)")
        elif self._block:
            self._emit(bytes(self._block))
            self._block.clear()

    def _emit(self, block: bytes) -> None:
        assert self._sink is not None
        self._sink.write(compress_block(block))

    @property
    def closed(self) -> bool:
        return self._handle is None and self._sink is None

    def close(self) -> None:
        """Finish the file (end-of-file block); closing twice does nothing."""
        if self._handle is not None and self._lib is not None:
            handle, self._handle = self._handle, None
            if self._lib.bgzf_close(handle) != 0:
                raise IcarusError(f"{self.path}: write failed (disk full?)")
        if self._sink is not None:
            self._flush()
            self._sink.write(BGZF_EOF)
            self._sink.close()
            self._sink = None


def _read_block(handle: BinaryIO, path: Path) -> tuple[bytes, bytes]:
    """The next block of ``handle``: (raw bytes, decompressed data)."""
    head = handle.read(_HEADER.size + 2)
    if len(head) < _HEADER.size + 2 or head[:4] != b"\x1f\x8b\x08\x04":
        raise IcarusError(f"{path}: not a BGZF file")
    (size,) = _BSIZE.unpack(head[-2:])
    rest = handle.read(size + 1 - len(head))
    return head + rest, zlib.decompress(rest[:-8], -15)


def concatenate_vcfs(parts: Sequence[Path], out: Path) -> None:
    """Join bgzipped VCF ``parts`` (each with the same header) into ``out``; the header
    is kept from the first part only."""
    with VcfJoiner(out) as joined:
        for part in parts:
            joined.append(part)


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class VcfJoiner:
    """Join bgzipped VCF parts (each with the same header) into ``out`` one by one, as
    they are ready; the header is kept from the first part only. Every byte written to
    ``out`` is also written to ``copy`` when given (an index built from the stream)."""

    def __init__(self, out: Path, copy: Sink | None = None) -> None:
        self._sink = open(out, "wb")  # noqa: SIM115 - closed in close()
        self._copy = copy
        self._parts = 0

    def write(self, data: bytes) -> None:
        self._sink.write(data)
        if self._copy is not None:
            self._copy.write(data)

    def append(self, part: Path) -> None:
        """Add the records of ``part`` (and its header, for the first part)."""
        end = part.stat().st_size - len(BGZF_EOF)
        with open(part, "rb") as handle:
            if self._parts:
                _skip_header(handle, self, part)
            shutil.copyfileobj(_Limited(handle, end - handle.tell()), self, 1 << 20)
        self._parts += 1

    def close(self) -> None:
        """End the file with the end-of-file block."""
        self.write(BGZF_EOF)
        self._sink.close()

    def __enter__(self) -> VcfJoiner:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.close()
        else:
            self._sink.close()


def _skip_header(handle: BinaryIO, sink: VcfJoiner, path: Path) -> None:
    """Consume the header blocks; write the records that shared the last one anew."""
    text = b""
    while True:
        _, data = _read_block(handle, path)
        text += data
        start = text.find(b"\n#CHROM")
        if start >= 0:
            stop = text.find(b"\n", start + 1)
            if stop >= 0:
                remainder = text[stop + 1 :]
                if remainder:
                    sink.write(compress_block(remainder))
                return


class _Limited:
    """A reader that stops after ``length`` bytes."""

    def __init__(self, handle: BinaryIO, length: int) -> None:
        self.handle, self.left = handle, length

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.handle.read(n)
        self.left -= len(data)
        return data
