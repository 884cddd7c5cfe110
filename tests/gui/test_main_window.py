"""The main window: tabs, title, saving and reopening, unsaved-change prompts, errors, recent files."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

from tlgui.gui import app as app_module  # noqa: E402
from tlgui.gui import controller as controller_module  # noqa: E402
from tlgui.gui.main_window import MAX_RECENT, TAB_TITLES, MainWindow  # noqa: E402
from tlgui.gui.settings import app_settings  # noqa: E402

Button = QMessageBox.StandardButton


def dispose(window: MainWindow) -> None:
    """Close without the unsaved-changes question (qtbot.addWidget would close it too late)."""
    window.controller.mark_clean()
    window.close()
    window.shutdown()
    window.deleteLater()


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    window.show()
    qtbot.waitExposed(window)
    yield window
    dispose(window)


@pytest.fixture
def photos(tmp_path) -> Path:
    root = tmp_path / "photos"
    imagegen.write_class_tree(root, {"cats": 4, "dogs": 3})
    return root


def fill(window: MainWindow, folder: Path) -> None:
    """Put classes into the project the way the Data page does, minus the background thread."""
    window.controller.dataset.add_folder(folder)
    window.controller.notify_dataset_changed()


def answer(monkeypatch, button) -> list[str]:
    """Make the unsaved-changes question answer ``button``; returns the questions asked."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def save_dialog_returns(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def test_tabs_title_and_size(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TAB_TITLES)
    assert window.windowTitle() == "tlgui — Untitled[*]"
    assert not window.isWindowModified()
    assert (window.width(), window.height()) == (1280, 800)


def test_changes_mark_the_title_modified(window, photos):
    fill(window, photos)
    assert window.isWindowModified()


def test_save_then_reopen_gives_the_same_bins(qtbot, window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    assert window.save()
    assert target.is_file()
    assert window.windowTitle() == "tlgui — pets[*]" and not window.isWindowModified()
    assert window.recent_projects()[0] == target.resolve()

    other = MainWindow()
    assert other.open_project(target)
    assert other.controller.dataset.class_names == ["cats", "dogs"]
    assert {n: p.model.rowCount() for n, p in other.data_page.panels.items()} == {"cats": 4, "dogs": 3}
    assert not other.controller.dirty
    dispose(other)


def test_unsaved_prompt_cancel_keeps_the_window_open(window, photos, monkeypatch):
    fill(window, photos)
    asked = answer(monkeypatch, Button.Cancel)
    assert not window.close()
    assert window.isVisible() and len(asked) == 1
    assert window.controller.dataset.class_names == ["cats", "dogs"]


def test_unsaved_prompt_discard_closes(window, photos, monkeypatch):
    fill(window, photos)
    answer(monkeypatch, Button.Discard)
    assert window.close()


def test_unsaved_prompt_save_writes_the_file_first(window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    answer(monkeypatch, Button.Save)
    target = tmp_path / "saved-on-exit.tlgui"
    save_dialog_returns(monkeypatch, target)
    assert window.close()
    assert target.is_file()


def test_new_asks_before_dropping_changes(window, photos, monkeypatch):
    fill(window, photos)
    answer(monkeypatch, Button.Cancel)
    assert not window.new_project()
    assert window.controller.dataset.class_names == ["cats", "dogs"]
    answer(monkeypatch, Button.Discard)
    assert window.new_project()
    assert window.controller.dataset.class_names == []


def test_clean_project_closes_without_asking(window, monkeypatch):
    asked = answer(monkeypatch, Button.Cancel)
    assert window.close()
    assert asked == []


def test_errors_are_shown_in_a_dialog(window, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    window.controller.report_error("The photos folder vanished.")
    assert shown == ["The photos folder vanished."]


def test_opening_a_damaged_project_reports_it(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.tlgui"
    bad.write_bytes(b"not a zip")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    assert not window.open_project(bad)
    assert "bad.tlgui" in shown[0]
    assert window.controller.path is None


def test_recent_list_keeps_the_newest_eight(window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    for i in range(MAX_RECENT + 2):
        assert window._save_to(tmp_path / f"p{i}.tlgui")
    recent = window.recent_projects()
    assert len(recent) == MAX_RECENT
    assert recent[0].name == f"p{MAX_RECENT + 1}.tlgui"
    window._fill_recent_menu()
    names = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert names[0] == f"p{MAX_RECENT + 1}.tlgui"


def test_geometry_is_remembered(window, monkeypatch):
    window.resize(1000, 700)
    assert window.close()
    saved = app_settings().value("main_window/geometry")
    assert saved is not None
    # The offscreen screen is 800x600 and restoring clamps to it, so check what is handed back.
    restored = []
    monkeypatch.setattr(MainWindow, "restoreGeometry", lambda self, data: restored.append(bytes(data)))
    dispose(MainWindow())
    assert restored == [bytes(saved)]


def test_export_without_a_model_says_what_to_do(window, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    assert not window.export_model()
    assert "Train" in shown[0]


def test_open_model_file_goes_to_the_classify_page(window, monkeypatch):
    calls = []
    monkeypatch.setattr(window.classify_page, "open_model_dialog", lambda: calls.append(True))
    window.open_model_action.trigger()
    assert calls == [True]
    assert window.tabs.currentWidget() is window.classify_page


def test_app_starts_with_the_demo_classes(qtbot):
    window = app_module.open_window()
    assert window.controller.dataset.class_names == ["ants", "bees"]
    assert window.controller.dataset.has_predefined_split
    assert not window.controller.dirty
    assert set(window.data_page.panels) == {"ants", "bees"}
    dispose(window)


def test_app_opens_the_project_given(qtbot, photos, tmp_path):
    first = MainWindow()
    fill(first, photos)
    first.controller.save_project(tmp_path / "given.tlgui")
    dispose(first)
    window = app_module.open_window(tmp_path / "given.tlgui")
    assert window.controller.dataset.class_names == ["cats", "dogs"]
    assert window.windowTitle() == "tlgui — given[*]"
    dispose(window)


def test_app_given_a_hostile_project_says_so_and_opens(qtbot, tmp_path, monkeypatch):
    deep = b'{"format": "tlgui-project", "format_version": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path = tmp_path / "hostile.tlgui"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", deep)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    window = app_module.open_window(path)
    assert len(shown) == 1 and "hostile.tlgui" in shown[0] and "nested" in shown[0]
    assert window.controller.path is None
    assert window.controller.dataset.class_names == ["ants", "bees"]
    dispose(window)


def test_app_opens_even_when_reading_the_given_project_fails_unexpectedly(qtbot, tmp_path, monkeypatch):
    def broken(_path):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(controller_module, "_load_project_file", broken)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    window = app_module.open_window(tmp_path / "any.tlgui")
    assert shown == [f"The project {tmp_path / 'any.tlgui'} could not be opened (RecursionError)."]
    assert window.controller.dataset.class_names == ["ants", "bees"]
    dispose(window)


def test_app_icon_exists():
    assert not app_module.app_icon().isNull()
