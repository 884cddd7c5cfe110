"""Head first, always: every run trains the new head on pooled features, hands out a usable model,
then fine-tunes from that head when the level trains more; stop keeps the best of both phases."""

from __future__ import annotations

import pytest
import torch
from photos import write_learnable_tree

import tlgui.core.training.loop as loop_module
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import Cancelled
from tlgui.core.models.classifier import Classifier
from tlgui.core.plan.freezing import freezable_stages, max_freeze_level
from tlgui.core.plan.recommend import partial_level
from tlgui.core.plan.regime import Regime
from tlgui.core.predict.predictor import Predictor
from tlgui.core.progress import CancelToken
from tlgui.core.training.best_epoch import BestEpochTracker
from tlgui.core.training.config import FULL_LEARNING_RATE, HEAD_LEARNING_RATE, PARTIAL_LEARNING_RATE
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import TrainConfig, TrainingCallback, train


class Watcher(TrainingCallback):
    """Records the order of the hooks; can stop the run at one of them."""

    def __init__(self, token: CancelToken | None = None, stop_at: str = "", stop_epoch: int = 0):
        self.token, self.stop_at, self.stop_epoch = token, stop_at, stop_epoch
        self.calls: list[str] = []
        self.epochs = []
        self.ready: list[Classifier] = []

    def on_epoch_end(self, stats):
        self.calls.append(f"epoch {stats.epoch} {stats.phase}")
        self.epochs.append(stats)
        if self.stop_at == "epoch" and stats.epoch == self.stop_epoch:
            self.token.cancel()

    def on_model_ready(self, classifier):
        self.calls.append("ready")
        self.ready.append(classifier)
        if self.stop_at == "ready":
            self.token.cancel()

    def on_train_end(self, result):
        self.calls.append("end")


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    write_learnable_tree(root, {"red": 10, "blue": 10})
    return root


def _dataset(root) -> DataSet:
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset


def _stage(net, name: str) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in net.stages[name].state_dict().items()}


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_partial_run_hands_out_the_head_then_fine_tunes_from_it(photos, bundled_network, tmp_path):
    watcher = Watcher()
    config = TrainConfig(epochs=3, freeze_level=1, early_stopping_patience=None)
    result = train(_dataset(photos), config, backbone=bundled_network, callbacks=[watcher],
                   cache=FeatureCache(tmp_path / "c"))

    # Three head epochs, the usable model, three fine-tune epochs numbered on, then the result.
    assert watcher.calls == ["epoch 1 head", "epoch 2 head", "epoch 3 head", "ready",
                             "epoch 4 partial", "epoch 5 partial", "epoch 6 partial", "end"]
    assert [s.epochs for s in result.history] == [6, 6, 6, 6, 6, 6]
    assert result.regime is Regime.PARTIAL and not result.cancelled
    assert result.timings.first_model_s is not None and 0 < result.timings.first_model_s < result.timings.total_s

    (ready,) = watcher.ready
    # The head's model classifies at once, and the fine-tune trained a copy, not it.
    assert ready.training.regime is Regime.HEAD and ready.training.freeze_level == 0
    assert [s.phase for s in ready.training.history] == [Regime.HEAD] * 3
    assert ready.network is not result.classifier.network
    assert _equal(_stage(ready.network, "conv_head"), _stage(bundled_network, "conv_head"))
    predictions = Predictor(ready, "cpu").predict_paths(sorted(photos.rglob("*.jpg"))[:2])
    assert all(p.error is None for p in predictions)
    assert ready.metrics.accuracy == max(s.val_accuracy for s in result.history[:3])

    # The best of both phases is what the result holds, and the trainable stage moved only if a
    # fine-tune epoch won.
    best = max(result.history, key=lambda s: (s.val_accuracy, -s.val_loss))
    assert result.best_epoch == best.epoch
    moved = not _equal(_stage(result.classifier.network, "conv_head"), _stage(bundled_network, "conv_head"))
    assert moved == (best.phase is Regime.PARTIAL)
    assert result.freeze_level == 1
    assert result.classifier.training.freeze_level == (1 if best.phase is Regime.PARTIAL else 0)


