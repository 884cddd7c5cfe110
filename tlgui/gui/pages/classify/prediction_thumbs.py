"""Validation photos as a thumbnail grid, each captioned with its file name, then its true and
predicted class and the probability ("ants → bees 72%").

Thumbnails come from the shared ``ThumbnailLoader`` (decoded in a thread pool, on demand when a
cell is painted); the model only maps paths to rows and repaints a row when its picture arrives.
The classes are what a caption is for: the grid's cells are made as wide as the widest class line,
and only the file name gives way (elided in the middle; the tooltip has everything).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from tlgui.core.training.metrics import ValPrediction
from tlgui.gui.widgets.plain_text import file_name, literal_html
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
THUMB_EDGE = 96
# Room around a thumbnail inside its cell, and between the cells' captions.
CELL_MARGIN = 6
# The narrowest caption: room for most of a file name under a thumbnail.
MIN_CAPTION = THUMB_EDGE + 32


def placeholder(edge: int = THUMB_EDGE) -> QImage:
    """A pale square shown until the thumbnail is decoded, so every cell has its final size at once."""
    image = QImage(edge, edge, QImage.Format.Format_RGB32)
    image.fill(QColor("#e6e6e6"))
    return image


def caption(prediction: ValPrediction) -> str:
    """Two short lines under a thumbnail: file name, then true → predicted class and probability."""
    return (f"{file_name(prediction.path)}\n"
            f"{prediction.true_label} → {prediction.predicted_label} {prediction.probability:.0%}")


def tooltip(prediction: ValPrediction) -> str:
    return QCoreApplication.translate("PredictionThumbModel", "{path}\ntrue class: {true}\npredicted: {predicted} ({probability})\n"
                                      "Double-click to see why (heatmap).").format(
        path=prediction.path, true=prediction.true_label, predicted=prediction.predicted_label,
        probability=f"{prediction.probability:.1%}")


class PredictionThumbModel(QAbstractListModel):
    """Rows of ``ValPrediction``; DecorationRole is the thumbnail once decoded."""

    def __init__(self, loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self._loader = loader
        self._rows: list[ValPrediction] = []
        self._row_of: dict[str, list[int]] = {}
        self._placeholder = placeholder(loader.size)
        loader.thumbnailReady.connect(self._on_thumbnail)

    def set_predictions(self, predictions: list[ValPrediction]) -> None:
        self.beginResetModel()
        self._rows = list(predictions)
        self._row_of = {}
        for row, prediction in enumerate(self._rows):
            self._row_of.setdefault(str(prediction.path), []).append(row)
        self.endResetModel()

    def prediction(self, row: int) -> ValPrediction:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        prediction = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(prediction)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._loader.request(prediction.path) or self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            failure = self._loader.failure(prediction.path)
            return literal_html(tooltip(prediction) + (
                "\n" + self.tr("(no preview: {reason})").format(reason=failure) if failure else ""))
        return None

    def _on_thumbnail(self, path: str) -> None:
        for row in self._row_of.get(path, []):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class CaptionDelegate(QStyledItemDelegate):
    """The thumbnail, then the caption's lines: the first (the file name) elided in the middle to
    fit, the others (the classes) whole; the view makes the cells wide enough for them."""

    def cell_size(self, metrics: QFontMetrics, widest_line: int) -> QSize:
        """A cell holding the thumbnail and two lines, the longer of them ``widest_line`` pixels."""
        width = max(MIN_CAPTION, widest_line) + 2 * CELL_MARGIN
        return QSize(width, THUMB_EDGE + 2 * CELL_MARGIN + 2 * metrics.height() + 4)

    @staticmethod
    def caption_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
        """The lines as painted in ``width`` pixels: the first elided in the middle, the rest whole
        unless a class name alone is wider than the whole grid."""
        first, *rest = (text or "").split("\n")
        lines = [metrics.elidedText(first, Qt.TextElideMode.ElideMiddle, width)]
        lines += [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in rest]
        return lines

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 - Qt override
        view = self.parent()
        return view.gridSize() if isinstance(view, QListView) else super().sizeHint(option, index)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        cell = QRect(option.rect)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(60)
            painter.setPen(highlight)
            painter.setBrush(fill)
            painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 4, 4)
        box = QRect(cell.left() + (cell.width() - THUMB_EDGE) // 2, cell.top() + CELL_MARGIN, THUMB_EDGE, THUMB_EDGE)
        image = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)
        colour = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(colour if isinstance(colour, QColor) else palette.color(QPalette.ColorRole.Text))
        painter.setFont(option.font)
        metrics = painter.fontMetrics()
        width = cell.width() - 2 * CELL_MARGIN
        line = QRect(cell.left() + CELL_MARGIN, box.bottom() + 4, width, metrics.height())
        for text in self.caption_lines(index.data(Qt.ItemDataRole.DisplayRole), metrics, width):
            painter.drawText(line, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, text)
            line.translate(0, metrics.height())
        painter.restore()


class PredictionThumbView(QListView):
    """A wrapping grid of captioned thumbnails. Double-click (or "Why?" on the context menu) asks for
    the photo's heatmap: ``whyRequested(ValPrediction)``; the menu also opens it in the system viewer."""

    whyRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.delegate = CaptionDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB_EDGE, THUMB_EDGE))
        self.setUniformItemSizes(True)  # fixed cells: thousands of rows lay out at once
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.doubleClicked.connect(self._why)
        self._widest = 0  # the widest caption line but the file name, in pixels
        self._fit_cells()

    def setModel(self, model) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        for signal in (model.modelReset, model.rowsInserted, model.layoutChanged):
            signal.connect(self._measure_captions)
        self._measure_captions()

    def _measure_captions(self, *_args) -> None:
        """Find the widest caption line but the file name (which is elided instead), then fit the cells."""
        metrics = self.fontMetrics()
        model = self.model()
        widest = 0
        for row in range(model.rowCount() if model is not None else 0):
            _file, *classes = (model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) or "").split("\n")
            widest = max([widest, *(metrics.horizontalAdvance(line) for line in classes)])
        self._widest = widest
        self._fit_cells()

    def _fit_cells(self) -> None:
        """Cells as wide as the widest class line, up to the width of the view: one column always fits."""
        room = self.viewport().width() - 2 * CELL_MARGIN - self.verticalScrollBar().sizeHint().width()
        size = self.delegate.cell_size(self.fontMetrics(), min(self._widest, max(MIN_CAPTION, room)))
        if size != self.gridSize():
            self.setGridSize(size)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_cells()

    def _why(self, index: QModelIndex) -> None:
        model = self.model()
        if isinstance(model, PredictionThumbModel) and index.isValid():
            self.whyRequested.emit(model.prediction(index.row()))

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt override
        index = self.indexAt(event.pos())
        model = self.model()
        if not index.isValid() or not isinstance(model, PredictionThumbModel):
            return
        self.setCurrentIndex(index)
        prediction = model.prediction(index.row())
        menu = QMenu(self)
        menu.addAction(self.tr("Why this class? (heatmap)"), lambda: self.whyRequested.emit(prediction))
        path = Path(prediction.path)
        menu.addAction(self.tr("Open in image viewer"), lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        menu.exec(event.globalPos())
