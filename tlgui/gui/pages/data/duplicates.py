"""The photos that sit in more than one class, shown as pictures side by side.

One row per doubled photo, one cell per copy: its thumbnail, its class and its file name. The
thumbnails come from the page's ``ThumbnailLoader`` (a thread pool; only the rows painted ask),
so the dialog opens at once even for hundreds of duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import Duplicate, ImageItem
from tlgui.gui.widgets.plain_text import file_name, literal_html
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

_Index = QModelIndex | QPersistentModelIndex
# Room under each picture for the class and the file name.
_CAPTION_LINES = 2
_PAD = 6


class DuplicatesModel(QAbstractTableModel):
    """Rows: doubled photos; columns: their copies. DecorationRole is the copy's thumbnail (or None
    until it is decoded), DisplayRole its class and file name, UserRole the ``ImageItem``."""

    def __init__(self, duplicates: Sequence[Duplicate], loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self._rows = [d.items for d in duplicates]
        self._columns = max((len(items) for items in self._rows), default=0)
        self._loader = loader
        self._where: dict[str, list[tuple[int, int]]] = {}
        for row, items in enumerate(self._rows):
            for column, item in enumerate(items):
                self._where.setdefault(str(item.path), []).append((row, column))
        loader.thumbnailReady.connect(self._on_thumbnail)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._columns

    def item(self, index: _Index) -> ImageItem | None:
        if not index.isValid() or index.column() >= len(self._rows[index.row()]):
            return None
        return self._rows[index.row()][index.column()]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        item = self.item(index)
        if item is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._loader.request(item.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.label}\n{file_name(item.path)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(self.tr("Class: {name}").format(name=item.label) + f"\n{item.path}\n"
                                + self.tr("Double-click to select it in its class."))
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr("Copy {number}").format(number=section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if self.item(index) is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _on_thumbnail(self, key: str) -> None:
        for row, column in self._where.get(key, ()):
            index = self.index(row, column)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class _CopyDelegate(QStyledItemDelegate):
    """A picture with two caption lines under it: the class (bold) and the file name."""

    def __init__(self, thumb_size: int, parent=None):
        super().__init__(parent)
        self.thumb_size = thumb_size

    def cell_size(self, line_spacing: int) -> QSize:
        return QSize(self.thumb_size + 6 * _PAD, self.thumb_size + line_spacing * _CAPTION_LINES + 3 * _PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return self.cell_size(option.fontMetrics.lineSpacing())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        model = index.model()
        item = model.item(index) if hasattr(model, "item") else None
        if item is None:
            return
        painter.save()
        cell = QRect(option.rect).adjusted(2, 2, -2, -2)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(cell, option.palette.color(QPalette.ColorRole.Highlight).lighter(170))
        box = QRect(0, 0, self.thumb_size, self.thumb_size)
        box.moveLeft(cell.left() + (cell.width() - self.thumb_size) // 2)
        box.moveTop(cell.top() + _PAD)
        image = model.data(index, Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)
        else:
            painter.fillRect(box, option.palette.color(QPalette.ColorRole.AlternateBase))
        line = option.fontMetrics.lineSpacing()
        text = QRect(cell.left() + _PAD, box.bottom() + _PAD, cell.width() - 2 * _PAD, line)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))
        painter.drawText(text, Qt.AlignmentFlag.AlignCenter,
                         painter.fontMetrics().elidedText(item.label, Qt.TextElideMode.ElideRight, text.width()))
        painter.setFont(option.font)
        text.translate(0, line)
        # The model's second line: the file name, or as much of the path as tells two copies apart.
        shown = str(model.data(index, Qt.ItemDataRole.DisplayRole) or "").partition("\n")[2] or file_name(item.path)
        painter.drawText(text, Qt.AlignmentFlag.AlignCenter,
                         option.fontMetrics.elidedText(shown, Qt.TextElideMode.ElideMiddle, text.width()))
        painter.restore()


class DuplicatesDialog(QDialog):
    """Each photo that sits in more than one class, its copies side by side as pictures.

    ``photoActivated(label, path)``: the user double-clicked one copy (to find it in its bin).
    """

    photoActivated = Signal(str, object)

    def __init__(self, duplicates: Sequence[Duplicate], loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Photos in more than one class"))
        count = len(duplicates)
        intro = QLabel(self.tr(
            "%n photo(s) is/are in more than one class: the same picture, maybe under another file name. "
            "In the bins each copy carries an orange corner. Double-click the copy in the wrong class to "
            "select it there, then press Delete.", "", count))
        intro.setWordWrap(True)
        self.model = DuplicatesModel(duplicates, loader, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        delegate = _CopyDelegate(loader.size, self.table)
        self.table.setItemDelegate(delegate)
        self.table.setShowGrid(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.activated.connect(self._on_activated)  # double-click or Enter
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        cell = delegate.cell_size(self.fontMetrics().lineSpacing())
        columns = max(2, self.model.columnCount())
        self.resize(max(560, min(1100, columns * cell.width() + 60)), min(720, 3 * cell.height() + 160))

    def _on_activated(self, index: QModelIndex) -> None:
        item = self.model.item(index)
        if item is not None:
            self.photoActivated.emit(item.label, Path(item.path))
