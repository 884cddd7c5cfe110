"""The Classify gallery: grouped by class with counts, sorted, filtered, filled while the run goes on;
photos dragged to a class bin or added with "Add to class…"; heatmaps computed off the GUI thread."""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from pages_support import imagegen, train_small, write_learnable_classes
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog

from tlgui.core.data.images import load_rgb
from tlgui.core.predict.formats import save_predictions_csv
from tlgui.core.predict.predictor import Prediction
from tlgui.gui import tasks
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.classify.classify_page import ClassifyPage
from tlgui.gui.pages.classify.gallery import Order, PredictionGallery, Threshold, Unreadable
from tlgui.gui.pages.data.data_page import DataPage
from tlgui.gui.pages.results.results_page import ResultsPage
from tlgui.gui.widgets.heatmap_view import HeatmapDialog
from tlgui.gui.widgets.thumbnails import ThumbnailLoader

WAIT = 120_000  # the first heatmap imports grad-cam (OpenCV, matplotlib): slow on a busy machine


# ---- the gallery on its own, with predictions made by hand --------------------------------------------
def _prediction(path: Path, label: str | None, probability: float = 0.0) -> Prediction:
    if label is None:
        return Prediction(path, [], error="empty file (0 bytes)")
    return Prediction(path, [(label, probability), ("other", 1 - probability)])


@pytest.fixture
def gallery(qtbot, tmp_path):
    loader = ThumbnailLoader(max_threads=1)
    widget = PredictionGallery(loader)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    yield widget
    loader.shutdown()


@pytest.fixture
def made(tmp_path):
    """Five photos on disk with made-up predictions: cats at 0.9 and 0.55, dogs at 0.7 and 0.99, one
    unreadable."""
    paths = [imagegen.write_image(tmp_path / f"p{i}.png", i, size=(20, 16)) for i in range(5)]
    return [
        _prediction(paths[0], "cat", 0.9),
        _prediction(paths[1], "dog", 0.7),
        _prediction(paths[2], None),
        _prediction(paths[3], "cat", 0.55),
        _prediction(paths[4], "dog", 0.99),
    ]


def _shown(gallery) -> list[tuple[str, str | None]]:
    return [(p.path.name, p.label) for p in gallery.proxy.predictions()]


def test_the_gallery_groups_by_class_with_counts(gallery, made):
    gallery.set_class_names(["cat", "dog", "R&D"])
    gallery.append(made[:2])
    assert [text for _group, text in gallery.groups()] == ["All photos (2)", "cat (1)", "dog (1)", "R&&D (0)"]
    gallery.select_group("cat")
    gallery.append(made[2:])  # a later batch: counts grow, the chosen tab stays
    assert [text for _group, text in gallery.groups()] == [
        "All photos (5)", "cat (2)", "dog (2)", "R&&D (0)", "Cannot be read (1)"]
    assert gallery.groups()[4][0] is Unreadable
    assert _shown(gallery) == [("p0.png", "cat"), ("p3.png", "cat")]
    gallery.select_group(Unreadable)
    assert _shown(gallery) == [("p2.png", None)]
    gallery.select_group(None)
    assert len(_shown(gallery)) == 5


def test_sorting_least_sure_first_and_the_confidence_threshold(gallery, made):
    gallery.set_class_names(["cat", "dog"])
    gallery.append(made)
    assert [name for name, _ in _shown(gallery)] == ["p0.png", "p1.png", "p2.png", "p3.png", "p4.png"]
    gallery.set_order(Order.LEAST_SURE)
    assert [name for name, _ in _shown(gallery)] == ["p3.png", "p1.png", "p0.png", "p4.png", "p2.png"]
    gallery.set_order(Order.MOST_CONFIDENT)  # the unreadable file stays last either way
    assert [name for name, _ in _shown(gallery)] == ["p4.png", "p0.png", "p1.png", "p3.png", "p2.png"]
    gallery.set_threshold(Threshold.AT_LEAST, 80)
    assert [name for name, _ in _shown(gallery)] == ["p4.png", "p0.png"]
    gallery.set_threshold(Threshold.BELOW, 80)
    gallery.select_group("dog")
    assert [name for name, _ in _shown(gallery)] == ["p1.png"]
    gallery.set_threshold(Threshold.ANY)
    gallery.set_order(Order.FILE)
    assert [name for name, _ in _shown(gallery)] == ["p1.png", "p4.png"]


