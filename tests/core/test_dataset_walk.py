"""The one folder walk, shared by the intake and prediction: symlinks, loops, hidden folders, and
entries with a photo's name that are not files (pipes, devices), which must never be opened."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tlgui.core.data.bins import DataSet, SkippedFile
from tlgui.core.data.images import load_rgb
from tlgui.core.data.walk import walk_photos
from tlgui.core.errors import Cancelled, ImageDecodeError
from tlgui.core.predict.predictor import collect_images
from tlgui.core.progress import CancelToken

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402
from special_files import (  # noqa: E402
    link_to_dev_zero,
    make_fifo,
    needs_dev_zero,
    needs_fifo,
    returns_without_blocking,
)


def _reasons(skipped: list[SkippedFile]) -> dict[str, str]:
    return {s.path.name: s.reason for s in skipped}


# ---- order, names, hidden folders -------------------------------------------------------------------


def test_files_come_in_the_order_of_a_sorted_os_walk(tmp_path):
    for relative in ["b/2.png", "b/1.jpg", "a/z/9.png", "a/3.gif", "0.webp", "a/y/8.heic", "c.txt", ".h/4.png"]:
        imagegen.write_bytes(tmp_path / relative, b"x")
    expected = []
    for root, dirs, files in os.walk(tmp_path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        expected += [os.path.join(root, f) for f in sorted(files) if not f.endswith(".txt")]
    walk = walk_photos(tmp_path)
    assert walk.files == expected and walk.skipped == []
    assert [Path(f).name for f in walk.files] == ["0.webp", "3.gif", "8.heic", "9.png", "1.jpg", "2.png"]


def test_cancel_stops_the_walk(tmp_path):
    imagegen.write_class_tree(tmp_path, {"a": 1, "b": 1})
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        walk_photos(tmp_path, cancel=token)


# ---- symlinks: followed, each real folder once --------------------------------------------------------


def test_symlinked_class_folders_are_followed_once(tmp_path):
    imagegen.write_class_tree(tmp_path / "store", {"cats": 2})
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cats").symlink_to(tmp_path / "store" / "cats", target_is_directory=True)
    (tmp_path / "store" / "cats" / "loop").symlink_to(tmp_path / "store", target_is_directory=True)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert ds.class_counts() == {"cats": 2}


def test_unreadable_sub_folder_is_listed(tmp_path, monkeypatch):
    imagegen.write_class_tree(tmp_path / "set", {"a": 1, "b": 1})
    locked = str(tmp_path / "set" / "b")
    real_scandir = os.scandir

    def guarded_scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    # Tests run as root, for whom chmod 000 changes nothing, so the refusal is simulated.
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.class_names == ["a"]
    assert report.skipped == [SkippedFile(Path(locked), "cannot open folder (permission denied)")]
    # Prediction walks the same way, and says which folders it left out (it used to be silent).
    unlisted: list = []
    assert [p.parent.name for p in collect_images([tmp_path / "set"], unlisted)] == ["a"]
    assert unlisted == report.skipped


def test_prediction_walks_folders_as_the_intake_does(tmp_path):
    imagegen.write_class_tree(tmp_path / "store", {"cats": 2})
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cats").symlink_to(tmp_path / "store" / "cats", target_is_directory=True)
    (tmp_path / "store" / "cats" / "loop").symlink_to(tmp_path / "store", target_is_directory=True)
    imagegen.write_image(tmp_path / "set" / ".cache" / "t.png", 9)  # a hidden folder
    found = collect_images([tmp_path / "set"])
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert found == sorted(item.path for item in ds.items())
    assert [p.parent.name for p in found] == ["cats", "cats"]


# ---- pipes, devices, broken links: listed with a reason, never opened ---------------------------------


@needs_fifo
@needs_dev_zero
def test_the_walk_lists_non_files_with_reasons_and_opens_nothing(tmp_path):
    good = imagegen.write_image(tmp_path / "good.jpg")
    fifo = make_fifo(tmp_path / "pipe.jpg")
    link_to_dev_zero(tmp_path / "zero.png")
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    make_fifo(tmp_path / "pipe.txt")  # not named like a photo: ignored like any other file
    walk = returns_without_blocking(lambda: walk_photos(tmp_path), [fifo])
    assert walk.files == [str(good)]
    assert _reasons(walk.not_files) == {
        "pipe.jpg": "a pipe (FIFO), not a file",
        "zero.png": "a device, not a file",
        "gone.jpg": "link to a missing file",
    }


@needs_fifo
@needs_dev_zero
def test_a_class_folder_with_a_pipe_and_a_device_is_read_without_hanging(tmp_path):
    paths = imagegen.write_class_tree(tmp_path / "set", {"cats": 2, "dogs": 2})
    fifo = make_fifo(tmp_path / "set" / "cats" / "pipe.jpg")
    link_to_dev_zero(tmp_path / "set" / "dogs" / "zero.jpg")
    ds = DataSet()
    report = returns_without_blocking(lambda: ds.add_folder(tmp_path / "set"), [fifo])
    assert ds.class_counts() == {"cats": 2, "dogs": 2}
    assert {item.path for item in ds.items()} == {*paths["cats"], *paths["dogs"]}
    assert _reasons(report.skipped) == {"pipe.jpg": "a pipe (FIFO), not a file", "zero.jpg": "a device, not a file"}
    assert ds.skipped == report.skipped


@needs_fifo
@needs_dev_zero
def test_pipes_and_devices_named_explicitly_are_skipped_with_reasons(tmp_path):
    fifo = make_fifo(tmp_path / "pipe.jpg")
    zero = link_to_dev_zero(tmp_path / "zero.jpg")
    good = imagegen.write_image(tmp_path / "good.png")
    ds = DataSet()
    report = returns_without_blocking(lambda: ds.add_files("things", [fifo, zero, good]), [fifo])
    assert [item.path for item in ds.items()] == [good]
    assert _reasons(report.skipped) == {"pipe.jpg": "a pipe (FIFO), not a file", "zero.jpg": "a device, not a file"}


@needs_fifo
def test_prediction_lists_a_pipe_so_that_its_row_says_why(tmp_path):
    good = imagegen.write_image(tmp_path / "photos" / "good.jpg")
    fifo = make_fifo(tmp_path / "photos" / "pipe.jpg")
    found = returns_without_blocking(lambda: collect_images([tmp_path / "photos"]), [fifo])
    assert found == [good, fifo]
    with pytest.raises(ImageDecodeError, match="a pipe"):
        returns_without_blocking(lambda: load_rgb(fifo), [fifo])
