"""The files tlgui writes: their suffixes, format names and versions, and the version check.

One home for these facts: the window's file dialogs, the command line and the loaders all read them
from here.
"""

from __future__ import annotations

from pathlib import Path

from tlgui.core.errors import ModelFileError
from tlgui.core.i18n import _

#: A trained model: safetensors with tlgui's metadata in its header.
MODEL_SUFFIX = ".safetensors"
#: 2: the checksum covers the metadata as well as the tensors; format 1 files still open.
MODEL_FORMAT_VERSION = 2
#: A project: a zip of project.json and the trained model(s).
PROJECT_SUFFIX = ".tlgui"
PROJECT_FORMAT_NAME = "tlgui-project"
PROJECT_FORMAT_VERSION = 2


def with_suffix(path: Path | str, suffix: str) -> Path:
    """``path`` with ``suffix`` appended unless it already ends with it (any case)."""
    path = Path(path)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def check_format_version(document: dict, where: str, *, kind: str, supported: int) -> None:
    """Refuse a missing or invalid ``format_version``, and one newer than ``supported``.

    ``kind`` names the format in the message ("model", "project"); ``where`` names the file.
    """
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(_("{where} is damaged: its format version is missing or invalid.").format(where=where))
    if version > supported:
        made_by = document.get("tlgui_version")
        by = f" ({made_by})" if isinstance(made_by, str) else ""
        raise ModelFileError(
            _("{where} was saved by a newer version of tlgui{by} in {kind} format {version}; "
              "this version reads format {supported} only. Update tlgui to open it.").format(
                where=where, by=by, kind=_(kind), version=version, supported=supported)
        )
