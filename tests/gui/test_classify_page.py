"""The Classify page: real drops, real predictions, CSV export, model files out and back in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pages_support import imagegen, train_small, write_learnable_classes
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tlgui.gui import model_export
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.classify.classify_page import EMPTY_TEXT, ClassifyPage
from tlgui.gui.pages.classify.prediction_table import SORT_ROLE


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    write_learnable_classes(root, {"red": 8, "blue": 8})
    _dataset, result = train_small(root, tmp_path_factory.mktemp("cache"))
    return result


@pytest.fixture
def new_photos(tmp_path):
    """Unseen photos: a folder of three (one per class plus one more red) and a broken file."""
    paths = write_learnable_classes(tmp_path / "new", {"red": 2, "blue": 1}, seed=7)
    imagegen.write_zero_byte(tmp_path / "new" / "empty.jpg")
    return paths


@pytest.fixture
def page(qtbot):
    widget = ClassifyPage(ProjectController())
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def _drop(page, paths) -> bool:
    """Send a real drag-enter and drop with file URLs, as a file manager does; True if accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(page.width() / 2, page.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, drop)
    return True


def test_empty_state_without_a_classifier(page, new_photos):
    assert page.stack.currentWidget() is page.empty
    assert not page.open_images_button.isEnabled() and not page.export_model_button.isEnabled()
    assert not _drop(page, new_photos["red"])
    page.classify_paths(new_photos["red"])
    assert EMPTY_TEXT in page.message.text()


def test_dropping_one_photo_shows_its_top_classes(qtbot, page, trained, new_photos):
    page.controller.set_training_result(trained)
    assert page.stack.currentWidget() is page.drop_prompt
    assert "trained in this project" in page.model_label.text()
    with qtbot.waitSignal(page.predictionsReady, timeout=60000) as blocker:
        assert _drop(page, [new_photos["red"][0]])
    prediction = blocker.args[0][0]
    assert prediction.label == "red"
    assert page.stack.currentWidget() is page.single
    assert page.single.verdict.text() == f"red ({prediction.probability:.1%})"
    bars = page.single.bar_values()
    assert [name for name, _ in bars] == ["red", "blue"]
    assert bars[0][1] == f"{prediction.top[0][1]:.1%}"
    assert page.single.heatmap.canvas.photo is not None and not page.single.heatmap.canvas.photo.isNull()


def test_dropping_a_folder_gives_a_sortable_table_and_csv(qtbot, page, trained, new_photos, tmp_path):
    page.controller.set_training_result(trained)
    folder = new_photos["red"][0].parent.parent
    with qtbot.waitSignal(page.predictionsReady, timeout=60000) as blocker:
        assert _drop(page, [folder])
    predictions = blocker.args[0]
    assert len(predictions) == 4  # three photos and the empty file, which gets an error
    assert page.stack.currentWidget() is page.results
    page.results.setCurrentWidget(page.table_box)  # the table is the second view
    assert page.proxy.rowCount() == 4
    errors = [p for p in predictions if p.error]
    assert len(errors) == 1 and errors[0].path.name == "empty.jpg"
    assert "1 could not be read" in page.message.text()
    # The unread photo's empty class cells hold text only: "" for every role was read by Qt as a
    # font description (a "QFont::fromString: Invalid description" warning per cell).
    row = next(r for r in range(page.table_model.rowCount()) if page.table_model.index(r, 0).data() == "empty.jpg")
    for column in range(1, page.table_model.columnCount() - 1):
        cell = page.table_model.index(row, column)
        assert cell.data(Qt.ItemDataRole.FontRole) is None and cell.data(Qt.ItemDataRole.ForegroundRole) is None
        assert cell.data() == ""
    by_name = {p.path.name: p.label for p in predictions if not p.error}
    assert by_name == {"red_0.png": "red", "red_1.png": "red", "blue_0.png": "blue"}

    # Sort by probability, highest first: the unreadable file (no probability) ends up last.
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    values = [page.proxy.index(r, 2).data(SORT_ROLE) for r in range(4)]
    assert values == sorted(values, reverse=True) and values[-1] == -1.0
    page.filter.setText("blue")
    assert page.proxy.rowCount() >= 1
    page.filter.clear()

    out = tmp_path / "out" / "predictions.csv"
    assert page.export_csv_button.isEnabled()
    page.export_csv(out)
    rows = list(csv.reader(out.open(newline="")))
    assert rows[0][:3] == ["path", "label", "probability"] and rows[0][-1] == "error"
    assert len(rows) == 5
    assert {row[1] for row in rows[1:] if not row[-1]} == {"red", "blue"}
    assert not list(out.parent.glob("*.tmp"))


def test_a_failed_export_replaces_the_last_success_on_the_page_and_the_dialog_offers_a_folder(
        qtbot, trained, tmp_path, monkeypatch):
    page = ClassifyPage(ProjectController())
    qtbot.addWidget(page)
    page.controller.set_training_result(trained)
    page.controller.report_error = lambda message: None  # the window's dialog
    with qtbot.waitSignal(page.exporter.slot.done, timeout=60000):
        page.export_model(tmp_path / "first")
    assert "Model exported to" in page.message.text()
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    with qtbot.waitSignal(page.exporter.slot.done, timeout=60000):
        page.export_model(blocker / "second")
    assert "Model exported to" not in page.message.text() and "second" in page.message.text()
    offered = []
    monkeypatch.setattr(model_export, "ask_model_path", lambda parent, suggested: offered.append(suggested))
    page.export_model_dialog()
    assert offered == [Path.home() / f"{page.controller.project_name}.safetensors"]  # never the working folder
    page.shutdown()



