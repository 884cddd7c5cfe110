"""The feature cache against its disk: full (clearing it must still work), read-only, and its size on it.

A full disk and a read-only mount are simulated through ``sqlite3.connect`` (SQLite's own answers:
SQLITE_FULL, a read-only connection, SQLITE_CANTOPEN), and a nearly full one through
``shutil.disk_usage``, so the tests need no mounts and no root; the module docstring says why
``clear`` may delete files, and when it must not.
"""

from __future__ import annotations

import collections
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from full_disk import limit_growth

import tlgui.core.training.feature_cache as feature_cache
from tlgui.core.training.feature_cache import CacheUnavailableError, FeatureCache

REPO = Path(__file__).resolve().parents[2]
_real_connect = sqlite3.connect
_real_access = os.access
DB = feature_cache._DB_NAME


def _arrays(n: int, dim: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"img{i}:0": rng.standard_normal(dim).astype(np.float16) for i in range(n)}


def _sqlite_error(kind: type[sqlite3.Error], code: int, message: str) -> sqlite3.Error:
    error = kind(message)
    error.sqlite_errorcode = code
    return error


# ---- a full disk ------------------------------------------------------------------------------------
_WRITING = ("INSERT", "UPDATE", "DELETE", "REPLACE", "VACUUM", "CREATE")


class _OnAFullDisk(sqlite3.Connection):
    """Every statement that writes pages fails as on a full disk; reads, locks and file deletion work."""

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith(_WRITING):
            raise _sqlite_error(sqlite3.OperationalError, sqlite3.SQLITE_FULL, "database or disk is full")
        return super().execute(sql, *args)

    def executemany(self, sql, *args):
        return self.execute(sql) if sql.lstrip().upper().startswith(_WRITING) else super().executemany(sql, *args)


def _fill_the_disk(monkeypatch) -> None:
    monkeypatch.setattr(feature_cache.sqlite3, "connect",
                        lambda *args, **kwargs: _real_connect(*args, factory=_OnAFullDisk, **kwargs))


