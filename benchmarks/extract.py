"""1. Extraction throughput / model-only forward throughput of the same backbone.

The app side is ``compute_activations(..., cache=None)``: decoding (draft mode, thread pool),
resizing, cropping, normalising and the forward pass to the head-only boundary (pooled features).
The reference runs only ``forward_until`` of the network extraction runs (the backbone, its batch norms
folded: ``runtime.folding``) on the same images, decoded and normalised beforehand, with the same batch
(32), precision and memory format (``InferenceSettings.choose(device)``).
A ratio near 1 means decoding is hidden behind the forward pass.
"""

from __future__ import annotations

import torch

from benchmarks.common import Context, Row, compare, decode_ceiling, interleaved, ratio_row, sync

NAME = "extract"
BATCH = 32
TARGET = 0.9


class AppExtraction:
    """The app's extraction of a fixed image list, ready to be timed (shared with ``torchvision``)."""

    def __init__(self, ctx: Context, paths):
        from tlgui.core.backbones.catalogue import get_spec
        from tlgui.core.plan.freezing import first_trainable_stage, set_freeze_level
        from tlgui.core.training.extraction import ViewRecipe, ViewRequest

        self.paths = list(paths)
        self.settings = ctx.settings()
        net = ctx.backbone()
        set_freeze_level(net, 0)
        self.boundary = first_trainable_stage(net)  # the head-only cache boundary: pooled features
        self.net = self.settings.prepare(net).eval()
        self.prep = get_spec(net.backbone_id).preprocessing
        self.recipe = ViewRecipe(self.prep)
        self.requests = [ViewRequest(p) for p in self.paths]

    def run(self) -> int:
        from tlgui.core.training.extraction import compute_activations

        found, failures = compute_activations(
            self.net, self.boundary, self.requests, self.recipe, self.settings,
            cache=None, namespace="bench", batch_size=BATCH,
        )
        if failures or len(found) != len(self.requests):
            raise RuntimeError(f"extraction lost images: {[str(f) for f in failures][:3]}")
        return len(found)

    def warm_up(self) -> None:
        """One batch through the whole path: oneDNN builds its kernels on first use."""
        from tlgui.core.training.extraction import compute_activations

        compute_activations(
            self.net, self.boundary, self.requests[:BATCH], self.recipe, self.settings,
            cache=None, namespace="bench", batch_size=BATCH,
        )


class DecodeOnly:
    """Decoding, resizing and cropping alone, in the app's thread pool: the work extraction adds."""

    def __init__(self, app: AppExtraction):
        self.app = app

    def run(self) -> int:
        from tlgui.core.training.extraction import decoded_batches

        s, n = self.app.settings, 0
        for good, _batch, _failed in decoded_batches(self.app.requests, self.app.recipe.make, BATCH,
                                                     s.decode_workers):
            n += len(good)
        return n


class ModelOnly:
    """``forward_until`` on pre-decoded, pre-normalised batches: the network's own speed."""

    def __init__(self, app: AppExtraction):
        from tlgui.core.runtime.folding import folded_for_inference
        from tlgui.core.training.extraction import decoded_batches

        self.app = app
        self.trunk = folded_for_inference(app.net, app.prep.input_size)  # what extraction runs
        s = app.settings
        self.batches = []
        for _good, batch, failed in decoded_batches(app.requests, app.recipe.make, BATCH, s.decode_workers):
            assert batch is not None and not failed
            x = s.memory_format_input(app.prep.normalize(s.to_device(batch)))
            self.batches.append(x)
        self.count = sum(len(b) for b in self.batches)

    def run(self) -> int:
        s = self.app.settings
        with torch.inference_mode(), s.autocast():
            for x in self.batches:
                out = self.trunk.forward_until(self.app.boundary, x)
        sync(s.device)
        del out
        return self.count


def run(ctx: Context) -> list[Row]:
    n = 32 if ctx.quick else 128
    app = AppExtraction(ctx, ctx.image_subset(n))
    model = ModelOnly(app)
    app.warm_up()
    model.run()
    decode = DecodeOnly(app)
    times = interleaved({"app": app.run, "model": model.run, "decode": decode.run}, **ctx.rounds)
    app_rate, model_rate, rounds_note, extra = compare(times, n, "app", "model", ("app", "model-only"))
    # CPU milliseconds per image of each part: on a CPU, decoding hides behind the forward only if it is cheap.
    decode_ms = min(times.cpu["decode"]) / n * 1000
    model_ms = min(times.cpu["model"]) / n * 1000
    s = app.settings
    precision = str(s.autocast_dtype).replace("torch.", "") if s.autocast_dtype else "fp32"
    fmt = "channels_last" if s.channels_last else "contiguous"
    note = (f"{n} hymenoptera JPEGs, batch {BATCH}, {precision} autocast, {fmt}, {s.decode_workers} decode threads, "
            f"{torch.get_num_threads()} torch threads; {rounds_note}")
    row = ratio_row("extraction / model-only forward", app_rate, model_rate, "img/s", at_least=TARGET, note=note)
    row.extra = extra
    _, ceiling_note = decode_ceiling(times, n, "decode", "model", s.device.type)
    note = f"{s.decode_workers} decode threads; {ceiling_note}"
    if s.device.type == "cpu":
        diag = Row("  diagnostic: decode+resize alone / model-only (CPU ms per image)", decode_ms, "ms",
                   model_ms, "ms", decode_ms / model_ms, note=note)
    else:
        decode_rate = times.best_rate("decode", n)
        diag = Row("  diagnostic: decode+resize alone / model-only (img/s)", decode_rate, "img/s", model_rate,
                   "img/s", decode_rate / model_rate, note=note)
    return [row, diag]
