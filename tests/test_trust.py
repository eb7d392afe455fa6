"""How a run ends when it is stopped or the machine fails it: interrupts, killed parents,
leftovers of killed runs, a full disk, usage errors and messages on one line.

The long-running command used here is ``cna`` in cohort mode with ``--threads 2`` on a few
hundred simulated samples: a real command whose work runs in worker processes.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icarus_omics.io import files
from icarus_omics.io.files import remove_leftovers, staged_outputs

CliResult = tuple[int, str, str]
HOST = socket.gethostname().replace(".", "_")


# ---------------------------------------------------------------- a cohort that takes a while


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``cna`` arguments for 400 samples x 20,000 genes (a few seconds on 2 cores)."""
    work = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(3)
    chroms = [str(c) for c in range(1, 23)]
    genes = pd.DataFrame(
        {
            "gene": [f"G{i:05d}" for i in range(20_000)],
            "chrom": rng.choice(chroms, 20_000),
            "start": rng.integers(1, 40_000_000, 20_000),
        }
    )
    genes["end"] = genes["start"] + 5_000
    genes.to_csv(work / "genes.tsv", sep="\t", index=False)
    rows = []
    for chrom in chroms:
        cuts = np.sort(rng.integers(1, 50_000_000, 20))
        for i, (start, end) in enumerate(zip([1, *cuts], [*cuts - 1, 50_000_000], strict=True)):
            tcn = int(rng.integers(0, 6))
            rows.append((chrom, i + 1, 100, start, end, 0.8, tcn, min(1, tcn)))
    segments = pd.DataFrame(
        rows, columns=["chrom", "seg", "num.mark", "start", "end", "cf.em", "tcn.em", "lcn.em"]
    )
    paths = []
    for i in range(400):
        path = work / f"S{i:03d}.cncf.txt"
        segments.to_csv(path, sep="\t", index=False)
        paths.append(str(path))
    return [*paths, "--genes", str(work / "genes.tsv"), "--threads", "2", "-q"]


def _children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(args: list[str], outdir: Path, ignore_sigint: bool = False) -> subprocess.Popen[str]:
    def setup() -> None:
        if ignore_sigint:  # what a shell does to a background job
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-m", "icarus_omics", "cna", *args, "-o", str(outdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=setup,
    )


def _wait_for_workers(process: subprocess.Popen[str], n: int = 2) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(process.pid)
        if len(workers) >= n:
            time.sleep(0.3)  # let them start working
            return workers
        if process.poll() is not None:
            pytest.fail(f"command ended before its workers started: {process.communicate()}")
        time.sleep(0.05)
    pytest.fail("no worker processes appeared")


