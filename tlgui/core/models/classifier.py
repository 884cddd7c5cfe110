"""A trained classifier: the network plus everything needed to use it on new photos."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork


def created_now() -> str:
    """A model's ``created`` for one made now."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Classifier:
    """A trained ``StagedNetwork`` with its class names, backbone id, preprocessing and results.

    A plain data holder: saving lives in ``modelfile``, prediction in ``predict``. ``metrics`` and
    ``training`` travel in the model file as their ``to_dict()``; ``created``, when the model was
    made (ISO 8601 text, as its file says: None for a file that does not), as itself, so that a
    model saved again (a project's runs, at every save) is the same file, dated when it was trained.
    """

    network: StagedNetwork
    class_names: list[str]
    backbone_id: str
    preprocessing: Preprocessing
    metrics: ModelMetrics = field(default_factory=ModelMetrics)
    training: TrainingSummary = field(default_factory=TrainingSummary)
    created: str | None = field(default_factory=created_now, compare=False)

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
