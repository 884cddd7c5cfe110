"""7. Single-image prediction latency from the model file, cold and warm.

Cold: a new Python process imports tlgui, loads the model file (``load_classifier``), builds a
``Predictor`` and predicts one photo; the time from after the imports to the answer is measured
inside the process, and the whole process's wall time outside it. Warm: ``predict_image`` on a path
repeated in this process (after two warm-up calls), median, and the same for an opened PIL image.
"""

from __future__ import annotations

import json
import time

import torch

from benchmarks.common import Context, Row, median, run_python

NAME = "latency"

_COLD = """
import json, sys, time
t0 = time.perf_counter()
from tlgui.core.models.modelfile import load_classifier
from tlgui.core.predict.predictor import Predictor
t1 = time.perf_counter()
classifier = load_classifier(sys.argv[1])
t2 = time.perf_counter()
predictor = Predictor(classifier, sys.argv[3])
prediction = predictor.predict_image(sys.argv[2])
t3 = time.perf_counter()
assert prediction.error is None, prediction.error
print(json.dumps({"imports_s": t1 - t0, "load_s": t2 - t1, "predict_s": t3 - t2, "label": prediction.label}))
"""


def _cold(ctx: Context, model, image) -> tuple[float, dict]:
    wall, proc = run_python(["-c", _COLD, str(model), str(image), ctx.device], timeout=300)
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    from PIL import Image

    from tlgui.core.predict.predictor import Predictor

    model = ctx.speed_model_file()
    image = ctx.image_subset(2)[1]  # a bee from train/: an ordinary JPEG
    colds = [_cold(ctx, model, image) for _ in range(1 if ctx.quick else 2)]
    wall, inside = min(colds, key=lambda c: c[0])
    after_imports = inside["load_s"] + inside["predict_s"]

    predictor = Predictor(ctx.speed_classifier(), ctx.device)
    reps = 5 if ctx.quick else 10
    path_times = _time_calls(lambda: predictor.predict_image(image), reps)
    with Image.open(image) as im:
        im.load()
        pil_times = _time_calls(lambda: predictor.predict_image(im), reps)
        # Diagnostic: the same with one torch thread. Batch-1 layers are microseconds long, so with
        # two threads every layer ends in a barrier; when another process has one of the cores,
        # the barrier waits for a time slice.
        threads = torch.get_num_threads()
        try:
            torch.set_num_threads(1)
            one_thread = _time_calls(lambda: predictor.predict_image(im), reps, warmup=1)
        finally:
            torch.set_num_threads(threads)
    runs = "; ".join(f"{w:.2f} s" for w, _ in colds)
    return [
        Row("predict 1 image cold: load model + predict (in process)", after_imports * 1000, "ms",
            note=f"load_classifier {inside['load_s'] * 1000:.0f} ms + Predictor & predict_image "
                 f"{inside['predict_s'] * 1000:.0f} ms; imports {inside['imports_s']:.2f} s before it"),
        Row("predict 1 image cold: whole process wall", wall, "s",
            note=f"python -c (import tlgui, load, predict, exit); runs: {runs}; best counted"),
        Row("predict 1 image warm: predict_image(path), median", median(path_times) * 1000, "ms",
            note=f"{reps} calls, min {min(path_times) * 1000:.1f} ms, max {max(path_times) * 1000:.1f} ms"),
        Row("predict 1 image warm: predict_image(PIL image), median", median(pil_times) * 1000, "ms",
            note=f"{reps} calls, decoded image in memory; min {min(pil_times) * 1000:.1f} ms, "
                 f"max {max(pil_times) * 1000:.1f} ms; {threads} torch threads"),
        Row("  diagnostic: same with 1 torch thread, median", median(one_thread) * 1000, "ms",
            median(pil_times) * 1000, "ms", median(pil_times) / median(one_thread),
            note=f"{reps} calls; min {min(one_thread) * 1000:.1f} ms, max {max(one_thread) * 1000:.1f} ms "
                 f"(ratio = default threads / 1 thread)"),
    ]


def _time_calls(call, reps: int, warmup: int = 2) -> list[float]:
    """Seconds per call for ``reps`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return times
