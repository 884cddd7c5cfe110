"""The bundled demo set: a few dozen photos of ants and bees, ready to train on offline."""

from __future__ import annotations

from functools import cache

from tlgui.core.data.bins import DataSet, scan
from tlgui.core.errors import DataError
from tlgui.core.i18n import _
from tlgui.core.resources import demo_dir


def demo_dataset() -> DataSet:
    """The demo photos as class bins (ants, bees), keeping their own train/ and val/ split."""
    folder = demo_dir()
    if not folder.is_dir():
        # Only a broken install lacks the folder; say so instead of showing empty bins.
        raise DataError(_("The demo photos are missing from this installation (expected in {folder}).").format(
            folder=folder))
    return scan([folder])


@cache
def _demo_classes() -> frozenset[str]:
    """The demo's class names: its folders (the same under train/ and val/)."""
    return frozenset(folder.name for folder in (demo_dir() / "train").iterdir() if folder.is_dir())


def is_demo(dataset: DataSet) -> bool:
    """True while the bins are still the demo: its classes, and only its photos.

    Photos of the user's own, a demo class deleted or renamed, or a class of their own make it the
    user's project. Cheap for a project of the user's: the class names decide before any photo is looked at.
    """
    if not dataset.class_names or set(dataset.class_names) != _demo_classes():
        return False
    folder = demo_dir()
    items = dataset.items()
    return bool(items) and all(item.path.is_relative_to(folder) for item in items)
