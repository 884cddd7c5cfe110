"""How many photos a class needs for each regime: the rule behind the Data page's bin warnings."""

from __future__ import annotations

import pytest

from tlgui.core.backbones import create_backbone
from tlgui.core.plan.freezing import max_freeze_level
from tlgui.core.plan.recommend import (
    MAX_BALANCED_RATIO,
    class_size_warning,
    regime_of_level,
    uneven_classes_warning,
)


def test_few_photos_warn_and_too_few_block():
    assert class_size_warning(1)[0] == "error"
    assert class_size_warning(4)[0] == "warning"
    assert class_size_warning(5) is None
    # Retraining stages needs more photos per class than a head does.
    assert class_size_warning(30, "partial")[0] == "warning"
    assert class_size_warning(60, "partial") is None
    assert class_size_warning(100, "full")[0] == "warning"
    assert class_size_warning(1, "full")[0] == "error"


@pytest.fixture(scope="module")
def lite0():
    return create_backbone("efficientnet_lite0", pretrained=False)


def test_the_freeze_level_decides_which_regime_a_class_is_judged_for(lite0):
    top = max_freeze_level(lite0)
    assert regime_of_level(None, lite0) == "head"  # not chosen yet
    assert regime_of_level(0, lite0) == "head"
    assert regime_of_level(1, lite0) == "partial"
    assert regime_of_level(top, lite0) == "full"
    assert regime_of_level(top + 5, lite0) == "full"  # above the stage count means everything
    assert regime_of_level(2, None) == "partial"  # no network loaded yet: not known to be everything


def test_class_balancing_weighs_a_rare_class_at_most_ten_times_the_largest():
    import torch

    from tlgui.core.training.loop import class_weights

    # Uncapped, trashnet's paper 594, metal 10 and glass 3 weighed glass 198 times paper, and the
    # head called every photo glass.
    weights = class_weights(torch.tensor([594, 10, 3]))
    assert weights[2] / weights[0] == pytest.approx(MAX_BALANCED_RATIO)
    assert weights[1] / weights[0] == pytest.approx(MAX_BALANCED_RATIO)
    # Within the ratio: inverse frequency as before, balanced data weighing exactly 1.
    weights = class_weights(torch.tensor([594, 137]))
    assert weights[1] / weights[0] == pytest.approx(594 / 137)
    assert class_weights(torch.tensor([7, 7, 7])).tolist() == [1.0, 1.0, 1.0]


def test_classes_more_uneven_than_balancing_makes_up_for_are_warned_of():
    assert uneven_classes_warning({"paper": 594, "trash": 137}) is None
    assert uneven_classes_warning({"paper": 100, "glass": 10}) is None  # exactly the ratio
    sentence = uneven_classes_warning({"paper": 594, "metal": 10, "glass": 3, "empty": 0})
    assert sentence == ("The classes are very uneven: paper has 594 photos, glass only 3. Training weighs the "
                        "smaller classes up to 10 times, not more, so expect their answers to be less reliable; "
                        "add photos to them if you can.")
    assert uneven_classes_warning({"paper": 594}) is None