def test_thumbnails_are_painted_lazily_in_the_grid(qtbot, gallery, made):
    gallery.set_class_names(["cat", "dog"])
    gallery.append(made)
    qtbot.waitUntil(lambda: gallery.model._loader.cached(made[0].path) is not None, timeout=20000)
    picture = gallery.view.viewport().grab().toImage()
    assert picture.width() > 0 and not picture.isNull()


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="this file system takes only valid Unicode names")
def test_photos_named_in_no_utf8_get_their_thumbnails_names_and_csv(qtbot, gallery, tmp_path):
    # Python reads the name's bad byte as a lone surrogate; Qt drops those from any str it is given.
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"ant\xff0.png")))
    imagegen.write_image(path, 2, size=(20, 16))
    other = imagegen.write_image(tmp_path / "ant0.png", 3, size=(20, 16))  # what Qt would have shown
    predictions = [_prediction(path, "cat", 0.9), _prediction(other, "cat", 0.8)]
    gallery.set_class_names(["cat"])
    gallery.append(predictions)
    qtbot.waitUntil(lambda: gallery.model._loader.cached(path) is not None, timeout=20000)
    shown = {gallery.model.index(row).data(Qt.ItemDataRole.DisplayRole) for row in range(2)}
    assert shown == {"antÿ0.png: cat 90%", "ant0.png: cat 80%"}  # not two "ant0.png"
    save_predictions_csv(tmp_path / "p.csv", predictions)
    assert b"ant\xff0.png" in (tmp_path / "p.csv").read_bytes()  # the very file, byte for byte


def _drop(widget, mime: QMimeData, action=Qt.DropAction.CopyAction) -> bool:
    point = QPointF(widget.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), action, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(point, action, mime, buttons, mods)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_the_drag_carries_file_urls_that_a_class_bin_takes(qtbot, gallery, made, tmp_path):
    gallery.set_class_names(["cat", "dog"])
    gallery.append(made)
    gallery.select_group("dog")
    view = gallery.view
    view.selectAll()
    mime = view.model().mimeData(view.selectionModel().selectedIndexes())  # what the view drags
    assert [Path(url.toLocalFile()) for url in mime.urls()] == [made[1].path, made[4].path]
    assert view.model().supportedDragActions() & Qt.DropAction.CopyAction

    controller = ProjectController()
    controller.dataset.add_files("dogs", [imagegen.write_image(tmp_path / "old" / "d.png", 90, size=(20, 16))])
    data_page = DataPage(controller, loader=ThumbnailLoader(max_threads=1))
    qtbot.addWidget(data_page)
    data_page.resize(900, 600)
    data_page.show()
    bin_view = data_page.panels["dogs"].view
    with qtbot.waitSignal(data_page.intake.done, timeout=30000):
        assert _drop(bin_view.viewport(), mime)
    assert {made[1].path, made[4].path} <= {item.path for item in controller.dataset.items("dogs")}
    # The drop is an edit of the bins like any other: Edit > Undo takes it back, Redo puts it again.
    controller.undo_stack.undo()
    assert {item.path for item in controller.dataset.items("dogs")} == {tmp_path / "old" / "d.png"}
    controller.undo_stack.redo()
    assert {made[1].path, made[4].path} <= {item.path for item in controller.dataset.items("dogs")}
    data_page.shutdown()


def test_dragging_photos_over_the_data_tab_opens_it(qtbot, gallery, made):
    from tlgui.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.classify_page)
    gallery.set_class_names(["cat", "dog"])
    gallery.append(made)
    mime = gallery.proxy.mimeData([gallery.proxy.index(0, 0)])
    bar = window.tabs.tabBar()
    point = bar.tabRect(window.tabs.indexOf(window.data_page)).center()
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(bar, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(bar, QDragMoveEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods))
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.data_page, timeout=5000)
    window.controller.mark_clean()
    window.shutdown()


# ---- the page with a real classifier -------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    write_learnable_classes(root, {"red": 8, "blue": 8})
    _dataset, result = train_small(root, tmp_path_factory.mktemp("cache"))
    return result


@pytest.fixture
def page(qtbot, trained):
    widget = ClassifyPage(ProjectController())
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.controller.set_training_result(trained)
    yield widget
    widget.shutdown()
    assert tasks.wait_for_abandoned(60000)  # a heatmap left to finish on its own


