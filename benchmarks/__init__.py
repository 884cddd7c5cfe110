"""tlgui's benchmark suite: ``python -m benchmarks``.

Every measurement is a ratio (or a value against a target) measured side by side in the same run,
so that a busy or slow machine moves both sides together. The table printed at the end has the
columns measurement, value, reference, ratio, target, met; it is also written as markdown and JSON
(``--out``, default ``benchmarks/results/latest.md`` and ``.json``).

One module per measurement (its ``NAME`` is what ``--only`` takes):

=============  ===================================================================================
extract        app extraction (decode + resize + forward) / model-only forward, same batch & dtype
torchvision    app extraction / plain torchvision ImageFolder + DataLoader(num_workers=2) loop, fp32
train          ``tlgui train`` on hymenoptera in a subprocess: cold and warm feature cache
partial        partial fine-tune epoch time: cached trunk activations (K views) / recomputed trunk
scale          100,000-file scan, 50,000-vector feature cache
predict        predicting a folder (decode + forward) / model-only forward, same batch, dtype & threads
gui            longest GUI event-loop stall while the Train page trains (offscreen Qt)
latency        single-image prediction from the model file: cold process and warm
precision      fp32 vs mixed-precision (bf16 on AMX CPUs) prediction agreement
first_model    Start → first usable model (trashnet cold / warm), default accuracy (trashnet,
               hymenoptera), the plan's time estimate / the time taken, cached augmented views K
full           a full fine-tune (every layer trains) on hymenoptera: its epoch; its time / the plan's estimate
startup        window launch → first paint / a bare PySide6 window's; ``tlgui predict`` process / import torch
=============  ===================================================================================

Datasets come from ``../shared/datasets`` (beside the repository) or ``$TLGUI_BENCH_DATASETS``.
Nothing touches the user's feature cache or Qt settings: everything lives in a temporary folder
that is deleted at the end (``--keep`` keeps it).
"""

MODULES = ("extract", "torchvision", "train", "partial", "scale", "predict", "gui", "latency", "precision",
           "first_model", "full", "startup")
