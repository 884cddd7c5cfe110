"""Reading dropped folders and files into a plan: walk, layout, inspection, and nothing changed yet.

An intake has two steps so that the slow one can run on any thread and the quick one where the
bins live: ``plan_folder`` / ``plan_files`` walk, sort and read every file (seconds to minutes,
cancellable) and return an ``IntakePlan``; ``DataSet.commit`` applies it (dictionary updates only).
A plan holds no reference to any DataSet, so planning cannot change the bins, whatever thread it
runs on.

Which files are looked at: every file with a supported image suffix (see ``images``), and every
file with the suffix of an image format the app does not read (.heic, .avif, RAW...), which is
listed as skipped "unsupported format". Other files (.txt, .DS_Store, Thumbs.db) are ignored
silently, as are hidden folders (``.git``, ``.thumbnails``) whose contents are not the user's
photos. A file with an image suffix that cannot be read is never dropped silently: it is listed
in ``skipped`` with a short reason, and so are pipes, devices and folders that cannot be opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tlgui.core.data.inspect import inspect_many, screen_names
from tlgui.core.data.items import SPLITS, ImageItem, SkippedFile, check_class_count, clean_class_name
from tlgui.core.data.layout import AskFn, Group, plan_layout
from tlgui.core.data.walk import walk_photos
from tlgui.core.errors import DataError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, ProgressEvent, ProgressFn


@dataclass
class IntakePlan:
    """Everything one add will do, read and decided; ``DataSet.commit`` applies it.

    ``items``: the photos read, each with its class and split, in the order they will be added.
    ``skipped``: what was left out, with reasons: first what the walk could not take (folders that
    cannot be opened, pipes, devices), then the files that could not be read, in order.
    """

    items: list[ImageItem] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def absolute(path: Path | str) -> Path:
    """The path as the bins store it."""
    # abspath, not resolve(): no system call per file, and a symlinked photo keeps the name the
    # user gave it.
    return Path(os.path.abspath(os.fspath(path)))


def plan_folder(
    path: Path | str,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    ask: AskFn | None = None,
    split: str | None = None,
) -> IntakePlan:
    """Reads a dropped folder and sorts its photos into classes by its layout (see ``layout``).

    ``ask(question, choices)`` resolves an ambiguous layout and returns a choice index (None
    cancels). ``split`` ("train" or "val") puts every photo of the folder in that split, for a
    validation folder given separately. Raises DataError if the folder does not exist, Cancelled
    if cancelled.
    """
    if split not in (None, *SPLITS):
        raise ValueError(f"split must be 'train', 'val' or None, not {split!r}")
    root = absolute(path)
    if not root.is_dir():
        raise DataError(_("'{path}' is not a folder.").format(path=root) if root.exists()
                        else _("Folder not found: {path}").format(path=root))
    _looking(progress)
    walk = walk_photos(root, cancel=cancel)
    groups = plan_layout(root, walk.files, ask)
    if split is not None:
        groups = [Group(g.label, split, g.files) for g in groups]
    return _read_groups(groups, walk.skipped, progress, cancel)


def plan_files(
    label: str,
    paths: Iterable[Path | str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> IntakePlan:
    """Reads files for one class (created on commit if needed). A folder among ``paths`` adds its photos.

    A file named explicitly is read whatever its suffix, so a photo saved without one still
    counts; one that is not an image is listed in ``skipped``.
    """
    label = clean_class_name(label)
    files: list[str] = []
    skipped: list[SkippedFile] = []
    _looking(progress)
    for p in paths:
        p = absolute(p)
        if p.is_dir():
            walk = walk_photos(p, cancel=cancel)
            files.extend(walk.files)
            skipped.extend(walk.skipped)
        else:
            files.append(str(p))
    return _read_groups([Group(label, None, files)], skipped, progress, cancel)


def _looking(progress: ProgressFn | None) -> None:
    if progress is not None:
        progress(ProgressEvent("scan", 0, None, message=_("Looking for photos")))


def _read_groups(
    groups: list[Group], skipped: list[SkippedFile], progress: ProgressFn | None, cancel: CancelToken | None
) -> IntakePlan:
    """Reads every grouped file once (names screened first) and pairs each photo with its class."""
    # Far too many classes on their own: refused before minutes of reading (``commit`` counts them
    # again with the classes already in the bins).
    check_class_count(len({group.label for group in groups if group.files}))
    to_read, found = screen_names([f for g in groups for f in g.files])
    found.update(zip(to_read, inspect_many(to_read, progress=progress, cancel=cancel), strict=True))
    # The items are built here, on the reading thread, so that committing is dictionary work only
    # (100,000 photos: about a tenth of a second of CPU time on the GUI thread).
    plan = IntakePlan([], list(skipped))
    for group in groups:
        for file in group.files:
            result = found[file]
            if isinstance(result, SkippedFile):
                plan.skipped.append(result)
            else:
                # A Path caches its hash: computed here, the bins' dictionaries find it ready.
                hash(result.path)
                plan.items.append(ImageItem(result.path, result.digest, group.label, group.split))
    return plan
