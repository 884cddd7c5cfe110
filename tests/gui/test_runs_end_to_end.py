"""The run that lost a model, replayed in the real window: every run is kept, the good one stays in use.

A user trains head only (a good model), then tries "Everything" and presses Stop at epoch 2. Before,
the stopped run's model silently replaced the good one, and a saved and reopened project showed no
misclassified photos. Now: both runs are in the project, the good one still in use; after File >
Save and File > Open, the Results page shows both runs, their curves and the misclassified photos
found in the bins; and File > New leaves nothing of the old project on any page.

The photos are generated (a tint per class) with a given train/val split, and one red photo sits
in the blue validation bin: every model gets exactly that one wrong, so the good run's accuracy is
the best any run can reach on these validation photos, and its misclassified gallery is known.
The only test hook holds the training thread after epoch 2 of the second run until Stop is pressed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pages_support import isolate_caches
from photos import write_learnable_photo
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from tlgui.core.plan.regime import Regime
from tlgui.gui.controller import ProjectController
from tlgui.gui.main_window import MainWindow
from tlgui.gui.pages.results.runs_table import ENDED, IN_USE, IN_USE_MARK, NAME
from tlgui.gui.pages.train import train_page as train_page_module

LONG = 180_000  # ms: generous waits for a slow, shared machine
LEFT = Qt.MouseButton.LeftButton
STOP_AFTER = 2


@pytest.fixture
def photos(tmp_path, monkeypatch) -> dict[str, Path]:
    """``colours/{train,val}/{red,blue}``; the blue validation bin holds one red photo."""
    isolate_caches(monkeypatch, tmp_path)
    root = tmp_path / "colours"
    for label in ("red", "blue"):
        for i in range(8):
            write_learnable_photo(root / "train" / label / f"{label}_{i}.jpg", label, i)
        for i in range(100, 103):
            write_learnable_photo(root / "val" / label / f"{label}_{i}.jpg", label, i)
    mislabelled = write_learnable_photo(root / "val" / "blue" / "red_in_the_blue_bin.jpg", "red", 999)
    return {"root": root, "mislabelled": mislabelled}


@pytest.fixture
def gate(monkeypatch):
    """Once ``armed``, hold the training thread after epoch STOP_AFTER until ``release`` is set."""
    armed, release = threading.Event(), threading.Event()
    original = train_page_module.ReportingCallback.on_epoch_end

    def on_epoch_end(self, stats):
        original(self, stats)
        if armed.is_set() and stats.epoch >= STOP_AFTER:
            release.wait(60)  # never forever, whatever happens in the test

    monkeypatch.setattr(train_page_module.ReportingCallback, "on_epoch_end", on_epoch_end)
    yield armed, release
    release.set()


@pytest.fixture
def windows(qtbot):
    opened: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(ProjectController())
        window.controller.setParent(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield make
    for window in opened:
        window.shutdown()
        QApplication.processEvents()
        window.controller.mark_clean()
        window.close()
        window.deleteLater()


def dialog_returns(monkeypatch, name: str, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *a, **k: (str(path), "")))


def drop_folder(widget: QWidget, folder: Path) -> None:
    """Drag-enter then drop a folder on the middle of ``widget``, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    pos = widget.rect().center()
    target = widget.childAt(pos) or widget
    while target is not widget and not target.acceptDrops():
        target = target.parentWidget()
    pos = target.mapFrom(widget, pos)
    action, mods = Qt.DropAction.CopyAction, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(pos), action, mime, LEFT, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), action, mime, LEFT, mods)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()


def click_tab(window: MainWindow, page: QWidget, qtbot) -> None:
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(window.tabs.indexOf(page)).center())
    assert window.tabs.currentWidget() is page


