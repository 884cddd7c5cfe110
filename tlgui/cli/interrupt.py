"""Ctrl-C ends a headless command promptly, with exit status 130; SIGTERM (``kill``, ``timeout``, a
service stopping) the same way, with 143.

The first Ctrl-C raises KeyboardInterrupt as usual, so the code that is running unwinds: a file being
written is removed, a pending batch of photos is cancelled. Unwinding can stall, though: Ctrl-C may
land between a lock's acquire and its release, and a worker thread then waits on that lock for ever.
So the interrupt also starts a short timer; if the command has not ended when it fires, or at a
second Ctrl-C, the process ends at once.

Training is the exception (``stop_on_interrupt``): there the first Ctrl-C or SIGTERM is the window's
Stop. The run ends at its next step, keeping the best model so far, which is saved as asked; the
exit status still says the command was interrupted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM
#: How long the first Ctrl-C lets the command clean up before the process is ended regardless.
GRACE_SECONDS = 3.0
#: How long a training run stopped by Ctrl-C may take to finish its step and save its best model: a
#: full fine-tune's batch takes seconds on a slow CPU.
STOP_GRACE_SECONDS = 60.0
INTERRUPTED_MESSAGE = "tlgui: interrupted"
TERMINATED_MESSAGE = "tlgui: terminated"


class Terminated(KeyboardInterrupt):
    """SIGTERM: unwinds like Ctrl-C (a file being written is removed), and says so."""


def exit_status(interrupt: KeyboardInterrupt) -> tuple[int, str]:
    """The exit status and the line to print for an interrupt that ended a command."""
    if isinstance(interrupt, Terminated):
        return EXIT_TERMINATED, TERMINATED_MESSAGE
    return EXIT_INTERRUPTED, INTERRUPTED_MESSAGE


@contextlib.contextmanager
def prompt_interrupts(grace_seconds: float = GRACE_SECONDS) -> Iterator[None]:
    """Within the block, Ctrl-C ends the command in at most ``grace_seconds`` (see the module)."""

    def unwind(interrupt: KeyboardInterrupt) -> None:
        raise interrupt

    with _interrupts_handled(unwind, grace_seconds):
        yield


class StopRequest:
    """What ``stop_on_interrupt`` saw: None until the first Ctrl-C or SIGTERM, then that interrupt."""

    def __init__(self) -> None:
        self.interrupt: KeyboardInterrupt | None = None


@contextlib.contextmanager
def stop_on_interrupt(stop: Callable[[], None], message: str,
                      grace_seconds: float = STOP_GRACE_SECONDS) -> Iterator[StopRequest]:
    """Within the block, the first Ctrl-C or SIGTERM calls ``stop`` (a training run's Stop, which
    keeps the best model so far) and prints ``message`` instead of unwinding the command; the block
    then ends in its own time. A second one, or ``grace_seconds`` without the command ending, ends
    the process at once. The request says which interrupt came, for the command's exit status."""
    request = StopRequest()

    def request_stop(interrupt: KeyboardInterrupt) -> None:
        request.interrupt = interrupt
        with contextlib.suppress(Exception):
            sys.stderr.write("\n" + message + "\n")
            sys.stderr.flush()
        stop()

    with _interrupts_handled(request_stop, grace_seconds):
        yield request


@contextlib.contextmanager
def _interrupts_handled(first: Callable[[KeyboardInterrupt], None], grace_seconds: float) -> Iterator[None]:
    """Within the block, the first Ctrl-C or SIGTERM starts a ``grace_seconds`` timer that ends the
    process, then goes to ``first`` (as KeyboardInterrupt or Terminated); a second one ends the
    process at once. Outside the main thread, where handlers cannot be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline: list[threading.Timer] = []

    def on_interrupt(signum, frame) -> None:
        interrupt = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        status = exit_status(interrupt)
        if deadline:
            end_now(*status)
        timer = threading.Timer(grace_seconds, end_now, status)
        timer.daemon = True
        deadline.append(timer)
        timer.start()
        first(interrupt)

    previous = {sig: signal.signal(sig, on_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for timer in deadline:
            timer.cancel()


def end_now(status: int = EXIT_INTERRUPTED, message: str = INTERRUPTED_MESSAGE) -> None:
    """Say so and end the process with ``status``, without waiting for any thread; a file being
    saved is left as it was, without the new file's temporary beside it."""
    # Every save imports the module first: without it, no save is under way. (Not imported here: this
    # may run in a signal handler or a timer thread, in the middle of another import.)
    atomic = sys.modules.get("tlgui.core.files.atomic")
    if atomic is not None:
        with contextlib.suppress(Exception):
            atomic.remove_unfinished_temporaries()
    with contextlib.suppress(Exception):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    os._exit(status)
