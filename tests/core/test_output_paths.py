"""Where a result will be saved is checked before the work that makes it, on real files and folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tlgui.core.errors import OutputPathError, TlguiError
from tlgui.core.files.output import check_folder_path, check_output_file
from tlgui.core.files.versions import MODEL_SUFFIX, PROJECT_SUFFIX, with_suffix

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def test_the_suffix_is_added_once_whatever_its_case():
    assert with_suffix("cats", MODEL_SUFFIX) == Path("cats.safetensors")
    assert with_suffix("cats.SafeTensors", MODEL_SUFFIX) == Path("cats.SafeTensors")
    assert with_suffix("holiday.photos", PROJECT_SUFFIX) == Path("holiday.photos.tlgui")


def test_a_new_file_in_a_writable_folder_gets_the_model_suffix_and_leaves_nothing(tmp_path):
    assert check_output_file(tmp_path / "cats") == tmp_path / "cats.safetensors"
    assert check_output_file(tmp_path / "cats.safetensors") == tmp_path / "cats.safetensors"
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_an_existing_model_file_may_be_replaced(tmp_path):
    old = tmp_path / "cats.safetensors"
    old.write_bytes(b"old model")
    assert check_output_file(old) == old
    assert old.read_bytes() == b"old model"


def test_a_relative_name_is_checked_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_output_file("cats") == Path("cats.safetensors")


def test_a_folder_is_refused_with_a_name_to_use_instead(tmp_path):
    with pytest.raises(OutputPathError, match="is a folder") as caught:
        check_output_file(tmp_path)
    assert str(tmp_path / "model.safetensors") in str(caught.value)
    (tmp_path / "old.safetensors").mkdir()
    with pytest.raises(OutputPathError, match="is a folder"):
        check_output_file(tmp_path / "old")


@needs_fifo
def test_a_pipe_is_refused_with_or_without_the_suffix(tmp_path):
    os.mkfifo(tmp_path / "out")
    os.mkfifo(tmp_path / "pipe.safetensors")
    for name in ("out", "pipe", "pipe.safetensors"):
        with pytest.raises(OutputPathError, match="pipe"):
            check_output_file(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pipe.safetensors"]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_a_device_is_refused():
    with pytest.raises(OutputPathError, match="device"):
        check_output_file("/dev/null")


def test_a_missing_folder_is_refused_and_not_created(tmp_path):
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_file(tmp_path / "no" / "such" / "cats")
    assert list(tmp_path.iterdir()) == []


def test_a_link_is_checked_where_it_points(tmp_path):
    # The save follows the link: a link into a missing folder passed, and the run's model was rescued.
    (tmp_path / "cats.safetensors").symlink_to(tmp_path / "gone" / "cats.safetensors")
    with pytest.raises(OutputPathError, match=f"folder {tmp_path / 'gone'} for the .* does not exist"):
        check_output_file(tmp_path / "cats.safetensors")
    (tmp_path / "gone").mkdir()
    assert check_output_file(tmp_path / "cats.safetensors") == tmp_path / "cats.safetensors"


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    (tmp_path / "notes").write_text("not a folder")
    with pytest.raises(OutputPathError, match="not a folder"):
        check_output_file(tmp_path / "notes" / "cats")


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused(name):
    with pytest.raises(OutputPathError, match="name"):
        check_output_file(name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_folder_nobody_may_create_files_in_is_refused_even_for_root():
    # Permission bits do not stop root; /proc refuses new files to everyone.
    with pytest.raises(OutputPathError, match="may not create files in /proc"):
        check_output_file("/proc/cats")


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root ignores permission bits")
def test_a_read_only_folder_and_a_read_only_file_are_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputPathError, match="may not create files"):
            check_output_file(locked / "cats")
    finally:
        locked.chmod(0o700)
    kept = tmp_path / "kept.safetensors"
    kept.write_bytes(b"keep me")
    kept.chmod(0o444)
    with pytest.raises(OutputPathError, match="read-only"):
        check_output_file(kept)


@pytest.mark.skipif(not hasattr(os, "statvfs"), reason="no statvfs: a read-only file is the file's own")
@pytest.mark.parametrize("mounted_read_only, said", [
    (True, "cannot be replaced: the disk it is on is read-only; choose another folder"),
    (False, "is read-only; choose another name or make it writable"),
])
def test_a_file_on_a_read_only_disk_is_not_blamed_for_it(tmp_path, monkeypatch, mounted_read_only, said):
    # On a disk mounted read-only, a writable file was said to be read-only, to be made writable.
    kept = tmp_path / "kept.safetensors"
    kept.write_bytes(b"keep me")
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != kept)  # EROFS or EACCES

    class Disk:
        f_flag = os.ST_RDONLY if mounted_read_only else 0

    monkeypatch.setattr(os, "statvfs", lambda path: Disk())
    with pytest.raises(OutputPathError, match=said):
        check_output_file(kept)


def test_a_folder_path_is_accepted_when_it_exists_or_can_be_made(tmp_path):
    assert check_folder_path(tmp_path) == tmp_path
    assert check_folder_path(tmp_path / "new" / "cache") == tmp_path / "new" / "cache"
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path):
    (tmp_path / "notes").write_text("not a folder")
    for folder in (tmp_path / "notes", tmp_path / "notes" / "cache"):
        with pytest.raises(OutputPathError) as caught:
            check_folder_path(folder, what="feature cache folder")
        assert f"{tmp_path / 'notes'} is a file" in str(caught.value)
        assert isinstance(caught.value, TlguiError)


def test_a_name_as_long_as_names_may_be_is_accepted(tmp_path):
    name = "猫" * 80 + MODEL_SUFFIX  # 252 bytes
    assert check_output_file(tmp_path / name) == tmp_path / name
    assert list(tmp_path.iterdir()) == []
