"""Predictions as a gallery: thumbnails grouped by predicted class, sorted, filtered, filled as they come.

``GalleryModel`` holds the predictions (appended batch by batch while a folder is classified) and
serves thumbnails lazily through the page's ``ThumbnailLoader``; ``GalleryProxy`` picks a class (or
the unreadable files), a confidence threshold and an order (file order, most confident first, least
sure first). A drag out of the grid carries the photos as file URLs, which is what a class bin on the
Data page takes.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QDesktopServices, QFont, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from tlgui.gui.widgets.file_urls import files_mime
from tlgui.gui.widgets.plain_text import file_name, literal_html
from tlgui.gui.widgets.progress_text import counted
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

if TYPE_CHECKING:
    from tlgui.core.predict.predictor import Prediction

Index = QModelIndex | QPersistentModelIndex

# Edge of the gallery's thumbnails, in pixels.
GALLERY_THUMB = 128
# Room around a thumbnail inside its cell.
MARGIN = 8

PredictionRole = Qt.ItemDataRole.UserRole + 1
ProbabilityRole = Qt.ItemDataRole.UserRole + 2

ERROR_COLOUR = QColor("#b03a2e")


class Unreadable:
    """The gallery group of files that could not be classified (a class may be named anything)."""


class Order(Enum):
    FILE = QT_TRANSLATE_NOOP("PredictionGallery", "File order")
    MOST_CONFIDENT = QT_TRANSLATE_NOOP("PredictionGallery", "Most confident first")
    LEAST_SURE = QT_TRANSLATE_NOOP("PredictionGallery", "Least sure first")


class Threshold(Enum):
    ANY = QT_TRANSLATE_NOOP("PredictionGallery", "Any confidence")
    AT_LEAST = QT_TRANSLATE_NOOP("PredictionGallery", "Confidence at least")
    BELOW = QT_TRANSLATE_NOOP("PredictionGallery", "Confidence below")


def confidence_colour(probability: float) -> QColor:
    """Green when the model is sure, amber when it hesitates, red when it is guessing."""
    if probability >= 0.8:
        return QColor("#2e8b57")
    if probability >= 0.5:
        return QColor("#d68910")
    return QColor("#c0392b")


class GalleryModel(QAbstractListModel):
    """One row per photo, in the order classified; ``countsChanged`` after rows are added or cleared."""

    countsChanged = Signal()

    def __init__(self, loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self._loader = loader
        self._rows: list[Prediction] = []
        self._row_of: dict[str, list[int]] = {}
        self._counts: dict[str, int] = {}
        self._unreadable = 0
        self._placeholder = QImage(loader.size, loader.size, QImage.Format.Format_RGB32)
        self._placeholder.fill(QColor("#e6e6e6"))
        loader.thumbnailReady.connect(self._on_thumbnail)

    # -- contents ----------------------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._row_of, self._counts, self._unreadable = [], {}, {}, 0
        self.endResetModel()
        self.countsChanged.emit()

    def append(self, predictions: list[Prediction]) -> None:
        """Add a batch at the end (the view shows it at once, sorted and filtered by the proxy)."""
        if not predictions:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(predictions) - 1)
        for row, prediction in enumerate(predictions, start=first):
            self._rows.append(prediction)
            self._row_of.setdefault(str(prediction.path), []).append(row)
            if prediction.label is None:
                self._unreadable += 1
            else:
                self._counts[prediction.label] = self._counts.get(prediction.label, 0) + 1
        self.endInsertRows()
        self.countsChanged.emit()

    def predictions(self) -> list[Prediction]:
        return list(self._rows)

    def prediction(self, row: int) -> Prediction:
        return self._rows[row]

    def count(self, label: str) -> int:
        """Photos predicted as ``label``."""
        return self._counts.get(label, 0)

    @property
    def unreadable(self) -> int:
        return self._unreadable

    # -- QAbstractListModel -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        prediction = self._rows[index.row()]
        if role == PredictionRole:
            return prediction
        if role == ProbabilityRole:
            return prediction.probability
        if role == Qt.ItemDataRole.DisplayRole:
            name = file_name(prediction.path) if prediction.path else self.tr("(image)")
            if prediction.error:
                return self.tr("{name}: cannot be read").format(name=name)
            return f"{name}: {prediction.label} {prediction.probability:.0%}"
        if role == Qt.ItemDataRole.DecorationRole:
            if prediction.path is None or prediction.error:
                return self._placeholder
            # Only rows being painted get here: this is what makes thumbnails lazy.
            return self._loader.request(prediction.path) or self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(_tooltip(prediction))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._rows[index.row()].path is not None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    # -- dragging out -------------------------------------------------------------------------------

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 - Qt override
        return Qt.DropAction.CopyAction  # the photos stay here: a bin takes a copy of the reference

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802 - Qt override
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return files_mime([self._rows[row].path for row in rows if self._rows[row].path is not None])

    def _on_thumbnail(self, key: str) -> None:
        for row in self._row_of.get(key, []):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _tooltip(prediction: Prediction) -> str:
    lines = [str(prediction.path or "")]
    if prediction.error:
        lines.append(QCoreApplication.translate("PredictionGallery", "Cannot be read: {reason}").format(reason=prediction.error))
    else:
        lines += [f"{label}: {probability:.1%}" for label, probability in prediction.top]
        lines.append(QCoreApplication.translate("PredictionGallery", "Double-click to see why (heatmap)."))
    return "\n".join(lines)


class GalleryProxy(QSortFilterProxyModel):
    """Which photos the grid shows, and in which order."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.group: str | type[Unreadable] | None = None  # None: every photo
        self.threshold = Threshold.ANY
        self.threshold_value = 0.5
        self.order = Order.FILE

    def set_group(self, group: str | type[Unreadable] | None) -> None:
        """Show one predicted class, the unreadable files (``Unreadable``) or everything (None)."""
        self._change_filter(lambda: setattr(self, "group", group))

    def set_threshold(self, threshold: Threshold, value: float) -> None:
        """Show only photos predicted with at least, or below, ``value`` (0-1) confidence."""
        def apply() -> None:
            self.threshold, self.threshold_value = threshold, value

        self._change_filter(apply)

    def _change_filter(self, apply) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+, where invalidateFilter is deprecated
            self.beginFilterChange()
            apply()
            self.endFilterChange()
        else:
            apply()
            self.invalidateFilter()

    def set_order(self, order: Order) -> None:
        self.order = order
        if order is Order.FILE:
            self.sort(-1)  # the source's order: the order the photos were classified in
        else:
            descending = order is Order.MOST_CONFIDENT
            self.sort(0, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt override
        prediction: Prediction = self.sourceModel().prediction(source_row)
        if self.group is Unreadable:
            return prediction.label is None
        if self.group is not None and prediction.label != self.group:
            return False
        probability = prediction.probability
        if self.threshold is Threshold.ANY:
            return True
        if probability is None:
            return False  # a file that could not be read has no confidence to compare
        if self.threshold is Threshold.AT_LEAST:
            return probability >= self.threshold_value
        return probability < self.threshold_value

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 - Qt override
        model = self.sourceModel()
        a = model.prediction(left.row()).probability
        b = model.prediction(right.row()).probability
        if a is None or b is None:
            if a is None and b is None:
                return left.row() < right.row()
            # Unreadable files go last whichever way the photos are sorted.
            return (a is None) == (self.sortOrder() == Qt.SortOrder.DescendingOrder)
        if a == b:
            return left.row() < right.row()
        return a < b

    def predictions(self) -> list[Prediction]:
        """The photos shown, in the order shown."""
        source = self.sourceModel()
        return [source.prediction(self.mapToSource(self.index(row, 0)).row()) for row in range(self.rowCount())]


class GalleryDelegate(QStyledItemDelegate):
    """Thumbnail, then "class 93%" with a confidence bar, then the file name, in a fixed cell."""

    def __init__(self, font: QFont, parent=None):
        super().__init__(parent)
        metrics = QFontMetrics(font)
        self.line = metrics.height()
        self.bar_height = 4
        self._size = QSize(GALLERY_THUMB + 2 * MARGIN,
                           GALLERY_THUMB + 2 * MARGIN + 2 * self.line + self.bar_height + 8)

    def cell_size(self) -> QSize:
        return QSize(self._size)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 - Qt override
        return self.cell_size()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = QRect(option.rect)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(60)
            painter.setPen(highlight)
            painter.setBrush(fill)
            painter.drawRoundedRect(cell.adjusted(2, 2, -2, -2), 6, 6)
        prediction: Prediction = index.data(PredictionRole)
        box = QRect(cell.left() + MARGIN, cell.top() + MARGIN, GALLERY_THUMB, GALLERY_THUMB)
        image = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)
        text_width = cell.width() - 2 * MARGIN
        y = box.bottom() + 6
        verdict = QRect(cell.left() + MARGIN, y, text_width, self.line)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        if prediction.error:
            painter.setPen(ERROR_COLOUR)
            painter.drawText(verdict, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self.tr("⚠ cannot be read"))
        else:
            percent = f" {prediction.probability:.0%}"
            metrics = painter.fontMetrics()
            name = metrics.elidedText(prediction.label, Qt.TextElideMode.ElideRight,
                                      text_width - metrics.horizontalAdvance(percent))
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(verdict, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name + percent)
            track = QRect(cell.left() + MARGIN, verdict.bottom() + 3, text_width, self.bar_height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 30))
            painter.drawRoundedRect(track, 2, 2)
            filled = QRect(track)
            filled.setWidth(max(2, round(track.width() * prediction.probability)))
            painter.setBrush(confidence_colour(prediction.probability))
            painter.drawRoundedRect(filled, 2, 2)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        file_line = QRect(cell.left() + MARGIN, verdict.bottom() + self.bar_height + 6, text_width, self.line)
        name = file_name(prediction.path) if prediction.path else self.tr("(image)")
        painter.drawText(file_line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, text_width))
        painter.restore()


