"""The whole window end to end, driven like a user: real photos, real drops, clicks and keys.

An empty project gets a dropped folder of class folders (demo photos of ants and bees plus one
corrupt file), the Model tab loads the bundled backbone and is set to "head only" on the dial, the
Train tab trains (Stop pressed after the second epoch), the Classify tab classifies a dropped photo,
the model is exported and opened without its project in another window, and the project is saved
and reopened. A second test is the newcomer's path: the demo project, Start, a classifier.

The photos come from ``resources/demo`` (always installed), so nothing here skips. The only test
hook is a gate that holds the training thread after its second epoch until Stop has been pressed:
head-only epochs on cached features take microseconds, so without it "Stop midway" would be a race.
"""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

from tlgui.core.plan.freezing import HEAD_PATH, freeze_level_names  # noqa: E402
from tlgui.core.resources import demo_dir  # noqa: E402
from tlgui.gui import app as app_module  # noqa: E402
from tlgui.gui.controller import ProjectController  # noqa: E402
from tlgui.gui.main_window import MainWindow  # noqa: E402
from tlgui.gui.pages.train import train_page as train_page_module  # noqa: E402

PHOTOS_PER_CLASS = 12
EPOCHS = 15
STOP_AFTER = 2  # epochs on the curves before Stop is pressed
LONG = 120_000  # ms: generous waits for a slow, shared CI machine
LEFT = Qt.MouseButton.LeftButton


# -- safety nets -----------------------------------------------------------------------------------


def dialog_returns(monkeypatch, name: str, path: Path) -> None:
    """Make ``QFileDialog.<name>`` answer ``path`` as if the user had picked it."""
    monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *a, **k: (str(path), "")))


