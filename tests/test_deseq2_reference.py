"""``rna-de`` against R DESeq2 1.38 and against a planted truth, on simulated counts.

One negative-binomial simulation (seed below): 1,500 genes x 12 patients x 2 timepoints
(BL, onT), 7 responders (R) and 5 non-responders (NR). Gene means are log-normal (some
genes low enough to be filtered), each patient shifts each gene (log-normal, shared by
both timepoints, so pairing matters), dispersion is 0.05 + 1/mean, size factors vary.
Planted changes at onT: 80 genes change in responders only (mostly up), 80 genes go
down in everyone, |log2 fold change| between 1 and 2.5.

The comparison with R runs ``benchmarks/deseq2_reference.R`` (Rscript, Bioconductor
DESeq2) on exactly the genes and samples our run tested and asserts equality gene by gene
(``assert_equal_to_r``): the NA patterns of pvalue and padj identical (Cook's filtering,
independent filtering, all-zero genes), and every value within RTOL, relative to R's. It is
skipped without R or DESeq2 (failing instead when ICARUS_REQUIRE_SHARED=1). The
known-answer test needs no R and always runs. ``pytest -s`` prints figures.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import rscript_with
from tests.test_deseq2_golden import RTOL, value_problems

R_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "deseq2_reference.R"
SEED = 20240611
N_GENES, N_PATIENTS, N_RESPONDERS, N_PLANTED = 1500, 12, 7, 80
ALPHA = 0.05
R_TIMEOUT_S = 300
# RTOL (from test_deseq2_golden, which says why): relative, |ours - R| <= rtol * |R|

CliResult = tuple[int, str, str]


@dataclass(frozen=True)
class Simulation:
    """Counts (genes x samples), the sheet (one row per sample) and the planted log2 fold
    changes onT vs BL: in responders and in non-responders, per gene."""

    folder: Path
    counts: pd.DataFrame
    sheet: pd.DataFrame
    lfc_responders: pd.Series
    lfc_non_responders: pd.Series


@dataclass(frozen=True)
class Case:
    """One ``rna-de`` call, the sheet subset it implies and the matching R call."""

    options: tuple[str, ...]
    subsets: tuple[tuple[str, str], ...]
    r_options: tuple[str, ...]


CASES = {
    "paired": Case((), (), ("--design", "paired")),
    "paired responders": Case(
        ("--subset", "response=R"), (("response", "R"),), ("--design", "paired")
    ),
    "unpaired onT R vs NR": Case(
        ("--design", "~ response", "--contrast", "response:R:NR", "--subset", "timepoint=onT"),
        (("timepoint", "onT"),),
        ("--design", "unpaired", "--factor", "response", "--test", "R", "--reference", "NR"),
    ),
    "interaction": Case(
        ("--interaction", "response:R:NR"),
        (),
        (
            "--design",
            "interaction",
            "--group",
            "response",
            "--group-test",
            "R",
            "--group-reference",
            "NR",
        ),
    ),
}


def simulate(folder: Path) -> Simulation:
    """Write counts.tsv and samples.tsv into ``folder``; return them with the truth."""
    rng = np.random.default_rng(SEED)
    genes = pd.Index([f"G{i:04d}" for i in range(N_GENES)], name="gene")
    response = np.array(["R"] * N_RESPONDERS + ["NR"] * (N_PATIENTS - N_RESPONDERS))
    rng.shuffle(response)
    base_mean = np.exp(rng.normal(np.log(100), 1.8, N_GENES))
    planted = rng.permutation(N_GENES)
    responder_only, everyone = planted[:N_PLANTED], planted[N_PLANTED : 2 * N_PLANTED]
    lfc_all = np.zeros(N_GENES)
    lfc_all[everyone] = -rng.uniform(1, 2.5, N_PLANTED)
    lfc_r = lfc_all.copy()
    lfc_r[responder_only] = rng.uniform(1, 2.5, N_PLANTED) * rng.choice([1, 1, 1, -1], N_PLANTED)
    patient_effect = rng.normal(0, 0.5, (N_GENES, N_PATIENTS))
    columns, rows = [], []
    counts = np.zeros((N_GENES, 2 * N_PATIENTS), dtype=np.int64)
    for p in range(N_PATIENTS):
        lfc = lfc_r if response[p] == "R" else lfc_all
        for t, timepoint in enumerate(("BL", "onT")):
            mu = base_mean * np.exp(patient_effect[:, p]) * 2.0 ** (lfc * t) * rng.uniform(0.7, 1.4)
            dispersion = 0.05 + 1 / mu
            counts[:, len(columns)] = rng.negative_binomial(
                1 / dispersion, 1 / (1 + mu * dispersion)
            )
            columns.append(f"P{p + 1:02d}_{timepoint}")
            rows.append((columns[-1], f"P{p + 1:02d}", timepoint, response[p]))
    table = pd.DataFrame(counts, index=genes, columns=columns)
    sheet = pd.DataFrame(rows, columns=["sample", "patient", "timepoint", "response"])
    table.to_csv(folder / "counts.tsv", sep="\t")
    sheet.to_csv(folder / "samples.tsv", sep="\t", index=False)
    return Simulation(folder, table, sheet, pd.Series(lfc_r, genes), pd.Series(lfc_all, genes))


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Simulation:
    return simulate(tmp_path_factory.mktemp("deseq2_reference"))


@pytest.fixture(scope="module")
def our_runs() -> dict[str, tuple[pd.DataFrame, dict]]:
    """Results of our runs, by case name, shared between the tests of this module."""
    return {}


@pytest.fixture(scope="module")
def deseq2_in_r() -> str:
    """The Rscript executable; skip unless it exists and loads DESeq2."""
    return rscript_with("DESeq2")


@pytest.fixture
def show(capsys: pytest.CaptureFixture[str], pytestconfig: pytest.Config) -> Callable[[str], None]:
    """Print figures under ``pytest -s`` (past the capture the cli fixture relies on)."""

    def emit(text: str) -> None:
        if pytestconfig.getoption("capture") == "no":
            with capsys.disabled():
                print(text)

    return emit


def run_ours(
    cli: Callable[..., CliResult],
    simulation: Simulation,
    our_runs: dict[str, tuple[pd.DataFrame, dict]],
    name: str,
) -> tuple[pd.DataFrame, dict]:
    """de_results.tsv (indexed by gene) and de_summary.json of ``rna-de`` for one case."""
    if name not in our_runs:
        out = simulation.folder / name.replace(" ", "_")
        code, _, err = cli(
            "rna-de", simulation.folder / "counts.tsv", simulation.folder / "samples.tsv",
            "-o", out, "--threads", 1, "--quiet", *CASES[name].options,
        )  # fmt: skip
        assert code == 0, err
        table = pd.read_csv(out / "de_results.tsv", sep="\t", index_col="gene")
        our_runs[name] = table, json.loads((out / "de_summary.json").read_text())
    return our_runs[name]


def discovery_figures(
    padj: pd.Series, changed: pd.Series, strong: pd.Series
) -> tuple[float, float, str]:
    """Sensitivity on the ``strong`` planted genes and false-discovery proportion (called
    genes that are not ``changed``) at padj < ALPHA, over the tested genes."""
    called = padj.fillna(1) < ALPHA
    changed, strong = changed.loc[padj.index], strong.loc[padj.index]
    sensitivity = float(called[strong].mean())
    fdp = float((called & ~changed).sum() / max(int(called.sum()), 1))
    text = (
        f"{int(called.sum())} called, {int((called & strong).sum())} of {int(strong.sum())} "
        f"planted |log2FC| >= 1 found (sensitivity {sensitivity:.3f}), "
        f"{int((called & ~changed).sum())} false (FDP {fdp:.3f})"
    )
    return sensitivity, fdp, text


def test_known_answer_recovers_planted_changes(
    cli: Callable[..., CliResult],
    simulation: Simulation,
    our_runs: dict[str, tuple[pd.DataFrame, dict]],
    show: Callable[[str], None],
) -> None:
    lfc_r, lfc_nr = simulation.lfc_responders, simulation.lfc_non_responders
    responders, _ = run_ours(cli, simulation, our_runs, "paired responders")
    overall, _ = run_ours(cli, simulation, our_runs, "paired")
    # responders: every planted gene changes; overall: the responder-only genes change in
    # 7 of 12 patients, so they count as true calls but only the all-patient genes are
    # required (their effect is the full planted size)
    figures = {
        "paired responders": discovery_figures(responders.padj, lfc_r != 0, lfc_r.abs() >= 1),
        "paired": discovery_figures(overall.padj, (lfc_r != 0) | (lfc_nr != 0), lfc_nr.abs() >= 1),
    }
    for name, (_, _, text) in figures.items():
        show(f"\nknown answer, {name}: {text}")
    for name, (sensitivity, fdp, text) in figures.items():
        assert sensitivity >= 0.6, f"{name}: {text}"
        assert fdp <= 0.1, f"{name}: {text}"


def reference_inputs(
    simulation: Simulation, case: Case, table: pd.DataFrame, summary: dict, folder: Path
) -> tuple[Path, Path]:
    """Counts of the genes and samples our run tested, and the matching sheet, for R."""
    sheet = simulation.sheet
    for column, value in case.subsets:
        sheet = sheet[sheet[column] == value]
    used = list(summary["size_factors"])
    assert sorted(used) == sorted(sheet["sample"]), (
        "our run used other samples than the sheet subset"
    )
    folder.mkdir(parents=True, exist_ok=True)
    counts_path, sheet_path = folder / "counts.tsv", folder / "samples.tsv"
    simulation.counts.loc[table.index, list(sheet["sample"])].to_csv(counts_path, sep="\t")
    sheet.to_csv(sheet_path, sep="\t", index=False)
    return counts_path, sheet_path


def test_rna_de_matches_r_deseq2(
    cli: Callable[..., CliResult],
    simulation: Simulation,
    our_runs: dict[str, tuple[pd.DataFrame, dict]],
    deseq2_in_r: str,
    show: Callable[[str], None],
) -> None:
    # R starts in the background as soon as each of our runs is done (R's start-up is slow)
    started: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    try:
        for name, case in CASES.items():
            table, summary = run_ours(cli, simulation, our_runs, name)
            folder = simulation.folder / "r" / name.replace(" ", "_")
            counts_path, sheet_path = reference_inputs(simulation, case, table, summary, folder)
            command = [
                deseq2_in_r, str(R_SCRIPT), str(counts_path), str(sheet_path),
                str(folder / "r.tsv"), "--alpha", str(ALPHA), *case.r_options,
            ]  # fmt: skip
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            started[name] = process, folder
        logs = {
            name: process.communicate(timeout=R_TIMEOUT_S)[0]
            for name, (process, _) in started.items()
        }
    finally:
        for process, _ in started.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    failures = []
    for name, (process, folder) in started.items():
        assert process.returncode == 0, f"{name}: deseq2_reference.R failed\n{logs[name]}"
        theirs = pd.read_csv(folder / "r.tsv", sep="\t", index_col="gene")
        try:
            problems, measured = value_problems(our_runs[name][0], theirs)
        except AssertionError as error:  # different genes or NA patterns
            raise AssertionError(f"{name}: {error}") from None
        text = f"{name}: {len(theirs)} genes, max relative difference " + ", ".join(
            f"{column} {value:.2g}" for column, value in measured.items()
        )
        show(f"\nvs R DESeq2, {text}\n{logs[name].strip()}")
        failures += [f"{name}: {problem}" for problem in problems]
    assert not failures, f"values beyond rtol {RTOL}:\n" + "\n".join(failures)
