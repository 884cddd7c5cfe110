"""Writing a classifier to a model file: the one path behind File > Export model and the Classify page.

The file is written in the background (serialising a large network takes seconds), atomically (the
engine writes a temporary file beside it and renames it into place), and a failure is one sentence
naming the file, shown through the controller (the window's dialog).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import MODEL_SUFFIX, with_suffix
from tlgui.core.models.modelfile import save_classifier
from tlgui.gui.failed_saves import failed_save_message
from tlgui.gui.tasks import TaskSlot

if TYPE_CHECKING:
    from tlgui.core.models.classifier import Classifier
    from tlgui.gui.controller import ProjectController

#: The file dialogs' filter for model files.
MODEL_FILTER = f"tlgui models (*{MODEL_SUFFIX})"
#: How long closing the window waits for a model file being written.
EXPORT_FINISH_WAIT_MS = 30_000


def ask_model_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """Ask where to export a model, offering ``suggested``; the model suffix is added if missing."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export model", str(suggested), MODEL_FILTER)
    return with_suffix(path, MODEL_SUFFIX) if path else None


class ModelExporter(QObject):
    """Exports one model at a time. ``exported(Path)`` once a file is in place."""

    exported = Signal(Path)

    def __init__(self, controller: ProjectController, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.slot = TaskSlot(self)
        self.slot.failed.connect(lambda message, _details: controller.report_error(message))

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def export(self, classifier: Classifier, path: Path | str) -> bool:
        """Write ``classifier`` to ``path`` (suffix added if missing) in the background.

        False, with a status message, while another export is still being written.
        """
        target = with_suffix(path, MODEL_SUFFIX)

        def job(_token, _report) -> Path:
            try:
                save_classifier(classifier, target)
            except Exception as exc:  # noqa: BLE001 - whatever it was, the file is not there: say so
                raise TlguiError(failed_save_message("model", target, exc)) from exc
            return target

        if not self.slot.start(job, self._on_exported):
            self.controller.show_status("Still writing the previous model file; try again in a moment.")
            return False
        self.controller.show_status(f"Exporting the model to {target}…")
        return True

    def ask_and_export(self, parent: QWidget | None, classifier: Classifier, suggested: Path) -> bool:
        """Ask where (offering ``suggested``), then export there; False if the dialog was cancelled."""
        path = ask_model_path(parent, suggested)
        return self.export(classifier, path) if path is not None else False

    def shutdown(self) -> None:
        """Window closing: a file being written cannot be stopped halfway, so give it time to finish
        (a write abandoned after that leaves any earlier file intact: the write is atomic)."""
        self.slot.shutdown(EXPORT_FINISH_WAIT_MS)

    def _on_exported(self, path: Path) -> None:
        self.controller.show_status(f"Model exported to {path}.")
        self.exported.emit(path)