def train(window: MainWindow, qtbot) -> None:
    """Train tab, Start, wait for the run to be kept."""
    train_page = window.train_page
    click_tab(window, train_page, qtbot)
    with qtbot.waitSignal(window.controller.runsChanged, timeout=LONG):
        qtbot.mouseClick(train_page.start_button, LEFT)
    qtbot.waitUntil(lambda: not train_page.busy, timeout=LONG)


def test_a_stopped_run_keeps_the_good_model_in_use_and_a_reopened_project_is_whole(
        qtbot, windows, photos, tmp_path, monkeypatch, gate):
    armed, release = gate
    window = windows()
    controller = window.controller

    # The photos, dropped on the Data tab; the Model tab's dial set to head only.
    with qtbot.waitSignal(window.data_page.intake.done, timeout=LONG):
        drop_folder(window.data_page, photos["root"])
    assert controller.dataset.has_predefined_split and controller.dataset.class_names in (["blue", "red"], ["red", "blue"])
    click_tab(window, window.model_page, qtbot)
    qtbot.waitUntil(lambda: controller.network is not None and not window.model_page.busy, timeout=LONG)
    dial = window.model_page.freeze.slider
    qtbot.keyClick(dial, Qt.Key.Key_End)  # the dial shows the recommendation (head only): move it away
    qtbot.keyClick(dial, Qt.Key.Key_Home)  # and back, choosing head only
    assert controller.config.freeze_level == 0

    # 1. Head only, to its end: the good model, in use.
    train(window, qtbot)
    (head,) = controller.runs
    validation = sum(map(sum, head.report.confusion))
    assert validation == 7
    assert head.accuracy == pytest.approx(6 / 7), "the head should get every photo right but the mislabelled one"
    assert head.regime is Regime.HEAD and not head.stopped and controller.run_in_use is head
    assert window.train_page.message.text().startswith(f"Finished — validation accuracy {6 / 7:.1%}")

    # 2. "Everything", stopped with the Stop button after epoch 2.
    click_tab(window, window.model_page, qtbot)
    qtbot.keyClick(dial, Qt.Key.Key_End)
    assert controller.config.freeze_level == dial.maximum()
    train_page = window.train_page
    click_tab(window, train_page, qtbot)
    armed.set()
    qtbot.mouseClick(train_page.start_button, LEFT)
    qtbot.waitUntil(lambda: len(train_page.curves.history) >= STOP_AFTER, timeout=LONG)
    with qtbot.waitSignal(controller.runsChanged, timeout=LONG):
        qtbot.mouseClick(train_page.progress.cancel_button, LEFT)
        release.set()
    qtbot.waitUntil(lambda: not train_page.busy, timeout=LONG)

    head, everything = controller.runs
    # Every run trains the new head first: stopped within that phase, what it trained (and kept) is a head.
    assert everything.stopped and everything.epochs_run == STOP_AFTER and everything.regime is Regime.HEAD
    assert everything.has_model and head.has_model  # nothing lost
    assert controller.run_in_use is head and controller.classifier is head.classifier
    message = train_page.message.text()
    assert message.startswith(f"Stopped — kept the best model so far (epoch {everything.best_epoch},")
    assert "It is kept as run 2; run 1 stays in use:" in message
    assert "on the same validation photos" in message

    # The Results tab lists both runs, newest first, the head-only run marked in use.
    results = window.results_page
    click_tab(window, results, qtbot)
    table = results.runs_model
    assert [table.index(r, NAME).data() for r in range(2)] == ["Run 2", "Run 1"]
    assert [table.index(r, IN_USE).data() for r in range(2)] == ["", IN_USE_MARK]
    assert [table.index(r, ENDED).data() for r in range(2)] == ["stopped", "finished"]
    assert "Run 1, in use" in window.classify_page.model_label.text()
    assert window.export_action.isEnabled()

    # 3. File > Save As…, then File > Open… in another window: the project is whole.
    project_file = tmp_path / "projects" / "colours.tlgui"
    project_file.parent.mkdir()
    dialog_returns(monkeypatch, "getSaveFileName", project_file)
    window.save_as_action.trigger()
    assert project_file.is_file() and not controller.dirty

    reopened = windows()
    dialog_returns(monkeypatch, "getOpenFileName", project_file)
    reopened.open_action.trigger()
    qtbot.waitUntil(lambda: not reopened.project_reader.busy, timeout=60_000)  # read in the background
    again = reopened.controller
    assert [(r.id, r.stopped, r.has_model) for r in again.runs] == [(1, False, True), (2, True, True)]
    assert again.run_in_use.id == 1 and again.classifier is not None
    page = reopened.results_page
    click_tab(reopened, page, qtbot)
    assert page.selected_run.id == 1  # the run in use, shown first
    assert "Run 1, in use" in reopened.classify_page.model_label.text()
    # Its misclassified photo, found in the bins: the red photo in the blue bin.
    assert page.tabs.tabText(2) == "Misclassified (1)"
    assert page.wrong_model.rowCount() == 1 and page.wrong_model.missing_count() == 0
    assert page.wrong_model.prediction(0).path == photos["mislabelled"]
    assert "not available" not in page.cell_label.text()
    page.confusion.choose("blue", "red")
    assert page.cell_model.rowCount() == 1 and page.cell_label.text() == "1 blue photo taken for red."
    assert len(page.curves.points()["val_accuracy"]) == head.epochs_run
    # The stopped run: its two epochs and its own results.
    page.runs_table.selectRow(0)
    stopped = page.selected_run
    assert stopped.id == 2 and len(page.curves.points()["val_accuracy"]) == STOP_AFTER
    assert page.tabs.tabText(2) == f"Misclassified ({stopped.mistakes})"
    assert page.wrong_model.rowCount() == stopped.mistakes and page.wrong_model.missing_count() == 0
    assert photos["mislabelled"] in {p.path for p in stopped.report.predictions}

    # 4. File > New in the first window: no page speaks of the old project any more.
    window.new_action.trigger()
    assert len(controller.runs) == 0 and controller.classifier is None
    assert window.train_page.message.text() == ""
    assert window.train_page.curves.points()["val_accuracy"] == []
    assert window.results_page.stack.currentWidget() is window.results_page.empty
    assert window.classify_page.model_label.text() == ""
    assert not window.export_action.isEnabled()


