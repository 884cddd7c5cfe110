"""fp32 vs mixed-precision prediction agreement (bf16 autocast on CPUs with native bf16 kernels).

On the hymenoptera validation photos, the steps of ``Predictor`` with ``mixed_precision=True`` (what
the app uses) and ``False`` (fp32): the trained head-only classifier's probabilities, and those of the
pretrained network's own 1000-class ImageNet head on the same pooled features (a harder test: 1000
close classes). Reported: top-1 agreement and the largest absolute difference of any class probability.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from benchmarks.common import Context, Row, Skip

NAME = "precision"


def _val_paths(ctx: Context, quick: bool):
    paths = sorted(p for p in (ctx.hymenoptera() / "val").rglob("*") if p.is_file())
    return paths[::4] if quick else paths


def _probabilities(ctx: Context, classifier, imagenet_head, paths, mixed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Both heads' probabilities for ``paths``: the same steps as ``Predictor`` (uint8 batch,
    normalise on the device, memory format, autocast, the network), with the trunk run once and
    the classifier's own head and the ImageNet head both applied to its pooled features."""
    from tlgui.core.training.extraction import ViewRecipe, ViewRequest, decoded_batches

    settings = ctx.settings(mixed_precision=mixed)
    net = settings.prepare(copy.deepcopy(classifier.network)).eval()
    head_index = len(net.stage_names) - 1
    imagenet = copy.deepcopy(imagenet_head).to(settings.device).eval()
    prep = classifier.preprocessing
    recipe = ViewRecipe(prep)
    ours, theirs = [], []
    requests = [ViewRequest(p) for p in paths]
    for _good, batch, failed in decoded_batches(requests, recipe.make, 32, settings.decode_workers):
        assert not failed and batch is not None, failed
        with torch.inference_mode(), settings.autocast():
            x = settings.memory_format_input(prep.normalize(settings.to_device(batch)))
            features = net.forward_until(head_index, x)
            ours.append(torch.softmax(net.forward_from(head_index, features).float(), dim=1).cpu().numpy())
            theirs.append(torch.softmax(imagenet(features).float(), dim=1).cpu().numpy())
    return np.concatenate(ours), np.concatenate(theirs)


def _rows(title: str, fp32: np.ndarray, mixed: np.ndarray, dtype: str, n: int) -> list[Row]:
    agree = float((fp32.argmax(1) == mixed.argmax(1)).mean())
    diff = np.abs(fp32 - mixed)
    return [
        Row(f"{title}: top-1 agreement fp32 vs {dtype}", agree, "%",
            note=f"{n} hymenoptera val photos; {int(round((1 - agree) * n))} disagree"),
        Row(f"{title}: max |Δ probability| fp32 vs {dtype}", float(diff.max()), "",
            note=f"mean |Δ| of the top-1 probability {float(np.abs(fp32.max(1) - mixed.max(1)).mean()):.4f}"),
    ]


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings()
    if settings.autocast_dtype is None:
        raise Skip(f"no mixed precision on {settings.device} here: the engine runs fp32")
    dtype = str(settings.autocast_dtype).replace("torch.", "")
    paths = _val_paths(ctx, ctx.quick)
    classifier = ctx.trained_classifier()
    imagenet_head = ctx.backbone().head
    fp32 = _probabilities(ctx, classifier, imagenet_head, paths, mixed=False)
    mixed = _probabilities(ctx, classifier, imagenet_head, paths, mixed=True)
    return (_rows("2-class classifier", fp32[0], mixed[0], dtype, len(paths))
            + _rows("ImageNet 1000-class head", fp32[1], mixed[1], dtype, len(paths)))
