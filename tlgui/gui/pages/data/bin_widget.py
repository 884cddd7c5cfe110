"""One class bin on the Data page: a header (name, count, warnings, menu) over a thumbnail grid.

The grid is a ``QListView`` in icon mode over a ``BinModel`` with uniform cell sizes, so a bin of
10,000 photos lays out instantly and paints (and decodes) only what is on screen. The grid is as tall
as its photos: the page scrolls, not each bin (a bin can be folded away instead). The panel draws a
dashed frame while photos are dragged over it and a solid one for a moment to show where an edit
landed.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tlgui.core.plan.recommend import class_size_warning
from tlgui.core.plan.regime import Regime
from tlgui.gui.pages.data.bins_model import BinModel
from tlgui.gui.widgets.plain_text import make_plain
from tlgui.gui.widgets.progress_text import counted
from tlgui.gui.widgets.thumb_delegate import ThumbnailDelegate
from tlgui.gui.widgets.viewport import viewport

# How long a bin stays outlined after an edit put something in it.
HIGHLIGHT_MS = 1600


class BinView(QListView):
    """Thumbnail grid: icon mode, static layout, drags move photos between bins, Delete removes,
    Space or a double-click shows a photo large, the context menu offers the photo actions."""

    deleteRequested = Signal()
    previewRequested = Signal(int)  # row
    contextMenuRequested = Signal(object)  # global QPoint, over a photo

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
        self.setFrameShape(QFrame.Shape.NoFrame)
        # The grid is sized to all its rows: the page scrolls. Wheel events the grid cannot use
        # go on to the page.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAutoScroll(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.doubleClicked.connect(lambda index: self.previewRequested.emit(index.row()))

    def set_cell_size(self, delegate: ThumbnailDelegate) -> None:
        """Follow a new thumbnail size of ``delegate``."""
        self.setGridSize(delegate.cell_size())
        self.setIconSize(QSize(delegate.thumb_size, delegate.thumb_size))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        has_selection = self.selectionModel() is not None and self.selectionModel().hasSelection()
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() in (Qt.Key.Key_Delete,
                                                                              Qt.Key.Key_Backspace):
            if has_selection:
                self.deleteRequested.emit()
                return
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            current = self.currentIndex()
            if current.isValid():
                self.previewRequested.emit(current.row())
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            event.ignore()  # the panel's class menu
            return
        if not self.selectionModel().isSelected(index):
            self.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.setCurrentIndex(index)
        self.contextMenuRequested.emit(event.globalPos())

    def rows_for_width(self, width: int) -> int:
        """Rows the grid needs to show every photo at ``width`` pixels."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        per_row = max(1, (width - 2) // self.gridSize().width())
        return math.ceil(count / per_row) if count else 0

    def row_rect(self, row: int) -> QRect:
        """Where photo ``row`` is drawn, in the grid's viewport."""
        return self.visualRect(self.model().index(row, 0))


class _TitleLabel(QLabel):
    doubleClicked = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.doubleClicked.emit()
        event.accept()


