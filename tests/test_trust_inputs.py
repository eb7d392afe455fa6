"""Issue 9: inputs that must not be trusted (hostile names, mismatched fits, damaged files,
repeated sheet rows, missing tables, exome vs genome, incomplete or unindexed FASTAs)."""

from __future__ import annotations

import dataclasses
import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.io import fasta as fasta_io
from icarus_omics.io.fasta import Reference
from icarus_omics.io.signatures import read_signatures
from icarus_omics.signatures.catalogue import CHANNELS, build_catalogue
from tests.conftest import DATA, CliResult, shared_file

Cli = Callable[..., CliResult]
GENES = DATA / "cna" / "genes.tsv"
SIGNATURES = Path(__file__).parents[1] / "resources" / "signatures"
COSMIC_FILE = SIGNATURES / "COSMIC_v3.2_SBS_GRCh37.txt.gz"
COSMIC_EXOME_FILE = SIGNATURES / "COSMIC_v3.2_SBS_GRCh37_exome.txt.gz"
COSMIC_FILES = {"cosmic-v3.2": COSMIC_FILE, "cosmic-v3.2-exome": COSMIC_EXOME_FILE}
SEGMENTS = DATA / "cna" / "T1.cncf.txt"


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def one_line_error(code: int, err: str) -> bool:
    return code == 1 and err.startswith("error: ") and err.count("\n") == 1


# --- 1. hostile names never become paths outside -o ----------------------------------


def simulated_catalogue(columns: list[str], exome: bool = False, seed: int = 0) -> pd.DataFrame:
    """SNV counts drawn from a few breast-shortlist signatures (genome or exome set)."""
    name = "cosmic-v3.2-exome" if exome else "cosmic-v3.2"
    cosmic = read_signatures(COSMIC_FILES[name]).loc[list(CHANNELS)]
    rng = np.random.default_rng(seed)
    counts = {}
    for column in columns:
        chosen = rng.choice(["SBS1", "SBS2", "SBS3", "SBS5", "SBS13", "SBS18"], 4, replace=False)
        profile = (cosmic[chosen] * rng.dirichlet(np.ones(4))).sum(axis=1)
        counts[column] = rng.multinomial(100, (profile / profile.sum()).to_numpy())
    return pd.DataFrame(counts, index=pd.Index(CHANNELS, name="MutationType"))


@pytest.mark.parametrize("barcode", ["../evil", "/tmp/evil", "a/b", "..", ".hidden"])
def test_hostile_maf_barcode_is_refused_by_signatures(
    cli: Cli, tmp_path: Path, barcode: str
) -> None:
    fasta = tmp_path / "ref" / "ref.fa"
    fasta.parent.mkdir()
    fasta.write_text(">1\n" + "ACGT" * 50 + "\n")
    maf = tmp_path / "in" / "calls.maf"
    maf.parent.mkdir()
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
        f"Tumor_Sample_Barcode\nG\t1\t10\tC\tT\t{barcode}\n"
    )
    before = files_in(tmp_path)
    code, _, err = cli("signatures", maf, "--fasta", fasta, "-o", tmp_path / "out", "--min-snvs", 0)
    assert one_line_error(code, err) and repr(barcode) in err, err
    assert "--no-spectra" in err
    after = files_in(tmp_path) - {fasta.with_name("ref.fa.fai")}
    assert after - before <= {tmp_path / "out"}
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert not Path("/tmp/evil.png").exists()


def test_hostile_catalogue_column_and_vcf_sample_are_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.tsv"
    simulated_catalogue(["ok", "../../escape"]).to_csv(path, sep="\t")
    code, _, err = cli("signatures", path, "-o", tmp_path / "out")
    assert one_line_error(code, err) and "'../../escape'" in err, err
    assert not (tmp_path.parent / "escape.png").exists()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    # without spectra no sample name reaches the file system
    code, _, err = cli("signatures", path, "-o", tmp_path / "out", "--no-spectra")
    assert code == 0, err
    vcf = tmp_path / "t.vcf"
    vcf.write_text((DATA / "catalogue" / "tumour_chr.vcf").read_text().replace("P01_T", "../P01_T"))
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\n" + "ACGTC" * 24 + "\n>chr2\n" + "ACGTC" * 12 + "\n")
    code, _, err = cli("signatures", vcf, "--fasta", fasta, "-o", tmp_path / "v", "--min-snvs", 0)
    assert one_line_error(code, err) and "'../P01_T'" in err, err


