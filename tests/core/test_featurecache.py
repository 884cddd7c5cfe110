"""The on-disk activation cache: round trips, damage, bounds, deletion, other processes, a full disk."""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from full_disk import limit_growth

import tlgui.core.training.feature_cache as feature_cache
from tlgui.core.training.feature_cache import CacheUnavailableError, FeatureCache

REPO = Path(__file__).resolve().parents[2]
_real_connect = sqlite3.connect


def _arrays(n: int, dim: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"img{i}:0": rng.standard_normal(dim).astype(np.float16) for i in range(n)}


def _raw(cache: FeatureCache) -> sqlite3.Connection:
    """A plain connection to the cache's file, as another program (or a disk fault) would have."""
    conn = _real_connect(cache.path, isolation_level=None)
    conn.text_factory = bytes
    return conn


def test_round_trip_keeps_values_dtype_and_shape(tmp_path):
    cache = FeatureCache(tmp_path)
    arrays = _arrays(5)
    arrays["map:0"] = np.arange(2 * 3 * 4, dtype=np.float16).reshape(2, 3, 4)
    arrays["scalar:0"] = np.float32(2.5)
    arrays["flags:0"] = np.array([[True, False]])
    arrays["strided:0"] = np.arange(20, dtype=np.int64)[::3]
    cache.put_many("ns", arrays)
    got = cache.get_many("ns", list(arrays) + ["absent:0"])
    assert set(got) == set(arrays)
    for key, value in arrays.items():
        value = np.asarray(value)
        assert got[key].dtype == value.dtype and got[key].shape == value.shape
        np.testing.assert_array_equal(got[key], value)
    assert cache.warnings == []


def test_namespaces_are_separate_and_survive_reopen(tmp_path):
    FeatureCache(tmp_path).put_many("a", _arrays(3))
    reopened = FeatureCache(tmp_path)
    assert len(reopened.get_many("a", _arrays(3))) == 3
    assert reopened.get_many("b", _arrays(3)) == {}
    assert reopened.count("a") == 3 and reopened.count() == 3


def test_only_plain_numeric_arrays_are_stored(tmp_path):
    cache = FeatureCache(tmp_path)
    with pytest.raises(TypeError, match="plain numeric"):
        cache.put_many("ns", {"x:0": np.array(["text"], dtype=object)})
    with pytest.raises(ValueError, match="at most 8 dimensions"):
        cache.put_many("ns", {"x:0": np.zeros((1,) * 9, np.float16)})


# ---- damaged entries --------------------------------------------------------------------------------
KEYS = ["5f0c3a9e:0", "c81d7be2:0", "3e6a90f4:1"]


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@pytest.mark.parametrize("field", ["key", "dtype", "shape", "data", "checksum"])
def test_every_one_bit_flip_in_any_field_drops_that_entry_alone(tmp_path, field):
    cache = FeatureCache(tmp_path)
    arrays = {key: np.full((2, 3), i, np.float16) for i, key in enumerate(KEYS)}
    cache.put_many("ns", arrays)
    raw = _raw(cache)
    if field == "checksum":
        bits = 32
    else:
        (stored,) = raw.execute(f"SELECT CAST({field} AS BLOB) FROM entries WHERE key=?", (KEYS[0],)).fetchone()
        bits = 8 * len(stored)
    for bit in range(bits):
        victim = KEYS[bit % len(KEYS)]
        asked = list(KEYS)
        if field == "checksum":
            (old,) = raw.execute("SELECT checksum FROM entries WHERE key=?", (victim,)).fetchone()
            raw.execute("UPDATE entries SET checksum=? WHERE key=?", (old ^ (1 << bit), victim))
        else:
            (old,) = raw.execute(f"SELECT CAST({field} AS BLOB) FROM entries WHERE key=?", (victim,)).fetchone()
            cast = "BLOB" if field == "data" else "TEXT"
            raw.execute(f"UPDATE entries SET {field}=CAST(? AS {cast}) WHERE key=?", (_flip(old, bit), victim))
            if field == "key":
                # The row now claims another key; when that key is a string one could ask for, ask.
                with contextlib.suppress(UnicodeDecodeError):
                    asked.append(_flip(old, bit).decode())

        got = cache.get_many("ns", asked)
        assert set(got) == set(KEYS) - {victim}, (field, bit)
        for key in got:
            np.testing.assert_array_equal(got[key], arrays[key])
        if field != "key" or len(asked) > len(KEYS):
            assert cache.count() == len(KEYS) - 1, (field, bit)  # the damaged row that was read is removed
        # What the caller does next: recompute the victim. (A row whose key became bytes no one can
        # ask for is never read; it stays until evicted. The test removes it to start the next flip clean.)
        raw.execute("DELETE FROM entries WHERE key NOT IN (?,?,?)", KEYS)
        cache.put_many("ns", {victim: arrays[victim]})
        assert set(cache.get_many("ns", KEYS)) == set(KEYS)
    raw.close()
    assert cache.warnings == []