class BinPanel(QFrame):
    """A class bin: header with name, count and warnings; thumbnail grid; rename in place.

    Signals carry the bin's label as it is now:
        renameRequested(old, new), deleteRequested(label), removePhotosRequested(label),
        moveRequested(label): move the selected photos elsewhere, addPhotosRequested(label),
        previewRequested(label, row), checkedChanged(label, bool), selectionChanged(label).
    """

    renameRequested = Signal(str, str)
    deleteRequested = Signal(str)
    removePhotosRequested = Signal(str)
    moveRequested = Signal(str)
    addPhotosRequested = Signal(str)
    previewRequested = Signal(str, int)
    checkedChanged = Signal(str, bool)
    selectionChanged = Signal(str)

    def __init__(self, model: BinModel, delegate: ThumbnailDelegate, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.regime = Regime.HEAD  # the project's training regime: how many photos count as enough
        self.setObjectName("binPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self._grid_viewport: QWidget | None = None  # set once the grid exists; events come before
        self.drop_target = False  # photos are being dragged over this bin
        self.highlighted = False  # an edit just put something here
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.timeout.connect(lambda: self._set_highlighted(False))

        self.fold_button = QToolButton()
        self.fold_button.setArrowType(Qt.ArrowType.DownArrow)
        self.fold_button.setAutoRaise(True)
        self.fold_button.setCheckable(True)
        self.fold_button.setToolTip(self.tr("Fold this class away (its photos stay in the project)"))
        self.fold_button.toggled.connect(self._set_folded)

        self.check = QCheckBox()
        self.check.setToolTip(self.tr("Select this class (to merge or delete several at once)"))
        self.check.toggled.connect(lambda on: self.checkedChanged.emit(self.label, on))
        self.warning_icon = QLabel()
        self.warning_icon.setFixedSize(18, 18)
        self.title = make_plain(_TitleLabel())  # the class name, literally
        self.title.setToolTip(self.tr("Double-click to rename"))
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
        self.menu_button.setToolTip(self.tr("Class actions"))
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self._build_menu())
        self.menu_button.setAutoRaise(True)
        # The "⋯" says there is a menu; Qt's extra arrow only crowds it.
        self.menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")

        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 4, 0)
        header.setSpacing(6)
        header.addWidget(self.fold_button)
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
        self.view.previewRequested.connect(lambda row: self.previewRequested.emit(self.label, row))
        self.view.contextMenuRequested.connect(self._show_photo_menu)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selectionChanged.emit(self.label))
        self._grid_viewport = viewport(self.view)
        self._grid_viewport.installEventFilter(self)
        self.photo_menu = self._build_photo_menu()
        self.empty_hint = QLabel(self.tr("Empty — drop photos here."))
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
        self.count_label.setText(counted(count, "photo"))
        warning = class_size_warning(count, self.regime)
        if warning is None:
            self.warning_icon.clear()
            self.warning_icon.setToolTip("")
        else:
            severity, sentence = warning
            # Here, not with the module: the QStyle class (566 enum members) is made when first named,
            # and the demo's bins, shown at the first paint, have no warning.
            from PySide6.QtWidgets import QStyle

            icon = QStyle.StandardPixmap.SP_MessageBoxCritical if severity == "error" \
                else QStyle.StandardPixmap.SP_MessageBoxWarning
            self.warning_icon.setPixmap(self.style().standardIcon(icon).pixmap(16, 16))
            self.warning_icon.setToolTip(sentence)
        self.setProperty("severity", warning[0] if warning else "")
        folded = self.fold_button.isChecked()
        self.view.setVisible(count > 0 and not folded)
        self.empty_hint.setVisible(count == 0 and not folded)
        self._fit_height()

    def set_thumb_size(self, delegate: ThumbnailDelegate) -> None:
        """Follow the page's thumbnail size."""
        self.view.set_cell_size(delegate)
        self._fit_height()

    @property
    def folded(self) -> bool:
        return self.fold_button.isChecked()

    def _set_folded(self, folded: bool) -> None:
        self.fold_button.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
        self.update_header()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for every row: the page scrolls, never the grid."""
        width = viewport(self.view).width() if self.view.isVisible() else self.width() - 4
        rows = max(1, self.view.rows_for_width(width or self.width()))
        height = rows * self.view.gridSize().height() + 2 * self.view.frameWidth() + 4
        if self.view.height() != height:
            self.view.setFixedHeight(height)

    def selected_paths(self):
        return self.model.paths(self.view.selectionModel().selectedIndexes())

    def select_all(self) -> None:
        self.view.selectAll()

    def clear_selection(self) -> None:
        self.view.selectionModel().clearSelection()

    def select_paths(self, paths) -> QRect | None:
        """Select the given photos (e.g. those just moved here); returns where the first one is
        drawn, in the panel's coordinates, for the page to scroll to (None when none is here)."""
        if self.folded:
            self.fold_button.setChecked(False)
        selection = self.view.selectionModel()
        selection.clearSelection()
        first: QModelIndex | None = None
        for path in paths:
            row = self.model.row_of(path)
            if row is not None:
                index = self.model.index(row)
                selection.select(index, QItemSelectionModel.SelectionFlag.Select)
                first = first if first is not None else index
        if first is None:
            return None
        selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        # The grid lays out lazily: make sure its rows have places before asking where one is.
        self.view.doItemsLayout()
        rect = self.view.visualRect(first)
        return QRect(viewport(self.view).mapTo(self, rect.topLeft()), rect.size())

    # -- outline: drop target, edit landed -------------------------------------------------------

    def highlight(self) -> None:
        """Outline the bin for a moment, to show where an edit put something."""
        self._set_highlighted(True)
        self._highlight_timer.start(HIGHLIGHT_MS)

    def _set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def _set_drop_target(self, on: bool) -> None:
        if on != self.drop_target:
            self.drop_target = on
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not (self.drop_target or self.highlighted):
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        pen = QPen(colour, 2, Qt.PenStyle.DashLine if self.drop_target else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        fill = QColor(colour)
        fill.setAlpha(28)
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 4, 4)

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
        kind = event.type()
        if watched is self.title_edit and kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self._end_rename()
            return True
        if watched is self._grid_viewport:
            # The grid takes drops through its model; the outline follows the drag over it.
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                self._set_drop_target(self._accepts(event.mimeData()))
            elif kind in (QEvent.Type.DragLeave, QEvent.Type.Drop):
                self._set_drop_target(False)
        return super().eventFilter(watched, event)

    def _accepts(self, mime) -> bool:
        return self.model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())

    # -- menu --------------------------------------------------------------------------------------

    def _build_menu(self) -> QMenu:
        menu = QMenu(self)
        rename = QAction(self.tr("Rename…"), self)
        rename.triggered.connect(self.start_rename)
        add = QAction(self.tr("Add photos…"), self)
        add.triggered.connect(lambda: self.addPhotosRequested.emit(self.label))
        select_all = QAction(self.tr("Select all photos"), self)
        select_all.triggered.connect(self.select_all)
        remove = QAction(self.tr("Remove selected photos"), self)
        remove.triggered.connect(lambda: self.removePhotosRequested.emit(self.label))
        move = QAction(self.tr("Move selected photos to class…"), self)
        move.triggered.connect(lambda: self.moveRequested.emit(self.label))
        delete = QAction(self.tr("Delete class"), self)
        delete.triggered.connect(lambda: self.deleteRequested.emit(self.label))
        for action in (rename, add, select_all, move, remove):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(delete)
        return menu

    def _build_photo_menu(self) -> QMenu:
        menu = QMenu(self)
        preview = menu.addAction(self.tr("Show large") + "\tSpace")
        preview.triggered.connect(
            lambda: self.previewRequested.emit(self.label, self.view.currentIndex().row()))
        menu.addAction(self.tr("Move to class…")).triggered.connect(lambda: self.moveRequested.emit(self.label))
        menu.addAction(self.tr("Remove from the project") + "\tDel").triggered.connect(
            lambda: self.removePhotosRequested.emit(self.label))
        return menu

    def _show_photo_menu(self, global_pos) -> None:
        self.photo_menu.popup(global_pos)

    def contextMenuEvent(self, event) -> None:
        self.menu_button.menu().popup(event.globalPos())

    # -- file drops on the header and margins (the grid takes drops through its model) --------------

    def dragEnterEvent(self, event) -> None:
        if self.model.canDropMimeData(event.mimeData(), event.dropAction(), -1, -1, self.model.index(-1)):
            self._set_drop_target(True)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._set_drop_target(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self._set_drop_target(False)
        if self.model.dropMimeData(event.mimeData(), event.dropAction(), -1, -1, self.model.index(-1)):
            event.acceptProposedAction()
