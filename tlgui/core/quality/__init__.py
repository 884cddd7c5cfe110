"""Checks of the data before training: photos in the wrong class, and near-duplicates.

Both read the pooled features of the chosen backbone through the trainer's feature cache
(``features``), so they cost seconds once the photos have been seen.
"""

from tlgui.core.quality.duplicates import DuplicateKind, DuplicateReport, NearDuplicate, find_near_duplicates
from tlgui.core.quality.features import PhotoFeatures, photo_features
from tlgui.core.quality.suspects import LabelSuspect, SuspectReport, find_label_suspects

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
