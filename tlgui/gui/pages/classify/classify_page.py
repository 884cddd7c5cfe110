"""The Classify page: drop photos or a folder, get predictions; export or open model files.

The page classifies with the project's classifier, or with a model file opened here (to classify
without a project); whichever arrived last is in use. Prediction and opening run in TaskSlots and
exporting goes through the window's ModelExporter, so a folder of thousands never freezes the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.data.images import SUPPORTED_SUFFIXES
from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import MODEL_SUFFIX
from tlgui.core.predict.formats import save_predictions_csv
from tlgui.gui.failed_saves import failed_save_message
from tlgui.gui.model_export import MODEL_FILTER, ModelExporter
from tlgui.gui.pages.classify.prediction_table import PredictionProxy, PredictionTableModel
from tlgui.gui.pages.classify.prediction_views import SinglePredictionView, load_preview
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import plain_label
from tlgui.gui.widgets.progress_panel import ProgressPanel

EMPTY_TEXT = "Train a model first, or open a model file"
DROP_TEXT = "Drop photos or a folder here to classify them"
OPEN_MODEL_FILTER = f"{MODEL_FILTER};;All files (*)"
ERROR_STYLE = "color: #b03a2e;"
TOP_K = 3


def image_filter() -> str:
    patterns = " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
    return f"Images ({patterns});;All files (*)"


def dropped_paths(mime) -> list[Path]:
    """Local files and folders carried by a drag (URLs from the file manager)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class ClassifyPage(QWidget):
    """Drop area, single-photo view with probability bars, sortable table with CSV export.

    Signals for the window and tests: ``predictionsReady(list)`` after a run, ``modelOpened(Path)``,
    ``modelExported(Path)``. ``exporter``: the window's ModelExporter (one export path for the File
    menu and this page); a page on its own makes its own.
    """

    predictionsReady = Signal(list)
    modelOpened = Signal(Path)
    modelExported = Signal(Path)

    def __init__(self, controller, parent: QWidget | None = None, *, exporter: ModelExporter | None = None):
        super().__init__(parent)
        self.controller = controller
        self.classifier = None
        self.model_source: Path | None = None  # None: the project's classifier
        self.predictions: list = []
        self.predict_slot = TaskSlot(self)
        self.predict_slot.progress.connect(lambda event: self.progress.follow(event))
        self.predict_slot.failed.connect(lambda message, _details: self._show_message(message, error=True))
        self.predict_slot.cancelled.connect(lambda: self._show_message("Stopped."))
        self.predict_slot.done.connect(self._on_slot_done)
        self.file_slot = TaskSlot(self)
        self.file_slot.failed.connect(lambda message, _details: self._show_message(message, error=True))
        self.file_slot.done.connect(self._on_slot_done)
        self.exporter = exporter if exporter is not None else ModelExporter(controller, self)
        self.exporter.exported.connect(self._on_exported)
        self.setAcceptDrops(True)

        self.open_images_button = _button("Open images…", self.open_images_dialog)
        self.open_folder_button = _button("Open folder…", self.open_folder_dialog)
        self.open_model_button = _button("Open model file…", self.open_model_dialog)
        self.export_model_button = _button("Export model…", self.export_model_dialog)
        self.export_csv_button = _button("Export CSV…", self.export_csv_dialog)
        self.model_label = plain_label()  # class names and file names come from files
        self.model_label.setWordWrap(True)
        self.progress = ProgressPanel("Cancel")
        self.progress.cancelRequested.connect(self.cancel)
        self.message = plain_label()
        self.message.setWordWrap(True)

        self.empty = _EmptyState(self.open_model_dialog)
        self.drop_prompt = _DropPrompt()
        self.single = SinglePredictionView()
        self.table_model = PredictionTableModel(self)
        self.proxy = PredictionProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # Compact rows: a folder gives thousands of them.
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The file name is what people read first; it takes the room the numbers do not need.
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter (file, class or error)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table_box = QWidget()
        table_layout = QVBoxLayout(self.table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.filter)
        table_layout.addWidget(self.table, 1)
        self.stack = QStackedWidget()
        for widget in (self.empty, self.drop_prompt, self.single, self.table_box):
            self.stack.addWidget(widget)
        self._build_layout()

        controller.classifierChanged.connect(self._on_project_classifier)
        self._on_project_classifier()

    def _build_layout(self) -> None:
        toolbar = QHBoxLayout()
        for button in (self.open_images_button, self.open_folder_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        for button in (self.open_model_button, self.export_model_button, self.export_csv_button):
            toolbar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.model_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)

    # -- which classifier -------------------------------------------------------------------------

    def _on_project_classifier(self) -> None:
        classifier = self.controller.classifier
        if classifier is not None:
            self._use(classifier, None)
        elif self.model_source is None:
            self._use(None, None)  # the project's model went away and no file was opened

    def _use(self, classifier, source: Path | None) -> None:
        if classifier is not self.classifier:
            self.predict_slot.cancel()  # its answers would come from the old model
        self.classifier = classifier
        self.model_source = source
        self._clear_results()
        self._update_model_label()
        self._update_actions()

    def _update_model_label(self) -> None:
        classifier = self.classifier
        if classifier is None:
            self.model_label.setText("")
            return
        try:
            backbone = get_spec(classifier.backbone_id).title
        except TlguiError:
            backbone = classifier.backbone_id
        names = ", ".join(classifier.class_names)
        origin = f"from {self.model_source.name}" if self.model_source else "trained in this project"
        accuracy = classifier.metrics.accuracy
        score = f" · validation accuracy {accuracy:.1%}" if accuracy is not None else ""
        self.model_label.setText(
            f"Model {origin}: {backbone} · {classifier.num_classes} classes ({names}){score}"
        )

    def _update_actions(self) -> None:
        has_model = self.classifier is not None
        for button in (self.open_images_button, self.open_folder_button, self.export_model_button):
            button.setEnabled(has_model)
        self.export_csv_button.setEnabled(bool(self.predictions))

    def _clear_results(self) -> None:
        self.predictions = []
        self.table_model.set_predictions([])
        self.message.setText("")
        self.stack.setCurrentWidget(self.drop_prompt if self.classifier is not None else self.empty)

    # -- classifying ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.predict_slot.busy or self.file_slot.busy

    def classify_paths(self, paths: list[Path]) -> None:
        """Classify files and folders (searched recursively) with the model in use."""
        if self.classifier is None:
            self._show_message(EMPTY_TEXT + ".", error=True)
            return
        if self.predict_slot.busy or not paths:
            return
        paths = [Path(p) for p in paths]
        single = len(paths) == 1 and paths[0].is_file()
        classifier = self.classifier
        k = min(TOP_K, classifier.num_classes)

        def job(token, report):
            from tlgui.core.predict.predictor import Predictor, collect_images  # torch, off the GUI thread

            images = collect_images(paths)
            if not images:
                raise TlguiError("No photos found there (looked for " + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ").")
            predictor = Predictor(classifier)
            predictions = predictor.predict_paths(
                images, top_k=k, progress=lambda e: report("progress", e), cancel=token
            )
            preview = load_preview(images[0]) if single else None
            return predictions, preview, single

        self._show_message("")
        self.progress.start("Classifying…")
        self.predict_slot.start(job, self._on_predicted)

    def cancel(self) -> None:
        self.predict_slot.cancel()

    def shutdown(self) -> None:
        """Stop background work (window closing); an export of the page's own is let finish."""
        for slot in (self.predict_slot, self.file_slot):
            slot.shutdown()
        if self.exporter.parent() is self:
            self.exporter.shutdown()

    def _on_predicted(self, result) -> None:
        predictions, preview, single = result
        self.predictions = predictions
        self.table_model.set_predictions(predictions)
        if single:
            self.single.show_prediction(predictions[0], preview)
            self.stack.setCurrentWidget(self.single)
        else:
            self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # file order until the user sorts
            self.stack.setCurrentWidget(self.table_box)
        failed = sum(1 for p in predictions if p.error)
        text = f"Classified {len(predictions) - failed} photo{'s' if len(predictions) - failed != 1 else ''}."
        if failed:
            text += f" {failed} could not be read (see the Error column)."
        self._show_message(text)
        self._update_actions()
        self.predictionsReady.emit(predictions)

    def _on_slot_done(self) -> None:
        if not self.busy:
            self.progress.finish()

    # -- model files and CSV ----------------------------------------------------------------------

    def open_model(self, path: Path | str) -> None:
        """Load a model file in the background and classify with it (ModelFileError is shown here)."""
        path = Path(path)

        def job(token, report):
            from tlgui.core.models.modelfile import load_classifier  # torch, off the GUI thread

            return load_classifier(path)

        if not self.file_slot.start(job,
                                    lambda classifier: self._on_opened(classifier, path)):
            return
        self.progress.start(f"Opening {path.name}…")
        self.progress.cancel_button.setEnabled(False)  # opening is short; nothing to cancel

    def export_model(self, path: Path | str) -> bool:
        """Write the model in use to ``path`` (suffix added, atomically, in the background)."""
        if self.classifier is None:
            self._show_message("There is no model to export yet.", error=True)
            return False
        return self.exporter.export(self.classifier, path)

    def export_csv(self, path: Path | str) -> bool:
        """Write the current predictions as CSV (atomically); a failure is reported as a dialog."""
        try:
            save_predictions_csv(path, self.predictions)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the file is not there: say so
            self.controller.report_error(failed_save_message("CSV file", path, exc))
            return False
        self._show_message(f"Saved {len(self.predictions)} predictions to {path}.")
        return True

    def _on_opened(self, classifier, path: Path) -> None:
        self._use(classifier, path)
        self._show_message(f"Opened {path}.")
        self.modelOpened.emit(path)

    def _on_exported(self, path: Path) -> None:
        self._show_message(f"Model exported to {path}.")
        self.modelExported.emit(path)

    # -- dialogs --------------------------------------------------------------------------------

    def open_images_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Classify photos", "", image_filter())
        if files:
            self.classify_paths([Path(f) for f in files])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Classify every photo in a folder")
        if folder:
            self.classify_paths([Path(folder)])

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model file", "", OPEN_MODEL_FILTER)
        if path:
            self.open_model(path)

    def export_model_dialog(self) -> None:
        if self.classifier is not None:
            suggested = Path(f"{self.controller.project_name}{MODEL_SUFFIX}")
            self.exporter.ask_and_export(self, self.classifier, suggested)

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export predictions", "predictions.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    # -- drag and drop --------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.classifier is not None and dropped_paths(event.mimeData()):
            event.acceptProposedAction()
            self.drop_prompt.set_highlighted(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.drop_prompt.set_highlighted(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.drop_prompt.set_highlighted(False)
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.classify_paths(paths)

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)


def _button(text: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.clicked.connect(slot)
    return button


class _DropPrompt(QFrame):
    """The dashed drop target shown before anything is classified."""

    _STYLE = "_DropPrompt {{ border: 2px dashed {colour}; border-radius: 12px; background: {fill}; }}"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        label = QLabel(DROP_TEXT + "\n\nor use “Open images…” / “Open folder…” above.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #555; font-size: 14pt; border: none; background: transparent;")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.set_highlighted(False)

    def set_highlighted(self, on: bool) -> None:
        colour, fill = ("#2d7dd2", "#eaf3fc") if on else ("#aaa", "#fafafa")
        self.setStyleSheet(self._STYLE.format(colour=colour, fill=fill))


class _EmptyState(QWidget):
    """No classifier yet: say so, and offer the model file route."""

    def __init__(self, open_model, parent: QWidget | None = None):
        super().__init__(parent)
        label = QLabel(EMPTY_TEXT)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: gray; font-size: 16pt;")
        button = QPushButton("Open model file…")
        button.clicked.connect(open_model)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
