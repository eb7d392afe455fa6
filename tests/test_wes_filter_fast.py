"""The fast wes-filter path (htslib's text of each record, read with numpy, FILTER spliced
in, written in htslib's BGZF blocks) writes the bytes the cyvcf2-writer path wrote.

The goldens in tests/expected/wes-filter-fast were written by the code before this path
(see its README); the inputs are the awkward VCFs of tests/wes_awkward.py.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import cyvcf2
import numpy as np
import pysam
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.io import bgzf, vcf_lines, vcf_write
from icarus_omics.io.bgzf import BLOCK_SIZE, BgzfWriter, block_starts
from icarus_omics.io.vcf_batch import count_texts
from icarus_omics.io.vcf_lines import Lines
from icarus_omics.somatic.batch import ReadCounts, judge_coded
from icarus_omics.somatic.rules import LOW_TUMOR_DEPTH, Thresholds
from tests import wes_awkward
from tests.conftest import EXPECTED, CliResult

Cli = Callable[..., CliResult]
GOLDEN = EXPECTED / "wes-filter-fast"


# 1. the same bytes as before -------------------------------------------------------------


@pytest.mark.parametrize("command", ["wes-filter", "wes-annotate"])
@pytest.mark.parametrize("variant", sorted(wes_awkward.VARIANTS))
def test_same_bytes_as_the_cyvcf2_writer(
    variant: str, command: str, cli: Cli, tmp_path: Path
) -> None:
    """Every output file (the VCF compressed and not, its index, the tables, the summary
    without its run block) has the bytes the earlier code wrote."""
    path = wes_awkward.make_input(tmp_path, variant)
    out = tmp_path / "out"
    code, _, err = cli(command, path, "-o", out, "-q", *wes_awkward.arguments(tmp_path, variant))
    assert code == 0, err
    expected = json.loads((GOLDEN / "digests.json").read_text())[f"{variant}/{command}"]
    assert wes_awkward.digests(out) == expected


def test_small_vcf_text_is_the_golden(cli: Cli, tmp_path: Path) -> None:
    """The readable copy of one golden: a diff shows which record changed."""
    path = wes_awkward.make_input(tmp_path, "small_plain")
    out = tmp_path / "out"
    assert (
        cli("wes-filter", path, "-o", out, *wes_awkward.arguments(tmp_path, "small_plain"))[0] == 0
    )
    with gzip.open(out / "T1.filtered.vcf.gz", "rt") as handle:
        written = handle.read()
    assert written == (GOLDEN / "small_plain.filtered.vcf").read_text()


# 2. BGZF blocks as htslib makes them -------------------------------------------------------


def reference_block_starts(lengths: list[int], offset: int) -> tuple[list[int], int]:
    """bgzf_flush_try before each line, as htslib's vcf_write does, one line at a time."""
    starts = []
    for i, length in enumerate(lengths):
        if offset + length > BLOCK_SIZE:
            starts.append(i)
            offset = 0
        offset = (offset + length) % BLOCK_SIZE
    return starts, offset


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(
        st.one_of(st.integers(1, 400), st.integers(BLOCK_SIZE - 5, 3 * BLOCK_SIZE + 5),
                  st.sampled_from([BLOCK_SIZE // 2, BLOCK_SIZE // 3, BLOCK_SIZE])),
        max_size=60,
    ),
    offset=st.integers(0, BLOCK_SIZE - 1),
)  # fmt: skip
def test_block_starts_are_htslib_flush_points(lengths: list[int], offset: int) -> None:
    assert block_starts(np.array(lengths, dtype=np.int64), offset) == reference_block_starts(
        lengths, offset
    )


def block_sizes(data: bytes) -> list[int]:
    sizes, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack("<H", data[offset + 16 : offset + 18])
        sizes.append(len(zlib.decompress(data[offset + 18 : offset + size + 1 - 8], -15)))
        offset += size + 1
    return sizes


@pytest.fixture(scope="module")
def written_by_cyvcf2(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, list[bytes]]:
    """A VCF with lines longer than a block, written record by record by cyvcf2."""
    folder = tmp_path_factory.mktemp("bgzf")
    source = folder / "in.vcf"
    source.write_text(wes_awkward.vcf_text(3000, 7, long_every=211))
    reader = cyvcf2.VCF(str(source))
    writer = cyvcf2.Writer(str(folder / "cyvcf2.vcf.gz"), reader, mode="wz")
    lines = []
    for variant in reader:
        writer.write_record(variant)
        lines.append(str(variant).encode())
    writer.close()
    return folder, reader.raw_header.encode(), lines


def write_in_batches(path: Path, header: bytes, lines: list[bytes], threads: int = 1) -> None:
    out = BgzfWriter(path, threads)
    out.write_header(header)
    for k in range(0, len(lines), 777):
        batch = lines[k : k + 777]
        out.write_lines(b"".join(batch), np.array([len(line) for line in batch]))
    out.close()
    out.close()  # closing twice does nothing


@pytest.mark.parametrize("threads", [1, 2])
def test_bgzf_writer_writes_cyvcf2s_bytes(
    written_by_cyvcf2: tuple[Path, bytes, list[bytes]], threads: int
) -> None:
    folder, header, lines = written_by_cyvcf2
    write_in_batches(folder / f"ours{threads}.vcf.gz", header, lines, threads)
    ours = (folder / f"ours{threads}.vcf.gz").read_bytes()
    assert ours == (folder / "cyvcf2.vcf.gz").read_bytes()


def test_bgzf_writer_without_htslib_makes_the_same_blocks(
    written_by_cyvcf2: tuple[Path, bytes, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zlib fallback: the same text in the same blocks (compressed by zlib)."""
    folder, header, lines = written_by_cyvcf2
    monkeypatch.setattr(bgzf, "_htslib", lambda: None)
    write_in_batches(folder / "zlib.vcf.gz", header, lines)
    ours, theirs = (folder / "zlib.vcf.gz").read_bytes(), (folder / "cyvcf2.vcf.gz").read_bytes()
    assert gzip.decompress(ours) == gzip.decompress(theirs)
    assert block_sizes(ours) == block_sizes(theirs)
    assert ours.endswith(bgzf.BGZF_EOF)


# 3. reading the text with numpy -------------------------------------------------------------


def test_counts_read_digits_and_dots_only() -> None:
    values = ["0", "7", "123", ".", "", "-1", "1e3", "12.5", "9" * 15, "9" * 16, "00"]
    lines = Lines(
        ["\t".join(["1", "100", ".", "C", "T", ".", "PASS", v]) + "\n" for v in values], 8
    )
    numbers, readable = lines.counts(lines.column(7))
    assert readable.tolist() == [True, True, True, True, False, False, False, False, True, False,
                                 True]  # fmt: skip
    assert numbers[readable].tolist() == [0, 7, 123, -1, int("9" * 15), 0]


def filter_lines(filters: list[str]) -> Lines:
    return Lines(["\t".join(["1", str(i + 1), ".", "C", "T", ".", f, "."]) + "\n"
                  for i, f in enumerate(filters)], 8)  # fmt: skip


def test_values_codes_in_order_first_seen_and_exact_on_collisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filters = ["weak_evidence", "PASS", "germline;weak_evidence", "PASS", "weak_evidence", "."]
    for texts in (filters, [*filters, "x" * 70, "x" * 70]):  # hashed; compared as text
        lines = filter_lines(texts)
        codes, values = lines.values(lines.column(6))
        assert values == list(dict.fromkeys(texts))
        assert [values[c] for c in codes] == texts
    # every value hashed alike: the exact comparison takes over
    monkeypatch.setattr(vcf_lines, "_weights", lambda n: np.zeros(n, dtype=np.uint64))
    lines = filter_lines(filters)
    codes, values = lines.values(lines.column(6))
    assert [values[c] for c in codes] == filters


def test_lines_with_missing_columns_are_flagged() -> None:
    texts = ["1\t1\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n", "1\t2\t.\tC\tT\t.\tPASS\t.\n",
             "1\t3\t.\tC\tT\t.\tPASS\t.\tGT\t1/1\n"]  # fmt: skip
    lines = Lines(texts, 10)
    assert lines.regular.tolist() == [True, False, True]
    start, end = lines.column(1)
    assert [lines.text(s, e) for s, e in zip(start, end, strict=True)] == ["1", "2", "3"]


def test_count_texts_large_and_missing_counts() -> None:
    counts = ReadCounts(np.array([3_000_000, 10, -1]), np.array([2_000_000, 9, -1]),
                        np.array([10_000, 1, 4]))  # fmt: skip
    assert count_texts(counts, np.arange(3)) == [
        b"3000000\t2000000\t10000\t0.00497512",
        b"10\t9\t1\t0.1",
        b"\t\t4\t",
    ]
    assert count_texts(None, np.arange(2)) == [b"\t\t\t"] * 2


def test_judge_coded_counts_pass_and_dot_as_one_group() -> None:
    """FILTER PASS and '.' are two codes with the same (no) flags: one attrition group."""
    counts = ReadCounts(np.array([50, 50, 5, 50]), np.array([30, 30, 3, 30]), np.array([20] * 4))
    verdict = judge_coded(np.array([0, 1, 0, 2]), [(), (), ("germline",)], counts, None,
                          np.zeros(4, dtype=bool), {3: None}, Thresholds())  # fmt: skip
    assert verdict.passing.tolist() == [True, True, False, False]
    assert list(verdict.groups.items()) == [(((), (), ()), 2), (((), (), (LOW_TUMOR_DEPTH,)), 1)]


# 4. behaviours of the new path ----------------------------------------------------------------

HEADER = [
    "##fileformat=VCFv4.2",
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=germline,Description="Evidence indicates this site is germline">',
    '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score">',
    "##contig=<ID=1,length=5000>",
    "##source=FilterMutectCalls",
]


def sites_vcf(tmp_path: Path, records: list[str]) -> Path:
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
    path = tmp_path / "sites.vcf"
    path.write_text("\n".join([*HEADER, columns, *records]) + "\n")
    return path


def test_sites_only_records_without_one_alt(cli: Cli, tmp_path: Path) -> None:
    """A sites-only VCF: a record with two ALTs is split into one call per ALT (it was
    judged as its first ALT alone), and a record without ALT is written as it is (it
    crashed the command)."""
    path = sites_vcf(tmp_path, ["1\t100\t.\tC\tT,G\t.\tPASS\tTLOD=3,40", "1\t200\t.\tC\t.\t.\tPASS\t.",
                                "1\t300\t.\tC\tA\t.\tgermline\tTLOD=5"])  # fmt: skip
    code, _, err = cli("wes-filter", path, "-o", tmp_path / "out")
    assert code == 0, err
    assert "2 of 3 calls pass (3 records)" in err
    with gzip.open(tmp_path / "out" / "sites.filtered.vcf.gz", "rt") as handle:
        records = [line.split("\t")[:8] for line in handle.read().splitlines() if line[0] != "#"]
    assert records == [
        ["1", "100", ".", "C", "T", ".", "PASS", "TLOD=3"],
        ["1", "100", ".", "C", "G", ".", "PASS", "TLOD=40"],
        ["1", "200", ".", "C", ".", ".", "PASS", "."],
        ["1", "300", ".", "C", "A", ".", "germline", "TLOD=5"],
    ]
    rows = (tmp_path / "out" / "sites.mutations.tsv").read_text().splitlines()[1:]
    assert [row.split("\t")[:4] for row in rows] == [["1", "100", "C", "T"], ["1", "100", "C", "G"]]


def test_undeclared_filter_is_named(cli: Cli, tmp_path: Path) -> None:
    path = sites_vcf(tmp_path, ["1\t100\t.\tC\tT\t.\tPASS\t.", "1\t200\t.\tC\tT\t.\tbar\t."])
    code, out, err = cli("wes-filter", path, "-o", tmp_path / "out")
    assert (code, out) == (1, "")
    assert "record 1:200 uses FILTER/bar, not declared in the VCF header" in err
    assert err.count("\n") == 1


def test_undeclared_contig_is_still_accepted(cli: Cli, tmp_path: Path) -> None:
    path = sites_vcf(tmp_path, ["1\t100\t.\tC\tT\t.\tPASS\t.", "7\t200\t.\tC\tT\t.\tPASS\tTLOD=4"])
    code, _, err = cli("wes-filter", path, "-o", tmp_path / "out")
    assert code == 0, err
    assert "2 of 2 calls pass" in err


# 5. the index built while the parts are joined ------------------------------------------------


@pytest.fixture
def bgzipped(tmp_path: Path) -> Path:
    plain = tmp_path / "in.vcf"
    plain.write_text(wes_awkward.vcf_text(2000, 11))
    pysam.tabix_compress(str(plain), str(tmp_path / "in.vcf.gz"))
    return tmp_path / "in.vcf.gz"


def stream(path: Path, index: Path, scratch: Path, finished: bool = True) -> None:
    indexer = vcf_write.StreamIndex(path, index, scratch)
    data = path.read_bytes()
    for k in range(0, len(data) if finished else len(data) // 2, 10_000):
        indexer.write(data[k : k + 10_000])
    indexer.close(finished)


def test_stream_index_is_the_tabix_index(bgzipped: Path, tmp_path: Path) -> None:
    pysam.tabix_index(str(bgzipped), preset="vcf", force=True, index=str(tmp_path / "pysam.tbi"))
    (tmp_path / "scratch").mkdir()
    stream(bgzipped, tmp_path / "stream.tbi", tmp_path / "scratch")
    assert (tmp_path / "stream.tbi").read_bytes() == (tmp_path / "pysam.tbi").read_bytes()


def test_stream_index_falls_back_to_indexing_the_file(
    bgzipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pysam.tabix_index(str(bgzipped), preset="vcf", force=True, index=str(tmp_path / "pysam.tbi"))
    monkeypatch.setattr(vcf_write, "_tabix_build", lambda: None)
    stream(bgzipped, tmp_path / "plain.tbi", tmp_path)
    assert (tmp_path / "plain.tbi").read_bytes() == (tmp_path / "pysam.tbi").read_bytes()


def test_stream_index_stops_when_the_join_fails(bgzipped: Path, tmp_path: Path) -> None:
    stream(bgzipped, tmp_path / "partial.tbi", tmp_path, finished=False)  # returns: no hang
