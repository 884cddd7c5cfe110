"""Freeze decisions the pages share, read off the project: effective level, recommendation, counts.

No widgets here: the Model page and the Train page ask the same questions ("which level applies?",
"what does the recommendation say?") and must get the same answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlgui.core.errors import TlguiError
from tlgui.core.plan.freezing import (
    freeze_level_names,
    parameter_counts,
    set_freeze_level,
    set_module_trainable,
)
from tlgui.core.plan.recommend import Recommendation, recommend

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork
    from tlgui.core.data.bins import DataSet
    from tlgui.core.training.trainer import TrainConfig


def class_counts(dataset: DataSet) -> dict[str, int]:
    """Images per class, in bin order."""
    counter = getattr(dataset, "class_counts", None)
    if callable(counter):
        return dict(counter())
    return {name: dataset.count(name) for name in dataset.class_names}


def recommendation(dataset: DataSet, net: StagedNetwork) -> Recommendation | None:
    """The recommended level for these photos, or None while there are no photos to judge by."""
    counts = class_counts(dataset)
    if not counts or sum(counts.values()) == 0:
        return None
    try:
        return recommend(counts, net)
    except TlguiError:
        return None


def effective_level(config: TrainConfig, dataset: DataSet, net: StagedNetwork) -> int:
    """The level training will use: the chosen one (clamped to this network), else the recommendation."""
    top = len(freeze_level_names(net)) - 1
    if config.freeze_level is not None:
        return max(0, min(config.freeze_level, top))
    rec = recommendation(dataset, net)
    return rec.level if rec is not None else 0


def apply_freeze_state(net: StagedNetwork, level: int, overrides: dict[str, bool]) -> None:
    """Set ``level`` on ``net`` then the hand-set per-module choices that still name a module."""
    set_freeze_level(net, level)
    for path, trainable in overrides.items():
        try:
            set_module_trainable(net, path, trainable)
        except (KeyError, AttributeError, TlguiError):
            # A path from another backbone (or an older project) names nothing here: skip it.
            continue


def counts_with_new_head(net: StagedNetwork, num_classes: int) -> tuple[int, int]:
    """(trainable, total) parameters as they will be once the ImageNet head is replaced.

    The network the page holds still has its 1000-way ImageNet layer; training swaps it for one with
    a row per class, so counting the old one would overstate the trainable part by a million or so.
    """
    trainable, total = parameter_counts(net)
    head = net.head
    old = sum(p.numel() for p in head.parameters())
    old_trainable = sum(p.numel() for p in head.parameters() if p.requires_grad)
    classes = max(2, num_classes)
    new = net.feature_dim * classes + classes
    # The new head is always trainable.
    return trainable - old_trainable + new, total - old + new
