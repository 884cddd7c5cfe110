"""The train/validation split: stratified, seeded, independent of the order of adding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tlgui.core.data.bins import DataSet, scan
from tlgui.core.data.items import ImageItem
from tlgui.core.data.split import split_classes
from tlgui.core.errors import DataError

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


# ---- split ----------------------------------------------------------------------------------------------


def _items(counts: dict[str, int]) -> DataSet:
    """Bins of made-up photos (no files): ``counts`` photos per class, each with its own digest."""
    classes = [
        {"name": label, "items": [{"path": f"/p/{label}/{i}.jpg", "digest": f"{label}{i:04}"} for i in range(n)]}
        for label, n in counts.items()
    ]
    return DataSet.from_dict({"version": 1, "classes": classes})


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

# ---- a real photo set ---------------------------------------------------------------------------------


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



# ---- the rule itself ------------------------------------------------------------------------------------


def test_the_rule_works_on_plain_lists_of_photos_whatever_their_order():
    cats = [ImageItem(Path(f"/c/{i}.jpg"), f"c{i:02}", "cats") for i in range(10)]
    owls = [ImageItem(Path("/o/held.jpg"), "o-held", "owls", "val")]
    owls += [ImageItem(Path(f"/o/{i}.jpg"), f"o{i}", "owls") for i in range(3)]
    train, val = split_classes({"cats": cats, "owls": owls}, 0.2, seed=4)
    assert sum(i.label == "cats" for i in val) == 2
    assert [i for i in val if i.label == "owls"] == [owls[0]]  # given validation: the rest all train
    assert len(train) == 8 + 3
    shuffled_train, shuffled_val = split_classes({"cats": cats[::-1], "owls": owls[::-1]}, 0.2, seed=4)
    assert set(shuffled_val) == set(val) and set(shuffled_train) == set(train)


def test_the_bins_split_by_the_same_rule():
    ds = _items({"a": 7, "b": 12})
    assert ds.split(0.3, seed=9) == split_classes({n: ds.items(n) for n in ds.class_names}, 0.3, seed=9)
