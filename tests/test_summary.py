"""Every command's summary.json: the run block (command line relative to the output folder,
versions, resources with sha256, seed, wall time) and its reproducibility across folders."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from icarus_omics import __version__
from icarus_omics.io import summary
from tests.conftest import DATA, CliResult

Cli = Callable[..., CliResult]


def test_run_block_records_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    genes = tmp_path / "in" / "genes.tsv"
    genes.write_text("gene\tchrom\tstart\tend\n")
    summary.begin(["cna", "in/genes.tsv", "--genes=in/genes.tsv", "-o", "out", "--wgd", "auto"])
    outdir = tmp_path / "out"
    outdir.mkdir()
    summary.write_summary({"n": 1}, outdir / "s.json", outdir, seed=7, resources={"genes": genes})
    document = json.loads((outdir / "s.json").read_text())
    run = document.pop("run")
    assert document == {"n": 1}
    assert run["command_line"] == [
        "icarus-omics", "cna", "../in/genes.tsv", "--genes=../in/genes.tsv", "-o", ".", "--wgd", "auto",
    ]  # fmt: skip
    assert run["icarus_omics_version"] == __version__
    assert run["dependencies"]["numpy"] == metadata.version("numpy")
    assert run["resources"] == [{
        "name": "genes", "path": "../in/genes.tsv",
        "sha256": hashlib.sha256(genes.read_bytes()).hexdigest(),
    }]  # fmt: skip
    assert run["seed"] == 7 and 0 <= run["wall_time_s"] < 60


def _without_wall_time(path: Path) -> dict[str, object]:
    document = json.loads(path.read_text())
    document["run"].pop("wall_time_s")
    return document


def test_same_inputs_from_two_folders_give_the_same_summary(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative paths: the same layout run from two places records the same summary."""
    documents = []
    for place in ("a", "b/deeper"):
        root = tmp_path / place
        shutil.copytree(DATA / "cna", root / "inputs")
        monkeypatch.chdir(root)
        code, _, err = cli("cna", "inputs/T1.cncf.txt", "--genes", "inputs/genes.tsv",
                           "--fit", os.path.join("inputs", "T1.fit.tsv"), "-o", "out")  # fmt: skip
        assert code == 0, err
        documents.append(_without_wall_time(root / "out" / "T1.cna_summary.json"))
    assert documents[0] == documents[1]
    run = documents[0]["run"]
    assert run["command_line"][:3] == ["icarus-omics", "cna", "../inputs/T1.cncf.txt"]  # type: ignore[index]
    assert [r["name"] for r in run["resources"]] == ["fit 1", "genes"]  # type: ignore[index]
