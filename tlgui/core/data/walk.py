"""The one folder walk: every photo-named file under a folder, for the intake and prediction alike.

One policy for both:

* files are taken by their name only (an image suffix, supported or not: see ``images``); nothing
  is opened, so the walk costs one directory listing per folder;
* hidden folders (``.git``, ``.thumbnails``) are not entered: their contents are not the user's;
* symlinked folders are followed (class folders are often links), each real folder once, so a link
  cannot loop;
* but a folder that holds the walked folder (a link to ``/`` or to a parent) is not entered: it would
  read everything around the user's folder; nor is a folder of the system's pseudo file systems
  (``/proc``, ``/sys``, ``/dev``): never photos, and some endless (``/proc/kcore``). Each such folder
  is listed in ``not_followed`` with the reason;
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
    not_followed: list[SkippedFile] = field(default_factory=list)

    @property
    def folders_left_out(self) -> list[SkippedFile]:
        """The folders the walk did not list, with reasons: unlistable ones, then ones it would not enter."""
        return self.unreadable + self.not_followed

    @property
    def skipped(self) -> list[SkippedFile]:
        """Everything the walk left out, with reasons: folders left out, then non-files."""
        return self.folders_left_out + self.not_files


def walk_photos(folder: Path | str, *, cancel: CancelToken | None = None) -> FolderWalk:
    """Walks ``folder`` (see the module docstring). Raises Cancelled between folders."""
    walk = FolderWalk()
    seen: set[tuple[int, int]] = set()
    root = os.fspath(folder)  # as given: a relative folder gives relative paths, as the user wrote it
    fence = _Fence.around(os.path.abspath(root))
    pending = [(root, os.path.realpath(root))]
    while pending:
        if cancel is not None:
            cancel.raise_if_cancelled()
        subfolders = _visit(*pending.pop(), fence, seen, walk)
        pending.extend(reversed(subfolders))  # a stack: the first sub-folder is walked next
    return walk


def _visit(
    path: str, real_path: str, fence: _Fence, seen: set[tuple[int, int]], walk: FolderWalk
) -> list[tuple[str, str]]:
    """Records one folder's photo-named entries; returns the sub-folders to walk, in order, each
    with its real path (its links resolved)."""
    try:
        info = os.stat(path)
        # Before the loop check: two links to ``/`` are two links the user should hear about.
        if (reason := fence.why_not_entered(path, real_path, info)) is not None:
            walk.not_followed.append(SkippedFile(Path(path), reason))
            return []
        if (info.st_dev, info.st_ino) in seen:
            return []
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        walk.unreadable.append(SkippedFile(Path(path), f"cannot open folder ({os_error_reason(exc)})"))
        return []
    subfolders: list[tuple[str, str]] = []
    for entry in entries:
        # DirEntry answers from the listing itself (no system call) except for symlinks.
        if _is_folder(entry):
            if not entry.name.startswith("."):
                # Only a link moves the real path elsewhere: resolving it there keeps ``realpath``
                # (a system call per path component) off the ordinary folders.
                real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_path, entry.name)
                subfolders.append((entry.path, real))
        elif image_suffix_kind(entry.name) != "other":
            if _is_regular_file(entry):
                walk.files.append(entry.path)
            else:
                walk.not_files.append(SkippedFile(Path(entry.path), _why_not_a_file(entry)))
    return subfolders


#: The system's pseudo file systems' usual homes, checked on real paths (links resolved): processes
#: and kernel objects (``/proc``, ``/sys``) and devices (``/dev``) are never photos, and a walk through
#: them is endless or harmful (``/proc/<pid>/root`` leads back to ``/``, ``/proc/kcore``, ``/dev/zero``).
#: Path prefixes cost nothing and hold where the file system type says little: in a container ``/dev``
#: is a plain tmpfs, and under ``/sys/fs/cgroup`` sits another.
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
#: File system types that hold no one's files, for such file systems mounted elsewhere (a chroot's
#: ``proc``). tmpfs and autofs are not among them: removable drives and network shares sit on them.
_SYSTEM_FILE_SYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
    "configfs", "pstore", "bpf", "mqueue", "hugetlbfs", "fusectl", "binfmt_misc", "efivarfs", "selinuxfs",
    "rpc_pipefs", "nsfs",
})


@dataclass(frozen=True)
class _Fence:
    """The folders a walk does not enter: the ones holding the walked folder, and the system's.

    A folder holding the walked one is told by identity (device and inode), not by name, which also
    catches a bind mount and a case-insensitive disk's other spelling of it; a system folder by its
    device or by its real path (see ``SYSTEM_FOLDERS``).
    """

    holding_root: frozenset[tuple[int, int]]
    system_devices: frozenset[int]

    @classmethod
    def around(cls, root: str) -> _Fence:
        """The fence for a walk of ``root`` (an absolute path), from a few ``stat`` calls."""
        holding = {_identity(folder) for folder in _parents(root) + _parents(os.path.realpath(root))}
        holding.discard(_identity(root))  # the walked folder itself is no trespass, and is seen once
        holding.discard(None)
        return cls(frozenset(holding), _system_devices())

    def why_not_entered(self, path: str, real_path: str, info: os.stat_result) -> str | None:
        """None when the folder at ``path`` (``info`` its ``stat``) may be walked, else why not."""
        if (info.st_dev, info.st_ino) in self.holding_root:
            if os.path.islink(path):
                return _("a link to {folder}, which holds the folder you chose: not followed").format(folder=real_path)
            return _("the same folder as {folder}, which holds the folder you chose: not entered").format(
                folder=real_path)
        if info.st_dev in self.system_devices or _is_in_system_folder(real_path):
            if os.path.islink(path):
                return _("a link to {folder}, a system folder, not photos: not followed").format(folder=real_path)
            return _("a system folder, not photos: not entered")
        return None


def _parents(path: str) -> list[str]:
    parents = []
    while (parent := os.path.dirname(path)) != path:
        parents.append(parent)
        path = parent
    return parents


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _is_in_system_folder(real_path: str) -> bool:
    return any(real_path == folder or real_path.startswith(folder + "/") for folder in SYSTEM_FOLDERS)


def _system_devices() -> frozenset[int]:
    """The devices of the pseudo file systems mounted here (Linux lists them with their types), and
    of the system folders that are mounts of their own (macOS's ``/dev``): one small read a walk."""
    devices = set()
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            devices.update(device for line in mounts if (device := _system_mount_device(line)) is not None)
    except OSError:
        pass  # not Linux, or no /proc mounted: the system folders' own devices below still count
    root_device = _identity("/")
    for folder in SYSTEM_FOLDERS:
        identity = _identity(folder)
        # A system folder on the root's own device is no mount: its device is everyone's files'.
        if identity is not None and root_device is not None and identity[0] != root_device[0]:
            devices.add(identity[0])
    return frozenset(devices)


def _system_mount_device(line: str) -> int | None:
    """The device of a ``/proc/self/mountinfo`` line's mount when it is a pseudo file system's."""
    # "36 35 98:0 /root /mount/point options [optional fields...] - type source options"
    fields = line.split()
    try:
        kind = fields[fields.index("-", 6) + 1]
        major, minor = fields[2].split(":")
        return os.makedev(int(major), int(minor)) if kind in _SYSTEM_FILE_SYSTEMS else None
    except (ValueError, IndexError):
        return None


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
