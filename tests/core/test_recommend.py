"""The freeze level recommended from the number of photos per class."""

from __future__ import annotations

import pytest

from tlgui.core.backbones import create_backbone
from tlgui.core.plan.freezing import (
    current_freeze_level,
    freeze_level_names,
    max_freeze_level,
    set_freeze_level,
)
from tlgui.core.plan.recommend import recommend, recommended_regime, regime_of_level
from tlgui.core.plan.regime import Regime


@pytest.fixture(scope="module")
def lite0():
    return create_backbone("efficientnet_lite0", pretrained=False)


@pytest.fixture(scope="module")
def resnet18():
    return create_backbone("resnet18", pretrained=False)


def _one_sentence(text: str) -> bool:
    return text.endswith(".") and ". " not in text and text[0].isupper()


def test_few_photos_train_only_the_head(lite0):
    rec = recommend({"ants": 124, "bees": 121}, lite0)
    assert (rec.level, rec.regime) == (0, "head")
    assert "about 122 photos per class" in rec.reason and "only the new head" in rec.reason
    assert _one_sentence(rec.reason)


def test_hundreds_of_photos_train_the_top_stages(lite0, resnet18):
    rec = recommend(
        {"cardboard": 403, "glass": 501, "metal": 410, "paper": 594, "plastic": 482, "trash": 137}, lite0
    )
    assert (rec.level, rec.regime) == (2, "partial")  # blocks.6 and conv_head
    assert "about 446 photos per class" in rec.reason and "from blocks.6" in rec.reason
    assert _one_sentence(rec.reason)
    assert recommend({"a": 500, "b": 500}, resnet18).level == 2  # layer3 and layer4


def test_thousands_of_photos_fine_tune_everything(lite0):
    rec = recommend({"a": 1200, "b": 3000}, lite0)
    assert (rec.level, rec.regime) == (max_freeze_level(lite0), "full")
    assert freeze_level_names(lite0)[rec.level] == "Everything (full fine-tune)"
    assert "2100" in rec.reason and _one_sentence(rec.reason)


@pytest.mark.parametrize(
    ("per_class", "regime"), [(1, "head"), (249, "head"), (250, "partial"), (1499, "partial"), (1500, "full")]
)
def test_thresholds(lite0, per_class, regime):
    assert recommend({"a": per_class, "b": per_class}, lite0).regime == regime


def test_the_median_class_decides_not_the_largest(lite0):
    rec = recommend({"a": 10, "b": 20, "c": 5000}, lite0)
    assert rec.regime == "head" and "about 20 photos" in rec.reason


def test_the_recommended_level_applies_cleanly(resnet18):
    for counts in ({"a": 50}, {"a": 400}, {"a": 4000}):
        rec = recommend(counts, resnet18)
        set_freeze_level(resnet18, rec.level)
        assert current_freeze_level(resnet18) == rec.level


def test_no_photos_yet(lite0):
    rec = recommend({}, lite0)
    assert (rec.level, rec.regime) == (0, "head") and _one_sentence(rec.reason)


@pytest.mark.parametrize("per_class", [0, 1, 249, 250, 1499, 1500, 4000])
def test_the_regime_needs_no_network_and_matches_the_level(lite0, per_class):
    counts = {"a": per_class, "b": per_class}
    rec = recommend(counts, lite0)
    assert rec.regime is recommended_regime(counts) is regime_of_level(rec.level, lite0)
    assert isinstance(rec.regime, Regime) and rec.regime == rec.regime.value  # stored as the plain string
