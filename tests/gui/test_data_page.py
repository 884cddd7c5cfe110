"""The Data tab driven like a user: real drops of file URLs, real decoding, real thumbnails."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

from tlgui.core.data.bins import DataSet  # noqa: E402
from tlgui.gui.controller import ProjectController  # noqa: E402
from tlgui.gui.pages.data.bins_model import DuplicateRole  # noqa: E402
from tlgui.gui.pages.data.data_page import DataPage  # noqa: E402
from tlgui.gui.widgets.thumbnails import THUMB_SIZE, ThumbnailLoader  # noqa: E402


@pytest.fixture
def page(qtbot):
    controller = ProjectController()
    page = DataPage(controller, loader=ThumbnailLoader(max_threads=2))
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    qtbot.waitExposed(page)
    yield page
    page.shutdown()


def url_mime(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(widget, mime: QMimeData, action=Qt.DropAction.CopyAction, pos: QPoint | None = None) -> bool:
    """Drag-enter then drop, as the window system delivers them; True when the drop was accepted."""
    point = QPointF(pos if pos is not None else widget.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), action, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(point, action, mime, buttons, mods)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def drop_and_wait(qtbot, page, widget, mime, **kwargs) -> None:
    """Drop, then wait for the background scan it starts to finish."""
    with qtbot.waitSignal(page.intake.done, timeout=20000):
        assert drop(widget, mime, **kwargs)


def class_tree(root: Path, counts: dict[str, int], start: int = 0) -> dict[str, list[Path]]:
    return imagegen.write_class_tree(root, counts, start_index=start, size=(40, 30))


@pytest.fixture
def filled(qtbot, page, tmp_path):
    """ants (5) and bees (6) dropped as a folder of class folders, with one corrupt file."""
    root = tmp_path / "insects"
    files = class_tree(root, {"ants": 5, "bees": 6})
    imagegen.write_truncated(root / "bees" / "broken.jpg")
    drop_and_wait(qtbot, page, page, url_mime([root]))
    return page, files, root


def test_empty_state_tells_what_to_do(page):
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.add_button.text() == "Add folder…"
    assert page.empty_state.isVisible()


def test_folder_of_class_folders_fills_bins_and_lists_the_bad_file(filled):
    page, _files, root = filled
    assert page.controller.dataset.class_names == ["ants", "bees"]
    assert page.panels["ants"].model.rowCount() == 5
    assert page.panels["bees"].model.rowCount() == 6
    assert page.panels["bees"].count_label.text() == "6 photos"
    assert page.stack.currentWidget() is page.scroll
    # The corrupt file is listed with its path and reason, visibly.
    assert page.skipped_panel.isVisible() and page.skipped_panel.expanded
    assert "1 file skipped" in page.skipped_panel.toggle.text()
    model = page.skipped_panel.model
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0)) == str(root / "bees" / "broken.jpg")
    assert model.data(model.index(0, 1))
    assert "2 classes · 11 photos · split: automatic" in page.summary.text()
    assert page.controller.dirty


def test_folder_of_images_becomes_one_bin_named_after_it(qtbot, page, tmp_path):
    folder = tmp_path / "wasps"
    for i in range(3):
        imagegen.write_image(folder / f"w{i}.png", i)
    drop_and_wait(qtbot, page, page, url_mime([folder]))
    assert page.controller.dataset.class_names == ["wasps"]


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="this file system takes only valid Unicode names")
def test_a_folder_named_in_no_utf8_dropped_on_the_page_becomes_a_bin(qtbot, page, tmp_path):
    """A Latin-1 "cafés" from an old zip, dropped as a file manager sends it: its bytes %-escaped."""
    folder = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9s")))
    for i in range(3):
        imagegen.write_image(folder / f"c{i}.png", i)
    mime = QMimeData()
    mime.setData("text/uri-list", QByteArray(b"file://" + quote_from_bytes(os.fsencode(folder)).encode() + b"\r\n"))
    drop_and_wait(qtbot, page, page, mime)
    assert page.controller.dataset.class_names == ["cafés"]
    assert [os.fsencode(item.path) for item in page.controller.dataset.items("cafés")] == [
        os.fsencode(folder / f"c{i}.png") for i in range(3)
    ]


def test_ambiguous_folder_asks_on_the_gui_thread(qtbot, page, tmp_path, monkeypatch):
    root = tmp_path / "mixed"
    class_tree(root, {"ants": 2, "bees": 2})
    imagegen.write_image(root / "loose.png", 99)
    asked = []

    def get_item(parent, title, question, choices, current, editable):
        asked.append(choices)
        questions.append(question)
        return choices[2], True  # everything in one class

    questions = []
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    drop_and_wait(qtbot, page, page, url_mime([root]))
    assert len(asked) == 1 and len(asked[0]) == 3
    assert "holds 1 image directly and 2 sub-folders with images" in questions[0]
    assert "put the 1 loose image in class" in asked[0][0]
    assert page.controller.dataset.class_names == ["mixed"]
    assert page.controller.dataset.count("mixed") == 5


def test_cancelling_the_question_leaves_the_bins_alone(qtbot, page, tmp_path, monkeypatch):
    root = tmp_path / "mixed"
    class_tree(root, {"ants": 2})
    imagegen.write_image(root / "loose.png", 99)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("", False)))
    with qtbot.waitSignal(page.intake.cancelled, timeout=20000):
        drop(page, url_mime([root]))
    qtbot.waitUntil(lambda: not page.busy())
    assert page.controller.dataset.class_names == []


def test_the_worker_only_reads_and_the_gui_thread_commits(qtbot, page, tmp_path, monkeypatch):
    root = tmp_path / "insects"
    class_tree(root, {"ants": 2, "bees": 2})
    calls = []
    for name in ("commit", "add_folder", "add_files", "new_class"):
        real = getattr(DataSet, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(DataSet, name, spy)
    drop_and_wait(qtbot, page, page, url_mime([root]))
    assert calls == [("commit", True)]
    assert page.controller.dataset.class_counts() == {"ants": 2, "bees": 2}


def test_a_cancelled_intake_of_several_folders_adds_none_of_them(qtbot, page, tmp_path, monkeypatch):
    clear = tmp_path / "clear"
    class_tree(clear, {"ants": 2})
    mixed = tmp_path / "mixed"
    class_tree(mixed, {"bees": 2}, start=10)
    imagegen.write_image(mixed / "loose.png", 99)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("", False)))
    with qtbot.waitSignal(page.intake.cancelled, timeout=20000):
        drop(page, url_mime([clear, mixed]))  # the first folder is read before the question comes
    qtbot.waitUntil(lambda: not page.busy())
    assert page.controller.dataset.class_names == [] and page.controller.dataset.skipped == []
    assert not page.controller.dirty  # nothing changed, nothing to save


def test_image_files_dropped_on_a_bin_join_it(qtbot, filled, tmp_path):
    page, _files, _root = filled
    extra = [imagegen.write_image(tmp_path / "new" / f"x{i}.png", 500 + i) for i in range(2)]
    view = page.panels["ants"].view
    drop_and_wait(qtbot, page, view.viewport(), url_mime(extra))
    assert page.controller.dataset.count("ants") == 7
    assert page.panels["ants"].model.rowCount() == 7


def test_a_file_of_another_class_dropped_on_a_bin_moves_there_not_doubled(qtbot, filled, tmp_path):
    page, files, _root = filled
    statuses: list[str] = []
    page.controller.statusMessage.connect(statuses.append)
    before = bins_state(page)
    ant = files["ants"][0]
    new = imagegen.write_image(tmp_path / "new" / "fresh.png", 600)
    drop_and_wait(qtbot, page, page.panels["bees"].view.viewport(), url_mime([ant, new]))
    dataset = page.controller.dataset
    assert dataset.labels_holding([ant]) == ["bees"] and dataset.duplicates() == []
    assert (dataset.count("ants"), dataset.count("bees")) == (4, 8)
    assert statuses[-1] == "Class “bees”: added 1 photo; moved 1 photo from other classes."
    assert page.controller.undo_stack.undoText() == "Add 2 photos to “bees”"
    undo_then_redo(qtbot, page, before)
    # Dropped again where it is now: nothing changes, nothing to undo.
    count = page.controller.undo_stack.count()
    drop_and_wait(qtbot, page, page.panels["bees"].view.viewport(), url_mime([ant]))
    assert statuses[-1] == "Class “bees”: 1 already there." and page.controller.undo_stack.count() == count


def test_files_dropped_on_empty_space_ask_which_bin(qtbot, filled, tmp_path, monkeypatch):
    page, _files, _root = filled
    extra = [imagegen.write_image(tmp_path / "loose" / f"y{i}.png", 700 + i) for i in range(3)]
    offered = []

    def get_item(parent, title, question, choices, current, editable):
        offered.append((list(choices), editable))
        return "hornets", True  # a new name typed in

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    drop_and_wait(qtbot, page, page.drop_zone, url_mime(extra))
    choices, editable = offered[0]
    assert editable and {"ants", "bees"} <= set(choices)
    assert page.controller.dataset.class_names == ["ants", "bees", "hornets"]
    assert page.panels["hornets"].model.rowCount() == 3


def test_dragging_thumbnails_to_another_bin_relabels_them(qtbot, filled):
    page, files, _root = filled
    ants, bees = page.panels["ants"], page.panels["bees"]
    mime = ants.model.mimeData([ants.model.index(0), ants.model.index(1)])
    assert drop(bees.view.viewport(), mime, Qt.DropAction.MoveAction)
    qtbot.waitUntil(lambda: page.controller.dataset.count("bees") == 8)
    assert page.controller.dataset.count("ants") == 3
    moved = {item.path for item in page.controller.dataset.items("bees")}
    assert set(files["ants"][:2]) <= moved
    assert ants.model.rowCount() == 3 and bees.model.rowCount() == 8


def test_thumbnails_cannot_be_dropped_back_on_their_own_bin(filled):
    page, _files, _root = filled
    ants = page.panels["ants"]
    mime = ants.model.mimeData([ants.model.index(0)])
    assert not drop(ants.view.viewport(), mime, Qt.DropAction.MoveAction)


def test_rename_by_double_clicking_the_title(qtbot, filled):
    page, _files, _root = filled
    panel = page.panels["ants"]
    qtbot.mouseDClick(panel.title, Qt.MouseButton.LeftButton)
    assert panel.renaming
    panel.title_edit.setText("formicidae")
    qtbot.keyClick(panel.title_edit, Qt.Key.Key_Return)
    assert page.controller.dataset.class_names == ["formicidae", "bees"]
    assert page.panels["formicidae"] is panel and panel.title.text() == "formicidae"
    assert panel.model.rowCount() == 5


def test_rename_to_an_existing_name_is_refused_with_a_message(qtbot, filled):
    page, _files, _root = filled
    errors = []
    page.controller.errorRaised.connect(errors.append)
    assert not page.rename_class("ants", "bees")
    assert "already exists" in errors[0]
    assert page.controller.dataset.class_names == ["ants", "bees"]


def test_merge_ticked_bins(qtbot, filled, monkeypatch):
    page, _files, _root = filled
    page.panels["ants"].check.setChecked(True)
    page.panels["bees"].check.setChecked(True)
    assert page.merge_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("insects", True)))
    page.merge_button.click()
    assert page.controller.dataset.class_names == ["insects"]
    assert page.panels["insects"].model.rowCount() == 11
    assert set(page.panels) == {"insects"}


def test_delete_ticked_bin_after_confirming(qtbot, filled, monkeypatch):
    page, _files, _root = filled
    page.panels["bees"].check.setChecked(True)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    page.delete_button.click()
    assert page.controller.dataset.class_names == ["ants"]
    assert "bees" not in page.panels


def test_delete_key_removes_selected_photos(qtbot, filled):
    page, _files, _root = filled
    panel = page.panels["bees"]
    panel.view.setFocus()
    panel.view.selectionModel().select(panel.model.index(0), panel.view.selectionModel().SelectionFlag.Select)
    panel.view.selectionModel().select(panel.model.index(1), panel.view.selectionModel().SelectionFlag.Select)
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert page.controller.dataset.count("bees") == 4
    assert panel.model.rowCount() == 4


def test_new_class_from_the_toolbar(qtbot, filled, monkeypatch):
    page, _files, _root = filled
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("wasps", True)))
    page.new_class_button.click()
    assert page.controller.dataset.class_names == ["ants", "bees", "wasps"]
    qtbot.waitUntil(page.panels["wasps"].empty_hint.isVisible)
    assert page.panels["wasps"].warning_icon.toolTip().startswith("Needs at least 2")


def test_thumbnails_arrive_lazily(qtbot, filled):
    page, files, _root = filled
    model = page.panels["ants"].model
    qtbot.waitUntil(lambda: page.loader.cached(files["ants"][0]) is not None, timeout=10000)
    image = model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
    # The photo is 40x30 of one colour: scaled to 96x72, the same colour.
    assert isinstance(image, QImage) and (image.width(), image.height()) == (THUMB_SIZE, 72)
    colour = image.pixelColor(THUMB_SIZE // 2, 36)
    assert (colour.red(), colour.green(), colour.blue()) == imagegen.unique_colour(0)


def test_only_painted_rows_request_thumbnails(qtbot, page, tmp_path):
    root = tmp_path / "many"
    class_tree(root, {"lots": 400})
    drop_and_wait(qtbot, page, page, url_mime([root]))
    files = list(root.joinpath("lots").iterdir())

    def decoded() -> int:
        return sum(page.loader.cached(p) is not None for p in files)

    qtbot.waitUntil(lambda: decoded() > 0 and page.loader.pending() == 0, timeout=20000)
    qtbot.wait(200)  # let any further paints request what they would
    assert 0 < decoded() < 100  # three rows on screen, not 400


def test_duplicates_across_bins_are_flagged(qtbot, page, tmp_path):
    root = tmp_path / "dups"
    class_tree(root, {"ants": 3, "bees": 3})
    same = root / "bees" / "copy_of_ant.png"
    same.write_bytes((root / "ants" / "ants_0.png").read_bytes())
    drop_and_wait(qtbot, page, page, url_mime([root]))
    assert page.duplicates_banner.isVisible()
    assert page.duplicates_banner.text.text().startswith("⚠ 1 photo appears in two classes")
    bees = page.panels["bees"]
    row = bees.model.row_of(same)
    assert bees.model.data(bees.model.index(row), DuplicateRole)
    dialog = page.show_duplicates()
    model = dialog.model
    assert (model.rowCount(), model.columnCount()) == (1, 2)
    # Each copy is shown as its picture (decoded off the GUI thread), with its class and file name.
    qtbot.waitUntil(lambda: all(isinstance(model.data(model.index(0, c), Qt.ItemDataRole.DecorationRole), QImage)
                                for c in range(2)), timeout=10000)
    for column in range(2):
        image = model.data(model.index(0, column), Qt.ItemDataRole.DecorationRole)
        colour = image.pixelColor(image.width() // 2, image.height() // 2)
        assert (colour.red(), colour.green(), colour.blue()) == imagegen.unique_colour(0)
    labels = {model.data(model.index(0, c)).split("\n")[0] for c in range(2)}
    assert labels == {"ants", "bees"}
    copy = next(model.index(0, c) for c in range(2) if model.item(model.index(0, c)).label == "bees")
    assert model.data(copy).endswith("copy_of_ant.png")
    dialog.table.activated.emit(copy)
    assert bees.selected_paths() == [same]
    dialog.close()


def test_bins_flag_too_few_photos_for_the_chosen_freeze_level(qtbot, filled):
    from dataclasses import replace

    page, _files, _root = filled
    controller = page.controller
    panel = next(iter(page.panels.values()))
    assert panel.regime == "head" and panel.property("severity") == ""
    controller.set_config(replace(controller.config, freeze_level=2))
    assert panel.regime == "partial"
    assert panel.property("severity") == "warning"
    assert "too few to retrain" in panel.warning_icon.toolTip()
    controller.set_config(replace(controller.config, freeze_level=0))
    assert panel.property("severity") == ""


def test_given_split_is_reported(qtbot, page, tmp_path):
    root = tmp_path / "split"
    class_tree(root / "train", {"ants": 3, "bees": 3})
    class_tree(root / "val", {"ants": 2, "bees": 2}, start=100)
    drop_and_wait(qtbot, page, page, url_mime([root]))
    assert "split: given by train/val folders" in page.summary.text()
    assert page.controller.dataset.count("ants") == 5


# ---- undo / redo: every edit of the bins goes back exactly --------------------------------------------


def bins_state(page) -> dict:
    return page.controller.dataset.to_dict()


def shown_state(page) -> dict[str, list[str]]:
    """What the panels show: class -> file names, in bin order."""
    return {label: [panel.model.item(r).path.name for r in range(panel.model.rowCount())]
            for label, panel in page.panels.items()}


def undo_then_redo(qtbot, page, before: dict) -> None:
    """Undo the last edit (the bins and the panels as before), redo it (as after)."""
    after, after_shown = bins_state(page), shown_state(page)
    assert after != before
    page.controller.undo_stack.undo()
    assert bins_state(page) == before
    assert list(page.panels) == [c["name"] for c in before["classes"]]
    page.controller.undo_stack.redo()
    assert bins_state(page) == after
    assert shown_state(page) == after_shown


def select(panel, rows) -> None:
    selection = panel.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(panel.model.index(row), selection.SelectionFlag.Select)


def test_undo_and_redo_of_adding_a_folder(qtbot, filled, tmp_path):
    page, _files, _root = filled
    before = bins_state(page)
    more = tmp_path / "more"
    class_tree(more, {"ants": 2, "wasps": 3}, start=50)
    imagegen.write_truncated(more / "wasps" / "bad.jpg")
    drop_and_wait(qtbot, page, page, url_mime([more]))
    assert page.controller.undo_stack.undoText() == "Add 5 photos"
    undo_then_redo(qtbot, page, before)
    page.controller.undo_stack.undo()
    assert len(page.controller.dataset.skipped) == 1  # the second bad file is gone with its intake


def test_the_undo_of_adding_a_folder_is_named_after_the_photos_added_not_those_left_out(qtbot, filled, tmp_path):
    page, _files, _root = filled
    more = tmp_path / "more"
    class_tree(more, {"ants": 2, "wasps": 3}, start=50)
    shutil.copy(more / "ants" / sorted(os.listdir(more / "ants"))[0], more / "ants" / "same-picture.jpg")
    drop_and_wait(qtbot, page, page, url_mime([more]))
    # The copy is the same picture as another ant: left out, as the status line says.
    assert page.controller.undo_stack.undoText() == "Add 5 photos"


@pytest.mark.parametrize("edit", ["new", "rename", "delete", "merge", "merge-existing", "remove"])
def test_undo_and_redo_of_each_class_edit(qtbot, filled, monkeypatch, edit):
    page, files, _root = filled
    before = bins_state(page)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    if edit == "new":
        monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("wasps", True)))
        assert page.new_class() == "wasps"
    elif edit == "rename":
        assert page.rename_class("ants", "formicidae")
    elif edit == "delete":
        assert page.delete_classes(["ants"])
    elif edit == "merge":
        assert page.merge_classes(["bees", "ants"], "insects")
    elif edit == "merge-existing":
        assert page.merge_classes(["ants", "bees"], "bees")
    else:
        select(page.panels["bees"], [0, 2, 4])
        assert page.remove_selected() == 3
    undo_then_redo(qtbot, page, before)


def test_undo_of_a_move_of_many_photos_puts_each_back_in_its_place(qtbot, page, tmp_path):
    root = tmp_path / "many"
    class_tree(root, {"cats": 120, "dogs": 40, "foxes": 10})
    drop_and_wait(qtbot, page, page, url_mime([root]))
    before = bins_state(page)
    cats, dogs = page.panels["cats"], page.panels["dogs"]
    paths = [cats.model.item(r).path for r in range(0, 120, 2)] + [dogs.model.item(r).path for r in (1, 5)]
    assert page.move_items(paths, "foxes")
    assert page.controller.dataset.count("foxes") == 72
    assert page.controller.undo_stack.undoText() == "Move 62 photos to “foxes”"
    undo_then_redo(qtbot, page, before)
    # Undo the move after the move was redone: the same again.
    page.controller.undo_stack.undo()
    assert shown_state(page)["cats"] == sorted(p.name for p in files_of(root / "cats"))


def files_of(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file()]


def test_a_drag_between_bins_is_undone_too(qtbot, filled):
    page, files, _root = filled
    before = bins_state(page)
    ants, bees = page.panels["ants"], page.panels["bees"]
    assert drop(bees.view.viewport(), ants.model.mimeData([ants.model.index(1), ants.model.index(3)]),
                Qt.DropAction.MoveAction)
    qtbot.waitUntil(lambda: page.controller.dataset.count("bees") == 8)
    # The moved photos are shown where they went: selected, the bin outlined.
    assert set(bees.selected_paths()) == {files["ants"][1], files["ants"][3]}
    assert bees.highlighted
    undo_then_redo(qtbot, page, before)


def test_saved_then_undone_back_to_the_save_is_not_unsaved(qtbot, filled):
    page, _files, _root = filled
    controller = page.controller
    controller.mark_clean()  # as after a save
    assert page.rename_class("ants", "formicidae") and controller.dirty
    controller.undo_stack.undo()
    assert not controller.dirty
    controller.undo_stack.redo()
    assert controller.dirty
    # A change outside the stack keeps the project unsaved whatever is undone, and clears the stack
    # (its edits would no longer fit the bins).
    controller.notify_dataset_changed()
    assert controller.dirty and controller.undo_stack.count() == 0


def test_a_new_project_starts_with_nothing_to_undo(qtbot, filled):
    page, _files, _root = filled
    assert page.controller.undo_stack.canUndo()
    page.controller.new_project()
    assert not page.controller.undo_stack.canUndo() and not page.controller.dirty


# ---- Move to class… ---------------------------------------------------------------------------------


def test_move_to_class_moves_the_selected_photos_and_shows_them_there(qtbot, filled, monkeypatch):
    page, files, _root = filled
    ants = page.panels["ants"]
    assert not page.move_action.isEnabled()
    select(ants, [0, 4])
    assert page.move_action.isEnabled()
    asked = []

    def get_item(parent, title, question, choices, current, editable):
        asked.append((question, list(choices)))
        return "bees", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    page.move_action.trigger()
    assert asked[0][0].startswith("Move these 2 photos to which class?")
    assert asked[0][1] == ["bees"]  # not the class they are in
    assert page.controller.dataset.count("bees") == 8
    bees = page.panels["bees"]
    assert set(bees.selected_paths()) == {files["ants"][0], files["ants"][4]}
    assert bees.highlighted
    messages = []
    page.controller.statusMessage.connect(messages.append)
    page.controller.undo_stack.undo()
    assert page.controller.dataset.count("ants") == 5
    assert set(ants.selected_paths()) == {files["ants"][0], files["ants"][4]}  # shown back home
    assert messages[-1] == "Undone: Move 2 photos to “bees”."


def test_move_to_a_new_class_creates_it_and_undo_removes_it(qtbot, filled, monkeypatch):
    page, files, _root = filled
    before = bins_state(page)
    select(page.panels["bees"], [1])
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("hornets", True)))
    assert page.move_selected()
    assert page.controller.dataset.class_names == ["ants", "bees", "hornets"]
    assert page.panels["hornets"].model.rowCount() == 1
    undo_then_redo(qtbot, page, before)


def test_move_without_a_selection_says_what_to_do(qtbot, filled):
    page, _files, _root = filled
    messages = []
    page.controller.statusMessage.connect(messages.append)
    assert not page.move_selected()
    assert messages and "Select photos first" in messages[-1]


# ---- showing where things went ----------------------------------------------------------------------


def visible_in_scroll(page, widget) -> bool:
    """True when the middle of ``widget`` is inside the bins' scrolled viewport."""
    viewport = page.scroll.viewport()
    centre = widget.mapTo(viewport, widget.rect().center())
    return viewport.rect().contains(centre)


