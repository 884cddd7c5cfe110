"""Running engine calls off the GUI thread.

Qt's recommended shape: a worker QObject moved to a QThread, talking to the window only through
signals. The only state shared between threads is the CancelToken. The GUI thread never waits.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.progress import CancelToken, ProgressEvent

# A job receives the token and a `report(kind, payload)` function; whatever it returns is the result.
Job = Callable[[CancelToken, Callable[[str, Any], None]], Any]


class _JobObject(QObject):
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
        try:
            result = self._job(self._token, self.reported.emit)
        except Cancelled:
            self.cancelled.emit()
        except TlguiError as exc:
            self.failed.emit(str(exc), "")
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window, not the console
            self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            self.finished.emit(result)


class BackgroundTask(QObject):
    """One engine call on its own QThread.

    Signals (delivered on the GUI thread): ``progress(ProgressEvent)``, ``reported(kind, payload)``
    for anything else the job reports, ``finished(result)``, ``failed(message, details)``,
    ``cancelled()``, and ``done()`` after any of the last three.
    """

    progress = Signal(object)
    reported = Signal(str, object)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, job: Job, parent: QObject | None = None):
        super().__init__(parent)
        self.token = CancelToken()
        self._thread = QThread()
        self._object = _JobObject(job, self.token)
        self._object.moveToThread(self._thread)
        self._thread.started.connect(self._object.run)
        self._object.reported.connect(self._on_reported)
        self._object.finished.connect(self.finished)
        self._object.failed.connect(self.failed)
        self._object.cancelled.connect(self.cancelled)
        # Direct: quit() is thread-safe, and queued it would need the GUI thread's event loop, so
        # wait() at shutdown (GUI thread blocked) could never return before its timeout.
        for signal in (self._object.finished, self._object.failed, self._object.cancelled):
            signal.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self._running = False

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def running(self) -> bool:
        return self._running

    def wait(self, msecs: int = 30000) -> bool:
        """Only for shutdown and tests: block until the thread ends."""
        return self._thread.wait(msecs)

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == "progress" and isinstance(payload, ProgressEvent):
            self.progress.emit(payload)
        else:
            self.reported.emit(kind, payload)

    def _on_thread_finished(self) -> None:
        self._running = False
        self.done.emit()
