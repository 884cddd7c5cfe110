"""The train/validation split: seeded, stratified by class, independent of the order of adding.

The rule: photos from train/ val/ folders keep that split. In a class that already has given
validation photos, the other photos all train. The others are split per class, deterministically
for a given seed: ``round(n * val_fraction)`` photos go to validation, at least one when a class
has two or more, never all of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from tlgui.core.data.items import ImageItem
from tlgui.core.errors import DataError
from tlgui.core.i18n import _


def split_classes(
    classes: Mapping[str, Iterable[ImageItem]], val_fraction: float = 0.2, seed: int = 0
) -> tuple[list[ImageItem], list[ImageItem]]:
    """Training and validation photos of ``classes`` (class name -> its photos), class by class."""
    if not 0.0 < val_fraction < 1.0:
        raise DataError(_("The validation share must be between 0 and 1; got {value}.").format(value=val_fraction))
    train: list[ImageItem] = []
    val: list[ImageItem] = []
    for label, photos in classes.items():
        photos = list(photos)
        free = [item for item in photos if item.split is None]
        train.extend(item for item in photos if item.split == "train")
        given_val = [item for item in photos if item.split == "val"]
        val.extend(given_val)
        if given_val:
            train.extend(free)
            continue
        free_train, free_val = _split_class(free, val_fraction, f"{seed}:{label}")
        train.extend(free_train)
        val.extend(free_val)
    return train, val


def _split_class(
    items: list[ImageItem], val_fraction: float, seed: str
) -> tuple[list[ImageItem], list[ImageItem]]:
    # Sorting by content first makes the split independent of the order files were added and of
    # where the folder lives; the string seed (label included) gives each class its own shuffle.
    ordered = sorted(items, key=lambda item: (item.digest, str(item.path)))
    random.Random(seed).shuffle(ordered)
    n = len(ordered)
    n_val = min(n - 1, max(1, round(n * val_fraction))) if n >= 2 else 0
    return ordered[n_val:], ordered[:n_val]
