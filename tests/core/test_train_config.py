"""TrainConfig's rules: every setting is checked where it is made, the same for window, CLI and project file."""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlgui.core.errors import SettingsError, TlguiError
from tlgui.core.plan.regime import Regime
from tlgui.core.training.config import (
    FINE_TUNE_CACHED_VIEWS,
    MAX_BATCH_SIZE,
    MAX_CACHED_VIEWS,
    MAX_EPOCHS,
    MAX_FREEZE_LEVEL,
    MAX_LEARNING_RATE,
    MAX_SEED,
    TrainConfig,
    cached_views_of,
)

REFUSED = [
    ("epochs", 0), ("epochs", -3), ("epochs", MAX_EPOCHS + 1), ("epochs", 3.0), ("epochs", "30"), ("epochs", True),
    ("epochs", None),
    ("batch_size", 0), ("batch_size", MAX_BATCH_SIZE + 1), ("batch_size", 8.5),
    ("learning_rate", 0.0), ("learning_rate", -1.0), ("learning_rate", math.nan), ("learning_rate", math.inf),
    ("learning_rate", MAX_LEARNING_RATE * 2), ("learning_rate", "1e-3"), ("learning_rate", False),
    ("weight_decay", -1e-4), ("weight_decay", math.nan), ("weight_decay", 2.0), ("weight_decay", None),
    ("label_smoothing", 1.0), ("label_smoothing", -0.1), ("label_smoothing", math.nan),
    ("freeze_level", -1), ("freeze_level", MAX_FREEZE_LEVEL + 1), ("freeze_level", "head"), ("freeze_level", 1.5),
    ("trainable_overrides", {"stages.stem": 1}), ("trainable_overrides", {3: True}), ("trainable_overrides", []),
    ("trainable_overrides", None),
    ("cached_views", -1), ("cached_views", MAX_CACHED_VIEWS + 1),
    ("val_fraction", 0.0), ("val_fraction", 1.0), ("val_fraction", 1.5), ("val_fraction", -0.2),
    ("val_fraction", math.nan),
    ("seed", -1), ("seed", MAX_SEED + 1), ("seed", "0"),
    ("early_stopping_patience", 0), ("early_stopping_patience", 2.0),
    ("balance_classes", 1), ("use_cache", "yes"), ("augment", None), ("mixed_precision", 0),
    ("augment_strength", "extreme"), ("augment_strength", None),
    ("device", "tpu"), ("device", "cuda:x"), ("device", "cuda:"), ("device", ""), ("device", 0), ("device", None),
]


@pytest.mark.parametrize("setting, value", REFUSED)
def test_each_unusable_value_is_refused_in_one_sentence(setting, value):
    with pytest.raises(SettingsError) as caught:
        TrainConfig(**{setting: value})
    message = str(caught.value)
    assert caught.value.setting == setting
    assert message[0].isupper() and message.endswith(".") and "\n" not in message
    # The sentence shows what was refused, so the user can find it.
    shown = repr(value) if isinstance(value, str) else str(value)
    assert shown[:30] in message or setting == "trainable_overrides"


def test_a_settings_error_is_a_tlgui_error_and_not_a_value_error():
    with pytest.raises(SettingsError) as caught:
        TrainConfig(epochs=0)
    assert isinstance(caught.value, TlguiError) and not isinstance(caught.value, ValueError)


def test_the_same_rules_apply_to_a_changed_copy():
    # The window edits settings with dataclasses.replace: the rules run there too.
    with pytest.raises(SettingsError, match="validation fraction"):
        replace(TrainConfig(), val_fraction=1.5)


@pytest.mark.parametrize(
    "changes",
    [
        {"epochs": 1}, {"epochs": MAX_EPOCHS}, {"batch_size": MAX_BATCH_SIZE}, {"learning_rate": MAX_LEARNING_RATE},
        {"learning_rate": 1e-7}, {"weight_decay": 0}, {"label_smoothing": 0}, {"cached_views": MAX_CACHED_VIEWS},
        {"val_fraction": 0.01}, {"val_fraction": 0.99}, {"seed": MAX_SEED}, {"early_stopping_patience": None},
        {"freeze_level": 0}, {"freeze_level": MAX_FREEZE_LEVEL}, {"device": "cuda:1"}, {"device": "mps"},
        {"trainable_overrides": {"stages.stem": True, "head": False}}, {"augment_strength": "strong"},
    ],
)
def test_values_at_the_edges_are_accepted(changes):
    config = TrainConfig(**changes)
    assert {k: getattr(config, k) for k in changes} == changes


def test_numbers_are_stored_as_plain_python_numbers():
    config = TrainConfig(epochs=np.int64(12), learning_rate=np.float32(0.5), weight_decay=0, device=" CUDA:0 ")
    assert type(config.epochs) is int and config.epochs == 12
    assert type(config.learning_rate) is float and config.learning_rate == 0.5
    assert type(config.weight_decay) is float
    assert config.device == "cuda:0"
    json.dumps(config.to_dict())  # what a project file stores


def test_from_dict_round_trips_and_ignores_keys_from_newer_versions():
    config = TrainConfig(epochs=7, learning_rate=3e-4, trainable_overrides={"blocks.6": True}, device="cpu")
    saved = json.loads(json.dumps(config.to_dict()))
    assert TrainConfig.from_dict({**saved, "a_setting_from_the_future": 1}) == config
    # An older project lacks newer settings: they take their defaults.
    assert TrainConfig.from_dict({"epochs": 7}) == TrainConfig(epochs=7)


@pytest.mark.parametrize("document", [[], "epochs=3", None, 3])
def test_from_dict_refuses_settings_that_are_not_a_table(document):
    with pytest.raises(SettingsError, match="training settings"):
        TrainConfig.from_dict(document)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_SETTING_NAMES = [f.name for f in fields(TrainConfig)]


@settings(max_examples=100, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(_SETTING_NAMES), _JSON_VALUES, max_size=4))
def test_any_settings_from_a_file_give_a_usable_config_or_one_sentence(document):
    try:
        config = TrainConfig.from_dict(document)
    except SettingsError as exc:
        assert str(exc).endswith(".") and "\n" not in str(exc)
        return
    # Whatever was accepted survives the trip through a project file unchanged.
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize("cached_views", [0, FINE_TUNE_CACHED_VIEWS, FINE_TUNE_CACHED_VIEWS + 2])
def test_each_phase_caches_the_views_its_regime_is_given(cached_views):
    config = TrainConfig(cached_views=cached_views)
    assert cached_views_of(config, Regime.HEAD) == cached_views
    assert cached_views_of(config, Regime.PARTIAL) == max(cached_views, FINE_TUNE_CACHED_VIEWS)
    assert cached_views_of(config, Regime.FULL) == 0  # it decodes and augments its photos every epoch
    plain = replace(config, augment=False)
    assert [cached_views_of(plain, regime) for regime in Regime] == [0, 0, 0]
