"""The project's training runs as a table: one row a run, newest first; the run in use in bold.

The model reads the controller's ``RunHistory`` and writes back through the controller only:
editing the Name cell renames the run, ticking the Always keep cell marks its model to be kept.
Columns: in use, name, when, backbone, what trained, epochs, validation accuracy, time, how it
ended, whether its model is kept, always keep. The last two are apart because a tick beside the
state read as the state ("keep", unticked, read as "not kept" for a model the project had).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.errors import TlguiError
from tlgui.core.training.runs import Run
from tlgui.core.training.summary import epoch_count
from tlgui.gui.widgets.plain_text import literal_html
from tlgui.gui.widgets.progress_text import format_duration

Index = QModelIndex | QPersistentModelIndex

IN_USE, NAME, WHEN, BACKBONE, TRAINED, EPOCHS, ACCURACY, TIME, ENDED, MODEL, KEEP = range(11)
HEADERS = (
    QT_TRANSLATE_NOOP("RunsTableModel", "In use"), QT_TRANSLATE_NOOP("RunsTableModel", "Name"),
    QT_TRANSLATE_NOOP("RunsTableModel", "When"), QT_TRANSLATE_NOOP("RunsTableModel", "Backbone"),
    QT_TRANSLATE_NOOP("RunsTableModel", "Trained"), QT_TRANSLATE_NOOP("RunsTableModel", "Epochs"),
    QT_TRANSLATE_NOOP("RunsTableModel", "Accuracy"), QT_TRANSLATE_NOOP("RunsTableModel", "Time"),
    QT_TRANSLATE_NOOP("RunsTableModel", "Ended"), QT_TRANSLATE_NOOP("RunsTableModel", "Model"),
    QT_TRANSLATE_NOOP("RunsTableModel", "Always keep"),
)
_RIGHT = (EPOCHS, ACCURACY, TIME)
IN_USE_MARK = "●"


def backbone_title(backbone_id: str) -> str:
    try:
        return get_spec(backbone_id).title
    except TlguiError:
        return backbone_id  # a backbone this version does not offer: its id, as the file has it


def model_is_the_heads(run: Run) -> bool:
    """Whether a fine-tune run's model is its new head's (``summary.best_epoch_was_the_heads``)."""
    from tlgui.core.training.summary import best_epoch_was_the_heads

    return best_epoch_was_the_heads(run.regime, run.history, run.best_epoch)


def trained_text(run: Run) -> str:
    """What trained: the regime, with the hand-set layers noted, and the new head's model when no
    fine-tune epoch beat it (the regime alone reads as a fine-tuned model)."""
    text = run.regime.title if run.regime is not None else "?"
    if run.config.trainable_overrides:
        text += QCoreApplication.translate("RunsTableModel", " + hand-set layers")
    if model_is_the_heads(run):
        text += QCoreApplication.translate("RunsTableModel", " (new head's model)")
    return text


def epochs_text(run: Run) -> str:
    done, planned = epoch_count(run.history, run.config.epochs)  # as the Train page counted them
    return QCoreApplication.translate("RunsTableModel", "{run} of {planned}").format(run=done, planned=planned)


def ended_text(run: Run) -> str:
    """How the run ended: the stored value ("finished", "stopped", "interrupted") in the window's words."""
    if run.interrupted:
        return QCoreApplication.translate("RunsTableModel", "interrupted")
    if run.stopped:
        return QCoreApplication.translate("RunsTableModel", "stopped")
    return QCoreApplication.translate("RunsTableModel", "finished")


def accuracy_text(run: Run) -> str:
    accuracy = run.accuracy
    return "?" if accuracy is None else f"{accuracy:.1%}"


def when_text(run: Run) -> str:
    return run.created.astimezone().strftime("%Y-%m-%d %H:%M")


def model_text(run: Run) -> str:
    return QCoreApplication.translate("RunsTableModel", "kept") if run.has_model else QCoreApplication.translate("RunsTableModel", "let go")


