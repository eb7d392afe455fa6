"""What the benchmark scripts share: a scratch folder, timing a command in a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# Linux carries a parent's resident size into its child's ru_maxrss across fork and exec,
# so a child started straight from this (large) Python process would report at least our
# own size. GNU time is small: the peak it reports for its child is the command's own.
GNU_TIME = shutil.which("time") if os.path.exists("/usr/bin/time") else None


def run_child(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of ``command`` (and its children, the
    largest one); stops the benchmark with the child's stderr on failure."""
    wrapped = ["/usr/bin/time", "-f", "peak_kib=%M", *command] if GNU_TIME else command
    start = time.perf_counter()
    process = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    error = process.stderr.read().decode() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command[:6])} ...\n{error}")
    reported = [line for line in error.splitlines() if line.startswith("peak_kib=")]
    peak_kib = int(reported[-1].split("=")[1]) if reported else usage.ru_maxrss
    return elapsed, peak_kib // 1024


def work_dir(keep: Path | None, name: str) -> Path:
    """The folder for a benchmark's files: ``keep`` (made if missing), else a new
    temporary folder named after the benchmark (the script removes it at the end)."""
    work = keep or Path(tempfile.mkdtemp(prefix=f"icarus-{name}-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    return work
