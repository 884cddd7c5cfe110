"""The feature cache where one of its files is no file: a pipe, a folder or a device at its name.

Opening a pipe for reading waits for a writer for ever, and SQLite writing into one waits for a
reader, so every call here runs in a thread that must finish within ``_LIMIT_S``: a hang fails the
test instead of stopping the run. Each trouble must be said once, naming the file and what it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import tlgui.core.training.feature_cache as feature_cache
from tlgui.core.training.feature_cache import CacheUnavailableError, FeatureCache

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pipes and device files are POSIX")

DB = feature_cache._DB_NAME
# Every file the cache opens by its name: the database, its companions SQLite opens, and the lock file.
NAMES = (DB, f"{DB}-wal", f"{DB}-shm", f"{DB}-journal", f"{DB}.lock")
# Far above what any of these calls takes (the busy timeout below is 1 s), far below a test run.
_LIMIT_S = 20.0


def _make_pipe(path: Path) -> None:
    os.mkfifo(path)


def _make_folder(path: Path) -> None:
    path.mkdir()


def _make_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # as /dev/null
    except PermissionError:
        pytest.skip("making a device file needs root")


# What each kind of file is made by, and the words that must name it.
KINDS = {
    "pipe": (_make_pipe, "a pipe (FIFO), not a file"),
    "folder": (_make_folder, "a folder"),
    "device": (_make_device, "a device, not a file"),
}


def _arrays(n: int) -> dict[str, np.ndarray]:
    return {f"img{i}:0": np.full(4, i, np.float16) for i in range(n)}


def _within_limit(call: Callable[[], object], special: Path) -> object:
    """``call()``'s result (or its exception), failing the test if it has not returned in ``_LIMIT_S``."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(_LIMIT_S)
    if thread.is_alive():
        _unblock(special)
        pytest.fail(f"the call was still waiting on {special} after {_LIMIT_S:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _unblock(special: Path) -> None:
    """Let a thread stuck on a pipe go on (best effort), so that it does not stay stuck past its test."""
    if not special.is_fifo():
        return
    for flags in (os.O_WRONLY, os.O_RDONLY):  # a reader waits for a writer; a writer for a reader
        with contextlib.suppress(OSError):
            fd = os.open(special, flags | os.O_NONBLOCK)
            with contextlib.suppress(OSError):
                while os.read(fd, 1 << 16) if flags == os.O_RDONLY else False:
                    pass
            os.close(fd)


def _with_special_file(root: Path, name: str, kind: str) -> Path:
    """A cache holding three entries (when ``name`` is a companion), and ``kind`` at ``name``."""
    if name != DB:
        with FeatureCache(root) as cache:
            cache.put_many("ns", _arrays(3))
    special = root / name
    special.unlink(missing_ok=True)  # the lock file, which a cache never deletes
    KINDS[kind][0](special)
    return special


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_a_cache_file_that_is_no_file_means_one_warning_and_no_cache(tmp_path, name, kind):
    special = _with_special_file(tmp_path, name, kind)
    cache = FeatureCache(tmp_path, busy_timeout_s=1)

    def use() -> dict:
        cache.put_many("ns", _arrays(5))
        return cache.get_many("ns", list(_arrays(5)))

    assert _within_limit(use, special) == {}
    assert len(cache.warnings) == 1, cache.warnings
    assert f"{special} is {KINDS[kind][1]}" in cache.warnings[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_info_names_a_cache_file_that_is_no_file(tmp_path, name, kind):
    special = _with_special_file(tmp_path, name, kind)
    with pytest.raises(CacheUnavailableError) as raised:
        _within_limit(FeatureCache(tmp_path, busy_timeout_s=1).info, special)
    assert f"{special} is {KINDS[kind][1]}" in str(raised.value)
    assert "disk I/O error" not in str(raised.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_clear_names_a_cache_file_that_is_no_file_and_leaves_it(tmp_path, name, kind):
    special = _with_special_file(tmp_path, name, kind)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(CacheUnavailableError, match="cannot be cleared") as raised:
        _within_limit(FeatureCache(tmp_path, busy_timeout_s=1).clear, special)
    assert f"{special} is {KINDS[kind][1]}" in str(raised.value)
    # Not the cache's to delete: the user sees what it is and where, and decides.
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if name != DB:
        _unblock(special)
        special.rmdir() if special.is_dir() else special.unlink()
        assert FeatureCache(tmp_path).count("ns") == 3  # what the cache held is intact