def test_a_new_class_is_scrolled_into_view_and_outlined(qtbot, page, tmp_path, monkeypatch):
    root = tmp_path / "tall"
    class_tree(root, {name: 30 for name in ("a", "b", "c", "d", "e")})
    drop_and_wait(qtbot, page, page, url_mime([root]))
    assert page.scroll.verticalScrollBar().maximum() > 0  # the bins are taller than the page
    page.scroll.verticalScrollBar().setValue(0)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("zebra", True)))
    page.new_class_button.click()
    panel = page.panels["zebra"]
    qtbot.waitUntil(lambda: visible_in_scroll(page, panel), timeout=5000)
    assert panel.highlighted
    qtbot.waitUntil(lambda: not panel.highlighted, timeout=5000)  # only for a moment


def test_each_bin_shows_all_its_photos_and_only_the_page_scrolls(qtbot, page, tmp_path):
    root = tmp_path / "big"
    class_tree(root, {"lots": 150})
    drop_and_wait(qtbot, page, page, url_mime([root]))
    view = page.panels["lots"].view
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0)
    last = view.visualRect(view.model().index(149))
    assert last.bottom() <= view.viewport().height()
    assert page.scroll.verticalScrollBar().maximum() > 0


def test_dragging_near_the_bottom_scrolls_the_bins(qtbot, page, tmp_path):
    root = tmp_path / "tall"
    class_tree(root, {"a": 60, "b": 60})
    drop_and_wait(qtbot, page, page, url_mime([root]))
    bar = page.scroll.verticalScrollBar()
    bar.setValue(0)
    viewport = page.scroll.viewport()
    page.drag_scroller.follow(viewport.mapToGlobal(QPoint(50, viewport.height() - 5)))
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=3000)
    page.drag_scroller.follow(viewport.mapToGlobal(viewport.rect().center()))
    value = bar.value()
    qtbot.wait(150)
    assert bar.value() == value  # away from the edge it stops


