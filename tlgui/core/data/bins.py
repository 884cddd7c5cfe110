"""Class bins: named sets of photos, filled from folders or single files, edited by the user.

How a dropped folder is read (``DataSet.add_folder``):

* only images directly inside, no sub-folders with images: one class named after the folder;
* sub-folders with images, no loose images: one class per sub-folder (the ImageFolder layout).
  Folders are read recursively, so ``cats/indoor/x.jpg`` belongs to class ``cats``;
* sub-folders named ``train`` (or ``training``) and ``val`` (``valid``, ``validation``, ``test``,
  ``testing``), both present and nothing else: each holds class sub-folders, and the split is
  kept as given (``test`` counts as validation: it is held-out data);
* loose images *and* sub-folders with images: ambiguous. The ``ask`` callback chooses; without one
  the default is choice 0: sub-folders become classes and the loose images go to a class named
  after the dropped folder.

Which files are looked at: every file with a supported image suffix (see ``images``), and every
file with the suffix of an image format the app does not read (.heic, .avif, RAW...), which is
listed as skipped "unsupported format". Other files (.txt, .DS_Store, Thumbs.db) are ignored
silently, as are hidden folders (``.git``, ``.thumbnails``) whose contents are not the user's
photos. A file with an image suffix that cannot be read is never dropped silently: it is listed
in ``skipped`` with a short reason. macOS "._name.jpg" metadata files are listed too, with their
own reason, so the user sees why they were left out.

The same content twice in one class is kept once (``AddReport.duplicates_ignored``); the same
content in two classes is allowed and reported by ``DataSet.duplicates()``.
"""

from __future__ import annotations

import os
import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from tlgui.core.data.images import ImageInfo, image_suffix_kind, inspect_image, os_error_reason
from tlgui.core.errors import Cancelled, DataError, ImageDecodeError
from tlgui.core.progress import CancelToken, ProgressEvent, ProgressFn, RateMeter

FORMAT_VERSION = 1

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
_CHUNK = 256  # paths per thread-pool task: large enough that task overhead is negligible
_APPLEDOUBLE_PREFIX = "._"


@dataclass(frozen=True)
class ImageItem:
    """One photo in one class. ``split`` is "train" or "val" when its folders said so, else None."""

    path: Path
    digest: str
    label: str
    split: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file that was left out, and why (a few words for the user)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """The same image content found in more than one class."""

    digest: str
    items: tuple[ImageItem, ...]

    @property
    def labels(self) -> list[str]:
        """The classes this content sits in, sorted."""
        return sorted({item.label for item in self.items})


@dataclass
class AddReport:
    """What one add did: classes created or extended, photos added, duplicates, skipped files.

    ``left_out`` counts loose images the user chose to leave out of an ambiguous folder.
    """

    created: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    added: int = 0
    duplicates_ignored: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    left_out: int = 0

    def summary(self) -> str:
        """One sentence for a status bar."""
        parts = [f"Added {self.added} photo{'s' if self.added != 1 else ''}"]
        if self.created:
            parts.append(f"new classes: {', '.join(self.created)}")
        if self.duplicates_ignored:
            parts.append(f"{self.duplicates_ignored} duplicate(s) ignored")
        if self.skipped:
            parts.append(f"{len(self.skipped)} file(s) skipped")
        return "; ".join(parts) + "."


@dataclass
class _Group:
    """Files the layout assigns to one class (and split) before they are read."""

    label: str
    split: str | None
    files: list[str]


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


def clean_class_name(name: str) -> str:
    """A class name as stored: NFC-normalised (macOS folder names are NFD) and stripped.

    Raises DataError when nothing is left.
    """
    cleaned = unicodedata.normalize("NFC", str(name)).strip()
    if not cleaned:
        raise DataError("A class name cannot be empty.")
    return cleaned


def _folder_label(name: str) -> str:
    # A folder named only with spaces is legal on disk; its photos still need a class.
    return unicodedata.normalize("NFC", name).strip() or "unnamed"


def _abs(path: Path | str) -> Path:
    # abspath, not resolve(): no system call per file, and a symlinked photo keeps the name the
    # user gave it.
    return Path(os.path.abspath(os.fspath(path)))


