"""Reading dropped folders and files into the bins, in the background, with progress and Cancel.

``IntakeBar`` is the strip shown while a scan runs (progress bar, message, Cancel). ``Intake`` runs
the engine's ``plan_folder`` / ``plan_files`` in a ``BackgroundTask`` and routes the engine's layout
question to a dialog on the GUI thread. The worker only reads and plans: it never touches the
``DataSet``. The plans come back with ``finished`` and are committed here, on the GUI thread, all
or nothing: a cancelled or failed intake leaves the bins as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from tlgui.core.data.bins import DataSet
from tlgui.core.data.intake import IntakePlan, plan_files, plan_folder
from tlgui.core.progress import ProgressEvent
from tlgui.gui.ask import ASK_KIND, Question, answer_with, make_asker
from tlgui.gui.tasks import BackgroundTask


@dataclass
class IntakeRequest:
    """What to read: whole folders (layout decided by the engine) and files for named classes."""

    folders: list[Path] = field(default_factory=list)
    files: dict[str, list[Path]] = field(default_factory=dict)  # class name -> files (or folders)

    def __bool__(self) -> bool:
        return bool(self.folders or self.files)


class IntakeBar(QWidget):
    """Progress of a running scan: "Reading photos 1,204 / 5,000 (310/s)" [=====   ] [Cancel]."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = QLabel("Looking for photos…")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)

    def start(self) -> None:
        self.message.setText("Looking for photos…")
        self.bar.setRange(0, 0)  # busy until the number of files is known
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, event: ProgressEvent) -> None:
        if event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(event.done)
            text = f"{event.message or 'Reading photos'} {event.done:,} / {event.total:,}"
        else:
            self.bar.setRange(0, 0)
            text = event.message or "Looking for photos"
        if event.rate:
            text += f" ({event.rate:,.0f}/s)"
        self.message.setText(text + "…")


class Intake(QObject):
    """Runs one intake at a time. Signals: ``finished(list[AddReport])`` once the plans are committed
    to the bins, ``cancelled()``, ``failed(str)``, and ``done()`` after any of them."""

    finished = Signal(object)  # list[AddReport]
    cancelled = Signal()
    failed = Signal(str)
    done = Signal()

    def __init__(self, bar: IntakeBar, ask_layout: Callable[[str, list[str]], int | None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self._bar = bar
        self._ask_layout = ask_layout
        self._task: BackgroundTask | None = None
        bar.cancelRequested.connect(self.cancel)
        bar.hide()

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, dataset: DataSet, request: IntakeRequest) -> bool:
        """Begin reading; False (and nothing starts) when another intake is still running."""
        if self._task is not None or not request:
            return False

        def job(token, report) -> list[IntakePlan]:
            ask = make_asker(token, report)

            def progress(event: ProgressEvent) -> None:
                report("progress", event)

            plans = [plan_folder(folder, progress=progress, cancel=token, ask=ask) for folder in request.folders]
            plans += [plan_files(label, files, progress=progress, cancel=token)
                      for label, files in request.files.items()]
            return plans

        def commit(plans: list[IntakePlan]) -> None:
            # On the GUI thread, where every other edit of the bins happens.
            self.finished.emit([dataset.commit(plan) for plan in plans])

        task = BackgroundTask(job, self)
        task.progress.connect(self._bar.show_progress)
        task.reported.connect(self._on_reported)
        task.finished.connect(commit)
        task.cancelled.connect(self.cancelled)
        task.failed.connect(lambda message, _details: self.failed.emit(message))
        task.done.connect(self._on_done)
        self._task = task
        self._bar.start()
        task.start()
        return True

    def cancel(self) -> None:
        if self._task is not None:
            self._bar.cancel_button.setEnabled(False)
            self._bar.message.setText("Stopping…")
            self._task.cancel()

    def shutdown(self, msecs: int = 5000) -> None:
        """Cancel and wait (at exit)."""
        if self._task is not None:
            self._task.cancel()
            self._task.wait(msecs)

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == ASK_KIND and isinstance(payload, Question):
            answer_with(payload, self._ask_layout)

    def _on_done(self) -> None:
        task, self._task = self._task, None
        self._bar.hide()
        if task is not None:
            task.deleteLater()
        self.done.emit()
