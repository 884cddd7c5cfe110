"""The bins: duplicates, edits, copies, committing a plan, and the saved form (hostile input too)."""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlgui.core.data import inspect as inspect_module
from tlgui.core.data.bins import AddReport, DataSet, scan
from tlgui.core.data.images import load_rgb
from tlgui.core.data.intake import IntakePlan, plan_files, plan_folder
from tlgui.core.data.items import MAX_CLASS_NAME_LENGTH, MAX_CLASSES, ImageItem
from tlgui.core.errors import DataError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402


def _names(items) -> list[str]:
    return sorted(item.path.name for item in items)


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


# ---- edits ------------------------------------------------------------------------------------------------


def _items(counts: dict[str, int]) -> DataSet:
    """Bins of made-up photos (no files): ``counts`` photos per class, each with its own digest."""
    classes = [
        {"name": label, "items": [{"path": f"/p/{label}/{i}.jpg", "digest": f"{label}{i:04}"} for i in range(n)]}
        for label, n in counts.items()
    ]
    return DataSet.from_dict({"version": 1, "classes": classes})


def _edit_set() -> DataSet:
    return _items({"cats": 3, "dogs": 2, "owls": 1})


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


def test_class_names_lose_the_controls_that_would_reorder_the_text_after_them(tmp_path):
    # A folder named with a right-to-left override turned every sentence naming it backwards after
    # the name; the direction marks, which only affect their neighbourhood, stay.
    root = tmp_path / "photos"
    imagegen.write_image(root / "ant's \u202ereversed" / "a.jpg", 0)
    imagegen.write_image(root / "\u2067bees\u2069" / "b.jpg", 1)
    ds = scan([root])
    assert sorted(ds.class_names) == ["ant's reversed", "bees"]
    assert ds.new_class("\u202dnew\u202c") == "new"
    assert ds.new_class("\u200fשלום") == "\u200fשלום"
    ds.rename_class("new", "re\u202bnamed")
    assert "renamed" in ds.class_names
    with pytest.raises(DataError, match="cannot be empty"):
        ds.new_class("\u202e\u2069")


def test_folder_names_lose_line_breaks_controls_and_invisible_characters(tmp_path):
    # A newline in a class name split the labels file of an export in two; an ESC drove the terminal;
    # a zero-width space made a second "ants" that looked like the first.
    root = tmp_path / "photos"
    imagegen.write_image(root / "an\nts" / "a.jpg", 0)
    imagegen.write_image(root / "red\x1b[2J\tone" / "b.jpg", 1)
    imagegen.write_image(root / "bees" / "c.jpg", 2)
    imagegen.write_image(root / "bees\u200b" / "d.jpg", 3)  # the same name once cleaned: one class
    imagegen.write_image(root / "\n\u2028" / "e.jpg", 4)  # nothing left: its photos still need a class
    ds = scan([root])
    assert sorted(ds.class_names) == ["an ts", "bees", "red [2J one", "unnamed"]
    assert ds.count("bees") == 2
    assert ds.new_class("wasps\u2029\x85") == "wasps"
    assert ds.rename_class("wasps", "hor\u00adnets\u200d") == "hornets"
    with pytest.raises(DataError, match="already exists"):
        ds.new_class("\ufeffbees")
    with pytest.raises(DataError, match="cannot be empty"):
        ds.new_class("\u200b\t")


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
    data = _edit_set().to_dict()
    data["classes"][1]["items"].append({"path": "/elsewhere/d.jpg", "digest": "cats0000", "split": None})
    ds = DataSet.from_dict(data)  # dogs now also holds a photo with the content of a cat
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

    monkeypatch.setattr(inspect_module, "inspect_image", no_reading)
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


def test_add_report_defaults_are_independent():
    one, two = AddReport(), AddReport()
    one.created.append("x")
    assert two.created == []




# ---- copies -----------------------------------------------------------------------------------------------


