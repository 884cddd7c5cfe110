"""How the C library's allocator treats the large blocks torch frees on the CPU: kept for reuse while
the process computes, given back to the system when a job is over.

By default glibc's malloc serves every block above its mmap threshold (at most 32 MB) with a fresh
``mmap`` and unmaps it when freed; a thread other than the main one gets an arena of 64 MB heaps,
which serves anything larger with ``mmap`` too and unmaps a heap as soon as it is empty. A network's
activations are such blocks, allocated and freed every batch: so every batch's memory was faulted in
and zero-filled by the kernel 4 KB at a time. Measured on a 2-core CPU with EfficientNet-Lite0, batch
32, fp32 (``benchmarks``, the same process with and without these settings):

- inference: ~5,200 page faults per photo and 16 of its 42 ms of CPU time in the kernel; with them,
  none, and the model's own forward pass went from 45 to 88-102 photos/s, predicting a folder from
  38-42 to 61-79 photos/s and extraction from 37 to 65 photos/s;
- a full fine-tune step in a worker thread (as the window runs it): 4.6 million page faults in six
  steps and 10-14 photos/s; with them, ~0.1 million and 16-19 photos/s (the epoch of
  ``benchmarks --only full`` from 25.2 to 19.0 s).

So tlgui, before any thread starts (``tlgui/__init__.py``): keeps one arena for every thread (the
main one, which grows with ``brk``, not with ``mmap``), serves no block with ``mmap``, and never trims
the heap by itself. Peak memory rose ~8% (a fine-tune of batch 32: 3.4 to 3.7-4.1 GB). What a job
freed stays with the process for the next one; ``give_back_freed_memory`` returns it to the system,
which the window does after each background job that left much more memory resident than it found
(``giving_back_afterwards``), and a command need not (its process ends).

Elsewhere (macOS, Windows, musl) nothing is changed: their allocators are not glibc's. Nor where the
user tunes glibc's malloc already (``GLIBC_TUNABLES`` or a ``MALLOC_*`` variable): theirs wins.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt's parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
_MADV_DONTNEED = 4


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (2.33 and later); only ``fordblks``, the heap's free bytes, is read."""

    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


#: A job that leaves this much more memory resident than it found has freed enough to be worth giving
#: back; below it, counting the free blocks (which holds the allocator's lock) would cost more than it
#: returns.
GIVE_BACK_FROM = 64 << 20

_lock = threading.Lock()
_giving_back = threading.Lock()
_libc: ctypes.CDLL | None = None
_kept = False


def _user_tunes_malloc() -> bool:
    return "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "") or any(
        name.startswith("MALLOC_") for name in os.environ)


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc 2.33 or later (``mallopt``, ``mallinfo2``), else None."""
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None)
            libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
            libc.mallinfo2  # noqa: B018 - glibc 2.33 and later
            libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            libc.mallinfo2.restype = _MallInfo2
            libc.malloc.restype = ctypes.c_void_p
            libc.malloc.argtypes = (ctypes.c_size_t,)
            libc.free.argtypes = (ctypes.c_void_p,)
            libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        except (OSError, AttributeError):
            return None
        _libc = libc
    return _libc


def keep_freed_memory() -> bool:
    """Make freed blocks stay with the process for reuse (see the module's text). Process-wide; has
    its full effect only before a second thread allocates, so it runs when tlgui is imported.
    Returns whether the allocator took the settings (False off glibc)."""
    global _kept
    with _lock:
        if _kept:
            return True
        libc = None if _user_tunes_malloc() else _glibc()
        if libc is None:
            return False
        # -1 is read as the largest size_t: the heap's top is never given back by free() itself.
        _kept = all(libc.mallopt(param, value) == 1 for param, value in (
            (_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, -1)))
        return _kept


def give_back_freed_memory(*, largest: int = 64 << 20, smallest: int = 1 << 20) -> int:
    """Return to the system the memory the process has freed (once a job is over and nothing reuses
    its blocks); the bytes given back.

    Not with ``malloc_trim``: that holds the allocator's lock while the kernel unmaps every free page
    (~0.1 s per GB), and the window's thread waits on that lock at its next allocation (a 3 GB give-back
    stalled it 0.18 s). Instead the free memory is taken a block at a time (``largest`` halving down to
    ``smallest``, each from free space already held, never by growing the heap), its pages handed back
    with ``madvise`` outside the lock, and all the blocks freed again: each lock is held for one
    ``malloc``, ``free`` or ``mallinfo2`` (which counts the free blocks: milliseconds). The free space
    below ``smallest`` stays, as glibc's own default keeps it. A call while another runs returns 0.
    """
    libc = _glibc() if _kept else None
    if libc is None or not _giving_back.acquire(blocking=False):
        return 0
    try:
        return _give_back(libc, largest, smallest)
    finally:
        _giving_back.release()


def _give_back(libc: ctypes.CDLL, largest: int, smallest: int) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    held: list[int] = []
    given = 0
    try:
        free_now = libc.mallinfo2().fordblks
        free_left = free_now  # what this call may take: it ends after at most free_left / smallest blocks
        size = largest
        while size >= smallest:
            while free_left >= size:
                block = libc.malloc(size)
                if not block:
                    break
                free_before, free_now = free_now, libc.mallinfo2().fordblks
                if free_before - free_now < size:
                    # Not out of free space alone: the heap grew for it (taking the free space at its
                    # top with it), or (a thread with an arena of its own) it was mapped afresh. Freed
                    # at once, so that what it took is free again for the smaller blocks.
                    libc.free(block)
                    free_now = libc.mallinfo2().fordblks
                    break
                held.append(block)
                free_left -= size
                # Whole pages strictly inside the block: the allocator's own words at either end stay.
                start, end = -(-block // page) * page, (block + size) // page * page
                if libc.madvise(start, end - start, _MADV_DONTNEED) == 0:
                    given += end - start
            size //= 2
    finally:
        for block in held:
            libc.free(block)
    return given


def resident_bytes() -> int | None:
    """The process's resident memory, or None where ``/proc`` does not tell it."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def giving_back_afterwards(threshold: int = GIVE_BACK_FROM) -> Iterator[None]:
    """Run the block (a job), then give back what it freed if it left at least ``threshold`` bytes
    more resident than it found: a fine-tune's gigabytes, not a save's kilobytes."""
    before = resident_bytes() if _kept else None
    try:
        yield
    finally:
        after = resident_bytes() if before is not None else None
        if after is not None and after - before >= threshold:
            give_back_freed_memory()
