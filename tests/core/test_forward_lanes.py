"""Forward lanes: batches go through the network in a few threads at once and come back in order,
with the numbers one lane gives; Stop is prompt and leaves no thread running; torch's thread counts
are the lanes' own business."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.errors import Cancelled
from tlgui.core.models.classifier import Classifier
from tlgui.core.predict.predictor import Predictor
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.inference import (
    MAX_CPU_FORWARD_LANES,
    InferenceSettings,
    cpu_supports_bf16,
    torch_threads,
)
from tlgui.core.runtime.lanes import in_lanes
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations

BATCH = 4
PREP = Preprocessing(input_size=32, resize_size=40)


def lane_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tlgui-forward-lane")]


def decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tlgui-decode")]


@pytest.fixture()
def two_threads():
    """At least two torch threads, so that two lanes are possible on any machine."""
    with torch_threads(max(2, torch.get_num_threads())):
        yield


@pytest.fixture()
def photos(tmp_path):
    rng = np.random.default_rng(7)
    paths = []
    for i in range(26):
        path = tmp_path / f"p{i:02d}.jpg"
        Image.fromarray(rng.integers(0, 256, (44 + i, 52, 3), dtype=np.uint8)).save(path, "JPEG")
        paths.append(path)
    paths[9].write_bytes(paths[9].read_bytes()[:200])  # cut short, as a failed copy leaves it
    return paths


def convnet(*, seconds_per_batch: float = 0.0) -> StagedNetwork:
    """A small real convolutional network; optionally slow, sleeping (GIL released) in each forward."""
    torch.manual_seed(0)

    class Sleep(nn.Module):
        def forward(self, x):
            time.sleep(seconds_per_batch)
            return x

    net = StagedNetwork(
        [
            ("stem", nn.Sequential(Sleep(), nn.Conv2d(3, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU())),
            ("block", nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(32, 5)),
        ],
        backbone_id="convnet",
    )
    return net.eval()


def settings_with(lanes: int) -> InferenceSettings:
    # bf16 where the engine would use it, so that the tolerance below is the one that matters.
    dtype = torch.bfloat16 if cpu_supports_bf16() else None
    return InferenceSettings(channels_last=True, autocast_dtype=dtype, forward_lanes=lanes)


def tolerance() -> dict:
    return {"rtol": 2e-2, "atol": 2e-2} if cpu_supports_bf16() else {"rtol": 1e-5, "atol": 1e-6}


# ---- the lane count -------------------------------------------------------------------------------
def test_the_lane_count_follows_the_torch_threads_and_the_work(two_threads):
    settings = InferenceSettings.choose("cpu")
    assert settings.forward_lanes == min(MAX_CPU_FORWARD_LANES, torch.get_num_threads())
    assert settings.lanes_for(1) == 1  # one batch: nothing to run beside it
    assert settings.lanes_for(100) == settings.forward_lanes >= 2
    with torch_threads(1):
        assert settings.lanes_for(100) == 1  # a caller that asked for one thread gets one lane
    assert InferenceSettings(device=torch.device("meta"), forward_lanes=4).lanes_for(100) == 1


# ---- in_lanes on plain work -----------------------------------------------------------------------
def test_results_come_back_in_order_whichever_lane_finishes_first():
    def work(k: int) -> tuple[int, str]:
        time.sleep((k * 7 % 5) / 200)  # later items often finish first
        return k * k, threading.current_thread().name

    out = list(in_lanes(range(30), work, 3))
    assert [(k, square) for k, (square, _name) in out] == [(k, k * k) for k in range(30)]
    assert {name for _k, (_sq, name) in out} == {f"tlgui-forward-lane-{i}" for i in range(3)}
    assert not lane_threads()


def test_no_more_than_one_item_per_lane_is_taken_ahead_and_the_source_is_closed():
    taken = []
    closed = threading.Event()

    def source():
        try:
            for k in range(40):
                taken.append(k)
                yield k
        finally:
            closed.set()

    stream = in_lanes(source(), lambda k: k, 2)
    for k, _ in stream:
        # the one handed out, the two lanes' next ones
        assert len(taken) <= k + 1 + 2
        if k == 10:
            break
    stream.close()
    assert closed.is_set() and len(taken) <= 13
    assert not lane_threads()


def test_each_lane_has_its_share_of_the_threads_and_others_keep_theirs():
    with torch_threads(4):
        counts = []

        def work(_k):
            counts.append((threading.current_thread().name, torch.get_num_threads()))
            time.sleep(0.01)

        list(in_lanes(range(12), work, 3))
        assert sorted(dict(counts).values()) == [1, 1, 2]  # 4 threads over 3 lanes
        assert torch.get_num_threads() == 4
        # A thread started afterwards (a training worker, say) takes the process's default, not a lane's.
        fresh = []
        probe = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
        probe.start()
        probe.join()
        assert fresh == [4]


def test_an_error_in_a_lane_reaches_the_caller_and_ends_every_lane():
    def work(k):
        if k == 5:
            raise ValueError("out of memory, say")
        return k

    with pytest.raises(ValueError, match="out of memory"):
        list(in_lanes(range(20), work, 2))
    assert not lane_threads()


# ---- the pipeline: same numbers, every row ----------------------------------------------------------
def test_lanes_compute_the_features_one_lane_computes(photos, two_threads):
    net = convnet()
    settings = settings_with(2)
    net = settings.prepare(net)
    requests = [ViewRequest(p) for p in photos]
    recipe = ViewRecipe(PREP)
    found = {}
    failed = {}
    for lanes in (1, 2):
        settings.forward_lanes = lanes
        found[lanes], failures = compute_activations(
            net, 3, requests, recipe, settings, cache=None, namespace="x", batch_size=BATCH
        )
        failed[lanes] = [f.path for f in failures]
    assert failed[1] == failed[2] == [photos[9]]
    assert list(found[1]) == list(found[2]) == [r for r in requests if r.path != photos[9]]
    for request in found[1]:
        np.testing.assert_allclose(found[2][request].astype(np.float32), found[1][request].astype(np.float32),
                                   **tolerance())


def test_lanes_predict_what_one_lane_predicts(photos, two_threads):
    classifier = Classifier(convnet(), list("abcde"), "convnet", PREP)
    predictor = Predictor(classifier, device="cpu")
    predictor.settings = settings_with(2)
    results = {}
    for lanes in (1, 2):
        predictor.settings.forward_lanes = lanes
        results[lanes] = predictor.predict_paths(photos, top_k=5, batch_size=BATCH)
    assert [p.path for p in results[2]] == [p.path for p in results[1]] == photos
    assert [p.error is not None for p in results[2]] == [i == 9 for i in range(len(photos))]
    for one, two in zip(results[1], results[2], strict=True):
        probs_one, probs_two = dict(one.top), dict(two.top)
        assert probs_one.keys() == probs_two.keys()
        for name, value in probs_one.items():
            assert probs_two[name] == pytest.approx(value, **{"rel": tolerance()["rtol"], "abs": tolerance()["atol"]})


# ---- Stop ----------------------------------------------------------------------------------------
FORWARD_S = 0.4  # each batch's forward: long next to the Stop poll, short next to the whole run


def stop_during(run, token: CancelToken, forward_starts: list[float]) -> tuple[float, float]:
    """Start ``run`` in this thread, press Stop once a few forwards have started; (Stop time, end time)."""
    pressed = []

    def press_when_busy():
        while len(forward_starts) < 3:
            time.sleep(0.005)
        time.sleep(FORWARD_S / 4)  # in the middle of the lanes' forwards
        pressed.append(time.monotonic())
        token.cancel()

    stopper = threading.Thread(target=press_when_busy)
    stopper.start()
    with pytest.raises(Cancelled):
        run()
    ended = time.monotonic()
    stopper.join()
    return pressed[0], ended


def assert_prompt_and_clean(pressed: float, ended: float, forward_starts: list[float]) -> None:
    # The lanes finish the forwards they are running (one batch each), and start no other.
    assert ended - pressed < FORWARD_S + 0.5
    assert all(start <= pressed for start in forward_starts)
    assert not lane_threads()
    deadline = time.monotonic() + 2.0  # decode threads end after the photo each was reading
    while decode_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not decode_threads()


def test_stop_during_a_multi_lane_prediction_is_prompt_and_leaves_no_thread(photos, two_threads):
    net = convnet(seconds_per_batch=FORWARD_S)
    starts: list[float] = []
    net.stages["stem"].register_forward_pre_hook(lambda *_: starts.append(time.monotonic()))
    predictor = Predictor(Classifier(net, list("abcde"), "convnet", PREP), device="cpu")
    predictor.settings.forward_lanes = 2
    token = CancelToken()
    pressed, ended = stop_during(
        lambda: predictor.predict_paths(photos, batch_size=2, cancel=token), token, starts
    )
    assert len(starts) < len(photos) // 2  # stopped well before the end
    assert_prompt_and_clean(pressed, ended, starts)


def test_stop_during_a_multi_lane_extraction_is_prompt_and_leaves_no_thread(photos, two_threads):
    net = convnet(seconds_per_batch=FORWARD_S)
    starts: list[float] = []
    net.stages["stem"].register_forward_pre_hook(lambda *_: starts.append(time.monotonic()))
    settings = settings_with(2)
    net = settings.prepare(net)
    token = CancelToken()
    requests = [ViewRequest(p) for p in photos]
    pressed, ended = stop_during(
        lambda: compute_activations(net, 3, requests, ViewRecipe(PREP), settings, cache=None, namespace="x",
                                    batch_size=2, cancel=token),
        token,
        starts,
    )
    assert len(starts) < len(photos) // 2
    assert_prompt_and_clean(pressed, ended, starts)
