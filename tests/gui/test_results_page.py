"""The Results page: the project's runs, and the selected run's summary, matrix, curves and photos."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import pytest
from pages_support import imagegen, train_small, write_learnable_classes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tlgui.core.models.modelfile import classifier_to_bytes
from tlgui.core.training.metrics import EvaluationReport, ValPrediction
from tlgui.core.training.trainer import TrainConfig
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.classify.prediction_thumbs import CELL_MARGIN
from tlgui.gui.pages.results.results_page import (
    CURVES_TAB,
    EMPTY_TEXT,
    NOT_RECORDED,
    RULES_TEXT,
    TRAINING_TEXT,
    WRONG_TAB,
    ResultsPage,
)
from tlgui.gui.pages.results.run_photos import MISSING_CAPTION
from tlgui.gui.pages.results.runs_table import (
    ACCURACY,
    ENDED,
    EPOCHS,
    IN_USE,
    IN_USE_MARK,
    KEEP,
    MODEL,
    NAME,
    TRAINED,
)


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


def mistakes_report(paths) -> EvaluationReport:
    """Four validation photos, two of them misclassified."""
    predictions = [
        ValPrediction(paths["red"][0], "red", "red", 0.9),
        ValPrediction(paths["red"][1], "red", "blue", 0.7),
        ValPrediction(paths["blue"][0], "blue", "blue", 0.8),
        ValPrediction(paths["green"][0], "green", "red", 0.95),
    ]
    return EvaluationReport(
        class_names=["blue", "green", "red"],
        confusion=[[1, 0, 0], [0, 0, 1], [1, 0, 1]],
        precision=[0.5, 0.0, 0.5],
        recall=[1.0, 0.0, 0.5],
        accuracy=0.5,
        predictions=predictions,
    )


def cell(page, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return page.runs_model.index(row, column).data(role)


def test_empty_until_a_model_is_trained(page):
    assert page.stack.currentWidget() is page.empty
    assert page.empty.text() == EMPTY_TEXT


def test_while_a_first_run_fine_tunes_the_empty_page_says_its_head_is_in_use(page, trained):
    _paths, _dataset, result = trained
    page.controller.offer_early_model(result)  # the head, handed out before the fine-tune ends
    assert page.stack.currentWidget() is page.empty and page.empty.text() == TRAINING_TEXT
    page.controller.set_training_result(result)
    assert page.stack.currentWidget() is not page.empty


def test_a_finished_run_shows_summary_matrix_and_per_class_table(qtbot, page, trained):
    _paths, dataset, result = trained
    page.controller.set_dataset(dataset)
    page.controller.set_training_result(result)
    assert page.stack.currentIndex() == 1
    report = result.report
    assert page.summary.text().startswith("Run 1 · ")
    assert f"validation accuracy {report.accuracy:.1%}" in page.summary.text()
    assert f"best epoch {result.best_epoch} of {len(result.history)}" in page.summary.text()
    assert "head only" in page.summary.text() and page.summary.text().endswith(" · in use")
    model = page.confusion.model
    assert model.rowCount() == model.columnCount() == 3
    assert model.headerData(0, Qt.Orientation.Horizontal) == report.class_names[0]
    for r in range(3):
        for c in range(3):
            assert model.index(r, c).data() == str(report.confusion[r][c])
    assert page.per_class.rowCount() == 3
    assert page.per_class.item(0, 1).text() == f"{report.precision[0]:.1%}"
    assert len(page.curves.points()["val_accuracy"]) == len(result.history)

    # Clicking a diagonal cell lists those photos, with their predicted label and probability.
    best = max(range(3), key=lambda i: report.confusion[i][i])
    name = report.class_names[best]
    page.confusion.choose(name, name)
    expected = report.cell(name, name)
    assert page.cell_model.rowCount() == len(expected) > 0 and page.cell_model.missing_count() == 0
    first = page.cell_model.index(0)
    assert first.data().endswith(f"{expected[0].predicted_label} {expected[0].probability:.0%}")
    assert str(expected[0].path) in first.data(Qt.ItemDataRole.ToolTipRole)
    # Thumbnails arrive from the pool and repaint their row.
    first.data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: page.loader.cached(expected[0].path) is not None, timeout=10000)


def test_mistakes_are_listed_and_a_photo_gone_from_the_bins_is_marked_missing(page, trained):
    paths, dataset, result = trained
    controller = page.controller
    controller.set_dataset(dataset.copy())
    controller.set_training_result(replace(result, report=mistakes_report(paths)))
    assert page.tabs.tabText(2) == "Misclassified (2)"
    assert page.wrong_model.rowCount() == 2 and page.wrong_model.missing_count() == 0
    assert page.wrong_label.text() == "2 photos, the most confident mistakes first."
    # Most confident mistake first.
    assert page.wrong_model.prediction(0).path == paths["green"][0]
    page.confusion.choose("red", "blue")
    assert page.cell_model.rowCount() == 1
    assert page.cell_label.text() == "1 red photo taken for blue."
    wrong = page.confusion.model.index(1, 2).data(Qt.ItemDataRole.BackgroundRole)
    right = page.confusion.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert wrong.red() > wrong.blue() and right.blue() > right.red()

    # The photo leaves the bins: still listed, marked missing, not silently dropped.
    controller.dataset.remove_items([paths["green"][0]])
    controller.notify_dataset_changed()
    assert page.wrong_model.rowCount() == 2 and page.wrong_model.missing_count() == 1
    gone = page.wrong_model.index(0)
    assert gone.data() == f"{paths['green'][0].name}\n{MISSING_CAPTION}"
    assert "No longer in the project's bins." in gone.data(Qt.ItemDataRole.ToolTipRole)
    assert page.wrong_label.text().endswith("1 photo of them is no longer in the project's bins.")
    page.confusion.choose("green", "red")
    assert page.cell_label.text() == "1 green photo taken for red. 1 photo of them is no longer in the project's bins."


def test_a_mistakes_caption_keeps_both_classes_at_1024_by_700_and_elides_only_the_file(qtbot, page, trained, tmp_path):
    paths, dataset, result = trained
    photo = imagegen.write_image(tmp_path / "IMG_20240101_123456_from_the_camera_of_a_very_patient_photographer.png",
                                 901, size=(40, 30))
    dataset = dataset.copy()
    dataset.add_files("red", [photo])
    names = ["cardboard boxes", "plastic bottles"]
    report = EvaluationReport(class_names=names, confusion=[[0, 1], [0, 0]], precision=[0.0, 0.0],
                              recall=[0.0, 0.0], accuracy=0.0,
                              predictions=[ValPrediction(photo, names[0], names[1], 0.72)])
    page.controller.set_dataset(dataset)
    page.controller.set_training_result(replace(result, report=report))
    page.window().resize(1024, 700)
    page.tabs.setCurrentIndex(WRONG_TAB)
    qtbot.waitUntil(lambda: page.wrong_view.isVisible())
    view = page.wrong_view
    index = page.wrong_model.index(0)
    cell = view.visualRect(index)
    assert view.viewport().rect().contains(cell)  # the whole cell in view, not cut at the right
    width = cell.width() - 2 * CELL_MARGIN
    file_line, classes_line = view.delegate.caption_lines(index.data(), view.fontMetrics(), width)
    assert classes_line == "cardboard boxes → plastic bottles 72%"  # whole: what the caption is for
    assert file_line != photo.name and "…" in file_line and file_line.endswith(photo.suffix)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert str(photo) in tip and "cardboard boxes" in tip and "plastic bottles" in tip
    assert not view.grab().isNull()


def test_the_runs_table_lists_every_run_and_selecting_one_shows_it(qtbot, page, trained):
    paths, dataset, result = trained
    controller = page.controller
    controller.set_dataset(dataset)
    controller.set_training_result(result)
    worse = replace(result, cancelled=True, history=result.history[:2], report=mistakes_report(paths))
    controller.set_training_result(worse)
    assert page.rules.text() == RULES_TEXT
    # Newest first; the new run is selected; run 1 stays in use (the new run was checked on other
    # photos, so it does not take over by itself).
    assert page.runs_model.rowCount() == 2
    assert [cell(page, row, NAME) for row in range(2)] == ["Run 2", "Run 1"]
    assert [cell(page, row, IN_USE) for row in range(2)] == ["", IN_USE_MARK]
    assert cell(page, 0, ENDED) == "stopped" and cell(page, 1, ENDED) == "finished"
    assert cell(page, 0, ACCURACY) == "50.0%" and cell(page, 0, EPOCHS) == f"2 of {result.classifier.training.config.epochs}"
    assert cell(page, 1, NAME, Qt.ItemDataRole.FontRole).bold()
    assert page.selected_run.id == 2 and page.summary.text().endswith("stopped by the user")
    assert len(page.curves.points()["val_accuracy"]) == 2
    assert page.use_button.isEnabled()

    # Selecting run 1 (a click on its row) shows its results and curves.
    page.runs_table.selectRow(1)
    assert page.selected_run.id == 1 and page.summary.text().endswith(" · in use")
    assert len(page.curves.points()["val_accuracy"]) == len(result.history)
    assert not page.use_button.isEnabled()

    # Use run 2: Classify and Export follow.
    page.runs_table.selectRow(0)
    with qtbot.waitSignal(controller.classifierChanged):
        page.use_button.click()
    assert controller.classifier is worse.classifier and cell(page, 0, IN_USE) == IN_USE_MARK
    assert page.selected_run.id == 2

    # Rename in place; tick "Always keep"; both write through to the project.
    assert page.runs_model.setData(page.runs_model.index(0, NAME), "  everything  ")
    assert controller.runs.get(2).name == "everything" and cell(page, 0, NAME) == "everything"
    assert page.selected_run.id == 2 and page.summary.text().startswith("everything · ")
    keep = page.runs_model.index(1, KEEP)
    assert page.runs_model.setData(keep, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert controller.runs.get(1).keep_model and keep.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    errors = []
    controller.errorRaised.connect(errors.append)
    assert not page.runs_model.setData(page.runs_model.index(0, NAME), "two\nlines")
    assert errors and "line breaks" in errors[0] and controller.runs.get(2).name == "everything"


def test_deleting_a_run_asks_first(page, trained, monkeypatch):
    _paths, dataset, result = trained
    controller = page.controller
    controller.set_training_result(result)
    controller.set_training_result(result)
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    page.select_run(1)
    page.delete_selected()
    assert len(controller.runs) == 2  # cancelled
    assert "It is the run in use" in asked[0]
    page.delete_selected()
    assert [r.id for r in controller.runs] == [2] and controller.classifier is None
    assert page.selected_run.id == 2 and page.runs_model.rowCount() == 1


def test_a_run_from_an_older_project_shows_its_stored_scores(page, trained, tmp_path):
    _paths, dataset, result = trained
    old = tmp_path / "format 1.tlgui"
    document = {"format": "tlgui-project", "format_version": 1, "backbone_id": "efficientnet_lite0",
                "dataset": dataset.to_dict(), "config": TrainConfig().to_dict(), "trained": True}
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("project.json", json.dumps(document))
        archive.writestr("model.safetensors", classifier_to_bytes(result.classifier))
    page.controller.load_project(old)
    assert page.stack.currentIndex() == 1 and page.selected_run.id == 1
    assert f"validation accuracy {result.report.accuracy:.1%}" in page.summary.text()
    assert page.confusion.model.rowCount() == 3
    assert page.cell_label.text() == NOT_RECORDED and page.wrong_label.text() == NOT_RECORDED
    assert page.tabs.tabText(2) == f"Misclassified ({sum(map(sum, result.report.confusion)) - sum(result.report.confusion[i][i] for i in range(3))})"
    assert len(page.curves.points()["val_accuracy"]) == len(result.history)
    page.controller.new_project()
    assert page.stack.currentWidget() is page.empty and page.summary.text() == ""


def test_a_runs_epochs_are_counted_across_its_phases_as_the_train_page_counts_them(page, trained):
    """One count for a run (``summary.epoch_count``): epochs numbered across the new head's phase and
    the fine-tune's, of the plan the run's epochs reported ("Epoch 2/6 (the new head)" on the Train
    page is "2 of 6" here)."""
    from tlgui.core.plan.regime import Regime
    from tlgui.core.training.summary import EpochStats
    from tlgui.gui.pages.results.runs_table import epochs_text

    _paths, dataset, result = trained
    page.controller.set_dataset(dataset)
    page.controller.set_training_result(result)
    run = page.controller.runs.runs[-1]

    def epochs(phases: list[Regime], planned: list[int]) -> list[EpochStats]:
        return [EpochStats(epoch=i + 1, epochs=plan, train_loss=0.5, val_loss=0.5, val_accuracy=0.8, seconds=1.0,
                           learning_rate=0.001, phase=phase) for i, (phase, plan) in enumerate(zip(phases, planned, strict=True))]

    three = replace(run.config, epochs=3)
    head_only = replace(run, regime=Regime.HEAD, config=three, history=epochs([Regime.HEAD] * 3, [3] * 3))
    assert epochs_text(head_only) == "3 of 3"
    # Three epochs of the head, then three of the fine-tune: six of the six planned, not "6 of 3".
    fine_tune = replace(run, regime=Regime.PARTIAL, config=three,
                        history=epochs([Regime.HEAD] * 3 + [Regime.PARTIAL] * 3, [6] * 6))
    assert epochs_text(fine_tune) == "6 of 6"
    # Stopped in its head phase, a planned fine-tune keeps the head's model (its regime is the
    # head's) and still counts the epochs it planned: the Train page said "Epoch 2/6 (the new head)".
    stopped_in_head = replace(run, regime=Regime.HEAD, config=three, history=epochs([Regime.HEAD] * 2, [6] * 2))
    assert epochs_text(stopped_in_head) == "2 of 6"
    # A head phase that stopped early (no further improvement) shortens the run it is part of.
    early = replace(fine_tune, history=epochs([Regime.HEAD] * 2 + [Regime.PARTIAL] * 3, [6, 6, 5, 5, 5]))
    assert epochs_text(early) == "5 of 5"


def test_an_interrupted_run_says_which_epoch_its_model_is_from(trained):
    """A run saved mid fine-tune keeps its best epoch so far, the fine-tune's once it beat the head:
    the summary said "its model is its new head's" whatever it kept."""
    from tlgui.core.training.runs import RunStatus, run_from_result
    from tlgui.gui.pages.results.results_page import summary_text

    _paths, _dataset, result = trained
    run = replace(run_from_result(result, 1), status=RunStatus.INTERRUPTED, best_epoch=2)
    text = summary_text(run)
    assert f"interrupted at epoch {run.epochs_run}: its model is its best so far, from epoch 2" in text
    assert "new head" not in text


def test_a_class_without_validation_photos_or_predictions_shows_no_score_rather_than_zero(page):
    """0.0% read as "always wrong" for a class of one photo, which had none to validate on."""
    report = EvaluationReport(["a", "b", "c"], [[2, 0, 0], [1, 1, 0], [0, 0, 0]], [0.667, 1.0, 0.0],
                              [1.0, 0.5, 0.0], 0.75, [])
    page._fill_per_class(report)
    cells = [[page.per_class.item(row, column).text() for column in range(4)] for row in range(3)]
    assert cells == [["a", "66.7%", "100.0%", "2"], ["b", "100.0%", "50.0%", "2"], ["c", "n/a", "n/a", "0"]]


def phased(phases, accuracies, best: int):
    """Epochs of one run: its phases and accuracies, ``best`` (numbered from 1) marked as the one kept."""
    from tlgui.core.training.summary import EpochStats

    return [EpochStats(epoch=i, epochs=len(phases), train_loss=0.5, val_loss=0.5, val_accuracy=accuracy,
                       seconds=1.0, learning_rate=0.5, best=i == best, phase=phase)
            for i, (phase, accuracy) in enumerate(zip(phases, accuracies, strict=True), start=1)]


def test_a_fine_tune_whose_best_epoch_was_the_new_heads_says_its_model_is_the_heads(page, trained):
    """A partial fine-tune at learning rate 0.5 collapsed: the Train page said "best epoch 2, the new
    head", the Results page only "trained: partial fine-tune", as if the model in use were fine-tuned."""
    from tlgui.core.plan.regime import Regime
    from tlgui.core.training.runs import RunStatus, run_from_result
    from tlgui.gui.pages.results.results_page import summary_text
    from tlgui.gui.pages.results.runs_table import trained_text

    _paths, dataset, result = trained
    head, partial = Regime.HEAD, Regime.PARTIAL
    collapsed = replace(result, regime=partial, best_epoch=2,
                        history=phased([head] * 3 + [partial] * 3, [0.5, 1.0, 1.0, 0.5, 0.5, 0.5], best=2))
    page.controller.set_dataset(dataset)
    page.controller.set_training_result(collapsed)
    said = " · its model is the new head's (epoch 2): no fine-tune epoch beat it"
    assert "trained: partial fine-tune · time" in page.summary.text() and said in page.summary.text()
    assert cell(page, 0, TRAINED) == "partial fine-tune (new head's model)"
    assert ("Its model is the new head's, from epoch 2: no fine-tune epoch beat it."
            in cell(page, 0, TRAINED, Qt.ItemDataRole.ToolTipRole))
    run = page.selected_run
    stopped = replace(run, status=RunStatus.STOPPED)
    assert summary_text(stopped).endswith(said + " · stopped by the user")
    interrupted = replace(run, status=RunStatus.INTERRUPTED, history=run.history[:5])
    assert summary_text(interrupted).endswith(
        " · interrupted at epoch 5: its model is its best so far, the new head's from epoch 2; no fine-tune "
        "epoch had beaten it")

    # A fine-tune epoch that won, a head-only run, a file without phases: nothing said.
    won = replace(run, best_epoch=4, history=phased([head] * 3 + [partial] * 3, [0.5, 0.6, 0.6, 1.0, 0.9, 0.9], 4))
    head_only = run_from_result(result, 3)
    unknown = replace(run, history=[replace(epoch, phase=None) for epoch in run.history])
    for other in (won, head_only, unknown):
        assert "new head" not in summary_text(other) and "new head" not in trained_text(other)


