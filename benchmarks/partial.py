"""4. Partial fine-tune (last stage trainable): cached trunk activations vs the trunk recomputed.

Both runs: hymenoptera (train/val as given), ``freeze_level=1``, augmentation on, the same number
of epochs (5), no early stopping. The cached run stores the frozen trunk's activations at the freeze
boundary for K augmented views per photo (``cached_views=K``) once, then trains from them; the
other (``use_cache=False``) decodes, augments and runs the whole network every epoch.

Epoch time is the median of ``EpochStats.seconds`` of the fine-tune's epochs (each run trains the
head first, on pooled features) after its first (steady state: the first streamed epoch also
decodes the validation photos once). Validation runs every epoch in both and is
part of the epoch time. The cached run's one-off fill of the cache
(``timings.prepare_s``) is reported on its own row.
"""

from __future__ import annotations

from benchmarks.common import Context, Row, median, ratio_row

NAME = "partial"
TARGET = 5.0
VIEWS = 4
EPOCHS = 5
# All training photos: with fewer, the accuracy comparison is decided by one or two photos. The
# recomputed run then takes about a minute on a 2-core CPU.
TRAIN_PER_CLASS = None


def _train(ctx: Context, *, use_cache: bool, epochs: int, cache_dir, subset):
    from tlgui.core.training.feature_cache import FeatureCache
    from tlgui.core.training.trainer import TrainConfig, train

    config = TrainConfig(
        epochs=epochs, freeze_level=1, use_cache=use_cache, augment=True, cached_views=VIEWS if use_cache else 0,
        early_stopping_patience=None, device=ctx.device,
    )
    with FeatureCache(cache_dir) as cache:
        return train(ctx.hymenoptera_dataset(*subset), config, backbone=ctx.backbone(), cache=cache if use_cache else None)


def run(ctx: Context) -> list[Row]:
    epochs = 2 if ctx.quick else EPOCHS
    # (train, val) photos per class: quick is a smoke test; the full run trains on the first
    # TRAIN_PER_CLASS photos of each class and validates on all of val.
    subset = (8, 8) if ctx.quick else (TRAIN_PER_CLASS, None)
    cache_dir = ctx.workdir / "partial-cache"
    cached = _train(ctx, use_cache=True, epochs=epochs, cache_dir=cache_dir, subset=subset)
    streamed = _train(ctx, use_cache=False, epochs=epochs, cache_dir=cache_dir, subset=subset)

    def steady(result) -> float:
        seconds = [h.seconds for h in result.history if h.phase == "partial"]
        return median(seconds[1:] if len(seconds) > 1 else seconds)

    t_cached, t_streamed = steady(cached), steady(streamed)
    boundary = cached.classifier.training.freeze_level
    note = (
        f"freeze_level {boundary}, {cached.classifier.metrics.train_images} train + "
        f"{cached.classifier.metrics.val_images} val photos, {epochs} epochs each, K={VIEWS} cached views; "
        "epoch seconds cached: "
        + ", ".join(f"{h.seconds:.2f}" for h in cached.history)
        + "; recomputed: "
        + ", ".join(f"{h.seconds:.2f}" for h in streamed.history)
    )
    # ratio = recomputed epoch time / cached epoch time (how many times faster the cached epoch is)
    row = ratio_row("partial fine-tune epoch: recomputed / cached (time)", t_streamed, t_cached, "s",
                    at_least=TARGET, note=note)
    acc_cached, acc_streamed = cached.report.accuracy, streamed.report.accuracy
    row.met = bool(row.met) and acc_cached >= acc_streamed
    row.target = f"≥ {TARGET:g}x at ≥ equal accuracy"
    fill = cached.timings.prepare_s
    # Twice: the head's pooled features first, then the activations at the freeze boundary.
    views = 2 * (cached.classifier.metrics.train_images * (1 + VIEWS) + cached.classifier.metrics.val_images)
    return [
        row,
        Row("partial: val accuracy cached / recomputed", acc_cached, "%", acc_streamed, "%",
            acc_cached / acc_streamed if acc_streamed else None, "cached ≥ recomputed", acc_cached >= acc_streamed,
            note=f"{len(cached.report.predictions)} val photos: cached right on "
                 f"{round(acc_cached * len(cached.report.predictions))}, recomputed on "
                 f"{round(acc_streamed * len(streamed.report.predictions))}; best epochs {cached.best_epoch} / "
                 f"{streamed.best_epoch}"),
        Row("partial: one-off cache fill (pooled + boundary, train×(1+K) + val each)", fill, "s",
            note=f"{views} trunk passes, {views / fill:.1f} img/s (decode + augment + trunk + cache write); "
                 f"train_s cached {cached.timings.train_s:.1f}s vs recomputed "
                 f"{streamed.timings.train_s:.1f}s"),
    ]
