"""The photos of one class bin as a Qt list model.

``BinModel`` is a view onto ``DataSet.items(label)``: it keeps a snapshot of that list (refreshed when
the controller says the dataset changed), serves thumbnails lazily through a ``ThumbnailLoader``,
and carries drag and drop: dragging thumbnails to another bin moves them there (custom MIME type
holding the paths), files dragged in from the file manager join the bin.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter

from tlgui.core.data.bins import DataSet, ImageItem
from tlgui.gui.widgets.file_urls import local_paths
from tlgui.gui.widgets.plain_text import file_name, literal_html, path_text
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

# MIME type of thumbnails dragged between bins: JSON {"source": label, "paths": [...]}.
ITEMS_MIME = "application/x-tlgui-image-paths"

# Extra roles the bin delegate reads.
PathRole = Qt.ItemDataRole.UserRole + 1
DuplicateRole = Qt.ItemDataRole.UserRole + 2
SplitRole = Qt.ItemDataRole.UserRole + 3
FailedRole = Qt.ItemDataRole.UserRole + 4

_Index = QModelIndex | QPersistentModelIndex


def encode_paths(source: str, paths: Iterable[Path]) -> QMimeData:
    """MIME data for thumbnails dragged out of bin ``source``."""
    mime = QMimeData()
    payload = {"source": source, "paths": [str(p) for p in paths]}
    mime.setData(ITEMS_MIME, QByteArray(json.dumps(payload).encode("utf-8")))
    return mime


def decode_paths(mime: QMimeData) -> tuple[str, list[Path]] | None:
    """(source label, paths) from ``encode_paths`` data, or None when it is something else."""
    if not mime.hasFormat(ITEMS_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(ITEMS_MIME).data()).decode("utf-8"))
        return str(payload["source"]), [Path(p) for p in payload["paths"]]
    except (ValueError, KeyError, TypeError):
        return None


def _placeholder(size: int) -> QImage:
    """A soft grey square shown until the real thumbnail arrives (keeps the grid steady)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(128, 128, 128, 50))
    painter.drawRoundedRect(4, 4, size - 8, size - 8, 6, 6)
    painter.end()
    return image


class BinModel(QAbstractListModel):
    """The photos of class ``label`` in ``dataset``.

    Signals:
        itemsMoved(list[Path], str): thumbnails from another bin were dropped here; the caller moves
            them with ``DataSet.move_items`` (the model never changes the dataset itself).
        filesDropped(list[Path], str): files or folders from the file manager were dropped here.
    """

    itemsMoved = Signal(list, str)
    filesDropped = Signal(list, str)

    def __init__(self, dataset: DataSet, label: str, loader: ThumbnailLoader,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._dataset = dataset
        self._label = label
        self._loader = loader
        self._items: list[ImageItem] = []
        self._rows: dict[str, int] = {}
        self._duplicates: set[str] = set()
        self._placeholder = _placeholder(loader.size)
        self.can_accept: Callable[[], bool] = lambda: True  # False while a scan owns the dataset
        loader.thumbnailReady.connect(self._on_thumbnail)
        loader.sizeChanged.connect(self._on_size_changed)
        self.refresh()

    # -- state ------------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self._label

    def set_label(self, label: str) -> None:
        """Follow a rename of the class."""
        self._label = label

    def refresh(self, duplicates: set[str] | None = None) -> None:
        """Re-read the class's items from the dataset; ``duplicates`` = digests found in 2+ classes."""
        self.beginResetModel()
        self._items = list(self._dataset.items(self._label)) if self._label in self._dataset.class_names else []
        self._rows = {str(item.path): row for row, item in enumerate(self._items)}
        if duplicates is not None:
            self._duplicates = duplicates
        self.endResetModel()

    def item(self, row: int) -> ImageItem:
        return self._items[row]

    def paths(self, indexes: Iterable[_Index]) -> list[Path]:
        """Paths of the given rows (in row order, without repeats)."""
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return [self._items[row].path for row in rows]

    def row_of(self, path: Path | str) -> int | None:
        return self._rows.get(str(path))

    # -- QAbstractListModel -------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            # Only rows being painted get here: this is what makes thumbnails lazy.
            return self._loader.request(item.path) or self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return file_name(item.path)
        if role == PathRole:
            return str(item.path)
        if role == DuplicateRole:
            return item.digest in self._duplicates
        if role == SplitRole:
            return item.split
        if role == FailedRole:
            return self._loader.failure(item.path)
        return None

    def _tooltip(self, item: ImageItem) -> str:
        lines = [file_name(item.path), path_text(item.path.parent)]
        if item.split:
            lines.append(self.tr("Given split: {split}").format(split=item.split))
        if item.digest in self._duplicates:
            lines.append(self.tr("The same photo is also in another class."))
        failure = self._loader.failure(item.path)
        if failure:
            lines.append(self.tr("Cannot show a preview: {reason}").format(reason=failure))
        return literal_html("\n".join(lines))

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            # Drops land on the bin as a whole; where in the grid does not matter.
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    # -- drag and drop ------------------------------------------------------------------------------

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [ITEMS_MIME, "text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        return encode_paths(self._label, self.paths(indexes))

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: _Index) -> bool:
        if not self.can_accept():
            return False
        decoded = decode_paths(data)
        if decoded is not None:
            return decoded[0] != self._label  # dropping a bin's photos on itself changes nothing
        return bool(local_paths(data))

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: _Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        decoded = decode_paths(data)
        if decoded is not None:
            self.itemsMoved.emit(decoded[1], self._label)
        else:
            self.filesDropped.emit(local_paths(data), self._label)
        # The dataset, not the view, removes rows from the source bin: returning True with a
        # MoveAction makes the source view call removeRows, which this model leaves unimplemented.
        return True

    # -- thumbnails ---------------------------------------------------------------------------------

    def _on_size_changed(self, size: int) -> None:
        self._placeholder = _placeholder(size)

    def _on_thumbnail(self, key: str) -> None:
        row = self._rows.get(key)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
