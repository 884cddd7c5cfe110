"""Running engine calls off the GUI thread: one reusable slot for every owner of background work.

Qt's recommended shape: a worker QObject moved to a QThread, talking to the window only through
signals. The only state shared between threads is the CancelToken. The GUI thread never waits on a
job, except when the window goes away, and then for a bounded time: a job that does not reach its
next cancel check by then is abandoned (kept alive, its answers dropped), never waited on forever.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, Signal, Slot

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.progress import CancelToken, ProgressEvent
from tlgui.host_memory import giving_back_afterwards

# A job receives the token and a `report(kind, payload)` function; whatever it returns is the result.
Job = Callable[[CancelToken, Callable[[str, Any], None]], Any]

# How long ``TaskSlot.shutdown`` waits for a cancelled job by default: jobs check their token at
# least every batch or file, so a longer wait means a job stuck in one long call.
SHUTDOWN_WAIT_MS = 5000

# How long ``TaskSlot.shutdown`` waits for the thread of a job whose answer came as its wait ran
# out: the thread quits as soon as the job returns, so this is never waited in full.
ANSWERED_WAIT_MS = 1000

# Runs whose job outlived a shutdown: held here so that their QThread is not destroyed while it
# runs (Qt aborts the process if it is). Touched on the GUI thread only.
_abandoned: list[_Run] = []
# Every run started and not yet seen to end, for the same reason: an owner deleted without a
# shutdown (a page torn down with the window at exit) must not take a running QThread with it.
_started: list[_Run] = []
# Before the process exits, how long jobs still running (cancelled first) get in all to reach
# their cancel check.
EXIT_WAIT_MS = 10_000
# The nice value background jobs run at on Linux (0 is the window's; 19 the lowest priority).
BACKGROUND_NICE = 5


def yield_to_the_window() -> None:
    """Lower the calling thread's CPU priority, and that of the threads it starts from now on.

    A job's threads (torch's intra-op team, the decoders) can hold every core of a small computer;
    when the window's thread wakes to paint, it waits for one of them to use up its time slice.
    At a lower priority they give way to it sooner, and still take every cycle the window leaves.
    Measured with the GUI-stall benchmark, ten interleaved runs each on a 2-core CPU: the worst stall
    while training the head had a median of 34 ms at the window's priority and 15 ms at nice 5; while
    a partial fine-tune extracted, 5 runs of 10 went over 50 ms, and 2 at nice 5. The cost: when
    other programs keep the cores busy, they get more of them than the job (that run took 6% longer
    on this shared machine). On Linux a thread's nice value is its own and threads inherit it from
    the thread that starts them; Qt's QThread priorities do nothing there for ordinary threads.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), BACKGROUND_NICE))
    except OSError:
        pass  # not allowed here (a sandbox): the job runs at the window's priority, as before


