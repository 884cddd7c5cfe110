"""Notices above the class bins: skipped files (collapsible table), photos in two classes, the
demo's welcome, and one-off notices (a folder without photos).

The first two are plain views of the DataSet's ``skipped`` list and ``duplicates()``; the Data page
refreshes them when the dataset changes.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
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
from tlgui.gui.widgets.plain_text import literal_html, plain_label

_Index = QModelIndex | QPersistentModelIndex

# Rows of skipped files shown before the table scrolls.
MAX_TABLE_ROWS = 6


class SkippedModel(QAbstractTableModel):
    """Two columns: the file, and why it was not added."""

    HEADERS = (QT_TRANSLATE_NOOP("SkippedModel", "File"), QT_TRANSLATE_NOOP("SkippedModel", "Reason"))

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
            return self.tr(self.HEADERS[section])
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
        self.toggle.setText(self.tr("%n file(s) skipped (not readable as photos)", "", count))
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
        self.button = QPushButton(self.tr("Show them"))
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
        if most <= 2:
            text = self.tr("⚠ %n photo(s) appear(s) in two classes. A photo should carry one label; "
                           "remove it from the wrong class.", "", count)
        else:
            text = self.tr("⚠ %n photo(s) appear(s) in several classes. A photo should carry one label; "
                           "remove it from the wrong class.", "", count)
        self.text.setText(text)
        self.setVisible(count > 0)


class _Banner(QFrame):
    """A tinted strip with a text and buttons on the right."""

    def __init__(self, name: str, tint: str, text: QLabel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(f"#{name} {{ background: rgba({tint}, 36); border: 1px solid rgba({tint}, 150); "
                           "border-radius: 4px; }")
        self.text = text
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.buttons = QHBoxLayout()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addLayout(self.buttons)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Hide this message"))
        close.clicked.connect(self.hide)
        self.close_button = close
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)


class DemoBanner(_Banner):
    """What the first start shows over the demo bins: what they are and what comes next."""

    trainRequested = Signal()
    newProjectRequested = Signal()

    TEXT = QT_TRANSLATE_NOOP(
        "DemoBanner", "<b>These ants and bees are a demo</b> that comes with tlgui, so you can try it at once. "
        "Next step: <b>3 · Train</b> teaches a classifier to tell them apart; the page says beforehand how long "
        "that takes on this computer. "
        "For your own photos, start a new project and drop a folder per class here.")

    def __init__(self, parent: QWidget | None = None):
        super().__init__("demoBanner", "52, 152, 219", QLabel(QCoreApplication.translate("DemoBanner", self.TEXT)), parent)
        self.train_button = QPushButton(self.tr("Train on the demo"))
        self.train_button.clicked.connect(self.trainRequested)
        self.new_button = QPushButton(self.tr("New project"))
        self.new_button.clicked.connect(self.newProjectRequested)
        self.buttons.addWidget(self.train_button)
        self.buttons.addWidget(self.new_button)
        self.dismissed = False  # closed with ✕: not shown again over the same project
        self.close_button.clicked.connect(self._dismiss)
        self.setVisible(False)

    def show_for(self, demo: bool) -> None:
        """Shown while the bins are the demo (``tlgui.core.data.demo.is_demo``), unless closed."""
        self.setVisible(demo and not self.dismissed)

    def _dismiss(self) -> None:
        self.dismissed = True


class NoticeBanner(_Banner):
    """A message that stays until it is closed or the next one replaces it (the status bar forgets)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("noticeBanner", "230, 126, 34", plain_label(""), parent)  # names come from files
        self.setVisible(False)

    def show_notice(self, text: str) -> None:
        self.text.setText(text)
        self.setVisible(True)


class MissingPhotosBanner(_Banner):
    """Over a project opened with photos that are not at their paths any more: how many, and a way
    to point at the folder they are in now (``locateRequested``)."""

    locateRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("missingPhotosBanner", "230, 126, 34", plain_label(""), parent)
        self.locate_button = QPushButton(self.tr("Find them…"))
        self.locate_button.setToolTip(self.tr("Choose the folder the photos are in now"))
        self.locate_button.clicked.connect(self.locateRequested)
        self.buttons.addWidget(self.locate_button)
        self.setVisible(False)

    def show_missing(self, count: int) -> None:
        """Say that ``count`` photos are missing (hidden when none are)."""
        self.text.setText(self.tr(
            "%n photo(s) of this project are not where it says (moved or deleted): they show no preview, "
            "and training skips them. If they were moved, show where they are now.", "", count))
        self.setVisible(count > 0)
