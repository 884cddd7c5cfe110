"""Time estimates: measured on the real network, remembered beside the feature cache, counted over
what is cached, and put in words; the recommendation weighs them."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest
import torch
from photos import settle, write_learnable_tree
from torch import nn

from tlgui.core.backbones.catalogue import missing_weights
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import Cancelled, DataError
from tlgui.core.plan import estimate
from tlgui.core.plan.durations import duration_text
from tlgui.core.plan.estimate import (
    CacheShare,
    DecodeSpeed,
    NetworkSpeed,
    Rates,
    SpeedKey,
    SpeedStore,
    Workload,
    estimate_plan,
    level_time,
    measure_network,
    network_speed,
)
from tlgui.core.plan.freeze_plan import plan_freeze
from tlgui.core.plan.recommend import Recommendation, partial_level, recommend, weigh_time
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.cache_key import cache_namespace
from tlgui.core.training.config import FINE_TUNE_CACHED_VIEWS, TrainConfig
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import train

PREP = Preprocessing(input_size=32, resize_size=40)


@pytest.fixture(autouse=True)
def the_cores_to_itself(monkeypatch):
    """Every measurement here counts as made with the cores to itself, whatever else the machine
    runs meanwhile (a shared CI runner): "measured once" must not turn into "measured again". The
    rule for measurements made under load has tests of its own, which set the share themselves."""
    monkeypatch.setattr(estimate, "_cpu_share", lambda cpu_s, wall_s: 1.0)


def _tiny_network() -> StagedNetwork:
    torch.manual_seed(0)
    return StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())),
            ("blocks", nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(8, 1000)),
        ],
        backbone_id="tiny",
    )


def _settings() -> InferenceSettings:
    return InferenceSettings.choose("cpu", mixed_precision=False)


def _speed(names, forward=0.01, train=0.03, step=0.002, setup=0.1) -> NetworkSpeed:
    return NetworkSpeed(tuple(names), tuple(forward for _ in names), tuple(train for _ in names), step, setup)


# ---- measuring ---------------------------------------------------------------------------------------
def test_measuring_times_every_stage_of_a_copy(monkeypatch):
    net = _tiny_network().eval()
    net.requires_grad_(False)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    speed = measure_network(net, _settings(), batch_size=4, input_size=32)
    assert speed.stage_names == ("stem", "blocks", "pre_logits", "head")
    assert all(t > 0 for t in speed.forward_s) and all(t > 0 for t in speed.train_s)
    assert speed.step_s > 0 and speed.setup_s > 0
    # Training a stage costs its forward and a backward.
    assert sum(speed.train_s) > sum(speed.forward_s)
    assert speed.until(2) == pytest.approx(sum(speed.forward_s[:2]))
    assert speed.train_from(1) == pytest.approx(sum(speed.train_s[1:]))
    # The caller's network is as it was: weights, BN statistics, flags, mode, its 1000-class head.
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert not any(p.requires_grad for p in net.parameters()) and not net.training
    assert net.num_classes == 1000


def test_each_stage_s_fastest_timed_pass_is_kept_not_the_mean(monkeypatch):
    # A pass slowed by another process on the machine must not make every later plan slow: the
    # speed is stored. Passes: the untimed warm-up, then a disturbed one, then two clean ones, each
    # with one stage disturbed (a short stage's time varies most).
    inference = iter([[9.0, 9.0, 9.0, 9.0], [4.0, 4.0, 4.0, 4.0], [1.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.5]])
    training = iter([[9.0] * 4, [2.0, 3.0, 3.0, 3.0], [8.0] * 4, [3.0] * 4])
    monkeypatch.setattr(estimate, "_inference_pass", lambda *_: next(inference))
    monkeypatch.setattr(estimate, "_training_pass", lambda *_: next(training))
    speed = measure_network(_tiny_network(), _settings(), batch_size=4, input_size=32, passes=3)
    # Per photo (batch of 4); each stage's fastest time of each kind (the pass of least total time
    # would have kept the 1.5 of the last stage).
    assert speed.forward_s == pytest.approx((0.25, 0.25, 0.25, 0.25))
    assert speed.train_s == pytest.approx((0.5, 0.75, 0.75, 0.75))


def test_the_first_passes_extra_time_is_kept_as_the_warm_up_a_process_pays_once(monkeypatch):
    # The untimed first pass of each kind: what choosing kernels and allocating cost a new process.
    inference = iter([[3.0, 1.0, 1.0, 1.0], [1.0] * 4, [1.0, 1.0, 1.0, 2.0]])
    training = iter([[2.0] * 4, [3.0] * 4, [1.5] * 4])
    monkeypatch.setattr(estimate, "_inference_pass", lambda *_: next(inference))
    monkeypatch.setattr(estimate, "_training_pass", lambda *_: next(training))
    speed = measure_network(_tiny_network(), _settings(), batch_size=4, input_size=32, passes=2)
    assert speed.warmup_s == pytest.approx(6.0 - 4.0)  # whole passes, not per photo
    assert speed.train_warmup_s == pytest.approx(8.0 - 6.0)


def test_the_optimisers_first_import_is_timed_where_this_process_has_not_made_it(tmp_path, monkeypatch):
    (tmp_path / "slow_first_import.py").write_text("import time\ntime.sleep(0.05)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(estimate, "OPTIMIZER_IMPORT", "slow_first_import")
    monkeypatch.delitem(__import__("sys").modules, "slow_first_import", raising=False)
    speed = measure_network(_tiny_network(), _settings(), batch_size=2, input_size=32, passes=1)
    assert speed.import_s >= 0.05
    # Made already (the window warms it up): not known here, and a stored time is kept.
    again = measure_network(_tiny_network(), _settings(), batch_size=2, input_size=32, passes=1)
    assert again.import_s == 0.0
    store = SpeedStore(tmp_path / "speeds.json")
    net, settings = _tiny_network(), _settings()
    key = SpeedKey.of(net.backbone_id, settings, 2)
    store.put(key, replace(speed, stage_names=("a", "b", "c", "d")))  # stored, for other stages: measured again
    measured, now = network_speed(net, settings, 2, 32, store)
    assert now and measured.import_s == pytest.approx(speed.import_s)
    assert store.get(key).import_s == pytest.approx(speed.import_s)


def test_a_first_run_in_a_process_counts_its_one_off_costs():
    net = _tiny_network()
    plans = _plans(net)
    speed = replace(NetworkSpeed(("stem", "blocks", "pre_logits", "head"), (0.01, 0.02, 0.001, 0.0001),
                                 (0.03, 0.06, 0.002, 0.0003), step_s=0.004, setup_s=0.5),
                    warmup_s=0.7, train_warmup_s=2.0, import_s=1.2)
    decode = DecodeSpeed(plain_s=0.005, augmented_s=0.008)
    work = Workload(train=100, val=20, views=1, epochs=10, batch_size=10, augment=True)
    cold = lambda boundary: CacheShare()  # noqa: E731
    fresh = Rates(speed, decode, overlapped=False)
    warmed = Rates(speed, decode, overlapped=False, warm=True, imported=True)

    base_first, base_total = level_time(work, warmed, plans[1], 3, cold, use_cache=True)
    first, total = level_time(work, fresh, plans[1], 3, cold, use_cache=True)
    # The import and the first inference pass come before the first model; the fine-tune's first
    # training pass warms up only what it trains (stages 1 on: 0.0623 of 0.0923 s a photo).
    assert first == pytest.approx(base_first + 1.2 + 0.7)
    assert total == pytest.approx(base_total + 1.2 + 0.7 + 2.0 * 0.0623 / 0.0923)
    # A head whose features are all cached runs no network pass: only the import is left.
    cached = lambda boundary: CacheShare(1.0, 0.0002)  # noqa: E731
    warm_cache_first, _ = level_time(work, fresh, plans[0], 3, cached, use_cache=True)
    warm_cache_base, _ = level_time(work, warmed, plans[0], 3, cached, use_cache=True)
    assert warm_cache_first == pytest.approx(warm_cache_base + 1.2)


def test_a_plan_for_a_later_process_counts_what_that_process_pays(photos, tmp_path, monkeypatch):
    speed = replace(_speed(("stem", "blocks", "pre_logits", "head")), warmup_s=0.7, import_s=1.2)
    monkeypatch.setattr(estimate, "network_speed", lambda *a, **k: (speed, True))
    monkeypatch.setattr(estimate, "measure_decode", lambda *a, **k: DecodeSpeed(0.005, 0.008))
    import torch._dynamo  # noqa: F401 - as in the window, which imports it while the user looks at the photos

    config = TrainConfig(freeze_level=0, device="cpu")
    args = (photos, config, _tiny_network())
    # Measured just now, in this process: warm, and the import made.
    here = estimate_plan(*args, cache=FeatureCache(tmp_path / "c"), preprocessing=PREP)
    later = estimate_plan(*args, cache=FeatureCache(tmp_path / "c"), preprocessing=PREP, new_process=True)
    assert later.chosen.first_model_s == pytest.approx(here.chosen.first_model_s + 0.7 + 1.2)


def test_a_speed_measured_while_other_programs_had_the_cores_is_measured_again(tmp_path, monkeypatch):
    # One measurement under load would slow every later estimate: a partial fine-tune put at 19.6 s
    # took 8.0 s. Until one has the cores to itself, each estimate measures again, keeping the faster.
    store = SpeedStore(tmp_path / "speeds.json")
    net, settings = _tiny_network(), _settings()
    passes = iter([(3.0, 6.0, 0.4), (1.0, 9.0, 1.0), (2.0, 2.0, 1.0)])  # (forward, train, CPU share)

    def measured(*_args, **_kwargs):
        forward, train, share = next(passes)
        names = net.stage_names
        return replace(_speed(names, forward=forward, train=train), contended=share < estimate.MIN_CPU_SHARE)

    monkeypatch.setattr(estimate, "measure_network", measured)
    first, now = network_speed(net, settings, 4, 32, store)
    assert now and first.contended and first.forward_s[0] == 3.0
    second, now = network_speed(net, settings, 4, 32, store)  # measured again: the faster of each
    assert now and (second.forward_s[0], second.train_s[0]) == (1.0, 6.0) and not second.contended
    third, now = network_speed(net, settings, 4, 32, store)  # one with the cores to itself is kept
    assert not now and third == second
    assert store.get(SpeedKey.of(net.backbone_id, settings, 4)) == second


def test_a_computer_always_under_load_is_measured_a_bounded_number_of_times(tmp_path, monkeypatch):
    # A measuring thread that never has a core to itself (some virtual machines, a busy computer)
    # must not cost a whole measurement at every estimate: after MAX_MEASUREMENTS, the faster of
    # each is kept, and said to be measured under load.
    store = SpeedStore(tmp_path / "speeds.json")
    net, settings = _tiny_network(), _settings()
    measured_seconds = iter([3.0, 2.0, 2.5, 1.0])
    calls = []

    def measured(*_args, **_kwargs):
        calls.append(1)
        forward = next(measured_seconds)
        return replace(_speed(net.stage_names, forward=forward, train=2 * forward), contended=True)

    monkeypatch.setattr(estimate, "measure_network", measured)
    for _estimate in range(estimate.MAX_MEASUREMENTS):
        speed, now = network_speed(net, settings, 4, 32, store)
        assert now
    assert len(calls) == estimate.MAX_MEASUREMENTS == speed.measurements
    assert speed.contended and speed.forward_s[0] == 2.0 and speed.train_s[0] == 4.0
    for _estimate in range(3):
        kept, now = network_speed(net, settings, 4, 32, store)
        assert not now and kept == speed
    assert len(calls) == estimate.MAX_MEASUREMENTS


def test_a_speed_stored_before_measurements_were_counted_reads_as_one(tmp_path):
    stored = _speed(("stem", "head")).to_dict()
    del stored["measurements"]
    assert NetworkSpeed.from_dict(stored).measurements == 1
    for wrong in (0, -1, True, 1.5, "2"):
        with pytest.raises(ValueError):
            NetworkSpeed.from_dict({**stored, "measurements": wrong})


def test_measuring_says_whether_other_programs_had_the_cores(monkeypatch):
    monkeypatch.undo()  # the real share
    assert estimate._cpu_share(cpu_s=1.3, wall_s=2.0) == pytest.approx(0.65)
    monkeypatch.setattr(estimate, "_cpu_share", lambda cpu_s, wall_s: 0.65)
    assert measure_network(_tiny_network(), _settings(), batch_size=2, input_size=32, passes=1).contended
    monkeypatch.setattr(estimate, "_cpu_share", lambda cpu_s, wall_s: 0.99)
    assert not measure_network(_tiny_network(), _settings(), batch_size=2, input_size=32, passes=1).contended


def test_measuring_stops_when_asked():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        measure_network(_tiny_network(), _settings(), batch_size=2, input_size=32, cancel=token)


class _Calls(nn.Module):
    """Calls ``on_training_forward`` in training mode's forward; counts its backward in ``backwards``
    (a function is shared, not copied, by the deepcopy measuring makes)."""

    def __init__(self, on_training_forward=lambda: None, on_backward=lambda: None):
        super().__init__()
        self.on_training_forward = on_training_forward
        self.on_backward = on_backward

    def forward(self, x):
        if self.training:
            self.on_training_forward()
        return _BackwardCall.apply(x, self.on_backward)


class _BackwardCall(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, on_backward):
        ctx.on_backward = on_backward
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        ctx.on_backward()
        return grad, None


def _network_with(stem_calls: _Calls, blocks_calls: _Calls) -> StagedNetwork:
    return StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), stem_calls)),
            ("blocks", nn.Sequential(blocks_calls, nn.Conv2d(8, 8, 3, stride=2, padding=1))),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(8, 1000)),
        ],
        backbone_id="tiny",
    )


def test_a_stop_during_a_training_pass_s_forward_ends_it_before_the_next_stage():
    """A pass of a real network takes seconds on a slow CPU: Start pressed while the estimate
    measures must not wait for the pass to end (it slowed the run it made way for by 20 s)."""
    token, later = CancelToken(), []
    net = _network_with(_Calls(on_training_forward=lambda: token.cancel()), _Calls(on_training_forward=lambda: later.append(1)))
    with pytest.raises(Cancelled):
        measure_network(net, _settings(), batch_size=2, input_size=32, cancel=token)
    assert later == []


def test_a_stop_during_a_training_pass_s_backward_ends_it_before_the_next_stage():
    token, stem_backwards = CancelToken(), []
    net = _network_with(_Calls(on_backward=lambda: stem_backwards.append(1)), _Calls(on_backward=lambda: token.cancel()))
    with pytest.raises(Cancelled):
        measure_network(net, _settings(), batch_size=2, input_size=32, cancel=token)
    assert stem_backwards == []


def test_a_speed_is_measured_once_per_key_and_remembered(tmp_path, monkeypatch):
    store = SpeedStore(tmp_path / "speeds.json")
    net, settings = _tiny_network(), _settings()
    measured = []
    real = estimate.measure_network

    def counting(*args, **kwargs):
        measured.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(estimate, "measure_network", counting)
    first, fresh = network_speed(net, settings, 4, 32, store)
    again, fresh_again = network_speed(net, settings, 4, 32, store)
    assert fresh and not fresh_again and again == first
    network_speed(net, settings, 8, 32, store)  # another batch size is another measurement
    assert measured == [4, 8]
    key = SpeedKey.of("tiny", settings, 4)
    assert key.torch_version == torch.__version__ and key.threads == torch.get_num_threads()
    assert key.device.startswith("cpu: ") and key.precision == "fp32"
    assert SpeedStore(tmp_path / "speeds.json").get(key) == first


def test_the_store_is_bounded_and_a_damaged_one_reads_as_empty(tmp_path):
    path = tmp_path / "speeds.json"
    store = SpeedStore(path)
    settings = _settings()
    for batch in range(1, estimate.MAX_STORED + 6):
        store.put(SpeedKey.of("tiny", settings, batch), _speed(["stem", "head"]))
    stored = json.loads(path.read_text())["speeds"]
    assert len(stored) == estimate.MAX_STORED
    assert store.get(SpeedKey.of("tiny", settings, 1)) is None  # the oldest went first
    assert store.get(SpeedKey.of("tiny", settings, estimate.MAX_STORED + 5)) == _speed(["stem", "head"])

    for damage in (b"{not json", b"[" * 10_000, json.dumps({"version": 1, "speeds": [{"key": 3}]}).encode(),
                   b"x" * (estimate.MAX_STORE_BYTES + 1)):
        path.write_bytes(damage)
        assert store.get(SpeedKey.of("tiny", settings, 1)) is None
    # An entry with timings that are not seconds is ignored, the file is still written anew.
    bad = {"version": 1, "speeds": [{"key": asdict(SpeedKey.of("tiny", settings, 1)),
                                     "speed": {**_speed(["stem"]).to_dict(), "forward_s": [-1.0]}}]}
    path.write_text(json.dumps(bad))
    assert store.get(SpeedKey.of("tiny", settings, 1)) is None
    store.put(SpeedKey.of("tiny", settings, 2), _speed(["stem"]))
    assert store.get(SpeedKey.of("tiny", settings, 2)) == _speed(["stem"])
    # A folder in the way: nothing is stored, nothing is raised.
    blocked = SpeedStore(tmp_path / "speeds.json" / "inside.json")
    blocked.put(SpeedKey.of("tiny", settings, 2), _speed(["stem"]))
    assert blocked.get(SpeedKey.of("tiny", settings, 2)) is None


def test_speeds_are_checked_when_read():
    speed = _speed(["stem", "head"])
    assert NetworkSpeed.from_dict(speed.to_dict()) == speed
    for broken in ({}, {**speed.to_dict(), "train_s": [0.1]}, {**speed.to_dict(), "step_s": True},
                   {**speed.to_dict(), "stage_names": []}, {**speed.to_dict(), "setup_s": float("inf")}):
        with pytest.raises(ValueError):
            NetworkSpeed.from_dict(broken)


# ---- the arithmetic ------------------------------------------------------------------------------------
def _plans(net: StagedNetwork):
    counts = {"red": 40, "blue": 40}
    return {level: plan_freeze(net, counts, TrainConfig(freeze_level=level)) for level in (0, 1, 2)}


def test_each_regime_costs_what_it_computes():
    net = _tiny_network()
    plans = _plans(net)
    speed = NetworkSpeed(("stem", "blocks", "pre_logits", "head"), (0.01, 0.02, 0.001, 0.0001),
                         (0.03, 0.06, 0.002, 0.0003), step_s=0.004, setup_s=0.5)
    rates = Rates(speed, DecodeSpeed(plain_s=0.005, augmented_s=0.008), overlapped=False)
    work = Workload(train=100, val=20, views=1, epochs=10, batch_size=10, augment=True)
    cold = lambda boundary: CacheShare()  # noqa: E731

    head_first, head_total = level_time(work, rates, plans[0], 3, cold, use_cache=True)
    folding = 0.5  # features are computed by a copy of the network (its batch norms folded)
    head_features = folding + 120 * (0.005 + 0.031)
    head_epochs = 10 * (10 * 0.004 + 20 * 0.0001)
    assert head_first == head_total == pytest.approx(0.5 + head_features + head_epochs)

    first, total = level_time(work, rates, plans[1], 3, cold, use_cache=True)
    assert plans[1].regime is Regime.PARTIAL and plans[1].first_trainable_stage == 1
    assert first == pytest.approx(head_first)
    boundary_features = folding + 120 * (0.005 + 0.01)
    epoch = 100 * (0.06 + 0.002 + 0.0003) + 20 * (0.02 + 0.001 + 0.0001)
    assert total == pytest.approx(head_first + 0.5 + boundary_features + 10 * epoch)

    # Without the cache the fine-tune decodes (augmented) and runs the trunk every epoch.
    _, streamed = level_time(work, rates, plans[1], 3, cold, use_cache=False)
    streamed_epoch = 100 * (0.008 + 0.01 + 0.0623) + 20 * 0.0311
    assert streamed == pytest.approx(head_first + 0.5 + 20 * 0.005 + 10 * streamed_epoch)

    # A warm cache costs reading, not computing; on a GPU decoding runs beside the network.
    warm = lambda boundary: CacheShare(1.0, 0.0002)  # noqa: E731
    warm_first, _ = level_time(work, rates, plans[0], 3, warm, use_cache=True)
    assert warm_first == pytest.approx(0.5 + 120 * 0.0002 + head_epochs)
    gpu = Rates(speed, DecodeSpeed(0.05, 0.08), overlapped=True)
    gpu_first, _ = level_time(work, gpu, plans[0], 3, cold, use_cache=True)
    assert gpu_first == pytest.approx(0.5 + folding + 120 * 0.05 + head_epochs)

    # Cached augmented views: each is one more pass over the training photos.
    views = Workload(train=100, val=20, views=3, epochs=10, batch_size=10, augment=True)
    first_views, _ = level_time(views, rates, plans[0], 3, cold, use_cache=True)
    assert first_views == pytest.approx(head_first + 200 * (0.008 + 0.031))
    # A partial fine-tune's own views are computed at its boundary; the head's phase stays as it was.
    tuned = replace(work, fine_tune_views=3)
    tuned_first, tuned_total = level_time(tuned, rates, plans[1], 3, cold, use_cache=True)
    assert tuned_first == pytest.approx(head_first)
    assert tuned_total == pytest.approx(total + 200 * (0.008 + 0.01))


def test_the_plan_counts_the_views_each_phase_caches(photos, tmp_path, monkeypatch):
    """The head phase caches ``cached_views``, a partial fine-tune at least FINE_TUNE_CACHED_VIEWS:
    the estimate counts what the run will compute, phase by phase."""
    seen = []
    real_level_time = estimate.level_time

    def recording(work, *args, **kwargs):
        seen.append(work)
        return real_level_time(work, *args, **kwargs)

    monkeypatch.setattr(estimate, "level_time", recording)
    net = _tiny_network()
    for cached_views, augment in ((0, True), (3, True), (2, False)):
        seen.clear()
        config = TrainConfig(freeze_level=1, device="cpu", cached_views=cached_views, augment=augment)
        estimate_plan(photos, config, net, cache=FeatureCache(tmp_path / "c"), preprocessing=PREP)
        head_views = 1 + (cached_views if augment else 0)
        tuned_views = 1 + (max(cached_views, FINE_TUNE_CACHED_VIEWS) if augment else 0)
        assert {(w.views, w.fine_tune_views) for w in seen} == {(head_views, tuned_views)}


@pytest.fixture
def photos(tmp_path) -> DataSet:
    write_learnable_tree(tmp_path / "photos", {"red": 12, "blue": 12})
    settle(*(tmp_path / "photos").rglob("*.jpg"))  # photos at rest: their digests are remembered
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    return dataset


def test_a_plan_estimates_every_level_and_counts_what_is_cached(photos, tmp_path):
    net = _tiny_network()
    cache = FeatureCache(tmp_path / "cache")
    config = TrainConfig(freeze_level=1, device="cpu", mixed_precision=False, batch_size=4)
    cold = estimate_plan(photos, config, net, cache=cache, preprocessing=PREP)
    assert cold.measured_now and cold.head_cached == 0.0
    assert (tmp_path / "cache" / estimate.STORE_NAME).is_file()  # beside the feature cache
    assert cold.chosen.level == 1 and cold.chosen.regime is Regime.PARTIAL
    assert [e.level for e in cold.levels] == [0, 1, 2]
    assert [e.level for e in cold.alternatives] == [0, 2]
    head = next(e for e in cold.levels if e.level == 0)
    assert head.first_model_s == head.total_s == pytest.approx(cold.chosen.first_model_s)
    assert cold.chosen.total_s > cold.chosen.first_model_s
    assert cold.dial_totals() == {e.level: e.total_s for e in cold.levels}

    # The head's features of every photo computed and cached, as a first run leaves them.
    train_items, val_items = photos.split(config.val_fraction, config.seed)
    recipe = ViewRecipe(PREP, config.augment_strength, config.seed)
    boundary = len(net.stages) - 1
    namespace = cache_namespace(net, boundary, recipe.key(), "fp32")
    requests = [ViewRequest(i.path) for i in train_items + val_items]
    compute_activations(net, boundary, requests, recipe, _settings(), cache=cache, namespace=namespace)
    warm = estimate_plan(photos, config, net, cache=cache, preprocessing=PREP)
    assert not warm.measured_now and warm.head_cached == 1.0
    assert warm.chosen.first_model_s < cold.chosen.first_model_s


def test_the_first_model_s_time_is_said_before_the_training_passes_are_measured(photos, tmp_path, monkeypatch):
    # The head phase runs no training pass: its time is said once an inference pass is timed, while
    # most of the training passes (most of a measurement) are to come, and it is the estimate's own.
    net = _tiny_network()
    config = TrainConfig(freeze_level=1, device="cpu", mixed_precision=False, batch_size=4)
    events = []
    stages = len(net.stages)

    def timed(kind: str, seconds: float):
        def one_pass(*_args):
            events.append(kind)
            # Each kind's first pass is slower (its warm-up); the others alike.
            return [seconds * (3 if events.count(kind) == 1 else 1)] * stages
        return one_pass

    monkeypatch.setattr(estimate, "_inference_pass", timed("inference pass", 0.01))
    monkeypatch.setattr(estimate, "_training_pass", timed("training pass", 0.03))
    said = []

    def first_model(early: estimate.FirstModelEstimate) -> None:
        events.append("first model")
        said.append(early)

    cold = estimate_plan(photos, config, net, cache=FeatureCache(tmp_path / "c"), preprocessing=PREP,
                         on_first_model=first_model)
    # The passes alternate (inference is slower before any training pass); the first model is said
    # after the first timed inference pass, before all but the warm-up of the training passes.
    assert events[:4] == ["inference pass", "training pass", "inference pass", "first model"]
    assert events.count("first model") == 1 and events.count("training pass") == 1 + estimate.TIMED_PASSES
    assert said[0].device == cold.device
    assert said[0].first_model_s == pytest.approx(cold.chosen.first_model_s)
    # A speed stored: the whole estimate comes at once, with nothing to say before it.
    said.clear()
    warm = estimate_plan(photos, config, net, cache=FeatureCache(tmp_path / "c"), preprocessing=PREP,
                         on_first_model=first_model)
    assert not warm.measured_now and said == []


def test_a_plan_needs_photos_and_stops_when_asked(tmp_path, photos):
    config = TrainConfig(device="cpu")
    with pytest.raises(DataError):
        estimate_plan(DataSet(), config, _tiny_network(), cache=FeatureCache(tmp_path / "c"), preprocessing=PREP)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        estimate_plan(photos, config, _tiny_network(), cache=FeatureCache(tmp_path / "c"), preprocessing=PREP,
                      cancel=token)


@pytest.mark.slow
def test_the_estimate_is_within_twice_the_time_train_takes(tmp_path, bundled_network):
    """The promise the window makes before Start, checked against real runs of ``train`` on the real
    network: head only, and the recommended partial level (the head first, then the fine-tune on
    cached boundary activations). Every planned epoch runs (no early stopping), as estimated."""
    write_learnable_tree(tmp_path / "photos", {"red": 40, "blue": 40})
    settle(*(tmp_path / "photos").rglob("*.jpg"))
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    config = TrainConfig(epochs=4, batch_size=8, early_stopping_patience=None, device="cpu")
    store = SpeedStore(tmp_path / "speeds.json")
    for level in (0, partial_level(bundled_network)):
        # Each run on a cold cache of its own, as the estimate assumes.
        run_config = replace(config, freeze_level=level)
        cache = FeatureCache(tmp_path / f"cache-{level}")
        planned = estimate_plan(dataset, run_config, bundled_network, cache=cache, store=store).chosen
        result = train(dataset, run_config, backbone=bundled_network, cache=cache)
        assert planned.level == level and len(result.history) == (2 if level else 1) * config.epochs
        for actual, predicted in ((result.timings.first_model_s, planned.first_model_s),
                                  (result.timings.total_s, planned.total_s)):
            assert 0.5 <= actual / predicted <= 2.0, (level, actual, predicted)


def test_missing_weights_are_said_not_estimated(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    assert missing_weights("efficientnet_lite0") is None  # bundled
    note = missing_weights("resnet18")
    assert note is not None and "no time estimate" in note and "ResNet" in note
    assert "no backbone called" in missing_weights("no_such_net")


# ---- words ----------------------------------------------------------------------------------------------
def test_durations_in_words():
    assert [duration_text(s) for s in (3, 42, 89, 95, 14 * 60 + 20, 47 * 60, 2 * 3600 + 11 * 60, 5 * 3600)] == [
        "a few seconds", "about 40 s", "about 90 s", "about 2 min", "about 14 min", "about 45 min",
        "about 2 h 10 min", "about 5 h",
    ]
    assert duration_text(float("nan")) == "an unknown time"


def test_the_recommendation_weighs_the_time_but_keeps_its_level():
    net = _tiny_network()
    partial = recommend({"red": 400, "blue": 400}, net)
    assert partial.regime is Regime.PARTIAL
    quick = weigh_time(partial, 40, {0: 40, partial.level: 14 * 60, 2: 3 * 3600})
    assert quick.level == partial.level
    assert quick.reason.startswith(partial.reason)
    assert "Here that takes about 14 min; a usable model (the new head) comes first, after about 40 s" in quick.reason
    assert "long" not in quick.reason.removeprefix(partial.reason)
    slow = weigh_time(partial, 40, {0: 40, partial.level: 3 * 3600})
    assert slow.level == partial.level and "That is long on this computer: the head alone may be enough" in slow.reason

    head = recommend({"red": 20, "blue": 20}, net)
    weighed = weigh_time(head, 12, {0: 12, 1: 600, 2: 4000})
    assert weighed.level == 0
    assert weighed.reason.endswith("Here it takes about 10 s. Fine-tuning the last 1 stage too would take about 10 min.")
    unknown = Recommendation(2, Regime.PARTIAL, "Because.")
    assert weigh_time(unknown, 10, {0: 10}) == unknown
