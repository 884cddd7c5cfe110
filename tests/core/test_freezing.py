"""The freeze dial over stages, per-module overrides, the layer tree and train mode."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tlgui.core.backbones import create_backbone
from tlgui.core.errors import TlguiError
from tlgui.core.plan.freezing import (
    current_freeze_level,
    first_trainable_stage,
    freeze_level_names,
    layer_tree,
    max_freeze_level,
    parameter_counts,
    set_freeze_level,
    set_module_trainable,
    train_mode,
)


@pytest.fixture
def lite0():
    """The default architecture without weights: freezing does not care what the weights are."""
    torch.manual_seed(0)
    return create_backbone("efficientnet_lite0", pretrained=False)


@pytest.fixture
def mobilenet():
    torch.manual_seed(0)
    return create_backbone("mobilenet_v3_small", pretrained=False)


def _trainable_stages(net) -> list[str]:
    return [
        name
        for name, stage in zip(net.stage_names, net.stages.values(), strict=True)
        if any(p.requires_grad for p in stage.parameters())
    ]


def test_level_names_run_from_head_only_to_everything(lite0):
    names = freeze_level_names(lite0)
    # stem, blocks.0-6, conv_head; pre_logits is only pooling so it is no notch of the dial.
    assert max_freeze_level(lite0) == 9 and len(names) == 10
    assert names[:3] == ["Head only", "Head + last 1 stage", "Head + last 2 stages"]
    assert names[-1] == "Everything (full fine-tune)"


def test_head_only_trains_just_the_head(lite0):
    set_freeze_level(lite0, 0)
    total = sum(p.numel() for p in lite0.parameters())
    assert parameter_counts(lite0) == (1280 * 1000 + 1000, total)
    assert first_trainable_stage(lite0) == lite0.stage_index("head") == 10
    assert current_freeze_level(lite0) == 0
    lite0(torch.randn(2, 3, 64, 64)).sum().backward()
    assert lite0.head.weight.grad is not None
    assert all(p.grad is None for p in lite0.stages["conv_head"].parameters())


def test_levels_count_stages_from_the_top(lite0):
    set_freeze_level(lite0, 2)
    assert _trainable_stages(lite0) == ["blocks.6", "conv_head", "head"]
    assert first_trainable_stage(lite0) == lite0.stage_index("blocks.6") == 7
    assert current_freeze_level(lite0) == 2
    set_freeze_level(lite0, max_freeze_level(lite0))
    assert first_trainable_stage(lite0) == 0
    assert parameter_counts(lite0)[0] == parameter_counts(lite0)[1]
    assert current_freeze_level(lite0) == 9
    with pytest.raises(ValueError):
        set_freeze_level(lite0, 10)


def test_pre_logits_is_a_notch_when_it_has_parameters(mobilenet):
    # MobileNetV3's pooled features pass through a hidden Linear(576, 1024) before the head.
    assert max_freeze_level(mobilenet) == 14
    set_freeze_level(mobilenet, 1)
    assert _trainable_stages(mobilenet) == ["pre_logits", "head"]
    assert first_trainable_stage(mobilenet) == mobilenet.stage_index("pre_logits")


def test_module_overrides_break_the_clean_level(lite0):
    set_freeze_level(lite0, 2)
    trainable_before = parameter_counts(lite0)[0]
    conv = lite0.get_submodule("stages.blocks_6.0.conv_pw")
    set_module_trainable(lite0, "stages.blocks_6.0.conv_pw", False)
    assert parameter_counts(lite0)[0] == trainable_before - conv.weight.numel()
    assert current_freeze_level(lite0) is None
    set_module_trainable(lite0, "stages.blocks_6.0.conv_pw", True)
    assert current_freeze_level(lite0) == 2
    set_module_trainable(lite0, "stages.blocks_3", True)  # a gap: blocks.4 and 5 stay frozen
    assert current_freeze_level(lite0) is None
    assert first_trainable_stage(lite0) == lite0.stage_index("blocks.3")
    with pytest.raises(TlguiError, match="no layer called 'stages.nowhere'"):
        set_module_trainable(lite0, "stages.nowhere", True)


def test_layer_tree_mirrors_the_modules_and_their_state(lite0):
    set_freeze_level(lite0, 1)
    set_module_trainable(lite0, "stages.conv_head.bn2", False)
    root = layer_tree(lite0)
    assert root.params == parameter_counts(lite0)[1] and root.trainable is None
    assert [child.name for child in root.children] == lite0.stage_names
    by_path = {}
    stack = [root]
    while stack:
        node = stack.pop()
        by_path[node.path] = node
        stack.extend(node.children)
    for path, node in by_path.items():
        if path:
            module = lite0.get_submodule(path)
            assert node.params == sum(p.numel() for p in module.parameters())
            assert node.type_name == type(module).__name__
    assert by_path["stages.blocks_3.0.conv_pw"].stage == "blocks.3"
    assert by_path["stages.conv_head"].trainable is None
    assert by_path["stages.conv_head.conv_head"].trainable is True
    assert by_path["stages.conv_head.bn2"].trainable is False
    assert by_path["stages.stem"].trainable is False and by_path["stages.head"].trainable is True
    assert by_path["stages.pre_logits"].params == 0 and by_path["stages.pre_logits"].trainable is False


@pytest.mark.slow
def test_train_mode_keeps_frozen_batchnorm_statistics(lite0):
    set_freeze_level(lite0, 1)  # conv_head and head train
    frozen_bn = lite0.get_submodule("stages.blocks_3.0.bn1")
    trained_bn = lite0.get_submodule("stages.conv_head.bn2")
    frozen_before = frozen_bn.running_mean.clone()
    trained_before = trained_bn.running_mean.clone()
    train_mode(lite0)
    assert not lite0.stages["stem"].training and lite0.stages["head"].training
    lite0(torch.randn(4, 3, 64, 64))
    assert torch.equal(frozen_bn.running_mean, frozen_before)
    assert not torch.equal(trained_bn.running_mean, trained_before)
    # What train_mode prevents: plain train() lets frozen statistics drift.
    lite0.train()
    lite0(torch.randn(4, 3, 64, 64))
    assert not torch.equal(frozen_bn.running_mean, frozen_before)


def test_train_mode_evals_frozen_modules_inside_trainable_stages(lite0):
    set_freeze_level(lite0, 2)
    set_module_trainable(lite0, "stages.blocks_6.0.bn1", False)
    train_mode(lite0)
    assert not lite0.get_submodule("stages.blocks_6.0.bn1").training
    assert lite0.get_submodule("stages.blocks_6.0.bn2").training


def test_dropout_runs_only_where_something_trains(mobilenet):
    x = torch.randn(2, 3, 64, 64)
    set_freeze_level(mobilenet, 0)  # pre_logits (with its Dropout) is frozen: same as cached features
    train_mode(mobilenet)
    with torch.no_grad():
        assert torch.equal(mobilenet(x), mobilenet(x))
    set_freeze_level(mobilenet, 1)
    train_mode(mobilenet)
    dropouts = [m for m in mobilenet.stages["pre_logits"].modules() if isinstance(m, nn.Dropout)]
    assert dropouts and all(m.training for m in dropouts)
    with torch.no_grad():
        assert not torch.equal(mobilenet(x), mobilenet(x))