class GalleryView(QListView):
    """The grid: drag photos out to a class bin, right-click to add them to a class or ask why."""

    openRequested = Signal(object)  # Prediction: show it on its own, with its heatmap
    addToClassRequested = Signal(list)  # list[Prediction]

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.delegate = GalleryDelegate(self.font(), self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # a drag leaves the grid, it does not rearrange it
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setGridSize(self.delegate.cell_size())
        self.setIconSize(QSize(GALLERY_THUMB, GALLERY_THUMB))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.doubleClicked.connect(self._on_double_click)

    def selected_predictions(self) -> list[Prediction]:
        """The selected photos in the order shown."""
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return [self.model().index(row, 0).data(PredictionRole) for row in rows]

    def _on_double_click(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(index.data(PredictionRole))

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt override
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        chosen = [p for p in self.selected_predictions() if p.path is not None]
        if not chosen:
            return
        menu = self.context_menu(chosen)
        menu.exec(event.globalPos())

    def context_menu(self, chosen: list[Prediction]) -> QMenu:
        """The actions offered for the selected photos (a method, so that tests can trigger them)."""
        menu = QMenu(self)
        count = len(chosen)
        add = QAction(self.tr("Add this photo to class…") if count == 1
                      else self.tr("Add these {photos} to class…").format(photos=counted(count, "photo")), menu)
        add.triggered.connect(lambda: self.addToClassRequested.emit(chosen))
        menu.addAction(add)
        if count == 1:
            why = QAction(self.tr("Why this class? (heatmap)"), menu)
            why.triggered.connect(lambda: self.openRequested.emit(chosen[0]))
            why.setEnabled(chosen[0].error is None)
            menu.addAction(why)
            viewer = QAction(self.tr("Open in image viewer"), menu)
            path = chosen[0].path
            viewer.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
            menu.addAction(viewer)
        return menu


def _tab_text(name: str, count: int) -> str:
    return f"{name.replace('&', '&&')} ({count:,})"  # "&" would turn into a keyboard shortcut


class PredictionGallery(QWidget):
    """A tab per predicted class with its count, order and confidence controls, and the grid."""

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = GalleryModel(loader, self)
        self.proxy = GalleryProxy(self)
        self.proxy.setSourceModel(self.model)
        self.class_names: list[str] = []

        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.currentChanged.connect(self._on_tab)
        self.order = QComboBox()
        for order in Order:
            self.order.addItem(self.tr(order.value), order)
        self.order.currentIndexChanged.connect(lambda _i: self.proxy.set_order(self.order.currentData()))
        self.threshold = QComboBox()
        for threshold in Threshold:
            self.threshold.addItem(self.tr(threshold.value), threshold)
        self.threshold_value = QSpinBox()
        self.threshold_value.setRange(0, 100)
        self.threshold_value.setValue(50)
        self.threshold_value.setSuffix(" %")
        self.threshold_value.setEnabled(False)
        self.threshold.currentIndexChanged.connect(lambda _i: self._on_threshold())
        self.threshold_value.valueChanged.connect(lambda _v: self._on_threshold())
        self.view = GalleryView()
        self.view.setModel(self.proxy)
        self.hint = QLabel(self.tr("Drag photos onto a class bin on the Data tab (hover the tab to open it), "
                                   "or right-click → “Add to class…”, to add them to the training data. "
                                   "Double-click a photo to see why."))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666;")

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(QLabel(self.tr("Sort:")))
        controls.addWidget(self.order)
        controls.addSpacing(16)
        controls.addWidget(self.threshold)
        controls.addWidget(self.threshold_value)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.model.countsChanged.connect(self._update_tabs)
        self._update_tabs()

    # -- contents ----------------------------------------------------------------------------------

    def set_class_names(self, names: list[str]) -> None:
        """The classifier's classes: one tab each, in its order, even before any photo is in it."""
        self.class_names = list(names)
        self._update_tabs()

    def clear(self) -> None:
        self.model.clear()
        self.tabs.setCurrentIndex(0)

    def append(self, predictions: list[Prediction]) -> None:
        self.model.append(predictions)

    # -- choosing what to see ------------------------------------------------------------------------

    def groups(self) -> list[tuple[object, str]]:
        """(group, tab text) per tab: None for all photos, a class name, or ``Unreadable``."""
        return [(self.tabs.tabData(i), self.tabs.tabText(i)) for i in range(self.tabs.count())]

    def select_group(self, group: str | type[Unreadable] | None) -> None:
        for i in range(self.tabs.count()):
            if self.tabs.tabData(i) == group:
                self.tabs.setCurrentIndex(i)
                return

    def set_order(self, order: Order) -> None:
        self.order.setCurrentIndex(self.order.findData(order))

    def set_threshold(self, threshold: Threshold, percent: int = 50) -> None:
        self.threshold_value.setValue(percent)
        self.threshold.setCurrentIndex(self.threshold.findData(threshold))

    def _on_threshold(self) -> None:
        threshold = self.threshold.currentData()
        self.threshold_value.setEnabled(threshold is not Threshold.ANY)
        self.proxy.set_threshold(threshold, self.threshold_value.value() / 100)

    def _on_tab(self, index: int) -> None:
        if index >= 0:
            self.proxy.set_group(self.tabs.tabData(index))

    def _update_tabs(self) -> None:
        """Tab texts follow the counts; tabs are added or removed only when the groups change."""
        wanted: list[tuple[object, str]] = [(None, self.tr("All photos ({count})").format(
            count=f"{self.model.rowCount():,}"))]
        wanted += [(name, _tab_text(name, self.model.count(name))) for name in self.class_names]
        if self.model.unreadable:
            wanted.append((Unreadable, self.tr("Cannot be read ({count})").format(count=f"{self.model.unreadable:,}")))
        current = self.tabs.tabData(self.tabs.currentIndex()) if self.tabs.count() else None
        if [self.tabs.tabData(i) for i in range(self.tabs.count())] != [group for group, _ in wanted]:
            self.tabs.blockSignals(True)
            while self.tabs.count():
                self.tabs.removeTab(0)
            for group, text in wanted:
                self.tabs.setTabData(self.tabs.addTab(text), group)
            self.tabs.blockSignals(False)
            groups = [group for group, _ in wanted]
            self.tabs.setCurrentIndex(groups.index(current) if current in groups else 0)
            self.proxy.set_group(self.tabs.tabData(self.tabs.currentIndex()))
        else:
            for i, (_group, text) in enumerate(wanted):
                self.tabs.setTabText(i, text)
