"""What photos a run needs before anything is computed: the one home of these rules, asked by
training itself, by the plan (``tlgui train --plan``, the Train page's estimate) and by anything
else that must say "this cannot train" before it says how long training would take."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlgui.core.errors import DataError
from tlgui.core.i18n import _, ngettext
from tlgui.core.plan.recommend import MIN_PHOTOS_TO_TRAIN

if TYPE_CHECKING:
    from tlgui.core.data.bins import DataSet
    from tlgui.core.data.items import ImageItem
    from tlgui.core.training.config import TrainConfig


def check_training_data(dataset: DataSet, config: TrainConfig) -> tuple[list[str], list[ImageItem], list[ImageItem]]:
    """(class names, training photos, validation photos) under ``config``'s split; ``DataError``,
    one sentence, when these photos cannot train: a class without photos or with a single one, fewer
    than two classes, a class with no photo on the training side, or nothing to validate on."""
    counts = dataset.class_counts()
    empty = [name for name, n in counts.items() if n == 0]
    if empty:
        raise DataError(_(
            "These classes have no photos: {names}. Add photos or delete them."
        ).format(names=', '.join(empty)))
    too_few = [f"{name} ({n})" for name, n in counts.items() if n < MIN_PHOTOS_TO_TRAIN]
    if too_few:
        # One photo cannot be learnt from and checked at once, and a class nothing checks gets an
        # accuracy that says nothing of it: the Data page marks such a bin with this same rule.
        raise DataError(ngettext(
            "A class needs at least {minimum} photos, one to learn from and one to check it; this one has "
            "fewer: {names}. Add photos or delete it.",
            "A class needs at least {minimum} photos, one to learn from and one to check it; these have "
            "fewer: {names}. Add photos or delete them.",
            len(too_few),
        ).format(minimum=MIN_PHOTOS_TO_TRAIN, names=", ".join(too_few)))
    if len(counts) < 2:
        found = _("found {count}").format(count=len(counts)) + (f" ({', '.join(counts)})" if counts else "")
        raise DataError(_("Training needs at least two classes; {found}.").format(found=found))
    train_items, val_items = dataset.split(config.val_fraction, config.seed)
    names = list(counts)
    missing = [n for n in names if not any(i.label == n for i in train_items)]
    if missing:
        raise DataError(_(
            "These classes have no training photos: {names}."
        ).format(names=', '.join(missing)))
    if not val_items:
        raise DataError(_('There are no validation photos: add more photos (at least two per class).'))
    return names, train_items, val_items
