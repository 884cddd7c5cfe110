"""The network as a tree of modules with a Trainable check box on each (model/view).

The model mirrors ``tlgui.core.plan.freezing.layer_tree(net, num_classes)``: the head row is the new
head training puts on, always trainable, so its box cannot be cleared. The model never changes the
network itself: a click on a check box is announced as ``trainableToggled(path, trainable)``; the page
records it in the settings, applies the engine's plan and calls ``refresh`` so that parents show
checked, unchecked or partial.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from tlgui.core.plan.freezing import LayerNode
from tlgui.gui.widgets.progress_text import format_count

COLUMNS = (
    QT_TRANSLATE_NOOP("LayerTreeModel", "Module"), QT_TRANSLATE_NOOP("LayerTreeModel", "Type"),
    QT_TRANSLATE_NOOP("LayerTreeModel", "Parameters"), QT_TRANSLATE_NOOP("LayerTreeModel", "Trainable"),
)
TRAINABLE_COLUMN = 3
PARAMS_COLUMN = 2
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
HEAD_NOTE = QT_TRANSLATE_NOOP(
    "LayerTreeModel",
    "The new head: one output per class. It replaces the pretrained network's own output layer and "
    "always trains."
)


def _check_state(trainable: bool | None) -> Qt.CheckState:
    if trainable is None:
        return Qt.CheckState.PartiallyChecked
    return Qt.CheckState.Checked if trainable else Qt.CheckState.Unchecked


class LayerTreeModel(QStandardItemModel):
    """Module / Type / Parameters / Trainable for every module of a network."""

    trainableToggled = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels([self.tr(title) for title in COLUMNS])
        self._checks: dict[str, QStandardItem] = {}
        self._params: dict[str, QStandardItem] = {}
        self._updating = False
        self.itemChanged.connect(self._on_item_changed)

    def set_tree(self, root: LayerNode | None) -> None:
        """Rebuild from a fresh ``layer_tree(net)`` (a new network); None empties the view."""
        self._updating = True
        try:
            self.removeRows(0, self.rowCount())
            self._checks.clear()
            self._params.clear()
            if root is not None:
                # The root is the whole network; its stages read better as the top level.
                for child in root.children or [root]:
                    self._append(self.invisibleRootItem(), child)
        finally:
            self._updating = False

    def refresh(self, root: LayerNode) -> None:
        """Update the check boxes and counts from a fresh ``layer_tree`` of the same network."""
        self._updating = True
        try:
            stack = [root]
            while stack:
                node = stack.pop()
                item = self._checks.get(node.path)
                if item is not None:
                    item.setCheckState(_check_state(node.trainable))
                params = self._params.get(node.path)
                if params is not None and params.text() != format_count(node.params):
                    params.setText(format_count(node.params))  # the new head grows with the classes
                stack.extend(node.children)
        finally:
            self._updating = False

    def check_item(self, path: str) -> QStandardItem | None:
        """The Trainable cell of the module at ``path`` (None for modules without parameters)."""
        return self._checks.get(path)

    def _append(self, parent: QStandardItem, node: LayerNode) -> None:
        name = QStandardItem(node.name or node.path)
        name.setToolTip(self.tr(HEAD_NOTE) if node.fixed else node.path)
        kind = QStandardItem(node.type_name)
        params = QStandardItem(format_count(node.params))
        params.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        check = QStandardItem()
        check.setData(node.path, PATH_ROLE)
        row = [name, kind, params, check]
        for item in row:
            item.setEditable(False)
        self._params[node.path] = params
        if node.fixed:
            check.setCheckState(_check_state(node.trainable))
            check.setCheckable(False)  # shown, not clickable
            check.setToolTip(self.tr("The new head always trains."))
            self._checks[node.path] = check
        elif node.params:
            # User-checkable but not user-tristate: a click on a partial parent makes it all trainable.
            check.setCheckable(True)
            check.setCheckState(_check_state(node.trainable))
            self._checks[node.path] = check
        else:
            check.setText("—")
            check.setToolTip(self.tr("No parameters to train"))
            check.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        parent.appendRow(row)
        for child in node.children:
            self._append(name, child)

    def _on_item_changed(self, item: QStandardItem) -> None:
        if self._updating or item.column() != TRAINABLE_COLUMN or not item.isCheckable():
            return
        state = item.checkState()
        if state == Qt.CheckState.PartiallyChecked:
            return
        self.trainableToggled.emit(item.data(PATH_ROLE), state == Qt.CheckState.Checked)


class LayerTreeView(QTreeView):
    """A tree view laid out for ``LayerTreeModel``: names stretch, numbers fit their contents."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def setModel(self, model) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
