"""Command-line behaviour: golden outputs, bad inputs, exit codes, no partial outputs."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

from icarus_omics import __version__
from tests.conftest import DATA, EXPECTED, CliResult, missing_reference

TINY = DATA / "tiny_mutect2.vcf"
BED = DATA / "exclude_chr.bed"
Cli = Callable[..., CliResult]


def test_version(cli: Cli) -> None:
    """The version printed is the installed distribution's (what pip and bug reports see),
    a PEP 440 release string, and the console script prints the same."""
    import re
    import subprocess
    from importlib.metadata import version

    installed = version("icarus-omics")
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+)?(\.dev\d+)?", installed)
    assert __version__ == installed
    assert cli("--version") == (0, f"icarus-omics {installed}\n", "")
    script = shutil.which("icarus-omics")
    assert script is not None, "the icarus-omics console script is not installed"
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert (done.stdout, done.stderr) == (f"icarus-omics {installed}\n", "")


def test_wes_filter_golden(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("wes-filter", TINY, "-o", tmp_path, "--exclude-bed", BED)
    assert code == 0 and out == ""
    assert err == "wes-filter: T1: 3 of 12 calls pass (11 records)\n"
    for name in ("T1.mutations.tsv", "T1.filter_attrition.tsv"):
        assert (tmp_path / name).read_text() == (EXPECTED / "wes-filter" / name).read_text(), name
    with gzip.open(tmp_path / "T1.filtered.vcf.gz", "rt") as handle:
        lines = handle.read().splitlines()
    records = ["\t".join(line.split("\t")[:7]) for line in lines if not line.startswith("#")]
    assert records == (EXPECTED / "wes-filter" / "T1.filtered.records.tsv").read_text().splitlines()
    assert (
        '##FILTER=<ID=excluded_region,Description="Variant overlaps an excluded region (--exclude-bed)">'
        in lines
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "T1.filter_attrition.tsv", "T1.filtered.vcf.gz", "T1.filtered.vcf.gz.tbi",
        "T1.mutations.tsv", "T1.summary.json",
    ]  # fmt: skip


def test_same_input_same_bytes(cli: Cli, tmp_path: Path) -> None:
    for run in ("a", "b"):
        assert (
            cli("wes-filter", TINY, "-o", tmp_path / run, "--threads", 1 if run == "a" else 2)[0]
            == 0
        )
    for name in ("T1.mutations.tsv", "T1.filter_attrition.tsv", "T1.filtered.vcf.gz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_allow_filter_and_drop_policy(cli: Cli, tmp_path: Path) -> None:
    args = (
        "wes-filter",
        TINY,
        "-o",
        tmp_path,
        "--allow-filter",
        "clustered_events",
        "--multiallelic",
        "drop",
    )
    assert cli(*args)[0] == 0
    kept = [
        line.split("\t")[1] for line in (tmp_path / "T1.mutations.tsv").read_text().splitlines()[1:]
    ]
    assert kept == ["100", "900", "150", "250"]
    with gzip.open(tmp_path / "T1.filtered.vcf.gz", "rt") as handle:
        site = [line for line in handle if line.startswith("1\t800\t")]
    assert len(site) == 1 and "multiallelic_site" in site[0].split("\t")[6]


def test_wes_annotate_unannotated_vcf_warns_once(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("wes-annotate", TINY, "-o", tmp_path)
    assert code == 0
    assert err.count("no consequence annotation") == 1
    maf = (tmp_path / "T1.maf").read_text().splitlines()
    assert maf[0] == "#version 2.4" and len(maf) == 2 + 4
    assert "\tUnknown\t" not in maf[2] and maf[2].startswith(
        "Unknown\t0\t.\tGRCh37\t1\t100\t100\t+\t\tSNP\tC\tC\tT"
    )


def reference(tmp_path: Path, contigs: dict[str, int], prefix: str = "") -> Path:
    """A FASTA whose bases agree with TINY's REF alleles (A elsewhere)."""
    sequences = {name: ["A"] * length for name, length in contigs.items()}
    for line in TINY.read_text().splitlines():
        if not line.startswith("#"):
            chrom, pos, _, ref = line.split("\t")[:4]
            if chrom in sequences:
                sequences[chrom][int(pos) - 1 : int(pos) - 1 + len(ref)] = list(ref)
    path = tmp_path / "ref.fa"
    path.write_text("".join(f">{prefix}{n}\n{''.join(s)}\n" for n, s in sequences.items()))
    pysam.faidx(str(path))
    return path