LEAVE_A_LOG = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("UPDATE usage SET last_used=last_used+1")
os._exit(0)  # as a process killed mid-run: its write-ahead log and index stay behind
"""


def _cache_with_a_log(root: Path, n: int = 20) -> None:
    with FeatureCache(root) as cache:
        cache.put_many("ns", _arrays(n, dim=256))
    subprocess.run([sys.executable, "-c", LEAVE_A_LOG, str(root / DB)], check=True, timeout=60)
    assert (root / f"{DB}-wal").stat().st_size > 0


def test_clear_on_a_full_disk_deletes_the_cache_files_and_no_other(tmp_path, monkeypatch):
    _cache_with_a_log(tmp_path)
    (tmp_path / "notes.txt").write_text("the user's, not the cache's")
    (tmp_path / f"{DB}.damaged-20250101-000000-1").write_bytes(b"set aside earlier")
    _fill_the_disk(monkeypatch)
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(5, seed=1))
    assert len(cache.warnings) == 1 and "the disk is full" in cache.warnings[0]

    cache.clear()  # deleting rows needs room in the log: the files go instead

    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{DB}.lock", "notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "the user's, not the cache's"
    monkeypatch.undo()
    assert cache.count() == 0 and cache.warnings == [cache.warnings[0]]
    cache.put_many("ns", _arrays(3))
    assert len(cache.get_many("ns", list(_arrays(3)))) == 3


def test_a_full_disk_gets_back_the_room_the_log_took(tmp_path, monkeypatch):
    FeatureCache(tmp_path).put_many("theirs", _arrays(4))
    other = FeatureCache(tmp_path)  # a window that has the file open: closing ours then empties no log
    assert other.count() == 4
    limit_growth(monkeypatch, extra_pages=40)
    cache = FeatureCache(tmp_path)
    batches = [_arrays(20, dim=256, seed=seed) for seed in range(30)]  # about 3 pages each
    for seed, arrays in enumerate(batches):
        cache.put_many(f"mine{seed}", arrays)
    assert len(cache.warnings) == 1 and "the disk is full" in cache.warnings[0]

    assert (tmp_path / f"{DB}-wal").stat().st_size == 0  # what the failed write took, given back
    monkeypatch.undo()
    assert other.count() > 4 + 20  # what was written before stays, and is read
    assert len(other.get_many("mine0", list(batches[0]), dtype=np.float16, shape=(256,))) == 20
    assert other.warnings == []


def test_what_is_stored_is_copied_into_the_database_at_once(tmp_path):
    other = FeatureCache(tmp_path)  # a window that has the file open: closing ours then copies nothing
    assert other.count() == 0
    arrays = _arrays(200, dim=256)
    FeatureCache(tmp_path).put_many("ns", arrays)
    # Not left in the write-ahead log, where emptying it would need that room again on the disk.
    assert (tmp_path / DB).stat().st_size > sum(a.nbytes for a in arrays.values())
    assert other.count() == 200


_DiskUsage = collections.namedtuple("_DiskUsage", "total used free")


@pytest.mark.parametrize(("total", "reserve_mb"), [(100 * 1024**3, "1073.7"), (5 * 1024**2, "0.3")])
def test_the_cache_stops_growing_before_its_disk_is_full(tmp_path, monkeypatch, total, reserve_mb):
    reserve = min(1024**3, total // 20)  # 1 GiB, or 5% of a small disk
    free = {"bytes": reserve + 1024**2}
    monkeypatch.setattr(shutil, "disk_usage", lambda path: _DiskUsage(total, total - free["bytes"], free["bytes"]))
    cache = FeatureCache(tmp_path)
    first, second = _arrays(200, dim=256, seed=1), _arrays(200, dim=256, seed=2)  # 100 KB each
    cache.put_many("first", first)
    free["bytes"] = reserve + 150 * 1024  # room for the second, but not twice (log, then database)
    cache.put_many("second", second)
    cache.put_many("second", second)

    assert len(cache.warnings) == 1, cache.warnings
    assert f"its disk is nearly full (the cache leaves {reserve_mb} MB free there)" in cache.warnings[0]
    assert "free some space" in cache.warnings[0] and "`tlgui cache clear`" in cache.warnings[0]
    monkeypatch.undo()
    after = FeatureCache(tmp_path)
    assert after.count("second") == 0 and len(after.get_many("first", list(first))) == 200


HOLD_OPEN = """
import sys, time
from tlgui.core.training.feature_cache import FeatureCache
cache = FeatureCache(sys.argv[1])
print(cache.count(), flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_clear_on_a_full_disk_leaves_the_files_another_process_has_open(tmp_path, monkeypatch):
    _cache_with_a_log(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    other = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(tmp_path), "60"], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "20"
        _fill_the_disk(monkeypatch)
        with pytest.raises(CacheUnavailableError, match="the disk is full and another program"):
            FeatureCache(tmp_path, busy_timeout_s=0.2).clear()
        # Deleting them would free nothing while that process has them open, and leave it on deleted files.
        assert sorted(p.name for p in tmp_path.iterdir()) == before
    finally:
        other.kill()
        other.wait()
    monkeypatch.undo()
    assert FeatureCache(tmp_path).count() == 20


def test_clear_deletes_rows_under_a_connection_that_has_the_file_open(tmp_path):
    holder = FeatureCache(tmp_path)
    holder.put_many("ns", _arrays(4))
    inode = (tmp_path / DB).stat().st_ino
    FeatureCache(tmp_path).clear()
    assert (tmp_path / DB).stat().st_ino == inode  # the same file, emptied
    assert holder.get_many("ns", list(_arrays(4))) == {}
    holder.put_many("ns", _arrays(2))
    assert FeatureCache(tmp_path).count() == 2 and holder.warnings == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")
def test_no_process_opens_the_file_while_another_deletes_it(tmp_path):
    import fcntl

    FeatureCache(tmp_path).put_many("ns", _arrays(2))
    with open(tmp_path / f"{DB}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as clear holds it while deleting the files
        waiting = FeatureCache(tmp_path, busy_timeout_s=0.2)
        assert waiting.get_many("ns", list(_arrays(2))) == {}
        assert len(waiting.warnings) == 1 and "locked" in waiting.warnings[0]
    assert len(FeatureCache(tmp_path).get_many("ns", list(_arrays(2)))) == 2


# ---- its size on disk -------------------------------------------------------------------------------
def test_info_counts_the_bytes_of_every_file_the_cache_keeps(tmp_path):
    arrays = _arrays(30, dim=512)
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", arrays)
    (tmp_path / "features.sqlite").write_bytes(b"an older version's file" * 10)
    (tmp_path / f"{DB}.damaged-20250101-000000-1").write_bytes(b"set aside" * 10)
    (tmp_path / "notes.txt").write_bytes(b"not the cache's" * 1000)

    info = cache.info()

    files = [tmp_path / name for name in (DB, f"{DB}-wal", f"{DB}-shm", "features.sqlite",
                                          f"{DB}.damaged-20250101-000000-1")]
    assert info.entries == 30
    assert info.feature_bytes == sum(a.nbytes for a in arrays.values()) == cache.size_bytes()
    assert info.disk_bytes == sum(p.stat().st_size for p in files if p.exists())
    assert info.disk_bytes > info.feature_bytes + (tmp_path / f"{DB}-wal").stat().st_size


def test_info_of_a_folder_without_a_cache_makes_none(tmp_path):
    info = FeatureCache(tmp_path).info()
    assert (info.entries, info.feature_bytes, info.disk_bytes) == (0, 0, 0)
    assert list(tmp_path.iterdir()) == []


# ---- a read-only folder -----------------------------------------------------------------------------
def _make_read_only(monkeypatch, root: Path, how: str) -> None:
    """The cache's folder as this process meets it when it cannot be written.

    "file": SQLite can only read the file, and nothing else says so (the system's access check says
    it may be written). "mount" and "folder": the folder is read-only too, so SQLite cannot make the
    shared index (-shm) that reading a WAL database takes, when the last writer took it away on
    closing; it says so as it does on a read-only mount (SQLITE_CANTOPEN) or in a folder without
    write permission (SQLITE_READONLY_DIRECTORY).
    """
    prefix = str(root.absolute())

    def connect(database, *args, uri=False, **kwargs):
        path = database.split("?")[0].removeprefix("file://") if uri else str(database)
        if not path.startswith(prefix):
            return _real_connect(database, *args, uri=uri, **kwargs)
        query = database.split("?")[1] if uri and "?" in database else ""
        options = [option for option in query.split("&") if option and not option.startswith("mode=")]
        if how == "mount" and "immutable=1" not in options and not Path(f"{path}-shm").exists():
            raise _sqlite_error(sqlite3.OperationalError, sqlite3.SQLITE_CANTOPEN, "unable to open database file")
        if how == "folder" and "immutable=1" not in options and not Path(f"{path}-shm").exists():
            raise _sqlite_error(sqlite3.OperationalError, sqlite3.SQLITE_READONLY_DIRECTORY,
                                "attempt to write a readonly database")
        target = f"{Path(path).as_uri()}?{'&'.join(['mode=ro', *options])}"
        return _real_connect(target, *args, uri=True, **kwargs)

    def access(path, mode, *args, **kwargs):
        if how != "file" and mode & os.W_OK and str(Path(path).absolute()).startswith(prefix):
            return False
        return _real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(feature_cache.sqlite3, "connect", connect)
    monkeypatch.setattr(feature_cache.os, "access", access)


@pytest.mark.parametrize("how", ["file", "mount", "folder"])
def test_a_cache_that_cannot_be_written_is_still_read(tmp_path, monkeypatch, how):
    stored = _arrays(6)
    with FeatureCache(tmp_path) as cache:
        cache.put_many("ns", stored)
    files_before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _make_read_only(monkeypatch, tmp_path, how)
    an_hour_later = feature_cache.time.time() + 3600  # a read would record its use, were it writable
    monkeypatch.setattr(feature_cache.time, "time", lambda: an_hour_later)

    cache = FeatureCache(tmp_path)
    assert set(cache.get_many("ns", list(stored))) == set(stored)
    assert cache.warnings == []  # nothing lost yet: nothing said
    new = _arrays(3, seed=7)
    new = {f"new{key}": value for key, value in new.items()}
    cache.put_many("ns", new)
    got = cache.get_many("ns", [*stored, *new])

    assert set(got) == set(stored)
    for key, value in stored.items():
        np.testing.assert_array_equal(got[key], value)
    assert len(cache.warnings) == 1 and "read-only" in cache.warnings[0] and "without being kept" in cache.warnings[0]
    assert cache.count() == 6 and cache.info().entries == 6
    with pytest.raises(CacheUnavailableError, match="read-only"):
        cache.clear()
    cache.close()
    monkeypatch.undo()
    # SQLite may leave an empty log and index beside a file it only read; nothing else changed.
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))} == files_before


