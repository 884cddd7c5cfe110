"""ProjectController: state changes announce themselves and mark the project dirty."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from pages_support import train_small, write_learnable_classes

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, get_spec
from tlgui.core.errors import TlguiError
from tlgui.core.models.classifier import Classifier
from tlgui.core.plan.regime import Regime
from tlgui.core.training.metrics import EvaluationReport, ValPrediction
from tlgui.core.training.results import TrainResult
from tlgui.core.training.summary import EpochStats, TrainingSummary
from tlgui.core.training.trainer import TrainConfig
from tlgui.gui.controller import ProjectController

SIGNALS = ("projectReplaced", "datasetChanged", "backboneChanged", "networkChanged", "configChanged",
           "runsChanged", "classifierChanged", "dirtyChanged", "pathChanged")


def record(controller: ProjectController) -> list[tuple]:
    events: list[tuple] = []
    for name in SIGNALS:
        getattr(controller, name).connect(lambda *args, n=name: events.append((n, *args)))
    return events


def a_result(accuracy: float, *, cancelled: bool = False) -> TrainResult:
    """What train() returns, in miniature: a two-class linear model scored ``accuracy`` on two photos."""
    predictions = [ValPrediction(Path("/p/a.png"), "a", "a", 0.9), ValPrediction(Path("/p/b.png"), "b", "b", 0.8)]
    report = EvaluationReport(["a", "b"], [[1, 0], [0, 1]], [1.0, 1.0], [1.0, 1.0], accuracy, predictions)
    history = [EpochStats(1, 5, 0.6, 0.5, accuracy, 0.1, 0.003, best=True)]
    training = TrainingSummary(config=TrainConfig(epochs=5, freeze_level=0), regime=Regime.HEAD, freeze_level=0,
                               history=history)
    classifier = Classifier(torch.nn.Linear(4, 2), ["a", "b"], DEFAULT_BACKBONE, get_spec(DEFAULT_BACKBONE).preprocessing,
                            training=training)
    return TrainResult(classifier, history, 1, cancelled, report, [], Regime.HEAD)


def test_defaults():
    c = ProjectController()
    assert c.backbone_id == DEFAULT_BACKBONE
    assert c.network is None and c.classifier is None and c.last_result is None
    assert len(c.runs) == 0 and c.run_in_use is None
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


def test_runs_and_the_run_in_use(qtbot):
    c = ProjectController()
    events = record(c)
    c.set_config(TrainConfig(epochs=3))
    assert c.config.epochs == 3 and ("configChanged",) in events

    good = a_result(0.9)
    added = c.set_training_result(good)
    assert added.in_use and c.classifier is good.classifier and c.last_result is good
    assert c.run_in_use.id == 1 and c.dirty
    assert events.count(("runsChanged",)) == 1 and events.count(("classifierChanged",)) == 1

    statuses = []
    c.statusMessage.connect(statuses.append)
    stopped = a_result(0.5, cancelled=True)
    added = c.set_training_result(stopped)
    assert not added.in_use and c.classifier is good.classifier  # a worse stopped run does not take over
    assert c.last_result is stopped and c.runs.get(2).stopped
    assert events.count(("classifierChanged",)) == 1 and events.count(("runsChanged",)) == 2
    assert statuses == ["It is kept as run 2; run 1 stays in use: 50.0% does not beat its 90.0% "
                        "on the same validation photos."]

    c.use_run(2)
    assert c.classifier is stopped.classifier and events.count(("classifierChanged",)) == 2
    assert statuses[-1] == "Classify and Export now use “Run 2”."
    c.rename_run(2, "everything, stopped")
    assert c.runs.get(2).name == "everything, stopped" and events.count(("classifierChanged",)) == 2
    with pytest.raises(TlguiError, match="needs a name"):
        c.rename_run(2, " ")
    c.set_keep_model(1, True)
    assert c.runs.get(1).keep_model
    c.delete_run(2)
    assert c.classifier is None and c.run_in_use is None and events.count(("classifierChanged",)) == 3
    assert statuses[-1] == "Deleted “everything, stopped”. No run is in use now."
    assert [r.id for r in c.runs] == [1]


def test_opening_another_project_replaces_the_runs_and_says_so_first(qtbot, tmp_path):
    c = ProjectController()
    c.set_training_result(a_result(0.9))
    events = record(c)
    c.new_project()
    assert events[0] == ("projectReplaced",)
    assert len(c.runs) == 0 and c.classifier is None and c.last_result is None


def test_new_project_is_clean_and_announces_everything(qtbot):
    c = ProjectController()
    c.mark_dirty()
    events = record(c)
    c.new_project()
    names = {e[0] for e in events}
    assert names == set(SIGNALS)
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


def test_saved_runs_come_back_with_the_run_in_use(qtbot, tmp_path):
    write_learnable_classes(tmp_path / "photos", {"red": 6, "blue": 6})
    dataset, result = train_small(tmp_path / "photos", tmp_path / "cache", epochs=2)
    c = ProjectController()
    c.set_dataset(dataset)
    c.set_training_result(result)
    c.set_training_result(replace(result, cancelled=True, report=replace(result.report, accuracy=0.0)))
    c.rename_run(2, "worse")
    saved = c.save_project(tmp_path / "two runs")
    other = ProjectController()
    other.load_project(saved)
    assert [(r.id, r.name, r.stopped) for r in other.runs] == [(1, "Run 1", False), (2, "worse", True)]
    assert other.run_in_use.id == 1 and other.classifier is not None
    assert other.classifier.class_names == result.classifier.class_names


def test_opening_a_project_that_moved_with_its_photos_says_they_were_found_again(tmp_path, qtbot):
    from tlgui.core.data.bins import DataSet

    write_learnable_classes(tmp_path / "before" / "photos", {"red": 3, "blue": 3})
    c = ProjectController()
    dataset = DataSet()
    dataset.add_folder(tmp_path / "before" / "photos")
    c.new_project(dataset)
    c.save_project(tmp_path / "before" / "p.tlgui")
    (tmp_path / "before").rename(tmp_path / "after")
    statuses = []
    c.statusMessage.connect(statuses.append)
    c.load_project(tmp_path / "after" / "p.tlgui")
    assert "The project had moved: 6 photo" in statuses[-1] and "found again beside it." in statuses[-1]
    assert all(item.path.is_file() for item in c.dataset.items())


def test_a_controller_that_outlives_its_module_goes_quietly_at_exit(tmp_path):
    # Held by a module the interpreter clears after tlgui's: when it goes, the controller module's
    # names are None already, and its finaliser must not raise into the user's terminal.
    script = tmp_path / "late_controller.py"
    script.write_text(
        "import abc\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from tlgui.gui.controller import ProjectController\n"
        "abc.kept_until_exit = ProjectController()\n",
        encoding="utf-8",
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_deleting_the_run_in_use_while_a_run_trains_says_its_new_head_takes_over():
    """The dialog and status said "no model" while the training run's head model went in use."""
    c = ProjectController()
    c.set_training_result(a_result(0.9))
    statuses = []
    c.statusMessage.connect(statuses.append)
    c.start_run()
    head = a_result(0.7)
    assert not c.offer_early_model(head)  # a run is in use: it stays so
    assert c.has_early_model and c.classifier is not head.classifier
    c.delete_run(c.run_in_use.id)
    assert c.has_early_model and c.classifier is head.classifier
    assert statuses[-1] == "Deleted “Run 1”. Classify and Export use the new head of the run now training."
