"""Checking, before long work starts, that its result can be saved where the user asked.

A training run can take an hour; a model path in a missing folder, on a read-only disk or naming a
folder must be found in the first second, not when the model is about to be saved and would be lost.
The command line calls this before it reads a photo; the window can call it when a path is chosen.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from tlgui.core.errors import OutputPathError
from tlgui.core.files.limits import describe_file_kind
from tlgui.core.files.versions import MODEL_SUFFIX, with_suffix
from tlgui.core.i18n import _


def check_output_file(path: Path | str, *, suffix: str = MODEL_SUFFIX, what: str = "model file") -> Path:
    """The path the file will be saved to (``suffix`` appended if missing), once saving there can work.

    Refused with OutputPathError, in one sentence: an empty name, a folder, a pipe or device, a
    read-only file, a folder that does not exist, and a folder this process cannot create files
    in (found by creating and removing a small temporary file there, which also catches read-only
    disks and the administrator's rights that permission bits do not show).
    """
    text = os.fspath(path)
    if not text.strip() or "\0" in text:
        raise OutputPathError(_("No usable name was given for the {what}.").format(what=what))
    given = Path(text)
    if given.is_dir():
        raise OutputPathError(
            _(
                "{given} is a folder; give the {what} a name inside it, such as {value}."
            ).format(given=given, what=what, value=given / ('model' + suffix))
        )
    # What the user named is checked before the suffix is added: a pipe called "out" must not
    # quietly become a new file called "out.safetensors".
    _check_existing_target(given, what, replaced=False)
    target = with_suffix(given, suffix)
    _check_existing_target(target, what, replaced=True)
    # The folder the file will be written in: a link's target's, as the atomic write follows links.
    written = Path(os.path.realpath(target))
    _check_folder_takes_files(written.parent, what)
    return target


def check_folder_path(path: Path | str, *, what: str = "folder") -> Path:
    """``path`` if it is a folder or can become one (nothing in its way); OutputPathError otherwise."""
    folder = Path(path)
    for candidate in (folder, *folder.parents):
        try:
            info = os.stat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue  # the file in the way, if any, is found further up
        except OSError as exc:
            raise OutputPathError(_(
                "The {what} {folder} cannot be used: {reason}."
            ).format(what=what, folder=folder, reason=exc.strerror or exc)) from None
        if not stat.S_ISDIR(info.st_mode):
            kind = "a file" if stat.S_ISREG(info.st_mode) else describe_file_kind(info.st_mode)
            raise OutputPathError(_(
                "The {what} {folder} cannot be used: {candidate} is {kind}."
            ).format(what=what, folder=folder, candidate=candidate, kind=kind))
        break
    return folder


def _check_existing_target(target: Path, what: str, *, replaced: bool) -> None:
    """Refuse a ``target`` that is not a regular file; with ``replaced``, also one that is read-only."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return  # a new file
    except NotADirectoryError:
        raise OutputPathError(_(
            "The {what} {target} cannot be written: {parent} is not a folder."
        ).format(what=what, target=target, parent=target.parent)) from None
    except OSError as exc:
        raise OutputPathError(_(
            "The {what} {target} cannot be written: {reason}."
        ).format(what=what, target=target, reason=exc.strerror or exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputPathError(_(
            "The {what} {target} cannot be written: it is {describe_file_kind}."
        ).format(what=what, target=target, describe_file_kind=describe_file_kind(info.st_mode)))
    if replaced and not os.access(target, os.W_OK):
        if _on_read_only_disk(target):
            # Not the file's fault: making it writable cannot help, and a new name beside it fails too.
            raise OutputPathError(_(
                "The {what} {target} cannot be replaced: the disk it is on is read-only; choose another folder."
            ).format(what=what, target=target))
        raise OutputPathError(_(
            "The {what} {target} is read-only; choose another name or make it writable."
        ).format(what=what, target=target))


def _on_read_only_disk(path: Path) -> bool:
    """Whether ``path`` is on a file system mounted read-only (EROFS for every write there), as
    opposed to a file whose own permissions forbid writing. False where the system cannot say."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # Windows has no statvfs; its read-only files are the file's own
        return False


def _check_folder_takes_files(folder: Path, what: str) -> None:
    if not folder.exists():
        raise OutputPathError(_(
            "The folder {folder} for the {what} does not exist."
        ).format(folder=folder, what=what))
    if not folder.is_dir():
        raise OutputPathError(_(
            "The {what} cannot be written: {folder} is not a folder."
        ).format(what=what, folder=folder))
    # A real file, not os.access: access() says yes to root on a read-only disk, and knows nothing of
    # network shares or sandbox rules.
    try:
        # A short name of its own: the target's name may be as long as names may be.
        fd, probe = tempfile.mkstemp(prefix=".tlgui-", suffix=".probe", dir=folder)
    except OSError as exc:
        raise OutputPathError(
            _(
                "The {what} cannot be written: tlgui may not create files in {folder} ({reason})."
            ).format(what=what, folder=folder, reason=exc.strerror or exc)
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