# ---- words ------------------------------------------------------------------------------------------


def test_loose_files_are_read_before_their_class_is_asked(qtbot, page, tmp_path, monkeypatch):
    note = tmp_path / "loose" / "notes.txt"
    note.parent.mkdir()
    note.write_text("not a photo")
    asked = []
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: asked.append(a) or ("x", True)))
    drop_and_wait(qtbot, page, page, url_mime([note]))
    assert asked == []  # no question about a file that is not a photo
    assert page.controller.dataset.class_names == []
    assert page.notice.isVisible() and "None of the files can be read as a photo" in page.notice.text.text()
    assert page.skipped_panel.model.rowCount() == 1


def test_one_loose_photo_is_asked_about_in_the_singular(qtbot, page, tmp_path, monkeypatch):
    photo = imagegen.write_image(tmp_path / "loose" / "one.png", 3)
    questions = []

    def get_item(parent, title, question, choices, current, editable):
        questions.append(question)
        return "singles", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    messages = []
    page.controller.statusMessage.connect(messages.append)
    drop_and_wait(qtbot, page, page, url_mime([photo]))
    assert questions[0].startswith("Which class does this photo belong to?")
    assert page.controller.dataset.class_names == ["singles"]
    assert messages[-1] == "Added 1 photo; new class: singles."


