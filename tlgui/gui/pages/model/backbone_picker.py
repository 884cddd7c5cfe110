"""The backbone catalogue as a table: what each network costs and whether it works offline."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.backbones.catalogue import BackboneSpec, list_backbones, weights_status
from tlgui.core.i18n import _
from tlgui.gui.widgets.progress_text import format_count

COLUMNS = (
    QT_TRANSLATE_NOOP("BackbonePicker", "Backbone"), QT_TRANSLATE_NOOP("BackbonePicker", "Parameters"),
    QT_TRANSLATE_NOOP("BackbonePicker", "Download"), QT_TRANSLATE_NOOP("BackbonePicker", "Weights"),
)
_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def status_text(spec: BackboneSpec, status: str) -> str:
    """How a backbone's weights stand, in the user's terms."""
    if status == "bundled":
        return QCoreApplication.translate("BackbonePicker", "offline-ready")
    if status == "cached":
        return QCoreApplication.translate("BackbonePicker", "cached")
    return QCoreApplication.translate("BackbonePicker", "download {size} MB").format(size=f"{spec.download_mb:.0f}")


class BackbonePicker(QWidget):
    """Lists ``list_backbones()``; "Use selected" or a double-click emits ``backboneChosen(id)``.

    The backbone in use is shown in bold. Selecting a row alone loads nothing: moving through the
    table with the arrow keys must not start a download.
    """

    backboneChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._specs: list[BackboneSpec] = list_backbones()
        self._current: str | None = None
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([self.tr(title) for title in COLUMNS])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        # One line per backbone: sized before the table is shown, wrapped names made some rows tall.
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(self._on_double_clicked)

        self.use_button = QPushButton(self.tr("Use selected backbone"))
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._emit_selected)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table.selectionModel().selectionChanged.connect(self._update_button)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    # -- public ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read each backbone's weight status (after a download or an import)."""
        selected = self.selected_id()
        self.model.removeRows(0, self.model.rowCount())
        for spec in self._specs:
            self.model.appendRow(self._row(spec))
        self._apply_current_font()
        self.table.resizeRowsToContents()
        if selected is not None:
            self.select(selected)

    def set_current(self, backbone_id: str | None) -> None:
        """Mark the backbone in use (bold) and select it."""
        self._current = backbone_id
        self._apply_current_font()
        if backbone_id is not None:
            self.select(backbone_id)

    def select(self, backbone_id: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item(row, 0).data(_ID_ROLE) == backbone_id:
                self.table.selectRow(row)
                return

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(_ID_ROLE) if rows else None

    def status_of(self, backbone_id: str) -> str:
        """The text in the Weights column for ``backbone_id`` (for tests and tooltips)."""
        for row in range(self.model.rowCount()):
            if self.model.item(row, 0).data(_ID_ROLE) == backbone_id:
                return self.model.item(row, 3).text()
        raise KeyError(backbone_id)

    # -- internals ------------------------------------------------------------------------------

    def _row(self, spec: BackboneSpec) -> list[QStandardItem]:
        status = status_text(spec, weights_status(spec.id))
        cells = [
            QStandardItem(spec.title),
            QStandardItem(format_count(spec.params)),
            QStandardItem(self.tr("bundled") if spec.bundled else f"{spec.download_mb:.0f} MB"),
            QStandardItem(status),
        ]
        for cell in cells:
            cell.setData(spec.id, _ID_ROLE)
            cell.setToolTip(_(spec.summary))
        for cell in cells[1:3]:
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return cells

    def _apply_current_font(self) -> None:
        for row in range(self.model.rowCount()):
            is_current = self.model.item(row, 0).data(_ID_ROLE) == self._current
            for column in range(self.model.columnCount()):
                item = self.model.item(row, column)
                font = QFont(item.font())
                font.setBold(is_current)
                item.setFont(font)

    def _update_button(self) -> None:
        backbone_id = self.selected_id()
        self.use_button.setEnabled(backbone_id is not None)
        spec = next((s for s in self._specs if s.id == backbone_id), None)
        if spec is None:
            self.summary.setText("")
            return
        size = spec.preprocessing.input_size
        self.summary.setText(f"<b>{spec.title}</b>: {_(spec.summary)} "
                             + self.tr("Input {size}×{size} px.").format(size=size))

    def _emit_selected(self) -> None:
        backbone_id = self.selected_id()
        if backbone_id is not None:
            self.backboneChosen.emit(backbone_id)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        backbone_id = index.data(_ID_ROLE)
        if backbone_id:
            self.backboneChosen.emit(backbone_id)
