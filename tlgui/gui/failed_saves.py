"""The one sentence shown when the window fails to write a file (a project, a model, a CSV)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from tlgui.core.errors import TlguiError

# One whole sentence per kind of file: a noun spliced into a sentence does not translate.
_SENTENCES = {
    "project": QT_TRANSLATE_NOOP("failed_saves", "The project was not saved to {path}: {reason}."),
    "model": QT_TRANSLATE_NOOP("failed_saves", "The model was not saved to {path}: {reason}."),
    "CSV file": QT_TRANSLATE_NOOP("failed_saves", "The CSV file was not saved to {path}: {reason}."),
    "file": QT_TRANSLATE_NOOP("failed_saves", "The file was not saved to {path}: {reason}."),
}


def failed_save_message(what: str, path: Path | str, exc: BaseException) -> str:
    """E.g. "The project was not saved to /media/usb/pets.tlgui: No space left on device."

    ``what`` names the kind of file ("project", "model", "CSV file"; another gives "The file..."). An OSError gives its reason
    without the errno and the temporary file's name; the engine's sentences are kept as they are.
    """
    if isinstance(exc, OSError) and exc.strerror:
        # Imported when a save failed, not before the first paint.
        from tlgui.core.files.atomic import write_failure_reason

        reason = write_failure_reason(exc)
    elif isinstance(exc, TlguiError | OSError):
        reason = str(exc) or type(exc).__name__
    else:  # a bug, not the user's doing: its type helps the report
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    reason = reason.rstrip(".。")
    sentence = _SENTENCES.get(what, _SENTENCES["file"])
    return QCoreApplication.translate("failed_saves", sentence).format(path=path, reason=reason)
