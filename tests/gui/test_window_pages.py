"""The window builds only the page it shows; every other page is built when it is first wanted (its
tab opened, ``window.train_page`` read) or in idle turns after the first paint, and then shows the
project as it is: the one opened before it was built, its runs, its model in use, its network.
The thumbnails a paint asks for are decoded once that paint is over, not while it goes on.

What the first paint waits for is checked in a fresh process by tests/test_startup.py.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace

import imagegen
import pytest
from pages_support import dispose, isolate_caches, small_run
from PySide6.QtCore import Qt, QTimer

from tlgui.core.backbones.catalogue import weights_status
from tlgui.gui.controller import ProjectController
from tlgui.gui.main_window import CLASSIFY, DATA, MODEL, RESULTS, TAB_TITLES, TRAIN, MainWindow
from tlgui.gui.widgets import thumbnails

OTHER_BACKBONE = "mobilenet_v3_small"  # not on this computer in a test: shown, never downloaded


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    dispose(window)


def built(window: MainWindow) -> list[bool]:
    return [window.built_page(index) is not None for index in range(len(TAB_TITLES))]


def titles(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(index) for index in range(window.tabs.count())]


def click_tab(window: MainWindow, index: int, qtbot) -> None:
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())


def test_only_the_data_page_is_built_with_the_window(window):
    assert titles(window) == list(TAB_TITLES)
    assert built(window) == [True, False, False, False, False]
    assert window.tabs.currentWidget() is window.data_page is window.built_page(DATA)
    edit = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Edit")
    assert window.data_page.move_action in edit.actions()  # the Data page's own menu entries are there


def test_opening_a_tab_builds_its_page_in_its_place(window, qtbot):
    click_tab(window, TRAIN, qtbot)
    page = window.built_page(TRAIN)
    assert page is not None and window.tabs.currentWidget() is page is window.train_page
    assert window.tabs.indexOf(page) == TRAIN and window.tabs.currentIndex() == TRAIN
    assert titles(window) == list(TAB_TITLES)
    assert built(window) == [True, False, True, False, False]
    click_tab(window, DATA, qtbot)
    click_tab(window, TRAIN, qtbot)
    assert window.train_page is page  # built once


def test_reading_a_page_builds_it_and_leaves_the_tab_shown(window):
    page = window.results_page
    assert window.tabs.currentWidget() is window.data_page
    assert window.tabs.indexOf(page) == RESULTS and window.results_page is page
    assert built(window) == [True, False, False, True, False]


def test_the_data_pages_train_button_opens_the_train_page(window, qtbot):
    window.data_page.trainRequested.emit()
    assert window.tabs.currentWidget() is window.train_page


def test_the_other_pages_are_built_one_per_turn_of_the_event_loop(window, qtbot):
    events: list[tuple[str, int]] = []

    def on_built(index: int) -> None:
        events.append(("built", index))
        # Runs once the event loop turns: before the next page is built if each has a turn of its own.
        QTimer.singleShot(0, lambda: events.append(("turn", index)))

    window.pageBuilt.connect(on_built)
    with qtbot.waitSignal(window.allPagesBuilt, timeout=60_000):
        window.build_remaining_pages()
        assert events == []  # nothing before the event loop runs
    qtbot.waitUntil(lambda: len(events) == 8)
    assert events == [(kind, index) for index in (MODEL, TRAIN, RESULTS, CLASSIFY) for kind in ("built", "turn")]
    assert built(window) == [True] * 5 and titles(window) == list(TAB_TITLES)
    assert [window.tabs.widget(index) for index in range(5)] == [window.built_page(index) for index in range(5)]
    assert window.tabs.currentWidget() is window.data_page
    with qtbot.waitSignal(window.allPagesBuilt, timeout=1000):  # nothing left: said at once
        window.build_remaining_pages()


def test_pages_built_on_demand_meanwhile_are_not_built_twice(window, qtbot):
    window.build_remaining_pages()
    classify = window.classify_page  # before the idle turns reach it
    with qtbot.waitSignal(window.allPagesBuilt, timeout=60_000):
        pass
    assert window.classify_page is classify and window.tabs.widget(CLASSIFY) is classify
    assert built(window) == [True] * 5


# ---- pages built after the project was opened -------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return small_run(tmp_path_factory)


@pytest.fixture
def project_with_a_run(trained, tmp_path, monkeypatch):
    """A saved project: two classes, one run (in use), 7 epochs, another backbone chosen since."""
    isolate_caches(monkeypatch, tmp_path)
    dataset, result = trained
    controller = ProjectController()
    controller.set_dataset(dataset)
    controller.set_training_result(result)
    controller.set_config(replace(controller.config, epochs=7))
    controller.set_backbone(OTHER_BACKBONE)
    return controller.save_project(tmp_path / "with-a-run.tlgui")


def test_each_page_built_after_the_project_was_opened_shows_it(qtbot, window, project_with_a_run):
    assert weights_status(OTHER_BACKBONE) == "missing"  # so the Model page downloads nothing
    assert window.open_project(project_with_a_run)
    assert built(window) == [True, False, False, False, False]
    run = window.controller.run_in_use
    assert run is not None and window.controller.classifier is not None

    assert set(window.data_page.panels) == {"red", "blue"}

    click_tab(window, MODEL, qtbot)
    model_page = window.model_page
    assert model_page.picker.selected_id() == OTHER_BACKBONE
    assert model_page.tree_stack.currentWidget() is model_page.placeholder  # its weights are not here

    click_tab(window, TRAIN, qtbot)
    assert window.train_page.form.epochs.value() == 7

    click_tab(window, RESULTS, qtbot)
    results = window.results_page
    assert results.runs_model.rowCount() == 1
    assert results.stack.currentIndex() == 1
    assert results.summary.text().startswith(f"{run.name} · ") and results.summary.text().endswith(" · in use")

    click_tab(window, CLASSIFY, qtbot)
    classify = window.classify_page
    assert classify.classifier is window.controller.classifier
    assert run.name in classify.model_label.text()


def test_the_model_page_built_after_the_backbone_loaded_shows_its_layers(window, bundled_network):
    # What the warm-up does after the first paint: the network arrives before the page exists.
    window.controller.set_network(copy.deepcopy(bundled_network))
    page = window.model_page
    assert page.tree_stack.currentWidget() is page.tree
    assert page.tree_model.rowCount() > 0


# ---- thumbnails ---------------------------------------------------------------------------------------
def test_thumbnails_asked_for_during_a_paint_are_decoded_after_it(qtbot, tmp_path, monkeypatch):
    photos = [imagegen.write_image(tmp_path / f"p{i}.png", i, size=(40, 30)) for i in range(3)]
    decoded: list[str] = []
    make = thumbnails.make_thumbnail

    def recording(path, size):
        decoded.append(str(path))
        return make(path, size)

    monkeypatch.setattr(thumbnails, "make_thumbnail", recording)
    loader = thumbnails.ThumbnailLoader(max_threads=2)
    assert [loader.request(path) for path in photos] == [None, None, None]
    time.sleep(0.3)  # the event loop does not turn: a paint still going on
    assert decoded == []
    qtbot.waitUntil(lambda: all(loader.cached(path) is not None for path in photos), timeout=30_000)
    assert sorted(decoded) == sorted(map(str, photos))
    loader.shutdown()