def test_a_read_only_folder_without_a_cache_means_one_warning(tmp_path, monkeypatch):
    _make_read_only(monkeypatch, tmp_path, "mount")
    cache = FeatureCache(tmp_path)
    assert cache.get_many("ns", ["a:0"]) == {}
    cache.put_many("ns", _arrays(2))
    assert len(cache.warnings) == 1 and "cannot be written and holds no features yet" in cache.warnings[0]
    assert not (tmp_path / DB).exists()


def test_a_folder_that_cannot_be_made_means_one_warning(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refused)
    cache = FeatureCache(tmp_path / "cache")
    assert cache.get_many("ns", ["a:0"]) == {}
    cache.put_many("ns", _arrays(2))
    assert len(cache.warnings) == 1 and "cannot be written" in cache.warnings[0]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="permissions bind neither root nor Windows")
def test_a_folder_without_write_permission_is_read(tmp_path):
    stored = _arrays(4)
    with FeatureCache(tmp_path / "cache") as cache:
        cache.put_many("ns", stored)
    (tmp_path / "cache").chmod(0o555)
    try:
        cache = FeatureCache(tmp_path / "cache")
        assert set(cache.get_many("ns", list(stored))) == set(stored)
        cache.put_many("ns", _arrays(2, seed=3))
        assert len(cache.warnings) == 1 and "read-only" in cache.warnings[0]
    finally:
        (tmp_path / "cache").chmod(0o755)


