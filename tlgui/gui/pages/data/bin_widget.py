"""One class bin on the Data page: a header (name, count, warnings, menu) over a thumbnail grid.

The grid is a ``QListView`` in icon mode over a ``BinModel`` with uniform cell sizes, so a bin of
10,000 photos lays out instantly and paints (and decodes) only what is on screen. The panel sizes the
grid to its content up to ``MAX_VISIBLE_ROWS`` rows; longer bins scroll inside.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tlgui.core.plan.recommend import class_size_warning
from tlgui.core.plan.regime import Regime
from tlgui.gui.pages.data.bins_model import BinModel
from tlgui.gui.widgets.plain_text import make_plain
from tlgui.gui.widgets.thumb_delegate import ThumbnailDelegate

#: Rows of thumbnails shown before the grid scrolls by itself.
MAX_VISIBLE_ROWS = 3


class BinView(QListView):
    """Thumbnail grid: icon mode, static layout, drags move photos between bins, Delete removes."""

    deleteRequested = Signal()

    def __init__(self, delegate: ThumbnailDelegate, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        # Static: icon mode's default (Free) would drag icons around inside the bin instead.
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setItemDelegate(delegate)
        self.setGridSize(delegate.cell_size())
        self.setIconSize(QSize(delegate.thumb_size, delegate.thumb_size))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(False)
        self.setSpacing(0)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() in (Qt.Key.Key_Delete,
                                                                              Qt.Key.Key_Backspace):
            if self.selectionModel() and self.selectionModel().hasSelection():
                self.deleteRequested.emit()
                return
        super().keyPressEvent(event)

    def rows_for_width(self, width: int) -> int:
        """Rows the grid needs to show every photo at ``width`` pixels."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        per_row = max(1, (width - 2) // self.gridSize().width())
        return math.ceil(count / per_row) if count else 0


class _TitleLabel(QLabel):
    doubleClicked = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.doubleClicked.emit()
        event.accept()


