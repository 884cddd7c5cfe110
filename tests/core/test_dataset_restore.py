"""Going back: ``DataSet.snapshot`` / ``restore`` put the bins back exactly, order and splits included."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlgui.core.data.bins import DataSet
from tlgui.core.data.intake import IntakePlan
from tlgui.core.data.items import ImageItem, SkippedFile
from tlgui.core.errors import DataError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import imagegen  # noqa: E402

ROOT = Path("/photos")


def _dataset(counts: dict[str, int], *, shared: int = 0) -> DataSet:
    """Classes of fake photos (no file is read); ``shared`` photos of the first class also sit in the last."""
    classes = []
    for c, (name, n) in enumerate(counts.items()):
        items = [
            {"path": str(ROOT / name / f"{i}.jpg"), "digest": f"{c}-{i}", "split": ("val", "train", None)[i % 3]}
            for i in range(n)
        ]
        classes.append({"name": name, "items": items})
    for i in range(shared):
        classes[-1]["items"].append({"path": str(ROOT / "copies" / f"{i}.jpg"), "digest": f"0-{i}", "split": None})
    skipped = [{"path": str(ROOT / "bad.jpg"), "reason": "damaged"}]
    return DataSet.from_dict({"version": 1, "classes": classes, "skipped": skipped})


def _state(ds: DataSet) -> dict:
    return ds.to_dict()


def test_labels_holding_names_the_classes_of_the_paths_in_class_order():
    ds = _dataset({"a": 3, "b": 3, "c": 3})
    assert ds.labels_holding([ROOT / "c" / "0.jpg", ROOT / "a" / "2.jpg"]) == ["a", "c"]
    assert ds.labels_holding([ROOT / "nowhere.jpg"]) == []


def test_undoing_a_move_puts_each_photo_back_in_its_place_with_its_split():
    ds = _dataset({"a": 12, "b": 5, "c": 4})
    before = _state(ds)
    paths = [ROOT / "a" / f"{i}.jpg" for i in (1, 4, 7, 10)] + [ROOT / "c" / "0.jpg"]
    snap = ds.snapshot(ds.labels_holding(paths) + ["b"])
    assert ds.move_items(paths, "b") == 5
    assert [item.path.name for item in ds.items("a")][:3] == ["0.jpg", "2.jpg", "3.jpg"]
    ds.restore(snap)
    assert _state(ds) == before


def test_undoing_a_move_onto_the_same_content_brings_the_dropped_copy_back():
    ds = _dataset({"a": 4, "b": 2}, shared=2)  # b holds copies of a's first two photos
    before = _state(ds)
    paths = [ROOT / "a" / "0.jpg", ROOT / "a" / "3.jpg"]
    snap = ds.snapshot(["a", "b"])
    ds.move_items(paths, "b")
    assert ds.count("a") == 2 and ds.count("b") == 5  # a/0 was dropped: b already held its content
    ds.restore(snap)
    assert _state(ds) == before


@pytest.mark.parametrize(
    ("edit", "touched"),
    [
        (lambda ds: ds.new_class("d"), []),
        (lambda ds: ds.rename_class("b", "bees"), ["b"]),
        (lambda ds: ds.remove_class("a"), ["a"]),
        (lambda ds: ds.merge_classes(["c", "a"], "ac"), ["c", "a"]),
        (lambda ds: ds.merge_classes(["a", "c"], "b"), ["a", "c", "b"]),
        (lambda ds: ds.remove_items([ROOT / "b" / "1.jpg", ROOT / "c" / "2.jpg"]), ["b", "c"]),
    ],
    ids=["new", "rename", "delete", "merge-into-new", "merge-into-existing", "remove-photos"],
)
def test_every_edit_kind_is_undone_exactly(edit, touched):
    ds = _dataset({"a": 5, "b": 6, "c": 3}, shared=1)
    before = _state(ds)
    snap = ds.snapshot(touched)
    edit(ds)
    assert _state(ds) != before
    ds.restore(snap)
    assert _state(ds) == before
    assert ds.duplicates()[0].digest == "0-0"  # the digest index came back with the photos


def test_undoing_a_commit_removes_new_classes_and_photos_and_restores_the_skipped_list():
    ds = _dataset({"a": 3, "b": 3})
    before = _state(ds)
    plan = IntakePlan(
        items=[ImageItem(ROOT / "new" / f"{i}.jpg", f"n{i}", "a" if i % 2 else "new") for i in range(6)],
        skipped=[SkippedFile(ROOT / "worse.jpg", "not a photo")],
    )
    snap = ds.snapshot([label for label in {item.label for item in plan.items} if label in ds.class_names],
                       skipped=True)
    ds.commit(plan)
    assert ds.class_names == ["a", "b", "new"] and len(ds.skipped) == 2
    ds.restore(snap)
    assert _state(ds) == before


def test_a_restored_bin_is_a_copy_so_editing_again_leaves_the_snapshot_intact():
    ds = _dataset({"a": 4, "b": 4})
    before = _state(ds)
    snap = ds.snapshot(["a", "b"])
    for _ in range(3):  # undo, redo, undo... with the same snapshot
        ds.move_items([ROOT / "a" / "0.jpg"], "b")
        ds.restore(snap)
    assert _state(ds) == before


def test_restore_refuses_a_snapshot_that_was_not_told_about_a_changed_class():
    ds = _dataset({"a": 2, "b": 2})
    snap = ds.snapshot([])
    ds.rename_class("a", "ants")
    with pytest.raises(ValueError, match="'a'"):
        ds.restore(snap)


def test_restoring_real_photos_read_from_disk(tmp_path):
    files = imagegen.write_class_tree(tmp_path / "set", {"ants": 4, "bees": 3})
    ds = DataSet()
    ds.add_folder(tmp_path / "set")
    before = _state(ds)
    snap = ds.snapshot(["ants", "bees"])
    ds.move_items(files["ants"][1:3], "bees")
    ds.rename_class("bees", "apis")
    snap_after = ds.snapshot(["ants", "apis"])
    ds.restore(snap)
    assert _state(ds) == before
    ds.restore(snap_after)
    assert ds.class_counts() == {"ants": 2, "apis": 5}


_EDITS = st.lists(
    st.tuples(st.sampled_from(["move", "remove", "rename", "merge", "delete", "new"]), st.integers(0, 10**6)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(_EDITS)
def test_any_sequence_of_edits_undone_in_reverse_gives_back_the_start(edits):
    ds = _dataset({"a": 6, "b": 4, "c": 5}, shared=2)
    states, snaps = [_state(ds)], []
    for kind, seed in edits:
        names = ds.class_names
        paths = [item.path for item in ds.items()]
        if kind == "new":
            name = f"n{seed}"
            if name in names:
                continue
            snaps.append(ds.snapshot([]))
            ds.new_class(name)
        elif not names:
            continue
        elif kind in ("move", "remove") and paths:
            chosen = paths[seed % len(paths):: 1 + seed % 3][:5]
            target = names[seed % len(names)]
            touched = ds.labels_holding(chosen) + ([target] if kind == "move" else [])
            snaps.append(ds.snapshot(touched))
            if kind == "move":
                ds.move_items(chosen, target)
            else:
                ds.remove_items(chosen)
        elif kind == "rename":
            old, new = names[seed % len(names)], f"r{seed}"
            if new in names:
                continue
            snaps.append(ds.snapshot([old]))
            ds.rename_class(old, new)
        elif kind == "merge" and len(names) >= 2:
            sources = [names[seed % len(names)], names[(seed + 1) % len(names)]]
            target = names[(seed + 2) % len(names)] if seed % 2 else f"m{seed}"
            snaps.append(ds.snapshot([*sources, target] if target in names else sources))
            ds.merge_classes(sources, target)
        elif kind == "delete":
            label = names[seed % len(names)]
            snaps.append(ds.snapshot([label]))
            ds.remove_class(label)
        else:
            continue
        states.append(_state(ds))
    for snap, state in zip(reversed(snaps), reversed(states[:-1]), strict=True):
        ds.restore(snap)
        assert _state(ds) == state


# ---- paths written by hand: relative ones ---------------------------------------------------------


def test_relative_paths_are_taken_from_the_folder_given_never_the_working_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = {"version": 1, "classes": [{"name": "a", "items": [
        {"path": "a.jpg", "digest": "d1", "split": None},
        {"path": "../../x/./b.jpg", "digest": "d2", "split": None},
        {"path": "/abs/c.jpg", "digest": "d3", "split": None},
    ]}], "skipped": [{"path": "bad.jpg", "reason": "damaged"}], "kept_labels": [{"path": "a.jpg"}]}
    ds = DataSet.from_dict(data, relative_to=ROOT / "project")
    assert [item.path for item in ds.items()] == [ROOT / "project" / "a.jpg", Path("/x/b.jpg"), Path("/abs/c.jpg")]
    assert ds.skipped == [SkippedFile(ROOT / "project" / "bad.jpg", "damaged")]
    assert ds.to_dict()["kept_labels"] == [{"path": str(ROOT / "project" / "a.jpg")}]


@pytest.mark.parametrize("where", ["items", "skipped", "kept_labels"])
def test_a_relative_path_with_no_folder_to_take_it_from_is_damage(where):
    data = {"version": 1, "classes": [{"name": "a", "items": [{"path": "/abs/a.jpg", "digest": "d1", "split": None}]}]}
    if where == "items":
        data["classes"][0]["items"].append({"path": "b.jpg", "digest": "d2", "split": None})
    elif where == "skipped":
        data["skipped"] = [{"path": "b.jpg", "reason": "damaged"}]
    else:
        data["kept_labels"] = [{"path": "../b.jpg"}]
    with pytest.raises(DataError, match="is relative .* no folder it is relative to"):
        DataSet.from_dict(data)