@pytest.mark.parametrize("name", ["../evil", "a\\b", "-rf", "x\x01y"])
def test_hostile_segment_sample_is_refused_by_cna(cli: Cli, tmp_path: Path, name: str) -> None:
    lines = SEGMENTS.read_text().splitlines()
    table = tmp_path / "cohort.cncf.txt"
    table.write_text("\n".join(["ID\t" + lines[0], *(f"{name}\t{line}" for line in lines[1:])]))
    code, _, err = cli("cna", table, "--genes", GENES, "-o", tmp_path / "out")
    assert one_line_error(code, err) and repr(name) in err and "cohort.cncf.txt" in err, err
    assert not (tmp_path / "evil.cna_genes.tsv").exists()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_hostile_prefix_and_file_name_are_refused_by_cna(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("cna", SEGMENTS, "--genes", GENES, "-o", tmp_path / "o", "--prefix", "../x")
    assert one_line_error(code, err) and "--prefix '../x'" in err, err
    assert not (tmp_path / "x.cna_genes.tsv").exists()
    dotted = tmp_path / "..T1.cncf.txt"
    shutil.copy(SEGMENTS, dotted)
    code, _, err = cli("cna", dotted, "--genes", GENES, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "'..T1'" in err, err
    code, _, err = cli("cna", dotted, "--genes", GENES, "-o", tmp_path / "o", "--prefix", "T1")
    assert code == 0 and (tmp_path / "o" / "T1.cna_genes.tsv").exists(), err


def test_example_cohort_refuses_a_hostile_tumour_name(tmp_path: Path) -> None:
    from icarus_omics.example.cohort import build_example_cohort
    from icarus_omics.io.cohort import write_example_cohort

    cohort = build_example_cohort(n_patients=2)
    samples = cohort.samples.copy()
    samples.loc[0, "tumor_sample"] = "../P01_T"
    with pytest.raises(IcarusError, match=r"tumour sample '\.\./P01_T' contains a path separator"):
        write_example_cohort(dataclasses.replace(cohort, samples=samples), tmp_path / "ex")
    assert not (tmp_path / "P01_T.vcf").exists() and not (tmp_path / "ex").exists()


# --- 2. cna --fit is matched to the sample by name ------------------------------------


def test_cna_fit_naming_only_other_samples_is_an_error(cli: Cli, tmp_path: Path) -> None:
    fits = tmp_path / "fits.tsv"
    fits.write_text("sample\tpurity\tploidy\nOTHER\t0.3\t3.1\n")
    code, _, err = cli("cna", SEGMENTS, "--genes", GENES, "-o", tmp_path / "o", "--fit", fits)
    assert one_line_error(code, err) and "no fit for sample(s) T1" in err, err
    fits.write_text("sample\tpurity\tploidy\nOTHER\t0.3\t3.1\nT1\t0.6\t2.2\n")
    code, _, err = cli("cna", SEGMENTS, "--genes", GENES, "-o", tmp_path / "o", "--fit", fits)
    assert code == 0, err
    summary = (tmp_path / "o" / "T1.cna_summary.json").read_text()
    assert '"purity": 0.6' in summary and '"ploidy": 2.2' in summary
    # a single-sample fit without names (key/value rows) still applies to a lone sample
    code, _, err = cli(
        "cna",
        SEGMENTS,
        "--genes",
        GENES,
        "-o",
        tmp_path / "kv",
        "--fit",
        DATA / "cna" / "T1.fit.tsv",
    )
    assert code == 0 and '"purity": 0.81' in (tmp_path / "kv" / "T1.cna_summary.json").read_text()


# --- 3. damaged gzip and non-UTF-8 tables ---------------------------------------------


def truncated_gzip(source: Path, target: Path) -> Path:
    data = gzip.compress(source.read_bytes())
    target.write_bytes(data[: len(data) // 2])
    return target


def test_truncated_corrupt_and_non_utf8_segments(cli: Cli, tmp_path: Path) -> None:
    cut = truncated_gzip(SEGMENTS, tmp_path / "T1.cncf.txt.gz")
    code, _, err = cli("cna", cut, "--genes", GENES, "-o", tmp_path / "o")
    assert one_line_error(code, err), (code, err)  # was exit 130 "aborted"
    assert "T1.cncf.txt.gz is truncated or not a complete gzip file" in err
    corrupt = tmp_path / "C.cncf.txt.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data at all")
    code, _, err = cli("cna", corrupt, "--genes", GENES, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "C.cncf.txt.gz" in err, err
    gene_cut = truncated_gzip(GENES, tmp_path / "genes.tsv.gz")
    code, _, err = cli("cna", SEGMENTS, "--genes", gene_cut, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "genes.tsv.gz is truncated" in err, err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_truncated_corrupt_and_non_utf8_counts_for_rna_de(cli: Cli, tmp_path: Path) -> None:
    counts = tmp_path / "counts.tsv"
    counts.write_text("gene\tA\tB\nG1\t1\t2\nG2\t3\t4\n" * 50)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tpatient\tresponse\nA\tP1\tR\nB\tP2\tNR\n")
    cut = truncated_gzip(counts, tmp_path / "counts.tsv.gz")
    code, _, err = cli("rna-de", cut, sheet, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "counts.tsv.gz is truncated" in err, (code, err)
    corrupt = tmp_path / "bad.tsv.gz"
    corrupt.write_bytes(b"this is not gzip")
    code, _, err = cli("rna-de", corrupt, sheet, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "bad.tsv.gz is not a valid gzip file" in err, err
    latin = tmp_path / "latin.tsv"
    latin.write_bytes(b"gene\tA\tB\nG\xe91\t1\t2\n")
    code, _, err = cli("rna-de", latin, sheet, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "latin.tsv: the count table is not UTF-8" in err, err


def test_truncated_catalogue_for_signatures(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "catalogue.tsv"
    simulated_catalogue(["S1", "S2"]).to_csv(plain, sep="\t")
    cut = truncated_gzip(plain, tmp_path / "catalogue.tsv.gz")
    code, _, err = cli("signatures", cut, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "catalogue.tsv.gz is truncated" in err, (code, err)


# --- 4. a sample listed twice in a sample sheet ---------------------------------------


def test_duplicate_sample_rows_are_refused(cli: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tresponse\nS1\tR\nS2\tNR\nS1\tNR\nS3\tNR\n")
    muts = tmp_path / "S1.oncogenic.tsv"
    muts.write_text(
        "sample\tgene\tprotein_change\tvariant_classification\toncogenic\n"
        "S1\tPIK3CA\tp.E545K\tMissense_Mutation\ttrue\n"
    )
    code, _, err = cli("alterations", sheet, "--mutations", muts, "-o", tmp_path / "a")
    assert one_line_error(code, err), err  # was a traceback (Fisher's test on -1 counts)
    assert "sample 'S1' is listed more than once (lines 2, 4)" in err
    catalogue = tmp_path / "catalogue.tsv"
    simulated_catalogue(["S1", "S2", "S3"]).to_csv(catalogue, sep="\t")
    code, _, err = cli("signatures", catalogue, "--samples", sheet, "-o", tmp_path / "s")
    assert one_line_error(code, err) and "'S1' is listed more than once" in err, err


# --- 5. alterations: samples without tables are not profiled, never wild type ---------


def alteration_inputs(tmp_path: Path) -> tuple[Path, list[object]]:
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tresponse\nS1\tR\nS2\tR\nS3\tNR\nS4\tNR\n")
    options: list[object] = []
    for sample, gene in (("S1", "PIK3CA"), ("S2", ""), ("S3", "PIK3CA")):  # S4: no table
        path = tmp_path / f"{sample}.mutations.tsv"
        rows = f"{gene}\tMissense_Mutation\tp.X1Y\ttrue\ttrue\n" if gene else ""
        path.write_text(
            "gene\tvariant_classification\tprotein_change\toncogenic\tnonsynonymous\n" + rows
        )
        options += ["--mutations", path]
    return sheet, options


def test_sample_without_tables_is_an_error_by_default(cli: Cli, tmp_path: Path) -> None:
    sheet, options = alteration_inputs(tmp_path)
    code, _, err = cli("alterations", sheet, *options, "-o", tmp_path / "o")
    assert one_line_error(code, err), err
    assert (
        "1 sample(s) of" in err and "no --mutations table: S4" in err and "--allow-missing" in err
    )


def test_allow_missing_reports_not_profiled_outside_the_denominators(
    cli: Cli, tmp_path: Path
) -> None:
    sheet, options = alteration_inputs(tmp_path)
    code, _, err = cli("alterations", sheet, *options, "-o", tmp_path / "o", "--allow-missing")
    assert code == 0 and "1 not profiled: S4" in err and "2 of 3 samples altered" in err, err
    matrix = pd.read_csv(
        tmp_path / "o" / "alteration_matrix.tsv", sep="\t", index_col=0, keep_default_na=False
    )
    assert matrix.loc["PIK3CA"].to_dict() == {"S1": "missense", "S2": "", "S3": "missense",
                                               "S4": "NA"}  # fmt: skip
    frequency = pd.read_csv(tmp_path / "o" / "alteration_frequency.tsv", sep="\t")
    any_row = frequency[(frequency["gene"] == "PIK3CA") & (frequency["alteration"] == "any")]
    assert any_row[["altered_a", "total_a", "altered_b", "total_b"]].iloc[0].tolist() == [
        1,
        2,
        1,
        1,
    ]
    assert any_row["frequency_b"].item() == 1.0  # S4 is not counted as wild type
    assert (tmp_path / "o" / "oncoplot.png").read_bytes()[:4] == b"\x89PNG"


# --- 6. exome or genome is decided by the trinucleotide make-up -----------------------


def test_genome_data_are_not_called_exome(cli: Cli, tmp_path: Path) -> None:
    """MutationalPatterns' organoid WGS catalogues hold 150-900 SNVs each: the old rule
    (median under 2,000 SNVs) called them exome data."""
    genome = shared_file("03_mutationalpatterns/expected/mut_mat_data.96x9.tsv")
    code, _, err = cli("signatures", genome, "-o", tmp_path / "g", "--no-spectra", "--threads", 1)
    assert code == 0 and "exome" not in err, err
    code, _, err = cli(
        "signatures", genome, "-o", tmp_path / "x", "--no-spectra", "--threads", 1, "--exome"
    )
    assert code == 0 and "look like a whole genome" in err, err


def test_exome_data_are_called_exome(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "exome.tsv"
    simulated_catalogue([f"E{k}" for k in range(10)], exome=True, seed=4).to_csv(path, sep="\t")
    code, _, err = cli("signatures", path, "-o", tmp_path / "e", "--no-spectra", "--threads", 1)
    assert code == 0 and "look like exome data" in err and "--exome" in err, err
    code, _, err = cli(
        "signatures", path, "-o", tmp_path / "x", "--no-spectra", "--threads", 1, "--exome"
    )
    assert code == 0 and "warning" not in err, err


@pytest.mark.parametrize("seed", range(5))
def test_exome_log_ratio_separates_simulated_exomes_and_genomes(seed: int) -> None:
    from icarus_omics.signatures.exome import SEQUENCING_LOG_RATIO, exome_log_ratio

    genome_set, exome_set = read_signatures(COSMIC_FILE), read_signatures(COSMIC_EXOME_FILE)
    names = [f"S{k}" for k in range(10)]
    exome = simulated_catalogue(names, exome=True, seed=seed)
    genome = simulated_catalogue(names, exome=False, seed=seed + 100)
    assert exome_log_ratio(exome, genome_set, exome_set) > SEQUENCING_LOG_RATIO
    assert exome_log_ratio(genome, genome_set, exome_set) < 0
    assert exome_log_ratio(exome * 0, genome_set, exome_set) == 0.0


# --- 7. a FASTA lacking contigs says which ---------------------------------------------


def test_signatures_names_the_contigs_the_fasta_lacks(cli: Cli, tmp_path: Path) -> None:
    fasta = tmp_path / "chr1_only.fa"
    fasta.write_text(">chr1\n" + "ACGTC" * 24 + "\n")
    vcf = DATA / "catalogue" / "tumour_chr.vcf"
    code, _, err = cli("signatures", vcf, "--fasta", fasta, "-o", tmp_path / "o")
    assert one_line_error(code, err) and "lacks contig(s) 'chr2' of the calls" in err, err
    assert "build" not in err


# --- 8. FASTA indexes are built with pysam; plain gzip is refused with the fix ----------


def test_missing_index_is_built_and_reported(cli: Cli, tmp_path: Path) -> None:
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\n" + "ACGTC" * 24 + "\n>chr2\n" + "ACGTC" * 12 + "\n")
    vcf = DATA / "catalogue" / "tumour_chr.vcf"
    code, _, err = cli("signatures", vcf, "--fasta", fasta, "-o", tmp_path / "o", "--min-snvs", 0)
    assert code == 0 and f"indexed {fasta}" in err, err
    assert (tmp_path / "ref.fa.fai").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    code, _, err = cli("signatures", vcf, "--fasta", fasta, "-o", tmp_path / "p", "--min-snvs", 0)
    assert code == 0 and "indexed" not in err


def test_unwritable_folder_without_index_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1\nACGT\n")
    monkeypatch.setattr(fasta_io, "_writable", lambda folder: False)
    with pytest.raises(IcarusError, match=r"no FASTA index \(ref.fa.fai\) and its folder is not"):
        Reference(fasta)
    assert not (tmp_path / "ref.fa.fai").exists()


def test_bgzipped_fasta_is_indexed_and_plain_gzip_refused(tmp_path: Path) -> None:
    plain = tmp_path / "ref.fa"
    plain.write_text(">1\n" + "ACGT" * 30 + "\n>2\nGGGCCCAAAT\n")
    bgzf = tmp_path / "ref.fa.gz"
    pysam.tabix_compress(str(plain), str(bgzf))
    reference = Reference(bgzf)
    assert reference.indexed and reference.fetch("chr2", 2, 6) == "GCCC"
    assert (tmp_path / "ref.fa.gz.fai").exists() and (tmp_path / "ref.fa.gz.gzi").exists()
    assert not Reference(bgzf).indexed
    gz = tmp_path / "plain.fa.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(IcarusError, match="plain gzip, which cannot be indexed; decompress it"):
        Reference(gz)
    text = tmp_path / "notes.fa"
    text.write_text("no header line\nACGT\n")
    with pytest.raises(IcarusError, match="is not a FASTA file"):
        Reference(text)


def test_real_grch37_slices_plain_gzip_then_bgzip(tmp_path: Path) -> None:
    """The shared GRCh37 slices are plain gzip (not BGZF): refused with the fix; the same
    sequence bgzipped is indexed here and gives the MANIFEST's known contexts."""
    source = shared_file("02_somatic_vcfs/reference_fasta_grch37/human_g1k_v37.chr17_1Mb.fasta.gz")
    with pytest.raises(IcarusError, match="plain gzip") as caught:
        Reference(source)
    assert str(caught.value).count("\n") == 0
    plain = tmp_path / "chr17.fa"
    with gzip.open(source) as handle, open(plain, "wb") as out:
        shutil.copyfileobj(handle, out)
    bgzf = tmp_path / "chr17.fa.gz"
    pysam.tabix_compress(str(plain), str(bgzf))
    reference = Reference(bgzf)
    assert reference.indexed
    calls = pd.DataFrame(
        [("bench", "17", 765912, "C", "A")], columns=["sample", "chrom", "pos", "ref", "alt"]
    )
    catalogue, _ = build_catalogue(calls, reference)
    assert catalogue["bench"][catalogue["bench"] > 0].to_dict() == {"C[C>A]T": 1}
