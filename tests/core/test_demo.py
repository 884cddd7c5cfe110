"""The bundled demo set: where it lives, what it holds, and that it stays small."""

from __future__ import annotations

from PIL import Image

from tlgui.core.data.demo import demo_dataset
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
