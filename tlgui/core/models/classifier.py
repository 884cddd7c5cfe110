"""A trained classifier: the network plus everything needed to use it on new photos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork


@dataclass
class Classifier:
    """A trained ``StagedNetwork`` with its class names, backbone id, preprocessing and results.

    A plain data holder: saving lives in ``modelfile``, prediction in ``predict``. ``metrics`` and
    ``training`` travel in the model file as their ``to_dict()``.
    """

    network: StagedNetwork
    class_names: list[str]
    backbone_id: str
    preprocessing: Preprocessing
    metrics: ModelMetrics = field(default_factory=ModelMetrics)
    training: TrainingSummary = field(default_factory=TrainingSummary)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> dict:
        """A JSON-able summary for the GUI's model panel and ``tlgui inspect``."""
        return {
            "classes": list(self.class_names),
            "backbone": self.backbone_id,
            "preprocessing": self.preprocessing.to_dict(),
            "metrics": self.metrics.to_dict(),
            "training": self.training.to_dict(),
        }
