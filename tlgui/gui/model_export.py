"""Writing a classifier out: the one path behind File > Export model and the Classify page.

Two formats, chosen in the file dialog (or by the suffix typed): tlgui's own model file, and ONNX,
which the engine checks against tlgui's own prediction before it keeps the file (the figure is
shown when it is done). The file is written in the background (converting a network takes
seconds), atomically, and a failure is one sentence naming the file, shown as the window's dialog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.files.versions import with_suffix
from tlgui.core.models.export_format import ExportFormat
from tlgui.gui.failed_saves import failed_save_message
from tlgui.gui.tasks import TaskSlot

if TYPE_CHECKING:
    from tlgui.core.models.classifier import Classifier
    from tlgui.gui.controller import ProjectController

# The file dialogs' filter for tlgui's own model files (opening and exporting).
MODEL_FILTER = QT_TRANSLATE_NOOP("ModelExporter", "tlgui models (*{suffix})").format(suffix=ExportFormat.TLGUI.suffix)
ONNX_FILTER = QT_TRANSLATE_NOOP("ModelExporter", "ONNX models, checked with onnxruntime (*{suffix})").format(
    suffix=ExportFormat.ONNX.suffix)


def model_filter() -> str:
    """``MODEL_FILTER`` in the window's language."""
    return QCoreApplication.translate("ModelExporter", "tlgui models (*{suffix})").format(
        suffix=ExportFormat.TLGUI.suffix)


def onnx_filter() -> str:
    return QCoreApplication.translate("ModelExporter", "ONNX models, checked with onnxruntime (*{suffix})").format(
        suffix=ExportFormat.ONNX.suffix)
# How long closing the window waits for a model file being written.
EXPORT_FINISH_WAIT_MS = 30_000


def ask_model_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """Ask where and in which format to export a model, offering ``suggested``.

    The format is the typed suffix's when it names one, else the chosen filter's; its suffix is added.
    """
    path, chosen = QFileDialog.getSaveFileName(
        parent, QCoreApplication.translate("ModelExporter", "Export model"), str(suggested),
        f"{model_filter()};;{onnx_filter()}"
    )
    if not path:
        return None
    typed = Path(path).suffix.lower()
    fmt = ExportFormat.of_path(path) if typed in {f.suffix for f in ExportFormat} else None
    fmt = fmt or (ExportFormat.ONNX if chosen == onnx_filter() else ExportFormat.TLGUI)
    return with_suffix(path, fmt.suffix)


class ModelExporter(QObject):
    """Exports one model at a time. ``exported(Path)`` once a file is in place."""

    exported = Signal(Path)

    def __init__(self, controller: ProjectController, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.slot = TaskSlot(self)
        # What the last finished export said (file and, for ONNX, the check's figure).
        self.last_report = ""
        self.slot.failed.connect(lambda message, _details: controller.report_error(message))
        self.slot.cancelled.connect(lambda: controller.show_status(self.tr("Export stopped: no file was written.")))

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def export(self, classifier: Classifier, path: Path | str, check_photos: Sequence[Path] = ()) -> bool:
        """Write ``classifier`` to ``path`` in the background: ONNX for ``.onnx``, else tlgui's format
        (its suffix added if missing). ``check_photos``: photos to verify an ONNX file on.

        False, with a status message, while another export is still being written.
        """
        fmt = ExportFormat.of_path(path)
        target = with_suffix(path, fmt.suffix)
        photos = list(check_photos)

        def job(token, _report) -> tuple[Path, str]:
            from tlgui.core.models.export import ExportError, export_model  # torch, off the GUI thread

            try:
                result = export_model(classifier, target, fmt, check_photos=photos, cancel=token)
            except (ExportError, Cancelled):  # said as they are; a stop is not a failed save
                raise
            except Exception as exc:  # noqa: BLE001 - whatever it was, the file is not there: say so
                raise TlguiError(failed_save_message("model", target, exc)) from exc
            checked = (self.tr(" Checked with onnxruntime: {figure}.").format(figure=result.parity.sentence())
                       if result is not None else "")
            return target, checked

        if not self.slot.start(job, self._on_exported):
            self.controller.show_status(self.tr("Still writing the previous model file; try again in a moment."))
            return False
        self.controller.show_status(self.tr("Exporting the model to {path}…").format(path=target))
        return True

    def ask_and_export(
        self, parent: QWidget | None, classifier: Classifier, suggested: Path, check_photos: Sequence[Path] = ()
    ) -> bool:
        """Ask where (offering ``suggested``), then export there; False if the dialog was cancelled."""
        path = ask_model_path(parent, suggested)
        return self.export(classifier, path, check_photos) if path is not None else False

    def shutdown(self) -> None:
        """Window closing: a file being written cannot be stopped halfway, so give it time to finish
        (a write abandoned after that leaves any earlier file intact: the write is atomic)."""
        self.slot.shutdown(EXPORT_FINISH_WAIT_MS)

    def _on_exported(self, outcome: tuple[Path, str]) -> None:
        path, checked = outcome
        self.last_report = self.tr("Model exported to {path}.").format(path=path) + checked
        self.controller.show_status(self.last_report)
        self.exported.emit(path)