def test_another_project_waits_for_the_run_in_training_to_stop_and_keeps_it_in_its_own(
        qtbot, windows, photos, monkeypatch, gate):
    from PySide6.QtWidgets import QMessageBox

    armed, release = gate
    window = windows()
    controller = window.controller
    with qtbot.waitSignal(window.data_page.intake.done, timeout=LONG):
        drop_folder(window.data_page, photos["root"])
    train_page = window.train_page
    click_tab(window, train_page, qtbot)
    armed.set()
    qtbot.mouseClick(train_page.start_button, LEFT)
    qtbot.waitUntil(lambda: len(train_page.curves.history) >= STOP_AFTER, timeout=LONG)

    asked: list[tuple[str, int]] = []
    answers = {"Training in progress": QMessageBox.StandardButton.No}

    def question(parent, title, text, *args, **kwargs):
        asked.append((title, len(controller.runs)))
        if title == "Training in progress" and answers[title] == QMessageBox.StandardButton.Yes:
            release.set()  # the held epoch ends; the run sees the stop at its next batch
        return answers[title]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    window.new_action.trigger()
    assert train_page.busy and asked == [("Training in progress", 0)] and controller.dataset.class_names
    answers.update({"Training in progress": QMessageBox.StandardButton.Yes,
                    "Unsaved changes": QMessageBox.StandardButton.Discard})
    window.new_action.trigger()
    # The stopped run joined the project it was trained in before the question about saving it.
    assert asked[1:] == [("Training in progress", 0), ("Unsaved changes", 1)]
    assert not train_page.busy and len(controller.runs) == 0 and controller.dataset.class_names == []
    assert train_page.message.text() == ""
