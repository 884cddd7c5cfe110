"""The one owner of what trains: level, overrides, counts with the new head, regime, recommendation,
and the training photos the recommendation counts. The trainer and the project file go by it too."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest
import torch
from photos import write_learnable_tree

from tlgui.core.backbones import create_backbone
from tlgui.core.backbones.staged import replace_head
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import ModelFileError
from tlgui.core.plan.freeze_plan import (
    ignored_note,
    plan_for_dataset,
    plan_freeze,
    planned_regime,
    training_counts,
    with_override,
)
from tlgui.core.plan.freezing import (
    HEAD_PATH,
    freeze_level_names,
    layer_tree,
    max_freeze_level,
    parameter_counts,
    set_freeze_level,
    set_module_trainable,
)
from tlgui.core.plan.regime import Regime
from tlgui.core.project import PROJECT_JSON, Project, load_project, save_project
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import train


@pytest.fixture(scope="module")
def lite0():
    """EfficientNet-Lite0's architecture with its 1000-way ImageNet head (weights do not matter)."""
    torch.manual_seed(0)
    return create_backbone("efficientnet_lite0", pretrained=False)


def _bins(per_class: dict[str, dict[str | None, int]]) -> DataSet:
    """Bins of photos that are never opened: {class: {split: count}} (split None: not given)."""
    classes = [
        {
            "name": name,
            "items": [
                {"path": f"/photos/{name}/{split}/{i}.jpg", "digest": f"{name}-{split}-{i}", "split": split}
                for split, count in splits.items()
                for i in range(count)
            ],
        }
        for name, splits in per_class.items()
    ]
    return DataSet.from_dict({"version": DataSet().to_dict()["version"], "classes": classes})


# ---- which photos the recommendation counts -----------------------------------------------------
def test_separate_validation_photos_do_not_count_as_training_photos(lite0):
    # 1,000 training and 1,000 validation photos per class: a partial fine-tune, not a full one.
    data = _bins({"cats": {None: 1000, "val": 1000}, "dogs": {None: 1000, "val": 1000}})
    assert training_counts(data, TrainConfig()) == {"cats": 1000, "dogs": 1000}
    plan = plan_for_dataset(lite0, data, TrainConfig())
    assert plan.recommendation.regime is Regime.PARTIAL and "about 1000 photos" in plan.recommendation.reason
    assert plan.follows_recommendation and plan.level == plan.recommendation.level
    assert plan.regime is Regime.PARTIAL


def test_train_and_val_folders_keep_their_sides(lite0):
    data = _bins({"cats": {"train": 300, "val": 1500}, "dogs": {"train": 200, "val": 1500}})
    assert training_counts(data, TrainConfig()) == {"cats": 300, "dogs": 200}
    assert plan_for_dataset(lite0, data, TrainConfig()).recommendation.regime is Regime.PARTIAL


def test_an_automatic_split_counts_the_photos_that_stay_in_training(lite0):
    # 1,600 photos per class, a fifth held out: 1,280 train, under the 1,500 a full fine-tune needs.
    data = _bins({"cats": {None: 1600}, "dogs": {None: 1600}})
    assert training_counts(data, TrainConfig(val_fraction=0.2)) == {"cats": 1280, "dogs": 1280}
    assert plan_for_dataset(lite0, data, TrainConfig(val_fraction=0.2)).regime is Regime.PARTIAL
    # Holding out less leaves enough for the whole network: the setting moves the recommendation.
    assert plan_for_dataset(lite0, data, TrainConfig(val_fraction=0.05)).regime is Regime.FULL
    # The counts are the trainer's split, photo for photo.
    train_items, _ = data.split(0.2, 0)
    assert sum(training_counts(data, TrainConfig(val_fraction=0.2)).values()) == len(train_items)


def test_real_folders_with_a_separate_validation_folder(tmp_path, lite0):
    write_learnable_tree(tmp_path / "train", {"red": 5, "blue": 4})
    write_learnable_tree(tmp_path / "val", {"red": 3, "blue": 3}, start=100)  # other photos
    data = DataSet()
    data.add_folder(tmp_path / "train")
    data.add_folder(tmp_path / "val", split="val")
    assert data.class_counts() == {"red": 8, "blue": 7}
    assert training_counts(data, TrainConfig()) == {"red": 5, "blue": 4}
    assert "about 4 photos per class" in plan_for_dataset(lite0, data, TrainConfig()).recommendation.reason


def test_no_photos_means_no_recommendation_and_head_only(lite0):
    data = _bins({"cats": {}, "dogs": {}})
    plan = plan_for_dataset(lite0, data, TrainConfig())
    assert plan.recommendation is None and not plan.level_is_recommended
    assert (plan.level, plan.regime, plan.level_name) == (0, Regime.HEAD, "Head only")


