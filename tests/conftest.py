"""Shared fixtures: the CLI runner and access to ../shared/data reference files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from icarus_omics.cli import main

SHARED = Path(
    os.environ.get("ICARUS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
DATA = Path(__file__).parent / "data"
EXPECTED = Path(__file__).parent / "expected"


def shared_file(relative: str) -> Path:
    """A file under ../shared/data; skip when absent, fail when ICARUS_REQUIRE_SHARED=1."""
    path = SHARED / relative
    if path.exists():
        return path
    message = (
        f"shared reference data not found: {path} (set ICARUS_SHARED_DATA or check out shared/)"
    )
    if os.environ.get("ICARUS_REQUIRE_SHARED") == "1":
        pytest.fail(message)
    pytest.skip(message)


CliResult = tuple[int, str, str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``icarus-omics ARGS`` in-process; return (exit code, stdout, stderr)."""

    def run(*args: object) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def missing_reference(message: str) -> None:
    """Skip a test whose reference tool (e.g. R with DESeq2) is missing; fail instead when
    ICARUS_REQUIRE_SHARED=1, as :func:`shared_file` does for missing shared data."""
    if os.environ.get("ICARUS_REQUIRE_SHARED") == "1":
        pytest.fail(message)
    pytest.skip(message)


def rscript_with(*packages: str) -> str:
    """The Rscript executable, once it loads every R package in ``packages``; else skip the
    test with the reason, or fail it when ICARUS_REQUIRE_SHARED=1 (:func:`missing_reference`).
    One check for every live comparison with R."""
    import shutil
    import subprocess

    rscript = shutil.which("Rscript")
    if rscript is None:
        missing_reference(f"Rscript not found: install R and {', '.join(packages)} to compare")
        raise AssertionError  # unreachable: missing_reference skips or fails
    check = subprocess.run(
        [rscript, "-e", "for (p in commandArgs(TRUE)) suppressPackageStartupMessages("
         "library(p, character.only = TRUE))", *packages],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if check.returncode != 0:
        lines = check.stderr.strip().splitlines() or ["no message"]
        first = next((i for i, line in enumerate(lines) if "rror" in line), len(lines) - 1)
        reason = " ".join(line.strip() for line in lines[first : first + 2])
        missing_reference(f"R cannot load {', '.join(packages)}: {reason}")
    return rscript


def leftovers(outdir: Path) -> list[str]:
    """Every file or folder in ``outdir``, hidden ones (``.NAME.icarus-….partial``) included."""
    if not outdir.exists():
        return []
    return sorted(str(p.relative_to(outdir)) for p in outdir.rglob("*"))


def assert_refused(result: CliResult, outdir: Path, *fragments: str, code: int = 1) -> None:
    """Exit ``code``, one ``error: `` line naming every fragment, no traceback, nothing in -o."""
    exit_code, out, err = result
    assert exit_code == code, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    for fragment in fragments:
        assert fragment in err, err
    assert leftovers(outdir) == []


def warnings_in(err: str) -> list[str]:
    """The ``warning: `` lines of a command's stderr."""
    return [line for line in err.splitlines() if line.startswith("warning: ")]


def write_salmon(counts_path: Path, samples_path: Path, folder: Path) -> None:
    """Salmon quantifications of a count matrix: ``folder/salmon/SAMPLE/quant.sf`` with two
    transcripts per gene (30% / 70% of each count, versioned ids) and
    ``folder/tx2gene.tsv``."""
    import numpy as np
    import pandas as pd

    counts = pd.read_csv(counts_path, sep="\t", index_col=0)
    sheet = pd.read_csv(samples_path, sep="\t")
    for sample in sheet["sample"]:
        quant = folder / "salmon" / sample
        quant.mkdir(parents=True)
        rows = []
        for gene, value in counts[sample].items():
            first = np.floor(value * 0.3)
            rows += [
                (f"{gene}-T1.1", 1000, 900.0, 1.0, first),
                (f"{gene}-T2.1", 800, 700.0, 1.0, value - first),
            ]
        columns = ["Name", "Length", "EffectiveLength", "TPM", "NumReads"]
        pd.DataFrame(rows, columns=columns).to_csv(quant / "quant.sf", sep="\t", index=False)
    tx = [(f"{g}-T{k}", g) for g in counts.index for k in (1, 2)]
    pd.DataFrame(tx, columns=["transcript", "gene"]).to_csv(
        folder / "tx2gene.tsv", sep="\t", index=False
    )
