"""Any backbone as an ordered list of named stages ending in ``pre_logits`` and ``head``.

Stages are the network's own modules (timm's ``group_matcher`` grouping: stem, each block group,
final conv, pooled features, classifier), wrapped rather than copied, so the parameters are shared
with the original network and the freeze dial, the feature cache boundary and the model file all
speak in the same units.

``nn.ModuleDict`` keys cannot contain dots, so a stage shown as ``blocks.3`` is stored under the key
``blocks_3``; its parameters are named ``stages.blocks_3.0.conv_pw.weight`` and those names are the
ones written to model files, so they must stay stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from tlgui.core.backbones.stage_names import HEAD, PRE_LOGITS, stage_key

__all__ = ["HEAD", "PRE_LOGITS", "StagedNetwork", "replace_head", "stage_key"]


class StagedNetwork(nn.Module):
    """A backbone split into stages; ``forward`` runs them all in order.

    ``stages`` maps keys to modules in forward order; each stage takes the previous stage's output.
    The second-to-last stage, ``pre_logits``, returns pooled (B, D) features and the last, ``head``,
    is ``nn.Linear(D, num_classes)``.
    """

    def __init__(self, stages: Sequence[tuple[str, nn.Module]], *, backbone_id: str):
        super().__init__()
        names = [name for name, _ in stages]
        if names[-2:] != [PRE_LOGITS, HEAD]:
            raise ValueError(f"the last two stages must be {PRE_LOGITS!r} and {HEAD!r}, got {names[-2:]}")
        head = stages[-1][1]
        if not isinstance(head, nn.Linear):
            raise ValueError(f"the head must be nn.Linear, got {type(head).__name__}")
        keys = [stage_key(name) for name in names]
        if len(set(keys)) != len(keys):
            raise ValueError(f"stage names collide: {names}")
        self.stages = nn.ModuleDict(zip(keys, (module for _, module in stages), strict=True))
        self._stage_names = names
        self.backbone_id = backbone_id

    # ---- identity -----------------------------------------------------------------------------
    @property
    def stage_names(self) -> list[str]:
        """Display names in forward order, e.g. ``["stem", "blocks.0", ..., "pre_logits", "head"]``."""
        return list(self._stage_names)

    @property
    def head(self) -> nn.Linear:
        return self.stages[HEAD]  # type: ignore[return-value]

    @property
    def feature_dim(self) -> int:
        """Width D of the pooled features the head reads."""
        return self.head.in_features

    @property
    def num_classes(self) -> int:
        return self.head.out_features

    def stage_index(self, name: str) -> int:
        """Position of the stage displayed (or keyed) as ``name``."""
        keys = list(self.stages.keys())
        key = stage_key(name)
        if key not in keys:
            raise KeyError(f"{self.backbone_id} has no stage {name!r}; stages: {self._stage_names}")
        return keys.index(key)

    # ---- running ------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_from(0, x)

    def forward_until(self, stage_index: int, x: torch.Tensor) -> torch.Tensor:
        """Run stages ``[0, stage_index)``: the activations a cache stores for that boundary."""
        for stage in list(self.stages.values())[:stage_index]:
            x = stage(x)
        return x

    def forward_from(self, stage_index: int, x: torch.Tensor) -> torch.Tensor:
        """Run stages ``[stage_index, end)`` on what ``forward_until(stage_index)`` returned."""
        for stage in list(self.stages.values())[stage_index:]:
            x = stage(x)
        return x

    def extra_repr(self) -> str:
        return f"backbone_id={self.backbone_id!r}, feature_dim={self.feature_dim}, num_classes={self.num_classes}"


def replace_head(net: StagedNetwork, num_classes: int, seed: int = 0) -> StagedNetwork:
    """Remove the pretrained classifier (e.g. the 1000-way ImageNet softmax) and add ours.

    The new ``nn.Linear(feature_dim, num_classes)`` gets PyTorch's default initialisation drawn
    from a generator seeded with ``seed``, so the same seed gives the same starting head whatever
    happened to the global RNG before. It lands on the old head's device and dtype. In place;
    returns ``net``.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be positive, got {num_classes}")
    old = net.head
    new = nn.Linear(net.feature_dim, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    generator = torch.Generator().manual_seed(seed)
    # Same distribution as nn.Linear.reset_parameters (kaiming_uniform with a=sqrt(5)), but seeded.
    bound = 1.0 / math.sqrt(net.feature_dim)
    with torch.no_grad():
        for param in (new.weight, new.bias):
            values = torch.empty(param.shape, dtype=torch.float32).uniform_(
                -bound, bound, generator=generator
            )
            param.copy_(values)
    # Assigning to an existing key keeps its position, so "head" stays last.
    net.stages[stage_key(HEAD)] = new
    return net
