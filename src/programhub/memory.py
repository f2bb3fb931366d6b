"""The process's memory allocator: how many malloc arenas its threads share.

glibc gives a thread that finds the arena it wants locked an arena of its own, up to eight
per core, and memory freed in one arena serves only that arena. A long-lived answer in the
response cache, built on a read thread, then pins that arena's pages while the next
answers grow the others: the Sunbird mix (pages of ~470 KB, 10% writes) peaked at 351-423
MB with glibc's default and at 234-244 MB with one arena, at the same throughput
(bench/RESULTS.md run 7). Python allocates its small objects itself, under the GIL, so
threads seldom wait for one another in malloc.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger("programhub.memory")

# mallopt's parameter number for the arena limit (glibc's malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int) -> bool:
    """Make threads created from now on allocate from at most `arenas` malloc arenas.
    False where the C library has no such setting (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(_M_ARENA_MAX, arenas))
    if not applied:
        log.warning("could not limit malloc arenas to %d", arenas)
    return applied
