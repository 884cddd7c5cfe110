"""How much of the network to train, judged from how many photos each class has.

The rule looks at the median number of photos per class (so one large or tiny class does not
decide for all):

* fewer than 250 per class -> **head only** (level 0): only the new head trains, on cached
  features; with this little data, training pretrained layers mostly memorises the photos.
* 250 to 1499 per class -> **partial**: the head plus the last quarter of the freezable stages,
  at least 2 (EfficientNet-Lite0: ``blocks.6`` and ``conv_head``; ResNet: ``layer3`` and ``layer4``).
* 1500 or more per class -> **full fine-tune** (the top level) from the pretrained start.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.plan.freezing import freezable_stages, max_freeze_level

HEAD_ONLY_BELOW = 250
PARTIAL_BELOW = 1500
PARTIAL_FRACTION = 0.25
PARTIAL_MIN_STAGES = 2


@dataclass
class Recommendation:
    """A freeze level for ``set_freeze_level``, its regime and one sentence saying why."""

    level: int
    regime: str  # "head" | "partial" | "full"
    reason: str


def recommend(images_per_class: dict[str, int], net: StagedNetwork) -> Recommendation:
    """The freeze level suited to this much data for ``net`` (see the module docstring for the rule)."""
    if not images_per_class:
        return Recommendation(0, "head", "With no photos yet, start by training only the new head.")
    per_class = round(statistics.median(images_per_class.values()))
    about = f"With about {per_class} photos per class"
    if per_class < HEAD_ONLY_BELOW:
        return Recommendation(
            0,
            "head",
            f"{about}, train only the new head on cached features: fine-tuning more layers would overfit.",
        )
    top = max_freeze_level(net)
    if per_class < PARTIAL_BELOW:
        level = partial_level(net)
        first = net.stage_names[freezable_stages(net)[top - level]]
        return Recommendation(
            level,
            "partial",
            f"{about}, train the new head and the last {level} stages (from {first} on): enough to adapt "
            f"the top layers, too few for the whole network (that takes about {PARTIAL_BELOW} per class).",
        )
    return Recommendation(
        top,
        "full",
        f"{about}, fine-tune the whole network from its pretrained start: there is enough data to adapt every layer.",
    )


def partial_level(net: StagedNetwork) -> int:
    """The last quarter of the freezable stages, at least 2, but never all of them."""
    top = max_freeze_level(net)
    if top <= 1:  # no room between head only and everything
        return top
    return min(max(PARTIAL_MIN_STAGES, round(top * PARTIAL_FRACTION)), top - 1)


# How many photos a class needs before each regime is worth it. Below MIN_PHOTOS_TO_TRAIN training
# refuses (a class needs a training and a validation photo); below the regime's number it works but
# poorly: a linear head learns from a handful, retraining whole stages memorises small classes.
MIN_PHOTOS_TO_TRAIN = 2
ENOUGH_PHOTOS = {"head": 5, "partial": 50, "full": 250}


def regime_of_level(level: int | None, net: StagedNetwork | None) -> str:
    """ "head", "partial" or "full" for a freeze level (None: not chosen yet, counts as head only)."""
    if not level:
        return "head"
    if net is not None and level >= max_freeze_level(net):
        return "full"
    return "partial"


def class_size_warning(count: int, regime: str = "head") -> tuple[str, str] | None:
    """("error" | "warning", sentence) when a class has too few photos for ``regime``, else None."""
    if count < MIN_PHOTOS_TO_TRAIN:
        return (
            "error",
            f"Needs at least {MIN_PHOTOS_TO_TRAIN} photos to train; it has {count}. "
            "Add photos or delete this class.",
        )
    enough = ENOUGH_PHOTOS[regime]
    if count < enough:
        if regime == "head":
            return (
                "warning",
                f"Only {count} photos: the classifier will hardly learn this class. Aim for 20 or more.",
            )
        what = "the whole network" if regime == "full" else "the last stages"
        return (
            "warning",
            f"Only {count} photos: too few to retrain {what} (about {enough} or more per "
            "class); training only the head suits this class better.",
        )
    return None
