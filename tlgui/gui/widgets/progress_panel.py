"""A progress bar that names what is happening, with a Cancel (or Stop) button beside it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from tlgui.core.progress import ProgressEvent
from tlgui.gui.widgets.progress_text import describe_event

# The bar's width: enough to read progress at a glance; the words get the rest of the line.
BAR_WIDTH = 220
# Narrower than this, the words go on a line of their own above the bar.
ONE_LINE_WIDTH = 600


class _ElidedLabel(QLabel):
    """One line of text that shortens itself with "…" when there is no room (full text in the tooltip).

    A label beside the bar, not the bar's own text: inside a bar the words are cut at the bar's edge.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(80)
        self._full = ""

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        self.setText(shown)
        self.setToolTip("" if shown == self._full else self._full)


class ProgressPanel(QWidget):
    """Hidden until ``start``: the phase, count and time left in words, the bar, and a Cancel button.

    One line where there is room; in a narrow column the words take a line of their own above the bar.

    Emits ``cancelRequested`` when the button is pressed; the owner cancels its task.
    """

    cancelRequested = Signal()

    def __init__(self, cancel_text: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = _ElidedLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(BAR_WIDTH)
        self.cancel_button = QPushButton(self.tr("Cancel") if cancel_text is None else cancel_text)
        self.cancel_button.clicked.connect(self._on_cancel)
        controls = QHBoxLayout()
        controls.addWidget(self.bar)
        controls.addWidget(self.cancel_button)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        # The words never wrap, so the page does not jump as they change.
        self._layout.addWidget(self.label, 1)
        self._layout.addLayout(controls)
        self._stopping = False
        self._text = ""
        self.setVisible(False)

    def start(self, text: str) -> None:
        """Show the panel in its busy (indeterminate) state."""
        self._stopping = False
        self.bar.setRange(0, 0)
        self._set_text(text)
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
        self._set_text(text)
        if self.isHidden():
            self.setVisible(True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        direction = QBoxLayout.Direction.LeftToRight if self.width() >= ONE_LINE_WIDTH \
            else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)

    def text(self) -> str:
        """What the panel says now, in full."""
        return self._text + (self.tr(" — stopping…") if self._stopping else "")

    def finish(self) -> None:
        self.setVisible(False)

    def _set_text(self, text: str) -> None:
        self._text = text
        # Events keep coming until the worker reaches its next check; keep saying a stop is pending.
        self.label.set_full_text(self.text())

    def _on_cancel(self) -> None:
        # One press is enough; a disabled button tells the user the stop is on its way.
        self.cancel_button.setEnabled(False)
        self._stopping = True
        self.label.set_full_text(self.text())
        self.cancelRequested.emit()
