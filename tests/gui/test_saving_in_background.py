"""File > Save writes the project on a background thread: the window keeps painting, what is edited
into the project meanwhile stays unsaved, a Stop leaves the old file, and closing waits for the file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pages_support import dispose, isolate_caches, small_run
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from tlgui.core import project as project_module
from tlgui.core.project import load_project
from tlgui.gui import project_writer
from tlgui.gui.main_window import MainWindow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return small_run(tmp_path_factory, per_class=6, epochs=2)


@pytest.fixture
def window(qtbot, trained, tmp_path, monkeypatch):
    """A window whose project has one run with its model, never saved."""
    isolate_caches(monkeypatch, tmp_path)
    window = MainWindow()
    window.show()
    qtbot.waitExposed(window)
    dataset, result = trained
    window.controller.set_dataset(dataset.copy())  # a test renames a class: not in the other tests' copy
    window.controller.set_training_result(result)
    yield window
    dispose(window)


@pytest.fixture
def slow_models(monkeypatch) -> threading.Event:
    """Serialising a model waits (at most 20 s) until the returned event is set; the write then goes on."""
    from tlgui.core.models import modelfile

    release = threading.Event()
    real = modelfile.classifier_to_bytes

    def slow(classifier):
        release.wait(20)
        return real(classifier)

    monkeypatch.setattr(modelfile, "classifier_to_bytes", slow)
    return release


def save_dialog_returns(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def after(ms: int, action) -> None:
    QTimer.singleShot(ms, action)


def test_the_window_paints_and_is_held_still_while_the_file_is_written(window, slow_models, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    ticks: list[float] = []
    ticker = QTimer(interval=20)
    ticker.timeout.connect(lambda: ticks.append(time.monotonic()))
    ticker.start()
    seen: dict[str, object] = {}

    def look_then_release() -> None:
        seen["pages enabled"] = window.centralWidget().isEnabled()
        seen["menus enabled"] = window.menuBar().isEnabled()
        seen["file"] = target.exists()
        slow_models.set()

    after(400, look_then_release)
    started = time.monotonic()
    assert window.save()
    ticker.stop()
    assert time.monotonic() - started >= 0.4
    # The GUI thread went on turning its event loop while the model was being written.
    assert len([t for t in ticks if t - started < 0.4]) >= 5
    assert seen == {"pages enabled": False, "menus enabled": False, "file": False}
    assert window.centralWidget().isEnabled() and window.menuBar().isEnabled()
    assert not window.controller.dirty and window.controller.path == target
    reopened = load_project(target)
    assert [r.has_model for r in reopened.runs] == [True]


def test_a_long_save_shows_its_progress_and_its_stop_leaves_the_old_file(
        qtbot, window, slow_models, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    target.write_bytes(b"the old file")
    save_dialog_returns(monkeypatch, target)
    dialogs = []

    def stop_it() -> None:
        dialog = window.project_writer._dialog
        dialogs.append((dialog.isVisible(), dialog.labelText(), dialog.maximum()))
        dialog.findChild(QPushButton).click()  # its Stop
        slow_models.set()

    after(project_writer.PROGRESS_DIALOG_AFTER_MS + 300, stop_it)
    assert not window.save_as()
    assert dialogs == [(True, "Saving pets.tlgui…", 2)]  # the documents, then the one model
    assert target.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir() if p.name != "pets.tlgui" and "partial" in p.name] == []
    assert window.controller.dirty and window.controller.path is None
    assert window.statusBar().currentMessage() == f"Save stopped: {target} was left as it was."
    assert window.project_writer._dialog is None and window.centralWidget().isEnabled()


def test_what_changes_while_the_file_is_written_stays_unsaved(window, slow_models, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    classes_when_saved = list(window.controller.dataset.class_names)

    def rename_a_class_then_release() -> None:
        # A change from outside the window's pages (a background job's result) lands meanwhile.
        window.controller.dataset.rename_class(classes_when_saved[0], "crimson")
        window.controller.notify_dataset_changed()
        slow_models.set()

    after(200, rename_a_class_then_release)
    assert window.save()
    assert window.controller.path == target and window.controller.dirty
    assert "what changed while it was written is not saved yet" in window.statusBar().currentMessage()
    assert load_project(target).dataset.class_names == classes_when_saved  # the project as it was taken
    assert window.save()  # the next save takes the change
    assert not window.controller.dirty and "crimson" in load_project(target).dataset.class_names


def test_a_failed_write_is_one_dialog_and_nothing_is_marked_saved(window, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text, *a, **k: shown.append(text)))

    def full_disk(self, cancel=None, progress=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_module.PreparedSave, "write", full_disk)
    assert not window.save()
    assert len(shown) == 1 and f"The project was not saved to {target}: the disk is full." in shown[0]
    assert window.controller.dirty and window.controller.path is None and not target.exists()


def test_closing_while_a_save_is_written_closes_once_it_is(qtbot, window, slow_models, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    closed_during: list[bool] = []

    def close_then_release() -> None:
        closed_during.append(window.close())  # refused for now
        slow_models.set()

    after(200, close_then_release)
    assert window.save()
    assert closed_during == [False] and window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not window.controller.dirty and load_project(target).runs.in_use_id == 1


def test_a_second_save_asked_for_meanwhile_is_refused_with_a_status_line(window, slow_models, tmp_path, monkeypatch):
    target = tmp_path / "pets.tlgui"
    save_dialog_returns(monkeypatch, target)
    second: list[bool] = []

    def save_again_then_release() -> None:
        second.append(window.save())
        second.append(window.statusBar().currentMessage() == "The project is still being saved.")
        slow_models.set()

    after(200, save_again_then_release)
    assert window.save()
    assert second == [False, True]


def test_the_command_line_and_the_engine_save_in_one_go(trained, tmp_path):
    """``save_project`` is ``prepare_save(...).write()``: what the window writes in two steps."""
    from tlgui.core.project import Project, prepare_save, save_project
    from tlgui.core.training.config import TrainConfig
    from tlgui.core.training.runs import RunHistory

    dataset, result = trained
    runs = RunHistory()
    runs.add_result(result)
    project = Project(dataset=dataset, backbone_id="efficientnet_lite0", config=TrainConfig(), runs=runs)
    steps: list[tuple[int, int]] = []
    prepare_save(project, tmp_path / "two-steps.tlgui").write(progress=lambda done, total: steps.append((done, total)))
    save_project(project, tmp_path / "one-go.tlgui")
    assert steps == [(1, 2), (2, 2)]
    for name in ("two-steps", "one-go"):
        reopened = load_project(tmp_path / f"{name}.tlgui")
        assert reopened.dataset.class_names == dataset.class_names and [r.has_model for r in reopened.runs] == [True]