def test_an_empty_folder_is_said_where_it_stays(qtbot, page, tmp_path):
    empty = tmp_path / "holiday"
    empty.mkdir()
    (empty / "readme.txt").write_text("no photos here")
    drop_and_wait(qtbot, page, page, url_mime([empty]))
    assert page.notice.isVisible()
    assert page.notice.text.text().startswith("No photos found in “holiday”, so nothing was added.")
    assert not page.controller.undo_stack.canUndo() and not page.controller.dirty


def test_counts_are_words_that_agree(filled):
    page, _files, _root = filled
    assert page.summary.text().startswith("2 classes · 11 photos")
    assert "1 file skipped" in page.skipped_panel.toggle.text()
    from tlgui.gui.widgets.progress_text import counted

    assert [counted(n, "photo") for n in (0, 1, 2, 1204)] == ["0 photos", "1 photo", "2 photos", "1,204 photos"]
    assert counted(1, "class", "classes") == "1 class" and counted(3, "class", "classes") == "3 classes"


# ---- looking at photos ------------------------------------------------------------------------------


def test_the_size_slider_makes_thumbnails_larger(qtbot, filled):
    page, files, _root = filled
    panel = page.panels["ants"]
    qtbot.waitUntil(lambda: page.loader.cached(files["ants"][0]) is not None, timeout=10000)
    page.size_slider.setValue(192)
    qtbot.waitUntil(lambda: page.loader.size == 192, timeout=3000)
    assert panel.view.gridSize().width() == 192 + 8
    # The old thumbnail serves until the new one is decoded, at the new size.
    qtbot.waitUntil(lambda: page.loader.cached(files["ants"][0]) is not None, timeout=10000)
    assert page.loader.cached(files["ants"][0]).width() == 192
    assert panel.view.verticalScrollBar().maximum() == 0  # the bin grew with its cells


