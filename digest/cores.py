"""How many processor cores this process may use: what the pools and threads of an edition size themselves by.

A module of its own, importing nothing of digest: the story code uses it, and the key of work prepared
ahead (``pipeline.imported_sources``) names every module the story code imports.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def usable_cores() -> int:
    """How many processor cores this process may run on (its CPU affinity, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_in_threads(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``function`` of each item, in order, a thread per core: for work that runs without Python's lock
    (scipy's sparse products). In turn when there is one core or one item."""
    threads = min(usable_cores(), len(items))
    if threads < 2:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(function, items))
