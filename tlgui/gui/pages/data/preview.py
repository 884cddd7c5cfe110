"""A photo shown large (Space or a double-click on a thumbnail), with the class and file it is.

The large picture is decoded like a thumbnail, by a ``ThumbnailLoader`` of its own (a pool thread,
a few kept), and the small thumbnail fills in meanwhile. Left and Right step through the bin,
Space or Escape closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget

from tlgui.core.data.bins import ImageItem
from tlgui.gui.widgets.plain_text import file_name, plain_label
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

# Longer side the large picture is decoded to, in pixels.
PREVIEW_SIZE = 1280
# Large pictures kept, for stepping back and forth.
PREVIEW_CACHE = 6


class PhotoPreview(QDialog):
    """Shows ``items[row]`` large. ``small(path)`` gives the thumbnail to show until the large one is read."""

    def __init__(self, items: list[ImageItem], row: int, small: Callable[[object], QImage | None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Photo"))
        self._items = items
        self._small = small
        self.loader = ThumbnailLoader(self, size=PREVIEW_SIZE, cache_limit=PREVIEW_CACHE, max_threads=1)
        self.loader.thumbnailReady.connect(self._on_ready)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(240, 180)
        self.caption = plain_label("")  # class and file names come from the user
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel(self.tr("← → other photos of this class · Space or Esc closes"))
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        layout.addWidget(hint)
        self._image: QImage | None = None
        self.row = -1
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(QSize(int(screen.width() * 0.6), int(screen.height() * 0.75)))
        self.show_row(row)

    @property
    def item(self) -> ImageItem:
        return self._items[self.row]

    def show_row(self, row: int) -> None:
        """Show photo ``row`` of the bin (clamped to the bin)."""
        row = max(0, min(row, len(self._items) - 1))
        if row == self.row:
            return
        self.row = row
        item = self.item
        self.setWindowTitle(file_name(item.path))
        where = self.tr("Class “{name}” · photo {number} of {count}").format(
            name=item.label, number=f"{row + 1:,}", count=f"{len(self._items):,}")
        if item.split:
            where += self.tr(" · given split: {split}").format(split=item.split)
        self.caption.setText(f"{where}\n{item.path}")
        self._image = self.loader.request(item.path) or self._small(item.path)
        failure = self.loader.failure(item.path)
        if failure:
            self._image = None
            self.picture.setText(self.tr("Cannot show this photo: {reason}").format(reason=failure))
        self._fit()

    def _on_ready(self, key: str) -> None:
        if self.row < 0 or key != str(self.item.path):
            return
        image = self.loader.cached(key)
        if image is not None:
            self._image = image
            self._fit()
        elif self.loader.failure(key):
            self._image = None
            self.picture.setText(self.tr("Cannot show this photo: {reason}").format(reason=self.loader.failure(key)))

    def _fit(self) -> None:
        if self._image is None or self._image.isNull():
            self.picture.setPixmap(QPixmap())
            return
        area = self.picture.size()
        scaled = self._image.size().scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
        if scaled.width() > self._image.width() * 4:  # a tiny photo: do not blow it up past recognition
            scaled = self._image.size() * 4
        pixmap = QPixmap.fromImage(self._image).scaled(scaled, Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            self.close()
        elif key == Qt.Key.Key_Left:
            self.show_row(self.row - 1)
        elif key == Qt.Key.Key_Right:
            self.show_row(self.row + 1)
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.loader.shutdown()
        super().done(result)
