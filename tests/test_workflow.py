"""workflow/Snakefile runs the steps `run` plans, one Snakemake job each, and writes the same
tables, byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from icarus_omics.example.cohort import build_example_cohort
from icarus_omics.io.cohort import write_example_cohort
from tests.conftest import missing_reference

SNAKEFILE = Path(__file__).resolve().parents[1] / "workflow" / "Snakefile"


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cohort")
    write_example_cohort(build_example_cohort(), folder)
    example = pd.read_csv(folder / "samplesheet.tsv", sep="\t").head(4)
    sheet = pd.DataFrame({
        "patient": example["patient"],
        "sample": example["tumor_sample"],
        "response": example["response"],
        "vcf": example["vcf"],
        "normal_sample": example["normal_sample"].fillna(""),
        "segments": "cna/" + example["tumor_sample"] + ".cncf.txt",
        "fit": "cna/fits.tsv",
    })  # fmt: skip
    sheet.to_csv(folder / "sheet.tsv", sep="\t", index=False)
    (folder / "run.toml").write_text('[inputs]\nfasta = "reference/icarus_example.fa"\n'
                                     'genes = "genes.tsv"\npanel = "panel.txt"\n\n'
                                     "[cna]\nmax_focal_mb = 0.05\n")  # fmt: skip
    return folder / "sheet.tsv", folder / "run.toml"


def tables(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.tsv"))
            if "run" not in p.relative_to(folder).parts}  # fmt: skip


def test_snakemake_writes_the_tables_run_writes(small_cohort: tuple[Path, Path],
                                                tmp_path: Path) -> None:  # fmt: skip
    snakemake = shutil.which("snakemake")
    if snakemake is None:
        missing_reference("snakemake not found: pip install -e '.[test]' installs it")
    sheet, config = small_cohort
    done = subprocess.run(
        [str(snakemake), "-s", str(SNAKEFILE), "--cores", "2", "--quiet", "--directory",
         str(tmp_path), "--config", f"samplesheet={sheet}", f"config={config}",
         f"outdir={tmp_path / 'snakemake'}"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    local = subprocess.run(
        [sys.executable, "-m", "icarus_omics", "run", str(sheet), "--config", str(config),
         "-o", str(tmp_path / "local"), "-q"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    expected = tables(tmp_path / "local")
    assert len(expected) >= 15  # wes, cna, alterations and signatures tables
    assert tables(tmp_path / "snakemake") == expected
