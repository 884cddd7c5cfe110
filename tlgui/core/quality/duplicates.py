"""Near-duplicates: the same scene twice, re-encoded, resized or cropped, not only identical bytes.

Two photos are near-duplicates when the cosine similarity of their pooled features, after a signed
square root (the power normalisation of image retrieval: it damps the few large activations that
every photo on a plain background shares), reaches a threshold. Pairs are found with a blocked matrix product and a top-k per row, so memory stays
bounded and no Python loop runs over pairs. Each pair says whether it sits within one class, across
classes (one of the two is probably in the wrong bin) and across the train/validation split (the
validation photo is no test: the network has seen it in training).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import TlguiError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, Phase, ProgressFn, RateMeter
from tlgui.core.quality.features import photo_features
from tlgui.core.quality.findings import DuplicateKind, DuplicateReport, NearDuplicate
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.feature_cache import FeatureCache

# Measured with benchmarks/label_suspects.py (see benchmarks/results/label_suspects.md). On
# hymenoptera, 0.88 finds 99% of JPEG-q40 re-encodes, 71% of half-size copies and 82% of copies
# cropped to 80% of each side, and none of its 78,606 pairs of distinct photos (the highest scores
# 0.84). On trashnet (plain backgrounds, each object shot several times) it flags 130 pairs: by
# eye, sampled pairs above 0.90 all show one object shot twice, below 0.90 about a third show two
# different objects. 0.85 would find more copies (91% of half-size, 97% of cropped ones) but flag
# 276 pairs on trashnet, twice as many to look through.
DEFAULT_THRESHOLD = 0.88
# At most this many partners per photo: a burst of fifty shots of one scene is one finding, not
# 1,225 pairs.
MAX_PARTNERS = 10
# Similarities computed at once (block rows x photos): 16 M floats, 64 MB.
_BLOCK_ELEMENTS = 1 << 24


def find_near_duplicates(
    dataset: DataSet,
    backbone: str | StagedNetwork = DEFAULT_BACKBONE,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    val_fraction: float = TrainConfig.val_fraction,
    split_seed: int = TrainConfig.seed,
    device: str = "auto",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    cache: FeatureCache | None = None,
) -> DuplicateReport:
    """Pairs of photos in ``dataset`` whose pooled features have cosine similarity >= ``threshold``.

    ``val_fraction`` and ``split_seed`` give the train/validation split that training with the same
    settings uses (``TrainConfig.val_fraction`` and ``.seed``).
    """
    if not 0.0 < threshold <= 1.0:
        raise TlguiError(_(
            "The similarity threshold must be above 0 and at most 1; got {threshold}."
        ).format(threshold=threshold))
    in_validation = {item.path for item in dataset.split(val_fraction, split_seed)[1]}
    features = photo_features(dataset, backbone, device=device, cache=cache, progress=progress, cancel=cancel)
    first, second, similarity = similar_pairs(features.vectors, threshold, progress=progress, cancel=cancel)
    pairs = []
    for i, j, sim in zip(first.tolist(), second.tolist(), similarity.tolist(), strict=True):
        a, b = features.items[i], features.items[j]
        kinds = [DuplicateKind.WITHIN_CLASS if a.label == b.label else DuplicateKind.ACROSS_CLASSES]
        if (a.path in in_validation) != (b.path in in_validation):
            kinds.append(DuplicateKind.ACROSS_SPLIT)
        pairs.append(NearDuplicate(a, b, min(1.0, sim), tuple(kinds)))
    return DuplicateReport(pairs, len(features.items), threshold, features.skipped)


def similar_pairs(
    vectors: np.ndarray,
    threshold: float,
    *,
    partners: int = MAX_PARTNERS,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, i < j, with cosine similarity >= ``threshold``, most similar first.

    Each row keeps its ``partners`` most similar others; a pair is kept when either side keeps it.
    Returns three arrays: first indices, second indices, similarities.
    """
    n = len(vectors)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    if n < 2:
        return empty
    unit = torch.from_numpy(comparable_vectors(vectors))
    k = min(partners, n - 1)
    block = max(1, min(n, _BLOCK_ELEMENTS // n))
    meter = RateMeter(Phase.CHECK, n, progress)
    meter.update(0, _("Comparing photos"), force=True)
    found_i, found_j, found_sim = [], [], []
    with torch.inference_mode():
        for start in range(0, n, block):
            if cancel is not None:
                cancel.raise_if_cancelled()
            rows = unit[start : start + block]
            sims = rows @ unit.T
            own = torch.arange(len(rows))
            sims[own, own + start] = -2.0  # a photo is not its own duplicate
            values, cols = sims.topk(k, dim=1)
            keep = values >= threshold
            found_i.append((own + start).unsqueeze(1).expand_as(cols)[keep])
            found_j.append(cols[keep])
            found_sim.append(values[keep])
            meter.update(min(n, start + block), _("Comparing photos"))
    i, j, sim = (torch.cat(parts).numpy() for parts in (found_i, found_j, found_sim))
    if len(i) == 0:
        return empty
    low, high = np.minimum(i, j), np.maximum(i, j)
    # Each pair may be found from both sides: keep one, ordered by similarity (highest first).
    _unique, first_seen = np.unique(low * n + high, return_index=True)
    order = first_seen[np.argsort(-sim[first_seen], kind="stable")]
    return low[order].astype(np.int64), high[order].astype(np.int64), sim[order].astype(np.float32)


def comparable_vectors(vectors: np.ndarray) -> np.ndarray:
    """Signed square root, then unit length: the dot product of two rows is their similarity."""
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    return F.normalize(x.sign() * x.abs().sqrt(), dim=1).numpy()
