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

``weigh_time`` adds what the recommendation costs on this computer (``estimate``). The level stays
the one the data calls for: whatever the level, the new head is trained first and is a usable
model within the first phase, and Stop keeps the best model so far, so a long fine-tune costs
waiting, not a model. The reason says how long, and when a fine-tune is long here, that the head
alone may be enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tlgui.core.i18n import _, ngettext, run_on
from tlgui.core.plan.durations import duration_text
from tlgui.core.plan.freezing import freezable_stages, max_freeze_level
from tlgui.core.plan.regime import Regime

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork

HEAD_ONLY_BELOW = 250
PARTIAL_BELOW = 1500
PARTIAL_FRACTION = 0.25
PARTIAL_MIN_STAGES = 2
#: A fine-tune longer than this on this computer, and many times the head alone, is called long.
LONG_RUN_S = 30 * 60
LONG_RUN_FACTOR = 10


@dataclass(frozen=True)
class Recommendation:
    """A freeze level for ``set_freeze_level``, its regime and one sentence saying why."""

    level: int
    regime: Regime
    reason: str


def photos_per_class(images_per_class: Mapping[str, int]) -> int:
    """The median class's photo count: one large or tiny class does not decide for all."""
    # Not statistics.median: importing it (with decimal and fractions) costs more than this, and the
    # Data page asks before the window first paints.
    counts = sorted(images_per_class.values())
    if not counts:
        return 0
    middle = len(counts) // 2
    return round(counts[middle] if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2)


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
        return Recommendation(0, Regime.HEAD, _("With no photos yet, start by training only the new head."))
    per_class = photos_per_class(images_per_class)
    regime = recommended_regime(images_per_class)
    top = max_freeze_level(net)
    level = {Regime.HEAD: 0, Regime.PARTIAL: partial_level(net), Regime.FULL: top}[regime]
    # A network too shallow for a partial level gets the nearest whole one.
    regime = regime_of_level(level, net)
    if regime is Regime.HEAD:
        return Recommendation(
            0,
            Regime.HEAD,
            ngettext(
                "With about {n} photo per class, train only the new head on cached features: "
                "fine-tuning more layers would overfit.",
                "With about {n} photos per class, train only the new head on cached features: "
                "fine-tuning more layers would overfit.",
                per_class,
            ).format(n=per_class),
        )
    if regime is Regime.PARTIAL:
        first = net.stage_names[freezable_stages(net)[top - level]]
        return Recommendation(
            level,
            Regime.PARTIAL,
            _(
                "With about {n} photos per class, train the new head and the last {level} stages (from "
                "{first} on): enough to adapt the top layers, too few for the whole network (that takes "
                "about {enough} per class)."
            ).format(n=per_class, level=level, first=first, enough=PARTIAL_BELOW),
        )
    return Recommendation(
        top,
        Regime.FULL,
        _(
            "With about {n} photos per class, fine-tune the whole network from its pretrained start: "
            "there is enough data to adapt every layer."
        ).format(n=per_class),
    )


def weigh_time(recommendation: Recommendation, first_model_s: float, total_s: Mapping[int, float]) -> Recommendation:
    """``recommendation`` with its cost here added to the reason (see the module docstring).

    ``first_model_s``: seconds until the first usable model (the head phase, the same for every
    level); ``total_s``: seconds of a whole run at each level estimated. Unchanged when its level
    has no estimate.
    """
    own = total_s.get(recommendation.level)
    if own is None:
        return recommendation
    if recommendation.regime is Regime.HEAD:
        sentences = [_("Here it takes {duration}.").format(duration=duration_text(own))]
        longer = {level: s for level, s in total_s.items() if level > 0}
        if longer:
            level = min(longer)
            sentences.append(ngettext(
                "Fine-tuning the last {level} stage too would take {duration}.",
                "Fine-tuning the last {level} stages too would take {duration}.", level,
            ).format(level=level, duration=duration_text(longer[level])))
        return replace(recommendation, reason=run_on(recommendation.reason, *sentences))
    sentences = [_(
        "Here that takes {duration}; a usable model (the new head) comes first, after {first}, and Stop keeps "
        "the best model so far."
    ).format(duration=duration_text(own), first=duration_text(first_model_s))]
    if own > LONG_RUN_S and own > LONG_RUN_FACTOR * first_model_s:
        sentences.append(_("That is long on this computer: the head alone may be enough; check its accuracy when it "
                           "arrives."))
    return replace(recommendation, reason=run_on(recommendation.reason, *sentences))


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


#: Class balancing weighs a photo of a rare class at most this many times a photo of the largest
#: class (training.loop): classes more uneven than this are more than it can make up for.
MAX_BALANCED_RATIO = 10


def uneven_classes_warning(images_per_class: Mapping[str, int]) -> str | None:
    """A sentence when the largest class has more than ``MAX_BALANCED_RATIO`` times the photos of the
    smallest (that still has photos), else None."""
    counts = {name: n for name, n in images_per_class.items() if n > 0}
    if len(counts) < 2:
        return None
    largest = max(counts, key=counts.__getitem__)
    smallest = min(counts, key=counts.__getitem__)
    if counts[largest] <= MAX_BALANCED_RATIO * counts[smallest]:
        return None
    return _(
        "The classes are very uneven: {largest} has {large} photos, {smallest} only {small}. Training "
        "weighs the smaller classes up to {ratio} times, not more, so expect their answers to be less "
        "reliable; add photos to them if you can."
    ).format(largest=largest, large=f"{counts[largest]:,}", smallest=smallest, small=f"{counts[smallest]:,}",
             ratio=MAX_BALANCED_RATIO)


def class_size_warning(count: int, regime: Regime = Regime.HEAD) -> tuple[str, str] | None:
    """("error" | "warning", sentence) when a class has too few photos for ``regime``, else None."""
    if count < MIN_PHOTOS_TO_TRAIN:
        return (
            "error",
            ngettext(
                "Needs at least {minimum} photos to train; it has {count}. Add photos or delete this class.",
                "Needs at least {minimum} photos to train; it has {count}. Add photos or delete this class.",
                count,
            ).format(minimum=MIN_PHOTOS_TO_TRAIN, count=count),
        )
    enough = ENOUGH_PHOTOS[Regime(regime)]
    if count < enough:
        if regime == Regime.HEAD:
            return (
                "warning",
                ngettext(
                    "Only {count} photo: the classifier will hardly learn this class. Aim for 20 or more.",
                    "Only {count} photos: the classifier will hardly learn this class. Aim for 20 or more.",
                    count,
                ).format(count=count),
            )
        if regime == Regime.FULL:
            sentence = _("Only {count} photos: too few to retrain the whole network (about {enough} or more "
                         "per class); training only the head suits this class better.")
        else:
            sentence = _("Only {count} photos: too few to retrain the last stages (about {enough} or more "
                         "per class); training only the head suits this class better.")
        return "warning", sentence.format(count=count, enough=enough)
    return None
