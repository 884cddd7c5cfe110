"""The Results page shows a real training run: summary, confusion matrix, photos per cell."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pages_support import train_small, write_learnable_classes
from PySide6.QtCore import Qt

from tlgui.core.training.metrics import EvaluationReport, ValPrediction
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.results.results_page import EMPTY_TEXT, ResultsPage


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    paths = write_learnable_classes(root, {"red": 8, "blue": 8, "green": 8})
    dataset, result = train_small(root, tmp_path_factory.mktemp("cache"))
    return paths, dataset, result


@pytest.fixture
def page(qtbot):
    widget = ResultsPage(ProjectController())
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()


def test_empty_until_a_model_is_trained(page):
    assert page.stack.currentWidget() is page.empty
    assert page.empty.text() == EMPTY_TEXT


def test_a_finished_run_shows_summary_matrix_and_per_class_table(qtbot, page, trained):
    _paths, _dataset, result = trained
    page.controller.set_training_result(result)
    assert page.stack.currentIndex() == 1
    report = result.report
    assert f"Validation accuracy {report.accuracy:.1%}" in page.summary.text()
    assert f"best epoch {result.best_epoch} of {len(result.history)}" in page.summary.text()
    assert "head only" in page.summary.text()
    model = page.confusion.model
    assert model.rowCount() == model.columnCount() == 3
    assert model.headerData(0, Qt.Orientation.Horizontal) == report.class_names[0]
    for r in range(3):
        for c in range(3):
            assert model.index(r, c).data() == str(report.confusion[r][c])
    assert page.per_class.rowCount() == 3
    assert page.per_class.item(0, 1).text() == f"{report.precision[0]:.1%}"

    # Clicking a diagonal cell lists those photos, with their predicted label and probability.
    best = max(range(3), key=lambda i: report.confusion[i][i])
    name = report.class_names[best]
    page.confusion.choose(name, name)
    expected = report.cell(name, name)
    assert page.cell_model.rowCount() == len(expected) > 0
    first = page.cell_model.index(0)
    assert first.data().endswith(f"{expected[0].predicted_label} {expected[0].probability:.0%}")
    assert str(expected[0].path) in first.data(Qt.ItemDataRole.ToolTipRole)
    # Thumbnails arrive from the pool and repaint their row.
    first.data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: page.loader.cached(expected[0].path) is not None, timeout=10000)


def test_mistakes_are_listed_and_shaded_red(page, trained):
    paths, _dataset, result = trained
    names = ["blue", "green", "red"]
    predictions = [
        ValPrediction(paths["red"][0], "red", "red", 0.9),
        ValPrediction(paths["red"][1], "red", "blue", 0.7),
        ValPrediction(paths["blue"][0], "blue", "blue", 0.8),
        ValPrediction(paths["green"][0], "green", "red", 0.95),
    ]
    report = EvaluationReport(
        class_names=names,
        confusion=[[1, 0, 0], [0, 0, 1], [1, 0, 1]],
        precision=[0.5, 0.0, 0.5],
        recall=[1.0, 0.0, 0.5],
        accuracy=0.5,
        predictions=predictions,
    )
    page.controller.set_training_result(replace(result, report=report))
    assert page.tabs.tabText(1) == "Misclassified (2)"
    assert page.wrong_model.rowCount() == 2
    # Most confident mistake first.
    assert page.wrong_model.prediction(0).path == paths["green"][0]
    page.confusion.choose("red", "blue")
    assert page.cell_model.rowCount() == 1
    assert page.cell_label.text() == "1 red photo taken for blue."
    wrong = page.confusion.model.index(1, 2).data(Qt.ItemDataRole.BackgroundRole)
    right = page.confusion.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert wrong.red() > wrong.blue() and right.blue() > right.red()


def test_a_classifier_from_a_file_shows_its_stored_metrics(page, trained):
    _paths, _dataset, result = trained
    page.controller.set_classifier(result.classifier)  # as if opened from a model file
    assert page.controller.last_result is None
    assert page.stack.currentIndex() == 1
    assert f"Validation accuracy {result.report.accuracy:.1%}" in page.summary.text()
    assert page.confusion.model.rowCount() == 3
    assert "not available here" in page.cell_label.text()
    page.controller.set_classifier(None)
    assert page.stack.currentWidget() is page.empty
