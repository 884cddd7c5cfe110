"""The main window: tabs, title, saving and reopening, unsaved-change prompts, errors, recent files."""

from __future__ import annotations

import sys
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from pages_support import dispose, isolate_caches, train_small, write_learnable_classes
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from qt_text import displayed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

from tlgui.core.files.versions import MODEL_SUFFIX  # noqa: E402
from tlgui.core.models.modelfile import load_classifier  # noqa: E402
from tlgui.core.project import load_project  # noqa: E402
from tlgui.gui import app as app_module  # noqa: E402
from tlgui.gui import controller as controller_module  # noqa: E402
from tlgui.gui import tasks  # noqa: E402
from tlgui.gui.main_window import MAX_RECENT, TAB_TITLES, MainWindow  # noqa: E402
from tlgui.gui.settings import app_settings  # noqa: E402

Button = QMessageBox.StandardButton


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


def warnings_shown(monkeypatch) -> list[str]:
    """Capture warning dialogs; returns the texts as they would read on screen."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(displayed(text))))
    return shown


def test_tabs_title_and_size(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TAB_TITLES)
    assert window.windowTitle() == "Untitled[*]"
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
    assert window.windowTitle() == "pets[*]" and not window.isWindowModified()
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
    shown = warnings_shown(monkeypatch)
    window.controller.report_error("The photos folder vanished.")
    assert shown == ["The photos folder vanished."]


def test_opening_a_damaged_project_reports_it(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.tlgui"
    bad.write_bytes(b"not a zip")
    shown = warnings_shown(monkeypatch)
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
    shown = warnings_shown(monkeypatch)
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
    assert window.windowTitle() == "given[*]"
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
    assert [displayed(text) for text in shown] == [
        f"The project {tmp_path / 'any.tlgui'} could not be opened (RecursionError)."
    ]
    assert window.controller.dataset.class_names == ["ants", "bees"]
    dispose(window)


def test_app_reads_a_project_given_at_start_in_the_background(qtbot, photos, tmp_path):
    first = MainWindow()
    fill(first, photos)
    first.controller.save_project(tmp_path / "given.tlgui")
    dispose(first)
    window = app_module.open_window(tmp_path / "given.tlgui", read_later=True)
    # Until it is read: an empty project, nothing to edit, the status line says what is coming.
    assert window.controller.dataset.class_names == [] and window.controller.path is None
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    slot = app_module.read_project_in_background(window, tmp_path / "given.tlgui")
    qtbot.waitUntil(lambda: not slot.busy, timeout=60_000)
    assert window.controller.dataset.class_names == ["cats", "dogs"]
    assert window.controller.path == tmp_path / "given.tlgui" and not window.controller.dirty
    assert window.centralWidget().isEnabled() and window.menuBar().isEnabled()
    assert window.recent_projects()[0] == (tmp_path / "given.tlgui").resolve()
    dispose(window)


def test_file_open_reads_the_project_in_the_background_and_a_bad_one_leaves_the_open_project(
        qtbot, window, photos, tmp_path, monkeypatch):
    other = MainWindow()
    fill(other, photos)
    other.controller.save_project(tmp_path / "pets.tlgui")
    dispose(other)
    (tmp_path / "broken.tlgui").write_bytes(b"not a zip")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    chosen = iter([tmp_path / "pets.tlgui", tmp_path / "broken.tlgui"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(next(chosen)), "")))
    assert window.open_project_dialog()
    # Reading: nothing to edit meanwhile; the window answers (its thread is free).
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    qtbot.waitUntil(lambda: not window.project_reader.busy, timeout=60_000)
    assert window.controller.dataset.class_names == ["cats", "dogs"] and window.centralWidget().isEnabled()
    assert window.recent_projects()[0] == (tmp_path / "pets.tlgui").resolve()
    assert window.open_project_dialog()  # a file that is not a project: said, and the open one stays
    qtbot.waitUntil(lambda: not window.project_reader.busy, timeout=60_000)
    assert len(shown) == 1 and "broken.tlgui" in displayed(shown[0])
    assert window.controller.path == tmp_path / "pets.tlgui" and window.menuBar().isEnabled()
    # Open Recent goes the same way.
    assert window.open_recent_project(tmp_path / "pets.tlgui")
    qtbot.waitUntil(lambda: not window.project_reader.busy, timeout=60_000)
    assert window.controller.path == tmp_path / "pets.tlgui"


@pytest.mark.parametrize("broken", ["hostile", "unexpected"])
def test_a_project_read_in_the_background_that_fails_is_reported_and_the_demo_opens(
        qtbot, tmp_path, monkeypatch, broken):
    path = tmp_path / "hostile.tlgui"
    deep = b'{"format": "tlgui-project", "format_version": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", deep)
    if broken == "unexpected":
        from tlgui.core import project as project_module

        def recursing(_path):
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(project_module, "load_project", recursing)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    window = app_module.open_window(path, read_later=True)
    slot = app_module.read_project_in_background(window, path)
    qtbot.waitUntil(lambda: not slot.busy, timeout=60_000)
    assert len(shown) == 1 and "hostile.tlgui" in displayed(shown[0])
    assert ("nested" in shown[0]) if broken == "hostile" else ("RecursionError" in shown[0])
    assert window.controller.path is None
    assert window.controller.dataset.class_names == ["ants", "bees"]
    assert window.centralWidget().isEnabled() and window.menuBar().isEnabled()
    dispose(window)


@pytest.mark.parametrize("choice", ["Replace It", "Save As…", "Cancel"])
def test_saving_over_a_project_another_window_saved_asks_first(qtbot, photos, tmp_path, monkeypatch, choice):
    path = tmp_path / "shared.tlgui"
    first = MainWindow()
    fill(first, photos)
    assert first._save_to(path)
    second = MainWindow()
    second.open_project(path)
    first.controller.dataset.rename_class("cats", "felines")
    first.controller.notify_dataset_changed()
    assert first.save()  # the first window saves its change
    their_bytes = path.read_bytes()
    asked: list[str] = []

    def exec_box(box):
        asked.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == choice).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_box)
    other = tmp_path / "mine.tlgui"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(other), "")))
    saved = second.save()  # the second window, still holding the file as it opened it
    assert len(asked) == 1 and "changed by another window or program" in displayed(asked[0])
    if choice == "Replace It":
        assert saved and path.read_bytes() != their_bytes
        assert "felines" not in load_project(path).dataset.class_names
    elif choice == "Save As…":
        assert saved and path.read_bytes() == their_bytes and second.controller.path == other
        assert "cats" in load_project(other).dataset.class_names
    else:
        assert not saved and path.read_bytes() == their_bytes
    # Saved (either way) or not, the next save of the first window is its own business again.
    dispose(first)
    dispose(second)


def test_app_icon_exists():
    assert not app_module.app_icon().isNull()


# -- failed saves and closing ------------------------------------------------------------------------


def unwritable(tmp_path: Path) -> Path:
    """A project path that cannot be written: its folder is a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    return blocker / "pets.tlgui"


