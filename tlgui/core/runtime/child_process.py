"""One call in a fresh Python process, for work that must not share the caller's interpreter.

Some library calls hold Python's interpreter lock for long stretches: torch's ONNX exporter held it
for up to 0.7 s at a time, so a window driving it from a worker thread missed its frames for as
long. Some can also crash the process outright on an odd network, which would take the window and
its unsaved project with it. In a child process neither reaches the caller: the lock is the child's
own, a crash is an error message, and Stop ends the child at once instead of waiting for the call.

The child is spawned (never forked: the caller's threads, Qt's and torch's, would be copied half
way through whatever they were doing). The function, its arguments and its result travel through a
pipe between this process and its own child, never through a file anyone else can hand the app.
As with any spawned process, a script of one's own that calls this must keep its top level under
``if __name__ == "__main__":`` (the child imports the main script; ``tlgui``, ``python -m`` and
pytest need nothing).
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken

T = TypeVar("T")

# How often the caller looks at Stop and at the child's health while it waits.
POLL_SECONDS = 0.1
# How long a stopped child gets to end after SIGTERM before it is killed.
TERMINATE_GRACE_SECONDS = 2.0

_RESULT, _RAISED = "result", "raised"


class ChildProcessFailed(TlguiError):
    """The child process ended without an answer (it crashed or was killed)."""


def call_in_child(fn: Callable[..., T], *args: Any, cancel: CancelToken | None = None) -> T:
    """``fn(*args)`` run in a fresh Python process; its return value here.

    ``fn`` must be importable by name (a module-level function) and its arguments and result
    picklable. An exception ``fn`` raises is raised here (the same one when it can be sent, else a
    TlguiError with its type and message). ``cancel`` set while waiting ends the child and raises
    ``Cancelled``. A child that dies without answering (a crash, out of memory) raises
    ``ChildProcessFailed`` naming its exit status.
    """
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sending, fn, args), daemon=True,
                            name=f"tlgui-{getattr(fn, '__name__', 'call')}")
    child.start()
    sending.close()  # the child's end: once the child exits, a read here sees the pipe's end
    try:
        message = _wait_for_answer(receiving, child, cancel)
    finally:
        receiving.close()
        _end(child)
    kind, payload = message
    if kind == _RAISED:
        raise payload
    return payload


def _wait_for_answer(receiving, child, cancel: CancelToken | None) -> tuple[str, Any]:
    while True:
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        if receiving.poll(POLL_SECONDS):
            try:
                return receiving.recv()
            except EOFError:  # the child closed the pipe without a word: it died
                break
    child.join(TERMINATE_GRACE_SECONDS)
    raise ChildProcessFailed(_(
        "The background process ended unexpectedly (exit status {status})."
    ).format(status=child.exitcode if child.exitcode is not None else _("unknown")))


def _end(child) -> None:
    """The child gone, whatever happened: it has answered, died, or is stopped here."""
    if child.is_alive():
        child.terminate()
        child.join(TERMINATE_GRACE_SECONDS)
    if child.is_alive():
        child.kill()
    child.join()
    child.close()


def _child_main(sending, fn: Callable[..., Any], args: tuple) -> None:
    """Runs in the child: one call, and its outcome sent back."""
    try:
        outcome: tuple[str, Any] = (_RESULT, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the caller is told
        outcome = (_RAISED, _sendable(exc))
    try:
        sending.send(outcome)
    except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
        sending.send((_RAISED, TlguiError(f"{type(outcome[1]).__name__} result cannot be sent back: {exc}")))
    finally:
        sending.close()


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` itself when the caller can rebuild it from a pickle (an exception whose constructor
    takes other arguments than its ``args`` cannot be), else a TlguiError with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return TlguiError("".join(traceback.format_exception_only(type(exc), exc)).strip())
    return exc
