"""SBS96 catalogues: channel naming and order, contexts from a FASTA, which records count,
the genome-build check, and the VCF, MAF and catalogue-TSV readers.

Real-data checks use ../shared/data: SigProfilerMatrixGenerator 1.4.0's GRCh37_bench.vcf
with its expected matrix GRCh37_bench_orig_96.txt (SigProfiler text format: column 9 is
the reference-strand trinucleotide), MutationalPatterns 3.8.1's example VCFs with the
``mut_matrix`` they give (mut_mat_data.rds, exported to TSV with R 4.2 ``readRDS``), and
1 Mb slices of GRCh37 chr1 and chr17.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest
from hypothesis import given
from hypothesis import strategies as st

from icarus_omics.errors import IcarusError
from icarus_omics.io.catalogue import (
    read_catalogue,
    read_maf_variants,
    read_variant_files,
    read_vcf_variants,
)
from icarus_omics.io.fasta import Reference
from icarus_omics.signatures.catalogue import (
    CHANNELS,
    REPORT_COLUMNS,
    build_catalogue,
    context_channels,
    isolate_snvs,
)
from tests.conftest import DATA, shared_file

HERE = DATA / "catalogue"
# The synthetic genome the fixtures were written against (tumour_chr.vcf, two_samples.maf).
GENOME = {
    "1": "ACGTACGGTCATGCAATGCCTAGGTTACGATCGGATCCATGCATTGACGTCAAGCTTGCA"
    "TTGCAGTACCGTAGCTAGGCATCGATTGCAACGTTAGCCATGGCATGCTAGCTAGGATCC",
    "2": "GGATCCTTAGCAGTCGATCGGATCATGCTAGCTAGCTACGATCGTAGCTAGCATGCAGCT",
}
COMPLEMENT = str.maketrans("ACGT", "TGCA")
BENCH = "01_cosmic_sbs_v3.2/sigprofilermatrixgenerator_testdata/"
MP_VCFS = (
    "colon1",
    "colon2",
    "colon3",
    "intestine1",
    "intestine2",
    "intestine3",
    "liver1",
    "liver2",
    "liver3",
)


def write_fasta(directory: Path, contigs: dict[str, str], prefix: str = "") -> Reference:
    path = directory / "genome.fa"
    path.write_text("".join(f">{prefix}{name}\n{seq}\n" for name, seq in contigs.items()))
    pysam.faidx(str(path))
    return Reference(path)


def variants(*rows: tuple[str, str, int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sample", "chrom", "pos", "ref", "alt"])


def base(chrom: str, pos: int) -> str:
    return GENOME[chrom][pos - 1]


@pytest.fixture
def genome(tmp_path: Path) -> Reference:
    return write_fasta(tmp_path, GENOME)


@pytest.fixture(scope="module")
def grch37_slices(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """chr1 and chr17 1 Mb slices (gzip, not bgzip), decompressed and indexed together."""
    path = tmp_path_factory.mktemp("grch37") / "slices.fa"
    with open(path, "wb") as out:
        for name in ("Homo_sapiens_assembly19_chr1_1M", "human_g1k_v37.chr17_1Mb"):
            source = shared_file(f"02_somatic_vcfs/reference_fasta_grch37/{name}.fasta.gz")
            with gzip.open(source) as handle:
                shutil.copyfileobj(handle, out)
    pysam.faidx(str(path))
    return Reference(path)


# --- channels -------------------------------------------------------------------------


def test_channels_are_96_in_cosmic_row_order() -> None:
    cosmic = pd.read_csv(shared_file("01_cosmic_sbs_v3.2/COSMIC_v3.2_SBS_GRCh37.txt"), sep="\t")
    assert tuple(cosmic["Type"]) == CHANNELS
    assert CHANNELS[:5] == ("A[C>A]A", "A[C>A]C", "A[C>A]G", "A[C>A]T", "A[C>G]A")
    assert len(set(CHANNELS)) == 96


def test_sigprofiler_bench_contexts_reproduce_its_96_matrix() -> None:
    bench = pd.read_csv(shared_file(BENCH + "GRCh37_bench.vcf"), sep="\t", header=None, dtype=str)
    expected = pd.read_csv(shared_file(BENCH + "GRCh37_bench_orig_96.txt"), sep="\t", index_col=0)
    channels = context_channels(bench[8].tolist(), bench[4].tolist())
    assert (channels >= 0).all()
    counts = np.bincount(channels, minlength=96)
    assert list(expected.index) == list(CHANNELS)
    assert counts.tolist() == expected["GRCh37_bench"].tolist()


def test_purine_reference_is_read_on_the_other_strand() -> None:
    # G>A in TGC is C>T in GCA on the other strand; C>T in ACG keeps its strand
    assert CHANNELS[context_channels(["TGC"], ["A"])[0]] == "G[C>T]A"
    assert CHANNELS[context_channels(["ACG"], ["T"])[0]] == "A[C>T]G"
    assert CHANNELS[context_channels(["AAC"], ["G"])[0]] == "G[T>C]T"


def test_invalid_context_or_unchanged_base_has_no_channel() -> None:
    assert context_channels(["ANG", "ACG", "ACG"], ["T", "C", "N"]).tolist() == [-1, -1, -1]


@given(st.text("ACGT", min_size=3, max_size=3), st.sampled_from("ACGT"))
def test_either_strand_gives_the_same_channel(context: str, alt: str) -> None:
    other = context.translate(COMPLEMENT)[::-1]
    assert (
        context_channels([context], [alt])[0]
        == context_channels([other], [alt.translate(COMPLEMENT)])[0]
    )


# --- contexts from the FASTA ----------------------------------------------------------


def test_planted_contexts_are_read_from_the_fasta(tmp_path: Path) -> None:
    reference = write_fasta(tmp_path, {"1": "TTTGCAAACGTT"})
    calls = variants(("S1", "1", 5, "C", "T"), ("S1", "1", 4, "G", "A"), ("S1", "1", 9, "C", "T"))
    catalogue, report = build_catalogue(calls, reference)
    # pos 4 and 5 are adjacent (a DBS) and skipped; pos 9 is C>T in ACG
    assert catalogue["S1"][catalogue["S1"] > 0].to_dict() == {"A[C>T]G": 1}
    assert report.counts.loc["S1", "n_doublets_skipped"] == 1


def test_g_to_a_counts_as_c_to_t_with_swapped_complemented_flanks(tmp_path: Path) -> None:
    reference = write_fasta(tmp_path, {"1": "AATGCAA"})
    catalogue, _ = build_catalogue(variants(("S1", "1", 4, "G", "A")), reference)
    assert catalogue.loc["G[C>T]A", "S1"] == 1
    assert catalogue["S1"].sum() == 1


def test_catalogue_shape_index_and_integer_counts(genome: Reference) -> None:
    calls = variants(("S1", "1", 10, "C", "T"), ("S2", "2", 5, "C", "T"))
    catalogue, _ = build_catalogue(calls, genome, samples=["S2", "S1", "S3"])
    assert catalogue.shape == (96, 3)
    assert list(catalogue.columns) == ["S2", "S1", "S3"]
    assert catalogue.index.name == "MutationType" and tuple(catalogue.index) == CHANNELS
    assert catalogue.dtypes.eq(np.int64).all()
    assert catalogue["S3"].sum() == 0
    assert catalogue.loc["T[C>T]A", "S1"] == 1 and catalogue.loc["T[C>T]C", "S2"] == 1


def test_context_with_n_or_at_a_contig_end_is_skipped(tmp_path: Path) -> None:
    reference = write_fasta(tmp_path, {"1": "ACNTTACGTTA"})
    calls = variants(("S1", "1", 2, "C", "T"), ("S1", "1", 11, "A", "G"), ("S1", "1", 7, "C", "A"))
    catalogue, report = build_catalogue(calls, reference)
    assert catalogue["S1"].sum() == 1 and catalogue.loc["A[C>A]G", "S1"] == 1
    assert report.counts.loc["S1", "n_context_n"] == 2


# --- which records count ------------------------------------------------------------


def test_adjacent_snvs_of_one_sample_are_a_doublet_not_two_snvs() -> None:
    calls = variants(
        ("S1", "1", 20, "C", "T"), ("S1", "1", 21, "T", "G"),  # DBS
        ("S2", "1", 20, "C", "T"), ("S3", "1", 21, "T", "G"),  # one in each sample: SNVs
        ("S1", "1", 30, "A", "C"), ("S1", "1", 31, "T", "G"), ("S1", "1", 32, "C", "A"),  # MNV
        ("S1", "1", 40, "A", "C"), ("S1", "2", 41, "T", "G"),  # other contig: SNVs
        ("S1", "1", 50, "A", "C"), ("S1", "1", 52, "T", "G"),  # one base apart: SNVs
    )  # fmt: skip
    snvs, skipped = isolate_snvs(calls)
    kept = {(str(c), int(p)) for c, p in zip(snvs["chrom"], snvs["pos"], strict=True)}
    assert sorted(kept) == [("1", 20), ("1", 21), ("1", 40), ("1", 50), ("1", 52), ("2", 41)]
    assert skipped.loc["S1", "n_doublets_skipped"] == 1
    assert skipped.loc["S1", "n_mnvs_skipped"] == 1
    assert skipped.loc[["S2", "S3"]].to_numpy().sum() == 0


def test_indels_mnv_records_multiallelic_and_duplicates_are_counted_and_skipped() -> None:
    calls = variants(
        ("S1", "1", 10, "C", "T"), ("S1", "1", 10, "C", "T"),  # duplicate record
        ("S1", "1", 40, "TGC", "T"), ("S1", "2", 10, "", "T"),  # deletion, MAF-style insertion
        ("S1", "1", 60, "AC", "GT"), ("S1", "1", 70, "ACG", "GTA"),  # DBS and MNV records
        ("S1", "1", 50, "T", "G,A"), ("S1", "1", 80, "T", "<DEL>"),  # multi-allelic, symbolic
        ("S1", "1", 90, "A", "C"), ("S1", "1", 90, "A", "G"),  # split multi-allelic site
    )  # fmt: skip
    snvs, skipped = isolate_snvs(calls)
    assert snvs["pos"].tolist() == [10]
    assert skipped.loc["S1"].to_dict() == {
        "n_doublets_skipped": 1,
        "n_mnvs_skipped": 1,
        "n_indels_skipped": 2,
        "n_other_skipped": 3,
        "n_duplicates_skipped": 1,
    }


def test_mutationalpatterns_vcfs_keep_the_snvs_mut_matrix_counted() -> None:
    """MutationalPatterns merges adjacent SNVs into DBS and leaves them out: its matrix
    totals are the SNV counts less 2 (colon2), 4 (liver2) and 2 (liver3)."""
    paths = [shared_file(f"03_mutationalpatterns/vcf/{name}-sample.vcf") for name in MP_VCFS]
    expected = pd.read_csv(
        shared_file("03_mutationalpatterns/expected/mut_mat_data.96x9.tsv"), sep="\t", index_col=0
    )
    calls, names = read_variant_files(paths, samples=MP_VCFS)
    snvs, skipped = isolate_snvs(calls, names)
    kept = np.bincount(snvs["sample"], minlength=len(names))
    assert kept.tolist() == expected.sum().tolist()
    assert skipped["n_doublets_skipped"].to_dict() == {
        **dict.fromkeys(MP_VCFS, 0),
        "colon2": 1,
        "liver2": 2,
        "liver3": 1,
    }


# --- reference checks ---------------------------------------------------------------


def test_refs_from_another_build_stop_with_the_first_mismatch(genome: Reference) -> None:
    sites = [(p, base("1", p)) for p in range(2, 100, 4)]  # 25 non-adjacent SNVs
    wrong = [("S1", "1", p, "T" if b != "T" else "C", "A" if b != "A" else "G") for p, b in sites]
    with pytest.raises(IcarusError, match=r"sample 'S1': REF disagrees .* genome build") as error:
        build_catalogue(variants(*wrong), genome)
    assert "first: 1:" in str(error.value)


def test_a_few_ref_mismatches_are_skipped_and_counted(genome: Reference) -> None:
    sites = [(p, base("1", p)) for p in range(2, 100, 4)]
    calls = [("S1", "1", p, b, "A" if b != "A" else "G") for p, b in sites]
    calls[3] = ("S1", "1", sites[3][0], "T" if sites[3][1] != "T" else "C", "G")
    catalogue, report = build_catalogue(variants(*calls), genome)
    assert report.counts.loc["S1", ["n_ref_checked", "n_ref_mismatch"]].tolist() == [25, 1]
    assert catalogue["S1"].sum() == 24


def test_contig_missing_from_the_fasta_is_named(genome: Reference) -> None:
    with pytest.raises(IcarusError, match=r"genome.fa lacks contig\(s\) 'chr7' of the calls"):
        build_catalogue(variants(("S1", "chr7", 10, "C", "T")), genome)


def test_every_missing_contig_is_named_not_called_another_build(genome: Reference) -> None:
    """A FASTA of some chromosomes used to be reported as a different genome build."""
    calls = variants(
        ("S1", "chr1", 10, "C", "T"), ("S1", "chr7", 10, "C", "T"), ("S2", "chrX", 5, "G", "A")
    )
    with pytest.raises(IcarusError) as caught:
        build_catalogue(calls, genome)
    message = str(caught.value)
    assert "lacks contig(s) 'chr7', 'chrX' of the calls (it has 1, 2)" in message
    assert "build" not in message


def test_position_past_the_contig_end_is_a_build_error(genome: Reference) -> None:
    with pytest.raises(IcarusError, match="different genome builds"):
        build_catalogue(variants(("S1", "2", 61, "C", "T")), genome)


def test_chr_prefixed_vcf_matches_an_unprefixed_fasta(genome: Reference) -> None:
    names, calls = read_vcf_variants(HERE / "tumour_chr.vcf")
    catalogue, report = build_catalogue(calls, genome, names)
    assert names == ["P01_T"]
    # chr1:10 C>T in TCA, chr1:61 T>G in ATT, chr2:5 C>T in TCC; 20-21 is a DBS
    assert catalogue["P01_T"][catalogue["P01_T"] > 0].to_dict() == {
        "A[T>G]T": 1,
        "T[C>T]A": 1,
        "T[C>T]C": 1,
    }
    assert report.counts.loc["P01_T"].to_dict() == {
        "n_snvs": 3, "n_doublets_skipped": 1, "n_mnvs_skipped": 0, "n_indels_skipped": 1,
        "n_other_skipped": 1, "n_duplicates_skipped": 0, "n_context_n": 0,
        "n_ref_checked": 3, "n_ref_mismatch": 0,
    }  # fmt: skip
    assert tuple(report.counts.columns) == REPORT_COLUMNS


def test_prefixed_fasta_matches_unprefixed_calls(tmp_path: Path) -> None:
    reference = write_fasta(tmp_path, GENOME, prefix="chr")
    catalogue, _ = build_catalogue(variants(("S1", "1", 10, "C", "T")), reference)
    assert catalogue.loc["T[C>T]A", "S1"] == 1


def test_grch37_contexts_of_known_sites(grch37_slices: Reference) -> None:
    """GRCh37_bench 17:765912 C>A has context CCT; PD3851a 1:809687 and PD3890a
    1:564957 are G with context AGG (so C>N in CCT) in the MANIFEST."""
    calls = variants(
        ("bench", "17", 765912, "C", "A"),
        ("PD", "1", 809687, "G", "C"),
        ("PD", "1", 564957, "G", "A"),
    )
    catalogue, report = build_catalogue(calls, grch37_slices)
    assert catalogue["bench"][catalogue["bench"] > 0].to_dict() == {"C[C>A]T": 1}
    assert catalogue["PD"][catalogue["PD"] > 0].to_dict() == {"C[C>G]T": 1, "C[C>T]T": 1}
    assert report.total("n_ref_mismatch") == 0 and report.total("n_ref_checked") == 3


# --- variant readers ----------------------------------------------------------------


def test_vcf_reader_keeps_pass_records_unless_asked(tmp_path: Path) -> None:
    _, passing = read_vcf_variants(HERE / "tumour_chr.vcf")
    names, every = read_vcf_variants(HERE / "tumour_chr.vcf", "custom", include_filtered=True)
    assert 30 not in passing["pos"].tolist() and 30 in every["pos"].tolist()
    assert names == ["custom"] and set(every["sample"]) == {"custom"}
    assert passing.loc[passing["pos"] == 50, "alt"].item() == "G,A"


def test_never_filtered_vcf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "raw.vcf"
    text = (HERE / "tumour_chr.vcf").read_text()
    path.write_text(text.replace("\tPASS\t", "\t.\t").replace("\tweak_evidence\t", "\t.\t"))
    with pytest.raises(IcarusError, match=r"raw.vcf: no record has FILTER=PASS \(8 have '.'"):
        read_vcf_variants(path)


def test_maf_reader_gives_one_sample_per_barcode_and_indels_as_empty_alleles(
    genome: Reference,
) -> None:
    names, calls = read_maf_variants(HERE / "two_samples.maf")
    assert names == ["P02_T", "P03_T", "P04_T"]
    assert 40 not in calls["pos"].tolist()  # panel_of_normals dropped; '.' kept
    catalogue, report = build_catalogue(calls, genome, names)
    assert catalogue.sum().to_dict() == {"P02_T": 1, "P03_T": 1, "P04_T": 0}
    assert report.counts.loc["P02_T", ["n_doublets_skipped", "n_indels_skipped"]].tolist() == [2, 1]
    assert report.counts.loc["P03_T", "n_indels_skipped"] == 1


def test_a_sample_in_two_files_is_an_error() -> None:
    with pytest.raises(IcarusError, match="sample 'P01_T' is in both"):
        read_variant_files([HERE / "tumour_chr.vcf", HERE / "tumour_chr.vcf"])


# --- catalogue TSV reader -----------------------------------------------------------


def test_sigprofiler_and_mutationalpatterns_layouts_read_the_same() -> None:
    sigprofiler = read_catalogue(HERE / "sigprofiler_layout.tsv")
    mutationalpatterns = read_catalogue(HERE / "mutationalpatterns_layout.tsv")
    assert tuple(sigprofiler.index) == CHANNELS and list(sigprofiler.columns) == ["P01_T", "P02_T"]
    pd.testing.assert_frame_equal(sigprofiler, mutationalpatterns)
    assert sigprofiler.loc["A[C>A]C", "P02_T"] == 3


def test_mutationalpatterns_mut_matrix_is_put_in_cosmic_order() -> None:
    path = shared_file("03_mutationalpatterns/expected/mut_mat_data.96x9.tsv")
    raw = pd.read_csv(path, sep="\t", index_col=0)
    catalogue = read_catalogue(path)
    assert raw.index[4] == "C[C>A]A" and catalogue.index[4] == "A[C>G]A"
    assert tuple(catalogue.index) == CHANNELS and list(catalogue.columns) == list(MP_VCFS)
    pd.testing.assert_frame_equal(
        catalogue, raw.loc[list(CHANNELS)].rename_axis("MutationType"), check_dtype=False
    )


def test_r_row_names_layout_is_read(tmp_path: Path) -> None:
    lines = ['"S1"\t"S2"'] + [f'"{c}"\t{i}\t1' for i, c in enumerate(CHANNELS)]
    path = tmp_path / "r.tsv"
    path.write_text("\n".join(lines) + "\n")
    catalogue = read_catalogue(path)
    assert list(catalogue.columns) == ["S1", "S2"] and catalogue.loc["T[T>G]T", "S1"] == 95


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("A[C>A]C\t", "A[C>X]C\t"), r"row 'A\[C>X\]C' is not an SBS96 channel"),
        (lambda t: t.replace("A[C>A]C\t", "A[C>A]A\t"), r"channel 'A\[C>A\]A' appears twice"),
        (
            lambda t: "\n".join(t.splitlines()[:-1]) + "\n",
            r"1 of the 96 channels are missing \(first: T\[T>G\]T\)",
        ),
        (
            lambda t: t.replace("A[C>A]C\t1\t", "A[C>A]C\t-1\t"),
            r"count '-1' of sample 'P01_T' at A\[C>A\]C is negative",
        ),
        (lambda t: t.replace("A[C>A]C\t1\t", "A[C>A]C\t0.25\t"), "is not a whole count"),
        (lambda t: t.replace("A[C>A]C\t1\t", "A[C>A]C\tNA\t"), "is not a number"),
        (lambda t: t.replace("P02_T", "P01_T"), "sample column 'P01_T' appears twice"),
    ],
)
def test_bad_catalogue_gets_a_one_line_error(tmp_path: Path, edit: object, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(edit((HERE / "sigprofiler_layout.tsv").read_text()))  # type: ignore[operator]
    with pytest.raises(IcarusError, match=message) as error:
        read_catalogue(path)
    assert "\n" not in str(error.value) and "bad.tsv" in str(error.value)


def test_report_summary_names_what_was_skipped(genome: Reference) -> None:
    _, report = build_catalogue(
        variants(("S1", "1", 20, "C", "T"), ("S1", "1", 21, "T", "G"), ("S1", "1", 10, "C", "T")),
        genome,
    )
    assert report.summary() == "1 SNVs in 1 samples; skipped 1 DBS"


def test_vcf_without_passing_records_gives_a_zero_column(tmp_path: Path, genome: Reference) -> None:
    path = tmp_path / "failing.vcf"
    path.write_text((HERE / "tumour_chr.vcf").read_text().replace("\tPASS\t", "\tweak_evidence\t"))
    calls, names = read_variant_files([path, HERE / "two_samples.maf"])
    catalogue, report = build_catalogue(calls, genome, names)
    assert list(catalogue.columns) == ["P01_T", "P02_T", "P03_T", "P04_T"]
    assert catalogue["P01_T"].sum() == 0 and report.counts.loc["P01_T"].sum() == 0
