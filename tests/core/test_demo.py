"""The bundled demo set: where it lives, what it holds, and that it stays small."""

from __future__ import annotations

from PIL import Image

from tlgui.core.data.bins import DataSet
from tlgui.core.data.demo import demo_dataset, is_demo
from tlgui.core.resources import demo_dir, resources_dir


def test_resources_sit_beside_the_package():
    assert resources_dir().is_dir()
    assert (resources_dir().parent / "tlgui" / "__init__.py").is_file()
    assert demo_dir() == resources_dir() / "demo"
    assert (demo_dir() / "README.md").is_file()


def test_demo_dataset_has_ants_and_bees_with_their_split():
    dataset = demo_dataset()
    assert dataset.class_names == ["ants", "bees"]
    assert dataset.has_predefined_split
    assert dataset.skipped == [] and dataset.duplicates() == []
    for label in ("ants", "bees"):
        splits = [item.split for item in dataset.items(label)]
        assert splits.count("train") == 20 and splits.count("val") == 8
    train, val = dataset.split()
    assert (len(train), len(val)) == (40, 16)


def test_demo_photos_are_small_jpegs():
    photos = sorted(demo_dir().rglob("*.jpg"))
    assert len(photos) == 56
    assert sum(p.stat().st_size for p in photos) < 1_000_000
    for path in photos:
        with Image.open(path) as im:
            assert im.format == "JPEG" and min(im.size) <= 192


def test_the_demo_is_the_demo_until_it_holds_anything_else(tmp_path):
    assert is_demo(demo_dataset())
    assert not is_demo(DataSet())
    some_removed = demo_dataset()
    some_removed.remove_items([item.path for item in some_removed.items("bees")[:5]])
    assert is_demo(some_removed)  # still only the demo's photos, in its classes

    own = tmp_path / "my_ant.jpg"
    Image.new("RGB", (16, 12), (200, 30, 30)).save(own)
    with_own = demo_dataset()
    with_own.add_files("ants", [own])
    assert not is_demo(with_own)
    class_gone = demo_dataset()
    class_gone.remove_class("bees")
    assert not is_demo(class_gone)
    renamed = demo_dataset()
    renamed.rename_class("ants", "formicidae")
    assert not is_demo(renamed)
    extra_class = demo_dataset()
    extra_class.new_class("wasps")
    assert not is_demo(extra_class)
    own_only = DataSet()
    own_only.add_files("ants", [own])
    own_only.new_class("bees")
    assert not is_demo(own_only)
