"""The trainer's three regimes, the feature cache's promise, callbacks, stopping and repeatability."""

from __future__ import annotations

import copy
import shutil

import pytest
import torch
from photos import settle, write_learnable_tree

import tlgui.core.training.extraction as extract
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import Cancelled, DataError, TlguiError
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken, Phase
from tlgui.core.training.config import FINE_TUNE_CACHED_VIEWS
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import TrainConfig, TrainingCallback, train


class Recorder(TrainingCallback):
    def __init__(self, stop_after_epoch: int | None = None, token: CancelToken | None = None):
        self.events, self.epochs, self.results = [], [], []
        self.stop_after_epoch, self.token = stop_after_epoch, token

    def on_progress(self, event):
        self.events.append(event)

    def on_epoch_end(self, stats):
        self.epochs.append(stats)
        if self.stop_after_epoch is not None and stats.epoch == self.stop_after_epoch:
            self.token.cancel()

    def on_train_end(self, result):
        self.results.append(result)


def _dataset(root) -> DataSet:
    ds = DataSet()
    ds.add_folder(root)
    return ds


class CountingTrunk:
    """Counts images the frozen trunk computes, by wrapping extract.run_trunk."""

    def __init__(self, monkeypatch):
        self.images = 0
        original = extract.run_trunk

        def counting(net, boundary, batch, prep, settings):
            self.images += batch.shape[0]
            return original(net, boundary, batch, prep, settings)

        monkeypatch.setattr(extract, "run_trunk", counting)


def test_head_only_cached_learns_and_reports(learnable_tree, bundled_network, tmp_path):
    rec = Recorder()
    result = train(_dataset(learnable_tree), TrainConfig(epochs=8, freeze_level=0), backbone=bundled_network,
                   callbacks=[rec], cache=FeatureCache(tmp_path / "c"))
    assert result.regime is Regime.HEAD
    assert result.report.accuracy == 1.0
    # The bins' order: class folders are read in sorted order.
    assert result.classifier.class_names == ["blue", "red"]
    assert [e.epoch for e in rec.epochs] == list(range(1, len(rec.epochs) + 1))
    assert {e.phase for e in rec.events} >= {Phase.EXTRACT, Phase.TRAIN, Phase.EVALUATE}
    assert all(isinstance(e.phase, Phase) for e in rec.events)
    assert all(e.loss is not None and e.loss > 0 for e in rec.events if e.phase == "train")
    assert rec.results == [result]
    assert len(result.report.confusion) == 2 and sum(map(sum, result.report.confusion)) == len(result.report.predictions)
    # The caller's network is never modified: it keeps its ImageNet head.
    assert bundled_network.num_classes == 1000
    # The model file's summaries: typed here, written under the keys files have always had.
    metrics, training = result.classifier.metrics, result.classifier.training
    assert metrics.accuracy == 1.0 and metrics.best_epoch == result.best_epoch
    assert metrics.epochs_run == len(result.history) and training.history == result.history
    assert training.regime is Regime.HEAD and training.freeze_level == 0 and training.timings == result.timings
    assert set(metrics.to_dict()) == {"accuracy", "best_epoch", "epochs_run", "val_loss", "precision", "recall",
                                      "confusion", "train_images", "val_images"}
    assert set(training.to_dict()) == {"config", "regime", "freeze_level", "trainable_parameters",
                                       "total_parameters", "device", "history", "timings"}


def test_warm_cache_opens_no_image_and_new_photos_cost_only_themselves(learnable_tree, bundled_network, tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path / "c")
    config = TrainConfig(epochs=2, freeze_level=0)
    train(_dataset(learnable_tree), config, backbone=bundled_network, cache=cache)

    counter = CountingTrunk(monkeypatch)

    def no_decoding(*args, **kwargs):
        raise AssertionError("an image was opened on a warm cache")

    monkeypatch.setattr(extract, "load_rgb", no_decoding)
    train(_dataset(learnable_tree), TrainConfig(epochs=3, freeze_level=0, learning_rate=1e-2),
          backbone=bundled_network, cache=cache)
    assert counter.images == 0

    monkeypatch.undo()
    counter = CountingTrunk(monkeypatch)
    write_learnable_tree(learnable_tree, {"red": 1, "blue": 1}, start=100)
    train(_dataset(learnable_tree), config, backbone=bundled_network, cache=cache)
    assert counter.images == 2