class _Worker(QObject):
    reported = Signal(str, object)
    finished = Signal(object)
    failed = Signal(str, str)  # user message, technical details
    cancelled = Signal()

    def __init__(self, job: Job, token: CancelToken):
        super().__init__()
        self._job = job
        self._token = token

    @Slot()
    def run(self) -> None:
        yield_to_the_window()
        # What the job freed (a fine-tune's activations: gigabytes) goes back to the system now that
        # nothing reuses it, here on the job's thread and before the window hears the answer.
        with giving_back_afterwards():
            answer, *details = self._answer()
        answer.emit(*details)

    def _answer(self) -> tuple:
        """The job's outcome: the signal that tells it, then that signal's arguments."""
        try:
            result = self._job(self._token, self.reported.emit)
        except Cancelled:
            return (self.cancelled,)
        except TlguiError as exc:
            return (self.failed, str(exc), "")
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window, not the console
            return (self.failed, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        return (self.finished, result)


class _Run(QObject):
    """One job on its own QThread; its signals arrive on the GUI thread, ``ended`` last of all."""

    reported = Signal(str, object)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    ended = Signal()

    def __init__(self, job: Job, parent: QObject):
        super().__init__(parent)
        self.token = CancelToken()
        self._thread = QThread()
        self._worker = _Worker(job, self.token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        for mine, theirs in ((self.reported, self._worker.reported), (self.finished, self._worker.finished),
                             (self.failed, self._worker.failed), (self.cancelled, self._worker.cancelled)):
            theirs.connect(mine)
        # Direct: quit() is thread-safe, and queued it would need the GUI thread's event loop, so a
        # wait() on the GUI thread could never return before its timeout.
        for signal in (self._worker.finished, self._worker.failed, self._worker.cancelled):
            signal.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        # Queued to this object, so it comes after the result (posted earlier from the same thread).
        self._thread.finished.connect(self.ended)
        self.answered = False  # its result, failure or cancellation has reached the GUI thread
        for signal in (self.finished, self.failed, self.cancelled):
            signal.connect(self._on_answered)

    def _on_answered(self, *_answer) -> None:
        self.answered = True

    def start(self) -> None:
        # Below the window's thread on Windows and macOS; on Linux Qt leaves ordinary threads' priority
        # alone, and the job lowers its own nice value (``yield_to_the_window``).
        self._thread.start(QThread.Priority.LowPriority)

    def wait(self, msecs: int) -> bool:
        return self._thread.wait(msecs)

    def has_ended(self) -> bool:
        return self._thread.isFinished()


class TaskSlot(QObject):
    """Runs at most one background job at a time for its owner (a page, the intake, the export).

    ``start(job, on_finished)`` runs ``job(token, report)`` on its own QThread and calls
    ``on_finished(result)`` on the GUI thread when it returns. Signals, all on the GUI thread:
    ``progress(ProgressEvent)`` for ``report("progress", event)``, ``reported(kind, payload)`` for
    anything else, ``failed(message, details)`` (message: one sentence for the user),
    ``cancelled()``, ``abandoned()`` when ``shutdown`` stopped waiting for it (no answer of it comes
    any more), ``done()`` after any ending, abandoning included, and ``busyChanged(bool)``.
    """

    progress = Signal(object)
    reported = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal()
    abandoned = Signal()
    done = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._run: _Run | None = None
        self._on_finished: Callable[[Any], None] | None = None

    @property
    def busy(self) -> bool:
        """True from ``start`` until the job's thread has ended (or the job was abandoned)."""
        return self._run is not None

    def start(self, job: Job, on_finished: Callable[[Any], None] | None = None) -> bool:
        """Run ``job`` in the background; False (and nothing starts) while another job runs."""
        if self._run is not None:
            return False
        run = _Run(job, self)
        run.reported.connect(self._on_reported)
        run.finished.connect(self._on_run_finished)
        run.failed.connect(self.failed)
        run.cancelled.connect(self.cancelled)
        run.ended.connect(self._on_ended)
        self._run = run
        self._on_finished = on_finished
        _started[:] = [other for other in _started if not other.has_ended()]
        _started.append(run)
        self.busyChanged.emit(True)
        run.start()
        return True

    def cancel(self) -> None:
        """Ask the job to stop at its next check; ``cancelled`` (or its result) follows."""
        if self._run is not None:
            self._run.token.cancel()

    def shutdown(self, msecs: int | None = None) -> bool:
        """The owner is going away: cancel, and wait at most ``msecs`` (default
        ``SHUTDOWN_WAIT_MS``) for the job to stop.

        A job that stops in time has its answers delivered now, before this returns (so a stopped
        training run's best epoch still lands in the project). One that does not is abandoned: its
        answers are dropped and it ends at its next cancel check, in the background
        (``wait_for_abandoned`` gives it time before the process exits); for its owner it has ended
        all the same: ``abandoned`` (keep what it reported so far, say what was lost), then ``done``.
        True if it stopped in time.
        """
        run = self._run
        if run is None:
            return True
        run.token.cancel()
        run.wait(SHUTDOWN_WAIT_MS if msecs is None else msecs)
        # Its reports and answers are queued events for `run`: deliver them (and `ended`, when its
        # thread has ended) here and now, so that what it reported while this waited is not lost.
        QCoreApplication.sendPostedEvents(run, QEvent.Type.MetaCall)
        if self._run is not run:
            return True
        if run.answered and run.wait(ANSWERED_WAIT_MS):
            # It answered as the wait ran out: its thread is ending, and `ended` comes next.
            QCoreApplication.sendPostedEvents(run, QEvent.Type.MetaCall)
            if self._run is not run:
                return True
        run.blockSignals(True)  # no answer of an abandoned job reaches an owner that is going away
        self._run = None
        self._on_finished = None
        ended = run.has_ended()
        if ended:
            run.deleteLater()
        else:
            _abandon(run)
            self.abandoned.emit()
        # The owner's "after any ending" (a page re-enabling its Start button) runs whatever the end.
        self.done.emit()
        self.busyChanged.emit(False)
        return ended

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == "progress" and isinstance(payload, ProgressEvent):
            self.progress.emit(payload)
        else:
            self.reported.emit(kind, payload)

    def _on_run_finished(self, result: object) -> None:
        if self._on_finished is not None:
            self._on_finished(result)

    def _on_ended(self) -> None:
        run, self._run = self._run, None
        self._on_finished = None
        if run is not None:
            run.deleteLater()
        self.done.emit()
        self.busyChanged.emit(False)


def _abandon(run: _Run) -> None:
    _reap()
    run.setParent(None)  # outlive the owner; _abandoned holds it until the thread has ended
    _abandoned.append(run)


def _reap() -> None:
    _abandoned[:] = [run for run in _abandoned if not run.has_ended()]


def abandoned_count() -> int:
    """Abandoned jobs still running."""
    _reap()
    return len(_abandoned)


@atexit.register
def _stop_running_jobs() -> None:
    """Cancel every job still running as the interpreter exits and give them ``EXIT_WAIT_MS`` in
    all: Qt aborts the process when a QThread is destroyed while it runs (a test session or a
    script that never closed its window would end in "Aborted")."""
    runs = [run for run in (*_started, *_abandoned) if not run.has_ended()]
    for run in runs:
        run.token.cancel()
    _wait_for(runs, EXIT_WAIT_MS)


def wait_for_abandoned(msecs: int = EXIT_WAIT_MS) -> bool:
    """Before the process exits: give abandoned jobs ``msecs`` in all to end. True if all have."""
    _wait_for(list(_abandoned), msecs)
    return abandoned_count() == 0


def _wait_for(runs: list[_Run], msecs: int) -> None:
    """Wait for ``runs`` to end, ``msecs`` in all (not each)."""
    deadline = time.monotonic() + msecs / 1000
    for run in runs:
        run.wait(max(0, int((deadline - time.monotonic()) * 1000)))