class RunsTableModel(QAbstractTableModel):
    """Rows of the controller's runs, newest first. ``run(row)`` gives a row's ``Run``."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self._runs: list[Run] = []
        self.reload()

    def reload(self) -> None:
        """Read the runs again (after any change to them)."""
        runs = list(reversed(self.controller.runs.runs))
        if [r.id for r in runs] == [r.id for r in self._runs] and runs:
            # Same rows (a rename, a tick, another run in use): a reset would close an open editor
            # from inside its own commit, and lose the selection.
            self._runs = runs
            self.dataChanged.emit(self.index(0, 0), self.index(len(runs) - 1, len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._runs = runs
        self.endResetModel()

    def run(self, row: int) -> Run:
        return self._runs[row]

    def row_of(self, run_id: int) -> int | None:
        return next((row for row, run in enumerate(self._runs) if run.id == run_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(HEADERS[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            tip = _HEADER_TIPS.get(section)
            return self.tr(tip) if tip else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.column() == NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        if index.column() == KEEP and self._runs[index.row()].has_model:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        run, column = self._runs[index.row()], index.column()
        in_use = run.id == self.controller.runs.in_use_id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(run, column, in_use)
        if role == Qt.ItemDataRole.CheckStateRole and column == KEEP and run.has_model:
            return Qt.CheckState.Checked if run.keep_model else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole and in_use:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == IN_USE:
                return Qt.AlignmentFlag.AlignCenter
            if column in _RIGHT:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_html(self._tooltip(run, column, in_use))
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        run = self._runs[index.row()]
        try:
            if index.column() == NAME and role == Qt.ItemDataRole.EditRole:
                # The editor starts from the shown name: left as it is, a default name stays the
                # default (in every language), rather than becoming this language's words.
                if str(value).strip() != run.title:
                    self.controller.rename_run(run.id, str(value))
                return True
            if index.column() == KEEP and role == Qt.ItemDataRole.CheckStateRole:
                self.controller.set_keep_model(run.id, Qt.CheckState(value) == Qt.CheckState.Checked)
                return True
        except TlguiError as exc:
            self.controller.report_error(str(exc))
        return False

    @staticmethod
    def _text(run: Run, column: int, in_use: bool) -> str:
        if column == IN_USE:
            return IN_USE_MARK if in_use else ""
        if column == NAME:
            return run.title
        if column == WHEN:
            return when_text(run)
        if column == BACKBONE:
            return backbone_title(run.backbone_id)
        if column == TRAINED:
            return trained_text(run)
        if column == EPOCHS:
            return epochs_text(run)
        if column == ACCURACY:
            return accuracy_text(run)
        if column == TIME:
            return format_duration(run.timings.total_s) if run.timings.total_s else "?"
        if column == ENDED:
            return ended_text(run)
        if column == MODEL:
            return model_text(run)
        return ""  # KEEP: the tick alone, under its header

    @staticmethod
    def _tooltip(run: Run, column: int, in_use: bool) -> str:
        if column == IN_USE:
            return (QCoreApplication.translate("RunsTableModel", "Classify and Export use this run's model.") if in_use
                    else QCoreApplication.translate("RunsTableModel", "Not in use."))
        if column in (MODEL, KEEP) and not run.has_model:
            return QCoreApplication.translate(
                "RunsTableModel", "This run's model was let go to keep the project small; its settings, "
                "curves and results stay.")
        if column == MODEL:
            return QCoreApplication.translate(
                "RunsTableModel", "The project has this run's model: it can be put in use. Unless “Always keep” "
                "is ticked, it is kept while it is among the newest runs' models.")
        if column == KEEP:
            return QCoreApplication.translate(
                "RunsTableModel", "Ticked: the project keeps this model whatever runs come next. Unticked: "
                "it is kept while it is among the newest runs' models.")
        if column == TRAINED and model_is_the_heads(run):
            return QCoreApplication.translate(
                "RunsTableModel", "Its model is the new head's, from epoch {best}: no fine-tune epoch beat "
                "it.").format(best=run.best_epoch)
        if column == ENDED and run.stopped:
            return QCoreApplication.translate(
                "RunsTableModel", "Stopped by the user; the run kept its best epoch so far.")
        if column == ENDED and run.interrupted:
            return QCoreApplication.translate(
                "RunsTableModel", "Kept before it ended (the project was saved while it trained, or it did not "
                "stop in time), at epoch {epoch}: its model is the best it had made by then, from epoch "
                "{best}.").format(epoch=run.epochs_run, best=run.best_epoch)
        return run.title


_HEADER_TIPS = {
    IN_USE: QT_TRANSLATE_NOOP("RunsTableModel", "The run whose model Classify and Export use"),
    ACCURACY: QT_TRANSLATE_NOOP("RunsTableModel", "Validation accuracy of the model the run kept (its best epoch)"),
    EPOCHS: QT_TRANSLATE_NOOP("RunsTableModel", "Epochs run, of those planned"),
    MODEL: QT_TRANSLATE_NOOP("RunsTableModel", "Whether the project still has the run's model: kept, or let go "
                                               "(its settings, curves and results stay)"),
    KEEP: QT_TRANSLATE_NOOP("RunsTableModel", "Tick to keep this run's model whatever runs come next"),
}


class RunsTableView(QTableView):
    """The runs table: whole rows selected one at a time; double-click a name to rename the run."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)

    def setModel(self, model) -> None:  # noqa: N802 - Qt signature
        super().setModel(model)
        header = self.horizontalHeader()
        for column in range(len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # The name takes what is left; it is the one column a user writes.
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
