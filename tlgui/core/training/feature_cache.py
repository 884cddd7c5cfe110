"""On-disk cache of activations: the method's precompute trick.

When every layer below some boundary is frozen, what those layers compute for an image is a fixed
function of the image. We store it once, keyed by

    namespace = backbone + fingerprint of the frozen weights + preprocessing + boundary + view recipe
    key       = content digest of the image file + view number (0 = plain, k = k-th augmented view)

so retraining with other settings, or after adding a few photos, only computes what is missing.

Storage is one SQLite file, shared by every tlgui process of the user. What it promises, and why:

- An answer is never wrong. One CRC32 covers every field of an entry (namespace, key, dtype, shape,
  data), and dtype and shape must describe the bytes exactly. An entry that fails either is removed,
  that entry alone, and recomputed by the caller.
- A run never fails, and never destroys what it did not write, because of the cache. A write lock
  that another process holds past ``busy_timeout_s``, a full disk or a file the app cannot use make
  the run go on without the cache (the caller keeps what it computes in memory), with one warning.
  A pipe, folder or device where one of the cache's files belongs is named in that warning and never
  opened: opening a pipe, or SQLite writing into one, waits for ever.
  A file verified as damaged (not SQLite, corrupt pages, a foreign schema) is renamed aside, never
  deleted, and a new file is started.
- The cache never fills its disk: it stops growing while what is left free there is short of a
  reserve (see ``_RESERVE_BYTES``), as on a full disk. Every commit is copied into the database
  at once, so its write-ahead log holds nothing that needs room to be emptied; when a write fails
  for want of space all the same (another program took it), the log is emptied after the rollback,
  giving back what the failed write took.
- Reads are bounded: rows are filtered by size, type and (when the caller says) dtype and shape in
  SQL, before their bytes are fetched, so a huge or hostile file cannot make a read allocate more
  than one bounded entry per requested key.
- Each schema version has its own file name: a new version never reads or rewrites an older one's
  file, so two versions can run side by side; ``clear()`` removes older files.
- A cache that cannot be written (a read-only folder, mount or file) is still read: what it holds is
  used, and what is computed anew is kept in memory only, with one warning.
- ``clear()`` deletes the database's files when no other connection has them open, which needs no
  disk space (deleting rows does, and a full disk refuses it: the moment a user needs to clear most),
  and deletes rows under the connections that do. Whether another connection has the file open is
  SQLite's own lock: each connection to a WAL database holds a shared lock on it for as long as it
  is open, so an exclusive lock says that none does. A lock file beside the database, held shared
  while a process opens the file and exclusive while one deletes or sets it aside, keeps a process
  from opening the file in between (it would then be left on a deleted file).
- The cache is bounded: least recently used entries are evicted past ``max_bytes``. Recency lives in
  a small side table, so a read that touches 50,000 entries rewrites 50,000 small rows, not their
  arrays. It is bookkeeping, not data: damage there can change which entry is evicted first, never
  what a read returns.

Warnings leave as plain sentences: each is appended (once) to ``FeatureCache.warnings``, passed to
the ``on_warning`` callback when one is given, and logged on this module's logger (which prints on
stderr when the program configured no logging, as the command line does not).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import logging
import math
import os
import re
import shutil
import sqlite3
import stat
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import TypeVar

import numpy as np

from tlgui.core.errors import TlguiError
from tlgui.core.files.limits import FileLimitError, describe_file_kind, open_regular
from tlgui.core.i18n import _

_log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 4 * 1024**3
# What the cache leaves free on its disk for everything else: the smaller of 1 GiB, room for the
# user's ordinary work on a large disk, and 5% of the disk, so that a small one (a 20 GB partition
# keeps 1 GiB; a 5 MB mount, 256 KB) is not refused everything.
_RESERVE_BYTES = 1024**3
_RESERVE_SHARE = 0.05
# Another process's writes take milliseconds; a lock held this long means it is stuck or busy with
# something big (a clear, a long eviction), and computing in memory is the better bet.
DEFAULT_BUSY_TIMEOUT_S = 10.0
# Openings tried until the file stays the same one across an opening (see _connection).
_OPEN_ATTEMPTS = 5
# Far above any activation map worth caching (EfficientNet-Lite0's largest, after the stem, is
# 0.8 MB in float16), far below what would hurt to allocate.
DEFAULT_MAX_ENTRY_BYTES = 64 * 1024**2

SCHEMA_VERSION = 2
_DB_NAME = f"features-v{SCHEMA_VERSION}.sqlite"
# The database is never read through Python but for its header; the read, not the file, is bounded.
_HEADER_BYTES = 100
# Files of earlier schema versions: never read or written here; ``clear`` removes them.
_OLD_DB_NAMES = ("features.sqlite",)
_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
# Held while a process opens, deletes or sets aside the database (see the module's docstring). Never
# deleted: a process that locks a file someone deleted and another made anew excludes nobody.
_LOCK_NAME = f"{_DB_NAME}.lock"
_SET_ASIDE_MARK = ".damaged-"
# Written in the file header: this SQLite file is a tlgui feature cache ("tlgf").
_APPLICATION_ID = 0x746C6766
_SQLITE_MAGIC = b"SQLite format 3\x00"

_TABLES = (
    """CREATE TABLE entries (
        namespace TEXT NOT NULL, key TEXT NOT NULL, dtype TEXT NOT NULL, shape TEXT NOT NULL,
        data BLOB NOT NULL, checksum INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE usage (
        namespace TEXT NOT NULL, key TEXT NOT NULL, last_used REAL NOT NULL, nbytes INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID""",
    "CREATE INDEX usage_by_last_used ON usage(last_used)",
)
_SCHEMA_OBJECTS = {(b"table", b"entries"), (b"table", b"usage"), (b"index", b"usage_by_last_used")}
_COLUMNS = {
    "entries": [b"namespace", b"key", b"dtype", b"shape", b"data", b"checksum"],
    "usage": [b"namespace", b"key", b"last_used", b"nbytes"],
}

# Stored dtypes and shapes, exactly as ``put_many`` writes them: numbers only, at most 8 dims.
_MAX_DIMS = 8
_DTYPE_TEXT = re.compile(rb"[<>|][biufc][0-9]{1,2}")
_SHAPE_TEXT = re.compile(rb"(?:(?:0|[1-9][0-9]{0,9})(?:,(?:0|[1-9][0-9]{0,9})){0,%d})?" % (_MAX_DIMS - 1))
_MAX_DTYPE_CHARS = 4
_MAX_SHAPE_CHARS = _MAX_DIMS * 11
# Recency is kept to the minute: an entry read again within a minute is not rewritten, so a
# retrain right after a run reads without writing.
_RECENCY_RESOLUTION_S = 60.0
# SQLite's limit on bound parameters is 32766 in current builds; stay well under it.
_CHUNK = 900

_DISK_FULL_ERRNOS = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES}

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``$TLGUI_CACHE_DIR``, else the platform's user cache folder + tlgui/features."""
    env = os.environ.get("TLGUI_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "tlgui" / "features"


class CacheUnavailableError(TlguiError):
    """The feature cache cannot be read or changed now (only raised where the user asked about it)."""


@dataclasses.dataclass(frozen=True)
class CacheInfo:
    """What the feature cache holds, and what it takes on disk."""

    entries: int
    #: Bytes of the stored arrays.
    feature_bytes: int
    #: Sizes of the cache's files, all that ``clear`` deletes: the database with its write-ahead log
    #: and index, older versions' files and files set aside as damaged.
    disk_bytes: int


class _Trouble(Enum):
    BUSY = "busy"
    FULL = "full"
    READ_ONLY = "read-only"
    DAMAGED = "damaged"
    MOVED = "moved"
    NEWER = "newer"
    OTHER = "other"


class _FileTrouble(Exception):
    """What opening found wrong with a file SQLite reads fine: another version's, or another program's."""

    def __init__(self, kind: _Trouble, detail: str):
        super().__init__(detail)
        self.kind = kind


class FeatureCache:
    """A bounded, self-healing store of numpy arrays keyed by (namespace, key), shared by processes.

    ``get_many``, ``put_many`` and ``holds`` never raise for the cache's own troubles: they fall
    back to "not cached" and say so once, in ``warnings``. ``count``, ``size_bytes``, ``info`` and ``clear`` (what
    the user asks about the cache itself) raise ``CacheUnavailableError`` instead.
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
        on_warning: Callable[[str], None] | None = None,
    ):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = max_bytes
        self.busy_timeout_s = busy_timeout_s
        self.max_entry_bytes = max_entry_bytes
        self.on_warning = on_warning
        self.warnings: list[str] = []
        # Re-entrant: an on_warning callback may ask the cache something.
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        # Why this object runs without the cache (until close()); None while it is in use.
        self._unavailable: str | None = None
        # The file is opened for reading only, and writes are skipped (until close()).
        self._read_only = False
        self._opened: tuple[int, int] | None = None

    @property
    def path(self) -> Path:
        return self.root / _DB_NAME

    def close(self) -> None:
        """Close the file; a later call opens it again (and tries again after a trouble)."""
        with self._lock:
            self._drop_connection()
            self._unavailable = None
            self._read_only = False

    def __enter__(self) -> FeatureCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reads --------------------------------------------------------------------------------
    def get_many(
        self,
        namespace: str,
        keys: Iterable[str],
        *,
        dtype: np.dtype | str | None = None,
        shape: Sequence[int] | None = None,
    ) -> dict[str, np.ndarray]:
        """The cached arrays for those keys that are present and intact.

        ``dtype`` and ``shape``, when given, are what the caller expects: entries of another dtype
        or shape count as missing, and are never fetched.
        """
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        expected = {}
        if dtype is not None:
            expected["dtype"] = _dtype_text(np.dtype(dtype))
        if shape is not None:
            expected["shape"] = _shape_text(tuple(shape))
        with self._lock:
            found, damaged = self._attempt(lambda conn: self._read(conn, namespace, wanted, expected), ({}, []))
            # A read-only cache keeps no recency and no repairs: worth no warning.
            if (found or damaged) and not self._read_only:
                used = list(found)
                self._attempt(lambda conn: self._touch_and_drop(conn, namespace, used, damaged, expected), None,
                              writes=True)
        return found

    def holds(self, namespace: str) -> bool:
        """Whether anything of ``namespace`` is stored. A cache that cannot be used holds nothing:
        False and the one warning, like ``get_many`` (a run then goes on without the cache)."""
        with self._lock:
            row = self._attempt(
                lambda conn: conn.execute("SELECT 1 FROM entries WHERE namespace=? LIMIT 1", (namespace,)).fetchone(),
                None,
            )
        return row is not None

    def count(self, namespace: str | None = None) -> int:
        """Number of entries (in one namespace, or all)."""
        with self._lock:
            if namespace is None:
                return self._attempt(lambda conn: conn.execute("SELECT count(*) FROM entries").fetchone()[0],
                                     strict=True)
            return self._attempt(
                lambda conn: conn.execute("SELECT count(*) FROM entries WHERE namespace=?", (namespace,)).fetchone()[0],
                strict=True,
            )

    def size_bytes(self) -> int:
        """Bytes of stored arrays (the files take more: see ``info``)."""
        with self._lock:
            return int(self._attempt(
                lambda conn: conn.execute("SELECT coalesce(sum(length(data)), 0) FROM entries").fetchone()[0],
                strict=True,
            ))

    def info(self) -> CacheInfo:
        """Entries, bytes of their arrays and bytes of the cache's files on disk."""
        with self._lock:
            entries = feature_bytes = 0
            if self.path.exists():  # else nothing to open, nor a file to make only to say so
                entries, feature_bytes = self._attempt(
                    lambda conn: conn.execute("SELECT count(*), coalesce(sum(length(data)), 0) FROM entries").fetchone(),
                    strict=True,
                )
            disk_bytes = sum(_file_size(path) for path in (*self._database_files(), *self._old_files()))
        return CacheInfo(entries=int(entries), feature_bytes=int(feature_bytes), disk_bytes=disk_bytes)

    # ---- writes -------------------------------------------------------------------------------
    def put_many(self, namespace: str, arrays: dict[str, np.ndarray]) -> None:
        """Store arrays (one transaction), then evict old entries if the cache is over its bound.

        Arrays larger than ``max_entry_bytes`` are not stored: they would never be read back.
        """
        if self._unavailable is not None:
            return
        now = time.time()
        entries, usage = [], []
        namespace_crc = _namespace_crc(namespace.encode())
        for key, value in arrays.items():
            array = np.asarray(value)
            dtype, shape = _dtype_text(array.dtype), _shape_text(array.shape)
            data = array.tobytes()
            if len(data) > self.max_entry_bytes:
                continue
            checksum = _checksum(namespace_crc, key.encode(), dtype.encode(), shape.encode(), data)
            entries.append((namespace, key, dtype, shape, data, checksum))
            usage.append((namespace, key, now, len(data)))
        if not entries:
            return
        with self._lock:
            self._attempt(lambda conn: self._store(conn, entries, usage), None, writes=True)
            if self._read_only and self._unavailable is None:
                self._warn(_("The feature cache in {root} is read-only: the features it holds are used, and new "
                             "ones are computed in memory without being kept.").format(root=self.root))

    def clear(self) -> None:
        """Forget everything, including older versions' files and files set aside as damaged.

        The database's files are deleted when no other connection has them open (see the module's
        docstring); that works on a full disk, and gives back what the write-ahead log held. While
        another one has them open, their rows are deleted instead.
        """
        with self._lock:
            self._drop_connection()
            self._unavailable = None
            not_a_file = self._not_a_file()
            if not_a_file is not None:
                # Not the cache's to delete: the user is told what it is, and where.
                raise CacheUnavailableError(_("The feature cache in {root} cannot be cleared: {reason}.").format(
                    root=self.root, reason=not_a_file))
            try:
                kept_by = self._delete_database_files()
                if kept_by is not None:
                    self._delete_rows(in_use=kept_by is _Trouble.BUSY)
            finally:
                self._drop_connection()
                self._unavailable = None
            self._delete_files(self._old_files())

    def _delete_rows(self, *, in_use: bool) -> None:
        try:
            self._attempt(self._delete_all, strict=True, writes=True)
        except CacheUnavailableError as exc:
            if not in_use or _trouble_of(exc.__cause__) is not _Trouble.FULL:
                raise
            raise CacheUnavailableError(_(
                "The feature cache in {root} cannot be cleared now: the disk is full and another program "
                "(a tlgui window or command) has the cache open; try again when it has finished."
            ).format(root=self.root)) from exc

    def _delete_database_files(self) -> _Trouble | None:
        """Delete the database and its companions unless another connection has it open.

        None when they are gone, else what kept them: BUSY while another connection has the file open.
        """
        if self._cannot_write():
            # Done if there is nothing to delete; else deleting rows says that nothing can be.
            return _Trouble.READ_ONLY if any(path.exists() for path in self._database_files()) else None
        try:
            with _file_lock(self.root / _LOCK_NAME, self.busy_timeout_s, required=False):
                if not self.path.exists():
                    self._delete_files(self._companions())  # left by a database deleted under its connections
                    return None
                if not _is_ours_or_empty(self.path):
                    return _Trouble.DAMAGED  # deleting rows sets it aside first, as any opening does
                probe = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=rw", uri=True, timeout=0,
                                        isolation_level=None)
                try:
                    # Taken before the first read, so that it never uses the shared index (-shm) either.
                    probe.execute("PRAGMA locking_mode=EXCLUSIVE")
                    probe.execute("BEGIN EXCLUSIVE")  # refused at once while another connection has the file
                    if os.name == "nt":
                        probe.close()  # Windows deletes no file that is open, ours included
                    # The database last: should deleting a companion fail, no new database meets the old log.
                    self._delete_files([*self._companions(), self.path])
                finally:
                    with contextlib.suppress(sqlite3.Error):
                        probe.close()
        except (sqlite3.Error, OSError, FileLimitError) as exc:
            return _trouble_of(exc)
        return None

    def _delete_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise CacheUnavailableError(_("The feature cache in {root} cannot be cleared: {reason}.").format(
                    root=self.root, reason=exc.strerror or exc)) from exc

    # ---- the one place troubles are handled ----------------------------------------------------
    def _attempt(self, work: Callable[[sqlite3.Connection], T], fallback: T = None, *, strict: bool = False,
                 writes: bool = False) -> T:
        """``work`` on the open file. A file moved away or verified damaged is mended once (a new file);
        one that cannot be written is opened again for reading only, and ``work`` that ``writes`` is
        then skipped (``fallback``; ``put_many`` says so). Any other trouble makes this object run without
        the cache: ``fallback`` and one warning, or ``CacheUnavailableError`` when ``strict``."""
        if self._unavailable is not None and not strict:
            return fallback
        for last_try in (False, True):
            try:
                conn = self._connection()
                if not (writes and self._read_only):
                    return work(conn)
            except (sqlite3.DatabaseError, OSError, _FileTrouble) as exc:
                kind = _trouble_of(exc)
                if kind is _Trouble.FULL:
                    self._give_space_back()
                self._drop_connection()
                if not last_try and kind is _Trouble.MOVED:
                    continue
                if not last_try and kind is _Trouble.DAMAGED and self._set_aside_if_damaged():
                    continue
                if not last_try and kind is _Trouble.READ_ONLY and not self._read_only:
                    self._read_only = True
                    continue
                reason = self._reason(kind, exc)
                if strict:
                    raise CacheUnavailableError(_(
                        "The feature cache in {root} cannot be used: {reason}."
                    ).format(root=self.root, reason=reason)) from exc
                self._unavailable = reason
                if kind is _Trouble.FULL:  # the disk full, or nearly (the reserve): ``reason`` says which
                    self._warn(_("Running without the feature cache in {root}: {reason}, so features are computed "
                                 "in memory; free some space there, or delete the cache with `tlgui cache clear`."
                                 ).format(root=self.root, reason=reason))
                else:
                    self._warn(_("Running without the feature cache in {root}: {reason}; "
                                 "features are computed in memory.").format(root=self.root, reason=reason))
                return fallback
            if strict:
                raise CacheUnavailableError(_(
                    "The feature cache in {root} is read-only: nothing in it can be changed or deleted."
                ).format(root=self.root))
            return fallback
        raise AssertionError("unreachable")

    def _reason(self, kind: _Trouble, exc: BaseException) -> str:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if kind is _Trouble.BUSY:
            return _("another program kept it locked for more than {seconds:g} s").format(
                seconds=self.busy_timeout_s)
        if kind is _Trouble.FULL:
            return str(exc) if isinstance(exc, _FileTrouble) else _("the disk is full")
        if kind is _Trouble.NEWER:
            return _("it was written by a newer version of tlgui")
        if kind is _Trouble.READ_ONLY:
            if isinstance(exc, _FileTrouble):
                return _("it cannot be written and holds no features yet")
            return _("it is read-only ({detail})").format(detail=detail)
        if kind is _Trouble.DAMAGED:
            return _("it reports damage that could not be confirmed or mended ({detail})").format(detail=detail)
        return detail

    def _warn(self, text: str) -> None:
        if text in self.warnings:
            return
        self.warnings.append(text)
        _log.warning(text)
        if self.on_warning is not None:
            self.on_warning(text)

    # ---- the file -----------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            not_a_file = self._not_a_file()
            if not_a_file is not None:
                raise _FileTrouble(_Trouble.OTHER, not_a_file)
            if not self._read_only and self._cannot_write():
                self._read_only = True
            if not self._read_only:
                self.root.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.root / _LOCK_NAME, self.busy_timeout_s, shared=True, required=False):
                self._conn = self._open_read_only() if self._read_only else self._open(self.path)
        return self._conn

    def _open(self, target: Path | str) -> sqlite3.Connection:
        """A prepared connection to the file (``target``: its path, or a URI naming it)."""
        # Which file this connection is on: damage found through it may only set aside that one.
        # Looked at before and after opening: another process may set the file aside and start a
        # new one in between, and this connection's damage must not be blamed on the new file.
        for attempt in range(_OPEN_ATTEMPTS):
            before = _identity(self.path)
            conn = sqlite3.connect(target, timeout=self.busy_timeout_s, isolation_level=None,
                                   check_same_thread=False, uri=isinstance(target, str))
            self._opened = _identity(self.path)
            if before == self._opened or attempt == _OPEN_ATTEMPTS - 1:
                break
            conn.close()
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """The file opened for reading only, for a folder, mount or file that cannot be written."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            raise _FileTrouble(_Trouble.READ_ONLY, "nothing stored")
        uri = f"{self.path.absolute().as_uri()}?mode=ro"
        try:
            return self._open(uri)
        except sqlite3.OperationalError as exc:
            # Reading a WAL database takes its shared index (-shm), which a read-only folder cannot
            # hold once the last writer has closed (and deleted it with the log): SQLite says it cannot
            # open the file (a read-only mount) or that its folder is read-only. With no log left, the
            # file alone is the database: read it as one that does not change. Should another user's
            # process write it meanwhile, the checksums turn what changed into misses.
            refused = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)
            if not refused or _file_size(self._companions()[0]):
                raise
            return self._open(uri + "&immutable=1")

    def _cannot_write(self) -> bool:
        """Whether this process may not write the cache's folder or its file (read-only mount, permissions).

        The system's answer, asked first; SQLite refusing a write (``_Trouble.READ_ONLY``) says it too.
        """
        if not self.root.is_dir():
            return False  # making it says whether it can be
        return not os.access(self.root, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK))

    def _not_a_file(self) -> str | None:
        """What is at one of the cache's file names that is no regular file (a pipe, a folder, a
        device), in words for the user; None when each is a file or absent. Asked before any of them
        is opened, by this code or by SQLite: ``os.stat`` never waits, opening a pipe does."""
        for path in (*self._database_files(), self.root / _LOCK_NAME):
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(mode):
                return _("{path} is {kind}").format(path=path, kind=describe_file_kind(mode))
        return None

    def _companions(self) -> list[Path]:
        """The write-ahead log first, then the shared index and the rollback journal."""
        return [self.root / (_DB_NAME + suffix) for suffix in _COMPANION_SUFFIXES]

    def _database_files(self) -> list[Path]:
        return [self.path, *self._companions()]

    def _give_space_back(self) -> None:
        """Empty the write-ahead log after a write failed for want of space (rolled back by then).

        SQLite keeps the log's file at its largest, failed writes included, even when closing: with
        another connection open, or when copying its pages into the database needs room the disk has
        not. Every commit is copied at once (see ``_prepare``), so emptying it needs no room. A
        courtesy, never waited for: the cache is given up either way.
        """
        if self._conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._conn.execute("PRAGMA busy_timeout=0")  # while another process reads, its log stays
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _check_room(self, nbytes: int) -> None:
        """Refuse, as a full disk would, a write that would leave less than the reserve free.

        A write takes its bytes twice: in the write-ahead log, then in the database when copied there.
        """
        try:
            disk = shutil.disk_usage(self.root)
        except FileNotFoundError:
            return  # the folder was deleted under the open file: the write says so, and the retry makes it
        reserve = min(_RESERVE_BYTES, int(disk.total * _RESERVE_SHARE))
        if disk.free - 2 * nbytes < reserve:
            raise _FileTrouble(_Trouble.FULL, _("its disk is nearly full (the cache leaves {reserve:.1f} MB free "
                                                "there)").format(reserve=reserve / 1e6))

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Text comes back as the stored bytes: that is what the checksum covers, and a damaged byte
        # can never fail to decode.
        conn.text_factory = bytes
        # A file is not trusted to run its own code (triggers, views) with side effects.
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("PRAGMA cell_size_check=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Each commit is copied into the database at once (SQLite's default waits for 4 MB of log):
        # the log then never holds what needs room to be emptied, which a full disk has not (see
        # _give_space_back), and a process that ends without closing leaves one write's worth behind.
        conn.execute("PRAGMA wal_autocheckpoint=1")
        state = _file_state(conn)
        if state == "empty" and self._read_only:
            raise _FileTrouble(_Trouble.READ_ONLY, "nothing stored")
        if state == "empty":
            with _write_transaction(conn):
                if _file_state(conn) == "empty":  # another process may have set it up meanwhile
                    for statement in _TABLES:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            state = _file_state(conn)
        if state == "newer":
            raise _FileTrouble(_Trouble.NEWER, "written by a newer version")
        if state != "ours":
            raise _FileTrouble(_Trouble.DAMAGED, "not a tlgui feature cache of this version")
        if not self._read_only and conn.execute("PRAGMA journal_mode").fetchone()[0] != b"wal":
            # Readers never wait for a writer. The mode is kept in the file, so when another process
            # holds it open now and the switch must wait, a later opening makes it.
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute("PRAGMA journal_mode=WAL")

    def _set_aside_if_damaged(self) -> bool:
        """Rename the file (and its WAL) aside if it is verified damaged; True if a new file may be tried.

        Never deletes: another process may still have the old file open, and renaming leaves its
        open handle working. Processes that found the same damage take turns (a lock file) and only
        rename the file they found damaged, never the new one that the first of them started.
        """
        try:
            with _file_lock(self.root / _LOCK_NAME, self.busy_timeout_s):
                if self._opened is None or _identity(self.path) != self._opened:
                    return True  # already set aside by another process: try the new file
                if not self._verified_damaged():
                    return False
                aside = self._unused_aside_name()
                self.path.rename(aside)
                for suffix in _COMPANION_SUFFIXES:
                    with contextlib.suppress(FileNotFoundError):
                        self.root.joinpath(_DB_NAME + suffix).rename(aside.with_name(aside.name + suffix))
        except (OSError, TimeoutError, FileLimitError):
            return False
        self._warn(_("The feature cache {path} was damaged; it was moved aside as {name} "
                     "and a new one was started.").format(path=self.path, name=aside.name))
        return True

    def _unused_aside_name(self) -> Path:
        """A name no earlier set-aside file has (renaming onto one would replace it)."""
        stem = f"{_DB_NAME}{_SET_ASIDE_MARK}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        for n in range(1000):
            aside = self.root / (stem if n == 0 else f"{stem}-{n}")
            if not any(aside.with_name(aside.name + suffix).exists() for suffix in ("", *_COMPANION_SUFFIXES)):
                return aside
        raise OSError(errno.EEXIST, "too many damaged files set aside", str(self.root))

    def _verified_damaged(self) -> bool:
        """A second look, read-only and from scratch: not SQLite, failing SQLite's own check, or not ours."""
        head = _header(self.path)[:len(_SQLITE_MAGIC)]
        if head != _SQLITE_MAGIC:
            return bool(head)  # an empty file is a database not yet set up
        try:
            conn = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True,
                                   timeout=self.busy_timeout_s)
        except sqlite3.Error:
            return False
        try:
            conn.text_factory = bytes
            conn.execute("PRAGMA trusted_schema=OFF")
            if conn.execute("PRAGMA quick_check(1)").fetchall() != [(b"ok",)]:
                return True
            return _file_state(conn) == "foreign"
        except sqlite3.DatabaseError as exc:
            return _trouble_of(exc) is _Trouble.DAMAGED
        finally:
            conn.close()

    def _old_files(self) -> list[Path]:
        old = [self.root / (name + suffix) for name in _OLD_DB_NAMES for suffix in ("", *_COMPANION_SUFFIXES)]
        if self.root.is_dir():
            old += sorted(self.root.glob(f"{_DB_NAME}{_SET_ASIDE_MARK}*"))
        return old

    # ---- the work -----------------------------------------------------------------------------
    def _select(self, conn, namespace: str, keys: list[str], expected: dict[str, str]) -> Iterator[tuple]:
        """Rows for ``keys`` whose sizes are within bounds (the bytes of others are never fetched)."""
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            sql = (f"SELECT key, dtype, shape, data, checksum FROM entries "
                   f"WHERE namespace=? AND key IN ({','.join('?' * len(chunk))}) AND typeof(data)='blob' "
                   f"AND length(data)<=? AND length(dtype)<=? AND length(shape)<=?")
            params = [namespace, *chunk, self.max_entry_bytes, _MAX_DTYPE_CHARS, _MAX_SHAPE_CHARS]
            for column, value in expected.items():
                sql += f" AND {column}=?"
                params.append(value)
            yield from conn.execute(sql, params).fetchall()

    def _read(self, conn, namespace: str, wanted: list[str], expected) -> tuple[dict[str, np.ndarray], list[str]]:
        found: dict[str, np.ndarray] = {}
        damaged: list[str] = []
        namespace_crc = _namespace_crc(namespace.encode())
        by_bytes = {key.encode(): key for key in wanted}
        for key_bytes, dtype, shape, data, checksum in self._select(conn, namespace, wanted, expected):
            key = by_bytes[key_bytes]  # it matched one of them
            array = _decode(namespace_crc, key_bytes, dtype, shape, data, checksum)
            if array is None:
                damaged.append(key)
            else:
                found[key] = array
        return found, damaged

    def _touch_and_drop(self, conn, namespace: str, used: list[str], damaged: list[str], expected) -> None:
        now = time.time()
        stale_before = now - _RECENCY_RESOLUTION_S
        chunks = [used[start : start + _CHUNK] for start in range(0, len(used), _CHUNK)]
        # Found without the write lock, so that a read of fresh entries never waits for a writer.
        stale = [chunk for chunk in chunks if conn.execute(
            f"SELECT 1 FROM usage WHERE namespace=? AND key IN ({','.join('?' * len(chunk))}) AND last_used<? LIMIT 1",
            [namespace, *chunk, stale_before],
        ).fetchone()]
        if not stale and not damaged:
            return
        with _write_transaction(conn):
            for chunk in stale:
                conn.execute(
                    f"UPDATE usage SET last_used=? WHERE namespace=? AND key IN ({','.join('?' * len(chunk))}) "
                    f"AND last_used<?",
                    [now, namespace, *chunk, stale_before],
                )
            # Only entries still damaged now that we hold the write lock: another process may have
            # rewritten one since we read it, and its row is not ours to delete.
            namespace_crc = _namespace_crc(namespace.encode())
            for key_bytes, dtype, shape, data, checksum in self._select(conn, namespace, damaged, expected):
                if _decode(namespace_crc, key_bytes, dtype, shape, data, checksum) is None:
                    key = key_bytes.decode()
                    conn.execute("DELETE FROM entries WHERE namespace=? AND key=?", (namespace, key))
                    conn.execute("DELETE FROM usage WHERE namespace=? AND key=?", (namespace, key))

    def _store(self, conn, entries: list[tuple], usage: list[tuple]) -> None:
        self._check_room(sum(len(entry[4]) for entry in entries))
        with _write_transaction(conn):
            conn.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?)", entries)
            conn.executemany("INSERT OR REPLACE INTO usage VALUES (?,?,?,?)", usage)
            self._evict(conn)

    def _evict(self, conn) -> None:
        total = conn.execute("SELECT coalesce(sum(nbytes), 0) FROM usage").fetchone()[0]
        if total <= self.max_bytes:
            return
        # Evict down to 90% of the bound so that every following put does not evict again.
        excess = total - int(self.max_bytes * 0.9)
        victims = freed = 0
        for (nbytes,) in conn.execute("SELECT nbytes FROM usage ORDER BY last_used, namespace, key"):
            victims += 1
            freed += nbytes
            if freed >= excess:
                break
        oldest = "SELECT namespace, key FROM usage ORDER BY last_used, namespace, key LIMIT ?"
        conn.execute(f"DELETE FROM entries WHERE (namespace, key) IN ({oldest})", (victims,))
        conn.execute(f"DELETE FROM usage WHERE (namespace, key) IN ({oldest})", (victims,))

    def _delete_all(self, conn) -> None:
        with _write_transaction(conn):
            conn.execute("DELETE FROM entries")
            conn.execute("DELETE FROM usage")
        # Giving the space back is a courtesy: the entries are gone whether or not it works now.
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# ---- helpers ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE: take the write lock first (waiting up to the busy timeout), then read and write."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def _file_lock(path: Path, timeout_s: float, *, shared: bool = False, required: bool = True) -> Iterator[None]:
    """An advisory lock between processes (POSIX); elsewhere renaming or deleting an open file fails anyway.

    Not ``required``: where the lock file cannot be made or opened (a read-only folder, a full
    disk), go on without it, as before it existed.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = open(path, "a+b")
    except OSError:
        try:
            handle = open(path, "rb")  # a shared lock needs no writing
        except OSError:
            if required:
                raise
            handle = None
    if handle is None:
        yield
        return
    with handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(_("{path} stayed locked").format(path=path)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _file_size(path: Path) -> int:
    """Bytes of a regular file; nothing for one that is absent, or no file (a folder's size is not ours)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def _header(path: Path) -> bytes:
    """The database file's first ``_HEADER_BYTES`` (fewer if it is shorter); FileLimitError unless it
    is a regular file, which is checked before opening it (a pipe would make the opening wait for ever)."""
    with open_regular(path, sys.maxsize) as handle:  # any size: only the header is read
        return handle.read(_HEADER_BYTES)


def _is_ours_or_empty(path: Path) -> bool:
    """Whether the file's header says it is a tlgui feature cache, or it has none yet (a file just made)."""
    header = _header(path)
    return not header or (header.startswith(_SQLITE_MAGIC) and len(header) == _HEADER_BYTES
                          and int.from_bytes(header[68:72], "big") == _APPLICATION_ID)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _file_state(conn: sqlite3.Connection) -> str:
    """"empty" (a new file), "ours" (this schema version), "newer" (a later version's) or "foreign".

    Read in one transaction: each statement on its own, a process could read the header before
    another one set up the new file and its tables after, and call a healthy file foreign (three
    processes finding one damaged file: one of them then ran without the cache).
    """
    if conn.in_transaction:
        return _read_file_state(conn)
    conn.execute("BEGIN")
    try:
        return _read_file_state(conn)
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")  # it only read


def _read_file_state(conn: sqlite3.Connection) -> str:
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    objects = set(conn.execute("SELECT type, name FROM sqlite_master LIMIT 4").fetchall())
    if application_id == 0 and version == 0 and not objects:
        return "empty"
    if application_id != _APPLICATION_ID:
        return "foreign"
    if version > SCHEMA_VERSION:
        return "newer"
    if version < SCHEMA_VERSION or objects != _SCHEMA_OBJECTS:
        return "foreign"
    if conn.execute("PRAGMA encoding").fetchone()[0] != b"UTF-8":
        return "foreign"
    for table, columns in _COLUMNS.items():
        if [row[1] for row in conn.execute(f"PRAGMA table_info({table})")] != columns:
            return "foreign"
    return "ours"


def _trouble_of(exc: BaseException) -> _Trouble:
    if isinstance(exc, _FileTrouble):
        return exc.kind
    if isinstance(exc, TimeoutError):  # the lock file, held past the busy timeout
        return _Trouble.BUSY
    if isinstance(exc, OSError):
        if exc.errno in _DISK_FULL_ERRNOS:
            return _Trouble.FULL
        return _Trouble.READ_ONLY if exc.errno in _READ_ONLY_ERRNOS else _Trouble.OTHER
    code = getattr(exc, "sqlite_errorcode", None) or 0
    if code == sqlite3.SQLITE_READONLY_DBMOVED:
        return _Trouble.MOVED
    return {
        sqlite3.SQLITE_READONLY: _Trouble.READ_ONLY,
        sqlite3.SQLITE_BUSY: _Trouble.BUSY,
        sqlite3.SQLITE_LOCKED: _Trouble.BUSY,
        sqlite3.SQLITE_FULL: _Trouble.FULL,
        sqlite3.SQLITE_CORRUPT: _Trouble.DAMAGED,
        sqlite3.SQLITE_NOTADB: _Trouble.DAMAGED,
    }.get(code & 0xFF, _Trouble.OTHER)


def _namespace_crc(namespace: bytes) -> int:
    """Where every entry's checksum of one namespace starts (computed once per call, not per row)."""
    return zlib.crc32(b"%d;%b" % (len(namespace), namespace))


def _checksum(namespace_crc: int, key: bytes, dtype: bytes, shape: bytes, data: bytes) -> int:
    """CRC32 over every stored field; lengths first, so that no two lists of fields give the same bytes."""
    header = b"%d,%d,%d;%b%b%b" % (len(key), len(dtype), len(shape), key, dtype, shape)
    return zlib.crc32(data, zlib.crc32(header, namespace_crc))


@functools.lru_cache(maxsize=32)
def _dtype_text(dtype: np.dtype) -> str:
    text = dtype.str
    if _parse_dtype(text.encode()) != dtype:
        raise TypeError(f"the feature cache stores plain numeric arrays, not {dtype}")
    return text


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) > _MAX_DIMS:
        raise ValueError(f"the feature cache stores arrays of at most {_MAX_DIMS} dimensions, not {len(shape)}")
    return ",".join(map(str, shape))


