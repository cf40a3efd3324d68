"""How many processor cores this process may use: what the pools and threads of an edition size themselves by.

A module of its own, importing nothing of digest: the story code uses it, and the key of work prepared
ahead (``pipeline.imported_sources``) names every module the story code imports.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """How many processor cores this process may run on (its CPU affinity, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
