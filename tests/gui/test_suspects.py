"""Data > Check photos…: planted strays in the gallery, one-click moves that Undo takes back,
Keep, and near-duplicate pairs as two pictures. Real generated photos, the real bundled backbone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for photos

from photos import write_learnable_photo, write_learnable_tree  # noqa: E402

from tlgui.core.data.bins import DataSet  # noqa: E402
from tlgui.core.quality import DuplicateKind  # noqa: E402
from tlgui.gui.controller import ProjectController  # noqa: E402
from tlgui.gui.pages.data.data_page import DataPage  # noqa: E402
from tlgui.gui.pages.data.suspects import PhotoCheckDialog  # noqa: E402
from tlgui.gui.widgets.thumbnails import ThumbnailLoader  # noqa: E402

CHECK_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Red, blue and green classes of 12 photos, two red photos filed as blue and one blue as green
    (the set of tests/core/test_quality.py): (root, {misfiled file name: its true class})."""
    root = tmp_path_factory.mktemp("planted")
    write_learnable_tree(root, {"red": 12, "blue": 12, "green": 12})
    strays = {
        write_learnable_photo(root / "blue" / "stray_red_a.jpg", "red", 100).name: "red",
        write_learnable_photo(root / "blue" / "stray_red_b.jpg", "red", 101).name: "red",
        write_learnable_photo(root / "green" / "stray_blue.jpg", "blue", 102).name: "blue",
    }
    return root, strays


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    """Red and blue classes of 6 photos and a re-encoded copy of one blue photo beside it:
    (root, (the photo, its copy))."""
    root = tmp_path_factory.mktemp("copied")
    write_learnable_tree(root, {"red": 6, "blue": 6})
    original = root / "blue" / "blue_3.jpg"
    copy = root / "blue" / "blue_3_again.jpg"
    Image.open(original).save(copy, quality=60)
    return root, (original, copy)


@pytest.fixture(scope="module")
def feature_cache_dir(tmp_path_factory):
    """One feature cache for the module: the first check of a set computes, the others read."""
    return tmp_path_factory.mktemp("feature-cache")


@pytest.fixture
def open_check(qtbot, feature_cache_dir, bundled_network, monkeypatch):
    """``open_check(root)``: a Data page on the photos under ``root`` with a finished check:
    (page, dialog)."""
    monkeypatch.setenv("TLGUI_CACHE_DIR", str(feature_cache_dir))
    pages = []

    def open_(root: Path):
        controller = ProjectController()
        dataset = DataSet()
        dataset.add_folder(root)
        controller.set_dataset(dataset)
        controller.set_network(bundled_network)  # the dialog hands the worker a copy
        page = DataPage(controller, loader=ThumbnailLoader(max_threads=2))
        qtbot.addWidget(page)
        pages.append(page)
        page.resize(1000, 700)
        page.show()
        dialog = page.check_photos()
        assert isinstance(dialog, PhotoCheckDialog) and page.photo_check is dialog
        qtbot.waitUntil(lambda: dialog.result is not None, timeout=CHECK_TIMEOUT_MS)
        return page, dialog

    yield open_
    for page in pages:
        if page.photo_check is not None:
            page.photo_check.close()
        page.shutdown()


@pytest.fixture
def checked(open_check, planted):
    root, strays = planted
    page, dialog = open_check(root)
    return page, dialog, strays


def shown_suspects(dialog):
    model = dialog.suspects_model
    return [model.suspect(row) for row in range(model.rowCount())]


def select_suspect(dialog, name: str) -> None:
    row = next(r for r, s in enumerate(shown_suspects(dialog)) if s.item.path.name == name)
    dialog.gallery.setCurrentIndex(dialog.suspects_model.index(row))


@pytest.mark.slow
def test_the_gallery_lists_the_planted_strays_with_their_true_class(checked):
    page, dialog, strays = checked
    suspects = shown_suspects(dialog)
    assert {s.item.path.name: s.suggested for s in suspects} == strays
    assert all(s.given != s.suggested for s in suspects)
    assert dialog.tabs.isEnabled()
    assert dialog.gallery.currentIndex().row() == 0  # ready for one click
    first = suspects[0]
    assert dialog.move_button.text() == f"Move to “{first.suggested}”"
    assert dialog.suspects_model.data(dialog.suspects_model.index(0)) == f"{first.given} → {first.suggested}"
    # Double-click: the photo is selected in its bin.
    dialog.gallery.activated.emit(dialog.suspects_model.index(0))
    assert page.panels[first.given].selected_paths() == [first.item.path]