def test_entries_of_another_shape_or_dtype_than_asked_count_as_missing(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", {"a:0": np.zeros(8, np.float16), "b:0": np.zeros(4, np.float16), "c:0": np.zeros(8, np.float32)})
    assert set(cache.get_many("ns", ["a:0", "b:0", "c:0"], dtype=np.float16, shape=(8,))) == {"a:0"}
    assert cache.count() == 3  # not damaged, only not what this caller wants: kept


def test_a_huge_or_hostile_row_is_never_loaded(tmp_path):
    cache = FeatureCache(tmp_path, max_entry_bytes=1024**2)
    cache.put_many("ns", _arrays(2))
    big = np.zeros(16 * 1024**2, np.uint8)
    # Another program (or a bigger bound) wrote a 16 MB entry with a valid checksum: this reader's bound wins.
    FeatureCache(tmp_path, max_entry_bytes=32 * 1024**2).put_many("ns", {"big:0": big})
    # A hostile row: a shape promising 10^9 values for 32 bytes, checksum made to match.
    ns_crc = feature_cache._namespace_crc(b"ns")
    checksum = feature_cache._checksum(ns_crc, b"liar:0", b"<f2", b"1000000000", bytes(32))
    with _raw(cache) as conn:
        conn.execute("INSERT INTO entries VALUES ('ns', 'liar:0', '<f2', '1000000000', ?, ?)", (bytes(32), checksum))
    conn.close()

    tracemalloc.start()
    try:
        got = cache.get_many("ns", ["img0:0", "img1:0", "big:0", "liar:0"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert set(got) == {"img0:0", "img1:0"}
    assert peak < 2 * 1024**2
    # The big one is not damaged, so it stays for readers that allow it; the liar is removed.
    assert cache.count() == 3


# ---- damaged, foreign, older and newer files --------------------------------------------------------
def _set_aside(root: Path) -> list[Path]:
    """Database files set aside (their -wal and -shm companions go with them)."""
    return sorted(p for p in root.glob("features-v2.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm")))


def test_a_file_that_is_not_sqlite_is_set_aside_not_deleted(tmp_path):
    junk = b"this is not a database" * 100
    (tmp_path / "features-v2.sqlite").write_bytes(junk)
    cache = FeatureCache(tmp_path)
    assert cache.get_many("ns", ["x:0"]) == {}
    cache.put_many("ns", _arrays(2))
    assert cache.count("ns") == 2
    (aside,) = _set_aside(tmp_path)
    assert aside.read_bytes() == junk
    assert len(cache.warnings) == 1 and "moved aside" in cache.warnings[0]


def test_each_damaged_file_set_aside_is_kept(tmp_path):
    for n in range(3):
        (tmp_path / "features-v2.sqlite").write_bytes(b"junk %d " % n * 100)
        with FeatureCache(tmp_path) as cache:
            cache.put_many("ns", _arrays(1))
    assert sorted(p.read_bytes()[:6] for p in _set_aside(tmp_path)) == [b"junk 0", b"junk 1", b"junk 2"]


def test_corrupt_pages_are_verified_then_the_file_is_set_aside(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(300, dim=64))
    cache.close()
    raw = bytearray(cache.path.read_bytes())
    page = 4096
    raw[page:] = np.random.default_rng(1).integers(0, 256, len(raw) - page, dtype=np.uint8).tobytes()
    cache.path.write_bytes(bytes(raw))

    cache = FeatureCache(tmp_path)
    assert cache.get_many("ns", list(_arrays(300))) == {}
    (aside,) = _set_aside(tmp_path)
    assert aside.read_bytes() == bytes(raw)
    cache.put_many("ns", _arrays(3))
    assert len(cache.get_many("ns", list(_arrays(3)))) == 3
    assert len(cache.warnings) == 1


WRITE_ROWS = """
import sys
import numpy as np
from tlgui.core.training.feature_cache import FeatureCache
cache = FeatureCache(sys.argv[1])
cache.put_many(sys.argv[2], {f"{sys.argv[2]}{i}:0": np.full(4, i, np.float16) for i in range(10)})
assert len(cache.warnings) <= 1, cache.warnings
"""


def test_processes_that_find_the_same_damaged_file_set_it_aside_once(tmp_path):
    (tmp_path / "features-v2.sqlite").write_bytes(b"not a database " * 500)
    writers = [subprocess.Popen([sys.executable, "-c", WRITE_ROWS, str(tmp_path), f"p{n}"], cwd=REPO)
               for n in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    # Whoever came second never set aside the first one's new file: every process's rows are there.
    cache = FeatureCache(tmp_path)
    assert {n: cache.count(f"p{n}") for n in range(3)} == {0: 10, 1: 10, 2: 10}
    assert len(_set_aside(tmp_path)) == 1


def test_another_programs_sqlite_file_is_set_aside_intact(tmp_path):
    with _real_connect(tmp_path / "features-v2.sqlite") as conn:
        conn.execute("CREATE TABLE entries (namespace, key, value)")
        conn.execute("INSERT INTO entries VALUES ('ns', 'x:0', 'theirs')")
    conn.close()
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(1))
    assert cache.count() == 1
    (aside,) = _set_aside(tmp_path)
    with _real_connect(aside) as conn:
        assert conn.execute("SELECT value FROM entries").fetchall() == [("theirs",)]
    conn.close()


def test_a_newer_versions_file_is_left_alone(tmp_path, caplog):
    path = tmp_path / "features-v2.sqlite"
    with _real_connect(path) as conn:
        conn.execute(f"PRAGMA application_id={feature_cache._APPLICATION_ID}")
        conn.execute("PRAGMA user_version=99")
        conn.execute("CREATE TABLE entries (anything)")
    conn.close()
    before = path.read_bytes()
    cache = FeatureCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger=feature_cache.__name__):
        assert cache.get_many("ns", ["x:0"]) == {}
        cache.put_many("ns", _arrays(2))
    assert path.read_bytes() == before and _set_aside(tmp_path) == []
    assert len(cache.warnings) == 1 and "newer version" in cache.warnings[0]
    assert [r.getMessage() for r in caplog.records] == cache.warnings
    with pytest.raises(CacheUnavailableError, match="newer version"):
        cache.count()


def test_an_older_versions_file_is_never_touched_and_clear_removes_it(tmp_path):
    old = tmp_path / "features.sqlite"
    with _real_connect(old) as conn:
        conn.execute("CREATE TABLE entries (namespace, key, dtype, shape, data, checksum, nbytes, last_used)")
    conn.close()
    before = old.read_bytes()
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(2))
    assert cache.count() == 2 and old.read_bytes() == before
    cache.clear()
    assert not old.exists() and cache.count() == 0


