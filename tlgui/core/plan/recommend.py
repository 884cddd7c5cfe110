"""How much of the network to train, judged from how many photos each class has.

The rule looks at the median number of *training* photos per class (so one large or tiny class
does not decide for all). Validation photos do not count: they are never learnt from, whether they
came from a val/ folder, were given separately or are split off automatically. The freeze plan
(``freeze_plan.training_counts``) counts the side of the split the trainer will use.

* fewer than 250 per class -> **head only** (level 0): only the new head trains, on cached
  features; with this little data, training pretrained layers mostly memorises the photos.
* 250 to 1499 per class -> **partial**: the head plus the last quarter of the freezable stages,
  at least 2 (EfficientNet-Lite0: ``blocks.6`` and ``conv_head``; ResNet: ``layer3`` and ``layer4``).
* 1500 or more per class -> **full fine-tune** (the top level) from the pretrained start.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tlgui.core.plan.freezing import freezable_stages, max_freeze_level
from tlgui.core.plan.regime import Regime

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork

HEAD_ONLY_BELOW = 250
PARTIAL_BELOW = 1500
PARTIAL_FRACTION = 0.25
PARTIAL_MIN_STAGES = 2


@dataclass(frozen=True)
class Recommendation:
    """A freeze level for ``set_freeze_level``, its regime and one sentence saying why."""

    level: int
    regime: Regime
    reason: str


def photos_per_class(images_per_class: Mapping[str, int]) -> int:
    """The median class's photo count: one large or tiny class does not decide for all."""
    return round(statistics.median(images_per_class.values())) if images_per_class else 0


def recommended_regime(images_per_class: Mapping[str, int]) -> Regime:
    """The regime this much data calls for, whatever the network (see the module docstring)."""
    per_class = photos_per_class(images_per_class)
    if per_class < HEAD_ONLY_BELOW:
        return Regime.HEAD
    return Regime.PARTIAL if per_class < PARTIAL_BELOW else Regime.FULL


def recommend(images_per_class: Mapping[str, int], net: StagedNetwork) -> Recommendation:
    """The freeze level suited to this much data for ``net`` (see the module docstring for the rule).

    ``images_per_class`` counts the photos that will be trained on, not the validation ones.
    """
    if not images_per_class:
        return Recommendation(0, Regime.HEAD, "With no photos yet, start by training only the new head.")
    about = f"With about {photos_per_class(images_per_class)} photos per class"
    regime = recommended_regime(images_per_class)
    top = max_freeze_level(net)
    level = {Regime.HEAD: 0, Regime.PARTIAL: partial_level(net), Regime.FULL: top}[regime]
    # A network too shallow for a partial level gets the nearest whole one.
    regime = regime_of_level(level, net)
    if regime is Regime.HEAD:
        return Recommendation(
            0,
            Regime.HEAD,
            f"{about}, train only the new head on cached features: fine-tuning more layers would overfit.",
        )
    if regime is Regime.PARTIAL:
        first = net.stage_names[freezable_stages(net)[top - level]]
        return Recommendation(
            level,
            Regime.PARTIAL,
            f"{about}, train the new head and the last {level} stages (from {first} on): enough to adapt "
            f"the top layers, too few for the whole network (that takes about {PARTIAL_BELOW} per class).",
        )
    return Recommendation(
        top,
        Regime.FULL,
        f"{about}, fine-tune the whole network from its pretrained start: there is enough data to adapt every layer.",
    )


def partial_level(net: StagedNetwork) -> int:
    """The last quarter of the freezable stages, at least 2, but never all of them."""
    top = max_freeze_level(net)
    if top <= 1:  # no room between head only and everything
        return top
    return min(max(PARTIAL_MIN_STAGES, round(top * PARTIAL_FRACTION)), top - 1)


def regime_of_level(level: int | None, net: StagedNetwork | None) -> Regime:
    """The regime a dial level trains, without hand-set layers (None: not chosen, counts as head only).

    Without a network the top of the dial is unknown, so any level above 0 counts as partial.
    """
    if not level:
        return Regime.HEAD
    if net is not None and level >= max_freeze_level(net):
        return Regime.FULL
    return Regime.PARTIAL


# How many photos a class needs before each regime is worth it. Below MIN_PHOTOS_TO_TRAIN training
# refuses (a class needs a training and a validation photo); below the regime's number it works but
# poorly: a linear head learns from a handful, retraining whole stages memorises small classes.
MIN_PHOTOS_TO_TRAIN = 2
ENOUGH_PHOTOS = {Regime.HEAD: 5, Regime.PARTIAL: 50, Regime.FULL: 250}


def class_size_warning(count: int, regime: Regime = Regime.HEAD) -> tuple[str, str] | None:
    """("error" | "warning", sentence) when a class has too few photos for ``regime``, else None."""
    if count < MIN_PHOTOS_TO_TRAIN:
        return (
            "error",
            f"Needs at least {MIN_PHOTOS_TO_TRAIN} photos to train; it has {count}. "
            "Add photos or delete this class.",
        )
    enough = ENOUGH_PHOTOS[Regime(regime)]
    if count < enough:
        if regime == Regime.HEAD:
            return (
                "warning",
                f"Only {count} photos: the classifier will hardly learn this class. Aim for 20 or more.",
            )
        what = "the whole network" if regime == Regime.FULL else "the last stages"
        return (
            "warning",
            f"Only {count} photos: too few to retrain {what} (about {enough} or more per "
            "class); training only the head suits this class better.",
        )
    return None
