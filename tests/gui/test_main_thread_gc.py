"""Cycles are collected on the GUI thread only, whichever thread allocates."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from pathlib import Path

from tlgui.gui import app as app_module
from tlgui.gui.main_thread_gc import collect_on_gui_thread


class _Node:
    """A container that can sit in a reference cycle."""


def _cycle_reporting_to(seen: list) -> None:
    node = _Node()
    node.self = node
    weakref.finalize(node, lambda: seen.append(threading.current_thread()))


def test_the_application_turns_automatic_collection_off(qapp, monkeypatch):
    monkeypatch.setattr(app_module, "window_language", lambda: "en")  # whatever this machine speaks
    assert app_module.make_application([]) is qapp
    assert collect_on_gui_thread(qapp) is collect_on_gui_thread(qapp)
    assert not gc.isenabled()


def test_a_worker_that_allocates_does_not_collect_the_windows_cycles(qapp, qtbot):
    collect_on_gui_thread(qapp)
    seen: list[threading.Thread] = []
    _cycle_reporting_to(seen)
    kept: list[list] = []

    def allocate() -> None:
        # Far past every threshold: with automatic collection this thread would collect the cycle.
        kept.append([[] for _ in range(100_000)])

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert seen == []
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [threading.main_thread()]


def _past_the_young_threshold(collector) -> list[list]:
    # Well past it: objects another thread frees meanwhile count against the young generation.
    return [[] for _ in range(10 * collector.thresholds[0])]


def _young_collections_before_the_middle_one(collector, kept: list) -> int:
    before = collector.collections[1]
    young = 0
    while collector.collections[1] == before and young <= 4 * collector.thresholds[1]:
        kept.append(_past_the_young_threshold(collector))
        collector.collect_due()
        young += 1
    return young - 1


def _drive_oldest_count_past_its_threshold(collector) -> None:
    for _ in range(collector.thresholds[2] + 1):
        gc.collect(1)  # each collection of the middle generation counts one for the oldest
    for _ in range(collector.thresholds[1] + 1):
        gc.collect(0)


def test_each_generation_is_collected_when_cpython_would(qapp):
    collector = collect_on_gui_thread(qapp)
    gc.collect()
    kept: list[list] = []
    young_before = collector.collections[0]
    # CPython: the middle generation once the young one was collected more than threshold[1] times.
    assert _young_collections_before_the_middle_one(collector, kept) == collector.thresholds[1] + 1
    assert collector.collections[0] - young_before == collector.thresholds[1] + 1
    assert gc.get_count()[1] == 0  # the middle generation was just collected

    # The oldest: only once the objects that reached it grew by a quarter since its last collection.
    _drive_oldest_count_past_its_threshold(collector)
    kept.append(_past_the_young_threshold(collector))
    collector.collect_due()
    full = collector.collections[2]
    _drive_oldest_count_past_its_threshold(collector)
    kept.append(_past_the_young_threshold(collector))
    collector.collect_due()
    assert collector.collections[2] == full, "a full collection with nothing new in the oldest generation"
    grown = [[] for _ in range(len(gc.get_objects(generation=2)))]
    gc.collect(1)
    gc.collect(1)  # `grown` is in the oldest generation now
    _drive_oldest_count_past_its_threshold(collector)
    kept.append(_past_the_young_threshold(collector))
    collector.collect_due()
    assert collector.collections[2] == full + 1
    assert grown and kept


def test_the_data_pages_edits_survive_a_collection_between_each_test():
    """Projects left by each test of the Data page, their undo stacks full of edits, collected whole
    between tests. Before the controller emptied its stack on the way out, this crashed the process
    (a segfault in QUndoStack::clear) within the first 35 tests, in every run."""
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tests), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "collect_between_tests", "-p", "no:cacheprovider",
         str(tests / "test_data_page.py")],
        cwd=tests.parent.parent, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_a_thumbnail_loader_collected_with_decodes_queued_ends_cleanly(qapp, tmp_path):
    """The pool owns what it has queued; a loader dropped with work pending (no shutdown) is
    collected whole, its queue deleted by the pool, nothing left half freed."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import imagegen

    from tlgui.gui.widgets.thumbnails import ThumbnailLoader

    paths = [imagegen.write_image(tmp_path / f"p{i}.png", i, size=(64, 48)) for i in range(40)]
    for _ in range(5):
        loader = ThumbnailLoader(max_threads=1)
        loader.cycle = loader  # collected with a cycle, as a page's would be
        for path in paths:
            loader.request(path)
        qapp.processEvents()  # the decodes are handed to the pool
        assert loader.pending() > 0
        del loader
        gc.collect()
