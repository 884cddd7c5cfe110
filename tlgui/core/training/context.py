"""What a batch source needs to know about a run, fixed before the first batch is made."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.bins import ImageItem, SkippedFile
from tlgui.core.errors import ImageDecodeError
from tlgui.core.plan.regime import Regime
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.extraction import ViewRecipe

SkippedFn = Callable[[Sequence[ImageDecodeError]], None]


@dataclass(frozen=True)
class TrainingContext:
    """The network being trained and the settings every batch source shares.

    ``boundary`` is the first trainable stage: stages before it are frozen and may be cached.
    ``cached_views``: augmented views per training photo cached at the boundary (``cached_views_of``).
    ``on_skipped`` is told about photos that could not be read, so the run can list them.
    """

    network: StagedNetwork
    boundary: int
    regime: Regime
    settings: InferenceSettings
    preprocessing: Preprocessing
    class_names: tuple[str, ...]
    batch_size: int
    seed: int
    augment: bool
    augment_strength: str
    cached_views: int
    on_skipped: SkippedFn

    def for_head(self, cached_views: int) -> TrainingContext:
        """The same run with only the new head training, on the pooled features (every run's first
        phase), with ``cached_views`` augmented views of each training photo."""
        return replace(self, boundary=len(self.network.stages) - 1, regime=Regime.HEAD, cached_views=cached_views)

    @property
    def recipe(self) -> ViewRecipe:
        return ViewRecipe(self.preprocessing, self.augment_strength, self.seed)

    def targets(self, items: Sequence[ImageItem]) -> torch.Tensor:
        """Class indices of ``items``, in the order of ``class_names``."""
        index = {name: i for i, name in enumerate(self.class_names)}
        return torch.tensor([index[item.label] for item in items], dtype=torch.long)

    def train_autocast(self) -> contextlib.AbstractContextManager:
        """Mixed precision for training: fp16 on CUDA (with a grad scaler), bf16 on CPUs with native
        bf16 kernels (AMX / AVX-512 BF16), where it makes fine-tuning several times faster. A
        linear head gains nothing from it and stays fp32."""
        if self.regime is Regime.HEAD and self.settings.device.type == "cpu":
            return contextlib.nullcontext()
        return self.settings.autocast()


class SkippedPhotos:
    """The photos a run could not read, each listed once, in the order they were found."""

    def __init__(self) -> None:
        self._by_path: dict[Path, SkippedFile] = {}

    def record(self, failures: Sequence[ImageDecodeError]) -> None:
        for failure in failures:
            self._by_path.setdefault(failure.path, SkippedFile(failure.path, failure.reason))

    @property
    def files(self) -> list[SkippedFile]:
        return list(self._by_path.values())
