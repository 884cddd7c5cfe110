"""The pooled features of a data set's photos, read from the feature cache the trainer fills.

Both checks (photos in the wrong bin, near-duplicates) look at what the backbone sees: the pooled
(B, D) features its head reads. They are the activations the head-only regime caches, under the
same namespace as a training run with the default settings, so after one training run (or one
check) they come from the cache without opening a photo.

``_cached_pooled_features`` is the only place that knows how the trainer names and fills the
cache; keep it in step with ``tlgui.core.training``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, create_backbone, get_spec
from tlgui.core.backbones.staged import HEAD, StagedNetwork
from tlgui.core.data.bins import DataSet, ImageItem, SkippedFile
from tlgui.core.errors import ImageDecodeError
from tlgui.core.progress import CancelToken, ProgressFn
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.cache_key import cache_namespace
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations
from tlgui.core.training.feature_cache import FeatureCache


@dataclass
class PhotoFeatures:
    """One pooled feature vector per readable photo; ``vectors[i]`` belongs to ``items[i]``."""

    items: list[ImageItem]
    vectors: np.ndarray  # (N, D) float32
    skipped: list[SkippedFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


def photo_features(
    dataset: DataSet,
    backbone: str | StagedNetwork = DEFAULT_BACKBONE,
    *,
    device: str = "auto",
    cache: FeatureCache | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> PhotoFeatures:
    """Pooled features of every photo in ``dataset``, in the data set's order.

    ``backbone`` is a catalogue id or a StagedNetwork (copied, never modified); ``cache`` defaults
    to the user's feature cache. Photos that cannot be decoded are left out and listed in
    ``skipped``.
    """
    items = dataset.items()
    if isinstance(backbone, StagedNetwork):
        net = copy.deepcopy(backbone)
    else:
        net = create_backbone(backbone, progress=progress, cancel=cancel)
    arrays, failures = _cached_pooled_features(
        net, items, device, cache if cache is not None else FeatureCache(), progress, cancel
    )
    kept = [item for item in items if item.path in arrays]
    if kept:
        vectors = np.stack([arrays[item.path] for item in kept]).astype(np.float32)
    else:
        vectors = np.zeros((0, net.feature_dim), np.float32)
    skipped = [SkippedFile(failure.path, failure.reason) for failure in failures]
    return PhotoFeatures(kept, vectors, skipped)


def _cached_pooled_features(
    net: StagedNetwork,
    items: list[ImageItem],
    device: str,
    cache: FeatureCache,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> tuple[dict[Path, np.ndarray], list[ImageDecodeError]]:
    """The adapter to the trainer's cache: ``{photo path: features}`` and the undecodable files.

    The plain view (0) of the default recipe, at the head-only boundary, in the precision a
    default training run would use: exactly the entries ``train`` with a default TrainConfig reads.
    """
    settings = InferenceSettings.choose(device)
    settings.prepare(net)
    boundary = net.stage_index(HEAD)
    recipe = ViewRecipe(get_spec(net.backbone_id).preprocessing)
    namespace = cache_namespace(net, boundary, recipe.key(), str(settings.autocast_dtype or "fp32"))
    requests = [ViewRequest(item.path, 0) for item in items]
    found, failures = compute_activations(
        net,
        boundary,
        requests,
        recipe,
        settings,
        cache=cache,
        namespace=namespace,
        batch_size=settings.extraction_batch_size,
        progress=progress,
        cancel=cancel,
    )
    return {r.path: found[r] for r in requests if r in found}, failures
