"""Which parts of a StagedNetwork train: the freeze dial over stages, per-module overrides, BN care.

The dial works like fastai's ``freeze_to``, counted from the top: level ``k`` trains the head plus
the last ``k`` *freezable* stages; level 0 is "head only", the highest level is everything.

A stage is freezable when it has parameters of its own. So ``pre_logits`` counts as a stage only
when it has parameters (MobileNetV3's hidden Linear, ConvNeXt's LayerNorm, ViT's final LayerNorm),
and parameter-free stages (plain pooling) never take up a notch of the dial that would change
nothing. The head is always trainable under a level; ``set_module_trainable`` can then change
any module, after which ``current_freeze_level`` is None. Which settings become which flags (the
effective level, which hand-set overrides apply, the regime) is decided in ``freeze_plan``.

Parameter-free modules report ``trainable=False`` in the layer tree: there is nothing in them to train.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlgui.core.backbones.stage_names import HEAD, stage_key
from tlgui.core.errors import TlguiError
from tlgui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from torch import nn

    from tlgui.core.backbones.staged import StagedNetwork

HEAD_ONLY = N_("Head only")
EVERYTHING = N_("Everything (full fine-tune)")
#: The head's module path, as in ``layer_tree`` and in per-module overrides.
HEAD_PATH = f"stages.{stage_key(HEAD)}"
# Training needs two classes; before there are two, the head is counted as it will be at least.
_MIN_CLASSES = 2


@dataclass
class LayerNode:
    """One module in the layer tree; ``path`` is its dotted module path within the StagedNetwork."""

    path: str
    name: str
    type_name: str
    params: int
    trainable: bool | None  # None: some parameters train, some do not
    children: list[LayerNode] = field(default_factory=list)
    stage: str | None = None  # display name of the enclosing stage (None for the root)
    fixed: bool = False  # the new head: it always trains, no box can freeze it


# ---- inspecting -------------------------------------------------------------------------------
def layer_tree(net: StagedNetwork, num_classes: int | None = None) -> LayerNode:
    """The whole network as a tree: root -> stages -> their child modules, recursively.

    With ``num_classes`` the head is shown as training will have it: our new head with one output
    per class, always trainable, instead of the pretrained (ImageNet) layer the network still holds.
    """
    stages = [
        _node(module, f"stages.{key}", name, name)
        for (key, module), name in zip(net.stages.items(), net.stage_names, strict=True)
    ]
    total, flag = _param_state(net)
    if num_classes is not None:
        old = stages[-1]
        new = new_head_parameters(net, num_classes)
        stages[-1] = LayerNode(old.path, old.name, old.type_name, new, True, [], old.stage, fixed=True)
        total += new - old.params
    return LayerNode("", net.backbone_id, type(net).__name__, total, flag, stages, None)


def _node(module: nn.Module, path: str, name: str, stage: str) -> LayerNode:
    children = [
        _node(child, f"{path}.{child_name}", child_name, stage)
        for child_name, child in module.named_children()
    ]
    params, flag = _param_state(module)
    return LayerNode(path, name, type(module).__name__, params, flag, children, stage)


def _param_state(module: nn.Module) -> tuple[int, bool | None]:
    """(parameter count, all trainable / none trainable / None for mixed)."""
    params = list(module.parameters())
    count = sum(p.numel() for p in params)
    flags = {p.requires_grad for p in params}
    if flags == {True}:
        return count, True
    if len(flags) == 2:
        return count, None
    return count, False


def parameter_counts(net: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    params = list(net.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def new_head_parameters(net: StagedNetwork, num_classes: int) -> int:
    """Parameters of the head ``replace_head`` puts on: a weight row and a bias per class."""
    classes = max(_MIN_CLASSES, num_classes)
    return net.feature_dim * classes + classes


def first_trainable_stage(net: StagedNetwork) -> int:
    """Index of the first stage with any trainable parameter: everything before it can be cached.

    ``len(net.stages)`` when nothing trains at all.
    """
    for index, stage in enumerate(net.stages.values()):
        if any(p.requires_grad for p in stage.parameters()):
            return index
    return len(net.stages)


# ---- the dial ---------------------------------------------------------------------------------
def freezable_stages(net: StagedNetwork) -> list[int]:
    """Indices of the stages before the head that have parameters: the notches of the dial."""
    return [
        index
        for index, (name, stage) in enumerate(zip(net.stage_names, net.stages.values(), strict=True))
        if name != HEAD and any(True for _ in stage.parameters())
    ]


def max_freeze_level(net: StagedNetwork) -> int:
    """The level that trains everything."""
    return len(freezable_stages(net))


def freeze_level_names(net: StagedNetwork) -> list[str]:
    """One label per level: "Head only", "Head + last k stages", ..., "Everything (full fine-tune)"."""
    top = max_freeze_level(net)
    middle = [ngettext("Head + last {k} stage", "Head + last {k} stages", k).format(k=k) for k in range(1, top)]
    return [_(HEAD_ONLY), *middle, _(EVERYTHING)] if top else [_(HEAD_ONLY)]


def trainable_stages(net: StagedNetwork, level: int) -> set[int]:
    """Indices of the stages that train at ``level``: the last ``level`` notches and the head."""
    notches = freezable_stages(net)
    if not 0 <= level <= len(notches):
        raise ValueError(f"freeze level must be between 0 and {len(notches)}, got {level}")
    return set(notches[len(notches) - level :]) | {len(net.stages) - 1}


def set_freeze_level(net: StagedNetwork, level: int) -> None:
    """Train the head and the last ``level`` freezable stages; freeze every other parameter."""
    trainable = trainable_stages(net, level)
    for index, stage in enumerate(net.stages.values()):
        stage.requires_grad_(index in trainable)


def current_freeze_level(net: StagedNetwork) -> int | None:
    """The level the network is at, or None when per-module overrides make it no clean level."""
    head_state = _param_state(net.head)[1]
    states = [_param_state(net.stages[key])[1] for key in _keys_at(net, freezable_stages(net))]
    if head_state is not True or None in states:
        return None
    level = len(states) - states.index(True) if True in states else 0
    # Clean only if the trainable stages form one unbroken run at the top.
    return level if all(states[len(states) - level :]) else None


def _keys_at(net: StagedNetwork, indices: list[int]) -> list[str]:
    keys = list(net.stages.keys())
    return [keys[i] for i in indices]


def set_module_trainable(net: StagedNetwork, path: str, trainable: bool) -> None:
    """Set every parameter under the module at ``path`` (as in ``layer_tree``) to train or not."""
    try:
        module = net.get_submodule(path)
    except AttributeError as exc:
        raise TlguiError(_(
            "The network {backbone_id} has no layer called {path!r}."
        ).format(backbone_id=net.backbone_id, path=path)) from exc
    module.requires_grad_(trainable)


# ---- training mode ----------------------------------------------------------------------------
def train_mode(net: StagedNetwork) -> None:
    """``net.train()``, except that frozen parts behave as at inference.

    Everything before the first trainable stage goes to eval, so the network computes exactly what
    the feature cache stores for that boundary (no dropout, BatchNorm on its running statistics).
    After it, any module whose parameters are all frozen (a frozen BatchNorm, a frozen block) goes
    to eval too, so its running statistics do not move; dropout stays active in trainable parts.
    """
    net.train()
    boundary = first_trainable_stage(net)
    for index, stage in enumerate(net.stages.values()):
        if index < boundary:
            stage.eval()
        else:
            _eval_frozen(stage)


def _eval_frozen(module: nn.Module) -> None:
    params = list(module.parameters())
    if params and not any(p.requires_grad for p in params):
        module.eval()
        return
    for child in module.children():
        _eval_frozen(child)
