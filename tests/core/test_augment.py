"""Augmented views: deterministic for a seed, and bounded in memory whatever the photo's shape."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.backbones.preprocess import resize_shorter_side
from tlgui.core.training.augment import CROP_SCALE, _random_crop_box, augment_uint8

PREP = get_spec("efficientnet_lite0").preprocessing


def _photo(width: int, height: int, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def test_the_same_generator_gives_the_same_view():
    photo = _photo(500, 375)
    first = augment_uint8(photo, PREP, random.Random("k"))
    assert first.shape == (3, PREP.input_size, PREP.input_size)
    assert (first == augment_uint8(photo, PREP, random.Random("k"))).all()
    assert not (first == augment_uint8(photo, PREP, random.Random("other"))).all()


def test_a_photo_of_ordinary_shape_is_cropped_from_its_resized_self():
    """The views already in users' caches: resize the shorter side, then the random crop of that."""
    photo = _photo(500, 375)
    resized = resize_shorter_side(photo, PREP.resize_size, PREP.pil_filter)
    box = _random_crop_box(resized.size, CROP_SCALE["medium"], random.Random("k"))
    crop = np.asarray(resized.resize((PREP.input_size,) * 2, PREP.pil_filter, box=box))
    view = augment_uint8(photo, PREP, random.Random("k")).permute(1, 2, 0).numpy()
    # The same crop before the flip and the colour jitter: the same picture, up to a mirror image.
    assert min(np.abs(view.astype(int) - c.astype(int)).mean() for c in (crop, crop[:, ::-1])) < 40


@pytest.mark.parametrize("size", [(1, 5000), (5000, 1), (2, 20000)])
def test_a_strip_is_augmented_without_resizing_it_whole(size, monkeypatch):
    """Resized whole first, a 1x5000 strip took 1.3 GB (256 x 1,280,000 pixels)."""
    made = []
    real_resize = Image.Image.resize

    def resize(self, new_size, *args, **kwargs):
        made.append(new_size[0] * new_size[1])
        return real_resize(self, new_size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", resize)
    view = augment_uint8(_photo(*size), PREP, random.Random(1))
    assert view.shape == (3, PREP.input_size, PREP.input_size)
    assert made and max(made) <= PREP.input_size**2