# ---- the level ------------------------------------------------------------------------------------
def test_a_chosen_level_wins_and_is_clamped_to_the_network(lite0):
    counts = {"a": 100, "b": 100}
    top = max_freeze_level(lite0)
    plan = plan_freeze(lite0, counts, TrainConfig(freeze_level=2))
    assert (plan.level, plan.regime, plan.level_name) == (2, Regime.PARTIAL, "Head + last 2 stages")
    assert not plan.follows_recommendation and not plan.level_is_recommended
    assert plan.recommendation.level == 0
    full = plan_freeze(lite0, counts, TrainConfig(freeze_level=10_000))  # the CLI's --freeze full
    assert (full.level, full.regime) == (top, Regime.FULL)
    assert full.level_name == freeze_level_names(lite0)[-1]
    assert full.trainable == full.total


# ---- counts with the new head ---------------------------------------------------------------------
def test_counts_are_taken_with_the_new_head_not_the_imagenet_one(lite0):
    plan = plan_freeze(lite0, {"a": 10, "b": 10}, TrainConfig(freeze_level=0))
    assert plan.trainable == 1280 * 2 + 2 == 2562
    imagenet_head = 1280 * 1000 + 1000
    assert plan.total == parameter_counts(lite0)[1] - imagenet_head + 2562
    # Exactly what the trainer's network has once the head is replaced and the plan applied.
    trained = replace_head(copy.deepcopy(lite0), 2)
    plan.apply(trained)
    assert parameter_counts(trained) == (plan.trainable, plan.total)
    # The layer tree shows the same head; before a second class exists, a two-way head is counted.
    tree = layer_tree(lite0, 2)
    head = tree.children[-1]
    assert (head.path, head.params, head.trainable, head.fixed) == (HEAD_PATH, 2562, True, True)
    assert tree.params == plan.total
    assert plan_freeze(lite0, {"a": 10}, TrainConfig(freeze_level=0)).trainable == 2562
    assert plan_freeze(lite0, {c: 10 for c in "abcde"}, TrainConfig(freeze_level=0)).trainable == 1280 * 5 + 5


# ---- hand-set layers ------------------------------------------------------------------------------
def test_overrides_apply_like_the_layer_tree_boxes(lite0):
    overrides = {"stages.blocks_6.0.conv_pw": False, "stages.blocks_3": True}
    plan = plan_freeze(lite0, {"a": 10, "b": 10}, TrainConfig(freeze_level=2, trainable_overrides=overrides))
    assert dict(plan.overrides) == overrides and plan.ignored == ()
    # The same result as the dial and the per-module switch by hand.
    mine, by_hand = copy.deepcopy(lite0), copy.deepcopy(lite0)
    plan.apply(mine)
    set_freeze_level(by_hand, 2)
    for path, on in overrides.items():
        set_module_trainable(by_hand, path, on)
    flags = {n: p.requires_grad for n, p in mine.named_parameters()}
    assert flags == {n: p.requires_grad for n, p in by_hand.named_parameters()}
    assert plan.first_trainable_stage == lite0.stage_index("blocks.3")
    assert plan.regime is Regime.PARTIAL
    # The plan was made without touching the network it read.
    assert all(p.requires_grad for p in lite0.parameters())


def test_stale_overrides_are_ignored_by_one_rule(lite0):
    overrides = {
        "stages.layer4": True,  # a ResNet stage: another backbone's
        "stages.blocks_6.0.conv_pw.weight": False,  # a parameter, not a module
        HEAD_PATH: False,  # the new head always trains
        "stages.conv_head": True,
    }
    plan = plan_freeze(lite0, {"a": 10, "b": 10}, TrainConfig(freeze_level=0, trainable_overrides=overrides))
    assert dict(plan.overrides) == {"stages.conv_head": True}
    assert plan.ignored == ("stages.layer4", "stages.blocks_6.0.conv_pw.weight", HEAD_PATH)
    net = copy.deepcopy(lite0)
    plan.apply(net)
    assert all(p.requires_grad for p in net.head.parameters())
    assert all(p.requires_grad for p in net.stages["conv_head"].parameters())
    assert not any(p.requires_grad for p in net.stages["blocks_6"].parameters())
    note = ignored_note(plan.ignored)
    assert note.startswith("Ignored hand-set choices for stages.layer4,") and note.endswith(".")
    assert ignored_note(()) == ""


