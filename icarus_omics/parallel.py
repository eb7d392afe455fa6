"""Run independent pieces of work on several cores, results in submission order."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")


def parallel_map(
    function: Callable[..., Result], jobs: Sequence[tuple[Any, ...]], processes: int
) -> Iterator[Result]:
    """``function(*job)`` for each job, in order; in ``processes`` worker processes when
    there is more than one job and more than one process, else in this process.

    Workers are forked (no re-import, inputs shared copy-on-write) where the platform
    allows it. A worker's exception is raised here, as it would be serially.
    """
    if processes <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield function(*job)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=min(processes, len(jobs)), mp_context=context) as pool:
        futures = [pool.submit(function, *job) for job in jobs]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()
