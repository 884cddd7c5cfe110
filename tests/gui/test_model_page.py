"""The Model page drives the real catalogue and the real bundled EfficientNet-Lite0."""

from __future__ import annotations

import io
import socket
import time
from dataclasses import replace
from urllib.error import URLError

import pytest
import torch
from pages_support import isolate_caches, write_learnable_classes
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QTabWidget

from tlgui.core.backbones import weights
from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, get_spec
from tlgui.core.backbones.torchvision_zoo import build_architecture
from tlgui.core.data.bins import scan
from tlgui.core.plan.freezing import HEAD_PATH, freeze_level_names, parameter_counts
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.model.model_page import ModelPage

SMALL = "mobilenet_v3_small"


@pytest.fixture
def controller(tmp_path, monkeypatch):
    isolate_caches(monkeypatch, tmp_path)
    root = tmp_path / "photos"
    write_learnable_classes(root, {"red": 6, "blue": 6})
    ctl = ProjectController()
    ctl.set_dataset(scan([root]))
    return ctl


@pytest.fixture
def page(qtbot, controller):
    widget = ModelPage(controller)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    yield widget
    widget.shutdown()


def _show_and_load(qtbot, page):
    with qtbot.waitSignal(page.networkLoaded, timeout=60000):
        page.show()
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)
    return page.controller.network


def test_picker_lists_catalogue_with_weight_status(page):
    assert page.picker.status_of(DEFAULT_BACKBONE) == "offline-ready"
    spec = get_spec(SMALL)
    assert page.picker.status_of(SMALL) == f"download {spec.download_mb:.0f} MB"
    assert page.picker.model.rowCount() >= 2


def test_showing_the_page_loads_the_bundled_backbone_and_its_tree(qtbot, page):
    net = _show_and_load(qtbot, page)
    assert net is not None and net.backbone_id == DEFAULT_BACKBONE
    # Top level of the tree = the network's stages, ending with the head.
    model = page.tree_model
    names = [model.item(row, 0).text() for row in range(model.rowCount())]
    assert names == net.stage_names
    # 12 photos per class: head only is recommended and applied (no level chosen yet).
    assert page.freeze.level() == 0
    assert page.freeze.level_label.text() == freeze_level_names(net)[0]
    assert "Recommended: Head only" in page.freeze.recommend_label.text()
    assert not page.freeze.apply_button.isEnabled()
    assert model.check_item("stages.head").checkState() == Qt.CheckState.Checked
    assert model.check_item("stages.stem").checkState() == Qt.CheckState.Unchecked
    assert "Trainable parameters" in page.freeze.counts_label.text()


def test_freeze_level_checks_whole_stages_and_updates_the_project(qtbot, page):
    net = _show_and_load(qtbot, page)
    before = parameter_counts(net)[0]
    with qtbot.waitSignal(page.controller.configChanged):  # the freeze state lives in the settings
        page.freeze.slider.setValue(2)  # what a keyboard step or a slider release does
    assert page.controller.config.freeze_level == 2
    assert page.controller.config.trainable_overrides == {}
    assert parameter_counts(net)[0] > before
    model = page.tree_model
    assert model.check_item("stages.conv_head").checkState() == Qt.CheckState.Checked
    assert model.check_item("stages.blocks_6").checkState() == Qt.CheckState.Checked
    assert model.check_item("stages.blocks_5").checkState() == Qt.CheckState.Unchecked
    assert page.freeze.level_label.text() == "Head + last 2 stages"
    # Away from the recommendation, one click brings it back.
    assert page.freeze.apply_button.isEnabled()
    qtbot.mouseClick(page.freeze.apply_button, Qt.MouseButton.LeftButton)
    assert page.controller.config.freeze_level == 0
    assert model.check_item("stages.blocks_6").checkState() == Qt.CheckState.Unchecked