def test_a_failed_save_is_a_dialog_naming_the_file(window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    target = unwritable(tmp_path)
    save_dialog_returns(monkeypatch, target)
    shown = warnings_shown(monkeypatch)
    assert not window.save()
    assert len(shown) == 1 and shown[0].startswith(f"The project was not saved to {target}: ")
    assert window.controller.dirty and window.controller.path is None
    assert window.windowTitle() == "Untitled[*]"


def test_closing_keeps_the_window_when_the_save_fails(window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    asked = answer(monkeypatch, Button.Save)
    save_dialog_returns(monkeypatch, unwritable(tmp_path))
    shown = warnings_shown(monkeypatch)
    assert not window.close()
    assert len(asked) == 1 and len(shown) == 1 and "pets.tlgui" in shown[0]
    assert window.isVisible() and window.controller.dirty


def test_closing_keeps_the_window_when_saving_breaks_unexpectedly(window, photos, tmp_path, monkeypatch):
    fill(window, photos)
    answer(monkeypatch, Button.Save)
    save_dialog_returns(monkeypatch, tmp_path / "pets.tlgui")

    def broken_save(path=None, **_options):
        raise RuntimeError("serialiser exploded")

    monkeypatch.setattr(window.controller, "begin_save", broken_save)
    shown = warnings_shown(monkeypatch)
    assert not window.close()
    assert shown == [f"The project was not saved to {tmp_path / 'pets.tlgui'}: RuntimeError: serialiser exploded."]
    assert window.isVisible() and window.controller.dirty


def test_closing_mid_training_keeps_the_best_epoch_and_asks_to_save_it(qtbot, window, tmp_path, monkeypatch):
    """Stop the run first, then ask: the model it leaves behind is unsaved work, not to be lost silently."""
    isolate_caches(monkeypatch, tmp_path)
    write_learnable_classes(tmp_path / "colours", {"red": 8, "blue": 8})
    fill(window, tmp_path / "colours")
    controller = window.controller
    controller.set_config(replace(controller.config, epochs=1000, early_stopping_patience=None, freeze_level=0))
    controller.mark_clean()
    train_page = window.train_page
    train_page.start()
    qtbot.waitUntil(lambda: len(train_page.curves.history) >= 1, timeout=120000)

    asked: list[tuple[str, bool]] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append((title, controller.classifier is not None))
        return Button.Yes if title == "Work in progress" else Button.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert window.close()
    assert asked == [("Work in progress", False), ("Unsaved changes", True)]
    assert controller.last_result is not None and controller.last_result.cancelled
    assert not train_page.busy


# -- exporting the model -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    write_learnable_classes(root, {"red": 6, "blue": 6})
    return train_small(root, tmp_path_factory.mktemp("cache"), epochs=2)[1]


def test_file_export_model_writes_the_file_in_the_background(qtbot, window, trained, tmp_path, monkeypatch):
    window.controller.set_training_result(trained)
    assert window.export_action.isEnabled()
    assert window.classify_page.exporter is window.exporter  # one export path for the menu and the page
    save_dialog_returns(monkeypatch, tmp_path / "models" / "pets")
    with qtbot.waitSignal(window.exporter.exported, timeout=60000) as blocker:
        assert window.export_model()
        assert window.exporter.busy  # the window returned before the file was written
    target = tmp_path / "models" / f"pets{MODEL_SUFFIX}"
    assert blocker.args[0] == target
    assert load_classifier(target).class_names == trained.classifier.class_names
    assert window.statusBar().currentMessage() == f"Model exported to {target}."


def test_a_failed_export_is_a_dialog_and_leaves_no_partial_file(qtbot, window, trained, tmp_path, monkeypatch):
    window.controller.set_training_result(trained)
    folder = tmp_path / "models"
    target = folder / f"taken{MODEL_SUFFIX}"
    target.mkdir(parents=True)  # a folder where the file should go
    save_dialog_returns(monkeypatch, target)
    shown = warnings_shown(monkeypatch)
    assert window.export_model()
    qtbot.waitUntil(lambda: not window.exporter.busy, timeout=60000)
    assert shown == [f"Cannot export to {target}: it is not a regular file."]
    assert [p.name for p in folder.iterdir()] == [target.name]  # the temporary file is gone


def test_closing_never_hangs_on_work_that_does_not_stop(qtbot, window, monkeypatch):
    release = threading.Event()
    # A job inside one long call that cannot look at its cancel token.
    assert window.classify_page.predict_slot.start(lambda token, report: release.wait(30))
    monkeypatch.setattr(tasks, "SHUTDOWN_WAIT_MS", 200)
    asked = answer(monkeypatch, Button.Yes)
    started = time.monotonic()
    try:
        assert window.close()
        assert time.monotonic() - started < 5
        assert asked == ["A task is still running. Stop it and quit?"]
        assert not window.classify_page.busy and tasks.abandoned_count() == 1
    finally:
        release.set()
    assert tasks.wait_for_abandoned(10000)


@pytest.mark.slow
def test_file_export_offers_onnx_and_reports_its_check(qtbot, window, trained, tmp_path, monkeypatch):
    from tlgui.gui.model_export import ONNX_FILTER

    window.controller.set_training_result(trained)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "pets"), ONNX_FILTER)))
    with qtbot.waitSignal(window.exporter.exported, timeout=180000) as blocker:
        assert window.export_model()
    assert blocker.args[0] == tmp_path / "pets.onnx"
    message = window.statusBar().currentMessage()
    assert "Checked with onnxruntime: top-1 agreement 100.0%" in message
    assert f"on {len(trained.report.predictions)} photos" in message


