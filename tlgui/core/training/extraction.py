"""Computing activations fast: threaded decoding overlapped with the forward pass.

Decoding JPEGs (in draft mode, at reduced scale) and resizing run in a small thread pool — Pillow
releases the GIL — while the network computes the previous batch, so the CPU spends its time in
the forward pass. Results go to the FeatureCache batch by batch, so a stopped extraction keeps
what it finished.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.images import load_rgb
from tlgui.core.errors import ImageDecodeError
from tlgui.core.progress import CancelToken, ProgressFn, RateMeter
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.augment import augment_uint8
from tlgui.core.training.feature_cache import FeatureCache

# Bumped whenever decoding or resampling changes the pixels a view gets, so that cached
# activations made by an older version are recomputed rather than mixed with new ones.
PIXEL_PIPELINE_VERSION = 2

# Feature maps are stored in half precision: half the disk and memory, and the head trains the same.
STORE_DTYPE = np.float16


@dataclass(frozen=True)
class ViewRequest:
    """One image to compute: ``view`` 0 is the plain centre crop, k > 0 the k-th augmented view."""

    path: Path
    digest: str
    view: int = 0

    @property
    def key(self) -> str:
        return f"{self.digest}:{self.view}"


@dataclass(frozen=True)
class ViewRecipe:
    """How views are made; part of the cache namespace so changing it never reuses stale entries."""

    prep: Preprocessing
    augment_strength: str = "medium"
    seed: int = 0

    def key(self) -> str:
        return f"p{PIXEL_PIPELINE_VERSION}-{self.prep.key()}-{self.augment_strength}-{self.seed}"

    def make(self, request: ViewRequest) -> torch.Tensor:
        """Decode and transform one image (runs in a worker thread)."""
        img = load_rgb(request.path, min_size=self.prep.resize_size)
        if request.view == 0:
            return self.prep.eval_uint8(img)
        rng = random.Random(f"{self.seed}:{request.digest}:{request.view}")
        return augment_uint8(img, self.prep, rng, self.augment_strength)


def decoded_batches(
    requests: Sequence[ViewRequest],
    make: Callable[[ViewRequest], torch.Tensor],
    batch_size: int,
    workers: int,
    *,
    prefetch_batches: int = 2,
) -> Iterator[tuple[list[ViewRequest], torch.Tensor | None, list[ImageDecodeError]]]:
    """Yield (good requests, uint8 batch, failures) in order, decoding ahead in a thread pool."""
    batches = [requests[i : i + batch_size] for i in range(0, len(requests), batch_size)]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tlgui-decode") as pool:
        pending: deque[list[Future]] = deque()
        next_batch = 0

        def submit_until_full() -> None:
            nonlocal next_batch
            while next_batch < len(batches) and len(pending) <= prefetch_batches:
                pending.append([pool.submit(make, r) for r in batches[next_batch]])
                next_batch += 1

        submit_until_full()
        index = 0
        try:
            while pending:
                futures = pending.popleft()
                submit_until_full()
                good, tensors, failures = [], [], []
                for request, future in zip(batches[index], futures, strict=True):
                    try:
                        tensors.append(future.result())
                        good.append(request)
                    except ImageDecodeError as exc:
                        failures.append(exc)
                    except Exception as exc:  # noqa: BLE001 - a file Pillow chokes on is skipped, not fatal
                        failures.append(ImageDecodeError(request.path, f"cannot decode ({type(exc).__name__}: {exc})"))
                index += 1
                yield good, (stack_images(tensors) if tensors else None), failures
        finally:
            for futures in pending:
                for future in futures:
                    future.cancel()


def stack_images(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Bx3xHxW uint8 batch stored channels-last (what the network runs in), in one copy.

    pil_to_uint8_tensor's tensors are views of HxWx3 pixel buffers: stacking those buffers and
    permuting gives the channels_last layout directly, instead of copying to NCHW and back.
    """
    return torch.stack([t.permute(1, 2, 0) for t in tensors]).permute(0, 3, 1, 2)


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
) -> tuple[dict[str, np.ndarray], list[ImageDecodeError]]:
    """Activations at stage ``boundary`` for every request: cached ones read, the rest computed.

    Returns ``{request.key: array}`` and the files that could not be decoded.
    """
    found = cache.get_many(namespace, [r.key for r in requests]) if cache is not None else {}
    missing = [r for r in dict.fromkeys(requests) if r.key not in found]
    meter = RateMeter("extract", len(missing), progress)
    failures: list[ImageDecodeError] = []
    if not missing:
        return found, failures
    meter.update(0, "Extracting features", force=True)
    net.eval()
    done = 0
    for good, batch, failed in decoded_batches(missing, recipe.make, batch_size, settings.decode_workers):
        if cancel is not None:
            cancel.raise_if_cancelled()
        failures.extend(failed)
        if batch is not None:
            out = run_trunk(net, boundary, batch, recipe.prep, settings)
            arrays = {r.key: out[i] for i, r in enumerate(good)}
            found.update(arrays)
            if cache is not None:
                cache.put_many(namespace, arrays)
        done += len(good) + len(failed)
        meter.update(done, "Extracting features")
    return found, failures


def run_trunk(
    net: StagedNetwork, boundary: int, batch_uint8: torch.Tensor, prep: Preprocessing, settings: InferenceSettings
) -> np.ndarray:
    """Frozen stages [0, boundary) on a uint8 batch -> float16 numpy activations."""
    with torch.inference_mode(), settings.autocast():
        x = settings.to_device(batch_uint8)
        x = prep.normalize(x)
        x = settings.memory_format_input(x)
        out = net.forward_until(boundary, x)
    return out.float().cpu().numpy().astype(STORE_DTYPE)
