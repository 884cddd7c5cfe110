"""Why the classifier said what it said: a class-activation heatmap (Grad-CAM) laid over the photo.

Grad-CAM (the ``grad-cam`` package) weighs the feature maps of one layer by how much each raises the
score of the chosen class. The layer is the network's last stage with a spatial output before
``pre_logits``: the finest map that still knows what the head reads. Transformers need their tokens
put back on a grid (``reshape`` below). The heatmap covers the square the network sees (the centre
crop of ``Preprocessing.eval_uint8``) and is returned in the photo's own shape, zero outside it.

The hooks Grad-CAM needs are put on a private float32 copy of the network, never on the shared one
that the predictor or the trainer may be running on another thread at the same moment.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from tlgui.core.backbones.staged import PRE_LOGITS, StagedNetwork, stage_key
from tlgui.core.data.images import load_rgb
from tlgui.core.errors import TlguiError
from tlgui.core.models.classifier import Classifier
from tlgui.core.runtime.device import pick_device

Reshape = Callable[[torch.Tensor], torch.Tensor]


class HeatmapUnavailable(TlguiError):
    """This network gives no spatial map to explain a prediction with."""


@dataclass(frozen=True)
class Explanation:
    """A heatmap for one photo and one class.

    ``heatmap``: float32 (H, W), the photo's shape, 0 to 1 (1 where the class's evidence is strongest),
    0 outside ``crop_box``. ``crop_box``: (left, top, right, bottom) in the photo's pixels, the
    square the network sees. ``probabilities``: the network's softmax for this photo, one per class.
    """

    heatmap: np.ndarray
    class_index: int
    probabilities: tuple[float, ...]
    crop_box: tuple[float, float, float, float]


class Explainer:
    """Grad-CAM for one classifier, on its own copy of the network (built once, reused per photo).

    Not thread-safe: use one from one thread at a time (the GUI keeps it inside one background slot).
    Raises ``HeatmapUnavailable`` when the network has no stage with a spatial output to explain.
    """

    def __init__(self, classifier: Classifier, device: str = "auto"):
        # Imports OpenCV, matplotlib and scikit-learn: seconds, so only when a heatmap is asked for.
        from pytorch_grad_cam import GradCAM

        self.classifier = classifier
        self.device = pick_device(device)
        # float32: half-precision gradients of a tiny activation map underflow to zero.
        network = copy.deepcopy(classifier.network).float().eval()
        # Grad-CAM needs the gradient of the activations only, never of the weights.
        network.requires_grad_(False)
        network.to(self.device)
        self.network = network
        layer, reshape = target_layer(network)
        self._cam = GradCAM(network, [layer], reshape_transform=reshape)

    def explain(self, image: Image.Image, class_index: int | None = None) -> Explanation:
        """The heatmap of ``class_index`` (default: the predicted class) over the RGB ``image``."""
        preprocessing = self.classifier.preprocessing
        batch = preprocessing.normalize(preprocessing.eval_uint8(image).unsqueeze(0)).to(self.device)
        # The input asks for gradients so that the target layer's output carries them, frozen or not.
        batch.requires_grad_(True)
        if class_index is not None and not 0 <= class_index < self.classifier.num_classes:
            raise ValueError(f"class index {class_index} is out of range")
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

        with torch.enable_grad():
            targets = None if class_index is None else [ClassifierOutputTarget(class_index)]
            try:
                cam = self._cam(batch, targets=targets)[0]
            except ValueError as exc:  # the library's word for "this activation is not a 2-D map"
                raise HeatmapUnavailable(_unavailable(self.classifier)) from exc
            logits = self._cam.outputs.detach().float()[0]
        self._cam.activations_and_grads.clear()  # do not keep this photo's tensors until the next one
        probabilities = torch.softmax(logits, dim=0).cpu().tolist()
        chosen = int(np.argmax(probabilities)) if class_index is None else class_index
        box = preprocessing.crop_box(image.size)
        return Explanation(_onto_photo(cam, image.size, box), chosen, tuple(probabilities), box)

    def close(self) -> None:
        """Remove the hooks from the private copy (it is dropped with this object anyway)."""
        self._cam.activations_and_grads.release()


def explain_photo(
    explainer: Explainer, path: Path | str, class_index: int | None = None
) -> tuple[Image.Image, Explanation]:
    """Decode ``path`` as the predictor does (same draft scale, so the same pixels) and explain it."""
    image = load_rgb(path, min_size=explainer.classifier.preprocessing.resize_size)
    return image, explainer.explain(image, class_index)


def target_layer(network: StagedNetwork) -> tuple[nn.Module, Reshape | None]:
    """The module Grad-CAM hooks, and how to turn its output into (B, C, H, W)."""
    from torchvision.models.swin_transformer import SwinTransformerBlock, SwinTransformerBlockV2
    from torchvision.models.vision_transformer import EncoderBlock

    names = network.stage_names
    last = network.stages[stage_key(names[names.index(PRE_LOGITS) - 1])]
    if isinstance(last, EncoderBlock):
        # A ViT's last block feeds pre_logits through its class token alone, so the gradient of its
        # patch tokens is zero; at its first LayerNorm they still shape that token (attention).
        return last.ln_1, _tokens_to_grid
    if any(isinstance(m, SwinTransformerBlock | SwinTransformerBlockV2) for m in last.modules()):
        return last, _channels_last_to_first  # Swin keeps (B, H, W, C) up to its pooling
    return last, None


def colour_map(heatmap: np.ndarray) -> np.ndarray:
    """uint8 RGB (H, W, 3) of a 0-1 heatmap in the "jet" colours Grad-CAM pictures use."""
    import cv2  # grad-cam's own dependency, the library it colours its maps with

    levels = np.uint8(np.clip(heatmap, 0.0, 1.0) * 255)
    return cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


# ---- internals ------------------------------------------------------------------------------------
def _tokens_to_grid(tokens: torch.Tensor) -> torch.Tensor:
    patches = tokens[:, 1:, :]  # the class token first, then one token per patch, row by row
    side = math.isqrt(patches.shape[1])
    return patches.reshape(tokens.shape[0], side, side, tokens.shape[2]).permute(0, 3, 1, 2)


def _channels_last_to_first(features: torch.Tensor) -> torch.Tensor:
    return features.permute(0, 3, 1, 2)


def _onto_photo(cam: np.ndarray, size: tuple[int, int], box: tuple[float, float, float, float]) -> np.ndarray:
    """Lay the crop's (S, S) map onto a zero (H, W) map of the whole photo."""
    width, height = size
    left, top = round(box[0]), round(box[1])
    right, bottom = min(width, max(left + 1, round(box[2]))), min(height, max(top + 1, round(box[3])))
    fitted = Image.fromarray(np.asarray(cam, dtype=np.float32)).resize(
        (right - left, bottom - top), Image.Resampling.BILINEAR
    )
    out = np.zeros((height, width), dtype=np.float32)
    out[top:bottom, left:right] = np.clip(np.asarray(fitted), 0.0, 1.0)
    return out


def _unavailable(classifier: Classifier) -> str:
    return (
        f"A heatmap is not available for this model ({classifier.backbone_id}): its last stage before "
        "the pooling has no spatial map to show."
    )