@pytest.mark.slow
def test_an_export_stopped_by_quitting_is_no_failed_save(qtbot, window, trained, tmp_path, monkeypatch):
    # Quitting during an ONNX export stops it: that popped up "The model was not saved ...: Stopped
    # by the user." as the window went away, as if saving had failed.
    from tlgui.gui.model_export import ONNX_FILTER

    window.controller.set_training_result(trained)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "pets"), ONNX_FILTER)))
    shown = warnings_shown(monkeypatch)
    assert window.export_model()
    window.exporter.slot.cancel()
    qtbot.waitUntil(lambda: not window.exporter.busy, timeout=60000)
    assert shown == []
    assert window.statusBar().currentMessage() == "Export stopped: no file was written."
    assert list(tmp_path.iterdir()) == []


# -- a run the window cannot wait for, and a save while a run trains ---------------------------------


@pytest.fixture
def fine_tune_held(qtbot, window, tmp_path, monkeypatch):
    """A fine-tune (head + last stage, 2 epochs a phase) training in ``window``, its training thread
    held at the end of its first fine-tune epoch (where no stop can reach it) until the test sets
    the event: Stop then takes longer than the window waits."""
    from tlgui.core.plan.regime import Regime
    from tlgui.gui.pages.train import train_page as train_page_module

    isolate_caches(monkeypatch, tmp_path)
    write_learnable_classes(tmp_path / "colours", {"red": 8, "blue": 8})
    fill(window, tmp_path / "colours")
    controller = window.controller
    controller.set_config(replace(controller.config, epochs=2, early_stopping_patience=None, freeze_level=1))
    release, held = threading.Event(), threading.Event()
    original = train_page_module.ReportingCallback.on_epoch_end

    def on_epoch_end(self, stats):
        original(self, stats)
        if stats.phase is not Regime.HEAD:
            held.set()
            release.wait(60)  # never forever, whatever happens in the test

    monkeypatch.setattr(train_page_module.ReportingCallback, "on_epoch_end", on_epoch_end)
    monkeypatch.setattr(tasks, "SHUTDOWN_WAIT_MS", 300)
    window.train_page.start()
    qtbot.waitUntil(held.is_set, timeout=120000)
    qtbot.waitUntil(lambda: len(window.train_page.curves.history) == 3, timeout=10000)  # 2 head + 1 fine-tune
    assert controller.classifier is not None  # the head's model, in use while the fine-tune goes on
    yield release
    release.set()
    assert tasks.wait_for_abandoned(60000)


