"""Photos that may sit in the wrong bin: confident learning on out-of-fold predictions.

A linear head is trained k times on the cached pooled features, each time without one fold of the
photos, and predicts the fold it did not see. Those out-of-fold probabilities say what the other
photos of each class imply about this one, untouched by its own label. cleanlab's confident
learning (per-class thresholds, so a class the head finds hard is not flagged wholesale) picks the
photos whose given label disagrees, and ranks them by the probability the head gives their label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import DataError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, Phase, ProgressFn, RateMeter
from tlgui.core.quality.features import photo_features
from tlgui.core.quality.findings import LabelSuspect, SuspectReport
from tlgui.core.runtime.inference import torch_threads
from tlgui.core.training.feature_cache import FeatureCache

DEFAULT_FOLDS = 5
# L2 penalty of the linear head on standardised features (see LinearHead.fit). Measured on trashnet's pooled
# EfficientNet-Lite0 features (2,527 photos, six classes, five folds): out-of-fold log loss 0.376
# here, against 0.391 at 1e-2, 0.390 at 1e-1 and 0.470 at 1e-3.
HEAD_WEIGHT_DECAY = 3e-2
# L-BFGS reaches the optimum of this convex loss in about 90 steps there (50 steps: within 0.1%).
HEAD_MAX_STEPS = 100


def find_label_suspects(
    dataset: DataSet,
    backbone: str | StagedNetwork = DEFAULT_BACKBONE,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    device: str = "auto",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    cache: FeatureCache | None = None,
) -> SuspectReport:
    """Photos of ``dataset`` (both splits) that are likely in the wrong class, likeliest first.

    Features come from the feature cache (computed where missing); ``seed`` chooses the folds.
    """
    features = photo_features(dataset, backbone, device=device, cache=cache, progress=progress, cancel=cancel)
    class_names = [name for name in dataset.class_names if any(i.label == name for i in features.items)]
    if len(class_names) < 2:
        raise DataError(_('Looking for photos in the wrong class needs at least two classes with photos.'))
    index = {name: i for i, name in enumerate(class_names)}
    labels = np.array([index[item.label] for item in features.items], dtype=np.int64)
    probabilities = out_of_fold_probabilities(
        features.vectors, labels, len(class_names), folds=folds, seed=seed, progress=progress, cancel=cancel
    )
    ranked, quality = rank_label_issues(labels, probabilities)
    suspects = []
    for rank, i in enumerate(ranked, start=1):
        others = probabilities[i].copy()
        others[labels[i]] = -1.0
        suggested = int(np.argmax(others))
        suspects.append(
            LabelSuspect(
                item=features.items[i],
                suggested=class_names[suggested],
                quality=float(quality[i]),
                suggested_probability=float(probabilities[i, suggested]),
                rank=rank,
            )
        )
    return SuspectReport(suspects, len(features.items), features.skipped)


def rank_label_issues(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the label issues, likeliest first; every photo's label quality score).

    cleanlab's ``find_label_issues`` (prune by noise rate) chooses which photos are issues and
    ``get_label_quality_scores`` (self-confidence) scores them all.
    """
    # Imported here: cleanlab pulls in scikit-learn and pandas (seconds), which only this check needs.
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    # n_jobs=1: cleanlab otherwise forks worker processes, which a GUI worker thread must not do.
    ranked = find_label_issues(labels, probabilities, return_indices_ranked_by="self_confidence", n_jobs=1)
    quality = get_label_quality_scores(labels, probabilities, method="self_confidence")
    return np.asarray(ranked, dtype=np.int64), np.asarray(quality, dtype=np.float64)


def out_of_fold_probabilities(
    vectors: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """(N, num_classes) class probabilities, each row from a linear head that never saw that photo."""
    n = len(labels)
    folds = min(folds, n)
    if folds < 2:
        raise DataError(_('Looking for photos in the wrong class needs at least two photos.'))
    fold_of = stratified_folds(labels, folds, seed)
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    y = torch.from_numpy(labels)
    probabilities = np.zeros((n, num_classes), dtype=np.float64)
    meter = RateMeter(Phase.CHECK, folds, progress)
    meter.update(0, _("Predicting each photo from the others"), force=True)
    # One thread: a linear head's operators are too small to gain from more, and each extra thread
    # adds a barrier per operator that costs a time slice when other programs keep the cores busy.
    with torch_threads(1):
        for fold in range(folds):
            if cancel is not None:
                cancel.raise_if_cancelled()
            held_out = torch.from_numpy(fold_of == fold)
            head = LinearHead.fit(x[~held_out], y[~held_out], num_classes)
            probabilities[held_out.numpy()] = head.probabilities(x[held_out]).double().numpy()
            meter.update(fold + 1, _("Predicting each photo from the others"))
    return probabilities


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number per photo, every class spread evenly over the folds, shuffled by ``seed``."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(labels), dtype=np.int64)
    start = 0
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        # Each class continues where the previous one stopped, so small classes do not all
        # land in the first folds.
        fold_of[members] = (start + np.arange(len(members))) % folds
        start += len(members)
    return fold_of


@dataclass
class LinearHead:
    """Multinomial logistic regression on standardised features (the convex cousin of our head)."""

    mean: torch.Tensor
    scale: torch.Tensor
    weight: torch.Tensor
    bias: torch.Tensor

    @classmethod
    def fit(cls, x: torch.Tensor, y: torch.Tensor, num_classes: int) -> LinearHead:
        mean = x.mean(0)
        spread = x.std(0, unbiased=False)
        # No feature is scaled up beyond the median feature's spread: many pooled features are
        # zero on nearly every photo, and standardised they made the noise of a few photos weigh as
        # much as the strongest signal (a held-out photo's small value in a feature zero on all
        # the others stood 7,660 standard deviations out, and a clean generated photo came out
        # suspect at probability 1.0). Out-of-fold log loss with this floor against without:
        # trashnet 0.3715 vs 0.3748, hymenoptera 0.1038 vs 0.1112 (five folds, weight decay 3e-2).
        scale = torch.maximum(spread, spread.median()).clamp(min=1e-6)
        z = (x - mean) / scale
        weight = torch.zeros(x.shape[1], num_classes, requires_grad=True)
        bias = torch.zeros(num_classes, requires_grad=True)
        optimizer = torch.optim.LBFGS(
            [weight, bias], max_iter=HEAD_MAX_STEPS, history_size=20, line_search_fn="strong_wolfe"
        )

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = F.cross_entropy(z @ weight + bias, y) + 0.5 * HEAD_WEIGHT_DECAY * weight.square().sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        return cls(mean, scale, weight.detach(), bias.detach())

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(((x - self.mean) / self.scale) @ self.weight + self.bias, dim=1)
