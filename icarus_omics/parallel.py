"""Run independent pieces of work on several cores, results in submission order.

Workers never outlive the command that started them: each asks the kernel to kill it
when its parent dies (Linux ``PR_SET_PDEATHSIG``; elsewhere a watcher thread polls the
parent), ignores SIGINT (the parent handles Ctrl-C and stops them), and the parent kills
every worker as soon as anything goes wrong (an error, an interrupt, SIGTERM).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")
_PR_SET_PDEATHSIG = 1


_BLAS_LIMIT: list[object] = []


def _die_with(parent: int) -> None:
    """Worker initialiser: follow the parent ``parent`` into death, leave Ctrl-C to it, and
    use one BLAS thread (the processes already use the cores; more threads would spin)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from threadpoolctl import threadpool_limits

    _BLAS_LIMIT.append(threadpool_limits(limits=1, user_api="blas"))
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()


def _watch(parent: int) -> None:
    """Fallback where the kernel cannot do it: exit once the parent is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # ``_processes`` is the executor's own table of worker processes; there is no public
    # way to stop running workers, and waiting for them would keep an interrupted run alive.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    # The executor's manager thread sees the dead workers and ends; waiting for it (quick)
    # keeps its exit hook from writing to a closed pipe at interpreter shutdown.
    pool.shutdown(wait=True, cancel_futures=True)


def parallel_map(
    function: Callable[..., Result], jobs: Sequence[tuple[Any, ...]], processes: int
) -> Iterator[Result]:
    """``function(*job)`` for each job, in order; in ``processes`` worker processes when
    there is more than one job and more than one process, else in this process.

    Workers are forked (no re-import, inputs shared copy-on-write) where the platform
    allows it. A worker's exception is raised here, as it would be serially; on any
    failure or interrupt the remaining workers are killed at once.
    """
    if processes <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield function(*job)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(processes, len(jobs)),
        mp_context=context,
        initializer=_die_with,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(function, *job) for job in jobs]
        for future in futures:
            yield future.result()
    except BaseException:
        _kill_workers(pool)
        raise
    pool.shutdown(wait=True)
