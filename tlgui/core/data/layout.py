"""Which class (and split) each photo under a dropped folder belongs to, decided from paths alone.

The layouts understood:

* only images directly inside, no sub-folders with images: one class named after the folder;
* sub-folders with images, no loose images: one class per sub-folder (the ImageFolder layout).
  Folders are read recursively, so ``cats/indoor/x.jpg`` belongs to class ``cats``;
* sub-folders named ``train`` (or ``training``) and ``val`` (``valid``, ``validation``, ``test``,
  ``testing``), both present and nothing else: each holds class sub-folders, and the split is
  kept as given (``test`` counts as validation: it is held-out data);
* loose images *and* sub-folders with images: ambiguous. The ``ask`` callback chooses; without one
  the default is choice 0: sub-folders become classes and the loose images go to a class named
  after the dropped folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tlgui.core.data.items import folder_class_name
from tlgui.core.errors import Cancelled
from tlgui.core.i18n import _, ngettext

# A question for the user and its choices; returns the index of the choice, or None to cancel.
AskFn = Callable[[str, list[str]], int | None]

_SPLIT_FOLDERS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "val",
    "testing": "val",
}


@dataclass
class Group:
    """Files the layout assigns to one class (and split) before they are read."""

    label: str
    split: str | None
    files: list[str]


@dataclass
class _Listing:
    """A folder's direct image files and its sub-folders that hold images (recursively)."""

    loose: list[str]
    subfolders: dict[str, list[str]]


def plan_layout(root: Path, files: list[str], ask: AskFn | None = None) -> list[Group]:
    """Groups the walked ``files`` under ``root`` by class and split (see the module docstring).

    ``ask(question, choices)`` resolves an ambiguous layout; Cancelled if it answers None.
    """
    root_label = folder_class_name(root.name or str(root))
    listing = _partition(str(root), files)
    if _is_split_layout(listing):
        sub_plan = [
            group
            for name, sub_files in listing.subfolders.items()
            for group in _plan_classes(root / name, sub_files, root_label, _SPLIT_FOLDERS[name.lower()], ask)
        ]
        return _resolve(root, listing, sub_plan, root_label, ask, splits=True)
    sub_plan = [Group(folder_class_name(name), None, sub) for name, sub in listing.subfolders.items()]
    return _resolve(root, listing, sub_plan, root_label, ask, splits=False)


def _partition(folder: str, files: list[str]) -> _Listing:
    """Sorts the walked files of ``folder`` into its loose files and its sub-folders' files."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    listing = _Listing([], {})
    for f in files:
        head, sep, _rest = f[len(prefix) :].partition(os.sep)
        if sep:
            listing.subfolders.setdefault(head, []).append(f)
        else:
            listing.loose.append(f)
    return listing


def _plan_classes(folder: Path, files: list[str], loose_label: str, split: str, ask: AskFn | None) -> list[Group]:
    """Class groups inside one split folder (train/ or val/)."""
    listing = _partition(str(folder), files)
    sub_plan = [Group(folder_class_name(name), split, sub) for name, sub in listing.subfolders.items()]
    groups = _resolve(folder, listing, sub_plan, loose_label, ask, splits=False)
    for group in groups:
        group.split = split  # loose images of train/ are training images too
    return groups


def _is_split_layout(listing: _Listing) -> bool:
    kinds = {_SPLIT_FOLDERS.get(name.lower()) for name in listing.subfolders}
    return kinds == {"train", "val"}


def _resolve(
    folder: Path, listing: _Listing, sub_plan: list[Group], loose_label: str, ask: AskFn | None, *, splits: bool
) -> list[Group]:
    """Combines a folder's loose images with its sub-folder plan, asking when both exist."""
    if not listing.loose:
        return sub_plan
    if not sub_plan:
        return [Group(loose_label, None, listing.loose)]
    choice = _ask_layout(folder, listing, loose_label, ask, splits=splits)
    if choice == 0:
        return [*sub_plan, Group(loose_label, None, listing.loose)]
    if choice == 1:
        return sub_plan
    every_file = listing.loose + [f for group in sub_plan for f in group.files]
    return [Group(loose_label, None, every_file)]


def _ask_layout(folder: Path, listing: _Listing, loose_label: str, ask: AskFn | None, *, splits: bool) -> int:
    n = len(listing.loose)
    if splits:
        choices = [
            ngettext("Keep the train/val folders; put the {n} loose image in class '{label}'",
                     "Keep the train/val folders; put the {n} loose images in class '{label}'", n),
            ngettext("Keep the train/val folders; leave the {n} loose image out",
                     "Keep the train/val folders; leave the {n} loose images out", n),
        ]
    else:
        choices = [
            ngettext("Make each sub-folder a class; put the {n} loose image in class '{label}'",
                     "Make each sub-folder a class; put the {n} loose images in class '{label}'", n),
            ngettext("Make each sub-folder a class; leave the {n} loose image out",
                     "Make each sub-folder a class; leave the {n} loose images out", n),
        ]
    choices = [choice.format(n=n, label=loose_label) for choice in choices]
    choices.append(_("Put everything in one class '{label}'").format(label=loose_label))
    if ask is None:
        return 0
    folders = len(listing.subfolders)
    question = _("'{folder}' holds {images} directly and {folders} with images. How should they be sorted?").format(
        folder=folder.name,
        images=ngettext("{n} image", "{n} images", n).format(n=n),
        folders=ngettext("{n} sub-folder", "{n} sub-folders", folders).format(n=folders),
    )
    answer = ask(question, choices)
    if answer is None:
        raise Cancelled()
    if not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise ValueError(f"ask() must return a choice index 0..{len(choices) - 1} or None; got {answer!r}")
    return answer