def _leftovers(outdir: Path) -> list[str]:
    return sorted(p.name for p in outdir.rglob("*") if ".partial" in p.name or "icarus-" in p.name)


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find worker processes")
@pytest.mark.parametrize(
    ("signum", "code", "background"),
    [(signal.SIGINT, 130, False), (signal.SIGINT, 130, True), (signal.SIGTERM, 143, False)],
    ids=["sigint", "sigint-background-job", "sigterm"],
)
def test_interrupt_exits_with_the_signal_code_and_cleans_up(
    cohort: list[str], tmp_path: Path, signum: int, code: int, background: bool
) -> None:
    outdir = tmp_path / "out"
    process = _start(cohort, outdir, ignore_sigint=background)
    workers = _wait_for_workers(process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (code, "error: interrupted\n")
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived the interrupted command"
    assert list(outdir.iterdir()) == [], "staged files were left behind"


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find worker processes")
def test_workers_die_with_a_killed_parent(cohort: list[str], tmp_path: Path) -> None:
    process = _start(cohort, tmp_path / "out")
    workers = _wait_for_workers(process)
    process.kill()  # kill -9: the parent gets no chance to clean up
    process.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived their killed parent"


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find worker processes")
def test_rerun_after_kill_removes_our_leftovers_only(cohort: list[str], tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    process = _start(cohort, outdir)
    _wait_for_workers(process)
    process.kill()
    process.communicate(timeout=30)
    mine = _leftovers(outdir)
    assert mine, "the killed run left no staging files to clean up (test is not testing)"
    foreign = [outdir / ".notes.partial", outdir / "keep.partial", outdir / ".icarus-notes"]
    for path in foreign:
        path.write_text("user file")
    live = outdir / f".x.tsv.icarus-{HOST}-{os.getpid()}.partial"  # a live run's file
    live.write_text("in progress")
    small = [*cohort[:2], *cohort[-5:-3], "-q"]  # two samples: quick
    done = subprocess.run(
        [sys.executable, "-m", "icarus_omics", "cna", *small, "-o", str(outdir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    left = _leftovers(outdir)
    assert left == sorted([live.name, *(path.name for path in foreign)])
    assert all(path.exists() for path in foreign)


def test_remove_leftovers_matches_our_pattern_on_this_host(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(gone.stdout)
    (tmp_path / "spectra").mkdir()
    names = {
        f".T1.maf.icarus-{HOST}-{dead}.partial": False,
        f"spectra/.S1.png.icarus-{HOST}-{dead}.partial": False,
        f".icarus-{HOST}-{dead}-ab12_x": False,
        f".T1.maf.icarus-otherhost-{dead}.partial": True,  # another node's run: not ours to judge
        f".T1.maf.icarus-{HOST}-{os.getpid()}.partial": True,  # alive
        "T1.maf": True,
    }
    for name in names:
        path = tmp_path / name
        if name.startswith(".icarus-"):
            path.mkdir()
            (path / "inner.tmp").write_text("x")
        else:
            path.write_text("x")
    removed = remove_leftovers(tmp_path)
    assert {str(p.relative_to(tmp_path)) for p in removed} == {
        name for name, kept in names.items() if not kept
    }
    assert all((tmp_path / name).exists() == kept for name, kept in names.items())


# ---------------------------------------------------------------- the machine fails the write


def test_disk_full_is_one_line_and_leaves_nothing(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(table: object, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    data = Path(__file__).parent / "data" / "gsea"
    code, _, err = cli("gsea", data / "de_results.tsv", "--genesets", data / "sets.gmt",
                       "--permutations", "100", "-o", tmp_path / "out")  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: cannot write ") and err.endswith(": No space left on device\n")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_a_really_full_disk(tmp_path: Path) -> None:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (mount / "filler").write_bytes(b"x" * 12_000)
        data = Path(__file__).parent / "data" / "cna"
        done = subprocess.run(
            [sys.executable, "-m", "icarus_omics", "cna", str(data / "cohort.cncf.txt"),
             "--genes", str(data / "genes.tsv"), "-o", str(mount / "out")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr
        assert done.stderr.startswith("error: cannot write ")
        assert _leftovers(mount / "out") == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_staging_turns_write_errors_into_one_line(tmp_path: Path) -> None:
    from icarus_omics.errors import IcarusError

    quota = pytest.raises(IcarusError, match=r"cannot write .*x\.tsv: Disk quota exceeded")
    with quota, staged_outputs(tmp_path) as stage:
        stage.path("x.tsv").write_text("half")
        raise OSError(errno.EDQUOT, "Disk quota exceeded", str(tmp_path / "x.tsv"))
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- one line, every time


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cna", "/no/such/file.cncf", "--genes", "/no/genes.tsv"], "does not exist"),
        (["wes-filter", "/"], "is a directory"),
        (["wes-filter"], "Missing argument"),
        (["wes-filter", "x.vcf", "--no-such-option"], "No such option"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    cli: Callable[..., CliResult], args: list[str], message: str
) -> None:
    code, out, err = cli(*args)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_output_folder_that_is_a_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    data = Path(__file__).parent / "data" / "cna"
    code, _, err = cli("cna", data / "T1.cncf.txt", "--genes", data / "genes.tsv", "-o", blocker)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_long_messages_never_wrap_and_user_text_stays_literal(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A 200-character message stays on one line (stderr is not a terminal here), and text
    from the user such as ``[bold]`` or ``:thumbs_up:`` is printed as typed."""
    odd = "a:b:c:thumbs_up:[bold]x[/bold]" + "y" * 200
    de = Path(__file__).parent / "data" / "gsea" / "de_results.tsv"
    code, _, err = cli("gsea", de, "--genesets", odd, "-o", tmp_path)
    assert code == 1
    assert err.count("\n") == 1 and f"error: {odd!r} is neither" in err


def test_staged_names_carry_host_and_pid(tmp_path: Path) -> None:
    with staged_outputs(tmp_path) as stage:
        temporary = stage.path("sub/x.tsv")
        assert temporary.name == f".x.tsv.icarus-{HOST}-{os.getpid()}.partial"
        assert stage.scratch().name.startswith(f".icarus-{HOST}-{os.getpid()}-")
        temporary.write_text("done")
    assert (tmp_path / "sub" / "x.tsv").read_text() == "done"
    assert files.remove_leftovers(tmp_path) == []
