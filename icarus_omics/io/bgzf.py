"""Joining BGZF-compressed VCF parts without recompressing them.

A BGZF file is a series of independent gzip blocks, so files can be joined byte by byte.
Only the VCF header of every part after the first must go: the blocks holding it are
decompressed, the records that share its last block are recompressed into one new block,
and the remaining blocks are copied as they are.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from icarus_omics.errors import IcarusError

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_HEADER = struct.Struct("<4BI2BH2BH")  # ID1 ID2 CM FLG MTIME XFL OS XLEN SI1 SI2 SLEN
_BSIZE = struct.Struct("<H")


def compress_block(data: bytes, level: int = 6) -> bytes:
    """One BGZF block holding ``data`` (at most 65,280 bytes)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    payload = compressor.compress(data) + compressor.flush()
    size = _HEADER.size + 2 + len(payload) + 8
    header = _HEADER.pack(31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2) + _BSIZE.pack(size - 1)
    return header + payload + struct.pack("<II", zlib.crc32(data), len(data))


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
    with open(out, "wb") as sink:
        for k, part in enumerate(parts):
            size = part.stat().st_size
            end = size - len(BGZF_EOF)
            with open(part, "rb") as handle:
                if k > 0:
                    _skip_header(handle, sink, part)
                _copy(handle, sink, end - handle.tell())
        sink.write(BGZF_EOF)


def _skip_header(handle: BinaryIO, sink: BinaryIO, path: Path) -> None:
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


def _copy(handle: BinaryIO, sink: BinaryIO, length: int) -> None:
    shutil.copyfileobj(_Limited(handle, length), sink, 1 << 20)


class _Limited:
    """A reader that stops after ``length`` bytes."""

    def __init__(self, handle: BinaryIO, length: int) -> None:
        self.handle, self.left = handle, length

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.handle.read(n)
        self.left -= len(data)
        return data
