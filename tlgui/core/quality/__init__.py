"""Checks of the data before training: photos in the wrong class, and near-duplicates.

Both read the pooled features of the chosen backbone through the trainer's feature cache
(``features``), so they cost seconds once the photos have been seen. What they find
(``findings``) imports nothing heavy; the checks themselves (numpy, torch, cleanlab) are imported
when first named, so that the window can name the findings without loading them.
"""

from __future__ import annotations

import importlib

from tlgui.core.quality.findings import (
    DuplicateKind,
    DuplicateReport,
    LabelSuspect,
    NearDuplicate,
    SuspectReport,
)

_CHECKS = {
    "find_near_duplicates": "tlgui.core.quality.duplicates",
    "find_label_suspects": "tlgui.core.quality.suspects",
    "PhotoFeatures": "tlgui.core.quality.features",
    "photo_features": "tlgui.core.quality.features",
}

__all__ = [
    "DuplicateKind",
    "DuplicateReport",
    "LabelSuspect",
    "NearDuplicate",
    "PhotoFeatures",
    "SuspectReport",
    "find_label_suspects",
    "find_near_duplicates",
    "photo_features",
]


def __getattr__(name: str):
    if name in _CHECKS:
        return getattr(importlib.import_module(_CHECKS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
