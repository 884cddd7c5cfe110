"""A progress bar that names what is happening, with a Cancel (or Stop) button beside it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from tlgui.core.progress import ProgressEvent
from tlgui.gui.widgets.progress_text import describe_event


class ProgressPanel(QWidget):
    """Hidden until ``start``; the bar's own text carries the phase, the count and the time left.

    Emits ``cancelRequested`` when the button is pressed; the owner cancels its task.
    """

    cancelRequested = Signal()

    def __init__(self, cancel_text: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        # Text inside the bar keeps the panel one line high, so the page does not jump when it shows.
        self.bar.setMinimumWidth(260)
        self.cancel_button = QPushButton(self.tr("Cancel") if cancel_text is None else cancel_text)
        self.cancel_button.clicked.connect(self._on_cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self._stopping = False
        self.setVisible(False)

    def start(self, text: str) -> None:
        """Show the panel in its busy (indeterminate) state."""
        self._stopping = False
        self.bar.setRange(0, 0)
        self.bar.setFormat(text)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def follow(self, event: ProgressEvent, label: str | None = None) -> None:
        """Follow one engine progress event."""
        self.show_fraction(event.fraction, describe_event(event, label))

    def show_fraction(self, fraction: float | None, text: str) -> None:
        """Show ``text`` with a bar at ``fraction`` (None: busy, amount unknown)."""
        # About ten calls a second while a job runs: touch only what changed.
        bar = self.bar
        maximum = 0 if fraction is None else 1000
        if bar.maximum() != maximum or bar.minimum() != 0:
            bar.setRange(0, maximum)
        if fraction is not None:
            value = int(round(fraction * 1000))
            if bar.value() != value:
                bar.setValue(value)
        # Events keep coming until the worker reaches its next check; keep saying a stop is pending.
        text += self.tr(" — stopping…") if self._stopping else ""
        if bar.format() != text:
            bar.setFormat(text)
        if self.isHidden():
            self.setVisible(True)

    def text(self) -> str:
        return self.bar.format()

    def finish(self) -> None:
        self.setVisible(False)

    def _on_cancel(self) -> None:
        # One press is enough; a disabled button tells the user the stop is on its way.
        self.cancel_button.setEnabled(False)
        self._stopping = True
        self.bar.setFormat(self.bar.format() + self.tr(" — stopping…"))
        self.cancelRequested.emit()
