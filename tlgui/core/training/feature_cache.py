"""On-disk cache of activations: the method's precompute trick.

When every layer below some boundary is frozen, what those layers compute for an image is a fixed
function of the image. We store it once, keyed by

    namespace = backbone + fingerprint of the frozen weights + preprocessing + boundary + view recipe
    key       = content digest of the image file + view number (0 = plain, k = k-th augmented view)

so retraining with other settings, or after adding a few photos, only computes what is missing.

Storage is one SQLite file: transactional (a crash never leaves half an entry behind), one file to
delete, and fast bulk reads. Every entry carries a CRC32; an entry whose bytes do not match is
deleted and recomputed, never trusted. The cache is bounded: least recently used entries are
evicted past ``max_bytes``. Deleting the folder at any time is safe.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

DEFAULT_MAX_BYTES = 4 * 1024**3
_DB_NAME = "features.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    dtype TEXT NOT NULL,
    shape TEXT NOT NULL,
    data BLOB NOT NULL,
    checksum INTEGER NOT NULL,
    nbytes INTEGER NOT NULL,
    last_used REAL NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_last_used ON entries(last_used);
"""
# SQLite's limit on bound parameters is 32766 in current builds; stay well under it.
_CHUNK = 900


def default_cache_dir() -> Path:
    """``$TLGUI_CACHE_DIR``, else the platform's user cache folder + tlgui/features."""
    env = os.environ.get("TLGUI_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "tlgui" / "features"


class FeatureCache:
    """A bounded, self-healing store of numpy arrays keyed by (namespace, key)."""

    def __init__(self, root: Path | str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    # ---- connection -------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.root / _DB_NAME

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError:
                # A damaged database file is only a cache: start over rather than fail the run.
                self._discard_files()
                self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        conn.execute("SELECT count(*) FROM entries LIMIT 1").fetchone()
        return conn

    def _discard_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (self.root / (_DB_NAME + suffix)).unlink()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> FeatureCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reads --------------------------------------------------------------------------------
    def get_many(self, namespace: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached arrays for those keys that are present and intact."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        damaged: list[str] = []
        with self._lock:
            conn = self._guarded_connect()
            if conn is None:
                return found
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                try:
                    rows = conn.execute(
                        f"SELECT key, dtype, shape, data, checksum FROM entries "
                        f"WHERE namespace=? AND key IN ({marks})",
                        [namespace, *chunk],
                    ).fetchall()
                except sqlite3.DatabaseError:
                    self._reset_locked()
                    return {}
                for key, dtype, shape, data, checksum in rows:
                    array = _decode(dtype, shape, data, checksum)
                    if array is None:
                        damaged.append(key)
                    else:
                        found[key] = array
            self._touch_and_drop(conn, namespace, list(found), damaged)
        return found

    def count(self, namespace: str | None = None) -> int:
        with self._lock:
            conn = self._guarded_connect()
            if conn is None:
                return 0
            if namespace is None:
                return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
            return conn.execute("SELECT count(*) FROM entries WHERE namespace=?", (namespace,)).fetchone()[0]

    def size_bytes(self) -> int:
        """Bytes of stored arrays (the database file is a little larger)."""
        with self._lock:
            conn = self._guarded_connect()
            if conn is None:
                return 0
            return int(conn.execute("SELECT coalesce(sum(nbytes), 0) FROM entries").fetchone()[0])

    # ---- writes -------------------------------------------------------------------------------
    def put_many(self, namespace: str, arrays: dict[str, np.ndarray]) -> None:
        """Store arrays (one transaction), then evict old entries if the cache is over its bound."""
        now = time.time()
        rows = []
        for key, array in arrays.items():
            array = np.ascontiguousarray(array)
            data = array.tobytes()
            rows.append(
                (namespace, key, array.dtype.str, ",".join(map(str, array.shape)), data,
                 zlib.crc32(data), len(data), now)
            )
        with self._lock:
            conn = self._guarded_connect()
            if conn is None:
                return
            try:
                with conn:
                    conn.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?)", rows)
                self._evict_locked(conn)
            except sqlite3.DatabaseError:
                self._reset_locked()

    def clear(self) -> None:
        """Forget everything (same as deleting the folder)."""
        with self._lock:
            self._reset_locked()

    # ---- internals ----------------------------------------------------------------------------
    def _guarded_connect(self) -> sqlite3.Connection | None:
        try:
            return self._connect()
        except (sqlite3.DatabaseError, OSError):
            return None

    def _reset_locked(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        self._discard_files()

    def _touch_and_drop(self, conn: sqlite3.Connection, namespace: str, used: list[str], damaged: list[str]) -> None:
        now = time.time()
        try:
            with conn:
                for start in range(0, len(used), _CHUNK):
                    chunk = used[start : start + _CHUNK]
                    conn.execute(
                        f"UPDATE entries SET last_used=? WHERE namespace=? AND key IN ({','.join('?' * len(chunk))})",
                        [now, namespace, *chunk],
                    )
                conn.executemany("DELETE FROM entries WHERE namespace=? AND key=?", [(namespace, k) for k in damaged])
        except sqlite3.DatabaseError:
            self._reset_locked()

    def _evict_locked(self, conn: sqlite3.Connection) -> None:
        total = conn.execute("SELECT coalesce(sum(nbytes), 0) FROM entries").fetchone()[0]
        if total <= self.max_bytes:
            return
        # Evict down to 90% of the bound so that every following put does not evict again.
        excess = total - int(self.max_bytes * 0.9)
        victims = []
        freed = 0
        for namespace, key, nbytes in conn.execute("SELECT namespace, key, nbytes FROM entries ORDER BY last_used"):
            victims.append((namespace, key))
            freed += nbytes
            if freed >= excess:
                break
        with conn:
            conn.executemany("DELETE FROM entries WHERE namespace=? AND key=?", victims)


def _decode(dtype: str, shape: str, data: bytes, checksum: int) -> np.ndarray | None:
    if zlib.crc32(data) != checksum:
        return None
    try:
        dims = tuple(int(x) for x in shape.split(",")) if shape else ()
        array = np.frombuffer(data, dtype=np.dtype(dtype))
        return array.reshape(dims)
    except (ValueError, TypeError):
        return None