def test_a_copy_is_untouched_by_edits_of_the_original(tmp_path):
    photos = imagegen.write_class_tree(tmp_path / "photos", {"red": 10, "blue": 10})
    imagegen.write_zero_byte(tmp_path / "photos" / "red" / "bad.jpg")
    dataset = scan([tmp_path / "photos"])
    before = dataset.to_dict()
    snapshot = dataset.copy()
    assert snapshot.to_dict() == before
    assert snapshot.split(0.2, 0) == dataset.split(0.2, 0)

    # Everything the Data page does afterwards leaves the copy as it was.
    dataset.move_items(photos["red"][:2], "blue")
    dataset.remove_items(photos["blue"][:3])
    dataset.rename_class("red", "crimson")
    dataset.new_class("green")
    dataset.add_files("green", [imagegen.write_image(tmp_path / "g.png", 99)])
    assert snapshot.to_dict() == before
    assert snapshot.class_counts() == {"red": 10, "blue": 10} and len(snapshot.skipped) == 1
    # ... and edits of the copy leave the original alone.
    snapshot.remove_class("blue")
    assert dataset.class_counts() == {"crimson": 8, "blue": 9, "green": 1}


# ---- at most as many classes as a model holds -----------------------------------------------------


def test_a_folder_of_more_sub_folders_than_classes_is_refused_before_reading(tmp_path, monkeypatch):
    root = tmp_path / "by-id"
    for number in range(MAX_CLASSES + 1):
        (root / f"id{number:05}").mkdir(parents=True)
        (root / f"id{number:05}" / "photo.jpg").write_bytes(b"not read")

    def reading(*_args, **_kwargs):
        raise AssertionError("a photo was read")

    monkeypatch.setattr(inspect_module, "inspect_image", reading)
    ds = DataSet()
    with pytest.raises(DataError, match=f"at most {MAX_CLASSES:,} classes.*{MAX_CLASSES + 1:,}"):
        ds.add_folder(root)
    assert ds.class_names == []


def test_a_plan_that_would_pass_the_limit_changes_nothing():
    ds = _items({f"class {n}": 1 for n in range(MAX_CLASSES - 1)})
    before = ds.to_dict()
    plan = IntakePlan([ImageItem(Path(f"/new/{label}.jpg"), f"d{label}", label) for label in ("x", "y")])
    with pytest.raises(DataError, match=f"this would make {MAX_CLASSES + 1:,}"):
        ds.commit(plan)
    assert ds.to_dict() == before
    ds.commit(IntakePlan([plan.items[0], ImageItem(Path("/new/more.jpg"), "dm", "class 0")]))
    assert len(ds.class_names) == MAX_CLASSES
    with pytest.raises(DataError, match="at most"):
        ds.new_class("one more")
    ds.merge_classes(["x", "class 0"], "merged")
    assert len(ds.class_names) == MAX_CLASSES - 1
    assert ds.new_class("one more") == "one more"


def test_a_saved_list_of_too_many_classes_is_damaged_not_built():
    classes = [{"name": f"c{n}", "items": []} for n in range(MAX_CLASSES + 1)]
    with pytest.raises(DataError, match="damaged.*more than the 1,000 a project holds"):
        DataSet.from_dict({"version": 1, "classes": classes})


# ---- plan on any thread, commit where the bins live ----------------------------------------------------------


def test_planning_reads_everything_and_changes_no_bins(tmp_path, monkeypatch):
    imagegen.write_class_tree(tmp_path / "set", {"cats": 2, "dogs": 1})
    imagegen.write_zero_byte(tmp_path / "set" / "dogs" / "bad.jpg")
    ds = DataSet()
    before = ds.to_dict()
    plan = plan_folder(tmp_path / "set")
    assert ds.to_dict() == before
    assert [(i.label, i.path.name) for i in plan.items] == [
        ("cats", "cats_0.png"), ("cats", "cats_1.png"), ("dogs", "dogs_0.png")
    ]
    assert [s.path.name for s in plan.skipped] == ["bad.jpg"]

    def reading_again(_path):
        raise AssertionError("commit read a file")

    monkeypatch.setattr(inspect_module, "inspect_image", reading_again)
    report = ds.commit(plan)
    assert ds.class_counts() == {"cats": 2, "dogs": 1}
    assert report.created == ["cats", "dogs"] and report.added == 3 and _names(report.skipped) == ["bad.jpg"]


