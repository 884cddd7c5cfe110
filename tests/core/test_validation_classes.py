"""A class without validation photos trains, but its scores are not made up: the run warns that the
accuracy says nothing about it, and its recall (its precision, when never predicted) is None."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from photos import write_learnable_tree

from tlgui.core.data.bins import DataSet
from tlgui.core.errors import DataError
from tlgui.core.models.modelfile import load_classifier, save_classifier
from tlgui.core.plan.recommend import MIN_PHOTOS_TO_TRAIN, class_size_warning
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.metrics import EvaluationReport, evaluate
from tlgui.core.training.runs import report_from_dict
from tlgui.core.training.summary import ModelMetrics
from tlgui.core.training.trainer import TrainConfig, train


def _dataset(root: Path) -> DataSet:
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset


def _consistent_with_the_matrix(report: EvaluationReport) -> None:
    """None exactly where the confusion matrix leaves a score undefined."""
    for i, (precision, recall) in enumerate(zip(report.precision, report.recall, strict=True)):
        assert (precision is None) == (sum(row[i] for row in report.confusion) == 0)
        assert (recall is None) == (sum(report.confusion[i]) == 0)


def test_a_class_of_one_photo_is_refused_with_the_rule_the_data_page_shows(tmp_path, bundled_network):
    # It trained, unchecked, and with the loss weighing it hundreds of times a common photo the head
    # answered that class for everything (0.8% on trashnet's paper); the Data page already called it
    # an error. One rule now, training's.
    write_learnable_tree(tmp_path / "photos", {"red": 10, "blue": 1, "green": 2})
    with pytest.raises(DataError, match=r"at least 2 photos.*one to learn from and one to check it.*: blue \(1\)\."):
        train(_dataset(tmp_path / "photos"), TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
              cache=FeatureCache(tmp_path / "c"))
    assert class_size_warning(1)[0] == "error" and class_size_warning(MIN_PHOTOS_TO_TRAIN)[0] == "warning"


def test_classes_without_validation_photos_train_and_the_run_says_the_accuracy_says_nothing_of_them(
        tmp_path, bundled_network):
    # Given train/ and val/ folders, a class may have none of its photos on the validation side.
    write_learnable_tree(tmp_path / "photos" / "train", {"red": 8, "blue": 2, "green": 2})
    write_learnable_tree(tmp_path / "photos" / "val", {"red": 3}, start=8)
    result = train(_dataset(tmp_path / "photos"), TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   cache=FeatureCache(tmp_path / "c"))
    assert result.warnings == ("The classes blue, green have no validation photos, so the validation accuracy "
                               "says nothing about them.",)
    report = result.report
    assert {p.true_label for p in report.predictions} == {"red"}
    assert report.recall[report.class_names.index("blue")] is None
    assert report.recall[report.class_names.index("red")] is not None
    _consistent_with_the_matrix(report)
    metrics = result.classifier.metrics
    assert metrics.recall["blue"] is None and metrics.recall["green"] is None

    # The model file stores a number per class, as its readers ask; the matrix puts None back.
    path = tmp_path / "model.safetensors"
    save_classifier(result.classifier, path)
    stored = load_classifier(path).metrics
    assert stored == metrics
    _consistent_with_the_matrix(stored.report(result.classifier.class_names))


def test_a_class_whose_validation_photos_are_all_unreadable_is_named(learnable_tree, bundled_network, tmp_path):
    dataset = _dataset(learnable_tree)
    _, val_items = dataset.split(0.2, 0)
    lost = [item.path for item in val_items if item.label == "blue"]
    assert lost
    for path in lost:
        path.unlink()
    result = train(dataset, TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   cache=FeatureCache(tmp_path / "c"))
    assert sorted(s.path for s in result.skipped) == sorted(lost)
    assert result.warnings == ("The class blue has no validation photos, so the validation accuracy says nothing "
                               "about it.",)
    assert result.report.recall[result.report.class_names.index("blue")] is None


def test_a_run_with_every_class_validated_warns_of_none(learnable_tree, bundled_network, tmp_path):
    result = train(_dataset(learnable_tree), TrainConfig(epochs=1, freeze_level=0), backbone=bundled_network,
                   cache=FeatureCache(tmp_path / "c"))
    assert result.warnings == ()


def test_scores_without_photos_or_predictions_are_none_and_stored_as_zero():
    # Two photos of "a", both predicted "a"; "b" has none, "c" one, predicted "a".
    probabilities = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.7, 0.1, 0.2]])
    report = evaluate(["a", "b", "c"], [Path("1"), Path("2"), Path("3")], np.array([0, 0, 2]), probabilities)
    assert report.precision == [2 / 3, None, None] and report.recall == [1.0, None, 0.0]
    stored = report.to_dict()
    assert stored["precision"] == [2 / 3, 0.0, 0.0] and stored["recall"] == [1.0, 0.0, 0.0]
    # Read back, by the project file's reader too: the matrix decides again.
    for read in (EvaluationReport.from_dict(stored), report_from_dict(stored)):
        assert read.precision == report.precision and read.recall == report.recall

    metrics = ModelMetrics.of_run(report, [], 0, 10)
    assert metrics.precision == {"a": 2 / 3, "b": None, "c": None}
    written = metrics.to_dict()
    assert written["recall"] == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert ModelMetrics.from_dict(written, ["a", "b", "c"]) == metrics
    # A file without a matrix cannot tell: its scores are read as they are.
    assert ModelMetrics.from_dict({"recall": written["recall"]}, ["a", "b", "c"]).recall["b"] == 0.0
