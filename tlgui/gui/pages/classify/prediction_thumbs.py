"""Validation photos as a thumbnail grid, each captioned with its predicted class and probability.

Thumbnails come from the shared ``ThumbnailLoader`` (decoded in a thread pool, on demand when a
cell is painted); the model only maps paths to rows and repaints a row when its picture arrives.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices, QImage
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from tlgui.core.training.metrics import ValPrediction
from tlgui.gui.widgets.plain_text import literal_html
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
THUMB_EDGE = 96


def placeholder(edge: int = THUMB_EDGE) -> QImage:
    """A pale square shown until the thumbnail is decoded, so every cell has its final size at once."""
    image = QImage(edge, edge, QImage.Format.Format_RGB32)
    image.fill(QColor("#e6e6e6"))
    return image


def caption(prediction: ValPrediction) -> str:
    """Two short lines under a thumbnail: file name, then predicted class and probability."""
    return f"{prediction.path.name}\n{prediction.predicted_label} {prediction.probability:.0%}"


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


class PredictionThumbView(QListView):
    """A wrapping grid of captioned thumbnails. Double-click (or "Why?" on the context menu) asks for
    the photo's heatmap: ``whyRequested(ValPrediction)``; the menu also opens it in the system viewer."""

    whyRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB_EDGE, THUMB_EDGE))
        # Room for the picture plus two caption lines; fixed so thousands of rows lay out at once.
        self.setGridSize(QSize(THUMB_EDGE + 44, THUMB_EDGE + 46))
        self.setUniformItemSizes(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.doubleClicked.connect(self._why)

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
