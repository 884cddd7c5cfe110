"""What will train: the one owner of the effective freeze level, the hand-set overrides, the
regime and the parameter counts, for the trainer and every page alike.

The settings live only in ``TrainConfig.freeze_level`` and ``TrainConfig.trainable_overrides``.
``plan_freeze`` reads them against a network and the training photos and returns a ``FreezePlan``;
``FreezePlan.apply`` sets ``requires_grad`` accordingly. The rules:

* **level**: the chosen one, clamped to the network (a level past the top means everything: the
  CLI's ``--freeze full``); when none is chosen, the recommendation for the photos that will be
  trained on (``training_counts``); with no photos yet, head only.
* **overrides** apply after the level, in the order they were set, each to the module it names and
  everything inside it, but only within the stages before the head. The new head always trains (it
  starts random: frozen, it would predict noise). An override that names no module before the head
  (one from another backbone, an older project, a hand-edited file, or the head itself) is ignored
  and listed in ``ignored``: the window and the trainer skip it alike, neither refuses to run.
* **counts** are taken with the new head (a row per class), not the pretrained ImageNet layer the
  loaded network still carries.
* **regime**: head only when nothing before the head trains; full when the first stage with
  parameters trains (nothing below the trainable part is left to cache); partial otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from tlgui.core.i18n import ngettext
from tlgui.core.plan.freezing import (
    HEAD_PATH,
    freezable_stages,
    freeze_level_names,
    new_head_parameters,
    trainable_stages,
)
from tlgui.core.plan.recommend import Recommendation, recommend, recommended_regime, regime_of_level
from tlgui.core.plan.regime import Regime

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork
    from tlgui.core.data.bins import DataSet
    from tlgui.core.training.config import TrainConfig


@dataclass(frozen=True)
class FreezePlan:
    """What trains in one network under one set of settings (see the module docstring)."""

    backbone_id: str
    level: int
    level_name: str
    follows_recommendation: bool  # no level chosen: the recommendation decides
    recommendation: Recommendation | None  # None while there are no training photos
    overrides: Mapping[str, bool]  # the hand-set choices that apply, in the order they apply
    ignored: tuple[str, ...]  # hand-set paths that name no module before this network's head
    regime: Regime
    first_trainable_stage: int  # the stages before it are frozen: their output can be cached
    trainable: int  # parameters, counted with the new head
    total: int
    trainable_parameters: frozenset[str] = field(repr=False)  # names, as in ``named_parameters``

    @property
    def level_is_recommended(self) -> bool:
        """True when the level is the one the recommendation gives."""
        return self.recommendation is not None and self.level == self.recommendation.level

    def apply(self, net: StagedNetwork) -> None:
        """Set ``requires_grad`` on every parameter of ``net`` as planned.

        ``net`` is the network the plan was made for, or a copy of it (with or without the new head).
        """
        if net.backbone_id != self.backbone_id:
            raise ValueError(f"this plan is for {self.backbone_id}, not {net.backbone_id}")
        for name, param in net.named_parameters():
            param.requires_grad_(name in self.trainable_parameters)


def training_counts(dataset: DataSet, config: TrainConfig) -> dict[str, int]:
    """Photos per class on the training side of the split the trainer will use, in class order.

    Given train/val folders and separately given validation photos keep their side; for an automatic
    split only the photos that stay in training count.
    """
    train_items, _ = dataset.split(config.val_fraction, config.seed)
    per_class = Counter(item.label for item in train_items)
    return {name: per_class[name] for name in dataset.class_names}


def plan_freeze(net: StagedNetwork, train_counts: Mapping[str, int], config: TrainConfig) -> FreezePlan:
    """The plan for ``net``, ``train_counts`` (photos per class that will be trained on, every class
    named) and the freeze settings of ``config``. Changes nothing; ``apply`` does."""
    names = freeze_level_names(net)
    recommendation = recommend(train_counts, net) if sum(train_counts.values()) > 0 else None
    if config.freeze_level is None:
        level = recommendation.level if recommendation is not None else 0
    else:
        level = max(0, min(config.freeze_level, len(names) - 1))
    overrides, ignored = _sort_overrides(net, config.trainable_overrides)
    sizes = {name: param.numel() for name, param in net.named_parameters()}
    trainable = _trainable_parameter_names(net, list(sizes), level, overrides)
    boundary = _first_trainable_stage(net, trainable)
    head = {name for name in sizes if _inside(name, HEAD_PATH)}
    new_head = new_head_parameters(net, len(train_counts))
    return FreezePlan(
        backbone_id=net.backbone_id,
        level=level,
        level_name=names[level],
        follows_recommendation=config.freeze_level is None,
        recommendation=recommendation,
        overrides=MappingProxyType(overrides),
        ignored=ignored,
        regime=_regime(net, boundary),
        first_trainable_stage=boundary,
        trainable=sum(sizes[name] for name in trainable - head) + new_head,
        total=sum(sizes[name] for name in sizes.keys() - head) + new_head,
        trainable_parameters=frozenset(trainable),
    )


def plan_for_dataset(net: StagedNetwork, dataset: DataSet, config: TrainConfig) -> FreezePlan:
    """``plan_freeze`` with the training side of ``dataset``'s split: what every driver calls."""
    return plan_freeze(net, training_counts(dataset, config), config)


