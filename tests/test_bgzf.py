"""Joining bgzipped VCF parts without recompression."""

from __future__ import annotations

import gzip
from pathlib import Path

import pysam
import pytest

from icarus_omics.io.bgzf import BGZF_EOF, compress_block, concatenate_vcfs
from icarus_omics.io.vcf_contigs import group_contigs


def vcf_text(header_lines: int, contig: str, records: int) -> str:
    header = "##fileformat=VCFv4.2\n" + "".join(
        f"##note={'x' * 200}{i}\n" for i in range(header_lines)
    )
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    body = "".join(f"{contig}\t{i + 1}\t.\tA\tC\t.\tPASS\tDP={i}\n" for i in range(records))
    return header + body


@pytest.mark.parametrize("header_lines", [1, 600])  # header within one block, and across blocks
def test_concatenate_keeps_one_header_and_all_records(tmp_path: Path, header_lines: int) -> None:
    parts = []
    for k, contig in enumerate(["1", "2", "3"]):
        plain = tmp_path / f"{k}.vcf"
        plain.write_text(vcf_text(header_lines, contig, 5000 * (k + 1)))
        pysam.tabix_compress(str(plain), str(tmp_path / f"{k}.vcf.gz"))
        parts.append(tmp_path / f"{k}.vcf.gz")
    joined = tmp_path / "joined.vcf.gz"
    concatenate_vcfs(parts, joined)
    expected = vcf_text(header_lines, "1", 5000) + "".join(
        vcf_text(0, c, n).split("INFO\n", 1)[1] for c, n in (("2", 10000), ("3", 15000))
    )
    with gzip.open(joined, "rt") as handle:
        assert handle.read() == expected
    assert joined.read_bytes().endswith(BGZF_EOF)
    pysam.tabix_index(str(joined), preset="vcf", force=True)  # valid BGZF for htslib
    with pysam.TabixFile(str(joined)) as tabix:
        assert sum(1 for _ in tabix.fetch("2")) == 10000


def test_compress_block_round_trip() -> None:
    data = b"record\n" * 1000
    assert gzip.decompress(compress_block(data)) == data


def test_group_contigs_is_ordered_and_complete() -> None:
    contigs = [str(c) for c in range(1, 23)] + ["X", "Y", "MT", "GL000220.1"]
    lengths = {c: 100 - i for i, c in enumerate(contigs[:-1])}
    groups = group_contigs(contigs, lengths)
    assert [c for g in groups for c in g] == contigs
    assert 6 <= len(groups) <= 10