def test_cached_augmented_views_are_computed_once_each(learnable_tree, bundled_network, tmp_path, monkeypatch):
    counter = CountingTrunk(monkeypatch)
    ds = _dataset(learnable_tree)
    train_items, val_items = ds.split(0.2, 0)
    config = TrainConfig(epochs=2, freeze_level=0, cached_views=2)
    train(ds, config, backbone=bundled_network, cache=FeatureCache(tmp_path / "c"))
    assert counter.images == 3 * len(train_items) + len(val_items)


def test_a_partial_fine_tune_caches_augmented_views_of_its_own(learnable_tree, bundled_network, tmp_path,
                                                               monkeypatch):
    counter = CountingTrunk(monkeypatch)
    ds = _dataset(learnable_tree)
    train_items, val_items = ds.split(0.2, 0)
    config = TrainConfig(epochs=1, freeze_level=1, cached_views=0, early_stopping_patience=None)
    train(ds, config, backbone=bundled_network, cache=FeatureCache(tmp_path / "c"))
    # The head's pooled features: the plain crop of every photo. The boundary's: the plain crop and
    # FINE_TUNE_CACHED_VIEWS augmented views of every training photo, the plain crop of the others.
    head = len(train_items) + len(val_items)
    fine_tune = (1 + FINE_TUNE_CACHED_VIEWS) * len(train_items) + len(val_items)
    assert FINE_TUNE_CACHED_VIEWS > 0 and counter.images == head + fine_tune


def test_stop_keeps_the_best_epoch_so_far(learnable_tree, bundled_network, tmp_path):
    token = CancelToken()
    rec = Recorder(stop_after_epoch=2, token=token)
    result = train(_dataset(learnable_tree), TrainConfig(epochs=20, freeze_level=0, early_stopping_patience=None),
                   backbone=bundled_network, callbacks=[rec], cancel=token, cache=FeatureCache(tmp_path / "c"))
    assert result.cancelled
    assert len(result.history) == 2
    assert result.best_epoch in (1, 2)
    assert result.classifier.network.num_classes == 2


