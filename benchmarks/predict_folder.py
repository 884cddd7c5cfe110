"""Predicting a folder / the classifier's own forward pass, like for like.

The app side is ``Predictor.predict_paths`` over every hymenoptera photo (each photo once, as a
folder's walk lists them): reading, decoding in the pipeline extraction uses (a thread pool a few
batches ahead), resizing, cropping, normalising, the forward pass, softmax and top-k, batch by batch.
The reference runs only the forward pass of the network ``predict_paths`` runs (the classifier's,
its batch norms folded: ``Predictor.network_for``) on pre-decoded, pre-normalised batches of the
same sizes (the folder's first batches, cycled: a network's cost does not depend on the pixels), with
the predictor's own ``InferenceSettings`` (precision, memory format) in the same process, so with the
same torch threads. A ratio near 1 means decoding is hidden behind the forward pass. Decoding alone
runs in the same rounds: with both on the same cores, model / (model + decode) CPU time is a ceiling.
"""

from __future__ import annotations

import torch

from benchmarks.common import Context, Row, compare, decode_ceiling, interleaved, ratio_row, sync

NAME = "predict"
BATCH = 32
TARGET = 0.9
REFERENCE_BATCHES = 4  # distinct pre-decoded batches the reference cycles through


class FolderPrediction:
    """The app's prediction of a list of photos and the model-only reference, ready to be timed."""

    def __init__(self, ctx: Context, paths):
        from tlgui.core.predict.predictor import Predictor
        from tlgui.core.training.extraction import ViewRecipe, ViewRequest, decoded_batches

        self.paths = list(paths)
        self.predictor = Predictor(ctx.speed_classifier(), ctx.device)
        self.settings = s = self.predictor.settings
        self.prep = self.predictor.classifier.preprocessing
        self.recipe = ViewRecipe(self.prep)
        self.requests = [ViewRequest(p) for p in self.paths]
        distinct = []
        for _good, batch, failed in decoded_batches(self.requests[: REFERENCE_BATCHES * BATCH], self.recipe.make,
                                                    BATCH, s.decode_workers):
            if failed or batch is None or len(batch) != BATCH:
                raise RuntimeError(f"the reference needs {REFERENCE_BATCHES} full batches of readable photos")
            distinct.append(s.network_input(batch, self.prep))
        sizes = [min(BATCH, len(self.paths) - start) for start in range(0, len(self.paths), BATCH)]
        # Leading slices of a channels-last batch stay channels-last: no copies, same layout.
        self.inputs = [distinct[k % len(distinct)][:size] for k, size in enumerate(sizes)]
        self.network = self.predictor.network_for(len(self.paths))  # what predict_paths runs them through

    def predict(self) -> None:
        predictions = self.predictor.predict_paths(self.paths, batch_size=BATCH)
        bad = [p for p in predictions if p.error]
        if bad or len(predictions) != len(self.paths):
            raise RuntimeError(f"{len(bad)} predictions failed: {bad[0].error if bad else 'photos lost'}")

    def model_only(self) -> None:
        with torch.inference_mode(), self.settings.autocast():
            for x in self.inputs:
                self.network(x)
        sync(self.settings.device)

    def decode_only(self) -> None:
        from tlgui.core.training.extraction import decoded_batches

        for _batch in decoded_batches(self.requests, self.recipe.make, BATCH, self.settings.decode_workers):
            pass

    def warm_up(self) -> None:
        """Both batch sizes through both sides: oneDNN builds its kernels per shape on first use."""
        last = len(self.paths) % BATCH
        self.predictor.predict_paths(self.paths[:BATCH] + (self.paths[-last:] if last else []), batch_size=BATCH)
        with torch.inference_mode(), self.settings.autocast():
            self.network(self.inputs[0])
            self.network(self.inputs[-1])


def run(ctx: Context) -> list[Row]:
    photos = ctx.hymenoptera_jpegs()
    n = 2 * BATCH if ctx.quick else len(photos)
    bench = FolderPrediction(ctx, photos[:n])
    bench.warm_up()
    times = interleaved({"predict": bench.predict, "model": bench.model_only, "decode": bench.decode_only},
                        **ctx.rounds)
    app_rate, model_rate, rounds_note, extra = compare(times, n, "predict", "model", ("predict", "model-only"))
    _, ceiling_note = decode_ceiling(times, n, "decode", "model", bench.settings.device.type)
    s = bench.settings
    precision = str(s.autocast_dtype).replace("torch.", "") + " autocast" if s.autocast_dtype else "fp32"
    fmt = "channels_last" if s.channels_last else "contiguous"
    note = (f"{n} hymenoptera JPEGs (each once), batch {BATCH} on both sides, {precision} on both sides (the "
            f"predictor's own settings), {fmt}, {s.decode_workers} decode threads, {torch.get_num_threads()} torch "
            f"threads on both sides; reference: the same (batch-norm-folded) network's forward alone on pre-decoded, pre-normalised "
            f"batches of the same sizes; {rounds_note}; {ceiling_note}")
    row = ratio_row("predict a folder (predict_paths) / model-only forward", app_rate, model_rate, "img/s",
                    at_least=TARGET, note=note)
    row.extra = extra
    return [row]