# ---- other processes and a full disk ----------------------------------------------------------------
HOLD_LOCK = """
import sqlite3, sys, time
import numpy as np
from tlgui.core.training.feature_cache import FeatureCache
with FeatureCache(sys.argv[1]) as cache:
    cache.put_many("theirs", {f"t{i}:0": np.full(4, i, np.float16) for i in range(5)})
conn = sqlite3.connect(cache.path, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


class OtherProcess:
    """A real second process: writes its own rows, then holds the write lock for ``hold_s``."""

    def __init__(self, root: Path, hold_s: float):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(root), str(hold_s)], cwd=REPO,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def end(self) -> None:
        self.proc.kill()
        self.proc.wait()


def test_a_lock_held_by_another_process_means_waiting_then_no_cache(tmp_path, monkeypatch):
    mine = FeatureCache(tmp_path, busy_timeout_s=0.3)
    mine.put_many("mine", _arrays(3))
    other = OtherProcess(tmp_path, hold_s=60)
    try:
        notes = []
        mine = FeatureCache(tmp_path, busy_timeout_s=0.3, on_warning=notes.append)
        # Readers never wait for a writer: what is there is still read.
        assert set(mine.get_many("mine", list(_arrays(3)))) == set(_arrays(3))
        assert notes == []
        # An hour later the read must record its use, which waits for the lock, then gives up
        # on recording; what it read is still returned.
        later = FeatureCache(tmp_path, busy_timeout_s=0.3)
        an_hour_later = time.time() + 3600
        monkeypatch.setattr(feature_cache.time, "time", lambda: an_hour_later)
        assert set(later.get_many("mine", list(_arrays(3)))) == set(_arrays(3))
        monkeypatch.undo()
        assert len(later.warnings) == 1
        t0 = time.perf_counter()
        mine.put_many("mine", _arrays(6, seed=1))
        assert time.perf_counter() - t0 >= 0.3  # it waited first
        assert len(notes) == 1 and "locked" in notes[0] and notes == mine.warnings
        # From then on this run goes without the cache, quietly.
        assert mine.get_many("mine", list(_arrays(3))) == {}
        mine.put_many("mine", _arrays(9, seed=2))
        assert len(notes) == 1
        with pytest.raises(CacheUnavailableError, match="locked"):
            mine.clear()
    finally:
        other.end()
    after = FeatureCache(tmp_path)
    assert after.count("theirs") == 5 and after.count("mine") == 3
    assert _set_aside(tmp_path) == []


def test_a_full_disk_means_one_warning_and_no_cache(tmp_path, monkeypatch):
    FeatureCache(tmp_path).put_many("theirs", _arrays(4))
    limit_growth(monkeypatch)
    cache = FeatureCache(tmp_path)
    for seed in range(3):
        cache.put_many("mine", _arrays(200, dim=256, seed=seed))
    assert len(cache.warnings) == 1 and "disk is full" in cache.warnings[0]
    assert "free some space" in cache.warnings[0] and "`tlgui cache clear`" in cache.warnings[0]  # what to do
    monkeypatch.undo()
    after = FeatureCache(tmp_path)
    assert after.count("theirs") == 4 and len(after.get_many("theirs", list(_arrays(4)))) == 4


def test_no_room_for_the_folder_means_one_warning_and_no_cache(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", no_space)
    cache = FeatureCache(tmp_path / "cache")
    assert not cache.holds("ns")
    assert cache.get_many("ns", ["a:0"]) == {}
    cache.put_many("ns", _arrays(2))
    assert len(cache.warnings) == 1 and "disk is full" in cache.warnings[0]


def test_holds_says_whether_a_namespace_has_entries(tmp_path):
    cache = FeatureCache(tmp_path)
    assert not cache.holds("ns")
    cache.put_many("ns", _arrays(1))
    assert cache.holds("ns") and not cache.holds("other")


# ---- bounds and deletion ----------------------------------------------------------------------------
def test_cache_is_bounded_and_evicts_least_recently_used(tmp_path, monkeypatch):
    one = 64 * 2  # 64 float16 values
    cache = FeatureCache(tmp_path, max_bytes=10 * one)
    clock = iter(range(1_000_000, 10_000_000, 3600))  # an hour between calls: every read counts
    monkeypatch.setattr(feature_cache.time, "time", lambda: next(clock))
    cache.put_many("ns", {f"old{i}:0": np.zeros(64, np.float16) for i in range(8)})
    cache.get_many("ns", ["old7:0"])  # recently used: must survive
    cache.put_many("ns", {f"new{i}:0": np.ones(64, np.float16) for i in range(6)})
    assert cache.size_bytes() <= 10 * one
    left = cache.get_many("ns", [f"old{i}:0" for i in range(8)] + [f"new{i}:0" for i in range(6)])
    assert "old7:0" in left and all(f"new{i}:0" in left for i in range(6))
    assert "old0:0" not in left


def test_deleting_the_folder_at_any_time_is_safe(tmp_path):
    root = tmp_path / "cache"
    cache = FeatureCache(root)
    cache.put_many("ns", _arrays(2))
    cache.close()
    shutil.rmtree(root)
    assert cache.get_many("ns", list(_arrays(2))) == {}
    cache.put_many("ns", _arrays(2))
    assert cache.count() == 2
    shutil.rmtree(root)  # this time while the file is open
    cache.put_many("ns", _arrays(3))
    assert cache.count() == 3 and cache.warnings == []


def test_clear_forgets_everything(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(5))
    (tmp_path / "features-v2.sqlite.damaged-20250101-000000-1").write_bytes(b"old junk")
    cache.clear()
    assert cache.count() == 0 and _set_aside(tmp_path) == []
    cache.put_many("ns", _arrays(1))
    assert cache.count() == 1


@pytest.mark.parametrize("n", [0, 1, 2000])
def test_many_keys_in_one_call(tmp_path, n):
    cache = FeatureCache(tmp_path)
    arrays = _arrays(n, dim=4)
    cache.put_many("ns", arrays)
    assert len(cache.get_many("ns", list(arrays))) == n


def test_env_var_chooses_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TLGUI_CACHE_DIR", str(tmp_path / "here"))
    cache = FeatureCache()
    cache.put_many("ns", _arrays(1))
    assert cache.path.parent == tmp_path / "here" and cache.path.exists()


# ---- a whole training run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    from photos import write_learnable_tree

    root = tmp_path_factory.mktemp("photos")
    write_learnable_tree(root, {"red": 8, "blue": 8})
    return root


def _train(photos: Path, cache: FeatureCache | None, bundled_network):
    from tlgui.core.data.bins import DataSet
    from tlgui.core.training.trainer import TrainConfig, train

    dataset = DataSet()
    dataset.add_folder(photos)
    return train(dataset, TrainConfig(epochs=2, freeze_level=0, seed=5), backbone=bundled_network, cache=cache)


@pytest.fixture(scope="module")
def healthy_run(photos, bundled_network, tmp_path_factory):
    return _train(photos, FeatureCache(tmp_path_factory.mktemp("healthy")), bundled_network)


@pytest.mark.slow
@pytest.mark.parametrize("trouble", ["locked", "full"])
def test_a_run_goes_on_without_the_cache_and_learns_the_same(trouble, photos, bundled_network, healthy_run,
                                                              tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path, busy_timeout_s=0.2)
    cache.put_many("theirs", _arrays(20, dim=256))
    other = OtherProcess(tmp_path, hold_s=120) if trouble == "locked" else None
    if trouble == "full":
        limit_growth(monkeypatch)
    try:
        cache = FeatureCache(tmp_path, busy_timeout_s=0.2)
        result = _train(photos, cache, bundled_network)
    finally:
        if other is not None:
            other.end()
        monkeypatch.undo()
    assert len(cache.warnings) == 1
    assert result.warnings == tuple(cache.warnings) and healthy_run.warnings == ()  # reaches the window/CLI
    assert [e.train_loss for e in result.history] == [e.train_loss for e in healthy_run.history]
    assert result.report.accuracy == healthy_run.report.accuracy
    survivors = FeatureCache(tmp_path)
    assert len(survivors.get_many("theirs", list(_arrays(20)))) == 20
