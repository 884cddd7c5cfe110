"""'Add to class…': classified photos join the training data, so correcting the model is one gesture.

The photos are read (decoded, fingerprinted) by the engine's ``plan_files`` in a ``TaskSlot``; the
plan is committed on the GUI thread, where the bins live, as one edit on the project's undo stack
(``pages.data.undo.add_to_class``, which also says what happens to a photo already in a class).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from tlgui.core.data.intake import IntakePlan, absolute, plan_files
from tlgui.core.data.items import clean_class_name
from tlgui.core.errors import TlguiError
from tlgui.gui.pages.data import undo
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import literal_html
from tlgui.gui.widgets.progress_text import counted


def ask_class(parent: QWidget | None, count: int, existing: Sequence[str], suggestion: str | None) -> str | None:
    """Which class the photos join: an existing one from the list, or a new name typed in. None: cancel."""
    choices = list(existing)
    if suggestion and suggestion not in choices:
        choices.insert(0, suggestion)
    current = choices.index(suggestion) if suggestion in choices else 0
    question = QCoreApplication.translate("ClassAdder", "Add this photo to the training data, in which class?") if count == 1 \
        else QCoreApplication.translate("ClassAdder", "Add these {photos} to the training data, in which class?").format(photos=counted(count, "photo"))
    name, ok = QInputDialog.getItem(
        parent,
        QCoreApplication.translate("ClassAdder", "Add to class"),
        literal_html(question + "\n" + QCoreApplication.translate("ClassAdder", "Choose a class or type a new name:")),
        choices,
        current,
        True,
    )
    name = name.strip() if ok else ""
    return name or None


class ClassAdder(QObject):
    """Adds photos to a class of ``controller.dataset``. Signals: ``added(str)`` with a summary,
    ``failed(str)`` with a sentence for the user."""

    added = Signal(str)
    failed = Signal(str)

    def __init__(self, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.slot = TaskSlot(self)
        self.slot.failed.connect(lambda message, _details: self.failed.emit(message))

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def add(self, paths: Sequence[Path], label: str) -> bool:
        """Read ``paths`` in the background and add them to class ``label`` (created if new)."""
        try:
            label = clean_class_name(label)
        except TlguiError as exc:
            self.failed.emit(str(exc))
            return False
        paths = [absolute(p) for p in paths]
        if not paths:
            return False
        dataset = self.controller.dataset
        return self.slot.start(
            lambda token, report: plan_files(label, paths, cancel=token),
            lambda plan: self._commit(plan, label, paths, dataset),
        )

    def shutdown(self) -> None:
        self.slot.shutdown()

    def _commit(self, plan: IntakePlan, label: str, paths: list[Path], dataset) -> None:
        if dataset is not self.controller.dataset:
            self.failed.emit(self.tr("Another project was opened meanwhile; nothing was added."))
            return
        # One edit on the project's undo stack, like every other change of the bins.
        command = undo.add_to_class(self.controller, plan, label, paths)
        joined: undo.JoinedClass = command.result
        if joined.changed:
            undo.push(self.controller, command)
        # else every photo was in the class already: the bins are as they were, nothing to undo
        self.added.emit(joined.describe(label))
