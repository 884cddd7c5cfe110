"""Each backbone's own preprocessing, and the image -> tensor step shared by training and prediction.

Images become uint8 tensors first and are normalised a whole batch at a time (on the model's
device), which is cheaper than normalising image by image and lets CUDA copy 4x fewer bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Pillow's resampling filters by name (Image.Resampling's members); Pillow is imported when one is
# used, not when the window reads the catalogue before its first paint.
_PIL_FILTERS = ("bilinear", "bicubic", "nearest")


@dataclass(frozen=True)
class Preprocessing:
    """How a backbone's weights expect their input: resize shorter side, centre crop, normalise."""

    input_size: int = 224
    resize_size: int = 256
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    interpolation: str = "bilinear"

    def __post_init__(self) -> None:
        if self.interpolation not in _PIL_FILTERS:
            raise ValueError(f"unknown interpolation {self.interpolation!r}")
        if self.resize_size < self.input_size:
            raise ValueError("resize_size must be at least input_size")

    # ---- identity -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        return cls(
            input_size=int(data["input_size"]),
            resize_size=int(data["resize_size"]),
            mean=tuple(float(x) for x in data["mean"]),  # type: ignore[arg-type]
            std=tuple(float(x) for x in data["std"]),  # type: ignore[arg-type]
            interpolation=str(data["interpolation"]),
        )

    def key(self) -> str:
        """A short stable id; part of every feature-cache key."""
        import hashlib  # here: the window's first paint imports this module and hashes nothing

        raw = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.blake2b(raw, digest_size=8).hexdigest()

    @property
    def pil_filter(self) -> Image.Resampling:
        from PIL import Image

        return Image.Resampling[self.interpolation.upper()]

    # ---- single images --------------------------------------------------------------------
    def eval_uint8(self, img: Image.Image) -> torch.Tensor:
        """Resize the shorter side to ``resize_size``, centre crop ``input_size``: uint8 3xHxW.

        Only the source region that lands in the crop is resampled (Pillow's ``box``), straight
        to the crop size: the same pixels as resizing the whole photo and cropping, for about
        half the work.
        """
        w, h = img.size
        scale = self.resize_size / min(w, h)
        resized_w, resized_h = max(1, round(w * scale)), max(1, round(h * scale))
        if resized_w < self.input_size or resized_h < self.input_size:
            return pil_to_uint8_tensor(center_crop(resize_shorter_side(img, self.resize_size, self.pil_filter),
                                                   self.input_size))
        box = self.crop_box(img.size)
        img = img.resize((self.input_size, self.input_size), self.pil_filter, box=box, reducing_gap=3.0)
        return pil_to_uint8_tensor(img)

    def crop_box(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the part of a ``size`` = (w, h) photo that ``eval_uint8``
        keeps, in the photo's own pixels: the square the network sees (a heatmap lands there)."""
        w, h = size
        scale = self.resize_size / min(w, h)
        resized_w, resized_h = max(1, round(w * scale)), max(1, round(h * scale))
        # The crop's corner in resized pixels (as center_crop picks it), mapped back to the source.
        left = max(0, (resized_w - self.input_size) // 2)
        top = max(0, (resized_h - self.input_size) // 2)
        right, bottom = min(resized_w, left + self.input_size), min(resized_h, top + self.input_size)
        sx, sy = w / resized_w, h / resized_h
        return (left * sx, top * sy, right * sx, bottom * sy)

    # ---- batches --------------------------------------------------------------------------
    def normalize(self, batch: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
        """uint8 Bx3xHxW -> normalised float batch (``dtype``, default float32) on the same device."""
        import torch  # here, not at the top: the window reads backbones' preprocessing before torch loads

        dtype = dtype or torch.float32
        mean = torch.tensor(self.mean, device=batch.device, dtype=dtype).view(1, 3, 1, 1) * 255.0
        std = torch.tensor(self.std, device=batch.device, dtype=dtype).view(1, 3, 1, 1) * 255.0
        return (batch.to(dtype) - mean) / std


def shorter_side_size(size: tuple[int, int], shorter: int) -> tuple[int, int]:
    """(w, h) of a ``size`` = (w, h) image resized so that its shorter side is ``shorter``."""
    w, h = size
    if min(w, h) == shorter:
        return size
    if w <= h:
        return (shorter, max(1, round(h * shorter / w)))
    return (max(1, round(w * shorter / h)), shorter)


def resize_shorter_side(img: Image.Image, size: int, resample: Image.Resampling) -> Image.Image:
    new = shorter_side_size(img.size, size)
    if new == img.size:
        return img
    # reducing_gap lets Pillow shrink by whole factors first: same result within rounding, far faster.
    return img.resize(new, resample, reducing_gap=3.0)


def center_crop(img: Image.Image, size: int) -> Image.Image:
    w, h = img.size
    left = max(0, (w - size) // 2)
    top = max(0, (h - size) // 2)
    return img.crop((left, top, left + size, top + size))


def pil_to_uint8_tensor(img: Image.Image) -> torch.Tensor:
    """3xHxW uint8 view of an RGB image's pixels (one copy, out of Pillow's buffer)."""
    import torch

    if img.mode != "RGB":
        img = img.convert("RGB")
    w, h = img.size
    data = bytearray(img.tobytes())  # writable, so torch can own it without another copy
    return torch.frombuffer(data, dtype=torch.uint8).view(h, w, 3).permute(2, 0, 1)
