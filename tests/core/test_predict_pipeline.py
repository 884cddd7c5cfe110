"""Predicting a folder through extraction's pipeline: decoding runs ahead of the forward pass on a
bounded queue, a corrupt photo is reported in its row, and Stop ends the run within a batch."""

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
from tlgui.core.training import extraction

BATCH = 4
PHOTOS = 40  # ten batches: far more than the queue may hold
CORRUPT = 6  # in the second batch


@pytest.fixture()
def predictor() -> Predictor:
    torch.manual_seed(0)
    net = StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(4, 3)),
        ],
        backbone_id="tiny",
    )
    classifier = Classifier(net.eval(), ["a", "b", "c"], "tiny", Preprocessing(input_size=16, resize_size=20))
    return Predictor(classifier, device="cpu", mixed_precision=False)


@pytest.fixture()
def folder(tmp_path):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(PHOTOS):
        path = tmp_path / f"p{i:02d}.jpg"
        Image.fromarray(rng.integers(0, 256, (28, 36, 3), dtype=np.uint8)).save(path, "JPEG")
        paths.append(path)
    whole = paths[CORRUPT].read_bytes()
    paths[CORRUPT].write_bytes(whole[: len(whole) // 3])  # a JPEG cut short, as a failed copy leaves it
    return paths


class Reads:
    """Counts the photos the pipeline reads (``read_photo``, in its decode threads); may hold some."""

    def __init__(self, monkeypatch, hold_from: int | None = None):
        self.count = 0
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._hold_from = hold_from
        real = extraction.read_photo

        def counting(path):
            with self._lock:
                self.count += 1
                index = self.count - 1
            if self._hold_from is not None and index >= self._hold_from:
                self.released.wait(10)
            return real(path)

        monkeypatch.setattr(extraction, "read_photo", counting)

    def settle(self, at_least: int, timeout: float = 10.0) -> int:
        """The count once it has reached ``at_least`` and stopped growing."""
        deadline = time.monotonic() + timeout
        while self.count < at_least and time.monotonic() < deadline:
            time.sleep(0.01)
        before = -1
        while before != self.count:
            before = self.count
            time.sleep(0.2)
        return self.count


def test_decoding_runs_ahead_while_the_network_runs_but_not_through_the_whole_folder(
    predictor, folder, monkeypatch
):
    reads = Reads(monkeypatch)
    during_first_forward = []
    forward = predictor._predict_batch

    def observed(*args):
        if not during_first_forward:
            # The network is busy with batch 1: the pool must go on decoding the next batches...
            during_first_forward.append(reads.settle(at_least=2 * BATCH))
        return forward(*args)

    monkeypatch.setattr(predictor, "_predict_batch", observed)
    batches = list(predictor.predict_batches(folder, batch_size=BATCH))

    # ...a few batches ahead, never the whole folder.
    assert 2 * BATCH <= during_first_forward[0] <= 4 * BATCH
    flat = [p for batch in batches for p in batch]
    assert [len(b) for b in batches] == [BATCH] * (PHOTOS // BATCH)
    assert [p.path for p in flat] == folder
    assert flat[CORRUPT].error and not flat[CORRUPT].top
    assert all(p.error is None and len(p.top) == 3 for i, p in enumerate(flat) if i != CORRUPT)
    assert reads.count == PHOTOS


def test_a_corrupt_photo_is_reported_in_its_row_and_the_same_photos_get_the_same_answers(predictor, folder):
    alone = predictor.predict_paths(folder[CORRUPT : CORRUPT + 1])[0]
    batched = predictor.predict_paths(folder, batch_size=BATCH)
    assert alone.error and batched[CORRUPT].error == alone.error
    one_by_one = [predictor.predict_paths([p], batch_size=1)[0] for p in folder[:BATCH]]
    for single, in_batch in zip(one_by_one, batched[:BATCH], strict=True):
        assert single.label == in_batch.label
        assert single.probability == pytest.approx(in_batch.probability, abs=1e-5)


def test_stop_after_a_batch_ends_the_run_and_its_decoding(predictor, folder, monkeypatch):
    reads = Reads(monkeypatch)
    forwards = []
    forward = predictor._predict_batch
    monkeypatch.setattr(predictor, "_predict_batch", lambda *a: forwards.append(1) or forward(*a))
    token = CancelToken()
    stream = predictor.predict_batches(folder, batch_size=BATCH, cancel=token)
    first = next(stream)
    token.cancel()  # the user presses Stop while the first batch is shown
    with pytest.raises(Cancelled):
        next(stream)
    assert len(first) == BATCH and len(forwards) == 1
    # What was queued ahead is dropped: no more than the few batches in flight are ever read.
    assert reads.settle(at_least=0) <= 4 * BATCH


def test_stop_is_prompt_while_the_next_batch_is_still_decoding(predictor, folder, monkeypatch):
    reads = Reads(monkeypatch, hold_from=BATCH)  # every photo after the first batch hangs (a slow disk)
    token = CancelToken()
    stream = predictor.predict_batches(folder, batch_size=BATCH, cancel=token)
    try:
        assert len(next(stream)) == BATCH
        stopper = threading.Timer(0.2, token.cancel)
        stopper.start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            next(stream)
        waited = time.monotonic() - started
        stopper.join()
    finally:
        reads.released.set()  # let the held decode threads finish
    # Stop came 0.2 s in; the run ended well before the hung decodes (10 s) would have.
    assert waited < 3.0
