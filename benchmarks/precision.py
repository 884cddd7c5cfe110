"""fp32 vs mixed-precision prediction agreement (bf16 autocast on CPUs with native bf16 kernels).

On the hymenoptera validation photos: the trained head-only classifier through ``Predictor`` with
``mixed_precision=True`` (what the app uses) and ``False`` (fp32), all class probabilities; and the
pretrained network's own 1000-class ImageNet head on the same photos (a harder test: 1000 close
classes). Reported: top-1 agreement and the largest absolute difference of any class probability.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import Context, Row, Skip

NAME = "precision"


def _val_paths(ctx: Context, quick: bool):
    paths = sorted(p for p in (ctx.hymenoptera() / "val").rglob("*") if p.is_file())
    return paths[::4] if quick else paths


def _classifier_probabilities(classifier, paths, device, mixed: bool) -> np.ndarray:
    from tlgui.core.predict import Predictor

    predictor = Predictor(classifier, device, mixed_precision=mixed)
    predictions = predictor.predict_paths(paths, top_k=len(classifier.class_names))
    index = {name: i for i, name in enumerate(classifier.class_names)}
    out = np.zeros((len(paths), len(index)))
    for row, prediction in enumerate(predictions):
        assert prediction.error is None, prediction.error
        for name, prob in prediction.top:
            out[row, index[name]] = prob
    return out


def _imagenet_probabilities(ctx: Context, paths, mixed: bool) -> np.ndarray:
    """The same steps as Predictor (uint8 batch, normalise, memory format, autocast), all 1000 classes."""
    from tlgui.core.backbones.catalogue import get_spec
    from tlgui.core.extract import ViewRecipe, ViewRequest, decoded_batches

    settings = ctx.settings(mixed_precision=mixed)
    net = settings.prepare(ctx.backbone()).eval()
    prep = get_spec(net.backbone_id).preprocessing
    recipe = ViewRecipe(prep)
    outs = []
    requests = [ViewRequest(p, "") for p in paths]
    for _good, batch, failed in decoded_batches(requests, recipe.make, 32, settings.decode_workers):
        assert not failed and batch is not None
        with torch.inference_mode(), settings.autocast():
            x = settings.memory_format_input(prep.normalize(settings.to_device(batch)))
            outs.append(torch.softmax(net(x).float(), dim=1).cpu().numpy())
    return np.concatenate(outs)


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
    rows = _rows(
        "2-class classifier",
        _classifier_probabilities(classifier, paths, ctx.device, mixed=False),
        _classifier_probabilities(classifier, paths, ctx.device, mixed=True),
        dtype, len(paths),
    )
    rows += _rows(
        "ImageNet 1000-class head",
        _imagenet_probabilities(ctx, paths, mixed=False),
        _imagenet_probabilities(ctx, paths, mixed=True),
        dtype, len(paths),
    )
    return rows
