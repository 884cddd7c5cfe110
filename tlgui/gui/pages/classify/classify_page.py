"""The Classify page: drop photos or a folder, see them sorted into classes; export or open model files.

The page classifies with the project's classifier, or with a model file opened here (to classify
without a project); whichever arrived last is in use. Prediction and opening run in TaskSlots and
exporting goes through the window's ModelExporter, so a folder of thousands never freezes the window.
Predictions arrive batch by batch: the gallery (a tab per predicted class) and the table fill while
the rest is still being classified. A photo opened on its own shows why, as a heatmap; "Add to
class…" (or a drag onto a class bin of the Data page) puts photos into the training data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.data.images import SUPPORTED_SUFFIXES
from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import MODEL_SUFFIX
from tlgui.core.predict.formats import save_predictions_csv
from tlgui.gui.failed_saves import failed_save_message
from tlgui.gui.model_export import ModelExporter, model_filter
from tlgui.gui.pages.classify.add_to_class import ClassAdder, ask_class
from tlgui.gui.pages.classify.gallery import GALLERY_THUMB, PredictionGallery
from tlgui.gui.pages.classify.prediction_table import PredictionProxy, PredictionTableModel
from tlgui.gui.pages.classify.prediction_views import SinglePredictionView, load_preview
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.file_urls import local_paths
from tlgui.gui.widgets.plain_text import path_text, plain_label
from tlgui.gui.widgets.progress_panel import ProgressPanel
from tlgui.gui.widgets.progress_text import counted
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

EMPTY_TEXT = QT_TRANSLATE_NOOP("ClassifyPage", "Train a model first, or open a model file")
DROP_TEXT = QT_TRANSLATE_NOOP("ClassifyPage", "Drop photos or a folder here to classify them")
ERROR_STYLE = "color: #b03a2e;"
TOP_K = 3


def image_filter() -> str:
    patterns = " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
    return QCoreApplication.translate("ClassifyPage", "Images ({patterns});;All files (*)").format(patterns=patterns)


class ClassifyPage(QWidget):
    """Drop area; single-photo view with heatmap and probability bars; gallery grouped by class and
    a sortable table with CSV export.

    Signals for the window and tests: ``predictionsArrived(list)`` for each batch as it is classified,
    ``predictionsReady(list)`` after a run, ``modelOpened(Path)``, ``modelExported(Path)``,
    ``photosAdded(str)`` after "Add to class…". ``exporter``: the window's ModelExporter (one export
    path for the File menu and this page); a page on its own makes its own.
    """

    predictionsArrived = Signal(list)
    predictionsReady = Signal(list)
    photosAdded = Signal(str)
    modelOpened = Signal(Path)
    modelExported = Signal(Path)

    def __init__(self, controller, parent: QWidget | None = None, *, exporter: ModelExporter | None = None):
        super().__init__(parent)
        self.controller = controller
        self.classifier = None
        self.model_source: Path | None = None  # None: the project's classifier
        self.predictions: list = []
        self._single_run = False
        self._answers_cleared = False  # the last model change cleared answers nobody has replaced yet
        self._run = 0  # numbers each run, so that batches of a stopped run are recognised and dropped
        self.predict_slot = TaskSlot(self)
        self.predict_slot.progress.connect(lambda event: self.progress.follow(event))
        self.predict_slot.reported.connect(self._on_reported)
        self.predict_slot.failed.connect(lambda message, _details: self._show_message(message, error=True))
        self.predict_slot.cancelled.connect(lambda: self._show_message(self.tr("Stopped.")))
        self.predict_slot.done.connect(self._on_slot_done)
        self.file_slot = TaskSlot(self)
        self.file_slot.failed.connect(lambda message, _details: self._show_message(message, error=True))
        self.file_slot.done.connect(self._on_slot_done)
        self.exporter = exporter if exporter is not None else ModelExporter(controller, self)
        self.exporter.exported.connect(self._on_exported)
        # A failed export (the window shows its dialog) must not leave an earlier success on the page.
        self.exporter.slot.failed.connect(lambda message, _details: self._show_message(message, error=True))
        self.adder = ClassAdder(controller, self)
        self.adder.added.connect(self._on_photos_added)
        self.adder.failed.connect(lambda message: self._show_message(message, error=True))
        self.loader = ThumbnailLoader(self, size=GALLERY_THUMB)
        self.setAcceptDrops(True)

        self.open_images_button = _button(self.tr("Open images…"), self.open_images_dialog)
        self.open_folder_button = _button(self.tr("Open folder…"), self.open_folder_dialog)
        self.open_model_button = _button(self.tr("Open model file…"), self.open_model_dialog)
        self.export_model_button = _button(self.tr("Export model…"), self.export_model_dialog)
        self.export_csv_button = _button(self.tr("Export CSV…"), self.export_csv_dialog)
        # Back from an opened model file to the project's: shown only while a file is in use.
        self.project_model_button = _button(self.tr("Use the project's model"), self.use_project_model)
        self.project_model_button.hide()
        self.model_label = plain_label()  # class names and file names come from files
        self.model_label.setWordWrap(True)
        self.progress = ProgressPanel()
        self.progress.cancelRequested.connect(self.cancel)
        self.message = plain_label()
        self.message.setWordWrap(True)

        self.empty = _EmptyState(self.open_model_dialog)
        self.drop_prompt = _DropPrompt()
        self.single = SinglePredictionView()
        self.single.backRequested.connect(self.show_results)
        self.single.addToClassRequested.connect(self.add_to_class)
        self.gallery = PredictionGallery(self.loader)
        self.gallery.view.openRequested.connect(lambda prediction: self.open_prediction(prediction))
        self.gallery.view.addToClassRequested.connect(self.add_to_class)
        self.table_box = self._build_table()
        self.results = QTabWidget()  # the gallery first; the table (and its CSV) as a second view
        self.results.setDocumentMode(True)
        self.results.addTab(self.gallery, self.tr("Gallery"))
        self.results.addTab(self.table_box, self.tr("Table"))
        self.stack = QStackedWidget()
        for widget in (self.empty, self.drop_prompt, self.single, self.results):
            self.stack.addWidget(widget)
        self._build_layout()

        controller.classifierChanged.connect(self._on_project_classifier)
        controller.runChosen.connect(self.use_project_model)  # "Use this run": the user's choice, for Classify too
        controller.runsChanged.connect(self._update_model_label)  # the run in use may be renamed
        self._on_project_classifier()

    def _build_table(self) -> QWidget:
        """The second view: one row per photo, sortable and filterable (and what "Export CSV" writes)."""
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
        self.filter.setPlaceholderText(self.tr("Filter (file, class or error)…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        box = QWidget()
        table_layout = QVBoxLayout(box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.filter)
        table_layout.addWidget(self.table, 1)
        return box

    def _build_layout(self) -> None:
        toolbar = QHBoxLayout()
        for button in (self.open_images_button, self.open_folder_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        for button in (self.project_model_button, self.open_model_button, self.export_model_button,
                       self.export_csv_button):
            toolbar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.model_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)

    # -- which classifier -------------------------------------------------------------------------

    def _on_project_classifier(self) -> None:
        if self.model_source is not None:
            # A model file the user opened stays, with its answers, whatever the project's runs do
            # (one finishing, another project opened): only the user's choice replaces it.
            self._update_actions()
            return
        self._use(self.controller.classifier, None)

    def use_project_model(self) -> None:
        """Classify with the project's model in use again (after a model file was opened)."""
        if self.model_source is not None or self.classifier is not self.controller.classifier:
            self._use(self.controller.classifier, None)

    def _use(self, classifier, source: Path | None) -> None:
        changed = classifier is not self.classifier
        # A run's head model then its final one come in a row: the note about the first change's
        # cleared answers must outlive the second.
        had_answers = bool(self.predictions) or self.predict_slot.busy or self._answers_cleared
        if changed:
            self.predict_slot.cancel()  # its answers would come from the old model
        self.classifier = classifier
        self.model_source = source
        self.single.set_classifier(classifier)
        self.gallery.set_class_names(list(classifier.class_names) if classifier is not None else [])
        self._clear_results()
        self._answers_cleared = changed and had_answers and classifier is not None
        if self._answers_cleared:
            # A run that ends replaces the early model the user was classifying with: say why the
            # answers went, rather than leave an empty page.
            self._show_message(self.tr(
                "The model in use changed, so the answers of the one before were cleared. Classify the "
                "photos again to see this model's answers."))
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
        run = self.controller.run_in_use
        if self.model_source:
            origin = self.tr("from {file}").format(file=self.model_source.name)
        elif run is not None:
            origin = self.tr("trained in this project ({run}, in use)").format(run=run.title)
        else:  # a run's first usable model, handed out while its fine-tune goes on
            origin = self.tr("trained in this project (the new head of the run now training)")
        accuracy = classifier.metrics.accuracy
        score = self.tr(" · validation accuracy {accuracy}").format(accuracy=f"{accuracy:.1%}") \
            if accuracy is not None else ""
        self.model_label.setText(
            self.tr("Model {origin}: {backbone} · {classes} ({names}){score}").format(
                origin=origin, backbone=backbone, classes=counted(classifier.num_classes, "class", "classes"),
                names=names, score=score)
        )

    def _update_actions(self) -> None:
        has_model = self.classifier is not None
        for button in (self.open_images_button, self.open_folder_button, self.export_model_button):
            button.setEnabled(has_model)
        self.export_csv_button.setEnabled(bool(self.predictions))
        self.project_model_button.setVisible(self.model_source is not None and self.controller.classifier is not None)

    def _clear_results(self) -> None:
        self._run += 1
        self.predictions = []
        self.table_model.set_predictions([])
        self.gallery.clear()
        self.message.setText("")
        self.stack.setCurrentWidget(self.drop_prompt if self.classifier is not None else self.empty)

    # -- classifying ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.predict_slot.busy or self.file_slot.busy or self.adder.busy

    def classify_paths(self, paths: list[Path]) -> None:
        """Classify files and folders (searched recursively) with the model in use."""
        if self.classifier is None:
            self._show_message(self.tr(EMPTY_TEXT) + self.tr("."), error=True)
            return
        if self.predict_slot.busy or not paths:
            return
        paths = [Path(p) for p in paths]
        single = len(paths) == 1 and paths[0].is_file()
        classifier = self.classifier
        k = min(TOP_K, classifier.num_classes)
        self._clear_results()
        self._answers_cleared = False
        self._single_run = single  # one photo gets its own view, when its preview is ready
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # file order until the user sorts
        run = self._run

        def job(token, report):
            from tlgui.core.predict.predictor import Predictor, collect_images  # torch, off the GUI thread

            unlisted: list = []
            images = collect_images(paths, unlisted)
            if not images:
                raise TlguiError(self.tr("No photos found there (looked for {suffixes}).").format(
                    suffixes=", ".join(sorted(SUPPORTED_SUFFIXES))))
            predictor = Predictor(classifier)
            batches = predictor.predict_batches(images, top_k=k, progress=lambda e: report("progress", e),
                                                cancel=token)
            for batch in batches:
                report("predictions", (run, batch))  # shown at once, while the next batch decodes
            preview = load_preview(images[0]) if single else None
            return run, preview, single, unlisted

        self.progress.start(self.tr("Classifying…"))
        self.predict_slot.start(job, self._on_predicted)

    def cancel(self) -> None:
        self.predict_slot.cancel()

    def shutdown(self) -> None:
        """Stop background work (window closing); an export of the page's own is let finish."""
        for slot in (self.predict_slot, self.file_slot):
            slot.shutdown()
        self.adder.shutdown()
        self.single.shutdown()
        self.loader.shutdown()
        if self.exporter.parent() is self:
            self.exporter.shutdown()

    def _on_reported(self, kind: str, payload) -> None:
        if kind != "predictions":
            return
        run, batch = payload
        if run != self._run:
            return  # a batch of a run stopped since (another model, or a new run)
        first = not self.predictions
        self.predictions.extend(batch)
        self.table_model.append_predictions(batch)
        self.gallery.append(batch)
        if first and not self._single_run:
            self.show_results()  # the first photos show while the others are still being classified
        self._update_actions()
        self.predictionsArrived.emit(batch)

    def _on_predicted(self, result) -> None:
        run, preview, single, unlisted = result
        if run != self._run:
            return
        predictions = self.predictions
        if single and predictions:
            self.single.show_prediction(predictions[0], preview)
            self.stack.setCurrentWidget(self.single)
        elif predictions:
            self.show_results()
        failed = sum(1 for p in predictions if p.error)
        text = self.tr("Classified {photos}.").format(photos=counted(len(predictions) - failed, "photo"))
        if failed:
            # Its leading space is the sentence's own (Chinese has none after 。).
            text += self.tr(" {count} could not be read: the table, and the gallery under “Cannot be read”, "
                            "say why.").format(count=failed)
        if unlisted:  # a folder left out is never silent: named, with why, as the Data page does
            text += " " + self.tr("%n folder(s) could not be opened and were left out: {folders}.", "",
                                  len(unlisted)).format(folders="; ".join(
                                      f"{path_text(folder.path)} ({folder.reason})" for folder in unlisted[:3]))
        self._show_message(text)
        self._update_actions()
        self.predictionsReady.emit(list(predictions))

    def show_results(self) -> None:
        """The gallery and table of the last run (from the single-photo view, "← All photos")."""
        self.stack.setCurrentWidget(self.results)

    def open_prediction(self, prediction) -> None:
        """Show one photo of the gallery on its own, with its heatmap."""
        self.single.show_prediction(prediction, self.loader.cached(prediction.path) if prediction.path else None,
                                    from_gallery=True)
        self.stack.setCurrentWidget(self.single)

    # -- adding to the training data ----------------------------------------------------------------

    def add_to_class(self, predictions: list, label: str | None = None) -> bool:
        """Add the photos of ``predictions`` to class ``label`` of the project (asked when None)."""
        paths = [p.path for p in predictions if p.path is not None and not p.error]
        if not paths:
            return False
        if self.adder.busy:
            self._show_message(self.tr("Still adding the previous photos; try again when it is done."))
            return False
        if label is None:
            predicted = {p.label for p in predictions if p.label}
            existing = list(self.controller.dataset.class_names)
            if self.classifier is not None:
                existing += [name for name in self.classifier.class_names if name not in existing]
            label = ask_class(self, len(paths), existing, predicted.pop() if len(predicted) == 1 else None)
            if label is None:
                return False
        self._show_message(self.tr("Adding {photos}…").format(photos=counted(len(paths), "photo")))
        return self.adder.add(paths, label)

    def _on_photos_added(self, summary: str) -> None:
        self._show_message(summary)
        self.controller.show_status(summary)
        self.photosAdded.emit(summary)

    def _on_slot_done(self) -> None:
        if not (self.predict_slot.busy or self.file_slot.busy):  # the two that show in the progress bar
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
        self.progress.start(self.tr("Opening {name}…").format(name=path.name))
        self.progress.cancel_button.setEnabled(False)  # opening is short; nothing to cancel

    def export_model(self, path: Path | str) -> bool:
        """Write the model in use to ``path`` (suffix added, atomically, in the background)."""
        if self.classifier is None:
            self._show_message(self.tr("There is no model to export yet."), error=True)
            return False
        return self.exporter.export(self.classifier, path)

    def export_csv(self, path: Path | str) -> bool:
        """Write the current predictions as CSV (atomically); a failure is reported as a dialog."""
        try:
            save_predictions_csv(path, self.predictions)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the file is not there: say so
            self.controller.report_error(failed_save_message("CSV file", path, exc))
            return False
        self._show_message(self.tr("Saved {count} predictions to {path}.").format(count=len(self.predictions), path=path))
        return True

    def _on_opened(self, classifier, path: Path) -> None:
        self._use(classifier, path)
        self._show_message(self.tr("Opened {path}.").format(path=path))
        self.modelOpened.emit(path)

    def _on_exported(self, path: Path) -> None:
        self._show_message(self.tr("Model exported to {path}.").format(path=path))
        self.modelExported.emit(path)

    # -- dialogs --------------------------------------------------------------------------------

    def open_images_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Classify photos"), "", image_filter())
        if files:
            self.classify_paths([Path(f) for f in files])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Classify every photo in a folder"))
        if folder:
            self.classify_paths([Path(folder)])

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open model file"), "",
                                              model_filter() + ";;" + self.tr("All files (*)"))
        if path:
            self.open_model(path)

    def export_model_dialog(self) -> None:
        if self.classifier is not None:
            # Beside the project, as File > Export model offers; never the process's working folder.
            folder = self.controller.path.parent if self.controller.path is not None else Path.home()
            suggested = folder / f"{self.controller.project_name}{MODEL_SUFFIX}"
            self.exporter.ask_and_export(self, self.classifier, suggested, self.controller.photos_to_check_export_on())

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export predictions"), "predictions.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    # -- drag and drop --------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Photos dragged out of this page's own gallery are on their way to a class bin, not back in.
        source = event.source()
        own = isinstance(source, QWidget) and self.isAncestorOf(source)
        if self.classifier is not None and not own and local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.drop_prompt.set_highlighted(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.drop_prompt.set_highlighted(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.drop_prompt.set_highlighted(False)
        paths = local_paths(event.mimeData())
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
        label = QLabel(QCoreApplication.translate("ClassifyPage", DROP_TEXT) + "\n\n"
                       + self.tr("or use “Open images…” / “Open folder…” above."))
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
        label = QLabel(QCoreApplication.translate("ClassifyPage", EMPTY_TEXT))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: gray; font-size: 16pt;")
        button = QPushButton(self.tr("Open model file…"))
        button.clicked.connect(open_model)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
