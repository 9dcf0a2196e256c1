"""``service.core.memory``: with the thresholds pinned, a freed large block leaves RSS.

The mechanism behind the load bench's RSS creep, in a fresh process each: freeing a 24 MiB
block (as imports do) raises glibc's dynamic mmap threshold to 24 MiB, so a 16 MiB block then
comes from the heap and, freed below a live small block, stays resident. Pinned after that
first free (as the app does at start-up), the block is mmapped and given back. (The trim
threshold's part, heap tops of the worker threads' arenas, cannot be isolated from Python's
own allocations here; ``bench.api_load`` measures the whole effect.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHILD = """
import ctypes, sys
from service.core.memory import pin_malloc_thresholds

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
MB = 1 << 20

def rss():
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS"))
    return int(line.split()[1]) * 1024

big = libc.malloc(24 * MB); ctypes.memset(big, 1, 24 * MB); libc.free(big)  # as imports do
if sys.argv[1] == "pin":  # after that free, as the app does at start-up
    assert pin_malloc_thresholds()
before = rss()
block = libc.malloc(16 * MB); ctypes.memset(block, 1, 16 * MB)
keep = libc.malloc(1024)  # lies above the block on the heap: free() cannot trim past it
libc.free(block)
print(rss() - before)
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")


def _retained_mib(mode: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, env=env, check=True
    )
    return int(done.stdout.strip()) / (1 << 20)


def test_pinned_thresholds_return_freed_memory_to_the_os() -> None:
    assert _retained_mib("plain") > 12  # the creep: the freed block stays resident
    assert _retained_mib("pin") < 4


def test_an_operators_own_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.core.memory import pin_malloc_thresholds

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert pin_malloc_thresholds() is False
