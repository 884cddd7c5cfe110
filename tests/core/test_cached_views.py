"""Which cached augmented view each photo trains on, epoch by epoch (``sources.views_of_epoch``)."""

from __future__ import annotations

import torch

from tlgui.core.training.sources import views_of_epoch


def test_each_photo_sees_every_view_once_in_as_many_epochs_as_it_has_views():
    views, photos = 5, 200
    for first_epoch in (1, 6, 13):
        seen = torch.stack([views_of_epoch(views, photos, seed=0, epoch=e)
                            for e in range(first_epoch, first_epoch + views)])
        # Column p: the views photo p contributed in those epochs; sorted, each view exactly once.
        assert torch.equal(seen.sort(dim=0).values, torch.arange(views).unsqueeze(1).expand(views, photos))


def test_an_epochs_batch_mixes_the_views():
    counts = torch.bincount(views_of_epoch(5, 1000, seed=0, epoch=3), minlength=5)
    assert counts.min() > 150  # about 200 each; drawn afresh, never all photos on one view


def test_the_rotation_follows_the_seed_and_is_the_same_on_every_run():
    assert torch.equal(views_of_epoch(5, 300, seed=7, epoch=2), views_of_epoch(5, 300, seed=7, epoch=2))
    assert not torch.equal(views_of_epoch(5, 300, seed=7, epoch=2), views_of_epoch(5, 300, seed=8, epoch=2))


def test_without_augmented_views_every_photo_trains_on_its_plain_crop():
    assert torch.equal(views_of_epoch(1, 40, seed=3, epoch=9), torch.zeros(40, dtype=torch.long))
