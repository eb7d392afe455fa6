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