@functools.lru_cache(maxsize=64)
def _parse_dtype(text: bytes) -> np.dtype | None:
    if not _DTYPE_TEXT.fullmatch(text):
        return None
    try:
        return np.dtype(text.decode("ascii"))
    except TypeError:
        return None


@functools.lru_cache(maxsize=256)
def _layout(dtype_text: bytes, shape_text: bytes) -> tuple[np.dtype, tuple[int, ...], int] | None:
    """(dtype, shape, byte count) that a stored dtype and shape describe, or None if they are not valid."""
    dtype = _parse_dtype(dtype_text)
    if dtype is None or not _SHAPE_TEXT.fullmatch(shape_text):
        return None
    shape = tuple(int(dim) for dim in shape_text.split(b",")) if shape_text else ()
    return dtype, shape, math.prod(shape) * dtype.itemsize


def _decode(namespace_crc: int, key: bytes, dtype_text, shape_text, data, checksum) -> np.ndarray | None:
    """The array a row holds, or None if any of its fields is damaged."""
    try:
        if _checksum(namespace_crc, key, dtype_text, shape_text, data) != checksum:
            return None
        layout = _layout(dtype_text, shape_text)
    except TypeError:  # a field that is not bytes: only a damaged or foreign row has one
        return None
    if layout is None or layout[2] != len(data):
        return None
    return np.frombuffer(data, dtype=layout[0]).reshape(layout[1])