def test_the_page_s_export_is_checked_on_the_same_photos_as_file_export_model(qtbot, trained, monkeypatch):
    """An ONNX export from this page was checked on random inputs ("no photos at hand") while
    File > Export Model checked the same model on its validation photos."""
    page = ClassifyPage(ProjectController())
    qtbot.addWidget(page)
    page.controller.set_training_result(trained)
    asked = []
    monkeypatch.setattr(page.exporter, "ask_and_export",
                        lambda parent, classifier, suggested, check_photos=(): asked.append(list(check_photos)))
    page.export_model_dialog()
    assert asked == [page.controller.photos_to_check_export_on()]
    assert asked[0] == [p.path for p in trained.report.predictions]

def test_export_the_model_and_classify_with_the_file_alone(qtbot, trained, new_photos, tmp_path):
    exporter = ClassifyPage(ProjectController())
    qtbot.addWidget(exporter)
    exporter.controller.set_training_result(trained)
    with qtbot.waitSignal(exporter.modelExported, timeout=60000):
        exporter.export_model(tmp_path / "colours")  # the suffix is added
    model_file = tmp_path / "colours.safetensors"
    assert model_file.is_file()
    exporter.shutdown()

    # A fresh page with no project: open the file and classify.
    page = ClassifyPage(ProjectController())
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.modelOpened, timeout=60000):
        page.open_model(model_file)
    assert page.classifier is not None and page.classifier.class_names == trained.classifier.class_names
    assert "from colours.safetensors" in page.model_label.text()
    with qtbot.waitSignal(page.predictionsReady, timeout=60000) as blocker:
        page.classify_paths([new_photos["blue"][0]])
    assert blocker.args[0][0].label == "blue"

    # A damaged file is refused with the engine's message; the model in use stays.
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(model_file.read_bytes()[:1000])
    page.open_model(broken)
    qtbot.waitUntil(lambda: not page.busy, timeout=30000)
    assert "broken.safetensors" in page.message.text()
    assert page.message.styleSheet()  # shown as an error
    assert "from colours.safetensors" in page.model_label.text()
    page.shutdown()


def test_a_csv_that_cannot_be_written_is_reported_with_its_name(page, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    target = blocker / "predictions.csv"
    errors: list[str] = []
    page.controller.errorRaised.connect(errors.append)  # the window shows these as a dialog
    assert not page.export_csv(target)
    assert len(errors) == 1 and errors[0].startswith(f"The CSV file was not saved to {target}: ")


def test_a_runs_early_model_is_named_as_such(page, trained):
    # The head-first phase hands out a usable model before the run exists: no "(?, in use)".
    assert page.controller.offer_early_model(trained)
    text = page.model_label.text()
    assert "the new head of the run now training" in text and "?" not in text


def test_answers_cleared_by_a_new_model_in_use_say_so(qtbot, page, trained, new_photos):
    """A run that ends replaces the early model the photos were classified with."""
    assert page.controller.offer_early_model(trained)
    with qtbot.waitSignal(page.predictionsReady, timeout=60000):
        assert _drop(page, [new_photos["red"][0]])
    assert page.predictions
    import copy
    from dataclasses import replace

    # The run's own model now in use (the fine-tune's, another object than the early head).
    page.controller.set_training_result(replace(trained, classifier=copy.deepcopy(trained.classifier)))
    assert page.predictions == [] and "model in use changed" in page.message.text()


def test_two_model_changes_in_a_row_still_say_why_the_answers_went(qtbot, page, trained, new_photos):
    """The head's early model, then the finished run's: the second change wiped the first's note."""
    import copy
    from dataclasses import replace

    assert page.controller.offer_early_model(trained)
    with qtbot.waitSignal(page.predictionsReady, timeout=60000):
        assert _drop(page, [new_photos["red"][0]])
    assert page.predictions
    assert page.controller.offer_early_model(replace(trained, classifier=copy.deepcopy(trained.classifier)))
    page.controller.set_training_result(replace(trained, classifier=copy.deepcopy(trained.classifier)))
    assert page.predictions == [] and "model in use changed" in page.message.text()


def test_an_opened_model_file_stays_until_the_user_chooses_the_project_s(qtbot, trained, new_photos, tmp_path):
    """A run finishing in the project replaced the file the user opened, and its answers, silently."""
    import copy
    from dataclasses import replace

    from tlgui.core.models.modelfile import save_classifier

    model_file = tmp_path / "other.safetensors"
    save_classifier(trained.classifier, model_file)
    page = ClassifyPage(ProjectController())
    qtbot.addWidget(page)
    page.show()
    page.controller.set_training_result(trained)
    assert page.project_model_button.isHidden()
    with qtbot.waitSignal(page.modelOpened, timeout=60000):
        page.open_model(model_file)
    assert page.project_model_button.isVisible()
    with qtbot.waitSignal(page.predictionsReady, timeout=60000):
        page.classify_paths([new_photos["blue"][0]])

    # Another run finishes and goes in use: the file and its answers stay.
    page.controller.set_training_result(replace(trained, classifier=copy.deepcopy(trained.classifier)))
    assert page.model_source == model_file and page.predictions
    assert "from other.safetensors" in page.model_label.text()

    # The user's own choices bring the project's model back: the button, or "Use this run".
    page.project_model_button.click()
    assert page.model_source is None and page.classifier is page.controller.classifier
    assert page.project_model_button.isHidden()
    with qtbot.waitSignal(page.modelOpened, timeout=60000):
        page.open_model(model_file)
    other = next(run.id for run in page.controller.runs.runs if run.id != page.controller.runs.in_use_id)
    page.controller.use_run(other)
    assert page.model_source is None and page.classifier is page.controller.classifier
    page.shutdown()
