"""The signatures command: outputs, the min-SNV gate, association, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.catalogue import CHANNELS
from icarus_omics.io.signatures import read_signatures
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def simulated(tmp_path: Path, n: int = 8) -> tuple[Path, Path]:
    """A catalogue TSV with APOBEC (SBS2+SBS13) planted in the first half of the samples."""
    cosmic = read_signatures("cosmic-v3.2").loc[list(CHANNELS)]
    rng = np.random.default_rng(3)
    columns = {}
    for k in range(n):
        weights = {"SBS1": 0.2, "SBS5": 0.5, "SBS2": 0.0, "SBS13": 0.0}
        if k < n // 2:
            weights.update(SBS2=0.25, SBS13=0.25, SBS5=0.1, SBS1=0.1)
        profile = sum(w * cosmic[s] for s, w in weights.items())
        columns[f"T{k}"] = rng.multinomial(400 if k else 30, (profile / profile.sum()).to_numpy())
    catalogue = pd.DataFrame(columns, index=pd.Index(CHANNELS, name="MutationType"))
    path = tmp_path / "catalogue.tsv"
    catalogue.to_csv(path, sep="\t")
    sheet = tmp_path / "samples.tsv"
    pd.DataFrame(
        {"sample": list(columns), "response": ["R"] * (n // 2) + ["NR"] * (n - n // 2)}
    ).to_csv(sheet, sep="\t", index=False)
    return path, sheet


def test_catalogue_input_fit_and_association(cli: Cli, tmp_path: Path) -> None:
    catalogue, sheet = simulated(tmp_path)
    code, out, err = cli(
        "signatures", catalogue, "-o", tmp_path / "out", "--samples", sheet, "--threads", 1
    )
    assert code == 0 and out == "", err
    assert "7 of 8 samples fitted" in err and "1 sample(s) under 50 SNVs" in err
    quality = pd.read_csv(tmp_path / "out" / "fit_quality.tsv", sep="\t")
    assert list(quality.columns) == [
        "sample",
        "n_snvs",
        "fitted",
        "cosine_similarity",
        "rss",
        "signatures_kept",
    ]
    assert quality.loc[quality["sample"] == "T0", "fitted"].item() == False  # noqa: E712 - 30 SNVs
    exposures = pd.read_csv(tmp_path / "out" / "exposures.tsv", sep="\t", index_col=0)
    assert (exposures >= 0).all().all() and len(exposures.columns) == 21  # the breast shortlist
    relative = pd.read_csv(tmp_path / "out" / "exposures_relative.tsv", sep="\t", index_col=0)
    assert np.allclose(relative.sum(axis=1), 1.0)
    association = pd.read_csv(tmp_path / "out" / "association.tsv", sep="\t").set_index(
        ["feature", "scale"]
    )
    assert (
        association.loc[("SBS2", "relative"), "median_a"]
        > association.loc[("SBS2", "relative"), "median_b"]
    )
    assert (tmp_path / "out" / "spectra" / "T1.png").exists() and (
        tmp_path / "out" / "exposures.png"
    ).exists()


def test_methods_and_bootstrap_are_deterministic(cli: Cli, tmp_path: Path) -> None:
    catalogue, _ = simulated(tmp_path)
    for method in ("nnls", "strict", "sparse"):
        runs = []
        for run in ("a", "b"):
            out = tmp_path / method / run
            code, _, err = cli(
                "signatures",
                catalogue,
                "-o",
                out,
                "--method",
                method,
                "--bootstrap",
                20,
                "--seed",
                7,
                "--no-spectra",
                "--threads",
                1 if run == "a" else 2,
            )
            assert code == 0, err
            runs.append((out / "bootstrap.tsv").read_bytes() + (out / "exposures.tsv").read_bytes())
        assert runs[0] == runs[1], method


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("MutationType\tS1\nA[C>A]A\t3\nX[Y>Z]W\t4\n"), "channel"),
        (
            lambda p: p.write_text(
                "MutationType\tS1\n"
                + "".join(f"{c}\t{-1 if i == 0 else 2}\n" for i, c in enumerate(CHANNELS))
            ),
            "negative",
        ),
    ],
)
def test_bad_catalogue(
    cli: Cli, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "bad.tsv"
    make(path)
    code, _, err = cli("signatures", path, "-o", tmp_path / "out")
    assert code == 1 and message in err.lower() and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_signature_columns_must_sum_to_one(cli: Cli, tmp_path: Path) -> None:
    catalogue, _ = simulated(tmp_path)
    broken = read_signatures("cosmic-v3.2")[["SBS1", "SBS5"]] * [1.0, 0.5]
    path = tmp_path / "sigs.tsv"
    broken.to_csv(path, sep="\t")
    code, _, err = cli(
        "signatures", catalogue, "-o", tmp_path / "out", "--signatures", path, "--shortlist", "all"
    )
    assert code == 1 and "SBS5" in err, err


def test_vcf_input_needs_a_fasta_which_is_indexed_when_needed(cli: Cli, tmp_path: Path) -> None:
    from tests.conftest import DATA

    vcf = DATA / "tiny_mutect2.vcf"
    code, _, err = cli("signatures", vcf, "-o", tmp_path / "out")
    assert code == 1 and "--fasta" in err
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1\n" + "A" * 5000 + "\n")
    code, _, err = cli("signatures", vcf, "-o", tmp_path / "out", "--fasta", fasta)
    assert (tmp_path / "ref.fa.fai").exists()  # built with pysam; no samtools needed
    assert code == 1 and "lacks contig(s) '2'" in err, err  # contig 2 is missing