def test_space_shows_a_photo_large_and_arrows_step_through_the_bin(qtbot, filled):
    page, files, _root = filled
    panel = page.panels["ants"]
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(1))
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    preview = page.preview
    assert preview is not None and preview.isVisible()
    assert preview.item.path == files["ants"][1]
    assert "Class “ants” · photo 2 of 5" in preview.caption.text()
    qtbot.keyClick(preview, Qt.Key.Key_Right)
    assert preview.item.path == files["ants"][2]
    # The large picture is decoded in the background and shown once it is there.
    qtbot.waitUntil(lambda: preview.loader.cached(files["ants"][2]) is not None, timeout=10000)
    assert not preview.picture.pixmap().isNull()
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.preview is None, timeout=3000)


def test_double_click_shows_a_photo_large(qtbot, filled):
    page, files, _root = filled
    view = page.panels["bees"].view
    view.doubleClicked.emit(page.panels["bees"].model.index(0))
    assert page.preview is not None and page.preview.item.path == files["bees"][0]
    page.preview.close()


# ---- the first start -----------------------------------------------------------------------------------


def test_the_demo_says_it_is_a_demo_and_what_comes_next(qtbot, page):
    from tlgui.core.data.demo import demo_dataset

    page.controller.new_project(demo_dataset())
    assert page.demo_banner.isVisible()
    assert "demo" in page.demo_banner.text.text() and "Train" in page.demo_banner.text.text()
    with qtbot.waitSignal(page.trainRequested):
        page.demo_banner.train_button.click()
    page.controller.new_project()
    assert not page.demo_banner.isVisible()


