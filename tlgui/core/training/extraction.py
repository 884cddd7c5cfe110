"""Computing activations fast: threaded decoding overlapped with the forward pass.

Decoding JPEGs (in draft mode, at reduced scale) and resizing run in a small thread pool — Pillow
releases the GIL — while the network computes the previous batch, so the CPU spends its time in
the forward pass. ``pooled_batches`` is that pipeline, shared with prediction (``predict_batches``):
a bounded queue of a few batches decoded ahead, handed out in order, unreadable photos reported per
request, Stop noticed while waiting. Results go to the FeatureCache batch by batch, so a stopped
extraction keeps what it finished. Each photo is read once, and what is decoded and hashed are
those same bytes: the cache keys (``cache_key``) name the pixels that were really computed.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.images import content_digest, load_rgb, reading_photo
from tlgui.core.errors import ImageDecodeError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, Phase, ProgressFn, RateMeter
from tlgui.core.runtime.folding import network_for_photos
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.augment import augment_uint8
from tlgui.core.training.cache_key import (
    FileStamp,
    current_stamps,
    entry_key,
    remember_digests,
    remembered_digests,
)
from tlgui.core.training.feature_cache import FeatureCache

T = TypeVar("T")

# Bumped whenever decoding or resampling changes the pixels a view gets, so that cached
# activations made by an older version are recomputed rather than mixed with new ones.
PIXEL_PIPELINE_VERSION = 2

# Feature maps are stored in half precision: half the disk and memory, and the head trains the same.
STORE_DTYPE = np.float16

# How often a wait for decodes looks at the Stop flag: a batch of large photos can take seconds.
CANCEL_POLL_S = 0.05


@dataclass(frozen=True)
class ViewRequest:
    """One image to compute: ``view`` 0 is the plain centre crop, k > 0 the k-th augmented view."""

    path: Path
    view: int = 0


@dataclass(frozen=True)
class PhotoBytes:
    """A photo's bytes as read once. ``stamp``: the file's stamp while they were read, or None when
    the file changed during the read or was modified too recently to be remembered."""

    path: Path
    data: bytes
    stamp: FileStamp | None

    @cached_property
    def digest(self) -> str:
        return content_digest(self.data)


@contextmanager
def read_photo(path: Path) -> Iterator[PhotoBytes]:
    """A photo's bytes, read once, for the ``with`` block (``images.reading_photo``: a regular file
    within the photo size limit, its bytes counted as held until the block ends)."""
    started = time.time_ns()
    with reading_photo(path) as photo:
        after = FileStamp.of(photo.read)
        unchanged = after == FileStamp.of(photo.opened) and after.settled(started)
        yield PhotoBytes(Path(path), photo.data, after if unchanged else None)


@dataclass(frozen=True)
class ViewRecipe:
    """How views are made; part of the cache namespace so changing it never reuses stale entries."""

    prep: Preprocessing
    augment_strength: str = "medium"
    seed: int = 0

    def key(self) -> str:
        return f"p{PIXEL_PIPELINE_VERSION}-{self.prep.key()}-{self.augment_strength}-{self.seed}"

    def make(self, request: ViewRequest) -> torch.Tensor:
        """Read, decode and transform one image (runs in a worker thread)."""
        with read_photo(request.path) as photo:
            return self.make_from(photo, request.view)

    def make_from(self, photo: PhotoBytes, view: int) -> torch.Tensor:
        """Decode ``photo``'s bytes and make its view ``view``."""
        img = load_rgb(photo.path, min_size=self.prep.resize_size, data=photo.data)
        if view == 0:
            return self.prep.eval_uint8(img)
        # Seeded by the content: the same bytes get the same k-th view wherever they are.
        rng = random.Random(f"{self.seed}:{photo.digest}:{view}")
        return augment_uint8(img, self.prep, rng, self.augment_strength)


def decoded_batches(
    requests: Sequence[ViewRequest],
    make: Callable[[ViewRequest], torch.Tensor],
    batch_size: int,
    workers: int,
    *,
    prefetch_batches: int = 2,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[list[ViewRequest], torch.Tensor | None, list[ImageDecodeError]]]:
    """Yield (good requests, uint8 batch, failures) in order, decoding ahead in a thread pool."""
    for good, tensors, failures in pooled_batches(requests, make, batch_size, workers, prefetch_batches,
                                                   cancel=cancel):
        yield good, (stack_images(tensors) if tensors else None), failures


