"""Class bins: named sets of photos, the single source of truth the window views and the trainer reads.

Photos come in through an intake (``intake.plan_folder`` / ``plan_files`` read them, ``commit``
adds them: see ``intake``); the user then edits the bins (new, rename, merge, move, remove). The
same content twice in one class is kept once (``AddReport.duplicates_ignored``); the same content
in two classes is allowed and reported by ``DataSet.duplicates()``.

``snapshot`` / ``restore`` take the bins back to how they were before an edit (the window's undo),
copying only the classes the edit touches.

``to_dict`` / ``from_dict`` give the JSON form kept in a project file. A file name that is not
valid UTF-8 (a Linux photo from an old camera card) is kept losslessly as its bytes in base64 next
to a readable form; ``from_dict`` treats its input as hostile: every type is checked, any damage is
one DataError sentence, and the work is linear in the size of the input.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tlgui.core.data.intake import IntakePlan, absolute, plan_files, plan_folder
from tlgui.core.data.items import (
    MAX_CLASSES,
    SPLITS,
    AddReport,
    Duplicate,
    ImageItem,
    SkippedFile,
    check_class_count,
    clean_class_name,
    valid_text,
)
from tlgui.core.data.layout import AskFn
from tlgui.core.data.split import split_classes
from tlgui.core.errors import DataError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, ProgressFn

# The value types live in ``items``; they are named here too because every user of the bins needs them.
__all__ = ["AddReport", "BinsSnapshot", "DataSet", "Duplicate", "ImageItem", "SkippedFile", "scan"]

FORMAT_VERSION = 1
_SPLITS = (None, *SPLITS)


@dataclass
class _Bin:
    items: dict[Path, ImageItem] = field(default_factory=dict)
    by_digest: dict[str, Path] = field(default_factory=dict)

    def add(self, item: ImageItem) -> bool:
        """Adds unless the same content is already here; True when added."""
        if item.digest in self.by_digest:
            return False
        self.items[item.path] = item
        self.by_digest[item.digest] = item.path
        return True

    def discard(self, path: Path) -> ImageItem | None:
        item = self.items.pop(path, None)
        if item is not None:
            del self.by_digest[item.digest]
        return item

    def copy(self) -> _Bin:
        # The items are frozen values: copying the dicts (in C) is a full, independent copy.
        return _Bin(dict(self.items), dict(self.by_digest))


@dataclass(frozen=True)
class BinsSnapshot:
    """The bins as they were, for ``DataSet.restore``: the class order, copies of some classes'
    photos (in their order), and the skipped list when it was asked for."""

    order: tuple[str, ...]
    bins: dict[str, _Bin]
    skipped: dict[Path, SkippedFile] | None


class DataSet:
    """The class bins: the single source of truth the GUI views and the trainer reads."""

    def __init__(self) -> None:
        self._bins: dict[str, _Bin] = {}
        self._skipped: dict[Path, SkippedFile] = {}
        # Photos the user confirmed in their class after the label check suggested another.
        self._kept_labels: set[Path] = set()

    def copy(self) -> DataSet:
        """An independent copy, in milliseconds even for tens of thousands of photos.

        Edits of either leave the other as it was; the photos themselves are frozen values shared
        by both (``copy.deepcopy`` would re-create every path and item: a third of a second for
        20,000 photos).
        """
        other = DataSet()
        other._bins = {name: b.copy() for name, b in self._bins.items()}
        other._skipped = dict(self._skipped)
        other._kept_labels = set(self._kept_labels)
        return other

    # ---- reading -------------------------------------------------------------------------------
    @property
    def class_names(self) -> list[str]:
        """Class names in the order the bins were created."""
        return list(self._bins)

    def items(self, label: str | None = None) -> list[ImageItem]:
        """All photos (class by class), or those of one class."""
        if label is not None:
            return list(self._bin(label).items.values())
        return [item for b in self._bins.values() for item in b.items.values()]

    def count(self, label: str) -> int:
        """Number of photos in one class."""
        return len(self._bin(label).items)

    def class_counts(self) -> dict[str, int]:
        """Photos per class, in class order."""
        return {name: len(b.items) for name, b in self._bins.items()}

    def __len__(self) -> int:
        return sum(len(b.items) for b in self._bins.values())

    @property
    def skipped(self) -> list[SkippedFile]:
        """Files that were found but left out, with reasons (latest reason per path)."""
        return list(self._skipped.values())

    @property
    def kept_labels(self) -> frozenset[Path]:
        """Photos whose class the user confirmed: the label check does not suggest them again."""
        return frozenset(self._kept_labels)

    def keep_label(self, path: Path | str) -> None:
        """Remember that ``path`` is in the right class (saved with the project)."""
        self._kept_labels.add(absolute(path))

    def duplicates(self) -> list[Duplicate]:
        """Image contents that sit in two or more classes, in class order."""
        by_digest: dict[str, list[ImageItem]] = {}
        for item in self.items():
            by_digest.setdefault(item.digest, []).append(item)
        return [
            Duplicate(digest, tuple(items))
            for digest, items in by_digest.items()
            if len({item.label for item in items}) > 1
        ]

    @property
    def has_predefined_split(self) -> bool:
        """True when some photos came from train/ val/ folders."""
        return any(item.split is not None for item in self.items())

    def labels_holding(self, paths: Iterable[Path | str]) -> list[str]:
        """The classes that hold any of ``paths``, in class order."""
        wanted = {absolute(p) for p in paths}
        return [name for name, b in self._bins.items() if not wanted.isdisjoint(b.items)]

    def _bin(self, label: str) -> _Bin:
        try:
            return self._bins[label]
        except KeyError:
            raise DataError(_("There is no class named '{label}'.").format(label=label)) from None

    # ---- intake --------------------------------------------------------------------------------
    def add_folder(
        self,
        path: Path | str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        ask: AskFn | None = None,
        split: str | None = None,
    ) -> AddReport:
        """Reads a dropped folder into bins according to its layout: ``commit(plan_folder(...))``.

        See ``intake.plan_folder`` for the options. Raises DataError if the folder does not exist,
        Cancelled if cancelled; in both cases the bins are unchanged.
        """
        return self.commit(plan_folder(path, progress=progress, cancel=cancel, ask=ask, split=split))

    def add_files(
        self,
        label: str,
        paths: Iterable[Path | str],
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> AddReport:
        """Adds files to one class, creating it if needed: ``commit(plan_files(...))``.

        A folder among ``paths`` adds its images; a file named explicitly is read whatever its suffix.
        """
        return self.commit(plan_files(label, paths, progress=progress, cancel=cancel))

    def commit(self, plan: IntakePlan) -> AddReport:
        """Applies a plan read by ``intake``: photos join their classes, failures are listed.

        Only dictionary updates, no file is touched: quick enough for the GUI thread. Whether a
        class is new and whether a photo is a duplicate is decided now, against the bins as they
        are, so a plan read while the user edited the bins still lands correctly. A plan that would
        make more classes than a project holds changes nothing (DataError).
        """
        new_labels = {item.label for item in plan.items if item.label not in self._bins}
        check_class_count(len(self._bins) + len(new_labels))  # before anything changes
        report = AddReport()
        for skipped in plan.skipped:
            self._skipped[skipped.path] = skipped
            report.skipped.append(skipped)
        reported: set[str] = set()  # labels already in report.created or report.extended
        for item in plan.items:
            label = item.label
            target = self._bins.get(label)
            if target is None:
                target = self._bins[label] = _Bin()
                report.created.append(label)
                reported.add(label)
            if not target.add(item):
                report.duplicates_ignored += 1
                continue
            self._skipped.pop(item.path, None)  # a file fixed and added again is no longer skipped
            report.added += 1
            if label not in reported:
                report.extended.append(label)
                reported.add(label)
        return report

    # ---- edits ---------------------------------------------------------------------------------
    def new_class(self, name: str) -> str:
        """Creates an empty class at the end; returns the name as stored."""
        name = clean_class_name(name)
        self._require_free(name)
        check_class_count(len(self._bins) + 1)
        self._bins[name] = _Bin()
        return name

    def rename_class(self, old: str, new: str) -> str:
        """Renames a class in place (its position is kept); returns the new name as stored."""
        source = self._bin(old)
        new = clean_class_name(new)
        if new == old:
            return new
        self._require_free(new)
        relabelled = _Bin()
        for item in source.items.values():
            relabelled.add(replace(item, label=new))
        self._bins = {
            (new if name == old else name): (relabelled if name == old else b)
            for name, b in self._bins.items()
        }
        return new

    def remove_class(self, name: str) -> None:
        """Deletes a class and its photos from the bins (the files stay on disk)."""
        self._bin(name)
        del self._bins[name]

    def merge_classes(self, sources: Sequence[str], target: str) -> int:
        """Moves every photo of ``sources`` into ``target`` and removes the emptied sources.

        ``target`` may be new (it takes the place of the first source) or an existing class.
        Returns how many photos were dropped because ``target`` already held the same content.
        """
        if not sources:
            raise DataError(_("Choose at least one class to merge."))
        for name in sources:
            self._bin(name)
        target = clean_class_name(target)
        if target not in self._bins:
            self._insert_before(sources[0], target)
        dropped = 0
        for name in dict.fromkeys(sources):
            if name == target:
                continue
            for item in self._bins.pop(name).items.values():
                dropped += not self._bins[target].add(replace(item, label=target))
        return dropped

    def move_items(self, paths: Iterable[Path | str], label: str) -> int:
        """Relabels photos (wherever they are) into an existing class; returns how many moved.

        A photo whose content the target already holds is removed from its old class instead.
        """
        target = self._bin(label)
        wanted = self._known_paths(paths)
        moved = 0
        for b in self._bins.values():
            if b is target:
                continue
            for path in wanted:
                item = b.discard(path)
                if item is not None:
                    moved += target.add(replace(item, label=label))
        return moved

    def remove_items(self, paths: Iterable[Path | str]) -> int:
        """Takes photos out of the bins (the files stay on disk); returns how many were removed."""
        wanted = self._known_paths(paths)
        return sum(b.discard(path) is not None for b in self._bins.values() for path in wanted)

    def _known_paths(self, paths: Iterable[Path | str]) -> list[Path]:
        wanted = list(dict.fromkeys(absolute(p) for p in paths))
        for path in wanted:
            if not any(path in b.items for b in self._bins.values()):
                raise DataError(_("'{name}' is not in any class.").format(name=path.name))
        return wanted

    def _require_free(self, name: str) -> None:
        if name in self._bins:
            raise DataError(_("A class named '{name}' already exists.").format(name=name))

    def _insert_before(self, anchor: str, name: str) -> None:
        bins: dict[str, _Bin] = {}
        for key, b in self._bins.items():
            if key == anchor:
                bins[name] = _Bin()
            bins[key] = b
        self._bins = bins

    # ---- going back ----------------------------------------------------------------------------
    def snapshot(self, labels: Iterable[str] = (), *, skipped: bool = False) -> BinsSnapshot:
        """What ``restore`` needs to undo an edit that changes the photos or names of ``labels`` only.

        The edit may also create classes, delete or rename classes among ``labels``, move them,
        and (when ``skipped`` is true) change the skipped list. Costs a copy of the named classes,
        not of the whole set: a move between two bins of a project of 50,000 photos copies two bins.
        """
        return BinsSnapshot(
            order=tuple(self._bins),
            bins={name: self._bin(name).copy() for name in dict.fromkeys(labels)},
            skipped=dict(self._skipped) if skipped else None,
        )

    def restore(self, snapshot: BinsSnapshot) -> None:
        """Puts back the classes (order, names, photos in their order) and skipped list of ``snapshot``.

        Classes not copied into the snapshot are taken as they are now; ValueError when one of
        them no longer exists (the edit changed a class the snapshot was not told about).
        """
        lost = [name for name in snapshot.order if name not in snapshot.bins and name not in self._bins]
        if lost:
            raise ValueError(f"the snapshot cannot restore class {lost[0]!r}: it was changed without being named")
        self._bins = {
            name: snapshot.bins[name].copy() if name in snapshot.bins else self._bins[name]
            for name in snapshot.order
        }
        if snapshot.skipped is not None:
            self._skipped = dict(snapshot.skipped)

    # ---- a project moved with its photos --------------------------------------------------------
    def missing_photos(self) -> list[ImageItem]:
        """The photos no longer at their paths (moved or deleted since they were added): training
        would skip them."""
        return [item for item in self.items() if not os.path.lexists(item.path)]

    def find_photos_in(self, folder: Path) -> dict[Path, Path]:
        """The user points at ``folder``, where the missing photos are now: each one found at the
        same place relative to ``folder`` as it was to the folder that held them all (or to that
        folder's namesake inside ``folder``) takes that path, as ``find_moved_photos`` does. Returns
        the photos found (old path: new path)."""
        missing = self.missing_photos()
        if not missing:
            return {}
        try:
            held_them = Path(os.path.commonpath([str(item.path.parent) for item in missing]))
        except ValueError:  # on several drives (Windows): no one folder held them
            return {}
        found = self.find_moved_photos(held_them, Path(folder))
        if not found and held_them.name:
            found = self.find_moved_photos(held_them, Path(folder) / held_them.name)
        return found

    def find_moved_photos(self, old_folder: Path, new_folder: Path) -> dict[Path, Path]:
        """After the project's file moved from ``old_folder`` to ``new_folder``: each photo missing
        at its path but present at the same place relative to the new folder (the photos moved with
        the project, or were copied beside it on another computer) takes that path, and so do its
        skipped and kept entries. Photos still where they were keep their paths. Returns the photos
        found again (old path: new path), for what else names them (the runs' validation photos:
        ``RunHistory.find_moved_photos``)."""
        if old_folder == new_folder:
            return {}
        found: dict[Path, Path] = {}
        for path in (item.path for item in self.items()):
            if not os.path.lexists(path) and (moved := moved_path(path, old_folder, new_folder)) is not None:
                found[path] = moved
        if not found:
            return {}
        for b in self._bins.values():
            if not any(path in found for path in b.items):
                continue
            items = [replace(item, path=found.get(item.path, item.path)) for item in b.items.values()]
            b.items = {item.path: item for item in items}
            b.by_digest = {item.digest: item.path for item in items}
        skipped = {}
        for path, entry in self._skipped.items():
            moved = None if os.path.lexists(path) else moved_path(path, old_folder, new_folder)
            skipped[moved or path] = replace(entry, path=moved) if moved else entry
        self._skipped = skipped
        self._kept_labels = {found.get(p, p) for p in self._kept_labels}
        return found

    # ---- split ---------------------------------------------------------------------------------
    def split(self, val_fraction: float = 0.2, seed: int = 0) -> tuple[list[ImageItem], list[ImageItem]]:
        """Training and validation photos, by the rule in ``split``: given splits kept, the rest
        split per class, seeded, independent of the order the photos were added."""
        return split_classes({name: b.items.values() for name, b in self._bins.items()}, val_fraction, seed)

    # ---- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-able description: classes in order with paths, digests, splits; skipped files."""
        return {
            "version": FORMAT_VERSION,
            "classes": [
                {"name": name, "items": [_item_to_dict(item) for item in b.items.values()]}
                for name, b in self._bins.items()
            ],
            "skipped": [
                {**path_to_dict(s.path), "reason": valid_text(s.reason)} for s in self._skipped.values()
            ],
            # Only when there are any (older files have none), and only photos still in the bins.
            **({"kept_labels": [path_to_dict(p) for p in kept]} if (kept := self._kept_in_bins()) else {}),
        }

    def _kept_in_bins(self) -> list[Path]:
        held = {item.path for item in self.items()}
        return sorted(p for p in self._kept_labels if p in held)

    @classmethod
    def from_dict(cls, data: object, relative_to: Path | None = None) -> DataSet:
        """Rebuilds bins from ``to_dict`` output without reading any photo. DataError if damaged.

        ``relative_to`` is the folder of the file ``data`` came from: a relative photo path in it is
        taken from there (see ``placed_path``); without it, a relative path is damage.
        """
        if not isinstance(data, dict) or type(data.get("version")) is not int or data["version"] != FORMAT_VERSION:
            raise DataError(_("The saved class list has an unknown format."))
        ds = cls()
        classes = _field(data, "classes", list, "the class list")
        if len(classes) > MAX_CLASSES:
            raise _damaged(f"{len(classes):,} classes, more than the {MAX_CLASSES:,} a project holds")
        for number, entry in enumerate(classes, 1):
            where = f"class {number}"
            raw_name = _field(_record(entry, where), "name", str, f"the name of {where}")
            try:
                name = ds.new_class(raw_name)
            except DataError as exc:
                raise _damaged(f"{where}: {str(exc).rstrip('.')}") from None
            target = ds._bins[name]
            for index, raw in enumerate(_field(entry, "items", list, f"the photo list of {where}"), 1):
                target.add(_item_from_dict(raw, name, index, relative_to))
        for index, raw in enumerate(_field(data, "skipped", list, "the skipped list", default=[]), 1):
            where = f"skipped file {index}"
            raw = _record(raw, where)
            path = placed_path(path_from_dict(raw, where), relative_to, where)
            skipped = SkippedFile(path, _field(raw, "reason", str, f"the reason of {where}"))
            ds._skipped[skipped.path] = skipped
        for index, raw in enumerate(_field(data, "kept_labels", list, "the kept photos", default=[]), 1):
            where = f"kept photo {index}"
            ds._kept_labels.add(placed_path(path_from_dict(_record(raw, where), where), relative_to, where))
        return ds


def moved_path(path: Path, old_folder: Path, new_folder: Path) -> Path | None:
    """Where ``path`` is now if it moved from ``old_folder`` to ``new_folder`` with what holds it; None
    when there is no file there."""
    try:
        relative = os.path.relpath(path, old_folder)
    except ValueError:  # another drive (Windows): it did not move with the folder
        return None
    candidate = Path(os.path.normpath(new_folder / relative))
    return candidate if candidate.is_file() else None


# ---- the JSON form: checked field by field --------------------------------------------------------

_MISSING = object()


def _damaged(what: str) -> DataError:
    return DataError(_("The saved class list is damaged ({what}).").format(what=what))


def _record(raw: object, where: str) -> dict:
    if not isinstance(raw, dict):
        raise _damaged(f"{where} is a {type(raw).__name__}, not a record")
    return raw


def _field(raw: dict, key: str, kind: type, what: str, default: object = _MISSING):
    value = raw.get(key, default)
    if value is _MISSING:
        raise _damaged(f"{what} is missing")
    if not isinstance(value, kind):
        raise _damaged(f"{what} is a {type(value).__name__}, not a {kind.__name__}")
    return value


def path_to_dict(path: Path) -> dict:
    """A path as JSON: ``{"path": text}``, and its bytes in base64 when it is not UTF-8."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A name that is not valid UTF-8 cannot be written as JSON text as it is: its bytes are
        # kept in base64 (lossless), next to a readable form for people and older versions.
        encoded = base64.b64encode(os.fsencode(text)).decode("ascii")
        return {"path": valid_text(text), "path_bytes": encoded}
    return {"path": text}


def path_from_dict(raw: dict, where: str) -> Path:
    """The path ``path_to_dict`` wrote; DataError naming ``where`` when it is damaged."""
    if "path_bytes" in raw:
        try:
            name = base64.b64decode(_field(raw, "path_bytes", str, f"the path of {where}"), validate=True)
        except (binascii.Error, ValueError):
            raise _damaged(f"the path of {where} is not base64") from None
        text = os.fsdecode(name)
    else:
        text = _field(raw, "path", str, f"the path of {where}")
    if not text or "\x00" in text:
        raise _damaged(f"the path of {where} is empty or holds a NUL character")
    return Path(text)


def placed_path(path: Path, relative_to: Path | None, where: str) -> Path:
    """A photo path read from a file, as the bins hold it: absolute, whatever the working directory.

    tlgui writes every path absolute (``intake.absolute``), so a relative one was written by hand
    or by another program. It is taken from the folder of the file that lists it (``relative_to``),
    never from the working directory, which would give one project different photos depending on
    where tlgui was started. That folder is where a project's photos are looked for when they moved
    with it (``find_moved_photos``); a photo not there is missing, for the user to find as a moved
    one is (``find_photos_in``), rather than the whole project refused for one hand-edited line.
    Its ``..`` are folded as ``intake.absolute`` folds them, so it is the path a drop would give.
    """
    if path.is_absolute():
        return path
    placed = relative_to / path if relative_to is not None else path
    # A Windows path on another drive ("D:photo.jpg") stays relative to that drive's working folder.
    if not placed.is_absolute():
        raise _damaged(f"the path of {where} is relative ('{path}') and there is no folder it is relative to")
    return Path(os.path.normpath(placed))


def _item_to_dict(item: ImageItem) -> dict:
    return {**path_to_dict(item.path), "digest": item.digest, "split": item.split}


def _item_from_dict(raw: object, label: str, index: int, relative_to: Path | None) -> ImageItem:
    # The common case with as little work as possible (a project may hold 100,000 photos); anything
    # else goes the way that names what is wrong.
    if type(raw) is dict and "path_bytes" not in raw:
        path, digest, split = raw.get("path"), raw.get("digest"), raw.get("split")
        if type(path) is str and path and "\x00" not in path and type(digest) is str and digest and split in _SPLITS:
            if (photo := Path(path)).is_absolute():
                return ImageItem(photo, digest, label, split)
    return _checked_item_from_dict(raw, label, f"photo {index} of class '{label}'", relative_to)


def _checked_item_from_dict(raw: object, label: str, where: str, relative_to: Path | None) -> ImageItem:
    raw = _record(raw, where)
    path = placed_path(path_from_dict(raw, where), relative_to, where)
    digest = _field(raw, "digest", str, f"the digest of {where}")
    if not digest:
        raise _damaged(f"the digest of {where} is empty")
    split = raw.get("split")
    if split not in _SPLITS:
        raise _damaged(f"the split of {where} is {split!r}, not 'train', 'val' or none")
    return ImageItem(path, digest, label, split)


def scan(
    sources: Iterable[Path | str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    ask: AskFn | None = None,
) -> DataSet:
    """A new DataSet with each source folder added in turn (see ``DataSet.add_folder``)."""
    dataset = DataSet()
    for source in sources:
        dataset.add_folder(source, progress=progress, cancel=cancel, ask=ask)
    return dataset
