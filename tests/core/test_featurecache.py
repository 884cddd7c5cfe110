"""The on-disk activation cache: round trips, damage, bounds, deletion."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pytest

from tlgui.core.training.feature_cache import FeatureCache


def _arrays(n: int, dim: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"img{i}:0": rng.standard_normal(dim).astype(np.float16) for i in range(n)}


def test_round_trip_keeps_values_dtype_and_shape(tmp_path):
    cache = FeatureCache(tmp_path)
    arrays = _arrays(5)
    arrays["map:0"] = np.arange(2 * 3 * 4, dtype=np.float16).reshape(2, 3, 4)
    cache.put_many("ns", arrays)
    got = cache.get_many("ns", list(arrays) + ["absent:0"])
    assert set(got) == set(arrays)
    for key, value in arrays.items():
        assert got[key].dtype == value.dtype and got[key].shape == value.shape
        np.testing.assert_array_equal(got[key], value)


def test_namespaces_are_separate_and_survive_reopen(tmp_path):
    FeatureCache(tmp_path).put_many("a", _arrays(3))
    reopened = FeatureCache(tmp_path)
    assert len(reopened.get_many("a", _arrays(3))) == 3
    assert reopened.get_many("b", _arrays(3)) == {}
    assert reopened.count("a") == 3 and reopened.count() == 3


def test_damaged_entry_is_dropped_not_trusted(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put_many("ns", _arrays(3))
    cache.close()
    conn = sqlite3.connect(tmp_path / "features.sqlite")
    blob = bytearray(conn.execute("SELECT data FROM entries WHERE key='img1:0'").fetchone()[0])
    blob[0] ^= 0xFF
    with conn:
        conn.execute("UPDATE entries SET data=? WHERE key='img1:0'", (bytes(blob),))
    conn.close()
    cache = FeatureCache(tmp_path)
    got = cache.get_many("ns", ["img0:0", "img1:0", "img2:0"])
    assert set(got) == {"img0:0", "img2:0"}
    assert cache.count("ns") == 2  # the damaged one is gone, to be recomputed


def test_corrupt_database_file_starts_over(tmp_path):
    (tmp_path / "features.sqlite").write_bytes(b"this is not a database" * 100)
    cache = FeatureCache(tmp_path)
    assert cache.get_many("ns", ["x:0"]) == {}
    cache.put_many("ns", _arrays(2))
    assert cache.count("ns") == 2


def test_cache_is_bounded_and_evicts_least_recently_used(tmp_path):
    one = 64 * 2  # 64 float16 values
    cache = FeatureCache(tmp_path, max_bytes=10 * one)
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
    assert (tmp_path / "here" / "features.sqlite").exists()
