"""How many photos a class needs for each regime: the rule behind the Data page's bin warnings."""

from __future__ import annotations

import pytest

from tlgui.core.backbones import create_backbone
from tlgui.core.plan.freezing import max_freeze_level
from tlgui.core.plan.recommend import class_size_warning, regime_of_level


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