def test_regime_follows_what_really_trains(lite0):
    counts = {"a": 10, "b": 10}
    stem = plan_freeze(lite0, counts, TrainConfig(freeze_level=0, trainable_overrides={"stages.stem": True}))
    assert stem.regime is Regime.FULL and stem.first_trainable_stage == 0
    frozen = plan_freeze(lite0, counts, TrainConfig(freeze_level=1, trainable_overrides={"stages.conv_head": False}))
    assert frozen.regime is Regime.HEAD and frozen.first_trainable_stage == lite0.stage_index("head")


def test_a_later_choice_on_a_module_covers_earlier_ones_inside_it():
    overrides = with_override({}, "stages.blocks_5.0", True)
    overrides = with_override(overrides, "stages.blocks_6", True)
    overrides = with_override(overrides, "stages.blocks_5", False)
    assert overrides == {"stages.blocks_6": True, "stages.blocks_5": False}
    # Re-setting a module moves it last, so it applies after a parent set in between.
    overrides = with_override(overrides, "stages.blocks_5.1", True)
    overrides = with_override(overrides, "stages.blocks_5.1", False)
    assert list(overrides) == ["stages.blocks_6", "stages.blocks_5", "stages.blocks_5.1"]


def test_a_plan_refuses_another_backbone(lite0):
    plan = plan_freeze(lite0, {"a": 1}, TrainConfig(freeze_level=0))
    other = create_backbone("mobilenet_v3_small", pretrained=False)
    with pytest.raises(ValueError, match="efficientnet_lite0"):
        plan.apply(other)


def test_regime_before_the_network_is_loaded():
    many = _bins({"a": {None: 500, "val": 900}, "b": {None: 500, "val": 900}})
    assert planned_regime(many, TrainConfig(), None) is Regime.PARTIAL
    assert planned_regime(_bins({"a": {"train": 100, "val": 2000}}), TrainConfig(), None) is Regime.HEAD
    assert planned_regime(many, TrainConfig(freeze_level=0), None) is Regime.HEAD
    assert planned_regime(many, TrainConfig(freeze_level=3), None) is Regime.PARTIAL


# ---- the trainer goes by the same plan ------------------------------------------------------------
def test_the_trainer_skips_a_stale_override_and_says_so(learnable_tree, bundled_network, tmp_path):
    data = DataSet()
    data.add_folder(learnable_tree)
    config = TrainConfig(epochs=1, trainable_overrides={"stages.layer4": True, "stages.conv_head.bn2": True})
    plan = plan_for_dataset(bundled_network, data, config)
    result = train(data, config, backbone=bundled_network, cache=FeatureCache(tmp_path / "cache"))
    assert result.ignored_overrides == plan.ignored == ("stages.layer4",)
    assert result.regime == plan.regime == Regime.PARTIAL
    training = result.classifier.training
    assert training.freeze_level == plan.level == 0  # 12 photos a class: the recommendation
    assert (training.trainable_parameters, training.total_parameters) == (plan.trainable, plan.total)


# ---- stored once ----------------------------------------------------------------------------------
def test_old_project_files_move_the_freeze_block_into_the_settings(tmp_path):
    path = tmp_path / "old.tlgui"
    save_project(Project(DataSet(), "efficientnet_lite0", TrainConfig(epochs=4)), path)
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read(PROJECT_JSON))
    assert "freeze" not in document  # written once, in the settings
    # As the previous version wrote it: the window's state beside the settings, which lagged behind.
    document["config"]["trainable_overrides"] = {"stages.stem": True}
    document["freeze"] = {"level": 3, "overrides": {"stages.blocks_6.0": False, "stages.stem": False}}
    old = tmp_path / "written-before.tlgui"
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr(PROJECT_JSON, json.dumps(document))
    project = load_project(old)
    assert project.config.freeze_level == 3
    assert project.config.trainable_overrides == {"stages.stem": False, "stages.blocks_6.0": False}
    assert not hasattr(project, "freeze_overrides")
    again = tmp_path / "saved-again.tlgui"
    save_project(project, again)
    assert load_project(again).config == project.config


def test_damaged_freeze_settings_are_one_sentence(tmp_path):
    path = tmp_path / "p.tlgui"
    save_project(Project(DataSet(), "efficientnet_lite0", TrainConfig()), path)
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read(PROJECT_JSON))
    for config_overrides, block in (([1, 2], None), ({}, {"overrides": "stem"})):
        document["config"]["trainable_overrides"] = config_overrides
        if block is not None:
            document["freeze"] = block
        bad = tmp_path / "bad.tlgui"
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr(PROJECT_JSON, json.dumps(document))
        with pytest.raises(ModelFileError, match="settings cannot be read"):
            load_project(bad)
