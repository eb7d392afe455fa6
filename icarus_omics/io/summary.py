"""The one JSON writer for every command's ``summary.json``, with the run's provenance.

Every summary carries a ``run`` block: the command line, the icarus-omics version, the
versions of its key dependencies, the resources used (name, path, sha256), the seed and the
wall time. Paths in it (in the command line and the resources) are written relative to the
output folder, so two runs on the same inputs from different folders write the same
summary, apart from ``wall_time_s``.

``cli.main`` calls :func:`begin` with the arguments it parsed; commands then call
:func:`write_summary` with their own document.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from icarus_omics import __version__
from icarus_omics.io.files import file_sha256

KEY_DEPENDENCIES = (
    "numpy", "pandas", "scipy", "pydeseq2", "cyvcf2", "pysam", "matplotlib", "typer", "rich",
)  # fmt: skip


@dataclass(frozen=True)
class Invocation:
    """The arguments of this run (without the program name) and when it started."""

    argv: tuple[str, ...]
    started: float
    cwd: str


_INVOCATION = Invocation((), time.perf_counter(), os.getcwd())


def begin(argv: Sequence[str]) -> None:
    """Record the command line and the start time of this run (called by ``cli.main``)."""
    global _INVOCATION
    _INVOCATION = Invocation(tuple(argv), time.perf_counter(), os.getcwd())


def dependency_versions() -> dict[str, str]:
    """Installed versions of the key dependencies (``""`` for one that is missing)."""
    versions = {}
    for name in KEY_DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


def _relative(argument: str, outdir: Path) -> str:
    """``argument`` relative to ``outdir`` when it names an existing path, else as given."""
    name, equals, value = argument.partition("=") if argument.startswith("--") else ("", "", "")
    text = value if equals else argument
    if not text or text.startswith("-") or not os.path.exists(os.path.join(_INVOCATION.cwd, text)):
        return argument
    relative = os.path.relpath(os.path.join(_INVOCATION.cwd, text), outdir.resolve())
    return f"{name}={relative}" if equals else relative


def command_line(outdir: Path) -> list[str]:
    """``icarus-omics`` and this run's arguments, paths relative to ``outdir``."""
    return ["icarus-omics", *(_relative(a, outdir) for a in _INVOCATION.argv)]


def run_record(
    outdir: Path,
    seed: int | None = None,
    resources: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """The ``run`` block: command line, versions, resources with sha256, seed, wall time."""
    used = [
        {
            "name": name,
            "path": os.path.relpath(path.resolve(), outdir.resolve()),
            "sha256": file_sha256(path),
        }
        for name, path in sorted((resources or {}).items())
    ]
    return {
        "command_line": command_line(outdir),
        "icarus_omics_version": __version__,
        "dependencies": dependency_versions(),
        "resources": used,
        "seed": seed,
        "wall_time_s": round(time.perf_counter() - _INVOCATION.started, 3),
    }


def write_summary(
    document: Mapping[str, Any],
    path: Path,
    outdir: Path,
    seed: int | None = None,
    resources: Mapping[str, Path] | None = None,
) -> None:
    """Write ``document`` plus its ``run`` block as indented, key-sorted JSON to ``path``.

    ``outdir`` is the command's output folder (what paths are made relative to); ``seed``
    and ``resources`` (name -> file used) are recorded in the ``run`` block.
    """
    full = {**document, "run": run_record(outdir, seed, resources)}
    path.write_text(json.dumps(full, indent=2, sort_keys=True, default=_plain) + "\n")


def _plain(value: object) -> object:
    """JSON for numpy scalars and paths (the rest is an error, as json would raise)."""
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
