"""Small dialogs of the Data page: which class, how to read a folder, which photos are doubled.

Each is a plain function over Qt's standard dialogs so tests can replace the dialog with a
monkeypatched ``QInputDialog`` / ``QMessageBox`` static method.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.bins import Duplicate
from tlgui.gui.widgets.plain_text import literal_html


def suggested_class_name(paths: Sequence[Path], existing: Sequence[str]) -> str:
    """A name to offer for loose files: their common folder's name, else "class N"."""
    parents = {p.parent.name for p in paths if p.parent.name}
    if len(parents) == 1:
        return parents.pop()
    n = len(existing) + 1
    while f"class {n}" in existing:
        n += 1
    return f"class {n}"


def choose_class(parent: QWidget | None, paths: Sequence[Path], existing: Sequence[str]) -> str | None:
    """Ask which class loose photos join: pick an existing one or type a new name. None = cancel."""
    suggestion = suggested_class_name(paths, existing)
    choices = list(existing)
    if suggestion not in choices:
        choices.insert(0, suggestion)
    count = len(paths)
    name, ok = QInputDialog.getItem(
        parent,
        "Add photos to a class",
        f"Which class do {'these' if count != 1 else 'this'} {count} "
        f"{'items' if count != 1 else 'item'} belong to?\nChoose a class or type a new name:",
        choices,
        0,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


def ask_layout(parent: QWidget | None, question: str, choices: list[str]) -> int | None:
    """The engine's question about a folder holding both photos and sub-folders. None = cancel."""
    choice, ok = QInputDialog.getItem(parent, "How should this folder be read?", literal_html(question), choices, 0,
                                      False)
    if not ok:
        return None
    return choices.index(choice) if choice in choices else None


def new_class_name(parent: QWidget | None, existing: Sequence[str]) -> str | None:
    """Ask for the name of a new, empty class."""
    suggestion = suggested_class_name([], existing)
    name, ok = QInputDialog.getText(parent, "New class", "Name of the new class:", text=suggestion)
    name = name.strip() if ok else ""
    return name or None


def merge_target(parent: QWidget | None, sources: Sequence[str]) -> str | None:
    """Ask which name the merged class takes (one of the sources, or a new one)."""
    name, ok = QInputDialog.getItem(
        parent,
        "Merge classes",
        literal_html(f"Merge {', '.join(sources)} into one class named:"),
        list(sources),
        0,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


def confirm_delete(parent: QWidget | None, names: Sequence[str], photos: int) -> bool:
    """Ask before deleting classes (the files on disk are not touched)."""
    what = f"the class “{names[0]}”" if len(names) == 1 else f"{len(names)} classes ({', '.join(names)})"
    answer = QMessageBox.question(
        parent,
        "Delete class" if len(names) == 1 else "Delete classes",
        literal_html(f"Delete {what} and its {photos:,} photo{'s' if photos != 1 else ''} from the project?\n"
                     "The files on disk are not touched."),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class DuplicatesDialog(QDialog):
    """Lists each photo that sits in more than one class, with the classes and file paths.

    ``photoActivated(label, path)``: the user double-clicked one copy (to find it in its bin).
    """

    photoActivated = Signal(str, object)

    def __init__(self, duplicates: Sequence[Duplicate], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Photos in more than one class")
        self.resize(760, 420)
        intro = QLabel(
            "Each photo below is in more than one class (the same content, maybe under another "
            "file name). In the bins they carry an orange corner. Double-click a copy to select it "
            "in its class, then press Delete there to remove the wrong one."
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Class", "File"])
        self.tree.setColumnWidth(0, 180)
        for duplicate in duplicates:
            group = QTreeWidgetItem([", ".join(duplicate.labels), duplicate.items[0].path.name])
            for item in duplicate.items:
                child = QTreeWidgetItem([item.label, str(item.path)])
                child.setToolTip(1, literal_html(str(item.path)))
                child.setData(0, Qt.ItemDataRole.UserRole, (item.label, item.path))
                group.addChild(child)
            self.tree.addTopLevelItem(group)
        self.tree.expandAll()
        self.tree.itemActivated.connect(self._on_activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.parent() is None:
            return  # a group row: no single photo to show
        label, path = item.data(0, Qt.ItemDataRole.UserRole)
        self.photoActivated.emit(label, path)
