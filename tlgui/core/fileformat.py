"""Format-version checks shared by the files tlgui writes (model files, projects)."""

from __future__ import annotations

from tlgui.core.errors import ModelFileError


def check_format_version(document: dict, where: str, *, kind: str, supported: int) -> None:
    """Refuse a missing or invalid ``format_version``, and one newer than ``supported``.

    ``kind`` names the format in the message ("model", "project"); ``where`` names the file.
    """
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{where} is damaged: its format version is missing or invalid.")
    if version > supported:
        made_by = document.get("tlgui_version")
        by = f" ({made_by})" if isinstance(made_by, str) else ""
        raise ModelFileError(
            f"{where} was saved by a newer version of tlgui{by} in {kind} format {version}; "
            f"this version reads format {supported} only. Update tlgui to open it."
        )