def test_ticking_one_module_makes_its_stage_partial(qtbot, page):
    net = _show_and_load(qtbot, page)
    model = page.tree_model
    block = model.check_item("stages.blocks_5.0")
    assert block is not None
    block.setCheckState(Qt.CheckState.Checked)  # what a click on the box does
    assert all(p.requires_grad for p in net.get_submodule("stages.blocks_5.0").parameters())
    assert model.check_item("stages.blocks_5").checkState() == Qt.CheckState.PartiallyChecked
    assert page.controller.config.trainable_overrides == {"stages.blocks_5.0": True}
    # The level the choice was made against stays, whatever new photos recommend later.
    assert page.controller.config.freeze_level == 0
    assert "(with hand-set layers)" not in page.freeze.level_label.text()
    # Clicking the partial stage makes all of it trainable; that choice covers the one inside it.
    model.check_item("stages.blocks_5").setCheckState(Qt.CheckState.Checked)
    assert all(p.requires_grad for p in net.get_submodule("stages.blocks_5").parameters())
    assert model.check_item("stages.blocks_5.1").checkState() == Qt.CheckState.Checked
    assert page.controller.config.trainable_overrides == {"stages.blocks_5": True}
    # Unticking the block inside it afterwards wins: choices apply in the order they were made.
    model.check_item("stages.blocks_5.0").setCheckState(Qt.CheckState.Unchecked)
    assert not any(p.requires_grad for p in net.get_submodule("stages.blocks_5.0").parameters())
    assert model.check_item("stages.blocks_5").checkState() == Qt.CheckState.PartiallyChecked


def test_the_head_row_is_the_new_head_and_always_trains(qtbot, page, tmp_path):
    _show_and_load(qtbot, page)
    model = page.tree_model
    head_row = model.rowCount() - 1
    head_check = model.check_item(HEAD_PATH)
    # Two classes: 1280 x 2 weights + 2 biases, not the 1.3 M of the ImageNet layer it replaces.
    assert model.item(head_row, 2).text() == "2,562"
    assert head_check.checkState() == Qt.CheckState.Checked and not head_check.isCheckable()
    plan = page.plan()
    assert plan.trainable == 2562
    assert page.freeze.counts_label.text().startswith("Trainable parameters: 2,562 of ")
    # A third class grows the head the tree and the counts show.
    write_learnable_classes(tmp_path / "more", {"green": 6})
    page.controller.dataset.add_folder(tmp_path / "more")
    page.controller.notify_dataset_changed()
    assert model.item(head_row, 2).text() == "3,843"
    assert page.freeze.counts_label.text().startswith("Trainable parameters: 3,843 of ")


def test_the_head_row_is_in_view_at_1280_by_800_with_every_stage_open(qtbot, page):
    # The page as the window holds it: under a menu bar and a tab bar, over a status bar.
    window = QMainWindow()
    window.menuBar().addMenu("File")
    tabs = QTabWidget()
    tabs.addTab(page, "2 · Model")
    window.setCentralWidget(tabs)
    window.statusBar().showMessage("ready")
    window.resize(1280, 800)
    with qtbot.waitSignal(page.networkLoaded, timeout=60000):
        window.show()
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)
    tree, model = page.tree, page.tree_model
    head = model.index(model.rowCount() - 1, 0)
    last_stage = model.index(model.rowCount() - 2, 0)

    def in_view(index) -> bool:
        return tree.viewport().rect().contains(tree.visualRect(index))

    assert in_view(head)  # the stages alone fit
    tree.expandToDepth(0)  # every stage opened, as someone looking inside would
    assert not in_view(head)  # now far below the fold: the tree is longer than the view
    page.set_level(2)  # the dial: head + last 2 stages
    assert in_view(head) and in_view(last_stage)
    assert model.itemFromIndex(head.siblingAtColumn(2)).text() == "2,562"  # with its parameter count
    page.set_level(0)
    assert in_view(head)
    window.resize(1024, 700)  # a smaller window keeps it in view
    qtbot.waitUntil(lambda: in_view(head), timeout=2000)
    assert page.head_in_view()
    page.setParent(None)  # back to the fixture, which shuts it down
    window.close()


def test_a_hand_set_layer_this_network_lacks_is_named_not_fatal(qtbot, page):
    net = _show_and_load(qtbot, page)
    config = page.controller.config
    page.controller.set_config(replace(config, freeze_level=1, trainable_overrides={"stages.layer4": True}))
    assert not page.freeze.note_label.isHidden()
    assert "stages.layer4" in page.freeze.note_label.text()
    assert page.freeze.level() == 1
    assert all(p.requires_grad for p in net.stages["conv_head"].parameters())
    assert not any(p.requires_grad for p in net.stages["blocks_6"].parameters())
    page.set_level(0)  # choosing a level clears hand-set layers, stale ones too
    assert page.controller.config.trainable_overrides == {} and page.freeze.note_label.text() == ""


