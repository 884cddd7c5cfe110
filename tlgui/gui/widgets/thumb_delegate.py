"""Painting one thumbnail cell of a class bin.

A fixed cell size (so the view can use ``uniformItemSizes`` and lay out 10,000 rows instantly), the
thumbnail centred, a selection frame, and small marks: an orange corner for a photo that is also in
another class, a "val" tag for photos from a given validation folder, a warning glyph when the
preview could not be decoded.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPolygon
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate, QStyleOptionViewItem

from tlgui.gui.pages.data.bins_model import DuplicateRole, FailedRole, SplitRole

# Room around each thumbnail inside its cell.
CELL_MARGIN = 4

DUPLICATE_COLOUR = QColor(230, 126, 34)


def _is_selected(option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> bool:
    """Whether the cell being painted is selected in its view.

    Asked of the view's selection, not of ``option.state``: reading that makes PySide build the
    QStyle class and its 566 enum members (about a tenth of a bare window's start), and the bins
    paint before the window's first paint.
    """
    view = option.widget
    if isinstance(view, QAbstractItemView) and view.selectionModel() is not None:
        return view.selectionModel().isSelected(index)
    from PySide6.QtWidgets import QStyle  # painted outside a view: the style option is all there is

    return bool(option.state & QStyle.StateFlag.State_Selected)


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws thumbnails of a fixed ``thumb_size`` in cells of ``thumb_size + 2 * CELL_MARGIN``."""

    def __init__(self, thumb_size: int, parent=None):
        super().__init__(parent)
        self.thumb_size = thumb_size

    def cell_size(self) -> QSize:
        edge = self.thumb_size + 2 * CELL_MARGIN
        return QSize(edge, edge)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.cell_size()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = QRect(option.rect)
        palette = option.palette
        selected = _is_selected(option, index)
        if selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(70)
            painter.setPen(highlight)
            painter.setBrush(fill)
            painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 6, 6)

        # Ask the Python model directly: it skips a round trip through QVariant per painted cell.
        model = index.model()
        image = model.data(index, Qt.ItemDataRole.DecorationRole)
        box = QRect(0, 0, self.thumb_size, self.thumb_size)
        box.moveCenter(cell.center())
        target = box
        if isinstance(image, QImage) and not image.isNull():
            # Thumbnails keep their aspect ratio: centre the picture in the square box so the
            # marks below sit on the photo's own corners.
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)

        if model.data(index, FailedRole):
            self._draw_broken(painter, box)
        if model.data(index, DuplicateRole):
            self._draw_duplicate_corner(painter, target)
        if model.data(index, SplitRole) == "val":
            self._draw_tag(painter, target, "val")
        painter.restore()

    @staticmethod
    def _draw_broken(painter: QPainter, target: QRect) -> None:
        painter.setPen(QColor(192, 57, 43))
        font = QFont(painter.font())
        font.setPointSize(max(8, font.pointSize()))
        painter.setFont(font)
        painter.drawText(target, Qt.AlignmentFlag.AlignCenter,
                         "⚠\n" + QCoreApplication.translate("ThumbDelegate", "no preview"))

    @staticmethod
    def _draw_duplicate_corner(painter: QPainter, target: QRect) -> None:
        size = 18
        right, top = target.right(), target.top()
        triangle = QPolygon([target.topRight(), target.topRight() - QPoint(size, 0), target.topRight() + QPoint(0, size)])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(DUPLICATE_COLOUR)
        painter.drawPolygon(triangle)
        painter.setPen(QColor("white"))
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(10)
        painter.setFont(font)
        painter.drawText(QRect(right - 10, top, 10, 11), Qt.AlignmentFlag.AlignCenter, "2")

    @staticmethod
    def _draw_tag(painter: QPainter, target: QRect, text: str) -> None:
        font = QFont(painter.font())
        font.setPixelSize(10)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 8
        box = QRect(target.left() + 2, target.bottom() - 15, width, 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
