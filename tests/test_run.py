"""`icarus-omics run`: the sheet and config checked as a whole, the plan, resumable steps and
a failed sample that does not stop the others."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.example.cohort import build_example_cohort
from icarus_omics.io.cohort import write_example_cohort
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("example")
    write_example_cohort(build_example_cohort(), folder)
    return folder


def cna_sheet(example: Path, folder: Path, samples: int = 3) -> Path:
    """A sheet of ``samples`` tumours with FACETS segments and purity/ploidy only."""
    fits = pd.read_csv(example / "cna" / "fits.tsv", sep="\t").head(samples)
    sheet = pd.DataFrame({
        "patient": fits["sample"].str.replace("_T", "", regex=False),
        "sample": fits["sample"],
        "segments": [str(example / "cna" / f"{s}.cncf.txt") for s in fits["sample"]],
        "purity": fits["purity"],
        "ploidy": fits["ploidy"],
    })  # fmt: skip
    path = folder / "sheet.tsv"
    sheet.to_csv(path, sep="\t", index=False)
    return path


def config(folder: Path, example: Path, extra: str = "") -> Path:
    path = folder / "config.toml"
    path.write_text(f'[inputs]\ngenes = "{example / "genes.tsv"}"\n\n[cna]\nmax_focal_mb = 0.05\n'
                    + extra)  # fmt: skip
    return path


def test_every_problem_is_reported_at_once(cli: Cli, example: Path, tmp_path: Path) -> None:
    sheet = pd.DataFrame({
        "patient": ["P1", "P2", "P2", "P3"],
        "sample": ["S1", "S2", "S2", "../x"],
        "vcf": ["missing.vcf.gz", "", "", ""],
        "purity": ["0.5", "high", "0.4", ""],
        "colour": ["red", "blue", "green", "grey"],
    })  # fmt: skip
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    (tmp_path / "config.toml").write_text('[inputs]\nfasta = "nowhere.fa"\n\n[typo]\nx = 1\n')
    code, out, err = cli("run", tmp_path / "sheet.tsv", "--config", tmp_path / "config.toml",
                         "-o", tmp_path / "out")  # fmt: skip
    assert code == 1 and out == ""
    problems = [line for line in err.splitlines() if line.startswith("problem: ")]
    for fragment in ("unknown column(s) colour", "sample 'S2' is listed more than once",
                     "missing.vcf.gz does not exist", "purity 'high'", "unknown section [typo]",
                     "nowhere.fa does not exist", "'../x'"):  # fmt: skip
        assert any(fragment in p for p in problems), (fragment, problems)
    assert err.splitlines()[-1].startswith("error: 7 problem(s)")
    assert not (tmp_path / "out").exists()


def test_dry_run_prints_the_plan_and_the_skips(cli: Cli, example: Path, tmp_path: Path) -> None:
    sheet = cna_sheet(example, tmp_path)
    code, out, err = cli("run", sheet, "--config", config(tmp_path, example), "-o",
                         tmp_path / "out", "--dry-run")  # fmt: skip
    assert code == 0, err
    lines = dict(line.split("\t", 1) for line in out.splitlines())
    assert lines["cna/P01_T"].startswith("cna ") and "--max-focal-mb 0.05" in lines["cna/P01_T"]
    assert lines["wes/P01_T"] == "skipped: no vcf in the sample sheet"
    assert lines["pfs"] == "skipped: no [inputs] pfs_expression, pfs_survival"
    assert not (tmp_path / "out").exists()


def test_rerun_is_resumable_and_a_failed_sample_spares_the_others(
    cli: Cli, example: Path, tmp_path: Path
) -> None:
    sheet = cna_sheet(example, tmp_path)
    settings = config(tmp_path, example)
    out = tmp_path / "out"
    code, _, err = cli("run", sheet, "--config", settings, "-o", out, "--jobs", 2)
    assert code == 0, err
    report = (out / "report.html").read_text()
    assert '<section id="cna"' in report and "http://" not in report
    first = {p.name: p.read_bytes() for p in (out / "cna").glob("*.tsv")}
    assert sorted(first) == [f"P0{i}_T.cna_genes.tsv" for i in (1, 2, 3)]
    # nothing changed: every step is current
    code, _, err = cli("run", sheet, "--config", settings, "-o", out)
    assert code == 0 and "0 step(s) run, 3 current" in err
    # one input newer: only its step runs again, with the same result
    segments = example / "cna" / "P02_T.cncf.txt"
    os.utime(segments, ns=(segments.stat().st_atime_ns, segments.stat().st_mtime_ns + 10**9))
    code, _, err = cli("run", sheet, "--config", settings, "-o", out)
    assert code == 0 and "1 step(s) run, 2 current" in err and "cna/P02_T: ran" in err
    assert {p.name: p.read_bytes() for p in (out / "cna").glob("*.tsv")} == first
    # an option changed: every step it concerns runs again
    code, _, err = cli("run", sheet, "--config", config(tmp_path, example, "wgd = \"no\"\n"),
                       "-o", out)  # fmt: skip
    assert code == 0 and "3 step(s) run" in err
    # a broken input fails its own step only; run.json says which and why
    broken = tmp_path / "broken.cncf.txt"
    broken.write_text("not a segment table\n")
    table = pd.read_csv(sheet, sep="\t")
    table.loc[0, "segments"] = str(broken)
    table.to_csv(sheet, sep="\t", index=False)
    code, _, err = cli("run", sheet, "--config", settings, "-o", out)
    assert code == 1 and err.splitlines()[-1].startswith("error: 1 step(s) failed: cna/P01_T")
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["steps"]["cna/P01_T"]["status"] == "failed"
    assert {manifest["steps"][f"cna/P0{i}_T"]["status"] for i in (2, 3)} <= {"ran", "current"}
    assert manifest["inputs"]["samplesheet"]["sha256"]


def test_only_runs_the_named_steps(cli: Cli, example: Path, tmp_path: Path) -> None:
    sheet = cna_sheet(example, tmp_path)
    code, _, err = cli("run", sheet, "--config", config(tmp_path, example), "-o",
                       tmp_path / "out", "--only", "cna/P03_T")  # fmt: skip
    assert code == 0, err
    assert [p.name for p in (tmp_path / "out" / "cna").glob("*.tsv")] == ["P03_T.cna_genes.tsv"]
    code, _, err = cli("run", sheet, "--config", config(tmp_path, example), "-o",
                       tmp_path / "out", "--only", "nothing")  # fmt: skip
    assert code == 1 and "no such step" in err


def test_a_run_killed_midway_completes_on_rerun(example: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    sheet = cna_sheet(example, tmp_path, samples=8)
    settings = config(tmp_path, example)
    command = [sys.executable, "-m", "icarus_omics", "run", str(sheet), "--config",
               str(settings), "--jobs", "1", "-q", "-o"]  # fmt: skip
    clean = subprocess.run([*command, str(tmp_path / "clean")], capture_output=True, text=True,
                           check=False)  # fmt: skip
    assert clean.returncode == 0, clean.stderr
    killed = subprocess.Popen([*command, str(tmp_path / "out")], stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    record_folder = tmp_path / "out" / "run" / "steps"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(record_folder.glob("*.json"))) < 2:
        time.sleep(0.05)
    killed.send_signal(signal.SIGTERM)
    _, err = killed.communicate(timeout=60)
    assert killed.returncode == 143, err
    done_before = len(list(record_folder.glob("*.json")))
    assert 2 <= done_before < 8
    rerun = subprocess.run([*command, str(tmp_path / "out")], capture_output=True, text=True,
                           check=False)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    outputs = sorted((tmp_path / "out" / "cna").glob("*.tsv"))
    assert [p.name for p in outputs] == [
        p.name for p in sorted((tmp_path / "clean" / "cna").glob("*.tsv"))
    ]
    for path in outputs:
        assert path.read_bytes() == (tmp_path / "clean" / "cna" / path.name).read_bytes()
    assert not list((tmp_path / "out").rglob("*.partial"))


def test_cohort_steps_start_while_per_sample_steps_still_run(
    cli: Cli, example: Path, tmp_path: Path
) -> None:
    """--jobs 2: a cohort step that reads nothing per-sample (clinical) starts as soon as a
    slot frees, before the per-sample steps are all done; run.json has every step's start
    and end."""
    from icarus_omics.example.clinical import build_example_clinical
    from icarus_omics.io.cohort import write_example_clinical

    known = {f"P0{i}": "PR" for i in range(1, 6)}
    written = write_example_clinical(build_example_clinical(known),
                                     pd.DataFrame({"patient": list(known)}), tmp_path)  # fmt: skip
    sheet = cna_sheet(example, tmp_path, samples=5)
    settings = config(tmp_path, example)
    out = tmp_path / "out"
    code, _, err = cli("run", sheet, "--config", settings, "-o", out, "--jobs", 2,
                       "--clinical", written["clinical"])  # fmt: skip
    assert code == 0, err
    steps = json.loads((out / "run.json").read_text())["steps"]
    assert set(steps) == {f"cna/P0{i}_T" for i in range(1, 6)} | {"clinical"}
    per_sample_end = max(steps[f"cna/P0{i}_T"]["finished"] for i in range(1, 6))
    assert steps["clinical"]["status"] == "ran"
    assert steps["clinical"]["started"] <= per_sample_end
    for result in steps.values():
        assert 0 <= result["started"] < result["finished"]


RNA = Path(__file__).parent / "data" / "rna"


def rna_sheet(folder: Path, column: str) -> Path:
    """The test RNA-seq samples as run sheet rows, their data in ``column`` (counts/salmon)."""
    samples = pd.read_csv(RNA / "samples.tsv", sep="\t")
    sheet = samples[["patient", "sample", "timepoint", "response"]].copy()
    if column == "counts":
        sheet["counts"] = str(RNA / "counts.tsv")
    else:
        sheet["salmon"] = [str(folder / "salmon" / s) for s in sheet["sample"]]  # folders
    path = folder / "sheet.tsv"
    sheet.to_csv(path, sep="\t", index=False)
    return path


def test_rna_samples_come_from_the_sheet(cli: Cli, tmp_path: Path) -> None:
    """counts or salmon columns make the rna step, with the sheet's timepoint and response:
    the same table as rna-de on the matrix and its own sheet."""
    from tests.conftest import write_salmon

    code, _, err = cli("rna-de", RNA / "counts.tsv", RNA / "samples.tsv", "-o",
                       tmp_path / "direct", "--threads", 1)  # fmt: skip
    assert code == 0, err
    direct = (tmp_path / "direct" / "de_results.tsv").read_bytes()
    counts_run = tmp_path / "counts"
    counts_run.mkdir()
    code, _, err = cli("run", rna_sheet(counts_run, "counts"), "-o", counts_run / "out",
                       "--only", "rna")  # fmt: skip
    assert code == 0, err
    assert (counts_run / "out" / "rna" / "overall" / "de_results.tsv").read_bytes() == direct
    written = pd.read_csv(counts_run / "out" / "run" / "rna_samples.tsv", sep="\t")
    assert list(written.columns) == ["sample", "patient", "timepoint", "response"]
    assert len(written) == 24
    salmon_run = tmp_path / "salmon"
    salmon_run.mkdir()
    write_salmon(RNA / "counts.tsv", RNA / "samples.tsv", salmon_run)
    sheet = rna_sheet(salmon_run, "salmon")
    code, out, _ = cli("run", sheet, "-o", salmon_run / "out", "--dry-run")
    assert "rna\tskipped: salmon in the sample sheet needs [rna] tx2gene" in out
    settings = salmon_run / "run.toml"
    settings.write_text(f'[rna]\ntx2gene = "{salmon_run / "tx2gene.tsv"}"\n')
    code, _, err = cli("run", sheet, "--config", settings, "-o", salmon_run / "out", "--only",
                       "rna")  # fmt: skip
    assert code == 0, err
    ours = pd.read_csv(salmon_run / "out" / "rna" / "overall" / "de_results.tsv", sep="\t",
                       index_col=0)  # fmt: skip
    theirs = pd.read_csv(tmp_path / "direct" / "de_results.tsv", sep="\t", index_col=0)
    assert sorted(ours.index) == sorted(theirs.index)
    np.testing.assert_allclose(ours.loc[theirs.index, "log2FoldChange"],
                               theirs["log2FoldChange"], rtol=1e-9)  # fmt: skip
    # nothing changed: the step is current
    code, _, err = cli("run", sheet, "--config", settings, "-o", salmon_run / "out", "--only",
                       "rna")  # fmt: skip
    assert code == 0 and "rna/overall: current" in err


def test_rna_sheet_problems_are_reported_before_anything_runs(cli: Cli, tmp_path: Path) -> None:
    sheet = pd.read_csv(rna_sheet(tmp_path, "counts"), sep="\t")
    sheet.loc[0, "counts"] = str(RNA / "samples.tsv")  # a second matrix
    sheet.loc[1, "timepoint"] = ""
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    code, _, err = cli("run", tmp_path / "sheet.tsv", "-o", tmp_path / "out")
    assert code == 1
    assert "counts: one matrix for every sample is expected, found 2 files" in err
    assert "sample 'P01_onT': counts needs a timepoint" in err
    assert not (tmp_path / "out").exists()


def test_expression_column_gives_pam50_its_matrix_without_touching_the_config(
    tmp_path: Path,
) -> None:
    from icarus_omics.cohort.plan import plan
    from icarus_omics.cohort.sheet import RunConfig, check_sheet

    matrix = tmp_path / "tpm.tsv"
    matrix.write_text("gene\tS1\nESR1\t5\n")
    table = pd.DataFrame({"patient": ["P1"], "sample": ["S1"], "expression": ["tpm.tsv"]})
    sheet, problems = check_sheet(table, tmp_path, "sheet.tsv")
    assert problems == []
    config = RunConfig()
    steps = plan(sheet, config, tmp_path / "out", tmp_path / "sheet.tsv").steps
    pam50 = next(s for s in steps if s.name == "pam50")
    assert pam50.argv[:2] == ("pam50", str(matrix.resolve())) and pam50.inputs == (
        matrix.resolve(),
    )
    assert config.inputs == {}  # the plan reads the sheet; the config stays as it was