def test_the_demo_banner_goes_once_the_bins_are_no_longer_the_demo(qtbot, page, tmp_path, monkeypatch):
    from tlgui.core.data.demo import demo_dataset
    from tlgui.gui.pages.data import dialogs

    controller = page.controller
    controller.new_project(demo_dataset())
    banner = page.demo_banner
    assert banner.isVisible()

    # A photo of the user's own, added as the Data page adds photos (one undoable edit).
    own = imagegen.write_image(tmp_path / "mine" / "my_ant.png", 1, size=(40, 30))
    drop_and_wait(qtbot, page, page.panels["ants"].view.viewport(), url_mime([own]))
    assert own in {item.path for item in controller.dataset.items("ants")}
    assert not banner.isVisible()
    controller.undo_stack.undo()  # the demo again: the banner is back
    assert banner.isVisible()

    # A demo class deleted, or one of the user's own beside the demo's.
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args: True)
    assert page.delete_classes(["bees"])
    assert not banner.isVisible()
    controller.new_project(demo_dataset())
    assert banner.isVisible()
    controller.dataset.new_class("wasps")
    controller.notify_dataset_changed()
    assert not banner.isVisible()

    # Another project, opened from a file: not the demo.
    other = DataSet()
    other.add_files("ants", [own])
    controller.new_project(other)
    assert not banner.isVisible()

    # Closed by the user, it stays closed over that project, and comes back for the next demo.
    controller.new_project(demo_dataset())
    banner.close_button.click()
    controller.dataset.remove_items([controller.dataset.items("ants")[0].path])
    controller.notify_dataset_changed()
    assert not banner.isVisible()
    controller.new_project(demo_dataset())
    assert banner.isVisible()


