"""Predictions for many photos as a sortable, filterable table, and their CSV export.

Columns: File, Predicted class, Probability, then the runner-up classes with their probabilities,
then Error. Probabilities are shown as percentages but sort by their value (``SORT_ROLE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from tlgui.gui.widgets.plain_text import file_name, literal_html

if TYPE_CHECKING:
    from tlgui.core.predict.predictor import Prediction

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
class PredictionTableModel(QAbstractTableModel):
    """One row per photo; the number of runner-up columns follows the longest top-k list."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Prediction] = []
        self._k = 1

    def set_predictions(self, predictions: list[Prediction]) -> None:
        self.beginResetModel()
        self._rows = list(predictions)
        self._k = max([1, *(len(p.top) for p in self._rows)])
        self.endResetModel()

    def append_predictions(self, predictions: list[Prediction]) -> None:
        """Add a batch at the end, as it arrives; the runner-up columns widen with it if needed."""
        if not predictions:
            return
        k = max([self._k, *(len(p.top) for p in predictions)])
        if k != self._k:
            self.set_predictions(self._rows + list(predictions))  # the columns change: start over
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(predictions) - 1)
        self._rows.extend(predictions)
        self.endInsertRows()

    def predictions(self) -> list[Prediction]:
        return list(self._rows)

    def headers(self) -> list[str]:
        names = [self.tr("File"), self.tr("Predicted class"), self.tr("Probability")]
        for rank in range(2, self._k + 1):
            # Whole phrases per rank: ordinals are made differently in every language.
            if rank == 2:
                names += [self.tr("2nd class"), self.tr("2nd probability")]
            elif rank == 3:
                names += [self.tr("3rd class"), self.tr("3rd probability")]
            else:
                names += [self.tr("{rank}th class").format(rank=rank), self.tr("{rank}th probability").format(rank=rank)]
        return [*names, self.tr("Error")]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else 2 * self._k + 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        prediction = self._rows[index.row()]
        column = index.column()
        last = self.columnCount() - 1
        if column == 0:
            return self._file_cell(prediction, role)
        if column == last:
            return (prediction.error or "") if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE) else None
        rank, is_probability = divmod(column - 1, 2)
        if rank >= len(prediction.top):  # a photo that could not be read has no classes
            if role == SORT_ROLE:
                return -1.0 if is_probability else ""
            # Not "" for every role: Qt read it as a font ("QFont::fromString: Invalid description").
            return "" if role == Qt.ItemDataRole.DisplayRole else None
        label, probability = prediction.top[rank]
        if is_probability:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{probability:.1%}"
            if role == SORT_ROLE:
                return probability
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return None
        return label if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE) else None

    @staticmethod
    def _file_cell(prediction: Prediction, role: int):
        path = prediction.path
        if role == Qt.ItemDataRole.DisplayRole:
            return file_name(path) if path is not None else QCoreApplication.translate("PredictionTableModel", "(image)")
        if role == SORT_ROLE:
            return str(path or "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(str(path or ""))
        if role == Qt.ItemDataRole.ForegroundRole and prediction.error:
            return QColor("#b03a2e")
        return None


class PredictionProxy(QSortFilterProxyModel):
    """Sorts by real values (``SORT_ROLE``) and filters on any column's text, case-insensitively."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