def test_the_model_column_says_whether_the_model_is_kept_and_the_tick_apart_says_always_keep(page, trained):
    """An unticked box beside "keep" read as "keep: no" for every run, whose model was in fact kept."""
    _paths, dataset, result = trained
    controller = page.controller
    controller.set_training_result(result)
    controller.set_training_result(result)
    assert [cell(page, row, MODEL) for row in range(2)] == ["kept", "kept"]
    assert cell(page, 0, MODEL, Qt.ItemDataRole.CheckStateRole) is None  # the state is words, not a tick
    header = page.runs_model.headerData
    assert header(MODEL, Qt.Orientation.Horizontal) == "Model"
    assert header(KEEP, Qt.Orientation.Horizontal) == "Always keep"
    assert cell(page, 0, KEEP) == "" and cell(page, 0, KEEP, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert page.runs_model.flags(page.runs_model.index(0, KEEP)) & Qt.ItemFlag.ItemIsUserCheckable
    assert "whatever runs come next" in cell(page, 0, KEEP, Qt.ItemDataRole.ToolTipRole)
    assert "“Always keep”" in page.rules.text()

    # A run whose model was let go says so, and offers no tick.
    controller.runs.get(1).classifier = None
    page.runs_model.reload()
    assert cell(page, 1, MODEL) == "let go" and cell(page, 1, KEEP, Qt.ItemDataRole.CheckStateRole) is None
    assert not page.runs_model.flags(page.runs_model.index(1, KEEP)) & Qt.ItemFlag.ItemIsUserCheckable
    # Narrow: the two columns together take less room than the run's name.
    view = page.runs_table
    assert view.columnWidth(MODEL) + view.columnWidth(KEEP) < view.columnWidth(NAME)


def test_the_legends_stand_beside_the_plots_not_on_the_curves(qtbot, page, trained):
    """The accuracy legend sat on the best epoch's star when the last epoch was best at 25%, the loss
    legend on the validation loss: anchored in a corner of the plot, any data can end up under it."""
    from tlgui.core.plan.regime import Regime

    _paths, _dataset, result = trained
    low = replace(result, best_epoch=4, history=phased([Regime.HEAD] * 4, [0.25, 0.0, 0.25, 0.25], best=4))
    page.controller.set_training_result(low)
    page.tabs.setCurrentIndex(CURVES_TAB)
    curves = page.curves
    qtbot.waitUntil(curves.isVisible)
    curves.flush()
    QApplication.processEvents()  # the plots' layouts are activated by posted events
    names = {curves.loss_plot: ["training loss", "validation loss"],
             curves.acc_plot: ["validation accuracy", "best epoch"]}
    for plot in names:
        legend = plot.getPlotItem().legend  # where pyqtgraph lists the lines plotted with a name
        view = plot.getPlotItem().vb.sceneBoundingRect()
        shown = legend.sceneBoundingRect()
        # Right of the plot (the view box's outline reaches half a pixel beyond it).
        assert shown.width() > 0 and shown.left() >= view.right() - 1, (shown, view)
        assert plot.sceneRect().contains(shown)  # on screen, not pushed off the widget
        assert [label.text for _sample, label in legend.items] == names[plot]
    # Beside each plot alike, so that the two plots' epochs stay one above the other.
    assert (curves.loss_plot.getPlotItem().vb.sceneBoundingRect().right()
            == curves.acc_plot.getPlotItem().vb.sceneBoundingRect().right())
