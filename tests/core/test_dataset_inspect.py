"""Reading many files: what is read, what is skipped and why, progress, cancel, threads."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from tlgui.core.data import inspect as inspect_module
from tlgui.core.data.bins import DataSet, SkippedFile
from tlgui.core.errors import Cancelled, DataError
from tlgui.core.progress import CancelToken, ProgressEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402


def _names(items) -> list[str]:
    return sorted(item.path.name for item in items)


def _reasons(skipped: list[SkippedFile]) -> dict[str, str]:
    return {s.path.name: s.reason for s in skipped}


# ---- what is read, what is skipped ---------------------------------------------------------------------


def _folder_with_bad_files(root: Path) -> Path:
    cls = root / "photos"
    imagegen.write_image(cls / "good.jpg", 1)
    imagegen.write_zero_byte(cls / "empty.jpg")
    imagegen.write_truncated(cls / "cut.jpg")
    imagegen.write_png_without_iend(cls / "noend.png")
    imagegen.write_text_as_image(cls / "text.jpg")
    imagegen.write_bomb(cls / "bomb.png")
    imagegen.write_fake_heic(cls / "iphone.heic")
    imagegen.write_image(cls / "._good.jpg", 2)  # macOS metadata beside the real photo
    imagegen.write_bytes(cls / "notes.txt", b"hello")
    imagegen.write_bytes(cls / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    imagegen.write_bytes(cls / "Thumbs.db", b"\xd0\xcf\x11\xe0")
    imagegen.write_image(cls / ".thumbnails" / "t.jpg", 3)  # a hidden folder
    return cls


def test_bad_files_are_listed_with_reasons_and_others_ignored(tmp_path):
    ds = DataSet()
    report = ds.add_folder(_folder_with_bad_files(tmp_path))
    assert _names(ds.items()) == ["good.jpg"]
    assert _reasons(report.skipped) == {
        "empty.jpg": "empty file (0 bytes)",
        "cut.jpg": "truncated file",
        "noend.png": "truncated file",
        "text.jpg": "not an image",
        "bomb.png": "image too large (3,600,000,000 pixels; at most 89,478,485)",
        "iphone.heic": "unsupported format (HEIC)",
        "._good.jpg": "macOS metadata file, not a photo",
    }
    assert ds.skipped == report.skipped
    assert report.summary() == "Added 1 photo; new classes: photos; 7 files skipped."


def test_a_folder_of_only_bad_files_makes_no_empty_class(tmp_path):
    imagegen.write_class_tree(tmp_path / "set", {"good": 1})
    imagegen.write_zero_byte(tmp_path / "set" / "bad" / "x.jpg")
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.class_names == ["good"] and len(report.skipped) == 1


def test_file_vanishing_between_listing_and_reading(tmp_path, monkeypatch):
    paths = imagegen.write_class_tree(tmp_path / "set", {"a": 3})
    doomed = paths["a"][1]
    real_inspect = inspect_module.inspect_image

    def inspect_after_delete(path):
        if Path(path) == doomed:
            doomed.unlink()
        return real_inspect(path)

    monkeypatch.setattr(inspect_module, "inspect_image", inspect_after_delete)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.count("a") == 2
    assert report.skipped == [SkippedFile(doomed, "file not found (moved or deleted?)")]


def test_permission_denied_is_listed(tmp_path, monkeypatch):
    paths = imagegen.write_class_tree(tmp_path / "set", {"a": 2})
    locked = paths["a"][0]
    real_open = os.open

    def guarded_open(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # Tests run as root, for whom chmod 000 changes nothing, so the refusal is simulated.
    monkeypatch.setattr(os, "open", guarded_open)
    report = DataSet().add_folder(tmp_path / "set")
    assert _reasons(report.skipped) == {locked.name: "permission denied"}


def test_any_exception_from_one_file_is_contained(tmp_path, monkeypatch):
    imagegen.write_class_tree(tmp_path / "set", {"a": 2})

    def explode(path):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(inspect_module, "inspect_image", explode)
    report = DataSet().add_folder(tmp_path / "set")
    assert [s.reason for s in report.skipped] == ["cannot read (RuntimeError)"] * 2


def test_fixed_file_leaves_the_skipped_list(tmp_path):
    bad = imagegen.write_zero_byte(tmp_path / "set" / "x.jpg")
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert len(ds.skipped) == 1
    imagegen.write_image(bad, 5)
    ds.add_folder(tmp_path / "set")
    assert ds.skipped == [] and ds.count("set") == 1


def test_add_files_to_a_named_class(tmp_path):
    a = imagegen.write_image(tmp_path / "a.png", 1)
    no_suffix = imagegen.save(imagegen.solid((4, 4), (9, 9, 9)), tmp_path / "photo", format="JPEG")
    text = imagegen.write_bytes(tmp_path / "readme.txt", b"words")
    folder = imagegen.write_class_tree(tmp_path / "more", {"x": 2}, start_index=20)
    ds = DataSet()
    report = ds.add_files("  owls ", [a, no_suffix, text, tmp_path / "more", tmp_path / "missing.jpg"])
    assert ds.class_names == ["owls"] and report.created == ["owls"]
    assert set(_names(ds.items("owls"))) == {"a.png", "photo", *(p.name for p in folder["x"])}
    assert _reasons(report.skipped) == {
        "readme.txt": "not an image",
        "missing.jpg": "file not found (moved or deleted?)",
    }


def test_add_files_needs_a_class_name(tmp_path):
    with pytest.raises(DataError, match="empty"):
        DataSet().add_files("   ", [imagegen.write_image(tmp_path / "a.png")])


# ---- progress, cancel, threads -----------------------------------------------------------------------


def test_progress_reports_scan_phase_to_completion(tmp_path, monkeypatch):
    monkeypatch.setattr(inspect_module, "_CHUNK", 4)
    imagegen.write_class_tree(tmp_path / "set", {"a": 10, "b": 10})
    events: list[ProgressEvent] = []
    DataSet().add_folder(tmp_path / "set", progress=events.append)
    assert events and all(e.phase == "scan" for e in events)
    assert events[0].total is None  # still looking for files
    assert (events[-1].done, events[-1].total) == (20, 20)
    dones = [e.done for e in events if e.total]
    assert dones == sorted(dones)


def test_cancel_during_reading_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(inspect_module, "_CHUNK", 4)
    imagegen.write_class_tree(tmp_path / "set", {"a": 20, "b": 20})
    token = CancelToken()
    seen = []

    def progress(event):
        seen.append(event)
        if event.total and event.done >= 4:
            token.cancel()

    ds = DataSet()
    with pytest.raises(Cancelled):
        ds.add_folder(tmp_path / "set", progress=progress, cancel=token)
    assert len(ds) == 0 and ds.class_names == [] and ds.skipped == []
    assert seen[-1].done < 40


def test_cancel_before_start(tmp_path):
    imagegen.write_class_tree(tmp_path / "set", {"a": 2})
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        DataSet().add_folder(tmp_path / "set", cancel=token)


def test_inspection_runs_on_a_thread_pool_and_keeps_order(tmp_path, monkeypatch):
    monkeypatch.setattr(inspect_module, "_CHUNK", 3)
    paths = [imagegen.write_image(tmp_path / f"{i:03}.png", i) for i in range(30)]
    threads = set()
    real_inspect = inspect_module.inspect_image

    def spy(path):
        threads.add(threading.current_thread().name)
        return real_inspect(path)

    monkeypatch.setattr(inspect_module, "inspect_image", spy)
    results = inspect_module.inspect_many(paths, workers=4)
    assert [r.path for r in results] == paths
    assert all(name.startswith("tlgui-scan") for name in threads)


