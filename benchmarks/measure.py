"""What the benchmark scripts share: a scratch folder, timing a command in a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Linux carries a parent's resident size into its child's ru_maxrss across fork and exec,
# so a child started straight from this (large) Python process would report at least our
# own size. GNU time is small: the peak it reports for its child is the command's own.
GNU_TIME = shutil.which("time") if os.path.exists("/usr/bin/time") else None


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    peak: int  # MiB
    status: int  # exit code


def measure(command: list[str], log: Path | None = None, check: bool = True) -> Measured:
    """Wall seconds, peak resident memory (MiB: the largest process of the child tree, as
    GNU time reports it, which writes the figure to a file of its own) and exit code of
    ``command``. Its output goes to ``log`` (standard error too) or nowhere; with ``check``,
    a failure stops the benchmark with the command's last lines."""
    with tempfile.TemporaryDirectory(prefix="icarus-measure-") as scratch:
        peak_file = Path(scratch) / "peak"
        errors = log or Path(scratch) / "stderr"
        wrapped = ["/usr/bin/time", "-o", str(peak_file), "-f", "peak_kib=%M", *command]
        start = time.perf_counter()
        with open(errors, "w") as out:
            stdout = out if log is not None else subprocess.DEVNULL
            process = subprocess.Popen(wrapped if GNU_TIME else command, stdout=stdout,
                                       stderr=out)  # fmt: skip
            _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if check and code != 0:
            tail = "\n".join(errors.read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"failed: {' '.join(command[:6])} ...\n{tail}")
        lines = peak_file.read_text().splitlines() if GNU_TIME and peak_file.is_file() else []
        reported = [line for line in lines if line.startswith("peak_kib=")]
    peak_kib = int(reported[-1].split("=")[1]) if reported else usage.ru_maxrss
    return Measured(elapsed, peak_kib // 1024, code)


def run_child(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak MiB of ``command``; stops the benchmark on failure."""
    measured = measure(command)
    return measured.wall, measured.peak


def icarus_version() -> str:
    try:
        return version("icarus-omics")
    except PackageNotFoundError:
        return "?"


def work_dir(keep: Path | None, name: str) -> Path:
    """The folder for a benchmark's files: ``keep`` (made if missing), else a new
    temporary folder named after the benchmark (the script removes it at the end)."""
    work = keep or Path(tempfile.mkdtemp(prefix=f"icarus-{name}-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    return work
