"""Training on several processes or machines, under PyTorch's own launcher (``torchrun``).

``torchrun --nproc-per-node N [--nnodes M ...] -m tlgui train ...`` starts N copies of the same
command per machine and tells each, through its environment (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR...), where it stands. ``process_group`` joins them for the length of a ``train`` call:
NCCL between GPUs (each process takes the GPU numbered by its local rank), Gloo between CPUs.
Without torchrun, or with one process, nothing here does anything and a run is a plain run.

How the work is shared:

- cached activations: each rank computes (and caches) the frozen trunk's activations of its share
  of the photos (every view of a photo on the same rank, so a photo is read by one rank), then every
  rank gathers all of them. A head alone then trains on every rank identically: it takes seconds, and
  no rank waits on another. Trainable stages above a cached boundary train as below;
- trainable stages (partial and full fine-tuning): ``DistributedDataParallel`` over the stages from
  the freeze boundary on, which averages the gradients. Each step's batch is the one a single
  process would train on, split across the ranks (a ``DistributedSampler`` over each step rather
  than over the epoch), so a run on N processes takes the same steps, with the same learning rates,
  as a run on one. Photos decoded every epoch are decoded by the rank that trains on them;
- validation: each rank computes its share and all gather the rest, so every rank finds the same
  accuracy and keeps the same best epoch. The best weights are finally sent from rank 0 to all.

Only rank 0 reports progress (``train`` mutes the other ranks' callbacks) and writes the model (the
command line's part). What each rank handled is in ``last_share``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import islice
from typing import Any, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.errors import ImageDecodeError, TlguiError
from tlgui.core.i18n import _
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.device import pick_device
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.context import TrainingContext
from tlgui.core.training.extraction import (
    ViewRecipe,
    ViewRequest,
    compute_activations,
    decoded_batches,
    pooled_batches,
    stack_images,
)
from tlgui.core.training.sources import (
    VAL_MEMORY_BUDGET,
    BatchSource,
    CachedData,
    LossFn,
    Split,
    StreamedData,
    Validation,
    drop_failures,
)

T = TypeVar("T")

# A rank waits at a gather for the slowest rank's share of the extraction, which on a CPU can take
# hours; a rank that died does not leave the others waiting, torchrun ends them.
PEER_TIMEOUT = timedelta(hours=12)
# Activations are gathered in pieces of about this many bytes per rank, so that a gather of hundreds
# of thousands of feature maps never needs them all twice in (GPU) memory.
GATHER_CHUNK_BYTES = 64 * 1024 * 1024


def launched_by_torchrun() -> bool:
    """Whether this process is one of several that torchrun (or another launcher) started."""
    return _env_int("WORLD_SIZE", 1) > 1 and "RANK" in os.environ


def is_main_process() -> bool:
    """Rank 0, or the only process: the one that reports and writes files."""
    return _env_int("RANK", 0) == 0


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise TlguiError(_(
            "The environment variable {name} must be a whole number, not {environ!r}."
        ).format(name=name, environ=os.environ[name])) from None


# ---- what one rank did --------------------------------------------------------------------------
@dataclass
class RankShare:
    """What one rank of a run handled: its share of the extraction, of each epoch and of validation."""

    rank: int
    size: int
    device: str
    photos_extracted: int | None = None  # None: nothing was extracted (photos decoded every epoch)
    photos_to_extract: int = 0
    photos_trained: int = 0  # in the last epoch
    train_photos: int = 0
    head_on_every_rank: bool = False
    photos_validated: int = 0  # in the last validation
    val_photos: int = 0

    def describe(self) -> str:
        parts = [f"rank {self.rank} of {self.size} on {self.device}"]
        if self.photos_extracted is not None:
            parts.append(f"extracted {self.photos_extracted} of {self.photos_to_extract} photos")
        if self.head_on_every_rank:
            parts.append(f"trained the head on all {self.train_photos} photos, as every rank did")
        else:
            parts.append(f"trained on {self.photos_trained} of {self.train_photos} photos an epoch")
        parts.append(f"validated {self.photos_validated} of {self.val_photos} photos")
        return "; ".join(parts)


_last_share: RankShare | None = None


def last_share() -> RankShare | None:
    """What this rank handled in the last distributed run of this process; None if there was none."""
    return _last_share


# ---- the process group ---------------------------------------------------------------------------
@dataclass
class World:
    """This process's place among the ranks of a run, and the collectives the run uses."""

    rank: int
    size: int
    local_rank: int
    local_size: int
    device: torch.device
    share: RankShare

    @property
    def comm_device(self) -> torch.device:
        # NCCL moves only GPU tensors; Gloo moves CPU tensors.
        return self.device if self.device.type == "cuda" else torch.device("cpu")

    def gather_objects(self, obj: T) -> list[T]:
        """Every rank's ``obj`` (pickled), in rank order."""
        gathered: list[Any] = [None] * self.size
        dist.all_gather_object(gathered, obj)
        return gathered

    def gather_rows(self, rows: torch.Tensor) -> list[torch.Tensor]:
        """Every rank's ``rows`` (a different number on each, the same shape and type), on the CPU."""
        meta = self.gather_objects((len(rows), tuple(rows.shape[1:]), str(rows.dtype)))
        counts = [n for n, _, _ in meta]
        _, shape, dtype_name = next((m for m in meta if m[0]), meta[0])
        dtype = getattr(torch, dtype_name.removeprefix("torch."))
        width = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        # Sent as bytes: the same collective for any dtype and any backend.
        local = rows.detach().reshape(len(rows), -1).contiguous().cpu().view(torch.uint8) if len(rows) else (
            torch.empty((0, width), dtype=torch.uint8))
        most = max(counts)
        step = max(1, GATHER_CHUNK_BYTES // max(1, width))
        pieces: list[list[torch.Tensor]] = [[] for _ in range(self.size)]
        for start in range(0, most, step):
            size = min(step, most - start)
            piece = torch.zeros((size, width), dtype=torch.uint8)
            mine = local[start : start + size]
            piece[: len(mine)] = mine
            received = [torch.empty_like(piece, device=self.comm_device) for _ in range(self.size)]
            dist.all_gather(received, piece.to(self.comm_device))
            for rank, block in enumerate(received):
                pieces[rank].append(block[: max(0, min(size, counts[rank] - start))].cpu())
        return [
            (torch.cat(p) if p else torch.empty((0, width), dtype=torch.uint8)).view(dtype).reshape(-1, *shape)
            for p in pieces
        ]

    def all_have(self, count: int) -> bool:
        """Whether every rank has at least one photo for this step (a collective: every rank asks)."""
        fewest = torch.tensor([count], dtype=torch.long, device=self.comm_device)
        dist.all_reduce(fewest, op=dist.ReduceOp.MIN)
        return int(fewest.item()) > 0

    def mean(self, value: float) -> float:
        """The mean of ``value`` over the ranks."""
        total = torch.tensor([value], dtype=torch.float64, device=self.comm_device)
        dist.all_reduce(total)
        return float(total.item()) / self.size

    def from_main(self, values: Sequence[float]) -> tuple[float, ...]:
        """Rank 0's ``values``, on every rank."""
        sent = torch.tensor(list(values), dtype=torch.float64, device=self.comm_device)
        dist.broadcast(sent, src=0)
        return tuple(sent.tolist())

    def send_from_main(self, tensors: Iterator[torch.Tensor]) -> None:
        """Overwrite ``tensors`` (in place, in the same order on every rank) with rank 0's values."""
        with torch.no_grad():
            for tensor in tensors:
                copy = tensor.detach().contiguous().to(self.comm_device)
                dist.broadcast(copy, src=0)
                tensor.copy_(copy)

    def failures_anywhere(self, failures: Sequence[ImageDecodeError]) -> list[ImageDecodeError]:
        """The photos that failed on any rank (each rank passing those that failed on it)."""
        gathered = self.gather_objects([(f.path, f.reason) for f in failures])
        return [ImageDecodeError(path, reason) for there in gathered for path, reason in there]

    def check_same(self, what: str, names: Sequence[str]) -> None:
        """Refuse to go on unless every rank has the same ``names`` (the same photos, in order)."""
        digest = hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()
        differ = [rank for rank, d in enumerate(self.gather_objects(digest)) if d != digest]
        if differ:
            raise TlguiError(
                _(
                    "The processes of this run do not see the same {what} (rank {differ} differs from "
                    "rank {rank}): every machine needs the same photos under the same paths."
                ).format(what=what, differ=differ[0], rank=self.rank)
            )


_world: World | None = None


def current() -> World | None:
    """The run's ranks while ``process_group`` is open in a launched process; None otherwise."""
    return _world


@contextlib.contextmanager
def process_group(device_name: str) -> Iterator[World | None]:
    """Join the other processes torchrun started, for the block (None when there are none).

    NCCL when ``device_name`` resolves to CUDA (each process on the GPU of its local rank), Gloo
    otherwise. After the block the ranks wait for each other, then leave; after an error or Ctrl-C
    this rank leaves at once (torchrun ends the others).
    """
    global _world, _last_share
    if not launched_by_torchrun() or _world is not None:
        yield _world
        return
    rank, size = _env_int("RANK", 0), _env_int("WORLD_SIZE", 1)
    local_rank, local_size = _env_int("LOCAL_RANK", 0), _env_int("LOCAL_WORLD_SIZE", 1)
    device = local_device(device_name, local_rank, local_size)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    try:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=PEER_TIMEOUT)
    except dist.DistError as exc:
        where = f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"
        raise TlguiError(_(
            "Rank {rank} could not reach the other processes of this run at {where}."
        ).format(rank=rank, where=where)) from exc
    _world = World(rank, size, local_rank, local_size, device, RankShare(rank, size, str(device)))
    finished = False
    try:
        yield _world
        finished = True
    except (dist.DistError, RuntimeError) as exc:
        # NCCL's lost peers raise DistError; Gloo's raise a RuntimeError naming its own source file.
        if not isinstance(exc, dist.DistError) and "gloo" not in str(exc):
            raise
        raise TlguiError(
            _(
                "Rank {rank} lost contact with the other processes of this run: the one that stopped "
                "first says why."
            ).format(rank=rank)
        ) from exc
    finally:
        _last_share, _world = _world.share, None
        # A rank that failed leaves at once: the others may be waiting in an exchange it never joins.
        with contextlib.suppress(dist.DistError, RuntimeError):
            if finished:
                dist.barrier()
            dist.destroy_process_group()


