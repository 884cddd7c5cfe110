"""Ctrl-C ends a headless command promptly, with exit status 130.

The first Ctrl-C raises KeyboardInterrupt as usual, so the code that is running unwinds: a file being
written is removed, a pending batch of photos is cancelled. Unwinding can stall, though: Ctrl-C may
land between a lock's acquire and its release, and a worker thread then waits on that lock for ever.
So the interrupt also starts a short timer; if the command has not ended when it fires, or at a
second Ctrl-C, the process ends at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

EXIT_INTERRUPTED = 130
#: How long the first Ctrl-C lets the command clean up before the process is ended regardless.
GRACE_SECONDS = 3.0
INTERRUPTED_MESSAGE = "tlgui: interrupted"


@contextlib.contextmanager
def prompt_interrupts(grace_seconds: float = GRACE_SECONDS) -> Iterator[None]:
    """Within the block, Ctrl-C ends the command in at most ``grace_seconds`` (see the module)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    deadline: list[threading.Timer] = []

    def on_interrupt(signum, frame) -> None:
        if deadline:
            end_now()
        timer = threading.Timer(grace_seconds, end_now)
        timer.daemon = True
        deadline.append(timer)
        timer.start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for timer in deadline:
            timer.cancel()


def end_now() -> None:
    """Say so and end the process with exit status 130, without waiting for any thread."""
    with contextlib.suppress(Exception):
        sys.stderr.write(INTERRUPTED_MESSAGE + "\n")
        sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)