def test_a_class_name_with_an_ampersand_is_no_keyboard_shortcut_in_the_undo_text(qtbot, filled, monkeypatch):
    page, _files, _root = filled
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("R&D", True)))
    page.new_class()
    stack = page.controller.undo_stack
    assert stack.text(stack.index() - 1) == "New class “R&D”"  # as an undo list shows it
    assert stack.undoText() == "New class “R&&D”"  # as Edit > Undo shows it: a literal "&"


def test_adding_a_folder_again_changes_nothing_and_leaves_nothing_to_undo(qtbot, filled):
    page, _files, root = filled
    stack = page.controller.undo_stack
    count = stack.count()
    messages = []
    page.controller.statusMessage.connect(messages.append)
    drop_and_wait(qtbot, page, page, url_mime([root / "ants"]))
    assert stack.count() == count
    assert messages[-1] == "Added 0 photos; 5 photos already there left out."


@pytest.mark.parametrize("width", [1280, 1024, 640])
def test_the_duplicates_banner_wraps_its_sentence_beside_its_button(qtbot, tmp_path, width):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from tlgui.gui.pages.data.banners import DuplicatesBanner

    dataset = DataSet()
    for label in ("cardboard", "glass", "metal"):  # the same picture in three classes
        dataset.add_files(label, [imagegen.write_image(tmp_path / label / "same.png", 7, size=(20, 16))])
    holder = QWidget()
    qtbot.addWidget(holder)
    banner = DuplicatesBanner()
    layout = QVBoxLayout(holder)
    layout.addWidget(banner)
    layout.addStretch(1)
    banner.set_duplicates(dataset.duplicates())
    holder.resize(width, 400)
    holder.show()
    qtbot.waitExposed(holder)
    text, button = banner.text, banner.button
    assert "several classes" in text.text()
    assert text.height() >= text.heightForWidth(text.width())  # every line of it, none cut off
    assert text.geometry().right() < button.geometry().left()  # the button beside, not over it
    assert banner.rect().contains(button.geometry()) and button.width() >= button.sizeHint().width()
    if width < 700:
        assert text.heightForWidth(text.width()) > text.fontMetrics().height()  # it wrapped