def local_device(device_name: str, local_rank: int, local_size: int) -> torch.device:
    """The device of the process with ``local_rank`` among ``local_size`` on this machine."""
    device = pick_device(device_name)
    if device.type == "mps":
        raise TlguiError(_("Training on several processes runs on CUDA GPUs or on CPUs, not on Apple's MPS: use --device cpu."))
    if device.type != "cuda":
        return device
    if device.index is not None and local_size > 1:
        raise TlguiError(
            _(
                "With several processes on one machine each takes the GPU of its local rank: use "
                "--device cuda or auto, not {device_name}."
            ).format(device_name=device_name)
        )
    index = device.index if device.index is not None else local_rank
    if index >= torch.cuda.device_count():
        raise TlguiError(
            _(
                "torchrun started {local_size} processes on this machine, but it has {device_count} "
                "CUDA GPU(s): start at most one process per GPU (--nproc-per-node)."
            ).format(local_size=local_size, device_count=torch.cuda.device_count())
        )
    return torch.device("cuda", index)


def settings_for_rank(settings: InferenceSettings) -> InferenceSettings:
    """``settings`` on this rank's device, with the machine's decoding threads shared by its ranks."""
    world = current()
    if world is None:
        return settings
    return replace(settings, device=world.device, decode_workers=max(1, settings.decode_workers // world.local_size))


def main_rank_only(callbacks: Sequence[T]) -> list[T]:
    """``callbacks`` on rank 0 (or without ranks); none on the others, so a run reports once."""
    return list(callbacks) if is_main_process() else []


def main_values(*values: float) -> tuple[float, ...]:
    """Rank 0's ``values`` on every rank (the values themselves without ranks).

    What an epoch's validation decides (whether it is the best so far, whether to stop early, whether
    the loss went wrong) must be decided alike on every rank: a rank that left the epochs while
    another went on would leave that one waiting in the next epoch's exchange until the run's
    12-hour timeout. A head phase trains and validates on every rank alike, identically only where
    the kernels are deterministic and the devices the same model: judged on rank 0's figures, the
    ranks take the same decisions, and rank 0's weights are sent to all at the end anyway.
    """
    world = current()
    return values if world is None else world.from_main(values)


def mean_over_ranks(value: float) -> float:
    """The mean of ``value`` over the ranks (``value`` itself without ranks)."""
    world = current()
    return value if world is None else world.mean(value)


# ---- cached activations, computed in shares -------------------------------------------------------
def activations_on_all_ranks(
    net: StagedNetwork,
    boundary: int,
    requests: Sequence[ViewRequest],
    recipe: ViewRecipe,
    settings: InferenceSettings,
    **options,
) -> tuple[dict[ViewRequest, np.ndarray], list[ImageDecodeError]]:
    """``compute_activations``, with each rank computing (and caching) its share of the photos and
    every rank getting all the results. Without ranks, ``compute_activations`` itself."""
    world = current()
    if world is None:
        return compute_activations(net, boundary, requests, recipe, settings, **options)
    requests = list(dict.fromkeys(requests))
    world.check_same("photos", [f"{r.path}\t{r.view}" for r in requests])
    photos = list(dict.fromkeys(r.path for r in requests))
    mine = set(photos[world.rank :: world.size])
    my_requests = [r for r in requests if r.path in mine]
    found, failures = compute_activations(net, boundary, my_requests, recipe, settings, **options)
    done = [r for r in my_requests if r in found]
    rows = torch.from_numpy(np.stack([found[r] for r in done])) if done else torch.empty(0)
    gathered_rows = world.gather_rows(rows)
    arrays: dict[ViewRequest, np.ndarray] = {}
    for done_there, rows_there in zip(world.gather_objects(done), gathered_rows, strict=True):
        arrays.update(zip(done_there, rows_there.numpy(), strict=True))
    world.share.photos_extracted, world.share.photos_to_extract = len(mine), len(photos)
    return arrays, world.failures_anywhere(failures)


# ---- batch sources shared between ranks ----------------------------------------------------------
def shard_source(source: BatchSource, context: TrainingContext) -> BatchSource:
    """``source`` as this rank's part of the run: unchanged without ranks, and for a head trained on
    gathered features (every rank trains it alike); otherwise each step and each validation split
    between the ranks, and the trainable stages under DistributedDataParallel."""
    world = current()
    if world is None:
        return source
    world.share.train_photos, world.share.val_photos = len(source.train.items), len(source.val.items)
    # A run's head phase trains on every rank alike; a fine-tune after it is shared: the share
    # reported is that of the last phase.
    world.share.head_on_every_rank = False
    if isinstance(source, CachedData):
        if context.regime is Regime.HEAD:
            world.share.head_on_every_rank = True
            world.share.photos_validated = world.share.val_photos
            return source
        return ShardedCachedData(source, world)
    if isinstance(source, StreamedData):
        return ShardedStreamedData(source, world)
    raise TypeError(f"no distributed form of {type(source).__name__}")


def send_trained_from_main(context: TrainingContext) -> None:
    """Give every rank rank 0's trained stages (the best epoch's), so that all end with one model."""
    world = current()
    if world is not None:
        world.send_from_main(_TrainablePart(context).state_dict().values())


def step_shares(order: Sequence[T], batch_size: int, world: World) -> Iterator[list[T]]:
    """This rank's share of each step's batch, the batches being those one process would take.

    A last batch smaller than the number of ranks is topped up from the start of the epoch: every
    rank needs a photo in every step, since each step ends in an exchange of gradients.
    """
    for start in range(0, len(order), batch_size):
        batch = list(order[start : start + batch_size])
        while len(batch) < world.size:
            batch.extend(order[: world.size - len(batch)])
        yield batch[world.rank :: world.size]


class _TrainablePart(nn.Module):
    """The stages from the freeze boundary on, run in order: what DistributedDataParallel wraps."""

    def __init__(self, context: TrainingContext):
        super().__init__()
        self.stages = nn.ModuleList(list(context.network.stages.values())[context.boundary :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages:
            x = stage(x)
        return x


class _Sharded:
    """What both sharded sources share: DDP over the trainable stages and validation in shares.

    Anything else a source offers is passed on to it unchanged (and then done whole on every rank).
    """

    def __init__(self, inner, world: World):
        self.inner = inner
        self.world = world
        self.context: TrainingContext = inner.context
        self._part = _TrainablePart(self.context)
        self._model: DistributedDataParallel | None = None

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (a copy being made): no source to ask
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def train(self) -> Split:
        return self.inner.train

    @property
    def val(self) -> Split:
        return self.inner.val

    def steps_per_epoch(self) -> int:
        return self.inner.steps_per_epoch()

    def _trained(self, x: torch.Tensor) -> torch.Tensor:
        if self._model is None:
            # Made at the first step, when the run has frozen what it freezes; it starts every rank
            # from rank 0's weights, and from then on averages the gradients of each step.
            device = self.world.device
            self._model = DistributedDataParallel(self._part, device_ids=[device.index] if device.type == "cuda" else None)
        return self._model(x)

    def _logits_in_shares(self, count: int, logits_of: Callable[[list[int]], tuple[list[int], torch.Tensor]]):
        """(indices kept, logits in index order) of ``count`` validation photos, each rank computing
        those ``logits_of`` gives it for its share of the indices."""
        # Batch statistics drift apart between ranks during an epoch: validate rank 0's, as DDP does.
        self.world.send_from_main(self._part.buffers())
        kept, logits = logits_of(list(range(self.world.rank, count, self.world.size)))
        self.world.share.photos_validated = len(kept)
        every_kept = [i for k in self.world.gather_objects(kept) for i in k]
        every_logits = torch.cat(self.world.gather_rows(logits.float()))
        order = sorted(range(len(every_kept)), key=every_kept.__getitem__)
        return [every_kept[i] for i in order], every_logits[order]

    def validate(self, loss_fn: LossFn, cancel: CancelToken | None = None) -> Validation:
        # Every rank validates its share and they gather: none may stop half way on its own.
        return Validation.of(self._val_logits(), self.val.targets, loss_fn)


class ShardedCachedData(_Sharded):
    """Trainable stages above a cached boundary, each rank training on its share of every step."""

    def train_batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        # Slicing a batch of cached activations costs next to nothing: each rank takes the batches
        # the single-process source makes (its order and views) and keeps its share of each.
        trained = 0
        for x, y in self.inner.train_batches(epoch):
            mine = next(step_shares(range(len(y)), len(y), self.world))
            trained += len(mine)
            yield x[mine], y[mine]
        self.world.share.photos_trained = trained

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        return self._trained(x)

    def _val_logits(self) -> torch.Tensor:
        net, boundary, settings = self.context.network, self.context.boundary, self.context.settings

        def logits_of(indices: list[int]) -> tuple[list[int], torch.Tensor]:
            net.eval()
            outs = [torch.empty((0, len(self.context.class_names)))]
            with torch.inference_mode():
                for start in range(0, len(indices), 256):
                    x = self.inner.val_x[indices[start : start + 256]].to(settings.device).float()
                    outs.append(net.forward_from(boundary, settings.memory_format_input(x)).float().cpu())
            return indices, torch.cat(outs)

        return self._logits_in_shares(len(self.inner.val_x), logits_of)[1]


class ShardedStreamedData(_Sharded):
    """Photos decoded every epoch, each rank decoding and training on its share of every step."""

    def __init__(self, inner: StreamedData, world: World):
        super().__init__(inner, world)
        self._val_items = list(inner.val.items)
        world.check_same("photos", [f"{i.label}\t{i.path}" for i in [*inner.train.items, *self._val_items]])
        self._val_decoded: tuple[list[int], list[torch.Tensor]] | None = None

    def train_batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        context, world = self.context, self.world
        items = list(self.inner.train.items)
        # The order StreamedData.train_batches takes, so that the steps are those of one process.
        random.Random(context.seed * 100_003 + epoch).shuffle(items)
        view = epoch if context.augment else 0
        shares = list(step_shares(items, context.batch_size, world))
        requests = [ViewRequest(item.path, view) for share in shares for item in share]
        by_path = {item.path: item for item in items}
        failures: list[ImageDecodeError] = []
        trained = 0
        # One photo per pooled "batch", so that decoding runs ahead across the (uneven) shares.
        ahead = 2 * max(map(len, shares), default=1)
        workers = context.settings.decode_workers
        with contextlib.closing(pooled_batches(requests, context.recipe.make, 1, workers, ahead)) as decoded:
            for share in shares:
                good: list[ViewRequest] = []
                tensors: list[torch.Tensor] = []
                for good_one, tensor, failed in islice(decoded, len(share)):
                    good += good_one
                    tensors += tensor
                    failures += failed
                # A step every photo of which failed on some rank is skipped by all ranks alike.
                if not world.all_have(len(good)):
                    continue
                trained += len(good)
                targets = context.targets([by_path[r.path] for r in good]).to(context.settings.device)
                yield _normalised(context, stack_images(tensors)), targets
        world.share.photos_trained = trained
        failed_anywhere = world.failures_anywhere(failures)
        if failed_anywhere:
            self.inner.train = Split.of(context, drop_failures(context, self.inner.train.items, failed_anywhere))
            world.share.train_photos = len(self.inner.train.items)

    def forward_train(self, x: torch.Tensor) -> torch.Tensor:
        return self._trained(self.inner.frozen_activations(x))

    def _val_logits(self) -> torch.Tensor:
        kept, logits = self._logits_in_shares(len(self._val_items), self._decoded_val_logits)
        if len(kept) != len(self.inner.val.items):
            self.inner.val = Split.of(self.context, [self._val_items[i] for i in kept])
            self.world.share.val_photos = len(kept)
        return logits

    def _decoded_val_logits(self, indices: list[int]) -> tuple[list[int], torch.Tensor]:
        net = self.context.network
        net.eval()
        outs = [torch.empty((0, len(self.context.class_names)))]
        kept, batches = self._val_decoded or self._decode_val(indices)
        with torch.inference_mode(), self.context.settings.autocast():
            for batch in batches:
                x = self.inner.frozen_activations(_normalised(self.context, batch))
                outs.append(net.forward_from(self.context.boundary, x).float().cpu())
        return kept, torch.cat(outs)

    def _decode_val(self, indices: list[int]) -> tuple[list[int], list[torch.Tensor]]:
        """This rank's validation photos, decoded; kept for the next epochs when they fit in memory."""
        position = {self._val_items[i].path: i for i in indices}
        requests = [ViewRequest(self._val_items[i].path, 0) for i in indices]
        kept: list[int] = []
        batches: list[torch.Tensor] = []
        failures: list[ImageDecodeError] = []
        for good, batch, failed in decoded_batches(requests, self.context.recipe.make, 64,
                                                   self.context.settings.decode_workers):
            failures += failed
            kept += [position[r.path] for r in good]
            if batch is not None:
                batches.append(batch)
        self.context.on_skipped(self.world.failures_anywhere(failures))
        # Kept only if they are on every rank: the ranks must take the same steps in every epoch.
        if self.world.all_have(sum(b.numel() for b in batches) < VAL_MEMORY_BUDGET // self.world.local_size):
            self._val_decoded = (kept, batches)
        return kept, batches


def _normalised(context: TrainingContext, batch: torch.Tensor) -> torch.Tensor:
    settings = context.settings
    return settings.memory_format_input(context.preprocessing.normalize(settings.to_device(batch)))