def questions_answered(monkeypatch, answers: dict[str, Button]) -> list[str]:
    """Answer each question by its title; returns the titles asked."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(title)
        return answers[title]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_opening_another_project_while_a_run_cannot_stop_keeps_it_and_leaves_train_idle(
        qtbot, window, fine_tune_held, tmp_path, monkeypatch):
    """The run does not stop in time: the project it belongs to keeps it as far as it had come (the
    head's model, in use), the Train page is ready for the next run, and the run's late end reaches
    no project."""
    controller, train_page = window.controller, window.train_page
    other = tmp_path / "other.tlgui"
    controller_module.ProjectController().save_project(other)
    first = tmp_path / "first.tlgui"
    save_dialog_returns(monkeypatch, first)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(other), "")))
    asked = questions_answered(monkeypatch, {"Training in progress": Button.Yes, "Unsaved changes": Button.Save})
    head_model = controller.classifier

    assert window.open_project_dialog()
    assert asked == ["Training in progress", "Unsaved changes"]
    assert tasks.abandoned_count() == 1  # it did not stop in time
    saved = load_project(first)
    assert [(r.id, r.status, r.has_model, r.epochs_run) for r in saved.runs] == [(1, "interrupted", True, 3)]
    assert saved.runs.in_use_id == 1 and saved.classifier.class_names == head_model.class_names
    assert not train_page.busy and not train_page.progress.isVisible()

    qtbot.waitUntil(lambda: controller.path == other, timeout=60000)
    assert train_page.start_button.isEnabled()  # (the whole window was disabled while the other project was read)
    fine_tune_held.set()  # the abandoned run goes on to its end, in the background
    assert tasks.wait_for_abandoned(60000)
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.01)
    assert len(controller.runs) == 0 and controller.classifier is None and not controller.dirty
    assert train_page.start_button.isEnabled() and not train_page.busy


def test_closing_when_a_run_cannot_stop_then_cancelling_leaves_a_usable_train_page(
        qtbot, window, fine_tune_held, monkeypatch):
    controller, train_page = window.controller, window.train_page
    questions_answered(monkeypatch, {"Work in progress": Button.Yes, "Unsaved changes": Button.Cancel})
    said: list[str] = []
    controller.statusMessage.connect(said.append)
    assert not window.close()
    assert window.isVisible() and tasks.abandoned_count() == 1
    # While it waited for the run, the window said so (a busy cursor, which is gone again).
    assert said[0] == "Stopping the training run…" and QApplication.overrideCursor() is None
    # The page is idle, says what became of the run, and the project keeps it (unsaved).
    assert not train_page.busy and train_page.start_button.isEnabled() and not train_page.progress.isVisible()
    assert train_page.message.text().startswith("The run did not stop in time")
    assert "Run 1, marked interrupted, with its best model so far (epoch " in train_page.message.text()
    assert [(r.id, r.status) for r in controller.runs] == [(1, "interrupted")] and controller.runs.in_use_id == 1
    assert controller.dirty and len(train_page.curves.history) == 3

    fine_tune_held.set()
    assert tasks.wait_for_abandoned(60000)
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.01)
    assert [r.id for r in controller.runs] == [1]  # its late end changed nothing
    train_page.start()  # and the next run starts
    assert train_page.busy
    train_page.stop()
    qtbot.waitUntil(lambda: not train_page.busy, timeout=120000)


def test_saving_while_a_run_trains_keeps_it_so_far_and_its_end_replaces_it(
        qtbot, window, fine_tune_held, tmp_path, monkeypatch):
    controller, train_page = window.controller, window.train_page
    path = tmp_path / "mid-run.tlgui"
    save_dialog_returns(monkeypatch, path)
    assert window.save() and train_page.busy
    assert not controller.dirty and len(controller.runs) == 0  # the run is not kept before it ends
    mid_run = tmp_path / "copy-of-mid-run.tlgui"
    mid_run.write_bytes(path.read_bytes())
    saved = load_project(path)
    assert [(r.id, r.status, r.has_model, r.epochs_run, r.best_epoch <= 2) for r in saved.runs] == [
        (1, "interrupted", True, 3, True)]
    assert saved.runs.in_use_id == 1

    fine_tune_held.set()
    qtbot.waitUntil(lambda: not train_page.busy, timeout=120000)
    assert controller.dirty  # the run's end is unsaved work
    assert window.save()
    ended = load_project(path)
    assert [(r.id, r.status, r.epochs_run) for r in ended.runs] == [(1, "finished", 4)]  # replaced, not added

    # The save made while it trained opens with that run, its model usable.
    window.controller.mark_clean()
    assert window.open_project(mid_run)
    assert [(r.id, r.status) for r in controller.runs] == [(1, "interrupted")]
    assert controller.classifier is not None and window.export_action.isEnabled()
    results = window.results_page
    row = results.runs_model.row_of(1)
    from tlgui.gui.pages.results.runs_table import ENDED, EPOCHS

    assert results.runs_model.index(row, ENDED).data() == "interrupted"
    assert results.runs_model.index(row, EPOCHS).data() == "3 of 4"
    assert "interrupted at epoch 3" in results.summary.text()


def test_a_project_whose_photos_moved_says_so_and_finds_them_where_the_user_points(window, tmp_path, monkeypatch):
    # It opened without a word: the bins looked whole, every thumbnail "no preview", and only Train
    # said the photos were gone, by failing.
    imagegen.write_class_tree(tmp_path / "photos", {"cats": 3, "dogs": 2})
    fill(window, tmp_path / "photos")
    path = tmp_path / "pets.tlgui"
    window.controller.save_project(path)
    (tmp_path / "usb").mkdir()
    (tmp_path / "photos").rename(tmp_path / "usb" / "photos")
    assert window.open_project(path)
    page = window.data_page
    assert not page.missing_banner.isHidden()
    assert page.missing_banner.text.text().startswith("5 photos of this project are not where it says")
    assert "5 photos are not where the project says (moved or deleted)." in window.statusBar().currentMessage()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "usb")))
    page.missing_banner.locate_button.click()
    assert page.missing_banner.isHidden() and window.controller.dataset.missing_photos() == []
    assert window.statusBar().currentMessage() == f"5 photos found in {tmp_path / 'usb'}."
    assert window.controller.dirty  # the new paths are the project's, to be saved


def test_another_project_gets_fresh_thumbnails(window, photos):
    # A photo deleted on disk kept showing its thumbnail when the project was opened again.
    from PySide6.QtGui import QImage

    fill(window, photos)
    loader = window.data_page.loader
    shown = next(iter(window.controller.dataset.items())).path
    loader._on_decoded(str(shown), QImage(8, 8, QImage.Format.Format_RGB32), loader.size)
    loader._on_failed("/gone.jpg", "file not found")
    assert loader.cached(shown) is not None
    window.controller.new_project()
    assert loader.cached(shown) is None and loader.failure("/gone.jpg") is None


def test_photos_found_where_the_user_points_are_found_for_the_runs_too(window, tmp_path, monkeypatch):
    # Only the bins took the new paths: Results showed every mistake greyed "not in the bins", a
    # better run on the same photos was "checked on different validation photos", and the save kept
    # the runs' old paths for good.
    from datetime import UTC, datetime

    from tlgui.core.data.bins import DataSet
    from tlgui.core.project import Project, save_project
    from tlgui.core.training.config import TrainConfig
    from tlgui.core.training.metrics import EvaluationReport, ValPrediction
    from tlgui.core.training.runs import Run, RunHistory, RunStatus, validation_key
    from tlgui.core.training.summary import RunTimings

    imagegen.write_class_tree(tmp_path / "photos", {"cats": 3, "dogs": 2})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    wrong = [ValPrediction(item.path, item.label, "dogs" if item.label == "cats" else "cats", 0.9)
             for item in dataset.items()]
    report = EvaluationReport(["cats", "dogs"], [[0, 3], [2, 0]], [0.0, 0.0], [0.0, 0.0], 0.0, wrong)
    run = Run(1, "Run 1", datetime(2025, 5, 1, tzinfo=UTC), RunStatus.FINISHED, "efficientnet_lite0", None, 0,
              TrainConfig(), [], 0, RunTimings(), report, validation_key(wrong))  # its model let go
    path = tmp_path / "pets.tlgui"
    save_project(Project(dataset, "efficientnet_lite0", TrainConfig(), RunHistory([run])), path)
    (tmp_path / "usb").mkdir()
    (tmp_path / "photos").rename(tmp_path / "usb" / "photos")

    assert window.open_project(path)
    results = window.results_page
    window.tabs.setCurrentWidget(results)
    assert results.selected_run.id == 1 and results.wrong_model.rowCount() == 5
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "usb")))
    window.data_page.missing_banner.locate_button.click()
    assert results.wrong_model.rowCount() == 5 and results.wrong_model.missing_count() == 0
    found = window.controller.runs.get(1)
    assert all(p.path.is_relative_to(tmp_path / "usb" / "photos") for p in found.report.predictions)
    assert found.validation_key == validation_key(found.report.predictions)

    assert window.controller.dirty and window.save()
    reopened = load_project(path)
    assert reopened.photos_missing == 0
    assert [p.path for p in reopened.runs.get(1).report.predictions] == [p.path for p in found.report.predictions]
    assert reopened.runs.get(1).validation_key == found.validation_key
