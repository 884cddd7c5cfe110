"""Atomic file writes: a temporary file beside the target, fsync, then rename into place.

What a save promises:

* readers see the old file or the new one, never half of one; if anything fails before the rename,
  the previous file is left exactly as it was;
* it creates a new regular file or replaces a regular file, nothing else: a folder, FIFO or device
  at the target is refused with one sentence;
* a replaced file keeps its permissions, and a symlink keeps pointing where it did: the save writes
  its target (a hard link, by contrast, is broken: renaming is what makes the save atomic);
* a temporary file left by a save that was killed (power cut, ``kill -9``) is removed by the next
  save beside it. Temporary files have names no other program uses, and one is removed only when no
  live save holds its lock (or, where locks do not exist, when nothing has written to it for an hour).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from tlgui.core.errors import TlguiError
from tlgui.core.files.limits import describe_file_kind
from tlgui.core.i18n import N_, _

try:
    import fcntl
except ImportError:  # Windows: stale files are recognised by age alone
    fcntl = None  # type: ignore[assignment]

#: Ends the name of every temporary file a save creates: ``.<target name>.<token>.tlgui-partial``
#: (``temporary_prefix``: a long target name is shortened).
TEMP_SUFFIX = ".tlgui-partial"
_TOKEN_BYTES = 6  # 12 hex digits
#: The longest file name, in bytes, that Linux and macOS file systems take (NAME_MAX).
NAME_MAX = 255
# A temporary file nobody holds a lock on may still be a save that started this instant and has
# not taken its lock yet; without locks, a save may be slow (a large download on a slow disk).
_STALE_UNLOCKED_S = 60.0
_STALE_WITHOUT_LOCKS_S = 3600.0
# The temporary files of the saves under way in this process, for ``remove_unfinished_temporaries``.
_unfinished: set[Path] = set()
_unfinished_lock = threading.Lock()


class SaveError(TlguiError):
    """The place a file is to be saved to cannot hold a tlgui file (a folder, a FIFO, a device)."""


class ReplaceCheck:
    """What a save checks just before it replaces a file, and what it wrote.

    ``check`` runs under an exclusive lock on the file about to be replaced, which every save with
    a check takes: of two saves that check the same file, the second checks after the first has
    replaced it (two windows saving one project cannot both find it unchanged). Raising keeps the
    old file. ``written``: the new file's status, from the save's own handle once it is in place
    (a stat of the path could already be another program's file).
    """

    def __init__(self, check: Callable[[], None]):
        self.check = check
        self.written: os.stat_result | None = None


@contextlib.contextmanager
def atomic_writer(path: Path | str, mode: str = "wb", *, replace_check: ReplaceCheck | None = None) -> Iterator[IO]:
    """Yield a file object; on clean exit it replaces ``path`` atomically, on error it vanishes.

    ``path`` may be a symlink (its target is written) or an existing regular file (its permissions
    are kept). Raises ``SaveError`` when something other than a regular file is in the way.
    ``replace_check``: see ``ReplaceCheck``.
    """
    given = Path(path)
    _make_folder(given.parent)
    target = Path(os.path.realpath(given))
    existing_mode = _existing_file_mode(target, given)
    remove_stale_temporaries(target)
    fd, tmp = _create_temporary(target, existing_mode)
    with _unfinished_lock:
        _unfinished.add(tmp)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            if fcntl is not None:
                # Renamed while still locked, so that no other save's clean-up can take it for stale.
                with _checked(target, replace_check):
                    os.replace(tmp, target)
                    if replace_check is not None:
                        replace_check.written = os.fstat(handle.fileno())
        if fcntl is None:
            with _checked(target, replace_check):
                os.replace(tmp, target)  # Windows cannot rename a file that is open
            if replace_check is not None:
                replace_check.written = os.stat(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    finally:
        with _unfinished_lock:
            _unfinished.discard(tmp)
    _sync_folder(target.parent)


def remove_unfinished_temporaries() -> None:
    """Delete the temporary files of the saves still under way in this process. For a process about
    to end without unwinding (``os._exit``: a second Ctrl-C, a job that would not stop), whose saves
    would otherwise leave them, full-size and hidden, beside the files they were to replace (only a
    later save of the same file clears them). The old files stay as they were: a save's rename that
    comes after finds no temporary and fails; one that came before has put the new file in place."""
    with _unfinished_lock:
        unfinished = list(_unfinished)
    for tmp in unfinished:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def _checked(target: Path, replace_check: ReplaceCheck | None) -> Iterator[None]:
    """``replace_check.check()``, then the block, under an exclusive lock on the file at ``target``
    (none when there is no file yet, or no locks: the check still runs)."""
    if replace_check is None:
        yield
        return
    with contextlib.ExitStack() as stack:
        if fcntl is not None:
            try:
                fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                fd = None  # no file to lock (a first save), or one this user may not read
            if fd is not None:
                stack.callback(os.close, fd)
                fcntl.flock(fd, fcntl.LOCK_EX)  # released by the close
        replace_check.check()
        yield


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        # A file where a folder of the path should be: mkdir says only "File exists", of which the
        # user's message would make no sense ("not saved to a/b.tlgui: File exists").
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from exc


def write_failure_reason(exc: OSError) -> str:
    """A few words, in the user's language, for why a file could not be written (the system's own
    text, strerror, is always English: the window would show "No such file or directory" in Chinese)."""
    words = {
        errno.ENOENT: N_("the folder does not exist"),
        errno.EACCES: N_("permission denied"),
        errno.EPERM: N_("permission denied"),
        errno.ENOSPC: N_("the disk is full"),
        errno.EDQUOT: N_("the disk quota is used up"),
        errno.EROFS: N_("the disk is read-only"),
        errno.EISDIR: N_("it is a folder"),
        errno.ENOTDIR: N_("part of the path is a file, not a folder"),
        errno.ENAMETOOLONG: N_("the name is too long"),
        errno.EIO: N_("the disk reported an input/output error"),
        errno.EXDEV: N_("it cannot be moved between these disks"),
    }.get(exc.errno or 0)
    if words is not None:
        return _(words)
    return exc.strerror or exc.__class__.__name__


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see ``atomic_write_bytes``)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_files(files: Sequence[tuple[Path | str, bytes]]) -> None:
    """Write files that belong together (a model and the files beside it): every one is written in
    full to its temporary file before any is renamed into place, so that a failure while writing
    (a full disk, a folder in the way) leaves every old file as it was. The first file is renamed
    last: should a rename itself fail, the main file is still the old one.

    Raises what ``atomic_writer`` raises; an ``OSError`` while writing names its file in ``filename``.
    """
    with contextlib.ExitStack() as stack:
        for path, data in files:
            handle = stack.enter_context(atomic_writer(path, "wb"))
            try:
                handle.write(data)
                # On disk now, while every temporary is still there: a full disk shows up here, not
                # after some of the files have been renamed into place.
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                exc.filename = str(path)  # the file being written, not its temporary
                raise


def _existing_file_mode(target: Path, given: Path) -> int | None:
    """The permission bits of the regular file at ``target``; None when there is none yet."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise SaveError(_("Cannot save to {path}: it is {kind}.").format(path=given, kind=describe_file_kind(info.st_mode)))
    return stat.S_IMODE(info.st_mode)