def pooled_batches(
    requests: Sequence[ViewRequest],
    make: Callable[[ViewRequest], T],
    batch_size: int,
    workers: int,
    prefetch_batches: int = 2,
    *,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[list[ViewRequest], list[T], list[ImageDecodeError]]]:
    """Yield (good requests, their results, failures) batch by batch, in order, while a thread pool
    works ahead on the next ``prefetch_batches`` batches: memory holds a few batches, never the set.

    With ``cancel``, ``Cancelled`` is raised before a batch is handed out once Stop is set, within
    ``CANCEL_POLL_S`` even while that batch is still decoding; the decodes queued ahead are dropped.
    """
    batches = [requests[i : i + batch_size] for i in range(0, len(requests), batch_size)]
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tlgui-decode")
    pending: deque[list[Future]] = deque()
    submitted = 0

    def submit_until_full() -> None:
        nonlocal submitted
        while submitted < len(batches) and len(pending) <= prefetch_batches:
            pending.append([pool.submit(make, r) for r in batches[submitted]])
            submitted += 1

    try:
        submit_until_full()
        for batch in batches:
            futures = pending.popleft()
            _wait_unless_cancelled(futures, cancel)  # before queueing more: Stop queues nothing new
            submit_until_full()
            good, results, failures = [], [], []
            for request, future in zip(batch, futures, strict=True):
                try:
                    results.append(future.result())
                    good.append(request)
                except ImageDecodeError as exc:
                    failures.append(exc)
                except Exception as exc:  # noqa: BLE001 - a file Pillow chokes on is skipped, not fatal
                    failures.append(ImageDecodeError(request.path, _(
                        "cannot decode ({name}: {exc})"
                    ).format(name=type(exc).__name__, exc=exc)))
            yield good, results, failures
    finally:
        # Stopped or closed early: the queued decodes are dropped, and the running ones are not
        # waited for (a photo on a slow disk must not hold up Stop); their threads end after them.
        pool.shutdown(wait=False, cancel_futures=True)


def _wait_unless_cancelled(futures: list[Future], cancel: CancelToken | None) -> None:
    """Return when every future is done; raise ``Cancelled`` as soon as Stop is set."""
    if cancel is None:
        return  # future.result() waits
    while wait(futures, timeout=CANCEL_POLL_S).not_done:
        cancel.raise_if_cancelled()
    cancel.raise_if_cancelled()


