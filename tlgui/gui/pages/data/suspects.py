"""Data > Check photos…: photos that look like another class, and near-duplicates, as pictures.

The two engine checks (``tlgui.core.quality``) run in one background job on a copy of the bins;
the dialog then shows what they found against the bins as they are *now*: a suspect whose photo
has since left its class (moved, removed) drops out of the gallery, and comes back when Edit > Undo
puts it back, because the lists are filtered afresh on every ``datasetChanged``. Moving and
removing go through the Data page's own edits, so they land on the undo stack like any other.

"Keep" says the photo is where it belongs: the bins remember it (``DataSet.keep_label``, saved with
the project) and the gallery never suggests it again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QItemSelectionModel,
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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import DataSet
from tlgui.core.errors import DataError
from tlgui.core.progress import CancelToken
from tlgui.core.quality import (
    DuplicateKind,
    DuplicateReport,
    LabelSuspect,
    NearDuplicate,
    SuspectReport,
)
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.data.duplicates import _CopyDelegate
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import distinct_names, file_name, literal_html
from tlgui.gui.widgets.progress_panel import ProgressPanel
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

_Index = QModelIndex | QPersistentModelIndex
_PAD = 6
_CAPTION_LINES = 2


@dataclass
class CheckResult:
    """What one run of both checks found. ``suspects`` is None when that check could not run
    (``suspects_problem`` says why, in one sentence)."""

    suspects: SuspectReport | None
    duplicates: DuplicateReport
    suspects_problem: str = ""


def run_checks(dataset: DataSet, backbone, val_fraction: float, split_seed: int,
               token: CancelToken, report: Callable[[str, object], None]) -> CheckResult:
    """Both checks on ``dataset`` (a copy nobody else edits), reporting progress; runs off the GUI thread."""
    from tlgui.core.quality import find_label_suspects, find_near_duplicates  # numpy, torch: loaded here

    def progress(event) -> None:
        report("progress", event)

    try:
        suspects = find_label_suspects(dataset, backbone, progress=progress, cancel=token)
        problem = ""
    except DataError as exc:  # one class only: the duplicates can still be looked for
        suspects, problem = None, str(exc)
    duplicates = find_near_duplicates(dataset, backbone, val_fraction=val_fraction, split_seed=split_seed,
                                      progress=progress, cancel=token)
    return CheckResult(suspects, duplicates, problem)


def _where(dataset: DataSet) -> dict[Path, str]:
    """Each photo's class now, read once per refresh."""
    return {item.path: item.label for item in dataset.items()}


# ---- photos that look like another class ----------------------------------------------------------