def test_offline_backbone_shows_the_message_and_imports_a_weights_file(qtbot, page, tmp_path, monkeypatch):
    _show_and_load(qtbot, page)

    def offline(*_args, **_kwargs):
        raise URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(weights, "urlopen", offline)
    page.load_backbone(SMALL)
    qtbot.waitUntil(lambda: not page.busy, timeout=30000)
    assert page.banner.isVisible()
    text = page.banner.text()
    assert "could not be downloaded: this computer cannot reach download.pytorch.org" in text
    # Words, not an errno; this page's own button, not the command line.
    assert "Errno" not in text and "Name or service" not in text and "tlgui import-weights" not in text
    assert "click Import weights file… beside this message" in text
    # The file is a link named by the file, so a long address is never broken mid-line.
    spec = get_spec(SMALL)
    assert f"href='{spec.weights_url}'>{spec.weights_filename}</a>" in page.banner.label.text()
    assert page.banner.import_button.isVisible()
    assert page.controller.backbone_id == DEFAULT_BACKBONE  # nothing changed
    # The message sits above the page's two halves: it does not squeeze the list of backbones alone.
    rows = page.picker.table.rowHeight(1)
    assert page.picker.table.height() >= 6 * rows
    assert page.banner.geometry().bottom() < page.picker.mapTo(page, page.picker.rect().topLeft()).y()

    # A file that is not weights is refused in words; the import button stays.
    bogus = tmp_path / "bogus.pth"
    bogus.write_bytes(b"not a pickle")
    page.import_weights_file(SMALL, bogus)
    qtbot.waitUntil(lambda: not page.busy, timeout=30000)
    assert page.banner.text().startswith("bogus.pth is not a PyTorch weights file tlgui can read")
    assert "weights_only" not in page.banner.text() and "(" not in page.banner.text().split(":")[0]
    assert page.banner.import_button.isVisible()

    # The right file (same keys and shapes) is cached and the backbone loads from it.
    good = tmp_path / "mobilenet_small.pth"
    torch.save(build_architecture(SMALL).state_dict(), good)
    with qtbot.waitSignal(page.networkLoaded, timeout=60000):
        page.import_weights_file(SMALL, good)
    assert page.controller.backbone_id == SMALL
    assert page.controller.network.backbone_id == SMALL
    assert page.picker.status_of(SMALL) == "cached"
    assert not page.banner.isVisible()


class _SlowResponse:
    """A download that trickles in (64 kB every 10 ms) until cancelled."""

    def __init__(self, size: int):
        self.headers = {"Content-Length": str(size)}
        self._body = io.BytesIO(b"\0" * size)

    def read(self, n: int) -> bytes:
        time.sleep(0.01)
        return self._body.read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_shows_progress_and_cancel_leaves_nothing_behind(qtbot, page, monkeypatch):
    size = 40_000_000
    monkeypatch.setattr(weights, "urlopen", lambda *_a, **_k: _SlowResponse(size))
    page.load_backbone(SMALL)
    qtbot.waitUntil(lambda: "MB of" in page.progress.text(), timeout=20000)
    assert page.progress.text().startswith("Downloading weights")
    qtbot.mouseClick(page.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy, timeout=20000)
    assert not page.progress.isVisible()
    assert page.controller.backbone_id == DEFAULT_BACKBONE
    cached = weights.cached_path(get_spec(SMALL).weights_filename)
    assert not cached.exists()
    if cached.parent.exists():
        assert not list(cached.parent.glob("*.tmp"))


def test_importing_while_a_backbone_loads_stops_the_load_and_imports(qtbot, page, tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "urlopen", lambda *_a, **_k: _SlowResponse(40_000_000))
    page.load_backbone(SMALL)
    qtbot.waitUntil(lambda: "MB of" in page.progress.text(), timeout=20000)
    good = tmp_path / "mobilenet_small.pth"
    torch.save(build_architecture(SMALL).state_dict(), good)
    with qtbot.waitSignal(page.networkLoaded, timeout=60000):
        page.import_weights_file(SMALL, good)
        assert "to import mobilenet_small.pth" in page.progress.text()
    assert page.controller.backbone_id == SMALL
    assert page.picker.status_of(SMALL) == "cached"