def test_folders_that_together_pass_the_class_limit_add_nothing(qtbot, page, tmp_path, monkeypatch):
    from tlgui.core.data import items

    monkeypatch.setattr(items, "MAX_CLASSES", 3)
    first, second = class_tree(tmp_path / "one", {"a": 2, "b": 2}), class_tree(tmp_path / "two", {"c": 2, "d": 2})
    assert first and second
    errors: list[str] = []
    page.controller.errorRaised.connect(errors.append)
    drop_and_wait(qtbot, page, page, url_mime([tmp_path / "one", tmp_path / "two"]))
    # Each folder alone fits; together they would make four classes: neither lands, nothing to undo.
    assert errors == ["A project holds at most 3 classes, and this would make 4. If each sub-folder is not a "
                      "class, add the folders that are."]
    assert page.dataset.class_names == [] and page.panels == {}
    assert page.controller.undo_stack.count() == 0
    drop_and_wait(qtbot, page, page, url_mime([tmp_path / "one"]))
    assert page.dataset.class_names == ["a", "b"]



@pytest.mark.parametrize("replace", ["new", "open"])
def test_photos_still_being_read_when_another_project_replaces_this_one_are_not_added_to_it(
        qtbot, page, tmp_path, monkeypatch, replace):
    """File > New or Open while a dropped folder is read: what the scan finds was meant for the
    project that is gone, so it must not land in the new one (even when the scan ends regardless)."""
    import tlgui.gui.pages.data.intake as intake_module

    root = tmp_path / "insects"
    class_tree(root, {"ants": 2, "bees": 2})
    started, release = threading.Event(), threading.Event()
    real_plan = intake_module.plan_folder

    def slow_plan(*args, **kwargs):
        started.set()
        release.wait(20)
        return real_plan(*args, **kwargs)  # finishes whatever Stop said: the result itself is dropped

    monkeypatch.setattr(intake_module, "plan_folder", slow_plan)
    saved = tmp_path / "other.tlgui"
    if replace == "open":
        other = ProjectController()
        other.new_project(DataSet())
        other.save_project(saved)
    assert page.add_paths([root])
    assert started.wait(20)
    if replace == "new":
        page.controller.new_project()
    else:
        page.controller.load_project(saved)
    release.set()
    qtbot.waitUntil(lambda: not page.busy(), timeout=20000)
    assert page.controller.dataset.class_names == []
    assert not page.controller.dirty
    # The next drop is read and added as usual.
    with qtbot.waitSignal(page.intake.done, timeout=20000):
        page.add_paths([root])
    assert page.controller.dataset.class_counts() == {"ants": 2, "bees": 2}
