"""ProjectController: state changes announce themselves and mark the project dirty."""

from __future__ import annotations

from types import SimpleNamespace

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE
from tlgui.core.training.trainer import TrainConfig
from tlgui.gui.controller import ProjectController


def record(controller: ProjectController) -> list[tuple]:
    events: list[tuple] = []
    for name in ("datasetChanged", "backboneChanged", "networkChanged", "configChanged",
                 "classifierChanged", "dirtyChanged", "pathChanged"):
        getattr(controller, name).connect(lambda *args, n=name: events.append((n, *args)))
    return events


def test_defaults():
    c = ProjectController()
    assert c.backbone_id == DEFAULT_BACKBONE
    assert c.network is None and c.classifier is None and c.last_result is None
    assert c.path is None and not c.dirty and c.project_name == "Untitled"
    assert c.dataset.class_names == [] and c.config.trainable_overrides == {}


def test_backbone_change_drops_network_and_overrides(qtbot):
    c = ProjectController()
    c.network = object()
    c.config = TrainConfig(epochs=3, trainable_overrides={"stages.stem": True})
    events = record(c)
    c.set_backbone("mobilenet_v3_small")
    assert c.network is None and c.config.trainable_overrides == {} and c.config.epochs == 3
    assert ("backboneChanged", "mobilenet_v3_small") in events and ("networkChanged",) in events
    assert ("configChanged",) in events
    assert ("dirtyChanged", True) in events


def test_config_and_result(qtbot):
    c = ProjectController()
    events = record(c)
    c.set_config(TrainConfig(epochs=3))
    assert c.config.epochs == 3 and ("configChanged",) in events
    result = SimpleNamespace(classifier="the classifier")
    c.set_training_result(result)
    assert c.classifier == "the classifier" and c.last_result is result
    c.set_classifier(None)
    assert c.classifier is None and c.last_result is None
    assert events.count(("classifierChanged",)) == 2


def test_new_project_is_clean_and_announces_everything(qtbot):
    c = ProjectController()
    c.mark_dirty()
    events = record(c)
    c.new_project()
    names = {e[0] for e in events}
    assert names == {"datasetChanged", "backboneChanged", "networkChanged", "configChanged",
                     "classifierChanged", "dirtyChanged", "pathChanged"}
    assert not c.dirty


def test_save_adds_the_suffix_and_reload_round_trips(qtbot, tmp_path):
    c = ProjectController()
    c.dataset.new_class("empty")
    c.set_config(TrainConfig(epochs=7, trainable_overrides={"stages.blocks_6": True}))
    saved = c.save_project(tmp_path / "plain")
    assert saved.name == "plain.tlgui" and c.path == saved and not c.dirty
    other = ProjectController()
    other.load_project(saved)
    assert other.dataset.class_names == ["empty"]
    assert other.config.epochs == 7 and other.config.trainable_overrides == {"stages.blocks_6": True}
    assert other.project_name == "plain"
