"""Where a training run's batches come from: cached activations, or photos decoded every epoch.

Both sources offer the same small interface to the trainer's loop: ``train_batches(epoch)``,
``forward_train(x)``, ``validate(loss_fn)``, ``val_probabilities()``, ``steps_per_epoch()`` and
``train_autocast()``; ``train`` and ``val`` are the photos actually used (unreadable ones dropped).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from tlgui.core.data.bins import ImageItem
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, decoded_batches

if TYPE_CHECKING:
    from tlgui.core.training.trainer import TrainingRun


@dataclass
class Split:
    items: list[ImageItem]
    targets: torch.Tensor


class CachedData:
    """Training data as cached activations at the freeze boundary: no image is opened per epoch."""

    def __init__(self, run: TrainingRun, train: Split, val: Split, train_views, val_x):
        self.run = run
        self.train = train
        self.val = val
        # (views, images, ...) in one tensor, so a batch is a single indexing operation.
        self.train_views = torch.stack(train_views)
        self.val_x: torch.Tensor = val_x
        self.device = run.settings.device
        # Small caches live on the device as float32; the head-only case is a few MB even for
        # thousands of photos. Large spatial caches stay half precision on the host.
        if self.train_views.numel() * 4 < 1_000_000_000:
            self.train_views = self.train_views.to(self.device).float()
            self.val_x = self.val_x.to(self.device).float()
        self.batch_size = run.config.batch_size

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train.items) / self.batch_size)

    def train_autocast(self):
        return self.run.train_autocast()

    def train_batches(self, epoch: int):
        n = len(self.train.items)
        generator = torch.Generator().manual_seed(self.run.config.seed * 100_003 + epoch)
        order = torch.randperm(n, generator=generator)
        # Each image contributes one of its cached views per epoch (view 0 is the plain crop).
        view_of = torch.randint(self.train_views.shape[0], (n,), generator=generator)
        targets = self.train.targets.to(self.device)
        order = order.to(self.train_views.device)
        view_of = view_of.to(self.train_views.device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            x = self.train_views[view_of[idx], idx].to(self.device, non_blocking=True).float()
            yield self.run.settings.memory_format_input(x), targets[idx.to(self.device)]

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        return self.run.net.forward_from(self.run.boundary, x)

    def _val_logits(self) -> torch.Tensor:
        net = self.run.net
        net.eval()
        outs = []
        with torch.inference_mode():
            for start in range(0, len(self.val_x), 256):
                x = self.val_x[start : start + 256].to(self.device).float()
                outs.append(
                    net.forward_from(self.run.boundary, self.run.settings.memory_format_input(x)).float()
                )
        return torch.cat(outs).cpu()

    def validate(self, loss_fn) -> tuple[float, float]:
        logits = self._val_logits()
        return loss_and_accuracy(logits, self.val.targets, loss_fn)

    def val_probabilities(self) -> np.ndarray:
        return self._val_logits().softmax(dim=1).numpy()


# Bytes of decoded (uint8) validation photos the streamed path keeps between epochs.
VAL_MEMORY_BUDGET = 600_000_000


class StreamedData:
    """Training data decoded every epoch (augmented afresh) and run through the whole network."""

    def __init__(self, run: TrainingRun, train_items, val_items):
        self.run = run
        self.train = run.split_of(train_items)
        self.val = run.split_of(val_items)
        self.batch_size = run.config.batch_size
        self.recipe = ViewRecipe(run.prep, run.config.augment_strength, run.config.seed)
        self._val_decoded: list[torch.Tensor] | None = None

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train.items) / self.batch_size)

    def train_autocast(self):
        return self.run.train_autocast()

    def train_batches(self, epoch: int):
        run = self.run
        rng = random.Random(run.config.seed * 100_003 + epoch)
        items = list(self.train.items)
        rng.shuffle(items)
        # A fresh augmented view number per epoch: the same recipe the cache uses, never repeated.
        view = epoch if run.config.augment else 0
        requests = [ViewRequest(i.path, i.digest, view) for i in items]
        index = {name: k for k, name in enumerate(run.class_names)}
        by_path = {i.path: i for i in items}
        for good, batch, failed in decoded_batches(
            requests, self.recipe.make, self.batch_size, run.settings.decode_workers
        ):
            if failed:
                self._forget(failed)
            if batch is None:
                continue
            targets = torch.tensor([index[by_path[r.path].label] for r in good], device=run.settings.device)
            yield self._normalise(batch), targets

    def _forget(self, failed) -> None:
        kept = self.run.drop_failures(self.train.items, failed)
        self.train = self.run.split_of(kept)

    def _normalise(self, batch: torch.Tensor) -> torch.Tensor:
        settings = self.run.settings
        x = self.run.prep.normalize(settings.to_device(batch))
        return settings.memory_format_input(x)

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        net, boundary = self.run.net, self.run.boundary
        if boundary > 0:
            # The frozen trunk needs no graph: computing it without autograd is much cheaper.
            with torch.no_grad():
                x = net.forward_until(boundary, x)
        return net.forward_from(boundary, x)

    def _val_batches(self):
        if self._val_decoded is not None:
            yield from self._val_decoded
            return
        requests = [ViewRequest(i.path, i.digest, 0) for i in self.val.items]
        kept: list[ImageItem] = []
        by_path = {i.path: i for i in self.val.items}
        # Validation photos are decoded once and kept, unless they would take much memory.
        decoded: list[torch.Tensor] | None = []
        held = 0
        for good, batch, failed in decoded_batches(
            requests, self.recipe.make, 64, self.run.settings.decode_workers
        ):
            self.run.record_skipped(failed)
            kept.extend(by_path[r.path] for r in good)
            if batch is None:
                continue
            held += batch.numel()
            if decoded is not None:
                decoded.append(batch)
                if held >= VAL_MEMORY_BUDGET:
                    decoded = None
            yield batch
        self.val = self.run.split_of(kept)
        self._val_decoded = decoded

    def _val_logits(self) -> torch.Tensor:
        net = self.run.net
        net.eval()
        outs = []
        with torch.inference_mode(), self.run.settings.autocast():
            for batch in self._val_batches():
                outs.append(net(self._normalise(batch)).float().cpu())
        return torch.cat(outs)

    def validate(self, loss_fn) -> tuple[float, float]:
        logits = self._val_logits()
        return loss_and_accuracy(logits, self.val.targets, loss_fn)

    def val_probabilities(self) -> np.ndarray:
        return self._val_logits().softmax(dim=1).numpy()


def loss_and_accuracy(logits: torch.Tensor, targets: torch.Tensor, loss_fn) -> tuple[float, float]:
    loss = float(loss_fn(logits, targets))
    accuracy = float((logits.argmax(dim=1) == targets).float().mean())
    return loss, accuracy
