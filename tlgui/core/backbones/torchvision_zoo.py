"""Torchvision backbones: architectures, weight metadata and one stage adapter per family.

Each adapter wraps the torchvision model's own modules (no copies), so loading torchvision's state
dict into the model before staging gives the staged network those weights.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import HEAD, PRE_LOGITS, StagedNetwork

Stages = list[tuple[str, nn.Module]]


def default_weights(model_id: str):
    """torchvision's recommended ImageNet weights enum entry for ``model_id``."""
    from torchvision.models import get_model_weights

    return get_model_weights(model_id).DEFAULT


def preprocessing_of(weights) -> Preprocessing:
    """The Preprocessing that ``weights.transforms()`` describes (crop, resize, mean, std, interpolation)."""
    transform = weights.transforms()
    return Preprocessing(
        input_size=int(transform.crop_size[0]),
        resize_size=int(transform.resize_size[0]),
        mean=tuple(float(v) for v in transform.mean),  # type: ignore[arg-type]
        std=tuple(float(v) for v in transform.std),  # type: ignore[arg-type]
        interpolation=transform.interpolation.value,
    )


def build_architecture(model_id: str, device: torch.device | str | None = None) -> nn.Module:
    """The bare torchvision architecture (random init, 1000 classes). ``device="meta"`` costs nothing."""
    from torchvision.models import get_model

    with torch.device(device or "cpu"):
        return get_model(model_id, weights=None)


def build_skeleton(model_id: str) -> nn.Module:
    """The architecture without memory or initialisation, for weights that will be assigned to it.

    On the meta device where it can be built there; RegNet works out its stage widths with tensors
    while it is built, which the meta device cannot do, so it is built on the CPU.
    """
    try:
        return build_architecture(model_id, device="meta")
    except NotImplementedError:
        return build_architecture(model_id)


def stage_model(model_id: str, model: nn.Module) -> StagedNetwork:
    """Split a torchvision model into stages with the adapter for its family."""
    stages = _adapter_for(model_id)(model)
    return StagedNetwork(stages, backbone_id=model_id)


def _adapter_for(model_id: str) -> Callable[[nn.Module], Stages]:
    for prefix, adapter in _ADAPTERS:
        if model_id.startswith(prefix):
            return adapter
    raise KeyError(f"no stage adapter for torchvision model {model_id!r}")


def _seq(**modules: nn.Module) -> nn.Sequential:
    return nn.Sequential(OrderedDict(modules))


def _numbered(prefix: str, modules: nn.Sequential) -> Stages:
    return [(f"{prefix}.{name}", module) for name, module in modules.named_children()]


# ---- adapters ---------------------------------------------------------------------------------
def _resnet(m: nn.Module) -> Stages:
    stem = _seq(conv1=m.conv1, bn1=m.bn1, relu=m.relu, maxpool=m.maxpool)
    layers = [(f"layer{i}", getattr(m, f"layer{i}")) for i in range(1, 5)]
    return [
        ("stem", stem),
        *layers,
        (PRE_LOGITS, _seq(avgpool=m.avgpool, flatten=nn.Flatten(1))),
        (HEAD, m.fc),
    ]


def _mobilenet_v3(m: nn.Module) -> Stages:
    # classifier = Linear(C, D), Hardswish, Dropout, Linear(D, 1000): all but the last Linear make
    # the pooled features, so here pre_logits has parameters of its own.
    fc, act, drop, head = m.classifier
    pre_logits = _seq(avgpool=m.avgpool, flatten=nn.Flatten(1), fc=fc, act=act, drop=drop)
    return [*_numbered("features", m.features), (PRE_LOGITS, pre_logits), (HEAD, head)]


def _efficientnet(m: nn.Module) -> Stages:
    drop, head = m.classifier
    pre_logits = _seq(avgpool=m.avgpool, flatten=nn.Flatten(1), drop=drop)
    return [*_numbered("features", m.features), (PRE_LOGITS, pre_logits), (HEAD, head)]


def _convnext(m: nn.Module) -> Stages:
    norm, flatten, head = m.classifier
    pre_logits = _seq(avgpool=m.avgpool, norm=norm, flatten=flatten)
    return [*_numbered("features", m.features), (PRE_LOGITS, pre_logits), (HEAD, head)]


def _regnet(m: nn.Module) -> Stages:
    blocks = _numbered("trunk_output", m.trunk_output)
    return [
        ("stem", m.stem),
        *blocks,
        (PRE_LOGITS, _seq(avgpool=m.avgpool, flatten=nn.Flatten(1))),
        (HEAD, m.fc),
    ]


def _swin(m: nn.Module) -> Stages:
    pre_logits = _seq(norm=m.norm, permute=m.permute, avgpool=m.avgpool, flatten=m.flatten)
    return [*_numbered("features", m.features), (PRE_LOGITS, pre_logits), (HEAD, m.head)]


def _vit(m: nn.Module) -> Stages:
    layers = [(f"encoder.{i}", layer) for i, layer in enumerate(m.encoder.layers)]
    return [
        ("patch_embed", ViTPatchEmbed(m)),
        *layers,
        (PRE_LOGITS, ViTPreLogits(m.encoder.ln)),
        (HEAD, m.heads.head),
    ]


class ViTPatchEmbed(nn.Module):
    """torchvision ViT up to the first encoder block: patchify, class token, position embedding."""

    def __init__(self, vit: nn.Module):
        super().__init__()
        self.conv_proj = vit.conv_proj
        # The same Parameter objects as the original model, so its state dict loads into them.
        self.class_token = vit.class_token
        self.pos_embedding = vit.encoder.pos_embedding
        self.dropout = vit.encoder.dropout
        self.image_size = vit.image_size
        self.patch_size = vit.patch_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        if h != self.image_size or w != self.image_size:
            raise ValueError(f"ViT expects {self.image_size}x{self.image_size} inputs, got {h}x{w}")
        x = self.conv_proj(x)  # (n, hidden, h/p, w/p)
        x = x.flatten(2).transpose(1, 2)  # (n, tokens, hidden)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
        return self.dropout(x + self.pos_embedding)


class ViTPreLogits(nn.Module):
    """Final LayerNorm, then the class token as the image's feature vector."""

    def __init__(self, ln: nn.Module):
        super().__init__()
        self.ln = ln

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln(x)[:, 0]


# Longest prefixes first is not needed: no id here is a prefix of another family's ids.
_ADAPTERS: list[tuple[str, Callable[[nn.Module], Stages]]] = [
    ("resnet", _resnet),
    ("mobilenet_v3", _mobilenet_v3),
    ("efficientnet", _efficientnet),
    ("convnext", _convnext),
    ("regnet", _regnet),
    ("swin", _swin),
    ("vit", _vit),
]
