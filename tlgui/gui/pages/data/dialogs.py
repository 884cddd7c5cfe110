"""Small dialogs of the Data page: which class, how to read a folder, whether to delete.

Each is a plain function over Qt's standard dialogs so tests can replace the dialog with a
monkeypatched ``QInputDialog`` / ``QMessageBox`` static method.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from tlgui.gui.widgets.plain_text import literal_html
from tlgui.gui.widgets.progress_text import counted


def suggested_class_name(paths: Sequence[Path], existing: Sequence[str]) -> str:
    """A name to offer for loose files: their common folder's name, else "class N"."""
    parents = {p.parent.name for p in paths if p.parent.name}
    if len(parents) == 1:
        return parents.pop()
    n = len(existing) + 1
    template = QCoreApplication.translate("dialogs", "class {n}")
    while template.format(n=n) in existing:
        n += 1
    return template.format(n=n)


def choose_class(parent: QWidget | None, paths: Sequence[Path], existing: Sequence[str]) -> str | None:
    """Ask which class photos (read already: they are photos) join: pick an existing one or type a
    new name. None = cancel."""
    suggestion = suggested_class_name(paths, existing)
    choices = list(existing)
    if suggestion not in choices:
        choices.insert(0, suggestion)
    question = QCoreApplication.translate("dialogs", "Which class does this photo belong to?") if len(paths) == 1 \
        else QCoreApplication.translate("dialogs", "Which class do these {photos} belong to?").format(photos=counted(len(paths), "photo"))
    name, ok = QInputDialog.getItem(
        parent,
        QCoreApplication.translate("dialogs", "Add photos to a class"),
        question + "\n" + QCoreApplication.translate("dialogs", "Choose a class or type a new name:"),
        choices,
        0,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


def move_target(parent: QWidget | None, photos: int, sources: Sequence[str], existing: Sequence[str]) -> str | None:
    """Ask where selected photos go: another class, or a new name typed in. None = cancel."""
    choices = [name for name in existing if name not in sources] or list(existing)
    question = QCoreApplication.translate("dialogs", "Move this photo to which class?") if photos == 1 \
        else QCoreApplication.translate("dialogs", "Move these {photos} to which class?").format(photos=counted(photos, "photo"))
    name, ok = QInputDialog.getItem(
        parent,
        QCoreApplication.translate("dialogs", "Move to class"),
        question + "\n" + QCoreApplication.translate("dialogs", "Choose a class or type a new name:"),
        choices,
        0,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


def ask_layout(parent: QWidget | None, question: str, choices: list[str]) -> int | None:
    """The engine's question about a folder holding both photos and sub-folders. None = cancel."""
    choice, ok = QInputDialog.getItem(parent, QCoreApplication.translate("dialogs", "How should this folder be read?"), literal_html(question), choices, 0,
                                      False)
    if not ok:
        return None
    return choices.index(choice) if choice in choices else None


def new_class_name(parent: QWidget | None, existing: Sequence[str]) -> str | None:
    """Ask for the name of a new, empty class."""
    suggestion = suggested_class_name([], existing)
    name, ok = QInputDialog.getText(parent, QCoreApplication.translate("dialogs", "New class"), QCoreApplication.translate("dialogs", "Name of the new class:"),
                                   text=suggestion)
    name = name.strip() if ok else ""
    return name or None


def merge_target(parent: QWidget | None, sources: Sequence[str]) -> str | None:
    """Ask which name the merged class takes (one of the sources, or a new one)."""
    name, ok = QInputDialog.getItem(
        parent,
        QCoreApplication.translate("dialogs", "Merge classes"),
        literal_html(QCoreApplication.translate("dialogs", "Merge {names} into one class named:").format(names=", ".join(sources))),
        list(sources),
        0,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


def confirm_delete(parent: QWidget | None, names: Sequence[str], photos: int) -> bool:
    """Ask before deleting classes (the files on disk are not touched)."""
    if len(names) == 1:
        title = QCoreApplication.translate("dialogs", "Delete class")
        question = QCoreApplication.translate("dialogs", "Delete the class “{name}” and its {photos} from the project?").format(
            name=names[0], photos=counted(photos, "photo"))
    else:
        title = QCoreApplication.translate("dialogs", "Delete classes")
        question = QCoreApplication.translate("dialogs", "Delete {count} classes ({names}) and their {photos} from the project?").format(
            count=len(names), names=", ".join(names), photos=counted(photos, "photo"))
    note = QCoreApplication.translate("dialogs", "The files on disk are not touched, and Edit › Undo brings them back.")
    answer = QMessageBox.question(
        parent,
        title,
        literal_html(f"{question}\n{note}"),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