class DataSet:
    """The class bins: the single source of truth the GUI views and the trainer reads."""

    def __init__(self) -> None:
        self._bins: dict[str, _Bin] = {}
        self._skipped: dict[Path, SkippedFile] = {}

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

    def _bin(self, label: str) -> _Bin:
        try:
            return self._bins[label]
        except KeyError:
            raise DataError(f"There is no class named '{label}'.") from None

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
        """Reads a dropped folder into bins according to its layout (see the module docstring).

        ``ask(question, choices)`` resolves an ambiguous layout and returns a choice index (None
        cancels). ``split`` ("train" or "val") puts every photo of the folder in that split, for a
        validation folder given separately. Raises DataError if the folder does not exist,
        Cancelled if cancelled; in both cases the bins are unchanged.
        """
        if split not in (None, "train", "val"):
            raise ValueError(f"split must be 'train', 'val' or None, not {split!r}")
        root = _abs(path)
        if not root.is_dir():
            raise DataError(f"'{root}' is not a folder." if root.exists() else f"Folder not found: {root}")
        if progress is not None:
            progress(ProgressEvent("scan", 0, None, message="Looking for photos"))
        report = AddReport()
        problems: list[SkippedFile] = []
        files = _walk_image_files(str(root), cancel, problems)
        groups = _plan_folder(root, ask, report, files)
        if split is not None:
            groups = [_Group(g.label, split, g.files) for g in groups]
        self._add_groups(groups, report, progress, cancel, problems)
        return report

    def add_files(
        self,
        label: str,
        paths: Iterable[Path | str],
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> AddReport:
        """Adds files to one class, creating it if needed. A folder among ``paths`` adds its images.

        A file named explicitly is read whatever its suffix, so a photo saved without one still
        counts; one that is not an image is listed in ``skipped``.
        """
        label = clean_class_name(label)
        files: list[str] = []
        problems: list[SkippedFile] = []
        for p in paths:
            p = _abs(p)
            if p.is_dir():
                files.extend(_walk_image_files(str(p), cancel, problems))
            else:
                files.append(str(p))
        report = AddReport()
        self._add_groups([_Group(label, None, files)], report, progress, cancel, problems)
        return report

    def _add_groups(
        self,
        groups: list[_Group],
        report: AddReport,
        progress: ProgressFn | None,
        cancel: CancelToken | None,
        folder_problems: list[SkippedFile],
    ) -> None:
        candidates = [(f, g.label, g.split) for g in groups for f in g.files]
        to_read, pre_skipped = _screen_names([c[0] for c in candidates])
        results = dict(zip(to_read, inspect_many(to_read, progress=progress, cancel=cancel), strict=True))
        results.update(pre_skipped)
        # Everything is read before anything changes, so a cancelled add leaves the bins as they were.
        for problem in folder_problems:
            self._note_skipped(problem, report)
        for file, label, split in candidates:
            self._commit_one(results[file], label, split, report)

    def _note_skipped(self, skipped: SkippedFile, report: AddReport) -> None:
        self._skipped[skipped.path] = skipped
        report.skipped.append(skipped)

    def _commit_one(
        self, result: ImageInfo | SkippedFile, label: str, split: str | None, report: AddReport
    ) -> None:
        if isinstance(result, SkippedFile):
            self._note_skipped(result, report)
            return
        existed = label in self._bins
        target = self._bins.setdefault(label, _Bin())
        if not target.add(ImageItem(result.path, result.digest, label, split)):
            report.duplicates_ignored += 1
            return
        self._skipped.pop(result.path, None)  # a file fixed and added again is no longer skipped
        report.added += 1
        if label not in report.created and label not in report.extended:
            (report.extended if existed else report.created).append(label)

    # ---- edits ---------------------------------------------------------------------------------
    def new_class(self, name: str) -> str:
        """Creates an empty class at the end; returns the name as stored."""
        name = clean_class_name(name)
        self._require_free(name)
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
            raise DataError("Choose at least one class to merge.")
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
        wanted = list(dict.fromkeys(_abs(p) for p in paths))
        for path in wanted:
            if not any(path in b.items for b in self._bins.values()):
                raise DataError(f"'{path.name}' is not in any class.")
        return wanted

    def _require_free(self, name: str) -> None:
        if name in self._bins:
            raise DataError(f"A class named '{name}' already exists.")

    def _insert_before(self, anchor: str, name: str) -> None:
        bins: dict[str, _Bin] = {}
        for key, b in self._bins.items():
            if key == anchor:
                bins[name] = _Bin()
            bins[key] = b
        self._bins = bins

    # ---- split ---------------------------------------------------------------------------------
    def split(self, val_fraction: float = 0.2, seed: int = 0) -> tuple[list[ImageItem], list[ImageItem]]:
        """Training and validation photos.

        Photos from train/ val/ folders keep that split. In a class that already has given
        validation photos, the other photos all train. The others are split per class,
        deterministically for a given seed: ``round(n * val_fraction)`` photos go to validation,
        at least one when a class has two or more, never all of them.
        """
        if not 0.0 < val_fraction < 1.0:
            raise DataError(f"The validation share must be between 0 and 1; got {val_fraction}.")
        train: list[ImageItem] = []
        val: list[ImageItem] = []
        for label, b in self._bins.items():
            free = [item for item in b.items.values() if item.split is None]
            train.extend(item for item in b.items.values() if item.split == "train")
            given_val = [item for item in b.items.values() if item.split == "val"]
            val.extend(given_val)
            if given_val:
                train.extend(free)
                continue
            free_train, free_val = _split_class(free, val_fraction, f"{seed}:{label}")
            train.extend(free_train)
            val.extend(free_val)
        return train, val

    # ---- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-able description: classes in order with paths, digests, splits; skipped files."""
        return {
            "version": FORMAT_VERSION,
            "classes": [
                {"name": name, "items": [_item_to_dict(item) for item in b.items.values()]}
                for name, b in self._bins.items()
            ],
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in self._skipped.values()],
        }

    @classmethod
    def from_dict(cls, data: dict) -> DataSet:
        """Rebuilds bins from ``to_dict`` output without reading any photo. DataError if damaged."""
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise DataError("The saved class list has an unknown format.")
        ds = cls()
        try:
            for entry in data["classes"]:
                name = ds.new_class(entry["name"])
                for raw in entry["items"]:
                    ds._bins[name].add(_item_from_dict(raw, name))
            for raw in data.get("skipped", []):
                skipped = SkippedFile(Path(raw["path"]), str(raw["reason"]))
                ds._skipped[skipped.path] = skipped
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"The saved class list is damaged ({exc.__class__.__name__}: {exc}).") from exc
        return ds


