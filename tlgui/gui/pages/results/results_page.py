"""The Results page: every training run of the project, and how good the selected one is.

Top: the runs (``runs_table``), newest first, with Use this run / Rename / Delete and the rules
that decide which run is in use and which models the project keeps, in words. Below: the selected
run's summary, confusion matrix (click a cell to see its photos), precision and recall per class,
its curves, and the photos it got wrong. The photos are the run's validation photos found again in
the project's bins by path; one no longer there is listed as such (``run_photos``).

The page selects the run in use when a project opens, and a new run when one arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QItemSelectionModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.errors import TlguiError
from tlgui.core.training.metrics import EvaluationReport
from tlgui.core.training.runs import MAX_KEPT_MODELS, MAX_RUNS, Run
from tlgui.gui.pages.classify.prediction_thumbs import THUMB_EDGE, PredictionThumbView
from tlgui.gui.pages.results.run_photos import RunPhotoModel
from tlgui.gui.pages.results.runs_table import NAME, RunsTableModel, RunsTableView, model_is_the_heads
from tlgui.gui.widgets.confusion_view import ConfusionView
from tlgui.gui.widgets.curves import TrainingCurves
from tlgui.gui.widgets.heatmap_view import HeatmapDialog
from tlgui.gui.widgets.plain_text import literal_html, plain_label
from tlgui.gui.widgets.progress_text import format_duration
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

EMPTY_TEXT = QT_TRANSLATE_NOOP("ResultsPage", "Train a model to see results")
TRAINING_TEXT = QT_TRANSLATE_NOOP(
    "ResultsPage", "The first run is still training: its results come here when it ends. Its new head is "
    "usable already: Classify and Export use it.")
RULES_TEMPLATE = QT_TRANSLATE_NOOP(
    "ResultsPage",
    "In use: the model Classify and Export use (Classify uses a model file instead while one is opened "
    "there). A new run takes over by itself only when it beats the "
    "run in use on the same validation photos; otherwise select it and press “Use this run”. A project "
    "keeps {runs} runs and the models of {models}: the run in use, the newest, those ticked "
    "“Always keep”, then the next newest; the others keep their settings, curves and results."
)
RULES_TEXT = RULES_TEMPLATE.format(runs=MAX_RUNS, models=MAX_KEPT_MODELS)
CELL_PROMPT = QT_TRANSLATE_NOOP("ResultsPage", "Click a cell of the confusion matrix to see its photos.")
NOT_RECORDED = QT_TRANSLATE_NOOP("ResultsPage", "This run comes from a project saved by an older tlgui, which did not record each "
                                "photo's prediction: the matrix and the scores are all there is.")
CURVES_TAB, CELL_TAB, WRONG_TAB = range(3)


def summary_text(run: Run) -> str:
    """One line: name, accuracy, best epoch, what trained, time, photos, how it ended."""
    parts = [run.title]
    if run.accuracy is not None:
        parts.append(QCoreApplication.translate("ResultsPage", "validation accuracy {accuracy}").format(
            accuracy=f"{run.accuracy:.1%}"))
    if run.best_epoch:
        parts.append(QCoreApplication.translate("ResultsPage", "best epoch {best} of {run}").format(
            best=run.best_epoch, run=run.epochs_run))
    if run.regime is not None:
        parts.append(QCoreApplication.translate("ResultsPage", "trained: {regime}").format(regime=run.regime.title))
    if run.timings.total_s:
        parts.append(QCoreApplication.translate("ResultsPage", "time {duration}").format(
            duration=format_duration(run.timings.total_s)))
    if run.report is not None:
        photos = sum(sum(row) for row in run.report.confusion)
        parts.append(QCoreApplication.translate("ResultsPage", "validation photos: {count}").format(count=photos))
    text = " · ".join(parts)
    # "trained: partial fine-tune" alone reads as a fine-tuned model; the Train page said "best epoch
    # 2, the new head", and a fine-tune that went wrong leaves exactly that.
    heads = model_is_the_heads(run)
    if run.interrupted and heads:
        return text + QCoreApplication.translate(
            "ResultsPage", " · interrupted at epoch {epoch}: its model is its best so far, the new head's from "
            "epoch {best}; no fine-tune epoch had beaten it").format(epoch=run.epochs_run, best=run.best_epoch)
    if run.interrupted:
        # Its model is its best epoch's so far: the fine-tune's once one had beaten the new head.
        return text + QCoreApplication.translate(
            "ResultsPage", " · interrupted at epoch {epoch}: its model is its best so far, from epoch {best}").format(
            epoch=run.epochs_run, best=run.best_epoch)
    if heads:
        text += QCoreApplication.translate(
            "ResultsPage", " · its model is the new head's (epoch {best}): no fine-tune epoch beat it").format(
            best=run.best_epoch)
    return text + (QCoreApplication.translate("ResultsPage", " · stopped by the user") if run.stopped else "")


class ResultsPage(QWidget):
    """The runs table over the selected run's summary, matrix, per-class scores, curves and photos."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.loader = ThumbnailLoader(self, size=THUMB_EDGE)
        self._selected_id: int | None = None
        self._known_ids: set[int] = set()
        self._select_in_use = True
        self._selecting = False
        self._bins: dict[str, str] | None = None  # photo path -> bin, built when first needed

        self.empty = QLabel(self.tr(EMPTY_TEXT))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: gray; font-size: 16pt;")
        self.runs_model = RunsTableModel(controller, self)
        self.runs_table = RunsTableView()
        self.runs_table.setModel(self.runs_model)
        self.runs_table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.use_button = QPushButton(self.tr("Use this run"))
        self.use_button.setToolTip(self.tr("Classify and Export use the selected run's model"))
        self.use_button.clicked.connect(self.use_selected)
        self.rename_button = QPushButton(self.tr("Rename"))
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.rules = QLabel(self.tr(RULES_TEMPLATE).format(runs=MAX_RUNS, models=MAX_KEPT_MODELS))
        self.rules.setWordWrap(True)
        self.rules.setStyleSheet("color: #555;")
        self.summary = plain_label()  # run names and class names come from files
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 11pt; font-weight: bold;")
        self.confusion = ConfusionView()
        self.confusion.cellChosen.connect(self.show_cell)
        self.per_class = QStandardItemModel(0, 4, self)
        self.per_class.setHorizontalHeaderLabels([self.tr("Class"), self.tr("Precision"), self.tr("Recall"), self.tr("Validation photos")])
        self.per_class_table = QTableView()
        self.per_class_table.setModel(self.per_class)
        self.per_class_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class_table.verticalHeader().setVisible(False)
        self.per_class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.curves = TrainingCurves()
        self.cell_label = plain_label(CELL_PROMPT)
        self.cell_label.setWordWrap(True)
        self.cell_model = RunPhotoModel(self.loader, self)
        self.cell_view = PredictionThumbView()
        self.cell_view.setModel(self.cell_model)
        self.wrong_label = plain_label()
        self.wrong_label.setWordWrap(True)
        self.wrong_model = RunPhotoModel(self.loader, self)
        self.wrong_view = PredictionThumbView()
        self.wrong_view.setModel(self.wrong_model)
        for view in (self.cell_view, self.wrong_view):
            view.whyRequested.connect(self.explain)  # double-click or "Why this class?"
        self.tabs = QTabWidget()

        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._build_content())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

        controller.runsChanged.connect(self.refresh)
        controller.classifierChanged.connect(self._on_classifier_changed)
        controller.projectReplaced.connect(self._on_project_replaced)
        controller.datasetChanged.connect(self._on_dataset_changed)
        self.refresh()

    def _build_content(self) -> QWidget:
        # The buttons share the heading's line: at 800 pixels high every line is a run less in view.
        heading = QHBoxLayout()
        heading.addWidget(_heading(self.tr("Runs")))
        heading.addStretch(1)
        for button in (self.use_button, self.rename_button, self.delete_button):
            heading.addWidget(button)
        runs = QWidget()
        runs_layout = QVBoxLayout(runs)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addLayout(heading)
        runs_layout.addWidget(self.runs_table, 1)
        runs_layout.addWidget(self.rules)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(_heading(self.tr("Confusion matrix")))
        left_layout.addWidget(self.confusion, 3)
        left_layout.addWidget(_heading(self.tr("Per class")))
        left_layout.addWidget(self.per_class_table, 2)
        cell_tab = QWidget()
        cell_layout = QVBoxLayout(cell_tab)
        cell_layout.addWidget(self.cell_label)
        cell_layout.addWidget(self.cell_view, 1)
        wrong_tab = QWidget()
        wrong_layout = QVBoxLayout(wrong_tab)
        wrong_layout.addWidget(self.wrong_label)
        wrong_layout.addWidget(self.wrong_view, 1)
        self.tabs.addTab(self.curves, self.tr("Curves"))
        self.tabs.addTab(cell_tab, self.tr("Selected cell"))
        self.tabs.addTab(wrong_tab, self.tr("Misclassified"))
        details = QSplitter(Qt.Orientation.Horizontal)
        details.addWidget(left)
        details.addWidget(self.tabs)
        details.setChildrenCollapsible(False)
        details.setSizes([520, 740])
        selected = QWidget()
        selected_layout = QVBoxLayout(selected)
        selected_layout.setContentsMargins(0, 0, 0, 0)
        selected_layout.addWidget(self.summary)
        selected_layout.addWidget(details, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(runs)
        splitter.addWidget(selected)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 580])  # about five runs in view; the plots need the height more
        return splitter

    # -- which run ------------------------------------------------------------------------------

    @property
    def selected_run(self) -> Run | None:
        if self._selected_id is None:
            return None
        try:
            return self.controller.runs.get(self._selected_id)
        except TlguiError:
            return None

    def select_run(self, run_id: int) -> None:
        """Select a run's row (as a click would) and show it."""
        row = self.runs_model.row_of(run_id)
        if row is None:
            return
        index = self.runs_model.index(row, NAME)
        self._selecting = True
        try:
            self.runs_table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
        finally:
            self._selecting = False
        self._show(self.runs_model.run(row))

    def refresh(self) -> None:
        """Read the runs again; keep the selection, or select the new run, or the run in use."""
        runs = self.controller.runs
        ids = {run.id for run in runs}
        new = ids - self._known_ids
        self._known_ids = ids
        self.runs_model.reload()
        if not ids:
            self._selected_id = None
            self._clear_details()
            # A first run's head, handed out while its fine-tune goes on, is in use before any run is kept.
            training = self.controller.classifier is not None
            self.empty.setText(self.tr(TRAINING_TEXT) if training else self.tr(EMPTY_TEXT))
            self.empty.setWordWrap(training)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentIndex(1)
        if self._select_in_use:
            self._select_in_use = False
            chosen = runs.in_use or runs.newest
        elif new:
            chosen = runs.get(max(new))  # what just trained is what the user comes to look at
        else:
            chosen = self.selected_run or runs.in_use or runs.newest
        self.select_run(chosen.id)

    def _on_row_changed(self, current, _previous) -> None:
        if current.isValid() and not self._selecting:
            run = self.runs_model.run(current.row())
            if run.id != self._selected_id:
                self._show(run)

    def _on_classifier_changed(self) -> None:
        if not self.controller.runs:
            self.refresh()  # the empty page says whether a training run's head is in use

    def _on_project_replaced(self) -> None:
        self._select_in_use = True
        self._known_ids = set()
        self._bins = None

    def _on_dataset_changed(self) -> None:
        self._bins = None
        run = self.selected_run
        if run is not None and self.isVisible():
            self._show_photos(run)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt signature
        super().showEvent(event)
        run = self.selected_run
        if self._bins is None and run is not None:
            self._show_photos(run)

    # -- actions --------------------------------------------------------------------------------

    def use_selected(self) -> None:
        run = self.selected_run
        if run is None:
            return
        try:
            self.controller.use_run(run.id)
        except TlguiError as exc:
            self.controller.report_error(str(exc))

    def rename_selected(self) -> None:
        """Edit the selected run's name in place."""
        row = self.runs_model.row_of(self._selected_id) if self._selected_id is not None else None
        if row is not None:
            self.runs_table.edit(self.runs_model.index(row, NAME))

    def delete_selected(self) -> None:
        run = self.selected_run
        if run is None:
            return
        text = self.tr("Delete “{name}”? Its settings, curves, results and model leave the project.").format(
            name=run.title)
        if run.id == self.controller.runs.in_use_id and self.controller.has_early_model:
            text += self.tr(" It is the run in use: Classify and Export will use the new head of the run now "
                            "training instead.")
        elif run.id == self.controller.runs.in_use_id:
            text += self.tr(" It is the run in use: Classify and Export will have no model until you choose another.")
        answer = QMessageBox.question(self, self.tr("Delete run"), literal_html(text),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self._selected_id = None
            self.controller.delete_run(run.id)

    # -- showing one run ------------------------------------------------------------------------

    def _show(self, run: Run) -> None:
        self._selected_id = run.id
        in_use = run.id == self.controller.runs.in_use_id
        self.use_button.setEnabled(run.has_model and not in_use)
        self.use_button.setToolTip(
            self.tr("This run is in use.") if in_use else
            self.tr("Classify and Export use the selected run's model") if run.has_model else
            self.tr("This run's model was let go: it cannot be used.")
        )
        self.summary.setText(summary_text(run) + (self.tr(" · in use") if in_use else ""))
        report = run.report
        self.confusion.set_matrix(report.class_names if report else [], report.confusion if report else [])
        self._fill_per_class(report)
        self.curves.set_planned_epochs(run.config.epochs)
        self.curves.set_history(run.history)
        self.tabs.setTabText(WRONG_TAB, self.tr("Misclassified ({count})").format(count=run.mistakes))
        self._show_photos(run)

    def _show_photos(self, run: Run) -> None:
        """Fill both galleries from the run's predictions, found again in the bins by path."""
        bins = self._bin_of_each_photo()
        report = run.report
        wrong = report.misclassified if report is not None else []
        self.wrong_model.set_run_photos(wrong, bins)
        self.cell_model.set_run_photos([], bins)
        self.cell_label.setText(self.tr(CELL_PROMPT) if run.predictions_recorded else self.tr(NOT_RECORDED))
        self.wrong_label.setText(self._wrong_text(run, len(wrong), self.wrong_model.missing_count()))

    def _wrong_text(self, run: Run, shown: int, missing: int) -> str:
        if not run.predictions_recorded:
            return self.tr(NOT_RECORDED)
        if run.mistakes == 0:
            return self.tr("No validation photo was misclassified.")
        text = self.tr("%n photo(s), the most confident mistakes first.", "", shown)
        if shown < run.mistakes:
            text = self.tr("{shown} of the {mistakes} mistakes, the most confident first: the run kept the "
                           "predictions of its first photos only.").format(shown=shown, mistakes=run.mistakes)
        if missing:
            text += self.tr(" %n photo(s) of them no longer in the project's bins.", "", missing)
        return text

    def show_cell(self, true_label: str, predicted_label: str) -> None:
        """List the validation photos of one confusion-matrix cell."""
        run = self.selected_run
        if run is None or run.report is None:
            return
        report = run.report
        names = report.class_names
        counted = report.confusion[names.index(true_label)][names.index(predicted_label)]
        if true_label == predicted_label:
            text = self.tr("%n {label} photo(s) correctly recognised.", "", counted).format(label=true_label)
        else:
            text = self.tr("%n {label} photo(s) taken for {predicted}.", "", counted).format(
                label=true_label, predicted=predicted_label)
        if not run.predictions_recorded:
            self.cell_label.setText(f"{text} {self.tr(NOT_RECORDED)}")
            self.tabs.setCurrentIndex(CELL_TAB)
            return
        photos = report.cell(true_label, predicted_label)
        self.cell_model.set_run_photos(photos, self._bin_of_each_photo())
        if len(photos) < counted:
            text += self.tr(" The run kept the predictions of {count} of them.").format(count=len(photos))
        missing = self.cell_model.missing_count()
        if missing:
            text += self.tr(" %n photo(s) of them no longer in the project's bins.", "", missing)
        self.cell_label.setText(text)
        self.tabs.setCurrentIndex(CELL_TAB)

    def _bin_of_each_photo(self) -> dict[str, str]:
        if self._bins is None:
            self._bins = {str(item.path): item.label for item in self.controller.dataset.items()}
        return self._bins

    def _fill_per_class(self, report: EvaluationReport | None) -> None:
        self.per_class.removeRows(0, self.per_class.rowCount())
        if report is None:
            return
        predicted = [sum(column) for column in zip(*report.confusion, strict=True)]
        # A class with no validation photo has no recall, one never predicted no precision: not 0%.
        undefined = self.tr("n/a")
        for name, precision, recall, row, times_predicted in zip(
            report.class_names, report.precision, report.recall, report.confusion, predicted, strict=True
        ):
            cells = [QStandardItem(name),
                     QStandardItem(f"{precision:.1%}" if times_predicted else undefined),
                     QStandardItem(f"{recall:.1%}" if sum(row) else undefined),
                     QStandardItem(str(sum(row)))]
            for cell in cells[1:]:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.per_class.appendRow(cells)

    def _clear_details(self) -> None:
        self.summary.setText("")
        self.confusion.set_matrix([], [])
        self._fill_per_class(None)
        self.curves.set_history([])
        self.cell_model.set_run_photos([], {})
        self.wrong_model.set_run_photos([], {})
        self.cell_label.setText(self.tr(CELL_PROMPT))
        self.wrong_label.setText("")
        self.tabs.setTabText(WRONG_TAB, self.tr("Misclassified"))

    def explain(self, prediction) -> None:
        """"Why?" for a validation photo: the heatmap of the run shown (its model, if still kept) for
        the class it predicted, in a window of its own."""
        run = self.selected_run or self.controller.runs.in_use
        classifier = run.classifier if run is not None else None
        if classifier is None:
            self.controller.show_status(self.tr("This run's model was not kept, so its heatmaps cannot be shown."))
            return
        HeatmapDialog.show_for(self, classifier, prediction.path, prediction.predicted_label)

    def shutdown(self) -> None:
        """Let thumbnail decodes in flight finish (window closing)."""
        self.loader.shutdown()
        HeatmapDialog.shutdown_all(self)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label
