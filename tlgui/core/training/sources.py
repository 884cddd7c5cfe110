"""Where a training run's batches come from: cached activations, or photos decoded every epoch.

Both sources implement ``BatchSource``, all the trainer's loop knows of them. They get what they
need from a frozen ``TrainingContext`` and tell the run about unreadable photos through its
``on_skipped`` callback; ``train`` and ``val`` are the photos actually used (unreadable ones dropped).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch import nn

from tlgui.core.data.bins import ImageItem
from tlgui.core.errors import DataError, ImageDecodeError
from tlgui.core.i18n import _, ngettext
from tlgui.core.progress import CancelToken, ProgressFn
from tlgui.core.runtime.folding import folded_copy
from tlgui.core.training.cache_key import cache_namespace
from tlgui.core.training.context import TrainingContext
from tlgui.core.training.extraction import ViewRequest, compute_activations, decoded_batches
from tlgui.core.training.feature_cache import FeatureCache

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class Split:
    """Photos and their class indices, in the same order."""

    items: list[ImageItem]
    targets: torch.Tensor

    @classmethod
    def of(cls, context: TrainingContext, items: Sequence[ImageItem]) -> Split:
        return cls(list(items), context.targets(items))


@dataclass(frozen=True)
class Validation:
    """One pass over the validation photos: the loss, the accuracy, and each photo's probabilities
    ((photos, classes), in ``val.items`` order: what the run's report is made of when the epoch is
    the one kept)."""

    loss: float
    accuracy: float
    probabilities: np.ndarray

    @classmethod
    def of(cls, logits: torch.Tensor, targets: torch.Tensor, loss_fn: LossFn) -> Validation:
        logits = logits.float()
        return cls(
            loss=float(loss_fn(logits, targets)),
            accuracy=float((logits.argmax(dim=1) == targets).float().mean()),
            probabilities=logits.softmax(dim=1).numpy(),
        )


class BatchSource(Protocol):
    """Training batches and validation for the loop, wherever they come from."""

    train: Split
    val: Split

    def steps_per_epoch(self) -> int:
        """Batches in one epoch (the progress bar's unit)."""
        ...

    def train_batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(inputs, class indices) on the device, shuffled for ``epoch``."""
        ...

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of a training batch, with the graph the optimiser needs."""
        ...

    def validate(self, loss_fn: LossFn, cancel: CancelToken | None = None) -> Validation:
        """The validation photos' loss, accuracy and probabilities; ``Cancelled`` between batches
        once ``cancel`` is set (a fine-tune's validation takes seconds: Stop, and closing the window,
        wait for it)."""
        ...


def drop_failures(
    context: TrainingContext, items: Sequence[ImageItem], failures: Sequence[ImageDecodeError]
) -> list[ImageItem]:
    """Tell the run about the failures and return ``items`` without them."""
    context.on_skipped(failures)
    bad = {f.path for f in failures}
    return [item for item in items if item.path not in bad]


# ---- cached activations ---------------------------------------------------------------------------
def cached_source(
    context: TrainingContext,
    train_items: Sequence[ImageItem],
    val_items: Sequence[ImageItem],
    cache: FeatureCache | None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    activations=compute_activations,
) -> CachedData:
    """Compute (or read from ``cache``) the frozen trunk's activations for every view of every photo.

    ``activations`` computes them: ``compute_activations``, or its distributed form.
    Without a cache they are computed for this run only and kept in memory.
    """
    recipe = context.recipe
    views = list(range(context.cached_views + 1)) if context.augment else [0]
    precision = str(context.settings.autocast_dtype or "fp32")
    namespace = cache_namespace(context.network, context.boundary, recipe.key(), precision)
    requests = [ViewRequest(i.path, v) for i in train_items for v in views]
    requests += [ViewRequest(i.path, 0) for i in val_items]
    arrays, failures = activations(
        context.network,
        context.boundary,
        requests,
        recipe,
        context.settings,
        cache=cache,
        namespace=namespace,
        batch_size=max(context.batch_size, context.settings.extraction_batch_size),
        progress=progress,
        cancel=cancel,
    )
    train_items = drop_failures(context, train_items, failures)
    val_items = drop_failures(context, val_items, failures)
    _check_after_skips(context, train_items, val_items, failures)
    train_views = [torch.from_numpy(np.stack([arrays[ViewRequest(i.path, v)] for i in train_items])) for v in views]
    val_x = torch.from_numpy(np.stack([arrays[ViewRequest(i.path, 0)] for i in val_items]))
    return CachedData(context, Split.of(context, train_items), Split.of(context, val_items), train_views, val_x)


def _check_after_skips(context: TrainingContext, train_items: list[ImageItem], val_items: list[ImageItem],
                       failures: Sequence[ImageDecodeError]) -> None:
    present = {i.label for i in train_items}
    lost = [n for n in context.class_names if n not in present]
    if lost:
        raise DataError(_(
            "No readable training photos left in: {names}."
        ).format(names=', '.join(lost)) + _why_unreadable(failures))
    if not val_items:
        raise DataError(_('No readable validation photos left.') + _why_unreadable(failures))


def _why_unreadable(failures: Sequence[ImageDecodeError]) -> str:
    """Why photos were lost, for a run that has none left of a class: a project whose folder was
    moved has none at all, and "no readable photos" alone does not say so."""
    if not failures:
        return ""
    first = failures[0]
    return " " + ngettext(
        "{count} photo could not be read: {path}: {reason}.",
        "{count} photos could not be read; the first: {path}: {reason}.",
        len(failures),
    ).format(count=len(failures), path=first.path, reason=first.reason)


# Offsets the seeds of the views' cycles from the seeds of the epochs' batch orders.
VIEW_CYCLE_SEED = 7_919_000_000


class CachedData:
    """Training data as cached activations at the freeze boundary: no image is opened per epoch."""

    def __init__(self, context: TrainingContext, train: Split, val: Split, train_views, val_x):
        self.context = context
        self.train = train
        self.val = val
        # (views, images, ...) in one tensor, so a batch is a single indexing operation.
        self.train_views = torch.stack(train_views)
        self.val_x: torch.Tensor = val_x
        self.device = context.settings.device
        # Small caches live on the device as float32; the head-only case is a few MB even for
        # thousands of photos. Large spatial caches stay half precision on the host.
        if self.train_views.numel() * 4 < 1_000_000_000:
            self.train_views = self.train_views.to(self.device).float()
            self.val_x = self.val_x.to(self.device).float()

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train.items) / self.context.batch_size)

    def train_batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.train.items)
        batch_size = self.context.batch_size
        generator = torch.Generator().manual_seed(self.context.seed * 100_003 + epoch)
        order = torch.randperm(n, generator=generator)
        view_of = self.views_of(epoch)
        targets = self.train.targets.to(self.device)
        order = order.to(self.train_views.device)
        view_of = view_of.to(self.train_views.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            x = self.train_views[view_of[idx], idx].to(self.device, non_blocking=True).float()
            yield self.context.settings.memory_format_input(x), targets[idx.to(self.device)]

    def views_of(self, epoch: int) -> torch.Tensor:
        """The cached view (0: the plain crop) each training photo contributes in ``epoch``.

        Each photo goes through all its views, in an order of its own, before it meets one again:
        drawn afresh every epoch, a photo saw the same crop in several of a short fine-tune's epochs
        (5 epochs over 5 views showed 3.4 different ones on average) while other crops cached for it
        went unused. The order depends only on the seed and the epoch, as the batches do.
        """
        n, views = len(self.train.items), self.train_views.shape[0]
        cycle, turn = divmod(epoch, views)
        generator = torch.Generator().manual_seed(VIEW_CYCLE_SEED + self.context.seed * 100_003 + cycle)
        return torch.rand(n, views, generator=generator).argsort(dim=1)[:, turn]

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        return self.context.network.forward_from(self.context.boundary, x)

    def _val_logits(self, cancel: CancelToken | None = None) -> torch.Tensor:
        net, boundary, settings = self.context.network, self.context.boundary, self.context.settings
        net.eval()
        outs = []
        # A head's batch takes microseconds; a fine-tune's stages take about a second for 64 photos
        # on a 2-core CPU: Stop is looked at between batches of that size.
        size = 256 if boundary == len(net.stages) - 1 else 64
        with torch.inference_mode():
            for start in range(0, len(self.val_x), size):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                x = self.val_x[start : start + size].to(self.device).float()
                outs.append(net.forward_from(boundary, settings.memory_format_input(x)).float())
        return torch.cat(outs).cpu()

    def validate(self, loss_fn: LossFn, cancel: CancelToken | None = None) -> Validation:
        return Validation.of(self._val_logits(cancel), self.val.targets, loss_fn)


# ---- photos decoded every epoch -------------------------------------------------------------------
# Bytes of decoded (uint8) validation photos the streamed path keeps between epochs.
VAL_MEMORY_BUDGET = 600_000_000


class StreamedData:
    """Training data decoded every epoch (augmented afresh) and run through the whole network."""

    def __init__(self, context: TrainingContext, train_items: Sequence[ImageItem], val_items: Sequence[ImageItem]):
        self.context = context
        self.train = Split.of(context, train_items)
        self.val = Split.of(context, val_items)
        self.recipe = context.recipe
        self._val_decoded: list[torch.Tensor] | None = None
        # What runs the frozen stages (``frozen_activations``). Made here, before any photo is
        # decoded: a copy made while decode threads run holds the window's thread out of Python.
        self._frozen = self._frozen_network()

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train.items) / self.context.batch_size)

    def train_batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        context = self.context
        rng = random.Random(context.seed * 100_003 + epoch)
        items = list(self.train.items)
        rng.shuffle(items)
        # A fresh augmented view number per epoch: the same recipe the cache uses, never repeated.
        view = epoch if context.augment else 0
        requests = [ViewRequest(i.path, view) for i in items]
        by_path = {i.path: i for i in items}
        for good, batch, failed in decoded_batches(
            requests, self.recipe.make, context.batch_size, context.settings.decode_workers
        ):
            if failed:
                self.train = Split.of(context, drop_failures(context, self.train.items, failed))
            if batch is None:
                continue
            targets = context.targets([by_path[r.path] for r in good]).to(context.settings.device)
            yield self._normalise(batch), targets

    def _normalise(self, batch: torch.Tensor) -> torch.Tensor:
        settings = self.context.settings
        x = self.context.preprocessing.normalize(settings.to_device(batch))
        return settings.memory_format_input(x)

    def frozen_activations(self, x: torch.Tensor) -> torch.Tensor:
        """What the frozen stages (before the boundary) make of a normalised batch ``x``.

        They never change during the run and run in evaluation mode (``train_mode``): a copy of
        them with their batch norms folded (``runtime.folding``), made once, computes the same,
        faster, and without autograd (they need no graph).
        """
        if self._frozen is None:
            return x
        with torch.no_grad():
            return self._frozen.forward_until(self.context.boundary, x)

    def _frozen_network(self) -> nn.Module | None:
        """A folded copy of the network for its frozen stages (the network itself where none agrees
        with it); None when no stage is frozen."""
        if self.context.boundary == 0:
            return None
        net = self.context.network
        with torch.inference_mode(False):  # a copy of plain tensors, whoever builds this source
            return folded_copy(net, self.context.preprocessing.input_size) or net

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        return self.context.network.forward_from(self.context.boundary, self.frozen_activations(x))

    def _val_batches(self) -> Iterator[torch.Tensor]:
        if self._val_decoded is not None:
            yield from self._val_decoded
            return
        requests = [ViewRequest(i.path, 0) for i in self.val.items]
        kept: list[ImageItem] = []
        by_path = {i.path: i for i in self.val.items}
        # Validation photos are decoded once and kept, unless they would take much memory.
        decoded: list[torch.Tensor] | None = []
        held = 0
        for good, batch, failed in decoded_batches(
            requests, self.recipe.make, 64, self.context.settings.decode_workers
        ):
            self.context.on_skipped(failed)
            kept.extend(by_path[r.path] for r in good)
            if batch is None:
                continue
            held += batch.numel()
            if decoded is not None:
                decoded.append(batch)
                if held >= VAL_MEMORY_BUDGET:
                    decoded = None
            yield batch
        self.val = Split.of(self.context, kept)
        self._val_decoded = decoded

    def _val_logits(self, cancel: CancelToken | None = None) -> torch.Tensor:
        net = self.context.network
        net.eval()
        outs = []
        with torch.inference_mode(), self.context.settings.autocast():
            for batch in self._val_batches():
                if cancel is not None:
                    cancel.raise_if_cancelled()
                x = self.frozen_activations(self._normalise(batch))
                outs.append(net.forward_from(self.context.boundary, x).float().cpu())
        return torch.cat(outs)

    def validate(self, loss_fn: LossFn, cancel: CancelToken | None = None) -> Validation:
        return Validation.of(self._val_logits(cancel), self.val.targets, loss_fn)