def planned_regime(dataset: DataSet, config: TrainConfig, net: StagedNetwork | None) -> Regime:
    """The regime training will use; before the network is loaded, the best guess from the settings."""
    if net is not None:
        return plan_for_dataset(net, dataset, config).regime
    if config.freeze_level is None:
        return recommended_regime(training_counts(dataset, config))
    return regime_of_level(config.freeze_level, None)


def with_override(overrides: Mapping[str, bool], path: str, trainable: bool) -> dict[str, bool]:
    """``overrides`` after the user sets the module at ``path``: the new choice applies last, and
    earlier choices inside that module are dropped (the new one covers them)."""
    kept = {p: t for p, t in overrides.items() if p != path and not _inside(p, path)}
    kept[path] = bool(trainable)
    return kept


def ignored_note(ignored: tuple[str, ...]) -> str:
    """One sentence naming the hand-set choices that were skipped ("" when there are none)."""
    if not ignored:
        return ""
    return ngettext(
        "Ignored hand-set choice for {listed}: this network has no such layer before its head "
        "(the new head always trains).",
        "Ignored hand-set choices for {listed}: this network has no such layer before its head "
        "(the new head always trains).",
        len(ignored),
    ).format(listed=", ".join(ignored))


# ---- the rules ----------------------------------------------------------------------------------
def _inside(name: str, path: str) -> bool:
    """True when the parameter or module ``name`` is ``path`` or lies within it."""
    return name == path or name.startswith(path + ".")


def _sort_overrides(net: StagedNetwork, overrides: Mapping[str, bool]) -> tuple[dict[str, bool], tuple[str, ...]]:
    """(the overrides that apply, the paths ignored), each in the order given."""
    applied: dict[str, bool] = {}
    ignored: list[str] = []
    for path, trainable in overrides.items():
        if _names_a_trunk_module(net, path):
            applied[path] = bool(trainable)
        else:
            ignored.append(path)
    return applied, tuple(ignored)


def _names_a_trunk_module(net: StagedNetwork, path: str) -> bool:
    if not isinstance(path, str) or not path.startswith("stages.") or _inside(path, HEAD_PATH):
        return False
    try:
        net.get_submodule(path)
    except AttributeError:  # no such module (or a parameter's name, not a module's)
        return False
    return True


def _trainable_parameter_names(
    net: StagedNetwork, names: list[str], level: int, overrides: Mapping[str, bool]
) -> set[str]:
    keys = list(net.stages.keys())
    stage_paths = [f"stages.{keys[index]}" for index in trainable_stages(net, level)]
    trainable = {name for name in names if any(_inside(name, path) for path in stage_paths)}
    for path, on in overrides.items():
        inside = {name for name in names if _inside(name, path)}
        trainable = trainable | inside if on else trainable - inside
    return trainable


def _first_trainable_stage(net: StagedNetwork, trainable: set[str]) -> int:
    for index, key in enumerate(net.stages.keys()):
        if any(_inside(name, f"stages.{key}") for name in trainable):
            return index
    return len(net.stages) - 1  # the head, which always trains


def _regime(net: StagedNetwork, boundary: int) -> Regime:
    notches = freezable_stages(net)
    if boundary >= len(net.stages) - 1 or not notches:
        return Regime.HEAD
    return Regime.FULL if boundary <= notches[0] else Regime.PARTIAL