def test_photos_appear_while_the_rest_is_still_being_classified(qtbot, page, tmp_path):
    paths = write_learnable_classes(tmp_path / "many", {"red": 22, "blue": 18}, seed=3)
    imagegen.write_zero_byte(tmp_path / "many" / "empty.jpg")
    first: dict = {}

    def on_batch(batch):
        if not first:
            first.update(size=len(batch), busy=page.predict_slot.busy, shown=page.gallery.proxy.rowCount(),
                         view=page.stack.currentWidget())

    page.predictionsArrived.connect(on_batch)
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT) as blocker:
        page.classify_paths([tmp_path / "many"])
    assert first == {"size": 32, "busy": True, "shown": 32, "view": page.results}
    predictions = blocker.args[0]
    assert len(predictions) == 41
    counts = Counter(p.label for p in predictions if p.label)
    assert sum(counts.values()) == 40
    texts = [text for _group, text in page.gallery.groups()]
    by_class = [f"{name} ({counts[name]})" for name in page.classifier.class_names]  # in the model's order
    assert texts == ["All photos (41)", *by_class, "Cannot be read (1)"]
    assert counts["red"] >= 20 and counts["blue"] >= 16  # the classifier has learnt the colours
    assert page.table_model.rowCount() == 41  # the table (the second view) has them all too
    assert {p.path for p in predictions if p.label} == set(paths["red"] + paths["blue"])


def test_add_to_class_from_the_context_menu(qtbot, page, tmp_path, monkeypatch):
    paths = write_learnable_classes(tmp_path / "new", {"red": 2, "blue": 1}, seed=11)
    controller = page.controller
    controller.dataset.add_files("red", [paths["blue"][0]])  # in the training data, wrongly labelled
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT):
        page.classify_paths([tmp_path / "new"])
    asked = []

    def get_item(parent, title, question, choices, current, editable):
        asked.append((list(choices), choices[current], editable))
        return "blue", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    page.gallery.select_group("blue")
    page.gallery.view.selectAll()
    chosen = page.gallery.view.selected_predictions()
    assert [p.path for p in chosen] == [paths["blue"][0]]
    menu = page.gallery.view.context_menu(chosen)
    add = next(action for action in menu.actions() if action.text().startswith("Add"))
    with qtbot.waitSignal(page.photosAdded, timeout=30000) as blocker:
        add.trigger()
    choices, suggested, editable = asked[0]
    assert editable and suggested == "blue" and {"red", "blue"} <= set(choices)
    assert "moved 1 photo" in blocker.args[0]
    assert [item.path for item in controller.dataset.items("blue")] == [paths["blue"][0]]
    assert controller.dataset.count("red") == 0 and controller.dirty

    # Both red photos into a new class, without the dialog: added, not moved (once the first add is over).
    qtbot.waitUntil(lambda: not page.adder.busy, timeout=30000)
    page.gallery.select_group("red")
    page.gallery.view.selectAll()
    with qtbot.waitSignal(page.photosAdded, timeout=30000) as blocker:
        assert page.add_to_class(page.gallery.view.selected_predictions(), "crimson")
    assert "added 2 photos" in blocker.args[0]
    assert {item.path for item in controller.dataset.items("crimson")} == set(paths["red"])


def test_add_to_class_is_undone_and_redone_with_the_other_bin_edits(qtbot, page, tmp_path):
    paths = write_learnable_classes(tmp_path / "new", {"red": 2, "blue": 1}, seed=12)
    controller = page.controller
    stack = controller.undo_stack
    controller.dataset.add_files("red", [paths["blue"][0]])  # in the training data, wrongly labelled
    controller.mark_clean()
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT):
        page.classify_paths([tmp_path / "new"])
    page.gallery.view.selectAll()
    everything = page.gallery.view.selected_predictions()
    assert len(everything) == 3
    with qtbot.waitSignal(page.photosAdded, timeout=30000) as blocker:
        assert page.add_to_class(everything, "azure")  # a new class
    assert "added 2 photos" in blocker.args[0] and "moved 1 photo" in blocker.args[0]
    assert controller.dataset.class_names == ["red", "azure"]
    assert {item.path for item in controller.dataset.items("azure")} == {*paths["red"], paths["blue"][0]}
    assert stack.undoText() == "Add 3 photos to “azure”" and controller.dirty

    stack.undo()  # what Edit > Undo does: the new class goes, the moved photo is back where it was
    assert controller.dataset.class_names == ["red"]
    assert [item.path for item in controller.dataset.items("red")] == [paths["blue"][0]]
    assert not controller.dirty

    stack.redo()
    assert controller.dataset.class_names == ["red", "azure"]
    assert {item.path for item in controller.dataset.items("azure")} == {*paths["red"], paths["blue"][0]}
    assert controller.dataset.count("red") == 0 and controller.dirty

    # Adding them again changes nothing, so there is nothing new to undo.
    qtbot.waitUntil(lambda: not page.adder.busy, timeout=30000)
    with qtbot.waitSignal(page.photosAdded, timeout=30000) as blocker:
        assert page.add_to_class(everything, "azure")
    assert "3 already there" in blocker.args[0] and stack.count() == 1


