"""Names that come from files are shown literally: a class called ``<b>x</b><img src=...>`` opened from a
project file is neither bold nor an image in the bins, the results, the Classify page or a dialog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pages_support import write_learnable_classes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from qt_text import HTML_NAME, displayed

from tlgui.core.data.bins import DataSet
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import TrainConfig, train
from tlgui.gui.controller import ProjectController
from tlgui.gui.main_window import MainWindow

PLAIN = Qt.TextFormat.PlainText
HTML_FILE_NAME = "<b>bold.png"  # a photo whose file name looks like HTML too


@pytest.fixture(scope="module")
def project_file(tmp_path_factory):
    """A real project file: a class named like HTML (one photo named so too) and a model trained on it."""
    root = tmp_path_factory.mktemp("photos")
    photos = write_learnable_classes(root, {"red": 8, "blue": 8})
    odd_photo = shutil.copy(photos["red"][0], root / HTML_FILE_NAME)
    dataset = DataSet()
    dataset.add_files(HTML_NAME, [*photos["red"][1:], odd_photo])
    dataset.add_files("blue", photos["blue"])
    result = train(dataset, TrainConfig(epochs=4, freeze_level=0, device="cpu"),
                   cache=FeatureCache(tmp_path_factory.mktemp("cache")))
    controller = ProjectController()
    controller.set_dataset(dataset)
    controller.set_training_result(result)
    return controller.save_project(tmp_path_factory.mktemp("projects") / "<b>p"), odd_photo


@pytest.fixture
def window(qtbot, project_file):
    window = MainWindow()
    assert window.open_project(project_file[0])
    window.show()
    qtbot.waitExposed(window)
    yield window
    # Background work the window started (the backbone loading) may still run on a busy machine.
    qtbot.waitUntil(lambda: not window._any_busy(), timeout=120_000)
    window.controller.mark_clean()
    window.close()
    window.shutdown()
    window.deleteLater()


def questions_asked(monkeypatch, answer) -> list[str]:
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(displayed(text))
        return answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_the_bins_show_the_class_and_file_names_literally(window, project_file):
    _path, odd_photo = project_file
    panel = window.data_page.panels[HTML_NAME]
    assert panel.title.textFormat() == PLAIN and panel.title.text() == HTML_NAME
    model = panel.model
    row = next(r for r in range(model.rowCount()) if model.item(r).path.name == HTML_FILE_NAME)
    tooltip = displayed(model.data(model.index(row), Qt.ItemDataRole.ToolTipRole))
    assert tooltip.splitlines()[:2] == [HTML_FILE_NAME, str(odd_photo.parent)]


def test_the_results_page_shows_the_class_name_literally(window):
    page = window.results_page
    assert page.stack.currentIndex() == 1  # the model's own report, read from the file
    matrix = page.confusion.model
    names = [matrix.headerData(r, Qt.Orientation.Vertical) for r in range(matrix.rowCount())]
    assert HTML_NAME in names
    row = names.index(HTML_NAME)
    header_tip = matrix.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert displayed(header_tip) == f"true class: {HTML_NAME}"
    cell_tip = displayed(matrix.index(row, row).data(Qt.ItemDataRole.ToolTipRole))
    assert f" {HTML_NAME} photo" in cell_tip and f"of {HTML_NAME})" in cell_tip
    assert page.per_class.item(row, 0).text() == HTML_NAME
    page.show_cell(HTML_NAME, HTML_NAME)
    assert page.cell_label.textFormat() == PLAIN and HTML_NAME in page.cell_label.text()


def test_the_classify_page_shows_names_literally(qtbot, window, project_file):
    _path, odd_photo = project_file
    page = window.classify_page
    assert page.model_label.textFormat() == PLAIN and HTML_NAME in page.model_label.text()
    with qtbot.waitSignal(page.predictionsReady, timeout=60000) as blocker:
        page.classify_paths([odd_photo])
    assert blocker.args[0][0].label == HTML_NAME
    single = page.single
    assert single.name.textFormat() == PLAIN and single.name.text() == str(odd_photo)
    assert single.verdict.textFormat() == PLAIN and single.verdict.text().startswith(f"{HTML_NAME} (")
    assert [name for name, _ in single.bar_values()][0] == HTML_NAME
    labels = [single.bars.itemAtPosition(r, 0).widget() for r in range(single.bars.rowCount())
              if single.bars.itemAtPosition(r, 0) is not None]
    assert labels and all(label.textFormat() == PLAIN for label in labels)
    tip = page.table_model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert displayed(tip) == str(odd_photo)


def test_dialogs_show_names_literally(window, monkeypatch):
    asked = questions_asked(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.data_page.delete_classes([HTML_NAME])
    assert f"the class “{HTML_NAME}”" in asked[0]

    window.controller.mark_dirty()
    assert not window.close()  # Cancel: the window stays
    assert "“<b>p”" in asked[1]

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(displayed(text))))
    window.controller.report_error(f"The class {HTML_NAME} has too few photos.")
    assert shown == [f"The class {HTML_NAME} has too few photos."]


def test_two_photos_named_alike_show_as_much_of_their_paths_as_tells_them_apart(tmp_path):
    from tlgui.gui.widgets.plain_text import distinct_names

    assert distinct_names(Path("/a/ants/IMG_1.jpg"), Path("/a/bees/IMG_1.jpg")) == ("ants/IMG_1.jpg", "bees/IMG_1.jpg")
    assert distinct_names(Path("/x/s/IMG_1.jpg"), Path("/y/s/IMG_1.jpg")) == ("x/s/IMG_1.jpg", "y/s/IMG_1.jpg")
    assert distinct_names(Path("/a/one.jpg"), Path("/a/two.jpg")) == ("one.jpg", "two.jpg")
    assert distinct_names(Path("/a/caf\udce9.jpg"), Path("/b/caf\udce9.jpg"))[0] == "a/café.jpg"  # not UTF-8 on disk
