"""The look of a place to drop files: a dashed, rounded frame that lights up while files hover.

The Data page uses it twice: as the whole empty state of a new project, and as a strip under the
bins that stays in view however far the bins are scrolled. The page handles the drops; the zone
only shows where they go.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QWidget


class DropZone(QFrame):
    """A frame drawn as a drop target; ``set_active(True)`` while a drag it would take is over the page."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.active = False

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.active:
            colour = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(colour)
            fill.setAlpha(36)
        else:
            colour = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            fill = QColor(palette.color(QPalette.ColorRole.Base))
            fill.setAlpha(120)
        pen = QPen(colour, 2, Qt.PenStyle.DashLine)
        pen.setDashPattern([4, 3])
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 10, 10)
