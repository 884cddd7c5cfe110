"""Class bins: folder layouts, bad files, duplicates, split, edits, persistence, real photo sets."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from tlgui.core.data import bins as dataset_module
from tlgui.core.data.bins import AddReport, DataSet, ImageItem, SkippedFile, scan
from tlgui.core.errors import Cancelled, DataError
from tlgui.core.progress import CancelToken, ProgressEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def _shared(name: str) -> Path:
    path = DATASETS / name
    if not path.is_dir():
        pytest.skip("../shared/datasets is absent")
    return path


def _names(items) -> list[str]:
    return sorted(item.path.name for item in items)


def _reasons(skipped: list[SkippedFile]) -> dict[str, str]:
    return {s.path.name: s.reason for s in skipped}


# ---- layouts -------------------------------------------------------------------------------------------


def test_folder_of_images_is_one_class_named_after_it(tmp_path):
    for i in range(3):
        imagegen.write_image(tmp_path / "tabby cats" / f"cat {i}.jpg", i)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "tabby cats")
    assert ds.class_names == ["tabby cats"]
    assert report.created == ["tabby cats"] and report.added == 3 and report.skipped == []
    assert all(item.split is None and item.path.is_absolute() for item in ds.items())


def test_class_subfolders_read_recursively(tmp_path):
    paths = imagegen.write_class_tree(tmp_path / "pets", {"cats": 2, "dogs": 3})
    imagegen.write_image(tmp_path / "pets" / "cats" / "indoor" / "deep" / "sofa.png", 99)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "pets")
    assert ds.class_names == ["cats", "dogs"]
    assert ds.class_counts() == {"cats": 3, "dogs": 3}
    assert "sofa.png" in _names(ds.items("cats"))
    assert report.created == ["cats", "dogs"] and report.added == 6
    assert {item.path for item in ds.items("dogs")} == set(paths["dogs"])


def test_train_val_folders_keep_their_split(tmp_path):
    imagegen.write_class_tree(tmp_path / "set" / "train", {"ants": 3, "bees": 2})
    imagegen.write_class_tree(tmp_path / "set" / "val", {"ants": 1, "bees": 2}, start_index=100)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert ds.class_names == ["ants", "bees"] and ds.has_predefined_split
    train, val = ds.split(val_fraction=0.5, seed=3)
    assert {(i.label, i.path.parent.parent.name) for i in train} == {("ants", "train"), ("bees", "train")}
    assert len(train) == 5 and len(val) == 3
    assert all(i.split == "val" for i in val)


def test_split_folder_names_are_recognised_loosely(tmp_path):
    imagegen.write_class_tree(tmp_path / "set" / "Training", {"a": 2, "b": 2})
    imagegen.write_class_tree(tmp_path / "set" / "test", {"a": 1, "b": 1}, start_index=50)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert ds.class_names == ["a", "b"]
    assert sorted({i.split for i in ds.items()}) == ["train", "val"]


def test_only_a_train_folder_is_just_a_class(tmp_path):
    # Without a validation folder beside it, "train" is an ordinary class name (e.g. locomotives).
    imagegen.write_class_tree(tmp_path / "vehicles", {"train": 2, "car": 2})
    ds = DataSet()
    ds.add_folder(tmp_path / "vehicles")
    assert ds.class_names == ["car", "train"] and not ds.has_predefined_split


def test_ambiguous_folder_default_puts_loose_images_in_a_root_class(tmp_path):
    imagegen.write_class_tree(tmp_path / "mixed", {"cats": 2, "dogs": 1})
    imagegen.write_image(tmp_path / "mixed" / "loose1.jpg", 40)
    imagegen.write_image(tmp_path / "mixed" / "loose2.jpg", 41)
    ds = DataSet()
    ds.add_folder(tmp_path / "mixed")
    assert ds.class_counts() == {"cats": 2, "dogs": 1, "mixed": 2}


def _ambiguous(tmp_path) -> Path:
    imagegen.write_class_tree(tmp_path / "mixed", {"cats": 2, "dogs": 1})
    imagegen.write_image(tmp_path / "mixed" / "loose.jpg", 40)
    return tmp_path / "mixed"


def test_ambiguous_folder_asks_with_a_question_and_choices(tmp_path):
    asked = []

    def ask(question, choices):
        asked.append((question, choices))
        return 1

    ds = DataSet()
    report = ds.add_folder(_ambiguous(tmp_path), ask=ask)
    ((question, choices),) = asked
    assert "mixed" in question and "1 image" in question and "2 sub-folder" in question
    assert len(choices) == 3 and "class 'mixed'" in choices[0]
    assert ds.class_counts() == {"cats": 2, "dogs": 1}
    assert report.left_out == 1 and report.skipped == []


def test_ambiguous_folder_everything_in_one_class(tmp_path):
    ds = DataSet()
    ds.add_folder(_ambiguous(tmp_path), ask=lambda q, c: 2)
    assert ds.class_counts() == {"mixed": 4}


def test_ambiguous_folder_answered_none_cancels_and_changes_nothing(tmp_path):
    ds = DataSet()
    ds.new_class("kept")
    with pytest.raises(Cancelled):
        ds.add_folder(_ambiguous(tmp_path), ask=lambda q, c: None)
    assert ds.class_names == ["kept"] and len(ds) == 0


def test_ask_must_return_an_index(tmp_path):
    with pytest.raises(ValueError):
        DataSet().add_folder(_ambiguous(tmp_path), ask=lambda q, c: "yes")


def test_unambiguous_folders_never_ask(tmp_path):
    imagegen.write_class_tree(tmp_path / "pets", {"cats": 1, "dogs": 1})

    def ask(_q, _c):
        raise AssertionError("asked about a clear layout")

    assert DataSet().add_folder(tmp_path / "pets", ask=ask).added == 2


def test_loose_images_inside_a_split_folder(tmp_path):
    imagegen.write_class_tree(tmp_path / "set" / "train", {"a": 2})
    imagegen.write_image(tmp_path / "set" / "train" / "stray.png", 30)
    imagegen.write_class_tree(tmp_path / "set" / "val", {"a": 1}, start_index=10)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert ds.class_counts() == {"a": 3, "set": 1}
    assert ds.items("set")[0].split == "train"


def test_symlinked_class_folders_are_followed_once(tmp_path):
    imagegen.write_class_tree(tmp_path / "store", {"cats": 2})
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "cats").symlink_to(tmp_path / "store" / "cats", target_is_directory=True)
    (tmp_path / "store" / "cats" / "loop").symlink_to(tmp_path / "store", target_is_directory=True)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    assert ds.class_counts() == {"cats": 2}


def test_unreadable_sub_folder_is_listed(tmp_path, monkeypatch):
    import os

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


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        DataSet().add_folder(tmp_path / "nope")
    with pytest.raises(DataError, match="not a folder"):
        DataSet().add_folder(imagegen.write_image(tmp_path / "a.png"))


def test_adding_to_an_existing_class_extends_it(tmp_path):
    imagegen.write_class_tree(tmp_path / "one", {"cats": 2})
    imagegen.write_class_tree(tmp_path / "two", {"cats": 1, "owls": 1}, start_index=10)
    ds = DataSet()
    ds.add_folder(tmp_path / "one")
    report = ds.add_folder(tmp_path / "two")
    assert report.extended == ["cats"] and report.created == ["owls"]
    assert ds.class_counts() == {"cats": 3, "owls": 1}


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
        "bomb.png": "image too large (3600 megapixels)",
        "iphone.heic": "unsupported format (HEIC)",
        "._good.jpg": "macOS metadata file, not a photo",
    }
    assert ds.skipped == report.skipped
    assert report.summary() == "Added 1 photo; new classes: photos; 7 file(s) skipped."


def test_a_folder_of_only_bad_files_makes_no_empty_class(tmp_path):
    imagegen.write_class_tree(tmp_path / "set", {"good": 1})
    imagegen.write_zero_byte(tmp_path / "set" / "bad" / "x.jpg")
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.class_names == ["good"] and len(report.skipped) == 1


def test_file_vanishing_between_listing_and_reading(tmp_path, monkeypatch):
    paths = imagegen.write_class_tree(tmp_path / "set", {"a": 3})
    doomed = paths["a"][1]
    real_inspect = dataset_module.inspect_image

    def inspect_after_delete(path):
        if Path(path) == doomed:
            doomed.unlink()
        return real_inspect(path)

    monkeypatch.setattr(dataset_module, "inspect_image", inspect_after_delete)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.count("a") == 2
    assert report.skipped == [SkippedFile(doomed, "file not found (moved or deleted?)")]


def test_permission_denied_is_listed(tmp_path, monkeypatch):
    from tlgui.core.data import images

    paths = imagegen.write_class_tree(tmp_path / "set", {"a": 2})
    locked = paths["a"][0]
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # Tests run as root, for whom chmod 000 changes nothing, so the refusal is simulated.
    monkeypatch.setattr(images, "open", guarded_open, raising=False)
    report = DataSet().add_folder(tmp_path / "set")
    assert _reasons(report.skipped) == {locked.name: "permission denied"}


def test_any_exception_from_one_file_is_contained(tmp_path, monkeypatch):
    imagegen.write_class_tree(tmp_path / "set", {"a": 2})

    def explode(path):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(dataset_module, "inspect_image", explode)
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


# ---- duplicates --------------------------------------------------------------------------------------


def test_same_image_twice_in_a_class_is_kept_once(tmp_path):
    imagegen.write_image(tmp_path / "set" / "a.png", 1)
    imagegen.write_image(tmp_path / "set" / "copy of a.png", 1)
    imagegen.write_image(tmp_path / "set" / "b.png", 2)
    ds = DataSet()
    report = ds.add_folder(tmp_path / "set")
    assert ds.count("set") == 2 and report.added == 2 and report.duplicates_ignored == 1
    assert ds.duplicates() == []


def test_adding_the_same_folder_again_adds_nothing(tmp_path):
    imagegen.write_class_tree(tmp_path / "set", {"a": 2, "b": 2})
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    again = ds.add_folder(tmp_path / "set")
    assert (again.added, again.duplicates_ignored, again.created, again.extended) == (0, 4, [], [])
    assert len(ds) == 4


def test_same_image_in_two_classes_is_flagged(tmp_path):
    imagegen.write_image(tmp_path / "set" / "glass" / "g1.png", 7)
    imagegen.write_image(tmp_path / "set" / "metal" / "m1.png", 7)
    imagegen.write_image(tmp_path / "set" / "metal" / "m2.png", 8)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    (dup,) = ds.duplicates()
    assert dup.labels == ["glass", "metal"]
    assert _names(dup.items) == ["g1.png", "m1.png"]
    assert len({item.digest for item in dup.items}) == 1 == len({dup.digest})


# ---- progress, cancel, threads -----------------------------------------------------------------------


def test_progress_reports_scan_phase_to_completion(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset_module, "_CHUNK", 4)
    imagegen.write_class_tree(tmp_path / "set", {"a": 10, "b": 10})
    events: list[ProgressEvent] = []
    DataSet().add_folder(tmp_path / "set", progress=events.append)
    assert events and all(e.phase == "scan" for e in events)
    assert events[0].total is None  # still looking for files
    assert (events[-1].done, events[-1].total) == (20, 20)
    dones = [e.done for e in events if e.total]
    assert dones == sorted(dones)


def test_cancel_during_reading_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset_module, "_CHUNK", 4)
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
    monkeypatch.setattr(dataset_module, "_CHUNK", 3)
    paths = [imagegen.write_image(tmp_path / f"{i:03}.png", i) for i in range(30)]
    threads = set()
    real_inspect = dataset_module.inspect_image

    def spy(path):
        threads.add(threading.current_thread().name)
        return real_inspect(path)

    monkeypatch.setattr(dataset_module, "inspect_image", spy)
    results = dataset_module.inspect_many(paths, workers=4)
    assert [r.path for r in results] == paths
    assert all(name.startswith("tlgui-scan") for name in threads)


# ---- split ----------------------------------------------------------------------------------------------


def _items(counts: dict[str, int]) -> DataSet:
    ds = DataSet()
    for label, n in counts.items():
        ds.new_class(label)
        for i in range(n):
            ds._bins[label].add(ImageItem(Path(f"/p/{label}/{i}.jpg"), f"{label}{i:04}", label))
    return ds


def test_split_is_stratified_and_complete():
    ds = _items({"big": 100, "small": 5, "pair": 2, "single": 1})
    train, val = ds.split(val_fraction=0.2, seed=0)
    per_class = {label: sum(i.label == label for i in val) for label in ds.class_names}
    assert per_class == {"big": 20, "small": 1, "pair": 1, "single": 0}
    assert len(train) + len(val) == len(ds)
    assert not {i.path for i in train} & {i.path for i in val}


def test_split_is_deterministic_and_seeded():
    ds = _items({"a": 50, "b": 50})
    assert ds.split(seed=1) == ds.split(seed=1)
    assert {i.path for i in ds.split(seed=1)[1]} != {i.path for i in ds.split(seed=2)[1]}


def test_split_does_not_depend_on_the_order_of_adding(tmp_path):
    imagegen.write_class_tree(tmp_path / "one", {"a": 10})
    imagegen.write_class_tree(tmp_path / "two", {"a": 10}, start_index=10)
    first, second = DataSet(), DataSet()
    first.add_folder(tmp_path / "one")
    first.add_folder(tmp_path / "two")
    second.add_folder(tmp_path / "two")
    second.add_folder(tmp_path / "one")
    assert {i.path for i in first.split()[1]} == {i.path for i in second.split()[1]}


def test_split_mixes_given_and_free_items(tmp_path):
    imagegen.write_class_tree(tmp_path / "set" / "train", {"a": 3})
    imagegen.write_class_tree(tmp_path / "set" / "val", {"a": 1}, start_index=10)
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    ds.add_files("b", [imagegen.write_image(tmp_path / f"b{i}.png", 50 + i) for i in range(4)])
    train, val = ds.split(val_fraction=0.25)
    assert sum(i.label == "a" for i in val) == 1 and sum(i.label == "b" for i in val) == 1
    assert all(i.split == "train" for i in train if i.label == "a")


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_split_rejects_impossible_fractions(fraction):
    with pytest.raises(DataError, match="between 0 and 1"):
        _items({"a": 4}).split(val_fraction=fraction)


# ---- edits ------------------------------------------------------------------------------------------------


def _edit_set() -> DataSet:
    ds = _items({"cats": 3, "dogs": 2, "owls": 1})
    return ds


def test_new_class_rules():
    ds = DataSet()
    assert ds.new_class("  foxes ") == "foxes"
    assert ds.class_names == ["foxes"] and ds.count("foxes") == 0
    with pytest.raises(DataError, match="already exists"):
        ds.new_class("foxes")
    with pytest.raises(DataError, match="cannot be empty"):
        ds.new_class(" \t")


def test_class_names_are_unicode_normalised():
    ds = DataSet()
    ds.new_class("cafe\u0301")  # decomposed, as macOS folder names are
    with pytest.raises(DataError):
        ds.new_class("caf\u00e9")


def test_rename_class_keeps_position_and_relabels():
    ds = _edit_set()
    ds.rename_class("dogs", "hounds")
    assert ds.class_names == ["cats", "hounds", "owls"]
    assert {i.label for i in ds.items("hounds")} == {"hounds"} and ds.count("hounds") == 2
    with pytest.raises(DataError, match="already exists"):
        ds.rename_class("cats", "owls")
    with pytest.raises(DataError, match="no class named 'wolves'"):
        ds.rename_class("wolves", "x")
    with pytest.raises(DataError, match="empty"):
        ds.rename_class("cats", "")
    assert ds.rename_class("cats", "cats") == "cats"


def test_remove_class():
    ds = _edit_set()
    ds.remove_class("dogs")
    assert ds.class_names == ["cats", "owls"] and len(ds) == 4
    with pytest.raises(DataError):
        ds.remove_class("dogs")


def test_merge_into_a_new_class_takes_the_first_sources_place():
    ds = _edit_set()
    assert ds.merge_classes(["dogs", "owls"], "animals") == 0
    assert ds.class_names == ["cats", "animals"]
    assert ds.count("animals") == 3 and {i.label for i in ds.items("animals")} == {"animals"}


def test_merge_into_an_existing_class_drops_same_content():
    ds = _edit_set()
    same_as_cat = ImageItem(Path("/elsewhere/d.jpg"), "cats0000", "dogs")
    ds._bins["dogs"].add(same_as_cat)
    assert ds.merge_classes(["dogs"], "cats") == 1
    assert ds.class_names == ["cats", "owls"] and ds.count("cats") == 5
    with pytest.raises(DataError):
        ds.merge_classes(["nope"], "cats")
    with pytest.raises(DataError):
        ds.merge_classes([], "cats")


def test_move_items_relabels():
    ds = _edit_set()
    moving = [i.path for i in ds.items("cats")[:2]]
    assert ds.move_items(moving, "owls") == 2
    assert ds.class_counts() == {"cats": 1, "dogs": 2, "owls": 3}
    assert {i.label for i in ds.items("owls")} == {"owls"}
    with pytest.raises(DataError, match="not in any class"):
        ds.move_items([Path("/nowhere.jpg")], "cats")
    with pytest.raises(DataError, match="no class named"):
        ds.move_items(moving, "wolves")


def test_remove_items_checks_all_paths_first():
    ds = _edit_set()
    some = [i.path for i in ds.items("dogs")]
    with pytest.raises(DataError):
        ds.remove_items([some[0], Path("/unknown.jpg")])
    assert ds.count("dogs") == 2  # nothing removed by the failed call
    assert ds.remove_items(some) == 2 and ds.count("dogs") == 0


def test_unknown_class_is_a_clear_error():
    with pytest.raises(DataError, match="There is no class named 'x'."):
        DataSet().count("x")


# ---- names, persistence ---------------------------------------------------------------------------------


def test_non_ascii_and_spaces_everywhere(tmp_path):
    imagegen.write_image(tmp_path / "照片" / "猫" / "咪咪 1.jpg", 1)
    imagegen.write_image(tmp_path / "照片" / "猫" / "子 folder" / "咪咪 2.png", 2)
    imagegen.write_image(tmp_path / "照片" / "chien à poil" / "médor.webp", 3)
    ds = DataSet()
    ds.add_folder(tmp_path / "照片")
    assert ds.class_names == ["chien à poil", "猫"]
    assert _names(ds.items("猫")) == ["咪咪 1.jpg", "咪咪 2.png"]
    restored = DataSet.from_dict(json.loads(json.dumps(ds.to_dict(), ensure_ascii=False)))
    assert restored.items() == ds.items()
    restored.move_items([tmp_path / "照片" / "猫" / "咪咪 1.jpg"], "chien à poil")
    assert restored.count("chien à poil") == 2


def test_round_trip_keeps_everything_without_rehashing(tmp_path, monkeypatch):
    imagegen.write_class_tree(tmp_path / "set" / "train", {"a": 2, "b": 1})
    imagegen.write_class_tree(tmp_path / "set" / "val", {"a": 1, "b": 1}, start_index=10)
    imagegen.write_zero_byte(tmp_path / "set" / "train" / "a" / "bad.jpg")
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    ds.new_class("empty")
    data = json.loads(json.dumps(ds.to_dict()))

    def no_reading(_path):
        raise AssertionError("from_dict read a file")

    monkeypatch.setattr(dataset_module, "inspect_image", no_reading)
    restored = DataSet.from_dict(data)
    assert restored.class_names == ["a", "b", "empty"]
    assert restored.items() == ds.items() and restored.skipped == ds.skipped
    assert restored.split() == ds.split() and restored.has_predefined_split


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(version=99),
        lambda d: d.pop("classes"),
        lambda d: d["classes"][0]["items"][0].pop("digest"),
        lambda d: d["classes"][0]["items"][0].update(split="later"),
    ],
)
def test_damaged_dict_is_a_data_error(damage):
    data = _edit_set().to_dict()
    damage(data)
    with pytest.raises(DataError):
        DataSet.from_dict(data)


def test_scan_several_sources(tmp_path):
    imagegen.write_class_tree(tmp_path / "one", {"a": 1})
    imagegen.write_class_tree(tmp_path / "two", {"b": 2}, start_index=5)
    ds = scan([tmp_path / "one", tmp_path / "two"])
    assert ds.class_counts() == {"a": 1, "b": 2}


def test_add_report_defaults_are_independent():
    one, two = AddReport(), AddReport()
    one.created.append("x")
    assert two.created == []


# ---- real photo sets ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_hymenoptera_keeps_its_split():
    root = _shared("hymenoptera")
    ds = scan([root])
    assert ds.class_names == ["ants", "bees"] and ds.skipped == []
    counts = {
        (label, split): sum(1 for i in ds.items(label) if i.split == split)
        for label in ("ants", "bees")
        for split in ("train", "val")
    }
    assert counts == {
        ("ants", "train"): 124,
        ("ants", "val"): 70,
        ("bees", "train"): 121,
        ("bees", "val"): 83,
    }
    names = {i.path.name for i in ds.items("ants")}
    assert {"imageNotFound.gif", "formica.jpeg"} <= names  # the placeholder GIF is a valid image
    train, val = ds.split(seed=5)
    assert len(train) == 245 and len(val) == 153
    assert all(i.path.parts[-3] == "val" for i in val)


@pytest.mark.shared
def test_trashnet_duplicates_and_stratified_split():
    root = _shared("trashnet")
    ds = scan([root])
    assert ds.class_counts() == {
        "cardboard": 403, "glass": 501, "metal": 410, "paper": 594, "plastic": 482, "trash": 137,
    }  # fmt: skip
    pairs = {tuple(_names(d.items)) for d in ds.duplicates()}
    assert pairs == {
        ("glass115.jpg", "metal91.jpg"),
        ("glass389.jpg", "plastic332.jpg"),
        ("glass176.jpg", "plastic152.jpg"),
    }
    assert not ds.has_predefined_split
    train, val = ds.split(val_fraction=0.2, seed=0)
    per_class = {label: sum(i.label == label for i in val) for label in ds.class_names}
    assert per_class == {label: round(n * 0.2) for label, n in ds.class_counts().items()}
    assert ds.split(seed=0) == (train, val)


def test_separate_validation_folder_sets_the_split_and_the_rest_trains(tmp_path):
    imagegen.write_class_tree(tmp_path / "train", {"cat": 5, "dog": 5})
    imagegen.write_class_tree(tmp_path / "val", {"cat": 2}, start_index=100)
    ds = DataSet()
    ds.add_folder(tmp_path / "train")
    ds.add_folder(tmp_path / "val", split="val")
    train, val = ds.split(0.2, seed=0)
    assert sorted(i.label for i in val) == ["cat", "cat", "dog"]  # dog has no given val: split made
    assert sum(i.label == "cat" for i in train) == 5
    with pytest.raises(ValueError):
        ds.add_folder(tmp_path / "val", split="test")
