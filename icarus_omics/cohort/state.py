"""Resumable runs: what a step was run on, and whether its outputs are still current.

After a step succeeds, a record ``OUT/run/steps/<step>.json`` keeps its command line and
the size and modification time of each input. A rerun skips the step when the record
exists, the command line is the same (same options) and no input changed since; any
change, a missing record or a missing output folder runs it again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from icarus_omics.cohort.plan import Step


def record_path(outdir: Path, step: Step) -> Path:
    return outdir / "run" / "steps" / (step.name.replace("/", "__") + ".json")


def fingerprint(step: Step) -> dict[str, Any]:
    files: dict[str, list[int] | None] = {}
    for path in step.inputs:
        try:
            stat = path.stat()
            files[str(path)] = [stat.st_size, stat.st_mtime_ns]
        except OSError:
            files[str(path)] = None
    return {"argv": list(step.argv), "inputs": files}


def is_current(outdir: Path, step: Step) -> bool:
    path = record_path(outdir, step)
    if not path.exists() or not step.outdir.is_dir():
        return False
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return bool(saved == fingerprint(step))


def save(outdir: Path, step: Step) -> None:
    path = record_path(outdir, step)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(fingerprint(step), indent=1, sort_keys=True) + "\n")
    partial.replace(path)


def forget(outdir: Path, step: Step) -> None:
    record_path(outdir, step).unlink(missing_ok=True)
