"""Tab 1 · Data: the class bins. Drop folders of photos in, sort, rename, merge, clean up.

The page is a view of ``controller.dataset``: every edit is a command on the controller's undo
stack (``undo``), which changes the bins through a ``DataSet`` method and announces it, and every
panel, banner and summary is rebuilt from the dataset when ``datasetChanged`` fires. After an edit
(or its undo) the page scrolls to where it landed and outlines it. Reading folders runs in the
background (``Intake``); while it runs the bins are read-only, because its photos join them when
it ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import AddReport, DataSet
from tlgui.core.data.demo import is_demo
from tlgui.core.data.images import SUPPORTED_SUFFIXES
from tlgui.core.errors import TlguiError
from tlgui.core.plan.freeze_plan import planned_regime
from tlgui.core.plan.recommend import MIN_PHOTOS_TO_TRAIN
from tlgui.core.plan.regime import Regime
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.data import dialogs as data_dialogs
from tlgui.gui.pages.data import undo
from tlgui.gui.pages.data.banners import (
    DemoBanner,
    DuplicatesBanner,
    MissingPhotosBanner,
    NoticeBanner,
    SkippedPanel,
)
from tlgui.gui.pages.data.bin_widget import BinPanel
from tlgui.gui.pages.data.bins_model import BinModel, decode_paths
from tlgui.gui.pages.data.drop_zone import DropZone
from tlgui.gui.pages.data.intake import Intake, IntakeBar, IntakeRequest, IntakeResult
from tlgui.gui.pages.data.preview import PhotoPreview
from tlgui.gui.settings import app_settings
from tlgui.gui.widgets.file_urls import local_paths
from tlgui.gui.widgets.progress_text import counted
from tlgui.gui.widgets.thumb_delegate import ThumbnailDelegate
from tlgui.gui.widgets.thumbnails import THUMB_SIZE, ThumbnailLoader
from tlgui.gui.widgets.viewport import viewport

if TYPE_CHECKING:  # imported when first shown: the window paints without them
    from tlgui.core.data.intake import IntakePlan  # an annotation only
    from tlgui.gui.pages.data.duplicates import DuplicatesDialog
    from tlgui.gui.pages.data.suspects import PhotoCheckDialog

EMPTY_TEXT = QT_TRANSLATE_NOOP(
    "DataPage",
    "<h2>Start by adding photos</h2>"
    "<p>Drag folders of photos here — one folder per class (for example <i>cats/</i> and "
    "<i>dogs/</i>), or one folder that holds a sub-folder per class.</p>"
    "<p>Photos you drop later on a class join it; drag thumbnails between classes to relabel them.</p>"
)
DROP_TEXT = QT_TRANSLATE_NOOP("DataPage", "Drop folders or photos here to add them — on a class to add them to it")

# The thumbnail size slider: smallest, largest, step (pixels).
THUMB_SIZES = (64, 256, 16)
THUMB_SIZE_KEY = "data_page/thumbnail_size"
# Drags near the top or bottom of the bins scroll them, this many pixels from the edge.
AUTOSCROLL_MARGIN = 40


def _image_filter() -> str:
    patterns = " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
    return QCoreApplication.translate("DataPage", "Images ({patterns});;All files (*)").format(patterns=patterns)


def default_thumb_size(screen_width: int) -> int:
    """Thumbnails a little larger on large screens, so a grid of them reads at a glance."""
    return THUMB_SIZE if screen_width < 1600 else 128


def describe_reports(reports: Iterable[AddReport]) -> str:
    """One sentence for the status bar about what an intake added."""
    reports = list(reports)
    added = sum(r.added for r in reports)
    created = [name for r in reports for name in r.created]
    duplicates = sum(r.duplicates_ignored for r in reports)
    skipped = sum(len(r.skipped) for r in reports)
    parts = [QCoreApplication.translate("DataPage", "Added {photos}").format(photos=counted(added, "photo"))]
    if created:
        new = QCoreApplication.translate("DataPage", "new class: {names}") if len(created) == 1 else QCoreApplication.translate("DataPage", "new classes: {names}")
        parts.append(new.format(names=", ".join(created)))
    if duplicates:
        parts.append(QCoreApplication.translate("DataPage", "{photos} already there left out").format(photos=counted(duplicates, "photo")))
    if skipped:
        parts.append(QCoreApplication.translate("DataPage", "{files} skipped").format(files=counted(skipped, "file")))
    return QCoreApplication.translate("DataPage", "; ").join(parts) + QCoreApplication.translate("DataPage", ".")


class _EmptyState(DropZone):
    """What a new project shows: a drop zone that says what to do, and buttons for those who do not drag."""

    def __init__(self, page: DataPage):
        super().__init__()
        self.text = QLabel(QCoreApplication.translate("DataPage", EMPTY_TEXT))
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # At most a comfortable line length; no alignment flag in the layout, so the label gets
        # the height its wrapped text needs at the width it gets.
        self.text.setMaximumWidth(560)
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.add_button = QPushButton(self.tr("Add folder…"))
        self.add_button.setMinimumWidth(160)
        self.add_button.clicked.connect(page.add_folder_dialog)
        self.new_button = QPushButton(self.tr("New empty class"))
        self.new_button.clicked.connect(page.new_class)
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(self.text, 100)
        text_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addLayout(text_row)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)


class _DropStrip(DropZone):
    """The strip under the bins: always in view, it says where files go."""

    def __init__(self, page: DataPage):
        super().__init__()
        self.text = QLabel(QCoreApplication.translate("DataPage", DROP_TEXT))
        self.text.setEnabled(False)
        self.text.setWordWrap(True)
        self.add_button = QPushButton(self.tr("Add folder…"))
        self.add_button.clicked.connect(page.add_folder_dialog)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.add_button)


class _DragScroller(QObject):
    """Scrolls the bins while something is dragged near their top or bottom edge (Qt scrolls a
    view during a drag only inside that view; here the page scrolls)."""

    def __init__(self, scroll: QScrollArea):
        super().__init__(scroll)
        self._scroll = scroll
        self._step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._tick)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            self.follow(watched.mapToGlobal(event.position().toPoint()))
        elif kind in (QEvent.Type.DragLeave, QEvent.Type.Drop):
            self.stop()
        return False

    def follow(self, global_pos: QPoint) -> None:
        """The drag is at ``global_pos``: scroll when it is near an edge (or below the bins)."""
        shown = viewport(self._scroll)
        y = shown.mapFromGlobal(global_pos).y()
        height = shown.height()
        if y < AUTOSCROLL_MARGIN:
            self._step = -max(4, (AUTOSCROLL_MARGIN - y) // 2)
        elif y > height - AUTOSCROLL_MARGIN:
            self._step = max(4, (y - height + AUTOSCROLL_MARGIN) // 2)
        else:
            self._step = 0
        if self._step and not self._timer.isActive():
            self._timer.start()
        elif not self._step:
            self._timer.stop()

    def stop(self) -> None:
        self._step = 0
        self._timer.stop()

    def _tick(self) -> None:
        bar = self._scroll.verticalScrollBar()
        bar.setValue(bar.value() + max(-60, min(60, self._step)))


class DataPage(QWidget):
    """The class bins of the open project (tab "1 · Data").

    ``trainRequested`` and ``newProjectRequested`` come from the demo's welcome (the window switches
    to the Train tab / starts a new project); ``move_action`` is Edit > Move to Class… .
    """

    trainRequested = Signal()
    newProjectRequested = Signal()

    def __init__(self, controller: ProjectController, parent: QWidget | None = None,
                 *, loader: ThumbnailLoader | None = None):
        super().__init__(parent)
        self.controller = controller
        self.loader = loader or ThumbnailLoader(self)
        self.delegate = ThumbnailDelegate(self.loader.size, self)
        self.panels: dict[str, BinPanel] = {}
        self._dataset: DataSet | None = None
        self._bins_regime = Regime.HEAD
        self._closing = False
        # Set when another project replaced the one a running intake reads for: what it found is not
        # this project's (the user chose New or Open meanwhile), so it is dropped, never added here.
        self._intake_orphaned = False
        self.preview: PhotoPreview | None = None
        self.setAcceptDrops(True)
        self.move_action = QAction(self.tr("&Move to Class…"), self)
        self.move_action.setShortcut(QKeySequence("Ctrl+M"))
        self.move_action.setStatusTip(self.tr("Move the selected photos to another class"))
        self.move_action.triggered.connect(lambda _checked=False: self.move_selected())
        self.check_action = QAction(self.tr("&Check Photos…"), self)
        self.check_action.setStatusTip(self.tr("Find photos that look like another class, and near-duplicates"))
        self.check_action.triggered.connect(lambda _checked=False: self.check_photos())
        self.photo_check: PhotoCheckDialog | None = None
        self._build()
        self.intake = Intake(self.intake_bar, lambda q, c: data_dialogs.ask_layout(self, q, c), self)
        self.intake.finished.connect(self._on_intake_finished)
        self.intake.failed.connect(self.controller.report_error)
        self.intake.cancelled.connect(lambda: self.controller.show_status(self.tr("Adding photos stopped.")))
        self.intake.done.connect(self._on_intake_done)
        controller.projectReplaced.connect(self._on_project_replaced)
        controller.datasetChanged.connect(self.refresh)
        controller.configChanged.connect(self._update_summary)
        controller.configChanged.connect(self._update_regime)
        controller.networkChanged.connect(self._update_regime)
        controller.datasetChanged.connect(self._update_regime)
        self._update_regime()
        self.refresh()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.add_folder_button = self._tool(self.tr("Add folder…"), self.add_folder_dialog,
                                            self.tr("Read a folder of photos (or of class folders)"))
        self.new_class_button = self._tool(self.tr("New class"), self.new_class, self.tr("Add an empty class"))
        self.rename_button = self._tool(self.tr("Rename"), self.rename_checked, self.tr("Rename the ticked class"))
        self.merge_button = self._tool(self.tr("Merge…"), self.merge_checked,
                                       self.tr("Merge the ticked classes into one"))
        self.delete_button = self._tool(self.tr("Delete"), self.delete_checked, self.tr("Delete the ticked classes"))
        self.move_button = self._tool(self.tr("Move to class…"), self.move_selected,
                                      self.tr("Move the selected photos to another class (Ctrl+M)"))
        self.remove_button = self._tool(self.tr("Remove photos"), self.remove_selected,
                                        self.tr("Take the selected photos out of their classes (Delete key)"))
        self.check_button = self._tool(self.tr("Check photos…"), self.check_photos,
                                       self.tr("Find photos that look like another class, and near-duplicates"))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        low, high, step = THUMB_SIZES
        self.size_slider.setRange(low, high)
        self.size_slider.setSingleStep(step)
        self.size_slider.setPageStep(2 * step)
        self.size_slider.setFixedWidth(140)
        self.size_slider.setToolTip(self.tr("Size of the thumbnails"))
        self.size_slider.setValue(self._saved_thumb_size())
        self._size_timer = QTimer(self)
        self._size_timer.setSingleShot(True)
        self._size_timer.setInterval(120)  # decode again once the slider rests, not at every step
        self._size_timer.timeout.connect(self._apply_thumb_size)
        self.size_slider.valueChanged.connect(lambda _v: self._size_timer.start())
        toolbar = QHBoxLayout()
        for button in (self.add_folder_button, self.new_class_button, self.rename_button,
                       self.merge_button, self.delete_button, self.move_button, self.remove_button,
                       self.check_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        toolbar.addWidget(QLabel(self.tr("Thumbnails")))
        toolbar.addWidget(self.size_slider)
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Its own line: at narrow widths a summary beside the buttons would be cut off.
        self.summary.setWordWrap(True)

        self.intake_bar = IntakeBar()
        self.demo_banner = DemoBanner()
        self.demo_banner.trainRequested.connect(self.trainRequested)
        self.demo_banner.newProjectRequested.connect(self.newProjectRequested)
        self.notice = NoticeBanner()
        self.missing_banner = MissingPhotosBanner()
        self.missing_banner.locateRequested.connect(self.locate_missing_photos)
        self.duplicates_banner = DuplicatesBanner()
        self.duplicates_banner.showRequested.connect(self.show_duplicates)
        self.skipped_panel = SkippedPanel()

        self.bins_container = QWidget()
        self.bins_layout = QVBoxLayout(self.bins_container)
        self.bins_layout.setContentsMargins(0, 0, 0, 0)
        self.bins_layout.setSpacing(8)
        self.bins_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.bins_container)
        self.scroll.verticalScrollBar().setSingleStep(24)
        self.drag_scroller = _DragScroller(self.scroll)
        for watched in (viewport(self.scroll), self.bins_container):
            watched.installEventFilter(self.drag_scroller)
        # Built when first shown: a page with classes (the demo's, at the window's first paint) never
        # lays out its wrapped text, which the stack would measure at every width it tries.
        self._empty_state: _EmptyState | None = None
        self.stack = QStackedWidget()
        self.stack.addWidget(self.scroll)
        self.drop_zone = _DropStrip(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary)
        layout.addWidget(self.intake_bar)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.missing_banner)
        layout.addWidget(self.duplicates_banner)
        layout.addWidget(self.skipped_panel)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.drop_zone)
        self._set_thumb_size(self.size_slider.value())

    @property
    def empty_state(self) -> _EmptyState:
        """What the page shows while the project has no classes."""
        if self._empty_state is None:
            self._empty_state = _EmptyState(self)
            self.stack.addWidget(self._empty_state)
            self._update_buttons()
        return self._empty_state

    def _tool(self, text: str, slot, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- thumbnail size ----------------------------------------------------------------------------

    def _saved_thumb_size(self) -> int:
        screen = self.screen() or (self.window().screen() if self.window() else None)
        default = default_thumb_size(screen.availableGeometry().width()) if screen else THUMB_SIZE
        try:
            value = int(app_settings().value(THUMB_SIZE_KEY, default))
        except (TypeError, ValueError):
            value = default
        low, high, _step = THUMB_SIZES
        return max(low, min(high, value))

    def _apply_thumb_size(self) -> None:
        size = self.size_slider.value()
        app_settings().setValue(THUMB_SIZE_KEY, size)
        self._set_thumb_size(size)

    def _set_thumb_size(self, size: int) -> None:
        if size == self.delegate.thumb_size and size == self.loader.size:
            return
        self.loader.set_size(size)
        self.delegate.thumb_size = size
        for panel in self.panels.values():
            panel.set_thumb_size(self.delegate)

    # -- showing the dataset ---------------------------------------------------------------------

    @property
    def dataset(self) -> DataSet:
        return self.controller.dataset

    def refresh(self) -> None:
        """Bring panels, banners and summary in line with the dataset."""
        dataset = self.dataset
        if dataset is not self._dataset:
            # A different project: its bins share nothing with the panels shown.
            for label in list(self.panels):
                self._drop_panel(label)
            self._dataset = dataset
            self.notice.hide()
            self.demo_banner.dismissed = False  # closed for the project it was shown over
        # Every edit asks again: photos of the user's own, or the demo's classes gone, end the demo.
        self.demo_banner.show_for(is_demo(dataset))
        duplicates = dataset.duplicates()
        doubled = {d.digest for d in duplicates}
        names = dataset.class_names
        vanished = [label for label in self.panels if label not in names]
        appeared = [label for label in names if label not in self.panels]
        if len(vanished) == 1 and len(appeared) == 1:
            # A rename (or its undo): the same panel, tick and folding under the new name.
            panel = self.panels.pop(vanished[0])
            panel.model.set_label(appeared[0])
            self.panels[appeared[0]] = panel
        else:
            for label in vanished:
                self._drop_panel(label)
        for position, label in enumerate(names):
            panel = self.panels.get(label) or self._make_panel(label)
            panel.model.refresh(doubled)
            if self.bins_layout.indexOf(panel) != position:
                self.bins_layout.insertWidget(position, panel)
                panel.show()  # now, not when the layout's queued show comes: it is laid out at once
        self.panels = {label: self.panels[label] for label in names}  # in bin order, like the layout
        self.duplicates_banner.set_duplicates(duplicates)
        self.skipped_panel.set_skipped(dataset.skipped)
        self.stack.setCurrentWidget(self.scroll if names else self.empty_state)
        self.drop_zone.setVisible(bool(names))
        self._update_summary()
        self._update_buttons()

    def _make_panel(self, label: str) -> BinPanel:
        model = BinModel(self.dataset, label, self.loader, self)
        model.can_accept = lambda: not self.intake.running
        model.itemsMoved.connect(self._on_items_moved)
        model.filesDropped.connect(self._on_files_dropped_on_bin)
        panel = BinPanel(model, self.delegate)
        panel.renameRequested.connect(self.rename_class)
        panel.deleteRequested.connect(lambda label: self.delete_classes([label]))
        panel.removePhotosRequested.connect(lambda label: self.remove_selected([label]))
        panel.moveRequested.connect(lambda _label: self.move_selected())
        panel.addPhotosRequested.connect(self.add_photos_dialog)
        panel.previewRequested.connect(self.show_preview)
        panel.checkedChanged.connect(lambda _label, _on: self._update_buttons())
        panel.selectionChanged.connect(lambda _label: self._update_buttons())
        for watched in (panel, viewport(panel.view)):
            watched.installEventFilter(self.drag_scroller)
        # The regime of the last _update_regime, which runs right after each refresh: planning once
        # per panel would split the whole data set once per class.
        panel.set_regime(self._bins_regime)
        self.panels[label] = panel
        return panel

    def _regime(self) -> Regime:
        return planned_regime(self.dataset, self.controller.config, self.controller.network)

    def _update_regime(self) -> None:
        """Bins flag "too few photos" against what the chosen freeze level will train."""
        self._bins_regime = self._regime()
        for panel in self.panels.values():
            panel.set_regime(self._bins_regime)

    def _drop_panel(self, label: str) -> None:
        panel = self.panels.pop(label)
        self.bins_layout.removeWidget(panel)
        panel.hide()  # now: deleteLater alone leaves the panel painted until the event loop runs it
        # Still parented, so Qt deletes it, on this thread, once the handler that dropped it (maybe
        # one of the panel's own) has returned; unparented, its Python wrapper would own it and
        # delete it wherever the last reference went.
        panel.model.deleteLater()
        panel.deleteLater()

    def _update_summary(self) -> None:
        dataset = self.dataset
        classes = len(dataset.class_names)
        if not classes:
            self.summary.setText(self.tr("No classes yet"))
            return
        if dataset.has_predefined_split:
            split = self.tr("split: given by train/val folders")
        else:
            split = self.tr("split: automatic ({share} held out to validate)").format(
                share=f"{self.controller.config.val_fraction:.0%}")
        parts = [counted(classes, "class", "classes"), counted(len(dataset), "photo"), split]
        trainable = [n for n, c in dataset.class_counts().items() if c >= MIN_PHOTOS_TO_TRAIN]
        if len(trainable) < 2:
            parts.append(self.tr("<b>training needs two classes with at least two photos each</b>"))
        self.summary.setText(" · ".join(parts))

    def _update_buttons(self) -> None:
        checked = self.checked_labels()
        idle = not self.intake.running if hasattr(self, "intake") else True
        selected = any(panel.view.selectionModel().hasSelection() for panel in self.panels.values())
        self.add_folder_button.setEnabled(idle)
        self.new_class_button.setEnabled(idle)
        self.rename_button.setEnabled(idle and len(checked) == 1)
        self.merge_button.setEnabled(idle and len(checked) >= 2)
        self.delete_button.setEnabled(idle and bool(checked))
        self.remove_button.setEnabled(idle and selected)
        self.move_button.setEnabled(idle and selected)
        self.move_action.setEnabled(idle and selected)
        self.check_button.setEnabled(idle and len(self.dataset) > 0)
        self.check_action.setEnabled(idle and len(self.dataset) > 0)
        if self._empty_state is not None:
            self._empty_state.add_button.setEnabled(idle)
            self._empty_state.new_button.setEnabled(idle)
        self.drop_zone.add_button.setEnabled(idle)

    def checked_labels(self) -> list[str]:
        """Classes whose tick box is on, in bin order."""
        return [label for label, panel in self.panels.items() if panel.check.isChecked()]

    def selected_photos(self) -> dict[str, list[Path]]:
        """The selected photos of each bin that has any, in bin order."""
        selected = {label: panel.selected_paths() for label, panel in self.panels.items()}
        return {label: paths for label, paths in selected.items() if paths}

    # -- showing where an edit landed ----------------------------------------------------------------

    def reveal(self, label: str, paths: Iterable[Path] = ()) -> None:
        """Scroll to ``label``'s bin, outline it, and select ``paths`` there (the first one in view)."""
        panel = self.panels.get(label)
        if panel is None:
            return
        paths = list(paths)
        for other in self.panels.values():
            if other is not panel:
                other.clear_selection()
        rect = panel.select_paths(paths) if paths else None
        panel.highlight()
        self._scroll_to(panel, rect)

    def _scroll_to(self, panel: BinPanel, rect) -> None:
        # Place a new or grown panel now (Qt would on its next pass) so its place is known.
        self.bins_layout.activate()
        QApplication.sendEvent(self.scroll, QEvent(QEvent.Type.LayoutRequest))
        if rect is None:
            top = panel.mapTo(self.bins_container, QPoint(0, 0))
            height = min(panel.height(), viewport(self.scroll).height())
            self.scroll.ensureVisible(top.x(), top.y() + height // 2, 0, height // 2 + 4)
        else:
            centre = panel.mapTo(self.bins_container, rect.center())
            self.scroll.ensureVisible(centre.x(), centre.y(), rect.width(), rect.height())

    def _revealer(self, redo_label: str | None, undo_label: str | None = None,
                  paths: Iterable[Path] = ()) -> undo.RevealFn:
        """What to show after an edit (``redo_label``) and after its undo (``undo_label``)."""
        paths = list(paths)

        def reveal(_command: undo.BinsEdit, undone: bool) -> None:
            label = undo_label if undone else redo_label
            if label is not None:
                self.reveal(label, paths)

        return reveal

    # -- busy / shutdown (the main window asks) ----------------------------------------------------

    def busy(self) -> bool:
        return self.intake.running

    def shutdown(self) -> None:
        self._closing = True
        if self.preview is not None:
            self.preview.close()
        if self.photo_check is not None:
            self.photo_check.shutdown()
        self.intake.shutdown()
        self.loader.shutdown()

    # -- adding photos ---------------------------------------------------------------------------

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of photos"))
        if folder:
            self.add_paths([Path(folder)])

    def add_photos_dialog(self, label: str) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Add photos to “{name}”").format(name=label), "", _image_filter())
        if files:
            self.add_paths([Path(f) for f in files], label=label)

    def add_paths(self, paths: Iterable[Path], label: str | None = None) -> bool:
        """Add dropped or chosen paths. With ``label`` everything joins that class; without, folders
        are read by their layout and loose files are read first, then go to a class the user picks.
        True if reading started."""
        paths = list(paths)
        if self.intake.running:
            self.controller.show_status(self.tr("Still reading the previous photos; try again when it is done."))
            return False
        request = IntakeRequest()
        if label is not None:
            request.files[label] = paths
        else:
            request.folders = [p for p in paths if p.is_dir()]
            request.loose = [p for p in paths if not p.is_dir()]
        if not request:
            return False
        self.notice.hide()
        started = self.intake.start(request)
        self._update_buttons()
        return started

    def _on_files_dropped_on_bin(self, paths: list[Path], label: str) -> None:
        # Deferred: the drop event (and, for drags between windows, the drag) must finish first.
        QTimer.singleShot(0, lambda: self.add_paths(paths, label=label))

    def _on_project_replaced(self) -> None:
        if self.intake.running:
            self._intake_orphaned = True
            self.intake.cancel()
        # Files may have changed on disk since they were shown (a photo deleted, another put in its
        # place): the new project's thumbnails are made afresh.
        self.loader.forget()
        self.missing_banner.show_missing(self.controller.photos_missing)

    def locate_missing_photos(self) -> None:
        """Ask for the folder the missing photos are in now, and take them from there."""
        project = self.controller.path
        folder = QFileDialog.getExistingDirectory(self, self.tr("Where are the photos now?"),
                                                  str(project.parent) if project is not None else "")
        if not folder:
            return
        # Before the bins change and their views ask again: what failed at the old paths is forgotten.
        self.loader.forget()
        found = self.controller.find_photos_in(Path(folder))  # saved with the project, runs' too
        self.missing_banner.show_missing(len(self.dataset.missing_photos()))
        self.controller.show_status(self.tr("%n photo(s) found in {folder}.", "", found).format(folder=folder)
                                    if found else
                                    self.tr("None of the missing photos is in {folder}, at the place they had "
                                            "in their old folder.").format(folder=folder))

    def _on_intake_finished(self, result: IntakeResult) -> None:
        if self._intake_orphaned:
            self.controller.show_status(self.tr("The photos being added were left out: another project was opened."))
            return
        plans = list(result.plans)
        loose = result.loose
        if loose is not None and loose.items and not self._closing:
            target = data_dialogs.choose_class(self, [item.path for item in loose.items], self.dataset.class_names)
            if target is not None:
                try:
                    plans.append(undo.relabelled(loose, target))
                except TlguiError as exc:
                    self.controller.report_error(str(exc))
        elif loose is not None:
            plans.append(loose)  # no photo among them: only the skipped files, to say why
        if not any(plan.items or plan.skipped for plan in plans):
            self._say_nothing_found(result)
            return
        request = result.request
        if len(request.files) == 1 and not request.folders and not request.loose:
            (label,) = request.files
            self._join_class(plans[0], label)
            return
        first = next((item.label for plan in plans for item in plan.items), None)
        try:
            command = undo.add_photos(self.controller, plans, reveal=self._revealer(first))
        except TlguiError as exc:
            self.controller.report_error(str(exc))
            return
        reports: list[AddReport] = command.result
        if any(r.added or r.created or r.skipped for r in reports):
            undo.push(self.controller, command)
        # else every photo was in its class already: the bins are as they were, nothing to undo
        self.controller.show_status(describe_reports(reports))
        self._point_at_skipped(read_any=any(plan.items for plan in plans),
                               skipped_any=any(report.skipped for report in reports))

    def _join_class(self, plan: IntakePlan, label: str) -> None:
        """Photos dropped on a bin (or added from its menu) join that class. One already in another
        class moves here, never doubled: the user said where it belongs, as with "Add to class" on the
        Classify page."""
        try:
            command = undo.add_to_class(self.controller, plan, label, [item.path for item in plan.items],
                                        reveal=self._revealer(label))
        except TlguiError as exc:
            self.controller.report_error(str(exc))
            return
        joined: undo.JoinedClass = command.result
        if joined.changed:
            undo.push(self.controller, command)
        # else every photo was in the class already: the bins are as they were, nothing to undo
        self.controller.show_status(joined.describe(label))
        self._point_at_skipped(read_any=bool(plan.items), skipped_any=bool(plan.skipped))

    def _point_at_skipped(self, *, read_any: bool, skipped_any: bool) -> None:
        if not read_any:
            self.notice.show_notice(self.tr("None of the files can be read as a photo; the list of skipped files "
                                            "says why each was left out."))
        if skipped_any and not self.skipped_panel.expanded:
            self.skipped_panel.toggle.setChecked(True)

    def _say_nothing_found(self, result: IntakeResult) -> None:
        """An empty folder: said where it stays until closed, not only in the status bar."""
        request = result.request
        dropped = request.folders + request.loose + [p for files in request.files.values() for p in files]
        where = self.tr("“{name}”").format(name=dropped[0].name or dropped[0]) if len(dropped) == 1 \
            else self.tr("what was dropped")
        formats = sorted({s.lstrip(".").upper() for s in SUPPORTED_SUFFIXES} - {"JPEG", "TIFF"})
        self.notice.show_notice(self.tr("No photos found in {where}, so nothing was added. tlgui reads "
                                        "{formats} files, in a folder and its sub-folders.").format(
            where=where, formats=", ".join(formats)))
        self.controller.show_status(self.tr("No photos found; nothing was added."))

    def _on_intake_done(self) -> None:
        self._intake_orphaned = False
        self._update_buttons()

    # -- drops on the page (empty space, empty state, the strip under the bins) ---------------------

    def _can_take(self, event) -> bool:
        return bool(local_paths(event.mimeData())) and not self.intake.running

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._can_take(event):
            event.acceptProposedAction()
            self._show_drop_target(True)
        elif decode_paths(event.mimeData()) is not None:
            event.accept()  # thumbnails on their way to a bin: follow them to scroll, never drop here
        self.drag_scroller.follow(self.mapToGlobal(event.position().toPoint()))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.drag_scroller.follow(self.mapToGlobal(event.position().toPoint()))
        if self._can_take(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._show_drop_target(False)
        self.drag_scroller.stop()

    def dropEvent(self, event: QDropEvent) -> None:
        self._show_drop_target(False)
        self.drag_scroller.stop()
        paths = local_paths(event.mimeData())
        if not paths or self.intake.running:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.add_paths(paths))

    def _show_drop_target(self, on: bool) -> None:
        self.drop_zone.set_active(on)
        if self._empty_state is not None:
            self._empty_state.set_active(on)

    # -- editing bins ----------------------------------------------------------------------------

    def _edit(self, make) -> undo.BinsEdit | None:
        """Make one edit (``make()`` builds its command) and push it; engine refusals (DataError)
        become error messages and push nothing."""
        if self.intake.running:
            self.controller.show_status(self.tr("Wait until the photos are read."))
            return None
        try:
            command = make()
        except TlguiError as exc:
            self.controller.report_error(str(exc))
            return None
        return undo.push(self.controller, command)

    def new_class(self) -> str | None:
        name = data_dialogs.new_class_name(self, self.dataset.class_names)
        if name is None:
            return None
        def reveal(command: undo.BinsEdit, undone: bool) -> None:
            if not undone:
                self.reveal(command.result)

        command = self._edit(lambda: undo.new_class(self.controller, name, reveal=reveal))
        return command.result if command is not None else None

    def rename_checked(self) -> None:
        checked = self.checked_labels()
        if len(checked) == 1:
            self.reveal(checked[0])
            self.panels[checked[0]].start_rename()

    def rename_class(self, old: str, new: str) -> bool:
        command = self._edit(lambda: undo.rename_class(self.controller, old, new,
                                                       reveal=self._revealer(None, old)))
        return command is not None

    def delete_checked(self) -> None:
        self.delete_classes(self.checked_labels())

    def delete_classes(self, labels: list[str]) -> bool:
        if not labels:
            return False
        photos = sum(self.dataset.count(label) for label in labels)
        if photos and not data_dialogs.confirm_delete(self, labels, photos):
            return False
        command = self._edit(lambda: undo.delete_classes(self.controller, labels,
                                                         reveal=self._revealer(None, labels[0])))
        if command is None:
            return False
        self.controller.show_status(self.tr("Deleted {names}. Edit › Undo brings them back.").format(
            names=", ".join(labels)))
        return True

    def merge_checked(self) -> None:
        checked = self.checked_labels()
        if len(checked) < 2:
            return
        target = data_dialogs.merge_target(self, checked)
        if target is not None:
            self.merge_classes(checked, target)

    def merge_classes(self, sources: list[str], target: str) -> bool:
        command = self._edit(lambda: undo.merge_classes(self.controller, sources, target,
                                                        reveal=self._revealer(target, sources[0])))
        if command is None:
            return False
        dropped = command.result
        status = self.tr("Merged into {name}.").format(name=target)
        if dropped:
            status += self.tr(" {copies} of the same photo left out.").format(copies=counted(dropped, "copy", "copies"))
        self.controller.show_status(status)
        return True

    def remove_selected(self, labels: list[str] | None = None) -> int:
        """Take the selected photos of the given bins (default all) out of the project."""
        selected = self.selected_photos()
        paths = [p for label in (labels or list(selected)) for p in selected.get(label, [])]
        if not paths:
            self.controller.show_status(self.tr("Select photos first (click, Shift/Ctrl-click), then remove them."))
            return 0
        sources = self.dataset.labels_holding(paths)
        command = self._edit(lambda: undo.remove_photos(self.controller, paths,
                                                        reveal=self._revealer(None, sources[0], paths)))
        if command is not None:
            self.controller.show_status(self.tr("Removed {photos} from the project (the files stay on disk).").format(
                photos=counted(command.result, "photo")))
        return len(paths)

    def move_selected(self, target: str | None = None) -> bool:
        """Move the selected photos to ``target``, asking which class when it is not given."""
        selected = self.selected_photos()
        paths = [p for group in selected.values() for p in group]
        if not paths:
            self.controller.show_status(self.tr("Select photos first (click, Shift/Ctrl-click), then move them."))
            return False
        if target is None:
            target = data_dialogs.move_target(self, len(paths), list(selected), self.dataset.class_names)
            if target is None:
                return False
        return self.move_items(paths, target)

    def _on_items_moved(self, paths: list[Path], label: str) -> None:
        # Deferred so the source view's drag finishes before every bin model resets.
        QTimer.singleShot(0, lambda: self.move_items(paths, label))

    def move_items(self, paths: list[Path], label: str) -> bool:
        """Relabel photos into ``label`` (created when new), then show them there."""
        sources = self.dataset.labels_holding(paths)
        command = self._edit(lambda: undo.move_photos(
            self.controller, paths, label, reveal=self._revealer(label, sources[0] if sources else None, paths)))
        if command is None:
            return False
        self.controller.show_status(self.tr("Moved {photos} to {name}.").format(photos=counted(command.result, "photo"),
                                                                            name=label))
        return True

    # -- looking at photos -------------------------------------------------------------------------

    def show_preview(self, label: str, row: int) -> PhotoPreview | None:
        """Photo ``row`` of ``label`` large, in a window of its own."""
        if label not in self.panels or row < 0:
            return None
        if self.preview is not None:
            self.preview.close()
        items = self.dataset.items(label)
        self.preview = PhotoPreview(items, row, self.loader.request, self)
        self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview.destroyed.connect(lambda *_: setattr(self, "preview", None))
        self.preview.show()
        return self.preview

    def remove_items(self, paths: list[Path]) -> int:
        """Take photos out of the project (undoable); how many went."""
        sources = self.dataset.labels_holding(paths)
        command = self._edit(lambda: undo.remove_photos(self.controller, paths,
                                                        reveal=self._revealer(None, sources[0] if sources else None,
                                                                              paths)))
        if command is None:
            return 0
        self.controller.show_status(self.tr("Removed {photos} from the project (the files stay on disk).").format(
            photos=counted(command.result, "photo")))
        return command.result

    def check_photos(self) -> PhotoCheckDialog:
        """Look for photos in the wrong class and near-duplicates, in a window of their own."""
        from tlgui.gui.pages.data.suspects import PhotoCheckDialog

        if self.photo_check is not None:
            self.photo_check.close()
        dialog = PhotoCheckDialog(self.controller, self.loader, self.move_items, self.remove_items, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result, d=dialog: self._forget_photo_check(d))
        dialog.photoActivated.connect(self.reveal_photo)
        self.photo_check = dialog
        dialog.show()
        dialog.start()
        return dialog

    def _forget_photo_check(self, dialog: PhotoCheckDialog) -> None:
        if self.photo_check is dialog:
            self.photo_check = None

    def show_duplicates(self) -> DuplicatesDialog:
        """A non-modal view of the doubled photos; double-clicking one selects it in its bin."""
        from tlgui.gui.pages.data.duplicates import DuplicatesDialog

        dialog = DuplicatesDialog(self.duplicates_banner.duplicates, self.loader, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.photoActivated.connect(self.reveal_photo)
        dialog.show()
        return dialog

    def reveal_photo(self, label: str, path: Path) -> None:
        """Scroll to ``label``'s bin and select ``path`` there."""
        panel = self.panels.get(label)
        if panel is None:
            return
        self.reveal(label, [path])
        panel.view.setFocus()