def test_fasta_with_chr_prefix_is_matched(cli: Cli, tmp_path: Path) -> None:
    """``chr1`` in the FASTA is the VCF's ``1``: its bases are really compared (a copy with
    every base changed is refused) and the right one gives the golden calls."""
    fasta = reference(tmp_path, {"1": 5000, "2": 3000}, prefix="chr")
    bed = DATA / "exclude_chr.bed"
    code, _, err = cli(
        "wes-filter", TINY, "-o", tmp_path / "out", "--fasta", fasta, "--exclude-bed", bed
    )
    assert code == 0, err
    golden = (EXPECTED / "wes-filter" / "T1.mutations.tsv").read_text()
    assert (tmp_path / "out" / "T1.mutations.tsv").read_text() == golden
    wrong = tmp_path / "wrong" / "ref.fa"
    wrong.parent.mkdir()
    wrong.write_text(fasta.read_text().translate(str.maketrans("ACGT", "CATG")))
    code, _, err = cli("wes-filter", TINY, "-o", tmp_path / "out2", "--fasta", wrong)
    assert code == 1 and "REF alleles disagree" in err


def bad(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def truncated_bgzip(tmp_path: Path) -> Path:
    whole = tmp_path / "whole.vcf.gz"
    pysam.tabix_compress(str(TINY), str(whole))
    return bad(tmp_path, "cut.vcf.gz", whole.read_bytes()[:-40])


def no_ad(tmp_path: Path) -> Path:
    text = (
        TINY.read_text()
        .replace("##FORMAT=<ID=AD,", "##FORMAT=<ID=XX,")
        .replace("GT:AD:AF:DP", "GT:XX:AF:DP")
    )
    return bad(tmp_path, "noad.vcf", text)


def unsorted(tmp_path: Path) -> Path:
    lines = TINY.read_text().splitlines(keepends=True)
    body = [line for line in lines if not line.startswith("#")]
    return bad(
        tmp_path,
        "unsorted.vcf",
        "".join([*(line for line in lines if line.startswith("#")), body[1], body[0], *body[2:]]),
    )


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...], str]] = {
    "truncated text": (lambda p: bad(p, "cut.vcf", TINY.read_text()[:-25]), (), "truncated (the last line is incomplete)"),
    "truncated bgzip": (truncated_bgzip, (), "truncated (no BGZF end-of-file block)"),
    "garbled record": (
        lambda p: bad(p, "garbled.vcf", TINY.read_text().replace("1\t300\t.", "1\tabc\t.")),
        (), "record 3 after 1:200 cannot be parsed",
    ),
    "missing AD": (no_ad, (), "FORMAT/AD is not declared"),
    "unknown sample": (lambda p: TINY, ("--tumor", "P99_T"), "no sample 'P99_T' (--tumor); samples are: N1, T1"),
    "empty file": (lambda p: bad(p, "empty.vcf", ""), (), "the file is empty"),
    "not a VCF": (lambda p: bad(p, "notes.txt", "gene\tcount\nTP53\t3\n"), (), "not a readable VCF or BCF"),
    "unsorted": (unsorted, (), "records are not sorted (1:100 after 1:200)"),
    "bed other species, no contig lines": (
        lambda p: bad(p, "nocontigs.vcf", "".join(line for line in TINY.read_text().splitlines(keepends=True) if not line.startswith("##contig"))),
        ("--exclude-bed", "BEDMOUSE"), "no contig in common",
    ),
    "bed past contig end": (
        lambda p: TINY, ("--exclude-bed", "BEDLONG"), "the two are for different genome builds",
    ),
    "bed other species": (lambda p: TINY, ("--exclude-bed", "BEDMOUSE"), "no contig in common"),
    "fasta plain gzip": (lambda p: TINY, ("--fasta", "FASTA_GZIP"), "compressed with plain gzip"),
    "fasta other build": (lambda p: TINY, ("--fasta", "FASTA_OTHER"), "different genome builds"),
    "fasta wrong bases": (lambda p: TINY, ("--fasta", "FASTA_WRONG"), "REF alleles disagree"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_one_line_error_no_output(case: str, cli: Cli, tmp_path: Path) -> None:
    make, options, message = BAD_INPUTS[case]
    vcf = make(tmp_path)
    replacements = {
        "BEDLONG": bad(tmp_path, "long.bed", "1\t100\t9000\n"),
        "BEDMOUSE": bad(tmp_path, "mouse.bed", "chrX_mouse\t1\t10\n"),
        "FASTA_GZIP": bad(tmp_path, "plain.fa.gz", gzip.compress(b">1\nACGT\n")),
    }
    if "FASTA_OTHER" in options:
        replacements["FASTA_OTHER"] = reference(tmp_path, {"1": 6000, "2": 3000})
    if "FASTA_WRONG" in options:
        fasta = reference(tmp_path, {"1": 5000, "2": 3000})
        fasta.write_text(fasta.read_text().replace("C", "G").replace("T", "G"))
        replacements["FASTA_WRONG"] = fasta
    args = [replacements.get(o, o) for o in options]
    outdir = tmp_path / "out"
    for command in ("wes-filter", "wes-annotate"):
        code, out, err = cli(command, vcf, "-o", outdir, *args)
        assert code == 1, (command, err)
        assert out == ""
        assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
        assert message in err, err
        assert not outdir.exists() or list(outdir.iterdir()) == [], list(outdir.iterdir())


def test_header_only_vcf_gives_empty_tables(cli: Cli, tmp_path: Path) -> None:
    header = "".join(
        line for line in TINY.read_text().splitlines(keepends=True) if line.startswith("#")
    )
    code, _, err = cli("wes-filter", bad(tmp_path, "none.vcf", header), "-o", tmp_path / "out")
    assert code == 0, err
    assert (tmp_path / "out" / "T1.mutations.tsv").read_text().count("\n") == 1


def test_usage_error_exit_code_2(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("wes-filter", TINY, "--min-tumor-vaf", "1.5", "-o", tmp_path / "o")
    assert (code, out) == (2, "")
    assert err.startswith("error: Invalid value for '--min-tumor-vaf'") and err.count("\n") == 1
    code, out, err = cli("wes-filter", tmp_path / "absent.vcf", "-o", tmp_path / "o")
    assert (code, out) == (2, "") and "does not exist" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_bcf_input(cli: Cli, tmp_path: Path) -> None:
    if shutil.which("bcftools") is None:
        missing_reference("bcftools not installed (apt-get install bcftools)")
    import subprocess

    bcf = tmp_path / "tiny.bcf"
    subprocess.run(["bcftools", "view", "-Ob", "-o", str(bcf), str(TINY)], check=True)
    code, _, err = cli("wes-filter", bcf, "-o", tmp_path / "out")
    assert code == 0, err
    assert "4 of 12 calls pass" in err


def test_indexed_input_in_parts_gives_the_same_records_and_bytes(cli: Cli, tmp_path: Path) -> None:
    """A bgzipped input is filtered contig group by contig group (in parallel with
    --threads 2); the joined outputs equal the single-pass ones and do not depend on
    --threads."""
    compressed = tmp_path / "tiny.vcf.gz"
    pysam.tabix_compress(str(TINY), str(compressed))
    runs = {"plain": (TINY, 1), "parts1": (compressed, 1), "parts2": (compressed, 2)}
    for name, (vcf, threads) in runs.items():
        code, _, err = cli(
            "wes-filter", vcf, "-o", tmp_path / name, "--threads", threads, "--exclude-bed", BED
        )
        assert code == 0, err
    for name in ("T1.mutations.tsv", "T1.filter_attrition.tsv"):
        assert (tmp_path / "plain" / name).read_text() == (
            tmp_path / "parts1" / name
        ).read_text(), name
    # the summaries differ only in their run block (command line, wall time)
    plain, parts = (
        json.loads((tmp_path / run / "T1.summary.json").read_text()) for run in ("plain", "parts1")
    )
    assert plain.pop("run")["resources"] == parts.pop("run")["resources"]
    assert plain == parts
    for name in ("T1.mutations.tsv", "T1.filtered.vcf.gz", "T1.filtered.vcf.gz.tbi"):
        assert (tmp_path / "parts1" / name).read_bytes() == (
            tmp_path / "parts2" / name
        ).read_bytes(), name
    with (
        gzip.open(tmp_path / "plain" / "T1.filtered.vcf.gz", "rt") as a,
        gzip.open(tmp_path / "parts2" / "T1.filtered.vcf.gz", "rt") as b,
    ):
        assert a.read() == b.read()
    assert not list((tmp_path / "parts2").glob(".icarus-*")), "scratch folder left behind"


def test_cli_start_up_stays_light() -> None:
    """Per-sample commands run thousands of times in a pipeline: importing the CLI must not
    load pandas, scipy or matplotlib (a second of start-up); commands import them on use."""
    import subprocess
    import sys

    probe = "import sys, icarus_omics.cli; print(sorted({'pandas', 'scipy', 'matplotlib'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_missing_fasta_index_is_built_and_noted(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    fasta = reference(tmp_path, {"1": 5000, "2": 3000})
    Path(f"{fasta}.fai").unlink()
    code, _, err = cli("wes-filter", TINY, "--fasta", fasta, "-o", tmp_path / "out")
    assert code == 0, err
    assert Path(f"{fasta}.fai").read_text().splitlines()[0].split("\t")[:2] == ["1", "5000"]
    notes = json.loads((tmp_path / "out" / "T1.summary.json").read_text())["notes"]
    assert "built the missing FASTA index of ref.fa" in notes
