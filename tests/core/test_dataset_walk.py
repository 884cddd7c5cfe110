"""The one folder walk, shared by the intake and prediction: symlinks, loops, hidden folders, and
entries with a photo's name that are not files (pipes, devices), which must never be opened."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tlgui.core.data import walk as walk_module
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


# ---- links out of bounds: to a folder holding the walked one, into the system's folders -------------

needs_proc = pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="this system has no /proc")
needs_mountinfo = pytest.mark.skipif(not Path("/proc/self/mountinfo").is_file(), reason="not Linux")


def _set_with_links_to_its_parents(tmp_path: Path) -> Path:
    """``tmp_path/set``: two classes, one holding a link to ``tmp_path``, the other one to its parent
    and one more to ``tmp_path``; a photo lies beside ``set``, where only those links lead."""
    imagegen.write_class_tree(tmp_path / "set", {"a": 2, "b": 2})
    imagegen.write_image(tmp_path / "outside" / "beside.png", 7)
    (tmp_path / "set" / "a" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "set" / "b" / "upper").symlink_to(tmp_path.parent, target_is_directory=True)
    (tmp_path / "set" / "b" / "up again").symlink_to(tmp_path, target_is_directory=True)
    return tmp_path / "set"


def test_a_link_to_a_folder_holding_the_walked_one_is_not_followed(tmp_path):
    folder = _set_with_links_to_its_parents(tmp_path)
    walk = walk_photos(folder)
    assert [Path(f).relative_to(folder).parent.name for f in walk.files] == ["a", "a", "b", "b"]
    assert _reasons(walk.not_followed) == {
        "up": f"a link to {tmp_path}, which holds the folder you chose: not followed",
        "upper": f"a link to {tmp_path.parent}, which holds the folder you chose: not followed",
        "up again": f"a link to {tmp_path}, which holds the folder you chose: not followed",
    }
    assert walk.skipped == walk.not_followed


def test_training_and_prediction_leave_a_link_to_a_parent_alone_and_say_so(tmp_path):
    folder = _set_with_links_to_its_parents(tmp_path)
    ds = DataSet()
    report = ds.add_folder(folder)
    assert ds.class_counts() == {"a": 2, "b": 2}
    assert set(_reasons(report.skipped)) == {"up", "upper", "up again"}
    skipped = []
    assert [p.parent.name for p in collect_images([folder], skipped)] == ["a", "a", "b", "b"]
    assert _reasons(skipped) == _reasons(report.skipped)  # prediction names them as training does


def test_a_link_to_a_sibling_folder_is_still_followed(tmp_path):
    imagegen.write_class_tree(tmp_path / "store", {"cats": 2})
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cats").symlink_to(tmp_path / "store" / "cats", target_is_directory=True)
    walk = walk_photos(tmp_path / "set")
    assert len(walk.files) == 2 and walk.skipped == []


def test_the_walked_folder_given_by_a_link_is_walked(tmp_path):
    imagegen.write_class_tree(tmp_path / "store", {"cats": 2})
    (tmp_path / "shortcut").symlink_to(tmp_path / "store", target_is_directory=True)
    walk = walk_photos(tmp_path / "shortcut")
    assert len(walk.files) == 2 and walk.skipped == []


@needs_proc
@pytest.mark.parametrize("target", ["/proc/self/fdinfo", "/sys/kernel/mm", "/dev/pts"])
def test_a_link_into_a_system_folder_is_not_followed(tmp_path, target):
    if not Path(target).is_dir():
        pytest.skip(f"no {target} here")
    imagegen.write_class_tree(tmp_path / "set", {"a": 1})
    (tmp_path / "set" / "a" / "sys").symlink_to(target, target_is_directory=True)
    walk = walk_photos(tmp_path / "set")
    assert len(walk.files) == 1
    assert _reasons(walk.not_followed) == {
        "sys": f"a link to {os.path.realpath(target)}, a system folder, not photos: not followed"
    }


@needs_proc
def test_a_system_folder_given_to_walk_is_not_entered():
    walk = walk_photos("/proc/self/fdinfo")
    assert walk.files == []
    assert walk.not_followed == [SkippedFile(Path("/proc/self/fdinfo"), "a system folder, not photos: not entered")]


@needs_proc
@needs_mountinfo
def test_a_pseudo_file_system_is_told_by_its_type_wherever_it_is_mounted(tmp_path, monkeypatch):
    # A chroot's own /proc cannot be mounted in a test; with the usual homes forgotten, the walk
    # must still know /proc by its file system type (from /proc/self/mountinfo).
    monkeypatch.setattr(walk_module, "SYSTEM_FOLDERS", ())
    imagegen.write_class_tree(tmp_path / "set", {"a": 1})
    (tmp_path / "set" / "a" / "sys").symlink_to("/proc/self/fdinfo", target_is_directory=True)
    walk = walk_photos(tmp_path / "set")
    assert _reasons(walk.not_followed) == {
        "sys": f"a link to {os.path.realpath('/proc/self/fdinfo')}, a system folder, not photos: not followed"
    }


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