def test_a_fine_tune_that_does_worse_leaves_the_head_as_the_model(photos, bundled_network, tmp_path, monkeypatch):
    # A fine-tune with a learning rate far too high: its epochs never beat the head's best (or
    # its loss stops being finite, which ends it the same way).
    monkeypatch.setattr(loop_module, "default_learning_rate",
                        lambda regime: HEAD_LEARNING_RATE if regime is Regime.HEAD else 5.0)
    watcher = Watcher()
    config = TrainConfig(epochs=3, freeze_level=1, early_stopping_patience=None)
    result = train(_dataset(photos), config, backbone=bundled_network, callbacks=[watcher],
                   cache=FeatureCache(tmp_path / "c"))
    (ready,) = watcher.ready
    assert result.history[result.best_epoch - 1].phase is Regime.HEAD
    # The stage the fine-tune changed is back at its pretrained weights, the head is the head phase's.
    assert _equal(_stage(result.classifier.network, "conv_head"), _stage(bundled_network, "conv_head"))
    assert _equal(_stage(result.classifier.network, "head"), _stage(ready.network, "head"))
    assert result.report.accuracy == ready.metrics.accuracy
    if any(s.phase is Regime.PARTIAL for s in result.history):
        assert not any(s.best for s in result.history if s.phase is Regime.PARTIAL)
    else:
        assert "The fine-tune stopped" in " ".join(result.warnings)


def test_a_model_kept_from_the_head_phase_is_described_as_the_head_the_run_as_its_level(
        photos, bundled_network, tmp_path, monkeypatch):
    """A fine-tune whose epochs all lose to the head's best: the model file said "partial fine-tune"
    with the fine-tune's parameters trained, while its weights were the head's."""
    offer = BestEpochTracker.offer

    def fine_tune_epochs_never_win(self, epoch, val_accuracy, val_loss, snapshot):
        head_phase = epoch <= 2
        return offer(self, epoch, val_accuracy if head_phase else -1.0, val_loss, snapshot)

    monkeypatch.setattr(BestEpochTracker, "offer", fine_tune_epochs_never_win)
    config = TrainConfig(epochs=2, freeze_level=1, early_stopping_patience=None)
    result = train(_dataset(photos), config, backbone=bundled_network, cache=FeatureCache(tmp_path / "c"))
    assert [s.phase for s in result.history] == [Regime.HEAD] * 2 + [Regime.PARTIAL] * 2
    assert result.history[result.best_epoch - 1].phase is Regime.HEAD
    # The model: the head's weights, described as a head trained alone (as a model saved after a
    # stop before the fine-tune is), the run's settings kept.
    training = result.classifier.training
    assert training.regime is Regime.HEAD and training.freeze_level == 0
    head = result.classifier.network.head
    assert training.trainable_parameters == head.weight.numel() + head.bias.numel()
    assert training.config.freeze_level == 1 and training.history == result.history
    assert _equal(_stage(result.classifier.network, "conv_head"), _stage(bundled_network, "conv_head"))
    # The run: it fine-tuned at the chosen level.
    assert result.regime is Regime.PARTIAL and result.freeze_level == 1


def test_stop_during_the_fine_tune_keeps_the_best_of_both_phases(photos, bundled_network, tmp_path):
    token = CancelToken()
    watcher = Watcher(token, stop_at="epoch", stop_epoch=4)
    config = TrainConfig(epochs=3, freeze_level=1, early_stopping_patience=None)
    result = train(_dataset(photos), config, backbone=bundled_network, callbacks=[watcher], cancel=token,
                   cache=FeatureCache(tmp_path / "c"))
    assert result.cancelled
    assert [s.phase for s in result.history] == [Regime.HEAD] * 3 + [Regime.PARTIAL]
    assert result.best_epoch == max(result.history, key=lambda s: (s.val_accuracy, -s.val_loss)).epoch
    assert watcher.calls[-1] == "end"


