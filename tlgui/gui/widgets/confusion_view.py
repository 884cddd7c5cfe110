"""The confusion matrix as a colour-shaded table: rows are true classes, columns predicted ones.

Each cell is shaded by its share of the row (what fraction of that class went where): blue on the
diagonal (right), red off it (wrong), so the eye finds the mistakes first. A click on a cell
emits ``cellChosen(true_label, predicted_label)``.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QGridLayout, QHeaderView, QLabel, QTableView, QWidget

from tlgui.gui.widgets.plain_text import literal_html

RIGHT_COLOUR = (33, 102, 172)
WRONG_COLOUR = (202, 0, 32)
# Above this share of the row the cell is dark enough to need white text.
DARK_SHARE = 0.55
# The widest the true class names beside the rows may be, in pixels; longer ones are shortened.
ROW_NAMES_MAX_WIDTH = 220

Index = QModelIndex | QPersistentModelIndex


def shade(base: tuple[int, int, int], share: float) -> QColor:
    """White blended towards ``base`` by ``share`` (0..1)."""
    share = max(0.0, min(1.0, share))
    return QColor(*(round(255 + (c - 255) * share) for c in base))


class ConfusionModel(QAbstractTableModel):
    """A square table of counts; the headers are the class names."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._names: list[str] = []
        self._counts: list[list[int]] = []

    def set_matrix(self, class_names: list[str], confusion: list[list[int]]) -> None:
        self.beginResetModel()
        self._names = list(class_names)
        self._counts = [list(map(int, row)) for row in confusion]
        self.endResetModel()

    def class_names(self) -> list[str]:
        return list(self._names)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._counts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._names)

    def share(self, row: int, column: int) -> float:
        total = sum(self._counts[row])
        return self._counts[row][column] / total if total else 0.0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        count = self._counts[row][column]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(count)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        share = self.share(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return shade(RIGHT_COLOUR if row == column else WRONG_COLOUR, share if count else 0.0)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("white") if share > DARK_SHARE else QColor("#222")
        if role == Qt.ItemDataRole.ToolTipRole:
            true, predicted = self._names[row], self._names[column]
            if row == column:
                text = self.tr("%n {true} photo(s) correct ({share} of {true}). Click to see them.", "", count)
            else:
                text = self.tr("%n {true} photo(s) predicted as {predicted} ({share} of {true}). Click to see them.",
                               "", count)
            return literal_html(text.format(true=true, predicted=predicted, share=f"{share:.0%}"))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._names):
            return self._names[section]
        if role == Qt.ItemDataRole.ToolTipRole and 0 <= section < len(self._names):
            side = self.tr("predicted class: {name}") if orientation == Qt.Orientation.Horizontal \
                else self.tr("true class: {name}")
            return literal_html(side.format(name=self._names[section]))
        return None


class ConfusionView(QWidget):
    """The table with its two axis captions; emits ``cellChosen(true, predicted)`` on a click."""

    cellChosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ConfusionModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setCornerButtonEnabled(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(56)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setMinimumSectionSize(32)
        # A long class name keeps both ends ("cardboard…outside" beside "cardboard…inside"); in full
        # in the header's tooltip. The row names may take at most a third of the width.
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setMaximumWidth(ROW_NAMES_MAX_WIDTH)
        self.table.clicked.connect(self._on_clicked)
        predicted = QLabel(self.tr("predicted class →"))
        predicted.setAlignment(Qt.AlignmentFlag.AlignCenter)
        true = QLabel(self.tr("true class ↓"))
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(true, 0, 0)
        layout.addWidget(predicted, 0, 1)
        layout.addWidget(self.table, 1, 0, 1, 2)
        layout.setColumnStretch(1, 1)

    def set_matrix(self, class_names: list[str], confusion: list[list[int]]) -> None:
        self.model.set_matrix(class_names, confusion)

    def choose(self, true_label: str, predicted_label: str) -> None:
        """Select a cell as if clicked (keyboard users and tests)."""
        names = self.model.class_names()
        index = self.model.index(names.index(true_label), names.index(predicted_label))
        self.table.setCurrentIndex(index)
        self._on_clicked(index)

    def _on_clicked(self, index: QModelIndex) -> None:
        names = self.model.class_names()
        if index.isValid():
            self.cellChosen.emit(names[index.row()], names[index.column()])
