"""The one folder walk: every photo-named file under a folder, for the intake and prediction alike.

One policy for both:

* files are taken by their name only (an image suffix, supported or not: see ``images``); nothing
  is opened, so the walk costs one directory listing per folder;
* hidden folders (``.git``, ``.thumbnails``) are not entered: their contents are not the user's;
* symlinked folders are followed (class folders are often links), each real folder once, so a link
  to an ancestor cannot loop;
* a photo-named entry that is not a regular file (a FIFO, a device, a socket, or a link to one, or
  a link to nothing) is never opened: it is listed in ``not_files`` with the reason;
* a folder that cannot be listed is listed in ``unreadable`` with the reason.

Files come in a stable order: a folder's files sorted by name, then its sub-folders, sorted, each
walked depth first (what ``os.walk`` with sorted names gives).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tlgui.core.data.images import image_suffix_kind, not_a_file_reason, os_error_reason
from tlgui.core.data.items import SkippedFile
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken


@dataclass
class FolderWalk:
    """What a walk found: photo-named regular files, and photo-named entries it could not take."""

    files: list[str] = field(default_factory=list)
    not_files: list[SkippedFile] = field(default_factory=list)
    unreadable: list[SkippedFile] = field(default_factory=list)

    @property
    def skipped(self) -> list[SkippedFile]:
        """Everything the walk left out, with reasons: unlistable folders, then non-files."""
        return self.unreadable + self.not_files


def walk_photos(folder: Path | str, *, cancel: CancelToken | None = None) -> FolderWalk:
    """Walks ``folder`` (see the module docstring). Raises Cancelled between folders."""
    walk = FolderWalk()
    seen: set[tuple[int, int]] = set()
    pending = [os.fspath(folder)]
    while pending:
        if cancel is not None:
            cancel.raise_if_cancelled()
        subfolders = _visit(pending.pop(), seen, walk)
        pending.extend(reversed(subfolders))  # a stack: the first sub-folder is walked next
    return walk


def _visit(path: str, seen: set[tuple[int, int]], walk: FolderWalk) -> list[str]:
    """Records one folder's photo-named entries; returns the sub-folders to walk, in order."""
    try:
        info = os.stat(path)
        if (info.st_dev, info.st_ino) in seen:
            return []
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        walk.unreadable.append(SkippedFile(Path(path), f"cannot open folder ({os_error_reason(exc)})"))
        return []
    subfolders: list[str] = []
    for entry in entries:
        # DirEntry answers from the listing itself (no system call) except for symlinks.
        if _is_folder(entry):
            if not entry.name.startswith("."):
                subfolders.append(entry.path)
        elif image_suffix_kind(entry.name) != "other":
            if _is_regular_file(entry):
                walk.files.append(entry.path)
            else:
                walk.not_files.append(SkippedFile(Path(entry.path), _why_not_a_file(entry)))
    return subfolders


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_regular_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _why_not_a_file(entry: os.DirEntry) -> str:
    try:
        return not_a_file_reason(entry.stat().st_mode)
    except FileNotFoundError:
        return _("link to a missing file") if entry.is_symlink() else os_error_reason(FileNotFoundError())
    except OSError as exc:
        return os_error_reason(exc)