class SuspectsModel(QAbstractListModel):
    """The suspects still in the class they were found in and not kept, likeliest mistake first.

    DecorationRole: the thumbnail (None until decoded); DisplayRole: "given → suggested";
    UserRole: the ``LabelSuspect``.
    """

    def __init__(self, suspects: Sequence[LabelSuspect], loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self._all = list(suspects)
        self._shown: list[LabelSuspect] = []
        self._loader = loader
        loader.thumbnailReady.connect(self._on_thumbnail)

    def refilter(self, dataset: DataSet) -> None:
        where = _where(dataset)
        kept = dataset.kept_labels
        self.beginResetModel()
        self._shown = [s for s in self._all if where.get(s.item.path) == s.given and s.item.path not in kept]
        self.endResetModel()

    def suspect(self, row: int) -> LabelSuspect | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        suspect = self.suspect(index.row()) if index.isValid() else None
        if suspect is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._loader.request(suspect.item.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{suspect.given} → {suspect.suggested}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(QCoreApplication.translate("PhotoCheck", "{path}\nIn “{given}”; the other photos say “{suggested}” ({p:.0%}).\n"
                                    "Label quality {q:.3f} (near 0: almost surely in the wrong class).")
                                .format(path=suspect.item.path, given=suspect.given, suggested=suspect.suggested,
                                        p=suspect.suggested_probability, q=suspect.quality))
        if role == Qt.ItemDataRole.UserRole:
            return suspect
        return None

    def _on_thumbnail(self, key: str) -> None:
        for row, suspect in enumerate(self._shown):
            if str(suspect.item.path) == key:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class _SuspectDelegate(QStyledItemDelegate):
    """The picture, then "given → suggested" (bold) and the suggested class's probability."""

    def __init__(self, thumb_size: int, parent=None):
        super().__init__(parent)
        self.thumb_size = thumb_size

    def cell_size(self, line_spacing: int) -> QSize:
        return QSize(max(self.thumb_size, 120) + 4 * _PAD, self.thumb_size + line_spacing * _CAPTION_LINES + 3 * _PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return self.cell_size(option.fontMetrics.lineSpacing())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        suspect = index.data(Qt.ItemDataRole.UserRole)
        if suspect is None:
            return
        painter.save()
        cell = QRect(option.rect).adjusted(2, 2, -2, -2)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(cell, palette.color(QPalette.ColorRole.Highlight).lighter(170))
        box = QRect(0, 0, self.thumb_size, self.thumb_size)
        box.moveLeft(cell.left() + (cell.width() - self.thumb_size) // 2)
        box.moveTop(cell.top() + _PAD)
        image = index.model().data(index, Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)
        else:
            painter.fillRect(box, palette.color(QPalette.ColorRole.AlternateBase))
        line = option.fontMetrics.lineSpacing()
        text = QRect(cell.left() + _PAD // 2, box.bottom() + _PAD, cell.width() - _PAD, line)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        caption = f"{suspect.given} → {suspect.suggested}"
        painter.drawText(text, Qt.AlignmentFlag.AlignCenter,
                         painter.fontMetrics().elidedText(caption, Qt.TextElideMode.ElideMiddle, text.width()))
        painter.setFont(option.font)
        text.translate(0, line)
        score = QCoreApplication.translate("PhotoCheck", "{p:.0%} {suggested}").format(p=suspect.suggested_probability, suggested=suspect.suggested)
        painter.drawText(text, Qt.AlignmentFlag.AlignCenter,
                         option.fontMetrics.elidedText(score, Qt.TextElideMode.ElideRight, text.width()))
        painter.restore()


# ---- near-duplicates --------------------------------------------------------------------------------

_KIND_WORDS = {
    DuplicateKind.WITHIN_CLASS: QT_TRANSLATE_NOOP("PhotoCheck", "within one class"),
    DuplicateKind.ACROSS_CLASSES: QT_TRANSLATE_NOOP("PhotoCheck", "across classes"),
    DuplicateKind.ACROSS_SPLIT: QT_TRANSLATE_NOOP("PhotoCheck", "across the train/validation split"),
}


def describe_pair(pair: NearDuplicate) -> str:
    """E.g. "97% alike · across classes · across the train/validation split"."""
    head = QCoreApplication.translate("PhotoCheck", "identical files") if pair.identical else QCoreApplication.translate("PhotoCheck", "{s:.0%} alike").format(s=pair.similarity)
    return " · ".join([head, *(QCoreApplication.translate("PhotoCheck", _KIND_WORDS[kind]) for kind in pair.kinds)])


class PairsModel(QAbstractTableModel):
    """One row per pair whose two photos are both still in the project: column 0 and 1 the two
    photos (``item(index)`` gives each), column 2 how alike they are and where they sit."""

    def __init__(self, pairs: Sequence[NearDuplicate], loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self._all = list(pairs)
        self._shown: list[NearDuplicate] = []
        self._loader = loader
        loader.thumbnailReady.connect(self._on_thumbnail)

    def refilter(self, dataset: DataSet) -> None:
        where = _where(dataset)
        self.beginResetModel()
        self._shown = [p for p in self._all if p.first.path in where and p.second.path in where]
        self.endResetModel()

    def pair(self, row: int) -> NearDuplicate | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 3

    def item(self, index: _Index):
        pair = self.pair(index.row()) if index.isValid() else None
        if pair is None or index.column() > 1:
            return None
        return pair.first if index.column() == 0 else pair.second

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        pair = self.pair(index.row()) if index.isValid() else None
        if pair is None:
            return None
        item = self.item(index)
        if item is None:
            return describe_pair(pair) if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._loader.request(item.path)
        if role == Qt.ItemDataRole.DisplayRole:
            # Two copies named alike ("IMG_0001.jpg" in two folders) show as much of their path as tells them apart.
            names = distinct_names(pair.first.path, pair.second.path)
            return f"{item.label}\n{names[index.column()]}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(QCoreApplication.translate("PhotoCheck", "Class: {label}\n{path}").format(label=item.label, path=item.path))
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return (QCoreApplication.translate("PhotoCheck", "Photo"), QCoreApplication.translate("PhotoCheck", "Look-alike"), QCoreApplication.translate("PhotoCheck", "How alike, and where"))[section]
        return None

    def _on_thumbnail(self, key: str) -> None:
        for row, pair in enumerate(self._shown):
            for column, item in enumerate((pair.first, pair.second)):
                if str(item.path) == key:
                    index = self.index(row, column)
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class _PairTextDelegate(QStyledItemDelegate):
    """The pair's words, selected in the same light colour as the two pictures beside them."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        option = QStyleOptionViewItem(option)
        self.initStyleOption(option, index)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(QRect(option.rect).adjusted(0, 2, 0, -2),
                             option.palette.color(QPalette.ColorRole.Highlight).lighter(170))
            option.state &= ~QStyle.StateFlag.State_Selected
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)


# ---- the dialog ----------------------------------------------------------------------------------------


class PhotoCheckDialog(QDialog):
    """Runs both checks, then shows the suspects as a gallery and the near-duplicates as pairs.

    ``move(paths, label)`` and ``remove(paths)`` are the Data page's undoable edits.
    ``photoActivated(label, path)``: the user double-clicked a photo (to find it in its bin).
    """

    photoActivated = Signal(str, object)

    def __init__(self, controller: ProjectController, loader: ThumbnailLoader,
                 move: Callable[[list[Path], str], bool], remove: Callable[[list[Path]], int],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Check photos"))
        self.controller = controller
        self._loader = loader
        self._move = move
        self._remove = remove
        self.result: CheckResult | None = None
        self.suspects_model: SuspectsModel | None = None
        self.pairs_model: PairsModel | None = None
        self.slot = TaskSlot(self)
        self._build()
        controller.datasetChanged.connect(self._refilter)
        controller.projectReplaced.connect(self.close)
        cell = self.suspects_delegate.cell_size(self.fontMetrics().lineSpacing())
        self.resize(max(720, min(1200, 6 * (cell.width() + 8) + 60)), min(760, 3 * cell.height() + 240))

    def _build(self) -> None:
        self.intro = QLabel(self.tr("Looking at every photo the way the network sees it…"))
        self.intro.setWordWrap(True)
        self.progress = ProgressPanel(self.tr("Cancel"))
        self.progress.cancelRequested.connect(self.slot.cancel)
        self.slot.progress.connect(self.progress.follow)
        self.slot.failed.connect(self._on_failed)
        self.slot.cancelled.connect(self._on_cancelled)
        self.slot.done.connect(self.progress.finish)

        self.gallery = QListView()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setUniformItemSizes(True)
        self.gallery.setSpacing(4)
        self.gallery.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.suspects_delegate = _SuspectDelegate(self._loader.size, self.gallery)
        self.gallery.setItemDelegate(self.suspects_delegate)
        self.gallery.activated.connect(self._on_suspect_activated)  # double-click or Enter
        self.suspects_note = QLabel()
        self.suspects_note.setWordWrap(True)
        self.move_button = QPushButton(self.tr("Move to…"))
        self.move_button.clicked.connect(lambda _checked=False: self.move_current())
        self.keep_button = QPushButton(self.tr("Keep"))
        self.keep_button.setToolTip(self.tr("The photo is in the right class: do not suggest it again"))
        self.keep_button.clicked.connect(lambda _checked=False: self.keep_current())
        suspect_buttons = QHBoxLayout()
        suspect_buttons.addStretch(1)
        suspect_buttons.addWidget(self.move_button)
        suspect_buttons.addWidget(self.keep_button)
        suspects_tab = QWidget()
        column = QVBoxLayout(suspects_tab)
        column.addWidget(self.suspects_note)
        column.addWidget(self.gallery, 1)
        column.addLayout(suspect_buttons)

        self.pairs = QTableView()
        self.pairs.setShowGrid(False)
        self.pairs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pairs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pairs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pairs.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.pairs.verticalHeader().setVisible(False)
        self.pairs.setWordWrap(True)
        self.pairs.activated.connect(self._on_pair_activated)
        self.pair_delegate = _CopyDelegate(self._loader.size, self.pairs)
        self.pair_text_delegate = _PairTextDelegate(self.pairs)
        self.pairs_note = QLabel()
        self.pairs_note.setWordWrap(True)
        self.remove_first_button = QPushButton(self.tr("Remove the photo"))
        self.remove_first_button.clicked.connect(lambda _checked=False: self.remove_from_pair(0))
        self.remove_second_button = QPushButton(self.tr("Remove the look-alike"))
        self.remove_second_button.clicked.connect(lambda _checked=False: self.remove_from_pair(1))
        pair_buttons = QHBoxLayout()
        pair_buttons.addStretch(1)
        pair_buttons.addWidget(self.remove_first_button)
        pair_buttons.addWidget(self.remove_second_button)
        pairs_tab = QWidget()
        column = QVBoxLayout(pairs_tab)
        column.addWidget(self.pairs_note)
        column.addWidget(self.pairs, 1)
        column.addLayout(pair_buttons)

        self.tabs = QTabWidget()
        self.tabs.addTab(suspects_tab, self.tr("In the wrong class?"))
        self.tabs.addTab(pairs_tab, self.tr("Near-duplicates"))
        self.tabs.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.progress)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._update_buttons()

    # -- running the checks ---------------------------------------------------------------------------

    def start(self) -> bool:
        """Run both checks in the background on a copy of the bins; False if they are running."""
        controller = self.controller
        dataset = controller.dataset.copy()
        # The worker gets its own network: the Model page may change the freeze state meanwhile.
        backbone = copy.deepcopy(controller.network) if controller.network is not None else controller.backbone_id
        config = controller.config

        def job(token: CancelToken, report) -> CheckResult:
            return run_checks(dataset, backbone, config.val_fraction, config.seed, token, report)

        started = self.slot.start(job, self.show_result)
        if started:
            self.progress.start(self.tr("Reading the photos"))
        return started

    def _on_failed(self, message: str, _details: str) -> None:
        self.intro.setText(self.tr("The check stopped: {0}").format(message))

    def _on_cancelled(self) -> None:
        self.intro.setText(self.tr("The check was cancelled. Close this window and choose Check photos… "
                                   "to start again."))

    def show_result(self, result: CheckResult) -> None:
        """Fill the gallery and the pairs from a finished check."""
        self.result = result
        suspects = result.suspects.suspects if result.suspects is not None else []
        self.suspects_model = SuspectsModel(suspects, self._loader, self)
        self.gallery.setModel(self.suspects_model)
        self.gallery.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.pairs_model = PairsModel(result.duplicates.pairs, self._loader, self)
        self.pairs.setModel(self.pairs_model)
        for column in (0, 1):
            self.pairs.setItemDelegateForColumn(column, self.pair_delegate)
        self.pairs.setItemDelegateForColumn(2, self.pair_text_delegate)
        header = self.pairs.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.pairs.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.pairs.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        checked = result.duplicates.checked
        self.intro.setText(self.tr("Checked {0} photos.").format(checked))
        self.tabs.setEnabled(True)
        self._refilter()

    def _refilter(self) -> None:
        """The bins changed (an edit here, on the page, or its undo): show what still applies."""
        if self.suspects_model is None or self.pairs_model is None:
            return
        dataset = self.controller.dataset
        row = max(0, self.gallery.currentIndex().row())
        self.suspects_model.refilter(dataset)
        self._set_current(self.gallery, self.suspects_model.index(min(row, self.suspects_model.rowCount() - 1)))
        pair_row = max(0, self.pairs.currentIndex().row())
        self.pairs_model.refilter(dataset)
        self._set_current(self.pairs, self.pairs_model.index(min(pair_row, self.pairs_model.rowCount() - 1), 0))
        self._update_notes()
        self._update_buttons()

    @staticmethod
    def _set_current(view: QAbstractItemView, index: QModelIndex) -> None:
        if index.isValid():
            view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _update_notes(self) -> None:
        result = self.result
        if result is None:
            return
        suspects = self.suspects_model.rowCount()
        if result.suspects is None:
            self.suspects_note.setText(result.suspects_problem)
        elif suspects:
            self.suspects_note.setText(self.tr(
                "Photos that look more like another class than their own: {0}, likeliest mistake first. Under "
                "each: its class → the class the other photos suggest. Pick one, then move it there, or keep it "
                "where it is; double-click it to see it in its class.").format(suspects))
        else:
            self.suspects_note.setText(self.tr("No photo looks like it is in the wrong class."))
        pairs = self.pairs_model.rowCount()
        if pairs:
            self.pairs_note.setText(self.tr(
                "Pairs of photos that show the same scene: {0}. A pair across classes means one of the two is "
                "probably in the wrong class; across the split, the validation photo is no real test.").format(pairs))
        else:
            self.pairs_note.setText(self.tr("No two photos show the same scene."))
        self.tabs.setTabText(0, self.tr("In the wrong class? ({0})").format(suspects))
        self.tabs.setTabText(1, self.tr("Near-duplicates ({0})").format(pairs))

    def _update_buttons(self) -> None:
        suspect = self.current_suspect()
        self.move_button.setEnabled(suspect is not None)
        self.keep_button.setEnabled(suspect is not None)
        self.move_button.setText(self.tr("Move to “{0}”").format(suspect.suggested.replace("&", "&&"))
                                 if suspect is not None else self.tr("Move to…"))
        pair = self.current_pair()
        self.remove_first_button.setEnabled(pair is not None)
        self.remove_second_button.setEnabled(pair is not None)

    # -- acting on what was found ------------------------------------------------------------------------

    def current_suspect(self) -> LabelSuspect | None:
        if self.suspects_model is None:
            return None
        return self.suspects_model.suspect(self.gallery.currentIndex().row())

    def current_pair(self) -> NearDuplicate | None:
        if self.pairs_model is None:
            return None
        return self.pairs_model.pair(self.pairs.currentIndex().row())

    def _on_suspect_activated(self, index: QModelIndex) -> None:
        suspect = self.suspects_model.suspect(index.row()) if self.suspects_model is not None else None
        if suspect is not None:
            self.photoActivated.emit(suspect.given, suspect.item.path)

    def _on_pair_activated(self, index: QModelIndex) -> None:
        item = self.pairs_model.item(index) if self.pairs_model is not None else None
        if item is not None:
            self.photoActivated.emit(item.label, item.path)

    def move_current(self) -> bool:
        """The chosen suspect to the class the other photos suggest (undoable)."""
        suspect = self.current_suspect()
        if suspect is None:
            return False
        return self._move([suspect.item.path], suspect.suggested)

    def keep_current(self) -> bool:
        """The chosen suspect stays where it is and is not suggested again."""
        suspect = self.current_suspect()
        if suspect is None:
            return False
        self.controller.dataset.keep_label(suspect.item.path)
        self.controller.mark_dirty()  # saved with the project; not an edit of the bins to undo
        self._refilter()
        self.controller.show_status(self.tr("Kept {0} in “{1}”.").format(file_name(suspect.item.path), suspect.given))
        return True

    def remove_from_pair(self, which: int) -> bool:
        """Take the first (0) or second (1) photo of the chosen pair out of the project (undoable)."""
        pair = self.current_pair()
        if pair is None:
            return False
        item = pair.first if which == 0 else pair.second
        return self._remove([item.path]) > 0

    def shutdown(self) -> None:
        """Stop the check (the window is closing); waits a bounded time, see ``TaskSlot.shutdown``."""
        self.slot.shutdown()

    def done(self, result: int) -> None:
        # Before the dialog (and its TaskSlot's thread) is deleted on close.
        self.slot.shutdown()
        super().done(result)
