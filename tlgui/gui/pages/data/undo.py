"""Every edit of the class bins as a command on the controller's undo stack (Edit > Undo / Redo).

A ``BinsEdit`` applies its change once when it is made, so that the engine's refusal (a DataError:
a name already taken...) reaches the caller before anything is pushed; ``redo`` after an undo applies
it again to the same bins, which gives the same result. ``undo`` puts the bins back from a
``DataSet.snapshot`` of the classes the change touches; the functions below say, for each kind of
edit, which those are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from tlgui.core.data.bins import DataSet
from tlgui.core.data.intake import IntakePlan
from tlgui.core.data.items import clean_class_name
from tlgui.gui.widgets.progress_text import counted

# Called after the command was applied (``undone`` False) or undone (True), to show what changed.
RevealFn = Callable[["BinsEdit", bool], None]


class BinsEdit(QUndoCommand):
    """One change of the bins, undone by restoring the classes it touches.

    ``change(dataset)`` makes the change (its return value is ``result``); ``touched`` are the
    classes whose name or photos it changes (new classes need not be named); ``skipped``: it also
    changes the list of skipped files. Raises what ``change`` raises, with the bins unchanged.
    """

    def __init__(self, controller, text: str, touched: Iterable[str], change: Callable[[DataSet], Any], *,
                 skipped: bool = False, reveal: RevealFn | None = None):
        super().__init__()
        self.set_text(text)
        self._controller = controller
        self._dataset: DataSet = controller.dataset
        self._touched = tuple(dict.fromkeys(touched))
        self._change = change
        self._skipped = skipped
        self._reveal = reveal
        self._apply()

    def set_text(self, text: str) -> None:
        # Before the line break: the text an undo view lists; after it: the one for Edit > Undo
        # "…", where a "&" in a class name would otherwise turn into a keyboard shortcut.
        self.setText(f"{text}\n{text.replace('&', '&&')}")

    def _apply(self) -> None:
        self._before = self._dataset.snapshot(self._touched, skipped=self._skipped)
        try:
            self.result = self._change(self._dataset)
        except BaseException:
            # A change of several steps (photos from two folders) refused at its second: not half made.
            self._dataset.restore(self._before)
            raise
        self._applied = True

    def redo(self) -> None:
        if not self._applied:  # the first redo, from push(), finds the change made already
            self._apply()
            self._controller.show_status(QCoreApplication.translate("BinsEdit", "Redone: {edit}.").format(edit=self.text()))
        self._changed(undone=False)

    def undo(self) -> None:
        self._dataset.restore(self._before)
        self._applied = False
        self._controller.show_status(QCoreApplication.translate("BinsEdit", "Undone: {edit}.").format(edit=self.text()))
        self._changed(undone=True)

    def _changed(self, *, undone: bool) -> None:
        self._controller.notify_dataset_changed(undoable=True)
        if self._reveal is not None:
            self._reveal(self, undone)


def push(controller, command: BinsEdit) -> BinsEdit:
    """Put a made edit on the controller's stack (which announces it); returns the command."""
    controller.undo_stack.push(command)
    return command


# ---- the edits ----------------------------------------------------------------------------------------


def new_class(controller, name: str, reveal: RevealFn | None = None) -> BinsEdit:
    """A new, empty class at the end; ``result`` is its name as stored."""
    return BinsEdit(controller, QCoreApplication.translate("BinsEdit", "New class “{name}”").format(name=clean_class_name(name)), [],
                    lambda ds: ds.new_class(name), reveal=reveal)


def rename_class(controller, old: str, new: str, reveal: RevealFn | None = None) -> BinsEdit:
    """``old`` renamed in place; ``result`` is the new name as stored."""
    return BinsEdit(controller, QCoreApplication.translate("BinsEdit", "Rename “{name}”").format(name=old), [old],
                    lambda ds: ds.rename_class(old, new), reveal=reveal)


def delete_classes(controller, labels: Sequence[str], reveal: RevealFn | None = None) -> BinsEdit:
    """Classes and their photos out of the project (the files stay on disk)."""
    labels = list(labels)

    def change(ds: DataSet) -> None:
        for label in labels:
            ds.remove_class(label)

    text = QCoreApplication.translate("BinsEdit", "Delete “{name}”").format(name=labels[0]) if len(labels) == 1 \
        else QCoreApplication.translate("BinsEdit", "Delete {classes}").format(classes=counted(len(labels), "class", "classes"))
    return BinsEdit(controller, text, labels, change, reveal=reveal)


def merge_classes(controller, sources: Sequence[str], target: str, reveal: RevealFn | None = None) -> BinsEdit:
    """``sources`` into ``target`` (new or existing); ``result``: duplicate photos dropped."""
    sources = list(sources)
    touched = [*sources, target] if target in controller.dataset.class_names else sources
    return BinsEdit(controller, QCoreApplication.translate("BinsEdit", "Merge into “{name}”").format(name=target), touched,
                    lambda ds: ds.merge_classes(sources, target), reveal=reveal)


