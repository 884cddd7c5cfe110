"""A run's validation photos as thumbnails, each found again in the project's bins by its path.

A run records the photos it was checked on by path. The bins may have changed since: a photo that
is no longer in them is still listed, greyed and captioned "not in the bins", never silently left
out; one that moved to another bin says so in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QImage

from tlgui.core.training.metrics import ValPrediction
from tlgui.gui.pages.classify.prediction_thumbs import PredictionThumbModel, tooltip
from tlgui.gui.widgets.plain_text import file_name, literal_html
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
MISSING_CAPTION = QT_TRANSLATE_NOOP("RunPhotoModel", "not in the bins")


def missing_placeholder(edge: int) -> QImage:
    """A darker square than the loading one: there is no picture to wait for."""
    image = QImage(edge, edge, QImage.Format.Format_RGB32)
    image.fill(QColor("#b8b8b8"))
    return image


class RunPhotoModel(PredictionThumbModel):
    """Rows of a run's predictions; ``bins`` maps each photo path in the project to its bin."""

    def __init__(self, loader: ThumbnailLoader, parent=None):
        super().__init__(loader, parent)
        self._bins: dict[str, str] = {}
        self._missing_image = missing_placeholder(loader.size)

    def set_run_photos(self, predictions: list[ValPrediction], bins: dict[str, str]) -> None:
        """Show ``predictions``; those whose path is not a key of ``bins`` are marked missing."""
        self._bins = bins
        self.set_predictions(predictions)

    def is_missing(self, row: int) -> bool:
        return str(self.prediction(row).path) not in self._bins

    def missing_count(self) -> int:
        return sum(self.is_missing(row) for row in range(self.rowCount()))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        prediction = self.prediction(index.row())
        now_in = self._bins.get(str(prediction.path))
        if now_in is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{file_name(prediction.path)}\n{self.tr(MISSING_CAPTION)}"
            if role == Qt.ItemDataRole.DecorationRole:
                return self._missing_image  # nothing to decode: the photo left the project
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#777777")
            if role == Qt.ItemDataRole.ToolTipRole:
                return literal_html(tooltip(prediction) + "\n" + self.tr("No longer in the project's bins."))
        elif role == Qt.ItemDataRole.ToolTipRole and now_in != prediction.true_label:
            return literal_html(tooltip(prediction) + "\n" + self.tr("Now in the bin {name}.").format(name=now_in))
        return super().data(index, role)