@pytest.mark.slow
def test_move_is_one_click_and_edit_undo_takes_it_back(checked, qtbot):
    page, dialog, strays = checked
    controller = page.controller
    first = shown_suspects(dialog)[0]
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    assert first.item.path in {item.path for item in controller.dataset.items(first.suggested)}
    assert first.item.path not in {s.item.path for s in shown_suspects(dialog)}
    # The next suspect is chosen: the following click moves it.
    assert dialog.current_suspect() is not None and dialog.current_suspect() != first
    assert controller.undo_stack.count() == 1
    controller.undo_stack.undo()
    assert first.item.path in {item.path for item in controller.dataset.items(first.given)}
    assert first in shown_suspects(dialog)


@pytest.mark.slow
def test_keep_hides_the_photo_and_the_project_remembers_it(checked, qtbot, tmp_path):
    page, dialog, strays = checked
    kept_name = "stray_red_b.jpg"
    before = {s.item.path.name for s in shown_suspects(dialog)}
    select_suspect(dialog, kept_name)
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    assert kept_name not in {s.item.path.name for s in shown_suspects(dialog)}
    controller = page.controller
    assert {p.name for p in controller.dataset.kept_labels} == {kept_name}
    assert controller.dataset.count("blue") == 14  # nothing moved
    assert controller.dirty and controller.undo_stack.count() == 0
    # A new check does not suggest it again.
    dialog.close()
    again = page.check_photos()
    qtbot.waitUntil(lambda: again.result is not None, timeout=CHECK_TIMEOUT_MS)
    assert {s.item.path.name for s in shown_suspects(again)} == before - {kept_name}
    again.close()
    # Saved with the project and read back.
    saved = controller.save_project(tmp_path / "kept")
    controller.new_project()
    controller.load_project(saved)
    assert {p.name for p in controller.dataset.kept_labels} == {kept_name}


@pytest.mark.slow
def test_a_copy_is_a_pair_of_two_pictures_and_removing_one_is_undoable(open_check, copied, qtbot):
    root, (original, copy) = copied
    page, dialog = open_check(root)
    dialog.tabs.setCurrentIndex(1)
    model = dialog.pairs_model
    rows = [model.pair(r) for r in range(model.rowCount())]
    [pair] = [p for p in rows if {p.first.path, p.second.path} == {original, copy}]
    assert DuplicateKind.WITHIN_CLASS in pair.kinds
    row = rows.index(pair)
    pictures = [model.index(row, column) for column in (0, 1)]
    assert [model.item(i).path for i in pictures] == [pair.first.path, pair.second.path]
    qtbot.waitUntil(lambda: all(isinstance(model.data(i, Qt.ItemDataRole.DecorationRole), QImage)
                                for i in pictures), timeout=10_000)
    assert "alike · within one class" in model.data(model.index(row, 2))

    dialog.pairs.setCurrentIndex(model.index(row, 0))
    qtbot.mouseClick(dialog.remove_second_button, Qt.MouseButton.LeftButton)
    dataset = page.controller.dataset
    assert pair.second.path not in {item.path for item in dataset.items()}
    assert pair not in [model.pair(r) for r in range(model.rowCount())]
    page.controller.undo_stack.undo()
    assert pair.second.path in {item.path for item in page.controller.dataset.items(pair.second.label)}
    assert pair in [model.pair(r) for r in range(model.rowCount())]


def test_the_check_needs_photos(qtbot):
    controller = ProjectController()
    page = DataPage(controller, loader=ThumbnailLoader(max_threads=1))
    qtbot.addWidget(page)
    assert not page.check_button.isEnabled()
    assert not page.check_action.isEnabled()
    page.shutdown()


def test_projects_without_kept_photos_keep_their_old_form(tmp_path):
    photo = write_learnable_photo(tmp_path / "red" / "a.jpg", "red", 0)
    dataset = DataSet()
    dataset.add_folder(tmp_path)
    assert "kept_labels" not in dataset.to_dict()
    dataset.keep_label(photo)
    dataset.keep_label(tmp_path / "gone.jpg")  # not in the bins: not saved
    again = DataSet.from_dict(dataset.to_dict())
    assert again.kept_labels == {photo}
    assert again.copy().kept_labels == {photo}