def _create_temporary(target: Path, existing_mode: int | None) -> tuple[int, Path]:
    """An exclusive new file beside ``target``, locked for as long as it is open."""
    tmp = target.with_name(f"{temporary_prefix(target)}{secrets.token_hex(_TOKEN_BYTES)}{TEMP_SUFFIX}")
    # 0o666 for a new file lets the kernel apply the umask, as a plain open() would; an existing
    # file's mode is set exactly below. Reading the umask instead would race other threads.
    create_mode = 0o666 if existing_mode is None else 0o600
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, create_mode)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        if existing_mode is not None:
            os.chmod(tmp, existing_mode)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return fd, tmp


def remove_stale_temporaries(target: Path | str) -> list[Path]:
    """Delete temporary files that killed saves of ``target`` left beside it; returns those removed.

    Only names of the form ``.<name>.<12 hex digits>.tlgui-partial`` that are regular files are
    considered, and only those no running save holds (see the module docstring).
    """
    target = Path(target)
    prefix = temporary_prefix(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []  # an unlistable folder: the save itself will report the real problem
    removed: list[Path] = []
    for entry in entries:
        if _is_our_temporary(entry.name, prefix) and _remove_if_stale(Path(entry.path)):
            removed.append(Path(entry.path))
    return removed


def temporary_prefix(target: Path) -> str:
    """How the names of ``target``'s temporaries begin: ``.<target name>.``; for a name so long that
    a temporary's would pass ``NAME_MAX`` (a legal name of 228-255 bytes: 76 Chinese characters),
    as much of it as fits, then ``~`` and a hash of the whole name."""
    prefix = f".{target.name}."
    room = NAME_MAX - 2 * _TOKEN_BYTES - len(TEMP_SUFFIX)
    name = os.fsencode(target.name)
    if len(name) + 2 <= room:
        return prefix
    digest = hashlib.blake2b(name, digest_size=6).hexdigest()
    head = name[: room - len(digest) - 3].decode("utf-8", "ignore")  # whole characters only
    return f".{head}~{digest}."


def _is_our_temporary(name: str, prefix: str) -> bool:
    if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
        return False
    token = name[len(prefix) : -len(TEMP_SUFFIX)]
    return len(token) == 2 * _TOKEN_BYTES and all(c in "0123456789abcdef" for c in token)


def _remove_if_stale(tmp: Path) -> bool:
    try:
        info = os.lstat(tmp)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False  # a symlink or anything else under our name is not ours to delete
    held = _held_by_a_save(tmp)
    if held:
        return False
    # held is None: no lock could be tried (no locks here, or the file cannot be opened).
    old_enough = _STALE_UNLOCKED_S if held is False else _STALE_WITHOUT_LOCKS_S
    if time.time() - info.st_mtime < old_enough:
        return False
    try:
        tmp.unlink()
    except OSError:
        return False
    return True


def _held_by_a_save(tmp: Path) -> bool | None:
    """Whether a running save holds ``tmp``'s lock; None when that cannot be known."""
    if fcntl is None:
        return None
    try:
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the lock taken just above
    return False


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); where folders cannot be opened this is skipped."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the file itself is already on disk
    finally:
        os.close(fd)