def test_training_and_its_estimate_close_the_users_cache_leaving_no_log(tmp_path, monkeypatch, bundled_network):
    # Each opened the user's cache and never closed it: its write-ahead log (and, on a full disk, the
    # pages it could not copy back) stayed beside the database until the process ended.
    from photos import write_learnable_tree

    from tlgui.core.data.bins import DataSet
    from tlgui.core.plan import estimate
    from tlgui.core.training.config import TrainConfig
    from tlgui.core.training.trainer import train

    monkeypatch.setenv("TLGUI_CACHE_DIR", str(tmp_path / "cache"))
    write_learnable_tree(tmp_path / "photos", {"red": 6, "blue": 6})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    config = TrainConfig(epochs=1, freeze_level=0)
    train(dataset, config, backbone=bundled_network)
    database = FeatureCache(tmp_path / "cache").path
    assert database.is_file() and not database.with_name(database.name + "-wal").exists()
    database.unlink()
    names = tuple(bundled_network.stage_names)
    monkeypatch.setattr(estimate, "network_speed", lambda *a, **k: (
        estimate.NetworkSpeed(names, (0.01,) * len(names), (0.03,) * len(names), 0.001, 0.05), False))
    estimate.estimate_plan(dataset, config, bundled_network)
    assert not database.with_name(database.name + "-wal").exists()
