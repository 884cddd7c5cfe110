"""A disk that fills up, for the feature cache's tests: SQLite's own limit on a file's pages."""

from __future__ import annotations

import sqlite3

import tlgui.core.training.feature_cache as feature_cache

_real_connect = sqlite3.connect


def limit_growth(monkeypatch, extra_pages: int = 0) -> None:
    """Every connection the cache opens may grow its file by ``extra_pages`` pages: SQLite then
    answers SQLITE_FULL, as on a full disk (after the writes before it filled the write-ahead log)."""

    def connect(*args, **kwargs):
        conn = _real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages + extra_pages}")
        return conn

    monkeypatch.setattr(feature_cache.sqlite3, "connect", connect)