def test_stop_while_the_fine_tune_validates_ends_at_once_and_keeps_the_best(photos, bundled_network, tmp_path,
                                                                            monkeypatch):
    """A fine-tune's validation takes seconds; closing the window waits 5 s for Stop, no more."""
    from tlgui.core.training.sources import CachedData

    token = CancelToken()
    real_val_logits = CachedData._val_logits
    batches_after_stop = []

    def val_logits(self, cancel=None):
        if self.context.regime is Regime.PARTIAL:
            token.cancel()  # Stop arrives while this validation runs
            batches_after_stop.append(cancel)
        return real_val_logits(self, cancel)

    monkeypatch.setattr(CachedData, "_val_logits", val_logits)
    config = TrainConfig(epochs=2, freeze_level=1, early_stopping_patience=None)
    result = train(_dataset(photos), config, backbone=bundled_network, cancel=token, cache=FeatureCache(tmp_path / "c"))
    assert result.cancelled and batches_after_stop == [token]
    # The fine-tune's first epoch was not judged: the head's best stays the model.
    assert {s.phase for s in result.history} == {Regime.HEAD}
    assert result.classifier is not None


def test_stop_while_the_fine_tune_prepares_keeps_the_head(photos, bundled_network, tmp_path):
    token = CancelToken()
    watcher = Watcher(token, stop_at="ready")
    config = TrainConfig(epochs=2, freeze_level=1)
    result = train(_dataset(photos), config, backbone=bundled_network, callbacks=[watcher], cancel=token,
                   cache=FeatureCache(tmp_path / "c"))
    assert result.cancelled and len(watcher.ready) == 1
    assert {s.phase for s in result.history} == {Regime.HEAD}
    # Described as what it is: a head trained on cached features.
    assert result.regime is Regime.HEAD and result.freeze_level == 0
    assert result.classifier.training.freeze_level == 0
    assert result.classifier.training.trainable_parameters == result.classifier.network.head.weight.numel() + 2
    assert _equal(_stage(result.classifier.network, "head"), _stage(watcher.ready[0].network, "head"))


def test_stop_before_the_first_head_epoch_is_still_no_model(photos, bundled_network, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train(_dataset(photos), TrainConfig(epochs=2, freeze_level=1), backbone=bundled_network, cancel=token,
              cache=FeatureCache(tmp_path / "c"))


def test_a_head_only_run_announces_its_one_model(photos, bundled_network, tmp_path):
    watcher = Watcher()
    result = train(_dataset(photos), TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   callbacks=[watcher], cache=FeatureCache(tmp_path / "c"))
    assert watcher.calls == ["epoch 1 head", "epoch 2 head", "ready", "end"]
    assert watcher.ready == [result.classifier]
    assert [s.epochs for s in result.history] == [2, 2]


def test_each_phase_learns_at_the_rates_its_regime_is_given(photos, bundled_network, tmp_path, monkeypatch):
    """The head phase trains the head alone at the head's rate; a fine-tune gives the new head its
    regime's rate and the trainable pretrained stages that rate times its regime's factor."""
    optimizers = []
    make_optimizer = loop_module._optimizer

    def recorded(*args, **kwargs):
        optimizers.append(make_optimizer(*args, **kwargs))
        return optimizers[-1]

    monkeypatch.setattr(loop_module, "_optimizer", recorded)
    dataset = _dataset(photos)
    top = max_freeze_level(bundled_network)
    for level, regime, rate in ((partial_level(bundled_network), Regime.PARTIAL, PARTIAL_LEARNING_RATE),
                                (top, Regime.FULL, FULL_LEARNING_RATE)):
        optimizers.clear()
        config = TrainConfig(epochs=1, freeze_level=level, early_stopping_patience=None, device="cpu")
        result = train(dataset, config, backbone=bundled_network, cache=FeatureCache(tmp_path / f"c{level}"))
        assert result.regime is regime and len(optimizers) == 2

        head_phase, fine_tune = optimizers
        (only_group,) = head_phase.param_groups
        assert only_group["initial_lr"] == HEAD_LEARNING_RATE
        assert {id(p) for p in only_group["params"]} == {id(p) for p in result.classifier.network.head.parameters()}

        head_group, body_group = fine_tune.param_groups
        assert head_group["initial_lr"] == rate
        assert body_group["initial_lr"] == pytest.approx(rate * loop_module.BODY_LR_FACTOR[regime])
        # The body group is exactly the stages the level trains (the last ``level`` freezable ones).
        stages = list(result.classifier.network.stages.values())
        trained = [stages[i] for i in freezable_stages(bundled_network)[top - level:]]
        assert {id(p) for p in body_group["params"]} == {id(p) for stage in trained for p in stage.parameters()}
