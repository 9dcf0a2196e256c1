"""Keep the server's resident memory from creeping under steady writes (glibc only).

Every write through the API updates the loaded match index, which allocates new arrays of
several MiB and frees the old ones. glibc's malloc raises its mmap threshold each time such
an mmapped block is freed, and its trim threshold to twice that; from then on blocks of that
size come from the heaps of the worker threads' arenas, where freed space fragments, and a
free heap top is given back only once it exceeds the raised trim threshold. Under the bench's
mixed load (``bench.api_load``) RSS crept up by several MiB a minute although the Python heap
was flat (tracemalloc: +0.14 MB over 1,200 requests).

Setting both thresholds explicitly, to glibc's own defaults of 128 KiB, switches the dynamic
adjustment off and undoes what the imports before start-up already raised: large blocks are
always mmapped and go back to the operating system when freed, and a free heap top is
trimmed. Pinning the mmap threshold alone is not enough at that point: the trim threshold
stays raised, and the load bench still crept by 3.5 MiB/min (−0.08 with both pinned).
``tests/service/test_memory.py`` shows the mmap part; the trim part (the worker arenas' heap
tops) cannot be isolated from Python's own allocations there, so the bench measures it.

An operator's ``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` (read by glibc at
start-up) is left as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

__all__ = ["DEFAULT_MMAP_THRESHOLD", "DEFAULT_TRIM_THRESHOLD", "pin_malloc_thresholds"]

logger = logging.getLogger("yuecai.service.memory")
M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
DEFAULT_MMAP_THRESHOLD = 128 * 1024
"""glibc's initial mmap threshold: blocks at least this large are mmapped."""
DEFAULT_TRIM_THRESHOLD = 128 * 1024
"""glibc's initial trim threshold: a free heap top larger than this goes back to the OS."""


def pin_malloc_thresholds(
    mmap_threshold: int = DEFAULT_MMAP_THRESHOLD, trim_threshold: int = DEFAULT_TRIM_THRESHOLD
) -> bool:
    """Fix glibc's mmap and trim thresholds (bytes); True if both were set.

    False, changing nothing, off Linux, on a C library without ``mallopt`` (musl), or when the
    environment sets either threshold.
    """
    operator_set = {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"} & set(os.environ)
    if not sys.platform.startswith("linux") or operator_set:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    pinned = bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(M_TRIM_THRESHOLD, trim_threshold)
    )
    if not pinned:
        logger.warning("mallopt failed: freed memory may stay resident under writes")
    return pinned