def test_a_plan_lands_on_the_bins_as_they_are_when_committed(tmp_path):
    cats = imagegen.write_class_tree(tmp_path / "set", {"cats": 3})["cats"]
    plan = plan_files("cats", cats)
    ds = DataSet()
    ds.new_class("dogs")
    ds.add_files("cats", cats[:1])  # meanwhile the user added one of the same photos
    report = ds.commit(plan)
    assert report.extended == ["cats"] and report.created == []
    assert report.added == 2 and report.duplicates_ignored == 1
    assert ds.class_names == ["dogs", "cats"] and ds.count("cats") == 3


def test_a_plan_made_on_another_thread_is_committed_here(tmp_path):
    imagegen.write_class_tree(tmp_path / "set", {"a": 2, "b": 2})
    plans = []
    worker = threading.Thread(target=lambda: plans.append(plan_folder(tmp_path / "set")))
    worker.start()
    worker.join(30)
    ds = DataSet()
    assert ds.commit(plans[0]).added == 4 and ds.class_counts() == {"a": 2, "b": 2}


# ---- the saved form: file names of any bytes ----------------------------------------------------------------


needs_byte_names = pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin",
                                      reason="this file system takes only valid Unicode names")


@needs_byte_names
def test_folders_whose_names_differ_in_a_byte_that_is_not_utf8_stay_two_classes(tmp_path):
    root = os.path.join(os.fsencode(tmp_path), b"set")
    for index, name in enumerate((b"b\xe9es", b"b\xe8es", b"b\x81es")):  # bées, bèes, an undefined byte
        os.makedirs(os.path.join(root, name))
        imagegen.write_image(Path(os.fsdecode(os.path.join(root, name, b"p.jpg"))), index)
    ds = DataSet()
    ds.add_folder(os.fsdecode(root))
    # The undefined byte is read as the control character U+0081, which a name holds as a space.
    assert sorted(ds.class_names) == sorted(["bées", "bèes", "b es"])
    assert all(len(ds.items(name)) == 1 for name in ds.class_names)


@needs_byte_names
def test_file_names_that_are_not_utf8_round_trip(tmp_path):
    folder = os.path.join(os.fsencode(tmp_path), b"set", b"caf\xe9s")  # Latin-1, as old cameras wrote
    os.makedirs(folder)
    photo = imagegen.write_image(Path(os.fsdecode(os.path.join(folder, b"\xff\xfephoto.jpg"))), 3)
    ds = DataSet()
    ds.add_folder(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"set")))
    assert ds.class_names == ["cafés"]  # its bad byte read as Windows-1252, as such names were written
    text = json.dumps(ds.to_dict(), ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError
    restored = DataSet.from_dict(json.loads(text))
    assert restored.items() == ds.items() and restored.class_names == ds.class_names
    (item,) = restored.items()
    assert os.fsencode(item.path) == os.fsencode(photo)
    assert load_rgb(item.path).size == (8, 6)


@needs_byte_names
def test_a_project_with_such_names_saves_and_opens(tmp_path):
    from tlgui.core.project import Project, load_project, save_project
    from tlgui.core.training.trainer import TrainConfig

    photo = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"\xe9t\xe9.png")))
    imagegen.write_image(photo, 4)
    ds = DataSet()
    ds.add_files("summer", [photo])
    save_project(Project(ds, "efficientnet_lite0", TrainConfig()), tmp_path / "p.tlgui")
    opened = load_project(tmp_path / "p.tlgui")
    assert opened.dataset.items() == ds.items()


