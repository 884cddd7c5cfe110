"""Typed summaries read every model file written so far and write the same JSON keys back."""

from __future__ import annotations

import json

import pytest

from tlgui.core.errors import ModelFileError
from tlgui.core.models.modelfile import model_summaries
from tlgui.core.plan.regime import Regime
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.summary import EpochStats, ModelMetrics, RunTimings, TrainingSummary

CLASSES = ["ants", "bees"]


def _stored_metrics() -> dict:
    """The "metrics" of a model file as the trainer has written it."""
    return {
        "accuracy": 0.75,
        "best_epoch": 3,
        "epochs_run": 5,
        "val_loss": 0.61,
        "precision": {"ants": 1.0, "bees": 0.6666666666666666},
        "recall": {"ants": 0.5, "bees": 1.0},
        "confusion": [[1, 1], [0, 2]],
        "train_images": 16,
        "val_images": 4,
    }


def _stored_training() -> dict:
    """The "training" of a model file as the trainer has written it."""
    epoch = {"epoch": 1, "epochs": 5, "train_loss": 0.7, "val_loss": 0.65, "val_accuracy": 0.5,
             "seconds": 0.2, "learning_rate": 0.003, "best": True}
    return {
        "config": TrainConfig(epochs=5, freeze_level=0).to_dict(),
        "regime": "head",
        "freeze_level": 0,
        "trainable_parameters": 2562,
        "total_parameters": 3_373_634,
        "device": "cpu",
        "history": [epoch, {**epoch, "epoch": 2, "train_loss": float("nan"), "best": False}],
        "timings": {"prepare_s": 1.5, "train_s": 0.4, "evaluate_s": 0.01, "total_s": 2.0},
    }


def test_stored_summaries_round_trip_to_the_same_json():
    metrics = ModelMetrics.from_dict(_stored_metrics(), CLASSES)
    training = TrainingSummary.from_dict(_stored_training())
    assert json.dumps(metrics.to_dict()) == json.dumps(_stored_metrics())
    assert json.dumps(training.to_dict()) == json.dumps(_stored_training())


def test_drivers_read_attributes():
    metrics = ModelMetrics.from_dict(_stored_metrics(), CLASSES)
    training = TrainingSummary.from_dict(_stored_training())
    assert metrics.accuracy == 0.75 and metrics.precision["bees"] == pytest.approx(2 / 3)
    assert training.regime is Regime.HEAD and training.regime.title == "head only"
    assert training.config == TrainConfig(epochs=5, freeze_level=0)
    assert training.history[0] == EpochStats(1, 5, 0.7, 0.65, 0.5, 0.2, 0.003, best=True)
    assert training.timings == RunTimings(1.5, 0.4, 0.01, 2.0)


def test_summaries_missing_keys_and_lists_per_class_still_open():
    metrics = ModelMetrics.from_dict({"accuracy": 0.875, "recall": [1.0, 0.75]}, CLASSES)
    assert metrics.recall == {"ants": 1.0, "bees": 0.75} and metrics.best_epoch is None
    assert metrics.report(CLASSES) is None  # no confusion matrix: nothing to show as a report
    assert ModelMetrics.from_dict({}, CLASSES) == ModelMetrics()
    training = TrainingSummary.from_dict({"config": {"epochs": 2}})
    assert training.config == TrainConfig(epochs=2) and training.regime is None and training.history == []


def test_an_untrained_classifier_writes_empty_summaries():
    assert ModelMetrics().to_dict() == {} and TrainingSummary().to_dict() == {}


def test_the_stored_report_has_the_class_order_of_the_model():
    report = ModelMetrics.from_dict(_stored_metrics(), CLASSES).report(CLASSES)
    assert report.accuracy == 0.75 and report.confusion == [[1, 1], [0, 2]]
    assert report.precision == [1.0, pytest.approx(2 / 3)] and report.recall == [0.5, 1.0]
    assert report.predictions == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"accuracy": "high"}, "not a number"),
        ({"accuracy": 7.5}, "not a fraction"),
        ({"best_epoch": 2.5}, "not a whole number"),
        ({"confusion": [[1, 2]]}, "not 2 by 2"),
        ({"confusion": [[1, "x"], [0, 2]]}, "not a whole number"),
        ({"recall": [1.0]}, "1 values for 2 classes"),
        ({"precision": "all good"}, "not a mapping"),
    ],
)
def test_invalid_metrics_are_refused(change, words):
    with pytest.raises(ValueError, match=words):
        ModelMetrics.from_dict({**_stored_metrics(), **change}, CLASSES)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"regime": "sideways"}, "unknown regime"),
        ({"history": {"epoch": 1}}, "not a list"),
        ({"history": [{"epoch": 1}]}, "lacks epochs"),
        ({"timings": {"total_s": "long"}}, "not a number"),
        ({"freeze_level": True}, "not a whole number"),
        ({"config": ["epochs", 5]}, "not a mapping"),
    ],
)
def test_invalid_training_summaries_are_refused(change, words):
    with pytest.raises(ValueError, match=words):
        TrainingSummary.from_dict({**_stored_training(), **change})


def test_a_model_file_with_an_invalid_summary_is_one_sentence():
    meta = {"class_names": CLASSES, "metrics": _stored_metrics(), "training": {**_stored_training(), "regime": 3}}
    with pytest.raises(ModelFileError, match=r"^cats\.safetensors is damaged: its training summary is invalid"):
        model_summaries(meta, "cats.safetensors")
    metrics, training = model_summaries({"class_names": CLASSES}, "old.safetensors")
    assert metrics == ModelMetrics() and training == TrainingSummary()
