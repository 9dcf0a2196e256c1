"""Keep the server's resident memory from creeping under steady writes (glibc only).

Every write through the API updates the loaded match index, which allocates new arrays of
several MiB and frees the old ones. glibc's malloc raises its mmap threshold each time such
an mmapped block is freed; from then on blocks of that size come from the heaps of the
worker threads' arenas instead, where freed space fragments and stays resident. Under the
bench's mixed load (``bench.api_load``) RSS crept up by several MiB a minute although the
Python heap was flat (tracemalloc: +0.14 MB over 1,200 requests). Setting the threshold
explicitly, to glibc's own default of 128 KiB, switches that adjustment off: large blocks are
always mmapped and go back to the operating system when freed.

An operator's ``MALLOC_MMAP_THRESHOLD_`` (read by glibc at start-up) is left as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

__all__ = ["DEFAULT_MMAP_THRESHOLD", "pin_mmap_threshold"]

logger = logging.getLogger("yuecai.service.memory")
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
DEFAULT_MMAP_THRESHOLD = 128 * 1024
"""glibc's initial threshold: blocks at least this large are mmapped."""


def pin_mmap_threshold(threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; True if it was set.

    False, changing nothing, off Linux, on a C library without ``mallopt`` (musl), or when
    ``MALLOC_MMAP_THRESHOLD_`` is set in the environment.
    """
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    pinned = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not pinned:
        logger.warning(
            "mallopt(M_MMAP_THRESHOLD, %d) failed; RSS may creep under writes", threshold
        )
    return pinned