def test_old_saved_dicts_still_load():
    # Exactly what the previous version wrote (only "path", never "path_bytes").
    old = {
        "version": 1,
        "classes": [
            {"name": "ants", "items": [{"path": "/d/ants/a.jpg", "digest": "0f" * 16, "split": "train"}]},
            {"name": "bees", "items": [{"path": "/d/bees/b.jpg", "digest": "1e" * 16, "split": None}]},
        ],
        "skipped": [{"path": "/d/bees/x.jpg", "reason": "truncated file"}],
    }
    ds = DataSet.from_dict(old)
    assert ds.class_counts() == {"ants": 1, "bees": 1} and ds.skipped[0].reason == "truncated file"
    assert ds.to_dict() == old


# ---- the saved form is hostile input ---------------------------------------------------------------------------


def _valid() -> dict:
    return _edit_set().to_dict()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda d: d.update(version="1"), "unknown format"),
        (lambda d: d.update(version=True), "unknown format"),
        (lambda d: d.update(classes={"a": []}), "the class list is a dict, not a list"),
        (lambda d: d["classes"].append("owls"), "class 4 is a str, not a record"),
        (lambda d: d["classes"][0].update(name=5), "the name of class 1 is a int"),
        (lambda d: d["classes"][1].update(name="cats"), "class 2: A class named 'cats' already exists"),
        (lambda d: d["classes"][0].update(name="  "), "cannot be empty"),
        (lambda d: d["classes"][0].update(items=None), "the photo list of class 1 is a NoneType"),
        (lambda d: d["classes"][0]["items"][1].update(path=["/a"]), "the path of photo 2 of class 'cats'"),
        (lambda d: d["classes"][0]["items"][0].update(path="/a\x00b"), "NUL"),
        (lambda d: d["classes"][0]["items"][0].update(path_bytes="not base64!"), "not base64"),
        (lambda d: d["classes"][0]["items"][0].update(digest=None), "the digest of photo 1"),
        (lambda d: d["classes"][0]["items"][0].update(digest=""), "empty"),
        (lambda d: d["classes"][0]["items"][0].update(split=["val"]), "the split of photo 1"),
        (lambda d: d.update(skipped={"x": 1}), "the skipped list is a dict"),
        (lambda d: d.update(skipped=[{"path": "/x.jpg", "reason": 3}]), "the reason of skipped file 1"),
    ],
)
def test_wrong_types_are_one_sentence(damage, words):
    data = _valid()
    damage(data)
    with pytest.raises(DataError, match="damaged|unknown format|empty") as caught:
        DataSet.from_dict(data)
    assert words in str(caught.value)


def test_a_name_of_a_hundred_thousand_accents_is_refused_at_once():
    # A 242 KB project file of this once took half a minute in Unicode normalisation.
    data = {"version": 1, "classes": [{"name": "a" + "\u0301\u0316" * 60_500, "items": []}]}
    start = time.perf_counter()
    with pytest.raises(DataError, match=f"at most {MAX_CLASS_NAME_LENGTH} characters"):
        DataSet.from_dict(data)
    assert time.perf_counter() - start < 1.0


def test_path_bytes_win_over_the_readable_path():
    data = _valid()
    entry = data["classes"][0]["items"][0]
    entry["path_bytes"] = base64.b64encode(b"/real/place.jpg").decode("ascii")
    assert DataSet.from_dict(data).items("cats")[0].path == Path("/real/place.jpg")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _places(value):
    """Every (container, key) inside a JSON value: where a mutation can land."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield value, key
            yield from _places(child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield value, index
            yield from _places(child)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_mutation_loads_or_is_a_data_error(data):
    document = json.loads(json.dumps(_valid()))
    places = list(_places(document))
    for _ in range(data.draw(st.integers(1, 3))):
        container, key = data.draw(st.sampled_from(places))
        action = data.draw(st.sampled_from(["replace", "delete"]))
        if action == "delete" and isinstance(container, dict):
            container.pop(key, None)
        elif key in (container if isinstance(container, dict) else range(len(container))):
            container[key] = data.draw(_json_values)
    try:
        restored = DataSet.from_dict(document)
    except DataError as exc:
        assert str(exc).endswith(".")
    else:
        json.dumps(restored.to_dict(), ensure_ascii=False).encode("utf-8")  # what loads, saves
