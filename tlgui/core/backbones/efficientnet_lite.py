"""EfficientNet-Lite0's network, written out with torch alone.

timm builds the same network (``tf_efficientnet_lite0``), but importing timm imports torchvision and,
through ``torchvision.ops``, ``torch._dynamo``: 1.7 to 2.7 s on a 2-core CPU, paid by every
``tlgui train``, ``tlgui predict`` and model load for a network of 60 lines. This module keeps timm's
module names, parameter order and numerics (TensorFlow's "same" padding on the strided convolutions,
batch-norm epsilon 1e-3, ReLU6), so the bundled weights, saved model files and feature caches stay
interchangeable with timm's; ``tests/core/test_efficientnet_lite.py`` compares both networks' outputs.

Reference: Tan & Le, EfficientNet (2019), and the Lite variants of tensorflow/tpu's
``efficientnet/lite``: no squeeze-excitation, ReLU6, a fixed 32-channel stem and 1280-channel head.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: (block kind, repeats, kernel, first stride, expansion, output channels) per stage, as in timm's
#: ``_gen_efficientnet_lite`` with width and depth multipliers 1.0.
LITE0_STAGES = (
    ("ds", 1, 3, 1, 1, 16),
    ("ir", 2, 3, 2, 6, 24),
    ("ir", 2, 5, 2, 6, 40),
    ("ir", 3, 3, 2, 6, 80),
    ("ir", 3, 5, 1, 6, 112),
    ("ir", 4, 5, 2, 6, 192),
    ("ir", 1, 3, 1, 6, 320),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
# TensorFlow's batch-norm default, which the ported weights were trained with.
BN_EPS = 1e-3


class BatchNormAct2d(nn.BatchNorm2d):
    """Batch norm followed by ReLU6 (or nothing): one module, as timm names it, so the keys match."""

    def __init__(self, channels: int, *, act: bool) -> None:
        super().__init__(channels, eps=BN_EPS)
        self.act = nn.ReLU6(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(super().forward(x))

    def folded_remainder(self) -> nn.Module:
        """What is left once the norm is folded into the convolution before it (runtime.folding)."""
        return self.act


class Conv2dSame(nn.Conv2d):
    """A strided convolution with TensorFlow's "same" padding: the odd pixel of padding goes after.

    PyTorch's symmetric padding would shift every strided feature map by half a pixel against the
    one the weights were trained on.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_h = _same_padding(x.shape[-2], self.kernel_size[0], self.stride[0])
        pad_w = _same_padding(x.shape[-1], self.kernel_size[1], self.stride[1])
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return super().forward(x)


def _same_padding(size: int, kernel: int, stride: int) -> int:
    return max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)


def _conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    if stride == 1:
        # Odd kernels at stride 1: "same" is symmetric, so the plain (faster, static) padding.
        return nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2, groups=groups, bias=False)
    return Conv2dSame(in_channels, out_channels, kernel, stride=stride, groups=groups, bias=False)


class DepthwiseSeparableConv(nn.Module):
    """The first stage's block: depthwise conv, then a pointwise projection (no expansion)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.conv_dw = _conv(in_channels, in_channels, kernel, stride, groups=in_channels)
        self.bn1 = BatchNormAct2d(in_channels, act=True)
        self.conv_pw = _conv(in_channels, out_channels, 1)
        self.bn2 = BatchNormAct2d(out_channels, act=False)
        self.has_skip = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv_pw(self.bn1(self.conv_dw(x))))
        return out + x if self.has_skip else out


class InvertedResidual(nn.Module):
    """MobileNetV2's block: pointwise expansion, depthwise conv, linear pointwise projection."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, expansion: int) -> None:
        super().__init__()
        mid = in_channels * expansion
        self.conv_pw = _conv(in_channels, mid, 1)
        self.bn1 = BatchNormAct2d(mid, act=True)
        self.conv_dw = _conv(mid, mid, kernel, stride, groups=mid)
        self.bn2 = BatchNormAct2d(mid, act=True)
        self.conv_pwl = _conv(mid, out_channels, 1)
        self.bn3 = BatchNormAct2d(out_channels, act=False)
        self.has_skip = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn3(self.conv_pwl(self.bn2(self.conv_dw(self.bn1(self.conv_pw(x))))))
        return out + x if self.has_skip else out


class GlobalAvgPool(nn.Module):
    """Average over height and width, flattened to (batch, channels)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3))


class EfficientNetLite0(nn.Module):
    """The whole network with its 1000-class ImageNet classifier; attribute names as timm's."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv_stem = _conv(3, STEM_CHANNELS, 3, stride=2)
        self.bn1 = BatchNormAct2d(STEM_CHANNELS, act=True)
        stages: list[nn.Sequential] = []
        channels = STEM_CHANNELS
        for kind, repeats, kernel, first_stride, expansion, out_channels in LITE0_STAGES:
            blocks = []
            for index in range(repeats):
                stride = first_stride if index == 0 else 1
                if kind == "ds":
                    blocks.append(DepthwiseSeparableConv(channels, out_channels, kernel, stride))
                else:
                    blocks.append(InvertedResidual(channels, out_channels, kernel, stride, expansion))
                channels = out_channels
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.conv_head = _conv(channels, HEAD_CHANNELS, 1)
        self.bn2 = BatchNormAct2d(HEAD_CHANNELS, act=True)
        self.global_pool = GlobalAvgPool()
        self.classifier = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn1(self.conv_stem(x))
        x = self.blocks(x)
        x = self.bn2(self.conv_head(x))
        return self.classifier(self.global_pool(x))