def stack_images(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Bx3xHxW uint8 batch stored channels-last (what the network runs in), in one copy.

    pil_to_uint8_tensor's tensors are views of HxWx3 pixel buffers: stacking those buffers and
    permuting gives the channels_last layout directly, instead of copying to NCHW and back.
    """
    return torch.stack([t.permute(1, 2, 0) for t in tensors]).permute(0, 3, 1, 2)


@dataclass(frozen=True)
class _Computed:
    """One decoded view with the identity of the bytes it came from (made in a worker thread)."""

    pixels: torch.Tensor
    digest: str
    stamp: FileStamp | None


def compute_activations(
    net: StagedNetwork,
    boundary: int,
    requests: Sequence[ViewRequest],
    recipe: ViewRecipe,
    settings: InferenceSettings,
    *,
    cache: FeatureCache | None,
    namespace: str,
    batch_size: int = 32,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[dict[ViewRequest, np.ndarray], list[ImageDecodeError]]:
    """Activations at stage ``boundary`` for every request: cached ones read, the rest computed.

    Returns ``{request: array}`` and the files that could not be read or decoded.
    """
    requests = list(dict.fromkeys(requests))
    found: dict[ViewRequest, np.ndarray] = {}
    failures: list[ImageDecodeError] = []
    if cache is not None:
        found, failures = _cached_activations(requests, cache, namespace, settings.decode_workers, progress, cancel)
    unreadable = {f.path for f in failures}
    missing = [r for r in requests if r not in found and r.path not in unreadable]
    if not missing:
        return found, failures
    meter = RateMeter(Phase.EXTRACT, len(missing), progress)
    meter.update(0, _("Extracting features"), force=True)
    # The frozen stages only infer here: their batch norms folded away (the same activations, faster)
    # unless the photos are too few for the copy to pay. Made before any photo is decoded: made while
    # decode threads run, the copy held the window's thread out of Python for 60-125 ms at a time
    # (three contenders for the interpreter lock instead of one), against 13-31 ms made before.
    trunk = network_for_photos(net, recipe.prep.input_size, len(missing))
    done = 0

    def make(request: ViewRequest) -> _Computed:
        with read_photo(request.path) as photo:
            pixels = recipe.make_from(photo, request.view)
            # Without a cache nothing is keyed: hashing would only cost time.
            return _Computed(pixels, photo.digest if cache is not None else "", photo.stamp)

    pooled = pooled_batches(missing, make, batch_size, settings.decode_workers, cancel=cancel)
    for good, computed, failed in pooled:
        failures.extend(failed)
        if computed:
            out = run_trunk(trunk, boundary, stack_images([c.pixels for c in computed]), recipe.prep, settings)
            found.update(zip(good, out, strict=True))
            if cache is not None:
                pairs = list(zip(good, computed, strict=True))
                cache.put_many(namespace, {entry_key(c.digest, r.view): out[i] for i, (r, c) in enumerate(pairs)})
                remember_digests(cache, [(r.path, c.stamp, c.digest) for r, c in pairs])
        done += len(good) + len(failed)
        meter.update(done, _("Extracting features"))
    return found, failures


def _cached_activations(
    requests: list[ViewRequest],
    cache: FeatureCache,
    namespace: str,
    workers: int,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> tuple[dict[ViewRequest, np.ndarray], list[ImageDecodeError]]:
    """The requests already in the cache, found by the digest of each photo's current bytes, and
    the photos that could not even be read."""
    if not cache.holds(namespace):
        # Nothing to find (or no cache to find it in: the run goes on without one): skip reading
        # every photo twice on a first run.
        return {}, []
    paths = list(dict.fromkeys(r.path for r in requests))
    digests, failures = photo_digests(paths, cache, workers, progress, cancel)
    keys = {r: entry_key(digests[r.path], r.view) for r in requests if r.path in digests}
    arrays = cache.get_many(namespace, keys.values())
    return {r: arrays[key] for r, key in keys.items() if key in arrays}, failures


def photo_digests(
    paths: Sequence[Path],
    cache: FeatureCache,
    workers: int,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[dict[Path, str], list[ImageDecodeError]]:
    """The digest of each photo's current bytes: remembered while its stamp is unchanged, else read
    and hashed (in a thread pool) and remembered. Also the photos that could not be read."""
    digests = remembered_digests(cache, current_stamps(paths))
    unknown = [ViewRequest(p) for p in paths if p not in digests]
    failures: list[ImageDecodeError] = []
    if not unknown:
        return digests, failures
    meter = RateMeter(Phase.EXTRACT, len(unknown), progress)
    meter.update(0, _("Checking photos"), force=True)
    done = 0

    def identify(request: ViewRequest) -> tuple[str, FileStamp | None]:
        with read_photo(request.path) as photo:
            return photo.digest, photo.stamp

    for good, identities, failed in pooled_batches(unknown, identify, 64, workers, cancel=cancel):
        failures.extend(failed)
        reads = [(r.path, stamp, digest) for r, (digest, stamp) in zip(good, identities, strict=True)]
        digests.update((path, digest) for path, _stamp, digest in reads)
        remember_digests(cache, reads)
        done += len(good) + len(failed)
        meter.update(done, _("Checking photos"))
    return digests, failures


def run_trunk(
    net: StagedNetwork, boundary: int, batch_uint8: torch.Tensor, prep: Preprocessing, settings: InferenceSettings
) -> np.ndarray:
    """Frozen stages [0, boundary) on a uint8 batch -> float16 numpy activations."""
    out = settings.forward_uint8(partial(net.forward_until, boundary), batch_uint8, prep)
    return out.float().cpu().numpy().astype(STORE_DTYPE)
