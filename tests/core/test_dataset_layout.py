"""Folder layouts: which class and split each photo of a dropped folder goes to."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tlgui.core.data.bins import DataSet, scan
from tlgui.core.errors import Cancelled, DataError

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
    assert report.skipped == []


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

def test_scan_several_sources(tmp_path):
    imagegen.write_class_tree(tmp_path / "one", {"a": 1})
    imagegen.write_class_tree(tmp_path / "two", {"b": 2}, start_index=5)
    ds = scan([tmp_path / "one", tmp_path / "two"])
    assert ds.class_counts() == {"a": 1, "b": 2}


# ---- a real photo set ---------------------------------------------------------------------------------------


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
