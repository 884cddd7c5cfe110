"""The bundled demo set: a few dozen photos of ants and bees, ready to train on offline."""

from __future__ import annotations

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