def move_photos(controller, paths: Sequence[Path], label: str, reveal: RevealFn | None = None) -> BinsEdit:
    """Photos relabelled into ``label``, which is created first when it does not exist yet.

    ``result`` is how many moved (a photo whose content ``label`` already holds is dropped instead).
    """
    paths = list(paths)
    dataset: DataSet = controller.dataset
    exists = label in dataset.class_names
    touched = [*dataset.labels_holding(paths), *([label] if exists else [])]

    def change(ds: DataSet) -> int:
        target = label if exists else ds.new_class(label)
        return ds.move_items(paths, target)

    text = QCoreApplication.translate("BinsEdit", "Move {photos} to “{name}”").format(photos=counted(len(paths), "photo"), name=label)
    return BinsEdit(controller, text, touched, change, reveal=reveal)


def remove_photos(controller, paths: Sequence[Path], reveal: RevealFn | None = None) -> BinsEdit:
    """Photos out of the project (the files stay on disk); ``result``: how many were removed."""
    paths = list(paths)
    touched = controller.dataset.labels_holding(paths)
    return BinsEdit(controller, QCoreApplication.translate("BinsEdit", "Remove {photos}").format(photos=counted(len(paths), "photo")), touched,
                    lambda ds: ds.remove_items(paths), reveal=reveal)


def add_photos(controller, plans: Sequence[IntakePlan], reveal: RevealFn | None = None) -> BinsEdit:
    """Plans read by an intake, committed in order; ``result`` is the list of their AddReports."""
    plans = list(plans)
    existing = set(controller.dataset.class_names)
    touched = {item.label for plan in plans for item in plan.items} & existing
    edit = BinsEdit(controller, "", touched, lambda ds: [ds.commit(plan) for plan in plans],
                    skipped=True, reveal=reveal)
    # Named after what was added (photos already in the bins are left out), as the status line says.
    photos = sum(report.added for report in edit.result)
    text = QCoreApplication.translate("BinsEdit", "Add {photos}").format(photos=counted(photos, "photo")) if photos \
        else QCoreApplication.translate("BinsEdit", "Add files that are not photos")
    edit.set_text(text)
    return edit


@dataclass(frozen=True)
class JoinedClass:
    """What ``add_to_class`` did: photos added, moved from other classes, already in the class (the
    same file, or the same picture under another name), and files that could not be read."""

    added: int
    moved: int
    already: int
    unreadable: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.unreadable)

    def describe(self, label: str) -> str:
        """One sentence saying what the add to class ``label`` did."""
        parts = []
        if self.added:
            parts.append(QCoreApplication.translate("ClassAdder", "added {photos}").format(photos=counted(self.added, "photo")))
        if self.moved:
            parts.append(QCoreApplication.translate("ClassAdder", "moved {photos} from other classes").format(photos=counted(self.moved, "photo")))
        if self.already:
            parts.append(QCoreApplication.translate("ClassAdder", "{count} already there").format(count=self.already))
        if self.unreadable:
            parts.append(QCoreApplication.translate("ClassAdder", "{count} could not be read").format(count=self.unreadable))
        text = QCoreApplication.translate("ClassAdder", "; ").join(parts) or QCoreApplication.translate("ClassAdder", "nothing changed")
        return QCoreApplication.translate("ClassAdder", "Class “{name}”: {summary}.").format(name=label, summary=text)


def add_to_class(controller, plan: IntakePlan, label: str, paths: Sequence[Path],
                 reveal: RevealFn | None = None) -> BinsEdit:
    """``paths``, read into ``plan`` for class ``label`` (created if new), join that class.

    A photo already in another class is moved, never doubled: adding a classified photo to the
    class it belongs to corrects its label. ``result`` is a ``JoinedClass``. What is decided (added,
    moved, already there) is decided against the bins as they are when the edit is made.
    """
    paths = list(dict.fromkeys(paths))
    dataset: DataSet = controller.dataset
    exists = label in dataset.class_names
    touched = [*dataset.labels_holding(paths), *([label] if exists else [])]

    def change(ds: DataSet) -> JoinedClass:
        where = {item.path: item.label for item in ds.items()}
        already = sum(1 for p in paths if where.get(p) == label)
        elsewhere = [p for p in paths if p in where and where[p] != label]
        if elsewhere and label not in ds.class_names:
            ds.new_class(label)
        moved = ds.move_items(elsewhere, label) if elsewhere else 0
        # A copy: redo commits the same plan again, so it must not be changed here.
        report = ds.commit(IntakePlan([item for item in plan.items if item.path not in where], list(plan.skipped)))
        # The same picture under another name is in the class already.
        return JoinedClass(report.added, moved, already + report.duplicates_ignored, len(report.skipped))

    text = QCoreApplication.translate("BinsEdit", "Add {photos} to “{name}”").format(
        photos=counted(len(paths), "photo"), name=label)
    return BinsEdit(controller, text, touched, change, skipped=True, reveal=reveal)


def relabelled(plan: IntakePlan, label: str) -> IntakePlan:
    """``plan`` with every photo going to class ``label`` (the class the user chose for loose files).

    Raises DataError when ``label`` is not a valid class name.
    """
    label = clean_class_name(label)
    return IntakePlan([replace(item, label=label) for item in plan.items], list(plan.skipped))
