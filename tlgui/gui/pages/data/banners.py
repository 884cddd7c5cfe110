"""Notices above the class bins: skipped files (collapsible table) and photos in two classes.

Both are plain views of the DataSet's ``skipped`` list and ``duplicates()``; the Data page refreshes
them when the dataset changes.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import Duplicate, SkippedFile
from tlgui.gui.widgets.plain_text import literal_html

_Index = QModelIndex | QPersistentModelIndex

#: Rows of skipped files shown before the table scrolls.
MAX_TABLE_ROWS = 6


class SkippedModel(QAbstractTableModel):
    """Two columns: the file, and why it was not added."""

    HEADERS = ("File", "Reason")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[SkippedFile] = []

    def set_skipped(self, skipped: list[SkippedFile]) -> None:
        self.beginResetModel()
        self._rows = list(skipped)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 2

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(row.path) if index.column() == 0 else row.reason
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(str(row.path) if index.column() == 0 else row.reason)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class SkippedPanel(QFrame):
    """ "N files skipped ▸" — click to show the table of files and reasons."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("skippedPanel")
        self.toggle = QToolButton()
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._set_expanded)
        self.model = SkippedModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.table)

    def set_skipped(self, skipped: list[SkippedFile]) -> None:
        self.model.set_skipped(skipped)
        self._fit_table()
        count = len(skipped)
        self.toggle.setText(f"{count} file{'s' if count != 1 else ''} skipped (not readable as photos)")
        self.setVisible(count > 0)

    def _fit_table(self) -> None:
        """As tall as its rows, up to MAX_TABLE_ROWS; longer lists scroll."""
        rows = min(self.model.rowCount(), MAX_TABLE_ROWS)
        row_height = self.table.verticalHeader().defaultSectionSize()
        height = rows * row_height + self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(height)

    @property
    def expanded(self) -> bool:
        return self.table.isVisible()

    def _set_expanded(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.table.setVisible(on)


class DuplicatesBanner(QFrame):
    """ "3 photos appear in two classes  [Show them]" — the same content labelled twice."""

    showRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicatesBanner")
        self.setStyleSheet("#duplicatesBanner { background: rgba(230, 126, 34, 40); "
                           "border: 1px solid rgba(230, 126, 34, 160); border-radius: 4px; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton("Show them")
        self.button.clicked.connect(self.showRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.duplicates: list[Duplicate] = []

    def set_duplicates(self, duplicates: list[Duplicate]) -> None:
        self.duplicates = list(duplicates)
        count = len(duplicates)
        most = max((len({item.label for item in d.items}) for d in duplicates), default=2)
        where = "two classes" if most <= 2 else "several classes"
        self.text.setText(
            f"⚠ {count} photo{'s' if count != 1 else ''} appear{'s' if count == 1 else ''} in {where}. "
            "A photo should carry one label; remove it from the wrong class."
        )
        self.setVisible(count > 0)
