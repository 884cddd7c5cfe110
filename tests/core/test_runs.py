"""Every run kept: what a run records, which run is in use, the bounds, and runs in project files.

Runs come from real training (the bundled backbone, head only, on generated photos); the rule
tests change only a run's evaluation, to say exactly how good it is and on which photos.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from photos import write_learnable_tree

from tlgui.core.data.bins import DataSet
from tlgui.core.errors import ModelFileError, TlguiError
from tlgui.core.models.modelfile import classifier_to_bytes
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken, Phase
from tlgui.core.project import (
    MODEL_MEMBER,
    PROJECT_JSON,
    Project,
    load_project,
    run_document_member,
    run_model_member,
    save_project,
)
from tlgui.core.training import runs as runs_module
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.metrics import ValPrediction
from tlgui.core.training.results import BestSoFar
from tlgui.core.training.runs import (
    MAX_KEPT_MODELS,
    MAX_MARKED_RUNS,
    Run,
    RunHistory,
    RunInProgress,
    RunStatus,
    bounded_predictions,
    model_size_estimate,
    run_from_result,
    validation_key,
)
from tlgui.core.training.summary import epoch_count
from tlgui.core.training.trainer import TrainConfig, train

BACKBONE = "efficientnet_lite0"


class StopAfter(TrainingCallback):
    def __init__(self, epoch: int, token: CancelToken):
        self.epoch, self.token = epoch, token

    def on_epoch_end(self, stats):
        if stats.epoch == self.epoch:
            self.token.cancel()


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> DataSet:
    root = tmp_path_factory.mktemp("photos")
    write_learnable_tree(root, {"red": 8, "blue": 8})
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> FeatureCache:
    return FeatureCache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def finished(photos, cache, bundled_network):
    """A real head-only run that ran to its end, with hand-set layers in its settings."""
    config = TrainConfig(epochs=6, freeze_level=0, trainable_overrides={"stages.no_such_stage": True}, device="cpu")
    return train(photos, config, backbone=bundled_network, cache=cache)


@pytest.fixture(scope="module")
def stopped(photos, cache, bundled_network):
    """A real run stopped by the user after its second epoch."""
    token = CancelToken()
    config = TrainConfig(epochs=20, freeze_level=0, early_stopping_patience=None, device="cpu", learning_rate=1e-4)
    return train(photos, config, backbone=bundled_network, callbacks=[StopAfter(2, token)], cancel=token, cache=cache)


def scored(result, accuracy: float, *, elsewhere: bool = False):
    """``result`` with an evaluation of ``accuracy`` on its validation photos (or on other ones)."""
    report = result.report
    predictions = [replace(p, path=Path("/elsewhere") / p.path.name) if elsewhere else p for p in report.predictions]
    return replace(result, report=replace(report, accuracy=accuracy, predictions=predictions))


# ---- what a run records -------------------------------------------------------------------------------
def test_a_run_keeps_everything_the_result_had(finished):
    run = run_from_result(finished, 1)
    assert (run.id, run.name, run.status, run.stopped) == (1, "Run 1", RunStatus.FINISHED, False)
    assert run.backbone_id == BACKBONE and run.regime is Regime.HEAD and run.freeze_level == 0
    assert run.config.epochs == 6 and run.config.trainable_overrides == {"stages.no_such_stage": True}
    assert run.history == finished.history and run.best_epoch == finished.best_epoch
    assert run.timings == finished.timings and run.timings.total_s > 0
    assert run.report.confusion == finished.report.confusion
    assert run.report.predictions == finished.report.predictions and run.predictions_left_out == 0
    assert run.validation_key == validation_key(finished.report.predictions) != ""
    assert run.classifier is finished.classifier and run.has_model
    assert run.accuracy == finished.report.accuracy and run.train_photos == finished.classifier.metrics.train_images


def test_a_stopped_run_is_a_run_marked_stopped(stopped):
    run = run_from_result(stopped, 2)
    assert run.status is RunStatus.STOPPED and run.stopped and run.has_model
    assert run.epochs_run == 2 and run.config.epochs == 20


# ---- which run is in use -----------------------------------------------------------------------------------
def test_the_first_run_goes_in_use_without_a_word(finished):
    runs = RunHistory()
    added = runs.add_result(finished)
    assert added.in_use and added.note == "" and runs.in_use is added.run


def test_a_worse_stopped_run_on_the_same_photos_is_kept_beside_the_run_in_use(finished, stopped):
    runs = RunHistory()
    good = runs.add_result(scored(finished, 0.938)).run
    added = runs.add_result(scored(stopped, 0.5))
    assert not added.in_use and runs.in_use is good
    assert added.note == ("It is kept as run 2; run 1 stays in use: 50.0% does not beat its 93.8% "
                          "on the same validation photos.")
    assert [r.id for r in runs] == [1, 2] and added.run.has_model and good.has_model


def test_a_better_run_on_the_same_photos_goes_in_use(finished, stopped):
    runs = RunHistory()
    runs.add_result(scored(stopped, 0.5))
    runs.rename(1, "first try")
    added = runs.add_result(scored(finished, 0.75))
    assert added.in_use and runs.in_use_id == 2
    assert added.note == "Run 2 is now in use: its 75.0% beats the 50.0% of “first try” on the same validation photos."


def test_a_tie_keeps_the_run_in_use(finished):
    runs = RunHistory()
    runs.add_result(scored(finished, 0.75))
    assert not runs.add_result(scored(finished, 0.75)).in_use and runs.in_use_id == 1


def test_a_run_checked_on_other_photos_never_replaces_the_run_in_use_by_itself(finished):
    runs = RunHistory()
    runs.add_result(scored(finished, 0.5))
    added = runs.add_result(scored(finished, 1.0, elsewhere=True))
    assert not added.in_use and runs.in_use_id == 1
    assert "checked on different validation photos" in added.note
    runs.use(2)  # the user's choice
    assert runs.in_use_id == 2


RUN_NAMES_REFUSED = {
    # A right-to-left override reversed the rest of every sentence naming the run (Results, Classify,
    # the Delete dialog, the status bar); separators broke its line; a zero-width space showed nothing.
    "a right-to-left override": ("ants\u202egnp.exe", "invisible characters that hide or reorder text (this one holds U+202E)"),
    "an isolate": ("\u2067first", "(this one holds U+2067)"),
    "a zero-width space only": ("\u200b", "(this one holds U+200B)"),
    "a zero-width space inside": ("first\u200btry", "(this one holds U+200B)"),
    "a line separator": ("two\u2028lines", "line breaks or other control characters"),
    "a paragraph separator": ("two\u2029lines", "line breaks or other control characters"),
    "next line": ("two\x85lines", "line breaks or other control characters"),
    "an escape": ("red\x1b[2J", "line breaks or other control characters"),
    "a direction mark only": ("\u200e", "needs a name"),
}


@pytest.mark.parametrize("case", RUN_NAMES_REFUSED)
def test_a_run_name_that_would_not_show_as_typed_is_refused(case, finished):
    runs = RunHistory()
    runs.add_result(finished)
    name, message = RUN_NAMES_REFUSED[case]
    with pytest.raises(TlguiError, match=re.escape(message)):
        runs.rename(1, name)
    assert runs.get(1).name == "Run 1"


def test_a_run_name_of_any_script_is_kept_composed(finished):
    runs = RunHistory()
    runs.add_result(finished)
    for name in ("Everything, stopped 蜜蜂", "chien à poil", "👨\u200d👩\u200d👧 try", "\u200fשלום (2)"):
        assert runs.rename(1, name).name == name
    assert runs.rename(1, " cafe\u0301 \u200d").name == "caf\u00e9"  # trimmed and composed, as typed


def test_use_rename_and_delete(finished):
    runs = RunHistory()
    for _ in range(3):
        runs.add_result(finished)
    runs.use(3)
    assert runs.in_use.id == 3
    assert runs.rename(2, "  everything  ").name == "everything"
    for bad, message in (("  ", "needs a name"), ("x" * 101, "at most 100"), ("two\nlines", "line breaks")):
        with pytest.raises(TlguiError, match=message):
            runs.rename(2, bad)
    assert runs.get(2).name == "everything"
    with pytest.raises(TlguiError, match="no run 9"):
        runs.get(9)
    assert runs.delete(3).id == 3
    assert runs.in_use is None and [r.id for r in runs] == [1, 2]
    added = runs.add_result(finished)  # nothing in use: the new run is, and it says why
    # Not 3 again: "Run 3" may have been exported and shared, and that name is its alone.
    assert added.run.id == 4 and added.in_use and added.note == "Run 4 is in use: no other run was."


# ---- bounds ---------------------------------------------------------------------------------------------------
def test_models_beyond_the_bound_are_let_go_oldest_first_but_never_the_one_in_use(finished):
    runs = RunHistory()
    let_go, said = [], []
    for _ in range(MAX_KEPT_MODELS + 3):
        added = runs.add_result(finished)
        let_go += [r.id for r in added.models_let_go]
        said += [added.sentences()] if added.models_let_go else []
        assert added.run.has_model  # the newest always keeps its model
    kept = [r.id for r in runs if r.has_model]
    assert runs.in_use_id == 1 and len(kept) == MAX_KEPT_MODELS
    assert kept == [1, 5, 6, 7, 8, 9] and let_go == [2, 3, 4]
    assert len(runs) == MAX_KEPT_MODELS + 3  # the runs themselves stay, with curves and results
    assert all(r.report is not None and r.history for r in runs)
    with pytest.raises(TlguiError, match="no model any more"):
        runs.use(2)
    assert said[0].endswith(f" To keep the project within {MAX_KEPT_MODELS} models, the model of run 2 was let go "
                       "(its settings, curves and results stay).")


def test_marked_runs_keep_their_models_and_the_marks_are_bounded(finished):
    runs = RunHistory()
    for _ in range(MAX_MARKED_RUNS + 1):
        runs.add_result(finished)
    for run_id in range(2, MAX_MARKED_RUNS + 2):
        runs.set_keep_model(run_id, True)
    with pytest.raises(TlguiError, match=f"At most {MAX_MARKED_RUNS} runs"):
        runs.set_keep_model(1, True)
    for _ in range(10):
        runs.add_result(finished)
    kept = {r.id for r in runs if r.has_model}
    assert kept == {1, *range(2, MAX_MARKED_RUNS + 2), len(runs)}
    let_go = runs.get(len(runs) - 1)
    with pytest.raises(TlguiError, match="nothing to keep"):
        runs.set_keep_model(let_go.id, True)


def test_the_weights_bound_lets_go_of_models_too(finished, monkeypatch):
    size = model_size_estimate(finished.classifier)
    assert 10_000_000 < size < 30_000_000  # EfficientNet-Lite0 in fp32
    monkeypatch.setattr(runs_module, "MAX_KEPT_MODEL_BYTES", int(3.5 * size))
    runs = RunHistory()
    for _ in range(4):
        runs.add_result(finished)
    assert [r.id for r in runs if r.has_model] == [1, 3, 4]  # in use, the newest, then the next newest


def test_runs_beyond_the_bound_delete_the_oldest_neither_in_use_nor_marked(finished, monkeypatch):
    monkeypatch.setattr(runs_module, "MAX_RUNS", 4)
    runs = RunHistory()
    for _ in range(3):
        runs.add_result(finished)
    runs.set_keep_model(2, True)
    added = runs.add_result(finished)
    assert added.runs_deleted == []
    added = runs.add_result(finished)
    assert [r.id for r in added.runs_deleted] == [3]
    assert [r.id for r in runs] == [1, 2, 4, 5]
    assert "A project keeps 4 runs: run 3 was deleted." in added.sentences()


def test_per_photo_predictions_are_bounded_mistakes_first(finished, monkeypatch):
    right = [ValPrediction(Path(f"/p/r{i}.png"), "red", "red", 0.9) for i in range(6)]
    wrong = [ValPrediction(Path(f"/p/w{i}.png"), "red", "blue", p) for i, p in enumerate((0.6, 0.8, 0.7))]
    kept, left_out = bounded_predictions(right[:3] + wrong + right[3:], 5)
    assert [p.path.name for p in kept] == ["w1.png", "w2.png", "w0.png", "r0.png", "r1.png"] and left_out == 4
    monkeypatch.setattr(runs_module, "MAX_KEPT_PREDICTIONS", 3)
    run = run_from_result(finished, 1)
    total = len(finished.report.predictions)
    assert len(run.report.predictions) == 3 and run.predictions_left_out == total - 3
    # The matrix and the fingerprint still count every photo.
    assert sum(map(sum, run.report.confusion)) == total
    assert run.validation_key == validation_key(finished.report.predictions)


def test_photos_found_at_new_paths_give_their_runs_the_new_paths_and_a_key_of_them(finished, monkeypatch):
    """The key was of the old paths: the same photos found again counted as other validation photos."""
    runs = RunHistory()
    first = runs.add_result(scored(finished, 0.5)).run
    elsewhere = runs.add_result(scored(finished, 0.6, elsewhere=True)).run  # checked on other photos
    monkeypatch.setattr(runs_module, "MAX_KEPT_PREDICTIONS", 3)
    bounded = runs.add_result(scored(finished, 0.4)).run
    untouched = (replace(elsewhere.report), elsewhere.validation_key, bounded.validation_key)
    found = {p.path: Path("/new place") / p.path.name for p in finished.report.predictions}

    assert runs.find_moved_photos(found) == [first, bounded]
    assert [p.path for p in first.report.predictions] == [found[p.path] for p in finished.report.predictions]
    assert first.validation_key == validation_key(first.report.predictions)
    assert runs.add_result(scored(finished, 0.5, elsewhere=True)).note.endswith("do not compare.")
    assert all(p.path in found.values() for p in bounded.report.predictions)
    # The key of a run that left predictions out covers photos it no longer names: it cannot be
    # made again from the new paths, and is kept rather than made of some of them.
    assert (elsewhere.report, elsewhere.validation_key, bounded.validation_key) == untouched
    moved = scored(finished, 0.75)
    moved = replace(moved, report=replace(moved.report, predictions=[
        replace(p, path=found[p.path]) for p in moved.report.predictions]))
    assert runs.add_result(moved).in_use  # the same photos at their new paths: it beats run 1


# ---- runs in project files --------------------------------------------------------------------------------------
def test_runs_round_trip_through_the_project_file(photos, finished, stopped, tmp_path):
    runs = RunHistory()
    runs.add_result(scored(finished, 0.938))
    runs.add_result(scored(stopped, 0.5))
    runs.rename(2, "Everything, stopped 蜜蜂")
    runs.set_keep_model(2, True)
    for _ in range(MAX_KEPT_MODELS):
        runs.add_result(scored(finished, 0.9))
    assert not runs.get(3).has_model  # let go
    path = tmp_path / "runs.tlgui"
    save_project(Project(photos, BACKBONE, TrainConfig(), runs), path)

    opened = load_project(path)
    assert [r.id for r in opened.runs] == [r.id for r in runs]
    assert opened.runs.in_use_id == 1 and opened.classifier is not None
    for before, after in zip(runs, opened.runs, strict=True):
        assert json.dumps(after.to_dict()) == json.dumps(before.to_dict())

        assert after.has_model == before.has_model and after.created == before.created
    stopped_run = opened.runs.get(2)
    assert stopped_run.status is RunStatus.STOPPED and stopped_run.keep_model and stopped_run.epochs_run == 2
    assert stopped_run.report.predictions == runs.get(2).report.predictions
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert torch.equal(opened.classifier.network.eval()(x), finished.classifier.network.eval()(x))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert names[0] == PROJECT_JSON and MODEL_MEMBER not in names
    assert sum(name.endswith(".safetensors") for name in names) == MAX_KEPT_MODELS
    assert run_document_member(3) in names and run_model_member(3) not in names


class SavesMidRun(TrainingCallback):
    """Follows a run as the window does (``RunInProgress``) and saves the project, with the run so
    far, after epoch ``save_after``; then stops the run."""

    def __init__(self, project: Project, path: Path, save_after: int, token: CancelToken):
        self.project, self.path, self.save_after, self.token = project, path, save_after, token
        self.progress = RunInProgress()
        self.messages: list[str] = []

    def on_progress(self, event):
        if event.phase is Phase.TRAIN and event.message:
            self.messages.append(event.message)

    def on_epoch_end(self, stats):
        self.progress.add_epoch(stats)
        if stats.epoch == self.save_after:
            save_project(replace(self.project, runs=self.project.runs.with_run_so_far(self.progress)), self.path)
            self.token.cancel()

    def on_head_result(self, result):
        self.progress.set_head_result(result)


def test_a_deleted_runs_id_is_not_given_again_after_the_project_is_reopened(photos, finished, tmp_path):
    runs = RunHistory()
    for _ in range(3):
        runs.add_result(finished)
    runs.delete(3)
    runs.delete(2)
    path = tmp_path / "deleted.tlgui"
    save_project(Project(photos, BACKBONE, TrainConfig(), runs), path)
    opened = load_project(path).runs
    assert [r.id for r in opened] == [1] and opened.last_id == 3
    assert opened.add_result(finished).run.name == "Run 4"
    # A file written before the field existed gives max + 1, as it always did.
    members = _members(path)
    document = json.loads(members[PROJECT_JSON])
    del document["last_run_id"]
    members[PROJECT_JSON] = json.dumps(document).encode()
    older = tmp_path / "older.tlgui"
    with zipfile.ZipFile(older, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert load_project(older).runs.next_id() == 2


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}



def test_a_run_saved_while_it_fine_tunes_reopens_interrupted_with_its_heads_model(photos, cache, bundled_network,
                                                                               finished, tmp_path):
    earlier = RunHistory()
    earlier.add_result(scored(finished, 0.25, elsewhere=True))  # checked on other photos: stays in use
    project = Project(photos, BACKBONE, TrainConfig(), earlier)
    path = tmp_path / "mid-run.tlgui"
    token = CancelToken()
    follower = SavesMidRun(project, path, save_after=3, token=token)
    config = TrainConfig(epochs=2, freeze_level=1, early_stopping_patience=None, device="cpu")
    result = train(photos, config, backbone=bundled_network, callbacks=[follower], cancel=token, cache=cache)
    assert [s.epoch for s in result.history] == [1, 2, 3] and result.regime is Regime.PARTIAL

    # The project's own runs did not change; the file holds the run so far, as its newest run.
    assert [r.id for r in earlier] == [1] and earlier.get(1).has_model
    opened = load_project(path)
    assert [r.id for r in opened.runs] == [1, 2] and opened.runs.in_use_id == 1
    run = opened.runs.get(2)
    head = follower.progress.head_result
    assert run.status is RunStatus.INTERRUPTED and run.interrupted and not run.stopped
    assert [s.epoch for s in run.history] == [1, 2, 3] and run.epochs_run == 3  # the epoch it reached
    assert run.best_epoch == head.best_epoch <= 2 and run.regime is Regime.HEAD and run.freeze_level == 0
    assert run.report.predictions == head.report.predictions and run.validation_key == validation_key(
        head.report.predictions)
    assert run.has_model and run.classifier.class_names == head.classifier.class_names
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert torch.equal(run.classifier.network.eval()(x), head.classifier.network.eval()(x))
    # Its epochs are counted across the run, in the progress messages too (not "1/2" of the fine-tune).
    assert "Training epoch 3/4: fine-tuning head + last 1 stage" in follower.messages
    assert epoch_count(run.history, run.config.epochs) == (3, 4)


class FollowsRun(TrainingCallback):
    """Follows a run as the window does (``RunInProgress``), every better model of its fine-tune too."""

    def __init__(self):
        self.progress = RunInProgress()
        self.announced = []

    def on_epoch_end(self, stats):
        self.progress.add_epoch(stats)

    def on_head_result(self, result):
        self.progress.set_head_result(result)

    def on_best_so_far(self, best):
        self.progress.set_best_so_far(best)
        self.announced.append(best)


def test_a_run_saved_once_its_fine_tune_beat_the_head_keeps_the_fine_tunes_model(photos, cache, bundled_network,
                                                                                tmp_path):
    follower = FollowsRun()
    # A slow rate: the head is still learning when the fine-tune takes over, which then does better.
    config = TrainConfig(epochs=3, freeze_level=1, early_stopping_patience=None, device="cpu", learning_rate=1e-4)
    result = train(photos, config, backbone=bundled_network, callbacks=[follower], cache=cache)
    head = follower.progress.head_result
    head_epochs = len(head.history)
    announced = follower.announced
    # Each fine-tune epoch that beat the run's best, and only those, was announced, once.
    assert [b.epoch for b in announced] == [s.epoch for s in result.history if s.best and s.epoch > head_epochs]
    assert announced, "the fine-tune never beat its head: these settings no longer show what this test checks"
    best = announced[-1]
    assert best.epoch == result.best_epoch and best.accuracy == result.report.accuracy

    # Built after the run trained on past it (and ended): the model of that epoch, the one it ended with.
    kept = best.result()
    assert kept is best.result() and not kept.cancelled and kept.regime is Regime.PARTIAL
    assert kept.best_epoch == result.best_epoch and kept.report.predictions == result.report.predictions
    assert [s.epoch for s in kept.history] == [s.epoch for s in result.history if s.epoch <= best.epoch]
    assert kept.classifier.training.freeze_level == result.classifier.training.freeze_level == 1
    assert kept.classifier.training.trainable_parameters == result.classifier.training.trainable_parameters
    assert kept.classifier.metrics.best_epoch == result.best_epoch
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert torch.equal(kept.classifier.network.eval()(x), result.classifier.network.eval()(x))
        assert not torch.equal(kept.classifier.network(x), head.classifier.network.eval()(x))

    # What a save while it trained holds: that model, in a run marked interrupted with every epoch so far.
    path = tmp_path / "mid-run.tlgui"
    save_project(Project(photos, BACKBONE, TrainConfig(), RunHistory().with_run_so_far(follower.progress)), path)
    (run,) = load_project(path).runs
    assert run.status is RunStatus.INTERRUPTED and run.best_epoch == result.best_epoch
    assert run.regime is Regime.PARTIAL and run.freeze_level == 1
    assert [s.epoch for s in run.history] == [s.epoch for s in result.history]
    with torch.inference_mode():
        assert torch.equal(run.classifier.network.eval()(x), result.classifier.network.eval()(x))


def test_a_run_so_far_that_cannot_copy_its_better_model_keeps_its_heads(finished):
    def no_memory():
        raise RuntimeError("out of memory")

    progress = RunInProgress()
    progress.set_head_result(finished)
    progress.set_best_so_far(BestSoFar(9, 1.0, no_memory))
    run = progress.run(1)
    assert run.status is RunStatus.INTERRUPTED and run.best_epoch == finished.best_epoch
    assert run.classifier is finished.classifier


def test_a_run_in_progress_without_a_model_adds_nothing():
    runs = RunHistory()
    assert RunInProgress().run(1) is None
    assert len(runs.with_run_so_far(RunInProgress())) == 0


def _version_1_file(path: Path, dataset: DataSet, model: bytes | None) -> None:
    """A project as format 1 wrote it: project.json and, when trained, model.safetensors."""
    document = {"format": "tlgui-project", "format_version": 1, "tlgui_version": "0.1.0",
                "saved": "2024-03-01T10:00:00+00:00", "backbone_id": BACKBONE, "dataset": dataset.to_dict(),
                "config": TrainConfig(epochs=6).to_dict(), "trained": model is not None}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(PROJECT_JSON, json.dumps(document))
        if model is not None:
            archive.writestr(MODEL_MEMBER, model)


@pytest.mark.parametrize("created", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "yesterday"])
def test_a_run_dated_where_no_local_time_exists_is_damaged(finished, created):
    document = {**run_from_result(finished, 1).to_dict(), "created": created}
    with pytest.raises(ValueError, match="its date is missing or invalid"):
        Run.from_dict(document, 1)  # it crashed `tlgui inspect PROJECT` (OverflowError in astimezone)


def test_a_version_1_project_opens_as_one_run_in_use(photos, finished, tmp_path):
    old = tmp_path / "old.tlgui"
    _version_1_file(old, photos, classifier_to_bytes(finished.classifier))
    project = load_project(old)
    (run,) = project.runs
    assert project.runs.in_use is run and run.id == 1 and run.name == "Run 1" and run.has_model
    assert run.created.isoformat() == "2024-03-01T10:00:00+00:00"
    assert run.history == finished.history and run.regime is Regime.HEAD and run.freeze_level == 0
    assert run.report.confusion == finished.report.confusion and run.accuracy == finished.report.accuracy
    assert not run.predictions_recorded and run.report.predictions == []
    assert run.timings == finished.timings

    again = tmp_path / "again.tlgui"
    save_project(project, again)  # written as format 2
    with zipfile.ZipFile(again) as archive:
        assert json.loads(archive.read(PROJECT_JSON))["format_version"] == 2
        assert archive.namelist() == [PROJECT_JSON, run_document_member(1), run_model_member(1)]
    reopened = load_project(again)
    assert json.dumps(reopened.runs.in_use.to_dict()) == json.dumps(run.to_dict())

    untrained = tmp_path / "untrained.tlgui"
    _version_1_file(untrained, photos, None)
    assert len(load_project(untrained).runs) == 0


# ---- forged format-2 files ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_runs_file(photos, finished, stopped, tmp_path_factory) -> dict[str, bytes]:
    """The members of a real project with two runs, both with a model, run 1 in use."""
    runs = RunHistory()
    runs.add_result(scored(finished, 0.938))
    runs.add_result(scored(stopped, 0.5))
    path = tmp_path_factory.mktemp("two") / "two.tlgui"
    save_project(Project(photos, BACKBONE, TrainConfig(), runs), path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _edited(members: dict[str, bytes], **document_changes) -> dict[str, bytes]:
    members = dict(members)
    members[PROJECT_JSON] = json.dumps({**json.loads(members[PROJECT_JSON]), **document_changes}).encode()
    return members


def _run_edited(members: dict[str, bytes], run_id: int, **changes) -> dict[str, bytes]:
    members = dict(members)
    name = run_document_member(run_id)
    members[name] = json.dumps({**json.loads(members[name]), **changes}).encode()
    return members


def _without(members: dict[str, bytes], name: str) -> dict[str, bytes]:
    return {k: v for k, v in members.items() if k != name}


FORGED = {
    "model of an unlisted run": (lambda m: {**m, run_model_member(7): m[run_model_member(2)]},
                                 "holds runs/7.safetensors for a run it does not list"),
    "run document missing": (lambda m: _without(m, run_document_member(2)), "lacks runs/2.json"),
    "model missing": (lambda m: _without(m, run_model_member(2)), "says its run has a model, and the file lacks"),
    "model not announced": (lambda m: _run_edited(m, 2, model=False), "says its run has no model, and the file holds"),
    "in use not listed": (lambda m: _edited(m, run_in_use=5), "is in use is not one of its runs"),
    "in use without a model": (lambda m: _run_edited(_without(m, run_model_member(2)), 2, model=False) | {
        PROJECT_JSON: _edited(m, run_in_use=2)[PROJECT_JSON]}, "not one of its runs with a model"),
    "runs listed twice": (lambda m: _edited(m, runs=[1, 2, 2]), "list of runs is invalid"),
    "runs as text": (lambda m: _edited(m, runs="1,2"), "list of runs is invalid"),
    "last run id as text": (lambda m: _edited(m, last_run_id="9"), "last run id is not a number from 0 to 999,999"),
    "last run id negative": (lambda m: _edited(m, last_run_id=-1), "last run id is not a number"),
    "last run id too large": (lambda m: _edited(m, last_run_id=10**6), "last run id is not a number"),
    "format 1 model in format 2": (lambda m: {**m, MODEL_MEMBER: m[run_model_member(1)]}, "format 2 never does"),
    "runs in a format 1 file": (lambda m: _edited(m, format_version=1, trained=False), "format 1 never did"),
    "another run's model": (lambda m: _run_edited(m, 2, backbone_id="resnet18"), "not the model its run describes"),
    "a name with a line break": (lambda m: _run_edited(m, 1, name="a\nb"), "runs/1.json cannot be read"),
    "a name with a right-to-left override": (lambda m: _run_edited(m, 1, name="a\u202eb"), "invisible characters"),
    "too many marked": (lambda m: _run_edited(m, 1, keep_model="yes"), "runs/1.json cannot be read"),
}


@pytest.mark.parametrize("case", FORGED)
def test_forged_runs_are_one_sentence_naming_the_file(case, two_runs_file, tmp_path):
    make, expected = FORGED[case]
    path = tmp_path / "forged.tlgui"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in make(two_runs_file).items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match=expected) as caught:
        load_project(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_relative_validation_photo_path_is_taken_from_the_project_folder_not_the_working_one(
        two_runs_file, tmp_path, monkeypatch):
    """A hand-edited run naming its photos relative to the project found them where tlgui was started."""
    document = json.loads(two_runs_file[run_document_member(1)])
    document["report"]["predictions"][0][0] = "../photos/red/a.png"
    path = tmp_path / "project" / "edited.tlgui"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in (two_runs_file | {run_document_member(1): json.dumps(document).encode()}).items():
            archive.writestr(name, data)
    monkeypatch.chdir(tmp_path / "project")
    assert load_project(path).runs.get(1).report.predictions[0].path == tmp_path / "photos" / "red" / "a.png"


def test_the_unforged_file_opens(two_runs_file, tmp_path):
    path = tmp_path / "fine.tlgui"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in two_runs_file.items():
            archive.writestr(name, data)
    assert [r.id for r in load_project(path).runs] == [1, 2]


def test_more_models_than_a_project_keeps_are_refused_before_any_is_read(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(PROJECT_JSON, b"{}")
        for run_id in range(1, MAX_KEPT_MODELS + 2):
            archive.writestr(run_model_member(run_id), b"")
    (tmp_path / "models.tlgui").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match=f"holds {MAX_KEPT_MODELS + 1} models, a project at most"):
        load_project(tmp_path / "models.tlgui")


def test_models_claiming_more_than_a_project_holds_are_refused_from_the_directory(two_runs_file, tmp_path,
                                                                                    monkeypatch):
    from tlgui.core import project as project_module

    path = tmp_path / "big.tlgui"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in two_runs_file.items():
            archive.writestr(name, data)
    one_model = len(two_runs_file[run_model_member(1)])
    monkeypatch.setattr(project_module, "MAX_TOTAL_MODEL_BYTES", int(1.5 * one_model))
    from tlgui.core.models import modelfile

    monkeypatch.setattr(modelfile, "classifier_from_bytes", None)  # nothing may get that far
    with pytest.raises(ModelFileError, match="its models claim"):
        load_project(path)


def test_the_largest_project_the_bounds_allow_needs_no_zip64():
    from tlgui.core import project as project_module

    # tlgui refuses zip64 archives, and zipfile switches to zip64 past this offset.
    assert project_module.MAX_PROJECT_BYTES < zipfile.ZIP64_LIMIT
    assert project_module.MAX_TOTAL_MODEL_BYTES > runs_module.MAX_KEPT_MODEL_BYTES
