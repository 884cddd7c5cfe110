"""Reading dropped folders and files into the bins, in the background, with progress and Cancel.

``IntakeBar`` is the strip shown while a scan runs (progress bar, message, Cancel). ``Intake`` runs
the engine's ``plan_folder`` / ``plan_files`` in a ``TaskSlot`` and routes the engine's layout
question to a dialog on the GUI thread. The worker only reads and plans: it never touches the
``DataSet``. The plans come back with ``finished``; the page commits them on the GUI thread as one
undoable edit, all or nothing: a cancelled or failed intake leaves the bins as they were.

Loose files dropped on no class are read first and their class asked afterwards, so the question
only comes when there are photos to sort (and names how many).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from tlgui.core.data.intake import IntakePlan, plan_files, plan_folder
from tlgui.core.progress import ProgressEvent
from tlgui.gui.ask import ASK_KIND, Question, answer_with, make_asker
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import plain_label

# The class loose files are read into until the user names theirs.
LOOSE_LABEL = "unsorted"


@dataclass
class IntakeRequest:
    """What to read: whole folders (layout decided by the engine), files for named classes, and
    loose files whose class the user chooses once they are read."""

    folders: list[Path] = field(default_factory=list)
    files: dict[str, list[Path]] = field(default_factory=dict)  # class name -> files (or folders)
    loose: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.folders or self.files or self.loose)


@dataclass
class IntakeResult:
    """The plans read, in request order, and the loose files' plan (its photos in ``LOOSE_LABEL``)."""

    plans: list[IntakePlan]
    loose: IntakePlan | None
    request: IntakeRequest


class IntakeBar(QWidget):
    """Progress of a running scan: "Reading photos 1,204 / 5,000 (310/s)" [=====   ] [Cancel]."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = plain_label(self.tr("Looking for photos…"))  # progress may name a folder
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)

    def start(self) -> None:
        self.message.setText(self.tr("Looking for photos…"))
        self.bar.setRange(0, 0)  # busy until the number of files is known
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, event: ProgressEvent) -> None:
        if event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(event.done)
            text = f"{event.message or self.tr('Reading photos')} {event.done:,} / {event.total:,}"
        else:
            self.bar.setRange(0, 0)
            text = event.message or self.tr("Looking for photos")
        if event.rate:
            text += self.tr(" ({rate}/s)").format(rate=f"{event.rate:,.0f}")
        self.message.setText(text + "…")


class Intake(QObject):
    """Runs one intake at a time. Signals: ``finished(IntakeResult)`` with the plans to commit,
    ``cancelled()``, ``failed(str)``, and ``done()`` after any of them."""

    finished = Signal(object)  # IntakeResult
    cancelled = Signal()
    failed = Signal(str)
    done = Signal()

    def __init__(self, bar: IntakeBar, ask_layout: Callable[[str, list[str]], int | None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self._bar = bar
        self._ask_layout = ask_layout
        self.slot = TaskSlot(self)
        self.slot.progress.connect(bar.show_progress)
        self.slot.reported.connect(self._on_reported)
        self.slot.cancelled.connect(self.cancelled)
        self.slot.failed.connect(lambda message, _details: self.failed.emit(message))
        self.slot.done.connect(self._on_done)
        bar.cancelRequested.connect(self.cancel)
        bar.hide()

    @property
    def running(self) -> bool:
        return self.slot.busy

    def start(self, request: IntakeRequest) -> bool:
        """Begin reading; False (and nothing starts) when another intake is still running."""
        if self.slot.busy or not request:
            return False

        def job(token, report) -> IntakeResult:
            ask = make_asker(token, report)

            def progress(event: ProgressEvent) -> None:
                report("progress", event)

            plans = [plan_folder(folder, progress=progress, cancel=token, ask=ask) for folder in request.folders]
            plans += [plan_files(label, files, progress=progress, cancel=token)
                      for label, files in request.files.items()]
            loose = plan_files(LOOSE_LABEL, request.loose, progress=progress, cancel=token) if request.loose else None
            return IntakeResult(plans, loose, request)

        self._bar.start()
        return self.slot.start(job, self.finished.emit)

    def cancel(self) -> None:
        if self.slot.busy:
            self._bar.cancel_button.setEnabled(False)
            self._bar.message.setText(self.tr("Stopping…"))
            self.slot.cancel()

    def shutdown(self) -> None:
        """Cancel and wait, for a bounded time (at exit)."""
        self.slot.shutdown()

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == ASK_KIND and isinstance(payload, Question):
            answer_with(payload, self._ask_layout)

    def _on_done(self) -> None:
        self._bar.hide()
        self.done.emit()
