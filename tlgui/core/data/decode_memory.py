"""The two memory budgets every photo read and decode of the process draws from.

Photos are decoded by several thread pools at once: the Data page's thumbnails, the folder scan,
feature extraction, prediction (up to four threads each). An ordinary photo needs a few MB for that,
but within the pixel limit a small file can need a GB: an 89-megapixel progressive JPEG keeps all its
DCT coefficients until the last scan (532 MB measured for 4:4:4, whatever the draft scale), a
200 KB 16-bit PNG of as many pixels decodes to 178 MB before it is made RGB, and a WebP of as many
takes 1.4 GB whatever its file size (libwebp's buffers beside Pillow's). Eight such decodes at
once would take several GB, enough to have the system kill the app. So each decode reserves its
estimated peak (``images.py`` says how much) from ``DECODE_MEMORY`` before it starts: photos of
ordinary size fit beside one another and never wait; the giant ones take turns.

A file's bytes are held while they are decoded, and a file of up to 512 MB is read as a photo (a
small JPEG followed by junk opens and decodes like any other). So a file's size is reserved from
``PHOTO_BYTES`` before it is read, until its bytes are let go. The two budgets are always taken in
that order (the bytes, then the decode) and a decode never waits for a file, so they cannot wait
for each other in a circle.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

GiB = 1024**3
MiB = 1024**2
# The budget is an eighth of the computer's memory, within these bounds: 512 MB still decodes an
# 89-megapixel progressive JPEG at once (532 MB alone is let through when nothing else is held).
MIN_CAPACITY = 512 * MiB
MAX_CAPACITY = 2 * GiB
ASSUMED_MEMORY = 8 * GiB  # where the system does not say how much memory it has (Windows)


class MemoryBudget:
    """At most ``capacity`` bytes reserved at once by all threads together.

    ``reserve(n)`` waits until ``n`` more bytes fit beside those held, first come first served (a
    large reservation is not passed over for ever by a stream of small ones). One larger than the
    whole budget waits until nothing is held and then runs alone, so every reservation is served.
    """

    def __init__(self, capacity: int):
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, not {capacity}")
        self.capacity = capacity
        self._held = 0
        self._waiting: deque[object] = deque()  # one ticket per waiting reservation, oldest first
        self._changed = threading.Condition()

    @property
    def held(self) -> int:
        """Bytes reserved at this moment."""
        with self._changed:
            return self._held

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the block (waiting first if they do not fit)."""
        nbytes = max(0, int(nbytes))
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            try:
                while self._waiting[0] is not ticket or not self._fits(nbytes):
                    self._changed.wait()
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()  # the next in line may fit as well
            self._held += nbytes
        try:
            yield
        finally:
            with self._changed:
                self._held -= nbytes
                self._changed.notify_all()

    def _fits(self, nbytes: int) -> bool:
        return self._held == 0 or self._held + nbytes <= self.capacity


def physical_memory() -> int:
    """Bytes of memory the computer has (``ASSUMED_MEMORY`` where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return ASSUMED_MEMORY


def default_capacity(memory: int | None = None) -> int:
    """The decode budget for a computer with ``memory`` bytes (this one's by default)."""
    memory = physical_memory() if memory is None else memory
    return min(MAX_CAPACITY, max(MIN_CAPACITY, memory // 8))


#: The memory photo decodes take (beyond the files' bytes).
DECODE_MEMORY = MemoryBudget(default_capacity())
#: The bytes of photo files read and not yet let go.
PHOTO_BYTES = MemoryBudget(default_capacity())
