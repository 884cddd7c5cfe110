"""One call in a fresh Python process, for work that must not share the caller's interpreter.

Some library calls hold Python's interpreter lock for long stretches: torch's ONNX exporter held it
for up to 0.7 s at a time, so a window driving it from a worker thread missed its frames for as
long. Some can also crash the process outright on an odd network, which would take the window and
its unsaved project with it. In a child process neither reaches the caller: the lock is the child's
own, a crash is an error message, and Stop ends the child at once instead of waiting for the call.

The child is a new process of the same program (``python -m tlgui``, or the bundle's executable),
told by ``CHILD_ENV`` to serve one call (``tlgui/__main__.py``). Nothing of the caller is copied
into it, so its threads (Qt's, torch's) and its main script stay where they are. The function and
its arguments reach the child on its standard input, its outcome comes back on its standard output
(what the child itself prints goes to its standard error), both pickled between this process and
its own child: never a file anyone else can hand the app. The answer is read here by an unpickler
that builds nothing but Python's own types and tlgui's (its errors): whatever the child's work
did, the caller imports nothing it names. The child has a session of its own, so a
Ctrl-C in a terminal reaches only the caller, which ends the child; a child whose caller has gone
(killed) sees its standard input close and ends at once.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken

T = TypeVar("T")

#: Set to "1" in a child's environment: ``python -m tlgui`` then serves one call (``serve``).
CHILD_ENV = "TLGUI_CHILD_PROCESS"
# How often the caller looks at Stop while it waits.
POLL_SECONDS = 0.1
# How long a stopped child gets to end after SIGTERM before it is killed.
TERMINATE_GRACE_SECONDS = 2.0

_RESULT, _RAISED = "result", "raised"
_LENGTH = struct.Struct(">Q")  # each message: its byte count, then its pickle


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
    # The caller's import path first (a plain list, read before anything is imported): ``fn``'s
    # module may lie on a path the caller added at run time. Then the call itself.
    request = [_message(list(sys.path)), _message((fn, args))]
    child = subprocess.Popen(_child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, CHILD_ENV: "1"}, **_own_session())
    exchange = _Exchange(child)
    try:
        # Started inside the ``try``: a Ctrl-C that lands while the threads start still ends the child.
        exchange.start(request)
        del request
        answer = exchange.wait(cancel)
    finally:
        exchange.end()
    if answer is None:
        raise ChildProcessFailed(_(
            "The background process ended unexpectedly (exit status {status})."
        ).format(status=child.returncode))
    try:
        kind, payload = _read_answer(answer)
    except pickle.UnpicklingError as exc:
        raise ChildProcessFailed(_("The background process gave an answer that cannot be read ({detail}).").format(
            detail=exc)) from None
    if kind == _RAISED:
        raise payload
    return payload


def _child_command() -> list[str]:
    if getattr(sys, "frozen", False):  # a bundle: its executable is the program (packaging/tlgui.spec)
        return [sys.executable]
    return [sys.executable, "-m", "tlgui"]


def _own_session() -> dict[str, Any]:
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]


class _Exchange:
    """The request written and the answer read, each on a thread of its own, so that the caller's
    thread only watches Stop. The child's standard input stays open until the answer is in: its end
    tells the child to go."""

    def __init__(self, child: subprocess.Popen):
        self.child = child
        self.answer: bytes | None = None
        self._sender: threading.Thread | None = None
        self._receiver: threading.Thread | None = None

    def start(self, request: list[bytes]) -> None:
        self._sender = threading.Thread(target=self._send, args=(request,), name="tlgui-child-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="tlgui-child-receive", daemon=True)
        self._sender.start()
        self._receiver.start()

    def _send(self, request: list[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):  # the child died: the receiver sees it
            for message in request:
                self.child.stdin.write(message)
            self.child.stdin.flush()

    def _receive(self) -> None:
        self.answer = _read_message(self.child.stdout)

    def wait(self, cancel: CancelToken | None) -> bytes | None:
        """The child's answer; None if it ended without one. ``Cancelled`` once ``cancel`` is set."""
        assert self._receiver is not None, "start() first"
        while self._receiver.is_alive():
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            self._receiver.join(POLL_SECONDS)
        return self.answer

    def end(self) -> None:
        """The child gone, whatever happened: it has answered, died, or is stopped here."""
        child = self.child
        if self._sender is None or self._sender.is_alive():
            # Still writing the request: closing the pipe would wait for that write, which only a
            # child that reads (or is gone) ends.
            child.kill()
        with contextlib.suppress(OSError, ValueError):
            child.stdin.close()  # its input ending is the child's signal to exit
        try:
            child.wait(TERMINATE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.terminate()
            try:
                child.wait(TERMINATE_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        # Only now: closing it waits for a read still blocked on it, which ends once the child has.
        if self._receiver is not None and self._receiver.ident is not None:
            self._receiver.join()
        child.stdout.close()


def _message(value: Any) -> bytes:
    """``value`` pickled, with its length in front (``_read_message`` reads it back)."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def _read_message(stream: BinaryIO) -> bytes | None:
    """One length-prefixed message from ``stream``; None if it ends first."""
    header = stream.read(_LENGTH.size)
    if len(header) != _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(header)
    data = stream.read(length)
    return data if len(data) == length else None


# ---- in the child -------------------------------------------------------------------------------
def serve() -> None:
    """The child's whole life (``python -m tlgui`` with ``CHILD_ENV`` set): one call, its outcome."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # whatever the work prints must not reach the answer
    requests = sys.stdin.buffer
    path, call = _read_message(requests), _read_message(requests)
    if path is None or call is None:  # the caller went before asking
        os._exit(1)
    # The caller stops waiting by closing our input (or by dying): then nothing is left to do here.
    threading.Thread(target=_exit_when_closed, args=(requests,), daemon=True).start()
    try:
        # Our caller's own pickles, through its own pipe: the path first, so that ``fn`` is found.
        sys.path[:] = pickle.loads(path)
        fn, args = pickle.loads(call)
        del call
        outcome: tuple[str, Any] = (_RESULT, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the caller is told
        outcome = (_RAISED, exc)
    try:
        answers.write(_answer_message(outcome))
        answers.flush()
    except OSError:
        pass  # the caller has gone
    os._exit(0)  # nothing of the work's own clean-up is needed: the process ends here


def _exit_when_closed(requests: BinaryIO) -> None:
    with contextlib.suppress(OSError, ValueError):
        while requests.read(65536):
            pass
    os._exit(1)


def _answer_message(outcome: tuple[str, Any]) -> bytes:
    """The answer as the caller will read it (``_read_answer``). An exception the caller could not
    rebuild (a class of another package, or one whose constructor takes other arguments than its
    ``args``) goes as a TlguiError with its type and message; a result that cannot go, as an error."""
    message = _message(outcome)
    try:
        _read_answer(message[_LENGTH.size:])
    except Exception as exc:  # noqa: BLE001
        kind, value = outcome
        if kind == _RAISED:
            error = TlguiError("".join(traceback.format_exception_only(type(value), value)).strip())
        else:
            error = TlguiError(f"{type(value).__name__} result cannot be sent back: {exc}")
        message = _message((_RAISED, error))
    return message


def _read_answer(data: bytes) -> tuple[str, Any]:
    return _AnswerUnpickler(io.BytesIO(data)).load()


class _AnswerUnpickler(pickle.Unpickler):
    """Builds Python's own types and tlgui's classes only: the caller imports nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if module != "builtins" and module != "tlgui" and not module.startswith("tlgui."):
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an answer")
        return super().find_class(module, name)
