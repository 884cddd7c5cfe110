"""The Results page: how good the trained classifier is, and which photos it gets wrong.

Shows the last training run (``controller.last_result``); for a classifier that came from a project
or model file, the summary stored in its metrics (no photos to show then: their paths belong to the
computer it was trained on).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.plan.regime import Regime
from tlgui.core.training.metrics import EvaluationReport
from tlgui.gui.pages.classify.prediction_thumbs import THUMB_EDGE, PredictionThumbModel, PredictionThumbView
from tlgui.gui.widgets.confusion_view import ConfusionView
from tlgui.gui.widgets.heatmap_view import HeatmapDialog
from tlgui.gui.widgets.plain_text import plain_label
from tlgui.gui.widgets.progress_text import format_duration
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

EMPTY_TEXT = "Train a model to see results"


def report_from_metrics(class_names: list[str], metrics: dict) -> EvaluationReport | None:
    """Rebuild the report a classifier carries in its metrics (without the per-photo predictions)."""
    try:
        precision, recall = metrics["precision"], metrics["recall"]
        return EvaluationReport(
            class_names=list(class_names),
            confusion=[list(map(int, row)) for row in metrics["confusion"]],
            precision=[float(precision[n]) for n in class_names] if isinstance(precision, dict) else list(precision),
            recall=[float(recall[n]) for n in class_names] if isinstance(recall, dict) else list(recall),
            accuracy=float(metrics["accuracy"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def summary_text(report: EvaluationReport, *, best_epoch, epochs_run, regime, seconds, cancelled=False) -> str:
    """One line: accuracy, best epoch, regime, time."""
    parts = [f"Validation accuracy {report.accuracy:.1%}"]
    if best_epoch:
        parts.append(f"best epoch {best_epoch}" + (f" of {epochs_run}" if epochs_run else ""))
    if regime:
        # A model file from elsewhere may name a regime this version does not know: show it as is.
        parts.append(f"trained: {Regime(regime).title if regime in tuple(Regime) else regime}")
    if seconds:
        parts.append(f"time {format_duration(seconds)}")
    val = sum(sum(row) for row in report.confusion)
    parts.append(f"{val} validation photos")
    text = " · ".join(parts)
    return text + (" · stopped early by the user" if cancelled else "")


class ResultsPage(QWidget):
    """Summary, confusion matrix (click a cell to see its photos), precision/recall, misclassified."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.report: EvaluationReport | None = None
        self.loader = ThumbnailLoader(self, size=THUMB_EDGE)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: gray; font-size: 16pt;")
        self.summary = plain_label()  # a model file's training notes are shown as they are
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.confusion = ConfusionView()
        self.confusion.cellChosen.connect(self.show_cell)
        self.per_class = QStandardItemModel(0, 4, self)
        self.per_class.setHorizontalHeaderLabels(["Class", "Precision", "Recall", "Validation photos"])
        self.per_class_table = QTableView()
        self.per_class_table.setModel(self.per_class)
        self.per_class_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class_table.verticalHeader().setVisible(False)
        self.per_class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.cell_label = plain_label("Click a cell of the confusion matrix to see its photos.")  # class names
        self.cell_label.setWordWrap(True)
        self.cell_model = PredictionThumbModel(self.loader, self)
        self.cell_view = PredictionThumbView()
        self.cell_view.setModel(self.cell_model)
        self.wrong_model = PredictionThumbModel(self.loader, self)
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

        controller.classifierChanged.connect(self.refresh)
        self.refresh()

    def _build_content(self) -> QWidget:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(_heading("Confusion matrix"))
        left_layout.addWidget(self.confusion, 3)
        left_layout.addWidget(_heading("Per class"))
        left_layout.addWidget(self.per_class_table, 2)
        cell_tab = QWidget()
        cell_layout = QVBoxLayout(cell_tab)
        cell_layout.addWidget(self.cell_label)
        cell_layout.addWidget(self.cell_view, 1)
        self.tabs.addTab(cell_tab, "Selected cell")
        self.tabs.addTab(self.wrong_view, "Misclassified")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([560, 700])
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        return content

    # -- filling --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the controller's last run, or the stored metrics of its classifier, or the empty state."""
        result = self.controller.last_result
        classifier = self.controller.classifier
        if result is not None:
            report = result.report
            text = summary_text(
                report,
                best_epoch=result.best_epoch,
                epochs_run=len(result.history),
                regime=result.regime,
                seconds=result.timings.get("total_s", 0.0),
                cancelled=result.cancelled,
            )
        elif classifier is not None and (report := report_from_metrics(classifier.class_names, classifier.metrics)):
            training = classifier.training or {}
            text = summary_text(
                report,
                best_epoch=classifier.metrics.get("best_epoch"),
                epochs_run=classifier.metrics.get("epochs_run"),
                regime=training.get("regime"),
                seconds=(training.get("timings") or {}).get("total_s", 0.0),
            )
        else:
            self.report = None
            self.stack.setCurrentWidget(self.empty)
            return
        self.report = report
        self.summary.setText(text)
        self.confusion.set_matrix(report.class_names, report.confusion)
        self._fill_per_class(report)
        wrong = report.misclassified
        self.wrong_model.set_predictions(wrong)
        self.tabs.setTabText(1, f"Misclassified ({len(wrong)})")
        self.cell_model.set_predictions([])
        self.cell_label.setText(
            "Click a cell of the confusion matrix to see its photos."
            if report.predictions
            else "This model came from a file: the photos it was checked on are not available here."
        )
        self.stack.setCurrentIndex(1)

    def show_cell(self, true_label: str, predicted_label: str) -> None:
        """List the validation photos of one confusion-matrix cell."""
        if self.report is None:
            return
        photos = self.report.cell(true_label, predicted_label)
        verdict = "correctly recognised" if true_label == predicted_label else f"taken for {predicted_label}"
        self.cell_label.setText(f"{len(photos)} {true_label} photo{'s' if len(photos) != 1 else ''} {verdict}.")
        self.cell_model.set_predictions(photos)
        self.tabs.setCurrentIndex(0)

    def _fill_per_class(self, report: EvaluationReport) -> None:
        self.per_class.removeRows(0, self.per_class.rowCount())
        for name, precision, recall, row in zip(
            report.class_names, report.precision, report.recall, report.confusion, strict=True
        ):
            cells = [QStandardItem(name), QStandardItem(f"{precision:.1%}"), QStandardItem(f"{recall:.1%}"),
                     QStandardItem(str(sum(row)))]
            for cell in cells[1:]:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.per_class.appendRow(cells)

    def explain(self, prediction) -> None:
        """"Why?" for a validation photo: its heatmap for the class predicted, in a window of its own."""
        if self.controller.classifier is not None:
            HeatmapDialog.show_for(self, self.controller.classifier, prediction.path, prediction.predicted_label)

    def shutdown(self) -> None:
        """Let thumbnail decodes in flight finish (window closing)."""
        self.loader.shutdown()
        HeatmapDialog.shutdown_all(self)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label
