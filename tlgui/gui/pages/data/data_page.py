"""Tab 1 · Data: the class bins. Drop folders of photos in, sort, rename, merge, clean up.

The page is a view of ``controller.dataset``: every edit goes through a ``DataSet`` method and then
``controller.notify_dataset_changed()``, and every panel, banner and summary is rebuilt from the
dataset when ``datasetChanged`` fires. Reading folders runs in the background (``Intake``); while it
runs the bins are read-only, because the job is the only writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import AddReport, DataSet
from tlgui.core.data.images import SUPPORTED_SUFFIXES
from tlgui.core.errors import TlguiError
from tlgui.core.plan.freeze_plan import planned_regime
from tlgui.core.plan.recommend import MIN_PHOTOS_TO_TRAIN
from tlgui.core.plan.regime import Regime
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.data import dialogs as data_dialogs
from tlgui.gui.pages.data.banners import DuplicatesBanner, SkippedPanel
from tlgui.gui.pages.data.bin_widget import BinPanel
from tlgui.gui.pages.data.bins_model import BinModel, local_files
from tlgui.gui.pages.data.intake import Intake, IntakeBar, IntakeRequest
from tlgui.gui.widgets.thumb_delegate import ThumbnailDelegate
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

EMPTY_TEXT = (
    "<h2>Start by adding photos</h2>"
    "<p>Drag folders of photos here — one folder per class (for example <i>cats/</i> and "
    "<i>dogs/</i>), or one folder that holds a sub-folder per class.</p>"
    "<p>Photos you drop later on a class join it; drag thumbnails between classes to relabel them.</p>"
)


def _image_filter() -> str:
    patterns = " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
    return f"Images ({patterns});;All files (*)"


class _EmptyState(QWidget):
    """What a new project shows: what to do, and a button for those who do not drag."""

    def __init__(self, page: DataPage):
        super().__init__()
        text = QLabel(EMPTY_TEXT)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A fixed width: a word-wrapped rich-text label in a centred layout otherwise guesses a
        # narrow width and a height for another one, and cuts its last lines off.
        text.setFixedWidth(540)
        self.add_button = QPushButton("Add folder…")
        self.add_button.setMinimumWidth(160)
        self.add_button.clicked.connect(page.add_folder_dialog)
        self.new_button = QPushButton("New empty class")
        self.new_button.clicked.connect(page.new_class)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)


class DataPage(QWidget):
    """The class bins of the open project (tab "1 · Data")."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None,
                 *, loader: ThumbnailLoader | None = None):
        super().__init__(parent)
        self.controller = controller
        self.loader = loader or ThumbnailLoader(self)
        self.delegate = ThumbnailDelegate(self.loader.size, self)
        self.panels: dict[str, BinPanel] = {}
        self._dataset: DataSet | None = None
        self.setAcceptDrops(True)
        self._build()
        self.intake = Intake(self.intake_bar, lambda q, c: data_dialogs.ask_layout(self, q, c), self)
        self.intake.finished.connect(self._on_intake_finished)
        self.intake.failed.connect(self.controller.report_error)
        self.intake.cancelled.connect(lambda: self.controller.show_status("Adding photos stopped."))
        self.intake.done.connect(self._on_intake_done)
        controller.datasetChanged.connect(self.refresh)
        controller.configChanged.connect(self._update_summary)
        controller.configChanged.connect(self._update_regime)
        controller.networkChanged.connect(self._update_regime)
        controller.datasetChanged.connect(self._update_regime)
        self._update_regime()
        self.refresh()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.add_folder_button = self._tool("Add folder…", self.add_folder_dialog,
                                            "Read a folder of photos (or of class folders)")
        self.new_class_button = self._tool("New class", self.new_class, "Add an empty class")
        self.rename_button = self._tool("Rename", self.rename_checked, "Rename the ticked class")
        self.merge_button = self._tool("Merge…", self.merge_checked, "Merge the ticked classes into one")
        self.delete_button = self._tool("Delete", self.delete_checked, "Delete the ticked classes")
        self.remove_button = self._tool("Remove photos", self.remove_selected,
                                        "Take the selected photos out of their classes (Delete key)")
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        toolbar = QHBoxLayout()
        for button in (self.add_folder_button, self.new_class_button, self.rename_button,
                       self.merge_button, self.delete_button, self.remove_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        # Its own line: at narrow widths a summary beside the buttons would be cut off.
        self.summary.setWordWrap(True)

        self.intake_bar = IntakeBar()
        self.duplicates_banner = DuplicatesBanner()
        self.duplicates_banner.showRequested.connect(self.show_duplicates)
        self.skipped_panel = SkippedPanel()

        self.bins_container = QWidget()
        self.bins_layout = QVBoxLayout(self.bins_container)
        self.bins_layout.setContentsMargins(0, 0, 0, 0)
        self.bins_layout.setSpacing(8)
        self.bins_layout.addStretch(1)
        self.drop_hint = QLabel("Drop more folders or photos anywhere here.")
        self.drop_hint.setEnabled(False)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bins_layout.addWidget(self.drop_hint)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.bins_container)
        self.empty_state = _EmptyState(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.scroll)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary)
        layout.addWidget(self.intake_bar)
        layout.addWidget(self.duplicates_banner)
        layout.addWidget(self.skipped_panel)
        layout.addWidget(self.stack, 1)

    def _tool(self, text: str, slot, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(lambda _checked=False: slot())
        return button

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
        duplicates = dataset.duplicates()
        doubled = {d.digest for d in duplicates}
        names = dataset.class_names
        for label in [label for label in self.panels if label not in names]:
            self._drop_panel(label)
        for position, label in enumerate(names):
            panel = self.panels.get(label) or self._make_panel(label)
            panel.model.refresh(doubled)
            if self.bins_layout.indexOf(panel) != position:
                self.bins_layout.insertWidget(position, panel)
        self.duplicates_banner.set_duplicates(duplicates)
        self.skipped_panel.set_skipped(dataset.skipped)
        self.stack.setCurrentWidget(self.scroll if names else self.empty_state)
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
        panel.addPhotosRequested.connect(self.add_photos_dialog)
        panel.checkedChanged.connect(lambda _label, _on: self._update_buttons())
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
        # Unparent now: deleteLater alone leaves the panel painted until the event loop runs it.
        panel.hide()
        panel.setParent(None)
        panel.model.deleteLater()
        panel.deleteLater()

    def _update_summary(self) -> None:
        dataset = self.dataset
        classes = len(dataset.class_names)
        photos = len(dataset)
        if dataset.has_predefined_split:
            split = "split: given by train/val folders"
        else:
            split = f"split: automatic ({self.controller.config.val_fraction:.0%} held out to validate)"
        parts = [f"{classes} class{'es' if classes != 1 else ''}", f"{photos:,} photo{'s' if photos != 1 else ''}",
                 split]
        trainable = [n for n, c in dataset.class_counts().items() if c >= MIN_PHOTOS_TO_TRAIN]
        if classes and len(trainable) < 2:
            parts.append("<b>training needs two classes with at least two photos each</b>")
        if not classes:
            parts = ["No classes yet"]
        self.summary.setText(" · ".join(parts))

    def _update_buttons(self) -> None:
        checked = self.checked_labels()
        idle = not self.intake.running if hasattr(self, "intake") else True
        self.add_folder_button.setEnabled(idle)
        self.new_class_button.setEnabled(idle)
        self.rename_button.setEnabled(idle and len(checked) == 1)
        self.merge_button.setEnabled(idle and len(checked) >= 2)
        self.delete_button.setEnabled(idle and bool(checked))
        self.remove_button.setEnabled(idle and bool(self.panels))
        self.empty_state.add_button.setEnabled(idle)
        self.empty_state.new_button.setEnabled(idle)

    def checked_labels(self) -> list[str]:
        """Classes whose tick box is on, in bin order."""
        return [label for label, panel in self.panels.items() if panel.check.isChecked()]

    # -- busy / shutdown (the main window asks) ----------------------------------------------------

    def busy(self) -> bool:
        return self.intake.running

    def shutdown(self) -> None:
        self.intake.shutdown()
        self.loader.shutdown()

    # -- adding photos ---------------------------------------------------------------------------

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos")
        if folder:
            self.add_paths([Path(folder)])

    def add_photos_dialog(self, label: str) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, f"Add photos to “{label}”", "", _image_filter())
        if files:
            self.add_paths([Path(f) for f in files], label=label)

    def add_paths(self, paths: Iterable[Path], label: str | None = None) -> bool:
        """Add dropped or chosen paths. With ``label`` everything joins that class; without, folders
        are read by their layout and loose files go to a class the user picks. True if started."""
        paths = list(paths)
        if self.intake.running:
            self.controller.show_status("Still reading the previous photos; try again when it is done.")
            return False
        request = IntakeRequest()
        if label is not None:
            request.files[label] = paths
        else:
            request.folders = [p for p in paths if p.is_dir()]
            loose = [p for p in paths if not p.is_dir()]
            if loose:
                target = data_dialogs.choose_class(self, loose, self.dataset.class_names)
                if target is None and not request.folders:
                    return False
                if target is not None:
                    request.files[target] = loose
        if not request:
            return False
        started = self.intake.start(self.dataset, request)
        self._update_buttons()
        return started

    def _on_files_dropped_on_bin(self, paths: list[Path], label: str) -> None:
        # Deferred: the drop event (and, for drags between windows, the drag) must finish first.
        QTimer.singleShot(0, lambda: self.add_paths(paths, label=label))

    def _on_intake_finished(self, reports: list[AddReport]) -> None:
        # The intake committed its photos just now; a cancelled or failed one changed nothing.
        self.controller.notify_dataset_changed()
        messages = [r.summary() for r in reports]
        self.controller.show_status(" ".join(messages))
        if any(r.skipped for r in reports) and not self.skipped_panel.expanded:
            self.skipped_panel.toggle.setChecked(True)

    def _on_intake_done(self) -> None:
        self._update_buttons()

    # -- drops on the page (empty space, empty state) -----------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()) and not self.intake.running:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()) and not self.intake.running:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_files(event.mimeData())
        if not paths or self.intake.running:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.add_paths(paths))

    # -- editing bins ----------------------------------------------------------------------------

    def _edit(self, change, status: str | None = None) -> bool:
        """Apply one dataset edit; show engine refusals (DataError) as errors."""
        if self.intake.running:
            self.controller.show_status("Wait until the photos are read.")
            return False
        try:
            result = change()
        except TlguiError as exc:
            self.controller.report_error(str(exc))
            return False
        if status:
            self.controller.show_status(status.format(result=result))
        self.controller.notify_dataset_changed()
        return True

    def new_class(self) -> str | None:
        name = data_dialogs.new_class_name(self, self.dataset.class_names)
        if name is None:
            return None
        created: list[str] = []
        ok = self._edit(lambda: created.append(self.dataset.new_class(name)))
        return created[0] if ok else None

    def rename_checked(self) -> None:
        checked = self.checked_labels()
        if len(checked) == 1:
            self.panels[checked[0]].start_rename()

    def rename_class(self, old: str, new: str) -> bool:
        if self.intake.running:
            return False
        try:
            stored = self.dataset.rename_class(old, new)
        except TlguiError as exc:
            self.controller.report_error(str(exc))
            return False
        # Keep the same panel (scroll position, tick) under its new name.
        panel = self.panels.pop(old)
        panel.model.set_label(stored)
        self.panels[stored] = panel
        self.controller.notify_dataset_changed()
        return True

    def delete_checked(self) -> None:
        self.delete_classes(self.checked_labels())

    def delete_classes(self, labels: list[str]) -> bool:
        if not labels:
            return False
        photos = sum(self.dataset.count(label) for label in labels)
        if photos and not data_dialogs.confirm_delete(self, labels, photos):
            return False

        def remove() -> None:
            for label in labels:
                self.dataset.remove_class(label)

        return self._edit(remove, f"Deleted {', '.join(labels)}.")

    def merge_checked(self) -> None:
        checked = self.checked_labels()
        if len(checked) < 2:
            return
        target = data_dialogs.merge_target(self, checked)
        if target is not None:
            self.merge_classes(checked, target)

    def merge_classes(self, sources: list[str], target: str) -> bool:
        return self._edit(lambda: self.dataset.merge_classes(sources, target),
                          f"Merged into {target}" + "; {result} duplicate photo(s) dropped.")

    def remove_selected(self, labels: list[str] | None = None) -> int:
        """Take the selected photos of the given bins (default all) out of the project."""
        paths = [p for label in (labels or list(self.panels)) for p in self.panels[label].selected_paths()]
        if not paths:
            self.controller.show_status("Select photos first (click, Shift/Ctrl-click), then remove them.")
            return 0
        self._edit(lambda: self.dataset.remove_items(paths), "Removed {result} photo(s) from the project.")
        return len(paths)

    def _on_items_moved(self, paths: list[Path], label: str) -> None:
        # Deferred so the source view's drag finishes before every bin model resets.
        QTimer.singleShot(0, lambda: self.move_items(paths, label))

    def move_items(self, paths: list[Path], label: str) -> bool:
        """Relabel photos into ``label`` (a drag between bins)."""
        return self._edit(lambda: self.dataset.move_items(paths, label),
                          f"Moved {{result}} photo(s) to {label}.")

    def show_duplicates(self) -> data_dialogs.DuplicatesDialog:
        """A non-modal list of the doubled photos; double-clicking one selects it in its bin."""
        dialog = data_dialogs.DuplicatesDialog(self.duplicates_banner.duplicates, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.photoActivated.connect(self.reveal_photo)
        dialog.show()
        return dialog

    def reveal_photo(self, label: str, path: Path) -> None:
        """Scroll to ``label``'s bin and select ``path`` there."""
        panel = self.panels.get(label)
        if panel is None:
            return
        self.scroll.ensureWidgetVisible(panel)
        panel.select_paths([path])
        panel.view.setFocus()
