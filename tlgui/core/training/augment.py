"""Training-time augmentation, deterministic for a given random generator.

Each augmented view draws its parameters from its own ``random.Random`` so that a view can be
recomputed exactly (the feature cache stores views by number), and so that decode threads never
share a global random state.
"""

from __future__ import annotations

import math
import random

import torch
from PIL import Image, ImageEnhance

from tlgui.core.backbones.preprocess import (
    Preprocessing,
    pil_to_uint8_tensor,
    resize_shorter_side,
    shorter_side_size,
)

CROP_SCALE = {"light": (0.7, 1.0), "medium": (0.5, 1.0), "strong": (0.3, 1.0)}
JITTER = {"light": 0.1, "medium": 0.2, "strong": 0.3}
_RATIO = (3 / 4, 4 / 3)
# The longest side, in shorter sides, of a photo resized whole before its crop is drawn. Photos past
# it (strips) changed pixels without a new PIXEL_PIPELINE_VERSION when this limit came: before, they took
# gigabytes or failed, so few caches hold their views, and one that does holds a valid view still.
WHOLE_RESIZE_MAX_ASPECT = 4


def augment_uint8(img: Image.Image, prep: Preprocessing, rng: random.Random, strength: str = "medium") -> torch.Tensor:
    """Random resized crop, horizontal flip and colour jitter: uint8 3xHxW at the backbone's input size.

    The crop is drawn on the photo resized to ``resize_size`` on its shorter side. That resize is
    made first (it keeps the crop of a big photo cheap), except for a photo longer than
    ``WHOLE_RESIZE_MAX_ASPECT`` to 1: resized whole, a 1x5000 strip became 256x1,280,000 (1.3 GB),
    so the crop is taken from the photo itself, at the same place.
    """
    resized = shorter_side_size(img.size, prep.resize_size)
    if max(resized) <= WHOLE_RESIZE_MAX_ASPECT * prep.resize_size:
        img = resize_shorter_side(img, prep.resize_size, prep.pil_filter)
        box = _random_crop_box(img.size, CROP_SCALE[strength], rng)
    else:
        left, top, right, bottom = _random_crop_box(resized, CROP_SCALE[strength], rng)
        sx, sy = img.width / resized[0], img.height / resized[1]
        box = (left * sx, top * sy, right * sx, bottom * sy)
    img = img.resize((prep.input_size, prep.input_size), prep.pil_filter, box=box)
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    jitter = JITTER[strength]
    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        img = enhancer(img).enhance(rng.uniform(1 - jitter, 1 + jitter))
    return pil_to_uint8_tensor(img)


def _random_crop_box(
    size: tuple[int, int], scale: tuple[float, float], rng: random.Random
) -> tuple[float, float, float, float]:
    width, height = size
    area = width * height
    for _ in range(10):
        target = area * rng.uniform(*scale)
        ratio = math.exp(rng.uniform(math.log(_RATIO[0]), math.log(_RATIO[1])))
        w = math.sqrt(target * ratio)
        h = math.sqrt(target / ratio)
        if w <= width and h <= height:
            left = rng.uniform(0, width - w)
            top = rng.uniform(0, height - h)
            return (left, top, left + w, top + h)
    # Fallback for extreme aspect ratios: the largest centred square.
    side = min(width, height)
    left = (width - side) / 2
    top = (height - side) / 2
    return (left, top, left + side, top + side)