def new_window(qtbot, controller: ProjectController | None = None) -> MainWindow:
    window = MainWindow(controller or ProjectController())
    window.controller.setParent(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def dispose(window: MainWindow) -> None:
    """Close without a question: background work stopped first ("a task is still running" would
    ask), and the project marked clean ("unsaved changes" would ask)."""
    window.shutdown()  # cancels and waits for every page's thread
    QApplication.processEvents()  # their "done" signals: the pages stop reporting busy
    window.controller.mark_clean()
    window.close()
    window.deleteLater()


@pytest.fixture
def windows(qtbot):
    """Every window a test opens, disposed of even when the test fails halfway."""
    opened: list[MainWindow] = []

    def make(controller: ProjectController | None = None) -> MainWindow:
        opened.append(new_window(qtbot, controller))
        return opened[-1]

    yield make
    for window in opened:
        dispose(window)


# -- acting like a user ------------------------------------------------------------------------------


def drop_target(widget: QWidget, pos: QPoint) -> tuple[QWidget, QPoint]:
    """The widget Qt would deliver a drop at ``pos`` to: the deepest one there accepting drops."""
    target = widget.childAt(pos) or widget
    while target is not widget and not target.acceptDrops():
        target = target.parentWidget()
    return target, target.mapFrom(widget, pos)


def drop_files(widget: QWidget, paths: list[Path]) -> bool:
    """Drag-enter then drop file URLs on the middle of ``widget``, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target, pos = drop_target(widget, widget.rect().center())
    action, mods = Qt.DropAction.CopyAction, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, action, mime, LEFT, mods)  # PySide6 6.11: QPoint here...
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(pos), action, mime, LEFT, mods)  # ...and QPointF here
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def click_tab(window: MainWindow, page: QWidget, qtbot) -> None:
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(window.tabs.indexOf(page)).center())
    assert window.tabs.currentWidget() is page


def type_into_spinbox(qtbot, spin, text: str) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def demo_photos(split: str, label: str) -> list[Path]:
    return sorted(p for p in (demo_dir() / split / label).iterdir() if p.suffix.lower() == ".jpg")


@pytest.fixture
def insects(tmp_path) -> Path:
    """``insects/{ants,bees}/``: 12 real photos each, plus a corrupt JPEG among the bees."""
    root = tmp_path / "insects"
    for label in ("ants", "bees"):
        (root / label).mkdir(parents=True)
        for photo in demo_photos("train", label)[:PHOTOS_PER_CLASS]:
            shutil.copy2(photo, root / label / photo.name)
    imagegen.write_truncated(root / "bees" / "broken.jpg")
    return root


@pytest.fixture
def gated_training(monkeypatch):
    """Hold the training thread after epoch ``STOP_AFTER`` until the test sets the event."""
    release = threading.Event()
    original = train_page_module.ReportingCallback.on_epoch_end

    def on_epoch_end(self, stats):
        original(self, stats)  # the point goes to the curves first
        if stats.epoch >= STOP_AFTER:
            release.wait(60)  # never forever, whatever happens in the test

    monkeypatch.setattr(train_page_module.ReportingCallback, "on_epoch_end", on_epoch_end)
    yield release
    release.set()


# -- the tests ---------------------------------------------------------------------------------------


def test_from_an_empty_project_to_a_saved_trained_one(qtbot, windows, insects, tmp_path, monkeypatch,
                                                      gated_training):
    window = windows()
    controller = window.controller
    data_page = window.data_page

    # 1. An empty project.
    assert controller.dataset.class_names == [] and controller.classifier is None
    assert window.tabs.currentWidget() is data_page
    assert data_page.stack.currentWidget() is data_page.empty_state

    # 2. Drop a folder of class folders: the bins fill, the corrupt file is listed with its reason.
    with qtbot.waitSignal(data_page.intake.done, timeout=LONG):
        assert drop_files(data_page, [insects])
    assert controller.dataset.class_names == ["ants", "bees"]
    assert {name: panel.model.rowCount() for name, panel in data_page.panels.items()} == {
        "ants": PHOTOS_PER_CLASS, "bees": PHOTOS_PER_CLASS}
    assert data_page.panels["bees"].count_label.text() == f"{PHOTOS_PER_CLASS} photos"
    assert data_page.stack.currentWidget() is data_page.scroll
    skipped = data_page.skipped_panel
    assert skipped.isVisible() and skipped.expanded and skipped.table.isVisible()
    assert "1 file skipped" in skipped.toggle.text()
    assert skipped.model.rowCount() == 1
    assert skipped.model.data(skipped.model.index(0, 0)) == str(insects / "bees" / "broken.jpg")
    assert skipped.model.data(skipped.model.index(0, 1))  # the reason, in words
    assert f"2 classes · {2 * PHOTOS_PER_CLASS} photos" in data_page.summary.text()
    assert controller.dirty and window.isWindowModified()

    # 3. Model tab: the bundled backbone's layers, then "head only" chosen on the dial with the keyboard.
    model_page = window.model_page
    click_tab(window, model_page, qtbot)
    qtbot.waitUntil(lambda: controller.network is not None and not model_page.busy, timeout=LONG)
    assert model_page.tree_stack.currentWidget() is model_page.tree
    assert model_page.tree_model.rowCount() > 3
    dial = model_page.freeze
    names = freeze_level_names(controller.network)
    assert dial.isEnabled() and dial.slider.maximum() == len(names) - 1
    qtbot.keyClick(dial.slider, Qt.Key.Key_End)  # everything trains
    assert controller.config.freeze_level == len(names) - 1
    everything = dial.counts_label.text()
    head_check = model_page.tree_model.check_item(HEAD_PATH)
    first_stage = model_page.tree_model.item(0, 3)  # the Trainable box of the network's first stage
    assert first_stage.isCheckable() and first_stage.checkState() == Qt.CheckState.Checked
    qtbot.keyClick(dial.slider, Qt.Key.Key_Home)  # head only
    assert controller.config.freeze_level == 0
    assert dial.level() == 0 and dial.level_label.text() == names[0]
    head_only = dial.counts_label.text()
    assert head_only.startswith("Trainable parameters:") and head_only != everything
    assert head_check.checkState() == Qt.CheckState.Checked
    assert first_stage.checkState() == Qt.CheckState.Unchecked

    # 4. Train tab: 15 epochs typed in, Start clicked, Stop clicked once the curves have two points.
    train_page = window.train_page
    click_tab(window, train_page, qtbot)
    assert names[0] in train_page.plan_label.text()
    type_into_spinbox(qtbot, train_page.form.epochs, str(EPOCHS))
    assert train_page.form.epochs.value() == EPOCHS and controller.config.epochs == EPOCHS
    assert train_page.form.cache_in_effect()
    qtbot.mouseClick(train_page.start_button, LEFT)
    assert train_page.busy and not train_page.start_button.isEnabled()
    qtbot.waitUntil(lambda: len(train_page.curves.points()["val_accuracy"]) >= STOP_AFTER, timeout=LONG)
    points = train_page.curves.points()
    assert len(points["train_loss"]) == STOP_AFTER and len(points["val_loss"]) == STOP_AFTER
    assert all(0.0 <= value <= 100.0 for value in points["val_accuracy"])
    stop = train_page.progress.cancel_button
    assert stop.text() == "Stop" and stop.isVisible() and stop.isEnabled()
    with qtbot.waitSignal(controller.classifierChanged, timeout=LONG):
        qtbot.mouseClick(stop, LEFT)
        gated_training.set()
    qtbot.waitUntil(lambda: not train_page.busy, timeout=LONG)
    result = controller.last_result
    assert result is not None and result.cancelled
    assert len(result.history) == STOP_AFTER < EPOCHS
    assert controller.classifier is result.classifier
    assert controller.classifier.class_names == ["ants", "bees"]
    assert train_page.message.text().startswith(
        f"Stopped — kept the best model so far (epoch {result.best_epoch},")
    assert train_page.start_button.isEnabled() and window.export_action.isEnabled()

    # 5. Classify tab: drop one photo it has never seen; the top class and its bars appear.
    classify_page = window.classify_page
    click_tab(window, classify_page, qtbot)
    assert classify_page.stack.currentWidget() is classify_page.drop_prompt
    assert "trained in this project" in classify_page.model_label.text()
    unseen = demo_photos("val", "bees")[0]
    with qtbot.waitSignal(classify_page.predictionsReady, timeout=LONG) as blocker:
        assert drop_files(classify_page, [unseen])
    first = blocker.args[0][0]
    assert first.error is None and first.label in ("ants", "bees")
    assert classify_page.stack.currentWidget() is classify_page.single
    assert classify_page.single.verdict.text() == f"{first.label} ({first.probability:.1%})"
    bars = classify_page.single.bar_values()
    assert [name for name, _ in bars] == [label for label, _ in first.top]
    assert sorted(name for name, _ in bars) == ["ants", "bees"]
    assert bars[0] == (first.label, f"{first.probability:.1%}")
    assert sum(p for _, p in first.top) == pytest.approx(1.0, abs=1e-3)
    assert not classify_page.single.heatmap.canvas.photo.isNull()

    # 6. File > Export model…, then the file opened without its project in another window.
    model_file = tmp_path / "exported" / "insects"
    model_file.parent.mkdir()
    dialog_returns(monkeypatch, "getSaveFileName", model_file)
    with qtbot.waitSignal(window.exporter.exported, timeout=LONG):  # written in the background
        window.export_action.trigger()
    exported = model_file.with_name("insects.safetensors")
    assert exported.is_file() and exported.stat().st_size > 1_000_000

    reader = windows()
    assert reader.controller.classifier is None
    dialog_returns(monkeypatch, "getOpenFileName", exported)
    with qtbot.waitSignal(reader.classify_page.modelOpened, timeout=LONG):
        reader.open_model_action.trigger()
    assert reader.tabs.currentWidget() is reader.classify_page
    assert "from insects.safetensors" in reader.classify_page.model_label.text()
    with qtbot.waitSignal(reader.classify_page.predictionsReady, timeout=LONG) as blocker:
        assert drop_files(reader.classify_page, [unseen])
    again = blocker.args[0][0]
    assert again.label == first.label
    assert again.probability == pytest.approx(first.probability, abs=1e-4)
    assert reader.classify_page.single.bar_values() == bars
    assert reader.controller.classifier is None  # the file is the page's, not a project's

    # 7. File > Save As…, then File > Open… in a new window: the same bins, the classifier is there.
    project_file = tmp_path / "projects" / "insects.tlgui"
    project_file.parent.mkdir()
    dialog_returns(monkeypatch, "getSaveFileName", project_file)
    window.save_as_action.trigger()
    assert project_file.is_file()
    assert not controller.dirty and window.windowTitle() == "insects[*]"

    reopened = windows()
    dialog_returns(monkeypatch, "getOpenFileName", project_file)
    reopened.open_action.trigger()
    qtbot.waitUntil(lambda: not reopened.project_reader.busy, timeout=60_000)  # read in the background
    again_controller = reopened.controller
    assert again_controller.path == project_file and not again_controller.dirty
    assert again_controller.dataset.class_names == ["ants", "bees"]
    assert {name: panel.model.rowCount() for name, panel in reopened.data_page.panels.items()} == {
        "ants": PHOTOS_PER_CLASS, "bees": PHOTOS_PER_CLASS}
    assert [s.path for s in again_controller.dataset.skipped] == [insects / "bees" / "broken.jpg"]
    assert reopened.data_page.skipped_panel.model.rowCount() == 1
    assert again_controller.config.epochs == EPOCHS and again_controller.config.freeze_level == 0
    assert again_controller.classifier is not None
    assert again_controller.classifier.class_names == ["ants", "bees"]
    assert reopened.export_action.isEnabled()
    assert "trained in this project" in reopened.classify_page.model_label.text()
    assert len(reopened.train_page.curves.points()["val_accuracy"]) == STOP_AFTER
    click_tab(reopened, reopened.classify_page, qtbot)
    with qtbot.waitSignal(reopened.classify_page.predictionsReady, timeout=LONG) as blocker:
        assert drop_files(reopened.classify_page, [unseen])
    assert blocker.args[0][0].label == first.label
    assert blocker.args[0][0].probability == pytest.approx(first.probability, abs=1e-4)


def test_a_newcomer_presses_start_on_the_demo(qtbot, monkeypatch):
    window = app_module.open_window(None)
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitExposed(window)
        controller = window.controller
        assert controller.dataset.class_names == ["ants", "bees"]
        assert set(window.data_page.panels) == {"ants", "bees"}
        assert controller.classifier is None and not controller.dirty

        train_page = window.train_page
        click_tab(window, train_page, qtbot)
        with qtbot.waitSignal(controller.classifierChanged, timeout=LONG):
            qtbot.mouseClick(train_page.start_button, LEFT)
        qtbot.waitUntil(lambda: not train_page.busy, timeout=LONG)

        result = controller.last_result
        assert controller.classifier is not None and not result.cancelled
        assert controller.classifier.class_names == ["ants", "bees"]
        accuracy = f"{result.report.accuracy:.1%}"
        message = train_page.message.text()
        assert message.startswith(f"Finished — validation accuracy {accuracy}"), message
        assert len(train_page.curves.points()["val_accuracy"]) == len(result.history) >= 1
        assert f"validation accuracy {accuracy}" in window.classify_page.model_label.text()
        assert train_page.start_button.isEnabled() and window.export_action.isEnabled()
    finally:
        dispose(window)