def test_the_single_photo_heatmap_is_computed_off_the_gui_thread(qtbot, page, tmp_path, monkeypatch):
    photo = write_learnable_classes(tmp_path / "one", {"blue": 1}, size=64, seed=5)["blue"][0]
    threads = []
    from tlgui.core.predict import explain  # the view imports it on its worker, where it is patched

    real = explain.explain_photo

    def recording(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(explain, "explain_photo", recording)
    view = page.single.heatmap
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT):
        page.classify_paths([photo])
    assert page.stack.currentWidget() is page.single
    assert view.why_button.isVisible() and not view.busy and not threads  # a dropped photo waits for "Why?"
    with qtbot.waitSignal(view.explained, timeout=WAIT) as blocker:
        view.why_button.click()
    assert not view.why_button.isVisible()
    explanation = blocker.args[0]
    assert threads and threading.main_thread().ident not in threads
    loaded = load_rgb(photo, min_size=page.classifier.preprocessing.resize_size)
    assert explanation.heatmap.shape == (loaded.height, loaded.width)
    assert page.classifier.class_names[explanation.class_index] == "blue"  # the predicted class first
    assert view.canvas.overlay is not None and view.class_choice.isEnabled()
    assert "(predicted)" in view.class_choice.itemText(explanation.class_index)

    other = 1 - explanation.class_index  # any other class, on request
    with qtbot.waitSignal(view.explained, timeout=WAIT) as blocker:
        view.class_choice.setCurrentIndex(other)
        view.class_choice.activated.emit(other)
    assert blocker.args[0].class_index == other and len(threads) == 2
    view.opacity.setValue(80)
    assert view.canvas.opacity == pytest.approx(0.8)
    with qtbot.waitSignal(view.explained, timeout=1000):  # back to a class already computed: no new job
        view.class_choice.activated.emit(explanation.class_index)
    assert len(threads) == 2


def _double_click(view, index) -> None:
    """A press and release, then the double-click, as a mouse delivers them."""
    point = view.visualRect(index).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_double_click_in_the_gallery_opens_the_photo_and_back_returns(qtbot, page, tmp_path):
    write_learnable_classes(tmp_path / "two", {"red": 1, "blue": 1}, seed=8)
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT):
        page.classify_paths([tmp_path / "two"])
    view = page.gallery.view
    index = view.model().index(0, 0)
    with qtbot.waitSignal(page.single.heatmap.explained, timeout=WAIT):
        _double_click(view, index)
    assert page.stack.currentWidget() is page.single and page.single.back_button.isVisible()
    page.single.back_button.click()
    assert page.stack.currentWidget() is page.results


def test_why_on_the_results_page_opens_the_heatmap(qtbot, trained):
    controller = ProjectController()
    results = ResultsPage(controller)
    qtbot.addWidget(results)
    results.resize(1280, 800)
    results.show()
    controller.set_training_result(trained)
    results.show_cell("red", "red")
    view = results.cell_view
    assert view.model().rowCount() > 0
    index = view.model().index(0, 0)
    _double_click(view, index)
    dialog = results.findChild(HeatmapDialog)
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.view.explained, timeout=WAIT) as blocker:
        pass
    assert trained.classifier.class_names[blocker.args[0].class_index] == "red"
    assert dialog.view.canvas.photo is not None
    results.shutdown()
    assert tasks.wait_for_abandoned(60000)


def test_drops_from_the_pages_own_gallery_do_not_classify_again(qtbot, page, tmp_path):
    write_learnable_classes(tmp_path / "own", {"red": 1}, seed=9)
    with qtbot.waitSignal(page.predictionsReady, timeout=WAIT):
        page.classify_paths([tmp_path / "own"])
    mime = page.gallery.proxy.mimeData([page.gallery.proxy.index(0, 0)])
    from_file_manager = _DragEnter(mime, None)
    page.dragEnterEvent(from_file_manager)
    assert from_file_manager.isAccepted()
    from_gallery = _DragEnter(mime, page.gallery.view)  # on its way to a class bin
    page.dragEnterEvent(from_gallery)
    assert not from_gallery.isAccepted()


class _DragEnter(QDragEnterEvent):
    """A drag-enter with a given source widget (Qt sets one only for a drag started in this app)."""

    def __init__(self, mime, source):
        super().__init__(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier)
        self.setAccepted(False)
        self._source = source

    def source(self):
        return self._source
