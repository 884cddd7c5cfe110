"""Writing the project file off the GUI thread, while File > Save keeps its plain answer.

A project with a few kept models is tens or hundreds of megabytes; serialising and writing them on
the window's thread froze it (0.76 s for six models, 82 MB, on a 2-core laptop; far longer on a
network drive). ``ProjectWriter.write`` runs ``PreparedSave.write`` on a background thread and waits
for it in a local event loop: the window keeps painting, its pages and menus are disabled so that
nothing is edited into a project being written, and Save still returns whether the file was written
(closing the window and File > New wait on that answer). A save that lasts shows a progress dialog
whose Stop leaves the old file as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QProgressDialog

from tlgui.core.errors import Cancelled
from tlgui.gui.tasks import TaskSlot

if TYPE_CHECKING:
    from tlgui.core.files.stamps import FileStamp
    from tlgui.core.project import PreparedSave

# A save shorter than this shows only its status line: a dialog flashing up for every Ctrl+S of a
# small project would be noise.
PROGRESS_DIALOG_AFTER_MS = 600


class ProjectWriter(QObject):
    """Writes one project file at a time for ``window``."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self._window = window
        self.slot = TaskSlot(self)
        self._dialog: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def write(self, prepared: PreparedSave) -> FileStamp:
        """Write ``prepared`` in the background and return its file's stamp once it is in place.
        Raises what ``PreparedSave.write`` raises (the file at its path is then left as it was),
        ``Cancelled`` when the user stopped it, and ``RuntimeError`` while another save is under way."""
        outcome: list[tuple[FileStamp | None, Exception | None]] = []

        def job(token, report) -> tuple[FileStamp | None, Exception | None]:
            try:
                return prepared.write(cancel=token, progress=lambda done, steps: report("step", (done, steps))), None
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - handed back whole: the window words it with the file's name
                return None, exc

        loop = QEventLoop()
        if not self.slot.start(job, outcome.append):
            raise RuntimeError("A save is already under way.")
        self.slot.done.connect(loop.quit)
        self.slot.reported.connect(self._on_step)
        self._dialog = self._progress_dialog(prepared)
        shows = QTimer(self, singleShot=True, interval=PROGRESS_DIALOG_AFTER_MS)
        shows.timeout.connect(self._dialog.show)
        shows.start()
        restore = self._hold_still()
        try:
            if self.slot.busy:
                loop.exec()
        finally:
            shows.stop()
            shows.deleteLater()  # one per save: not kept for the window's life
            self.slot.done.disconnect(loop.quit)
            self.slot.reported.disconnect(self._on_step)
            self._dialog.canceled.disconnect(self._stop)  # closing it says "canceled" too
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
            restore()
        if not outcome:
            raise Cancelled()
        written, problem = outcome[0]
        if problem is not None:
            raise problem
        assert written is not None
        return written

    def shutdown(self) -> None:
        """The window is going away: stop a save under way (the old file stays as it was)."""
        self.slot.shutdown()

    def _progress_dialog(self, prepared: PreparedSave) -> QProgressDialog:
        dialog = QProgressDialog(
            self.tr("Saving {name}…").format(name=prepared.path.name), self.tr("Stop"), 0, prepared.steps,
            self._window)
        dialog.setWindowTitle(self.tr("Saving the project"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        # Shown by the timer above only: its own guess, made from the first steps, would show it at once.
        dialog.setMinimumDuration(2**31 - 1)
        dialog.setValue(0)
        dialog.canceled.connect(self._stop)
        return dialog

    def _on_step(self, kind: str, payload: object) -> None:
        if kind == "step" and self._dialog is not None:
            done, steps = payload
            self._dialog.setMaximum(steps)
            self._dialog.setValue(done)

    def _stop(self) -> None:
        self.slot.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Stopping: the file stays as it was…"))

    def _hold_still(self):
        """Disable the window's pages and menus while the file is written (they come back as they
        were); returns what puts them back."""
        parts = [self._window.centralWidget(), self._window.menuBar()]
        were_enabled = [part.isEnabled() for part in parts]
        for part in parts:
            part.setEnabled(False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)

        def restore() -> None:
            QGuiApplication.restoreOverrideCursor()
            for part, enabled in zip(parts, were_enabled, strict=True):
                part.setEnabled(enabled)

        return restore
