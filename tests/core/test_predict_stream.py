"""Prediction batch by batch: each batch handed out as soon as it is done, before the next is read."""

from __future__ import annotations

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


@pytest.fixture()
def predictor() -> Predictor:
    torch.manual_seed(0)
    net = StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(4, 2)),
        ],
        backbone_id="tiny",
    )
    classifier = Classifier(net.eval(), ["a", "b"], "tiny", Preprocessing(input_size=16, resize_size=20))
    return Predictor(classifier, device="cpu", mixed_precision=False)


@pytest.fixture()
def photos(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(11):
        path = tmp_path / f"p{i:02d}.png"
        Image.fromarray(rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    (tmp_path / "p05.png").write_bytes(b"")  # unreadable: still one prediction, in its place
    return paths


def test_batches_come_in_order_and_add_up_to_predict_paths(predictor, photos):
    batches = list(predictor.predict_batches(photos, batch_size=4))
    assert [len(b) for b in batches] == [4, 4, 3]
    flat = [p for batch in batches for p in batch]
    assert [p.path for p in flat] == photos
    assert flat[5].error and all(p.error is None for i, p in enumerate(flat) if i != 5)
    whole = predictor.predict_paths(photos, batch_size=4)
    assert [(p.path, p.top) for p in whole] == [(p.path, p.top) for p in flat]


def test_each_batch_is_handed_out_before_the_rest_is_predicted(predictor, photos, monkeypatch):
    forwards = []
    real = predictor._predict_batch
    monkeypatch.setattr(predictor, "_predict_batch", lambda *a: forwards.append(1) or real(*a))
    events = []
    seen = [(len(batch), len(forwards)) for batch in predictor.predict_batches(photos, batch_size=4,
                                                                             progress=events.append)]
    # When a batch arrives, the network has run that batch and no further.
    assert seen == [(4, 1), (4, 2), (3, 3)]
    assert events[-1].done == events[-1].total == 11


def test_cancelling_between_batches_stops_the_stream(predictor, photos):
    token = CancelToken()
    stream = predictor.predict_batches(photos, batch_size=4, cancel=token)
    first = next(stream)
    token.cancel()
    with pytest.raises(Cancelled):
        next(stream)
    assert len(first) == 4