def test_stop_before_any_epoch_raises_cancelled(learnable_tree, bundled_network, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train(_dataset(learnable_tree), TrainConfig(epochs=3, freeze_level=0), backbone=bundled_network,
              cancel=token, cache=FeatureCache(tmp_path / "c"))


def test_same_seed_same_run(learnable_tree, bundled_network, tmp_path):
    runs = [
        train(_dataset(learnable_tree), TrainConfig(epochs=4, freeze_level=0, seed=3), backbone=bundled_network,
              cache=FeatureCache(tmp_path / "c"))
        for _ in range(2)
    ]
    assert [h.train_loss for h in runs[0].history] == [h.train_loss for h in runs[1].history]
    a, b = (r.classifier.network.head.weight for r in runs)
    assert torch.equal(a, b)


def test_partial_fine_tune_on_cached_boundary_keeps_frozen_batchnorm(learnable_tree, bundled_network, tmp_path):
    config = TrainConfig(epochs=2, freeze_level=1, cached_views=1, early_stopping_patience=None)
    result = train(_dataset(learnable_tree), config, backbone=bundled_network, cache=FeatureCache(tmp_path / "c"))
    assert result.regime == "partial"
    net = result.classifier.network
    before = dict(bundled_network.named_buffers())
    after = dict(net.named_buffers())
    frozen_bn = [k for k in before if k.startswith("stages.stem") and k.endswith("running_mean")]
    assert frozen_bn and all(torch.equal(before[k], after[k]) for k in frozen_bn)
    trainable = [n for n, p in net.named_parameters() if p.requires_grad]
    assert any(not n.startswith("stages.head") for n in trainable)


@pytest.mark.slow
def test_partial_and_full_without_cache_run_through_the_whole_network(learnable_tree, bundled_network, tmp_path):
    for level, regime in ((1, "partial"), (10_000, "full")):
        config = TrainConfig(epochs=1, freeze_level=level, use_cache=False, batch_size=8)
        result = train(_dataset(learnable_tree), config, backbone=bundled_network)
        assert result.regime == regime
        # Head first (on pooled features computed in memory), then one epoch of the chosen level.
        assert result.history[-1].phase == regime and result.history[-1].epoch == len(result.history)
        assert {h.phase for h in result.history[:-1]} == {Regime.HEAD}


def test_a_photo_that_vanished_after_the_scan_is_skipped_not_fatal(learnable_tree, bundled_network, tmp_path):
    ds = _dataset(learnable_tree)
    victim = ds.items("red")[0].path
    victim.unlink()
    result = train(ds, TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   cache=FeatureCache(tmp_path / "c"))
    assert [s.path for s in result.skipped] == [victim]
    assert all(p.path != victim for p in result.report.predictions)


def test_one_class_is_a_clear_error(tmp_path, bundled_network):
    write_learnable_tree(tmp_path / "only", {"red": 4})
    ds = DataSet()
    ds.add_folder(tmp_path / "only")
    with pytest.raises(DataError, match="at least two classes"):
        train(ds, TrainConfig(epochs=1), backbone=bundled_network)


def test_streamed_path_skips_a_vanished_validation_photo(learnable_tree, bundled_network):
    ds = _dataset(learnable_tree)
    _, val_items = ds.split(0.2, 0)
    victim = val_items[0].path
    victim.unlink()
    config = TrainConfig(epochs=2, freeze_level=1, use_cache=False, batch_size=8)
    result = train(ds, config, backbone=bundled_network)
    assert [s.path for s in result.skipped] == [victim]
    assert len(result.report.predictions) == len(val_items) - 1


def test_a_photo_changed_after_the_scan_is_cached_under_its_new_bytes(tmp_path, bundled_network, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    write_learnable_tree(first, {"red": 6, "blue": 6})
    shutil.copytree(first, second)
    dataset = _dataset(first)
    # Edited after the scan: the scan's digest names the red photo, the file now holds a blue one.
    shutil.copyfile(first / "blue" / "blue_0.jpg", first / "red" / "red_0.jpg")
    cache = FeatureCache(tmp_path / "c")
    config = TrainConfig(epochs=1, freeze_level=0)
    train(dataset, config, backbone=bundled_network, cache=cache)

    # An unrelated run over the original photos: the red photo's features were never computed, so
    # they are computed now rather than taken from the blue photo decoded in its place.
    counter = CountingTrunk(monkeypatch)
    train(_dataset(second), config, backbone=bundled_network, cache=cache)
    assert counter.images == 1


def test_a_warm_retrain_of_photos_at_rest_reads_no_photo(learnable_tree, bundled_network, tmp_path, monkeypatch):
    settle(*learnable_tree.rglob("*.jpg"))
    cache = FeatureCache(tmp_path / "c")
    train(_dataset(learnable_tree), TrainConfig(epochs=1, freeze_level=0), backbone=bundled_network, cache=cache)

    def no_reading(path):
        raise AssertionError(f"{path} was read on a warm cache")

    monkeypatch.setattr(extract, "read_photo", no_reading)
    result = train(_dataset(learnable_tree), TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   cache=cache)
    assert len(result.history) == 2


def test_a_network_that_computes_nan_is_blamed_not_the_learning_rate(learnable_tree, bundled_network, tmp_path):
    # Infinite weights in the stem: the very first batch is NaN, before any step could have diverged.
    broken = copy.deepcopy(bundled_network)
    with torch.no_grad():
        next(broken.stages["stem"].parameters()).fill_(float("inf"))
    rec = Recorder()
    with pytest.raises(TlguiError) as info:
        train(_dataset(learnable_tree), TrainConfig(epochs=3, freeze_level=0, learning_rate=0.01),
              backbone=broken, callbacks=[rec], cache=FeatureCache(tmp_path / "c"))
    message = str(info.value)
    assert message.startswith("Training stopped at epoch 1 because the network's output was not a finite number")
    assert "the learning rate is not the cause" in message and "fresh copy" in message
    assert "lower than" not in message and message.count(". ") == 0
    assert rec.epochs == [] and rec.results == []  # no epoch reported, no result to save


def test_a_loss_that_diverges_after_some_steps_asks_for_a_lower_learning_rate(
    learnable_tree, bundled_network, tmp_path, monkeypatch
):
    class DivergingLoss(torch.nn.CrossEntropyLoss):
        """The real loss for the first two batches, then NaN (what a too large learning rate does)."""

        calls = 0

        def forward(self, logits, targets):
            DivergingLoss.calls += 1
            loss = super().forward(logits, targets)
            return loss if DivergingLoss.calls <= 2 else loss * float("nan")

    monkeypatch.setattr(torch.nn, "CrossEntropyLoss", DivergingLoss)
    rec = Recorder()
    with pytest.raises(TlguiError) as info:
        train(_dataset(learnable_tree), TrainConfig(epochs=3, freeze_level=0, learning_rate=0.01, batch_size=4),
              backbone=bundled_network, callbacks=[rec], cache=FeatureCache(tmp_path / "c"))
    message = str(info.value)
    assert DivergingLoss.calls == 3
    assert message.startswith("Training stopped at epoch 1 because the loss is no longer a finite number")
    assert "learning rate lower than 0.01" in message and message.count(". ") == 0
    assert rec.epochs == [] and rec.results == []


def _cached_data(photos: int, views: int, seed: int = 0):
    from types import SimpleNamespace

    from tlgui.core.runtime.inference import InferenceSettings
    from tlgui.core.training.sources import CachedData, Split

    context = SimpleNamespace(seed=seed, batch_size=4, settings=InferenceSettings.choose("cpu"))
    train_split = Split([object()] * photos, torch.zeros(photos, dtype=torch.long))
    train_views = [torch.full((photos, 3), float(v)) for v in range(views)]
    return CachedData(context, train_split, Split([], torch.zeros(0, dtype=torch.long)), train_views,
                      torch.zeros(0, 3))


@pytest.mark.parametrize("views", [1, 2, 5])
def test_each_photo_trains_on_every_cached_view_before_meeting_one_again(views):
    data = _cached_data(photos=40, views=views)
    for cycle in range(3):
        seen = torch.stack([data.views_of(cycle * views + turn) for turn in range(views)], dim=1)
        assert all(sorted(row.tolist()) == list(range(views)) for row in seen)
    # In an order of its own per photo, and the same for the same seed and epoch.
    assert views < 5 or len({tuple(data.views_of(e)[:8].tolist()) for e in range(5)}) == 5
    assert torch.equal(data.views_of(7), _cached_data(photos=40, views=views).views_of(7))


def test_a_batch_of_cached_views_holds_each_photo_s_view_of_the_epoch():
    data = _cached_data(photos=10, views=3)
    for epoch in (1, 2, 3):
        got = torch.cat([x[:, 0] for x, _y in data.train_batches(epoch)])
        assert sorted(got.tolist()) == sorted(data.views_of(epoch).float().tolist())


def test_a_feature_cache_that_cannot_be_created_leaves_the_run_to_go_on_without_it(learnable_tree, bundled_network,
                                                                                   tmp_path, monkeypatch):
    """A full disk or a read-only folder where the cache file must be made: one warning, a model."""
    import errno
    from pathlib import Path

    real_mkdir = Path.mkdir
    cache_root = tmp_path / "no-room" / "cache"

    def mkdir(self, *args, **kwargs):
        if self == cache_root:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = train(_dataset(learnable_tree), TrainConfig(epochs=2, freeze_level=0), backbone=bundled_network,
                   cache=FeatureCache(cache_root))
    assert result.classifier is not None and not result.cancelled
    assert len(result.warnings) == 1 and "disk is full" in result.warnings[0]


def test_a_run_whose_photos_are_all_gone_says_why(learnable_tree, bundled_network, tmp_path):
    """A project whose folder moved without it finding its photos: "no readable photos" says why."""
    moved = tmp_path / "copied photos"
    shutil.copytree(learnable_tree, moved)
    dataset = _dataset(moved)
    shutil.rmtree(moved)
    with pytest.raises(DataError, match=r"No readable training photos left in: .*photos could not be read; "
                                        r"the first: .*: file not found"):
        train(dataset, TrainConfig(epochs=1, freeze_level=0), backbone=bundled_network, cache=FeatureCache(tmp_path / "c"))


class _OnlyValidation:
    """A batch source with no training batch whose validation, like every real source's, hands its
    logits over on the CPU: the loop's own part of an epoch on a device that is not the CPU."""

    def __init__(self, targets: torch.Tensor):
        from tlgui.core.training.sources import Split

        self.train = Split([], targets)
        self.val = Split([], targets)
        self.loss_devices = []

    def steps_per_epoch(self) -> int:
        return 1

    def train_batches(self, epoch):
        return iter(())

    def forward_train(self, x):
        raise AssertionError("no training batch")

    def validate(self, loss_fn, cancel=None):
        from tlgui.core.training.sources import Validation

        self.loss_devices += [buffer.device.type for buffer in loss_fn.buffers()]
        logits = torch.eye(2)[self.val.targets] * 4.0
        return Validation.of(logits, self.val.targets, loss_fn)


def test_validation_weighs_classes_on_the_cpu_where_its_logits_are_whatever_the_run_s_device(bundled_network):
    # On a GPU the training loss's class weights live on the GPU, and validation's logits come back
    # on the CPU: one loss for both raised "Expected all tensors to be on the same device" at the
    # end of every first epoch. The meta device stands in for the GPU (this machine has none).
    import dataclasses

    from tlgui.core.backbones.staged import replace_head
    from tlgui.core.runtime.inference import InferenceSettings
    from tlgui.core.training.best_epoch import BestEpochTracker
    from tlgui.core.training.context import TrainingContext
    from tlgui.core.training.loop import PhaseSpan, _Loop

    net = replace_head(copy.deepcopy(bundled_network), 2)
    settings = dataclasses.replace(InferenceSettings.choose("cpu"), device=torch.device("meta"))
    context = TrainingContext(net, len(net.stages) - 1, Regime.HEAD, settings, None, ("ants", "bees"), 4, 0,
                              False, "medium", 0, lambda _failures: None)
    data = _OnlyValidation(torch.tensor([0, 0, 0, 1]))  # unbalanced: the weights are not all 1
    config = TrainConfig(epochs=1, freeze_level=0, balance_classes=True)
    loop = _Loop(context, data, config, [], CancelToken(), BestEpochTracker(None), PhaseSpan())
    assert loop.loss_fn.weight.device.type == "meta"  # where the training batches are
    outcome = loop.run()
    assert data.loss_devices == ["cpu"]
    assert len(outcome.history) == 1 and outcome.history[0].val_accuracy == 1.0
    # The same weights on both sides: bees, one photo in four, weigh three times what ants do.
    assert loop.val_loss_fn.weight.tolist() == pytest.approx([2 / 3, 2.0])