def _item_to_dict(item: ImageItem) -> dict:
    return {"path": str(item.path), "digest": item.digest, "split": item.split}


def _item_from_dict(raw: dict, label: str) -> ImageItem:
    split = raw.get("split")
    if split not in (None, "train", "val"):
        raise ValueError(f"unknown split {split!r}")
    digest = str(raw["digest"])
    if not digest:
        raise ValueError("empty digest")
    return ImageItem(Path(raw["path"]), digest, label, split)


def _split_class(
    items: list[ImageItem], val_fraction: float, seed: str
) -> tuple[list[ImageItem], list[ImageItem]]:
    # Sorting by content first makes the split independent of the order files were added and of
    # where the folder lives; the string seed (label included) gives each class its own shuffle.
    ordered = sorted(items, key=lambda item: (item.digest, str(item.path)))
    random.Random(seed).shuffle(ordered)
    n = len(ordered)
    n_val = min(n - 1, max(1, round(n * val_fraction))) if n >= 2 else 0
    return ordered[n_val:], ordered[:n_val]


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


# ---- reading many files ----------------------------------------------------------------------------


def inspect_many(
    paths: Sequence[str | Path],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> list[ImageInfo | SkippedFile]:
    """``inspect_image`` for many files on a thread pool, in order; failures become SkippedFile.

    File reads and hashing release the GIL, so threads overlap disk waits even on one core.
    Reports phase "scan" progress from the calling thread; raises Cancelled when cancelled.
    """
    meter = RateMeter("scan", len(paths), progress)
    if not paths:
        return []
    absolute = [os.path.abspath(os.fspath(p)) for p in paths]
    chunks = [absolute[i : i + _CHUNK] for i in range(0, len(absolute), _CHUNK)]
    # More threads than cores: on a cold disk or a network share most of them wait on I/O.
    workers = workers or min(16, 4 * (os.cpu_count() or 2))
    results: list[ImageInfo | SkippedFile] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tlgui-scan") as pool:
        futures: list[Future] = [pool.submit(_inspect_chunk, chunk, cancel) for chunk in chunks]
        try:
            for future in futures:
                results.extend(future.result())
                _raise_if_cancelled(cancel)
                meter.update(len(results), "Reading photos")
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def _inspect_chunk(paths: Sequence[str], cancel: CancelToken | None) -> list[ImageInfo | SkippedFile]:
    out: list[ImageInfo | SkippedFile] = []
    for path in paths:
        if cancel is not None and cancel.cancelled:
            break
        out.append(_inspect_one(path))
    return out


def _inspect_one(path: str) -> ImageInfo | SkippedFile:
    file = Path(path)  # built once: at 100,000 files, every Path construction shows
    try:
        return inspect_image(file)
    except ImageDecodeError as exc:
        return SkippedFile(file, exc.reason)
    except Exception as exc:  # a scan must survive any one file, whatever Pillow raises
        return SkippedFile(file, f"cannot read ({exc.__class__.__name__})")


def _raise_if_cancelled(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _screen_names(files: list[str]) -> tuple[list[str], dict[str, SkippedFile]]:
    """Splits off files that the name alone rules out (macOS metadata), without reading them."""
    to_read: list[str] = []
    skipped: dict[str, SkippedFile] = {}
    for f in dict.fromkeys(files):
        if os.path.basename(f).startswith(_APPLEDOUBLE_PREFIX):
            skipped[f] = SkippedFile(_abs(f), "macOS metadata file, not a photo")
        else:
            to_read.append(f)
    return to_read, skipped


# ---- folder layout -----------------------------------------------------------------------------


def _walk_image_files(folder: str, cancel: CancelToken | None, problems: list[SkippedFile]) -> list[str]:
    """Files under ``folder`` whose suffix is an image's (supported or not), in sorted order.

    Symlinked folders are followed (class folders are often links), each real folder once so a
    link to an ancestor cannot loop. A folder that cannot be listed goes into ``problems``.
    """
    found: list[str] = []
    seen: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:
        reason = f"cannot open folder ({os_error_reason(error)})"
        problems.append(SkippedFile(_abs(error.filename or folder), reason))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable, followlinks=True):
        _raise_if_cancelled(cancel)
        if not _first_visit(dirpath, seen):
            dirnames[:] = []
            continue
        # Pruning in place stops os.walk descending; sorting makes every scan list files alike.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(os.path.join(dirpath, n) for n in sorted(filenames) if image_suffix_kind(n) != "other")
    return found


def _first_visit(dirpath: str, seen: set[tuple[int, int]]) -> bool:
    try:
        st = os.stat(dirpath)
    except OSError:
        return True  # os.walk reports the listing error itself
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


@dataclass
class _Listing:
    """A folder's direct image files and its sub-folders that hold images (recursively)."""

    loose: list[str]
    subfolders: dict[str, list[str]]


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


def _plan_folder(root: Path, ask: AskFn | None, report: AddReport, files: list[str]) -> list[_Group]:
    """Decides which class (and split) each file under ``root`` goes to, without reading any."""
    root_label = _folder_label(root.name or str(root))
    listing = _partition(str(root), files)
    if _is_split_layout(listing):
        sub_plan = [
            group
            for name, sub_files in listing.subfolders.items()
            for group in _plan_classes(
                root / name, sub_files, root_label, _SPLIT_FOLDERS[name.lower()], ask, report
            )
        ]
        return _resolve(root, listing, sub_plan, root_label, ask, report, splits=True)
    sub_plan = [_Group(_folder_label(name), None, sub) for name, sub in listing.subfolders.items()]
    return _resolve(root, listing, sub_plan, root_label, ask, report, splits=False)


def _plan_classes(
    folder: Path, files: list[str], loose_label: str, split: str, ask: AskFn | None, report: AddReport
) -> list[_Group]:
    """Class groups inside one split folder (train/ or val/)."""
    listing = _partition(str(folder), files)
    sub_plan = [_Group(_folder_label(name), split, sub) for name, sub in listing.subfolders.items()]
    groups = _resolve(folder, listing, sub_plan, loose_label, ask, report, splits=False)
    for group in groups:
        group.split = split  # loose images of train/ are training images too
    return groups


def _is_split_layout(listing: _Listing) -> bool:
    kinds = {_SPLIT_FOLDERS.get(name.lower()) for name in listing.subfolders}
    return kinds == {"train", "val"}


def _resolve(
    folder: Path,
    listing: _Listing,
    sub_plan: list[_Group],
    loose_label: str,
    ask: AskFn | None,
    report: AddReport,
    *,
    splits: bool,
) -> list[_Group]:
    """Combines a folder's loose images with its sub-folder plan, asking when both exist."""
    if not listing.loose:
        return sub_plan
    if not sub_plan:
        return [_Group(loose_label, None, listing.loose)]
    choice = _ask_layout(folder, listing, loose_label, ask, splits=splits)
    if choice == 0:
        return [*sub_plan, _Group(loose_label, None, listing.loose)]
    if choice == 1:
        report.left_out += len(listing.loose)
        return sub_plan
    every_file = listing.loose + [f for group in sub_plan for f in group.files]
    return [_Group(loose_label, None, every_file)]


def _ask_layout(folder: Path, listing: _Listing, loose_label: str, ask: AskFn | None, *, splits: bool) -> int:
    n = len(listing.loose)
    kept = "Keep the train/val folders" if splits else "Make each sub-folder a class"
    choices = [
        f"{kept}; put the {n} loose image(s) in class '{loose_label}'",
        f"{kept}; leave the {n} loose image(s) out",
        f"Put everything in one class '{loose_label}'",
    ]
    if ask is None:
        return 0
    question = (
        f"'{folder.name}' holds {n} image(s) directly and {len(listing.subfolders)} sub-folder(s) "
        "with images. How should they be sorted?"
    )
    answer = ask(question, choices)
    if answer is None:
        raise Cancelled()
    if not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise ValueError(f"ask() must return a choice index 0..{len(choices) - 1} or None; got {answer!r}")
    return answer