class BinPanel(QFrame):
    """A class bin: header with name, count and warnings; thumbnail grid; rename in place.

    Signals carry the bin's label as it is now:
        renameRequested(old, new), deleteRequested(label), removePhotosRequested(label),
        addPhotosRequested(label), checkedChanged(label, bool).
    """

    renameRequested = Signal(str, str)
    deleteRequested = Signal(str)
    removePhotosRequested = Signal(str)
    addPhotosRequested = Signal(str)
    checkedChanged = Signal(str, bool)

    def __init__(self, model: BinModel, delegate: ThumbnailDelegate, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.regime = Regime.HEAD  # the project's training regime: how many photos count as enough
        self.setObjectName("binPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)

        self.check = QCheckBox()
        self.check.setToolTip("Select this class (to merge or delete several at once)")
        self.check.toggled.connect(lambda on: self.checkedChanged.emit(self.label, on))
        self.warning_icon = QLabel()
        self.warning_icon.setFixedSize(18, 18)
        self.title = make_plain(_TitleLabel())  # the class name, literally
        self.title.setToolTip("Double-click to rename")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.doubleClicked.connect(self.start_rename)
        self.title_edit = QLineEdit()
        self.title_edit.setFont(font)
        self.title_edit.editingFinished.connect(self._finish_rename)
        self.title_edit.installEventFilter(self)
        self.title_edit.setMinimumWidth(200)
        self.title_edit.hide()
        self.count_label = QLabel()
        self.count_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Class actions")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self._build_menu())
        self.menu_button.setAutoRaise(True)
        # The "⋯" says there is a menu; Qt's extra arrow only crowds it.
        self.menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")

        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 4, 0)
        header.setSpacing(6)
        header.addWidget(self.check)
        header.addWidget(self.warning_icon)
        header.addWidget(self.title)
        header.addWidget(self.title_edit)
        header.addSpacing(8)
        header.addWidget(self.count_label, 1)
        header.addWidget(self.menu_button)

        self.view = BinView(delegate)
        self.view.setModel(model)
        self.view.deleteRequested.connect(lambda: self.removePhotosRequested.emit(self.label))
        self.empty_hint = QLabel("Empty — drop photos here.")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setEnabled(False)
        self.empty_hint.setMinimumHeight(48)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.view)
        layout.addWidget(self.empty_hint)
        model.modelReset.connect(self.update_header)
        self.update_header()

    # -- state shown -----------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.model.label

    def set_regime(self, regime: Regime) -> None:
        if regime != self.regime:
            self.regime = regime
            self.update_header()

    def update_header(self) -> None:
        """Name, count and warning from the model's current contents."""
        count = self.model.rowCount()
        self.title.setText(self.label)
        self.count_label.setText(f"{count:,} photo{'s' if count != 1 else ''}")
        warning = class_size_warning(count, self.regime)
        if warning is None:
            self.warning_icon.clear()
            self.warning_icon.setToolTip("")
        else:
            severity, sentence = warning
            icon = QStyle.StandardPixmap.SP_MessageBoxCritical if severity == "error" \
                else QStyle.StandardPixmap.SP_MessageBoxWarning
            self.warning_icon.setPixmap(self.style().standardIcon(icon).pixmap(16, 16))
            self.warning_icon.setToolTip(sentence)
        self.setProperty("severity", warning[0] if warning else "")
        self.view.setVisible(count > 0)
        self.empty_hint.setVisible(count == 0)
        self._fit_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for every row up to MAX_VISIBLE_ROWS; beyond that the grid scrolls."""
        rows = self.view.rows_for_width(self.view.viewport().width() or self.width())
        rows = max(1, min(MAX_VISIBLE_ROWS, rows))
        height = rows * self.view.gridSize().height() + 2 * self.view.frameWidth() + 4
        if self.view.height() != height:
            self.view.setFixedHeight(height)

    def selected_paths(self):
        return self.model.paths(self.view.selectionModel().selectedIndexes())

    def select_all(self) -> None:
        self.view.selectAll()

    def select_paths(self, paths) -> None:
        """Select the given photos (e.g. to show duplicates) and scroll to the first."""
        selection = self.view.selectionModel()
        selection.clearSelection()
        first = None
        for path in paths:
            row = self.model.row_of(path)
            if row is not None:
                index = self.model.index(row)
                selection.select(index, QItemSelectionModel.SelectionFlag.Select)
                first = first or index
        if first is not None:
            self.view.scrollTo(first)

    # -- rename in place ---------------------------------------------------------------------------

    @property
    def renaming(self) -> bool:
        return not self.title_edit.isHidden()

    def start_rename(self) -> None:
        self.title_edit.setText(self.label)
        self.title.hide()
        self.title_edit.show()
        self.title_edit.selectAll()
        self.title_edit.setFocus()

    def _end_rename(self) -> None:
        self.title_edit.hide()
        self.title.show()

    def _finish_rename(self) -> None:
        # editingFinished also fires on focus loss after Escape, and while the panel is being
        # destroyed (the title label may already be gone then).
        if not self.renaming or not isValid(self.title):
            return
        self._end_rename()
        new = self.title_edit.text().strip()
        if new and new != self.label:
            self.renameRequested.emit(self.label, new)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.title_edit and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape:
            self._end_rename()
            return True
        return super().eventFilter(watched, event)

    # -- menu --------------------------------------------------------------------------------------

    def _build_menu(self) -> QMenu:
        menu = QMenu(self)
        rename = QAction("Rename…", self)
        rename.triggered.connect(self.start_rename)
        add = QAction("Add photos…", self)
        add.triggered.connect(lambda: self.addPhotosRequested.emit(self.label))
        select_all = QAction("Select all photos", self)
        select_all.triggered.connect(self.select_all)
        remove = QAction("Remove selected photos", self)
        remove.triggered.connect(lambda: self.removePhotosRequested.emit(self.label))
        delete = QAction("Delete class", self)
        delete.triggered.connect(lambda: self.deleteRequested.emit(self.label))
        for action in (rename, add, select_all, remove):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(delete)
        return menu

    def contextMenuEvent(self, event) -> None:
        self.menu_button.menu().exec(event.globalPos())

    # -- file drops on the header and margins (the grid takes drops through its model) --------------

    def dragEnterEvent(self, event) -> None:
        if self.model.canDropMimeData(event.mimeData(), event.dropAction(), -1, -1, self.model.index(-1)):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        if self.model.dropMimeData(event.mimeData(), event.dropAction(), -1, -1, self.model.index(-1)):
            event.acceptProposedAction()
