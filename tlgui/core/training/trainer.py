"""One trainer for the method's three regimes.

- head only: every pretrained stage frozen; pooled features come from the feature cache and only
  the new head trains, without opening a single image after the first run;
- partial: the last stages train too; the frozen trunk's activations at the freeze boundary are
  cached (with K augmented views per image when augmentation is on), or recomputed each epoch;
- full: every stage trains, from the pretrained start, on freshly augmented images.

Progress and results leave through TrainingCallback hooks (the GUI's curves, the CLI's progress
bar and the tests all subscribe). A stop between batches keeps the best epoch so far.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import time
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, create_backbone, get_spec
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.data.bins import DataSet, ImageItem, SkippedFile
from tlgui.core.errors import Cancelled, DataError
from tlgui.core.models.classifier import Classifier
from tlgui.core.plan.freeze_plan import FreezePlan, plan_for_dataset
from tlgui.core.plan.freezing import parameter_counts, train_mode
from tlgui.core.progress import CancelToken, ProgressEvent, RateMeter
from tlgui.core.runtime.inference import InferenceSettings, torch_threads
from tlgui.core.training.config import EpochStats, TrainConfig, TrainingCallback, TrainResult
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.metrics import EvaluationReport, evaluate
from tlgui.core.training.sources import CachedData, Split, StreamedData

__all__ = ["EpochStats", "TrainConfig", "TrainResult", "TrainingCallback", "train"]

HEAD_LR = 3e-3
FINE_TUNE_LR = 1e-3
# Earlier layers move less: pretrained features need nudging, the new head needs learning.
BODY_LR_FACTOR = 0.1


def train(
    dataset: DataSet,
    config: TrainConfig,
    *,
    backbone: str | StagedNetwork = DEFAULT_BACKBONE,
    callbacks: Sequence[TrainingCallback] = (),
    cancel: CancelToken | None = None,
    cache: FeatureCache | None = None,
) -> TrainResult:
    """Train a classifier for the dataset's classes. See the module docstring for the regimes.

    ``backbone`` is a catalogue id or a StagedNetwork (copied, never modified). ``cache`` defaults
    to the user's feature cache when ``config.use_cache`` is on.
    """
    return TrainingRun(dataset, config, backbone, list(callbacks), cancel or CancelToken(), cache).run()


class TrainingRun:
    def __init__(self, dataset, config, backbone, callbacks, cancel, cache):
        self.dataset: DataSet = dataset
        self.config: TrainConfig = config
        self.backbone = backbone
        self.callbacks: list[TrainingCallback] = callbacks
        self.cancel: CancelToken = cancel
        self.cache = cache
        self.skipped: list[SkippedFile] = []
        self.timings: dict[str, float] = {}

    # ---- orchestration ------------------------------------------------------------------------
    def run(self) -> TrainResult:
        started = time.perf_counter()
        cfg = self.config
        self.class_names, train_items, val_items = self._check_data()
        self.settings = InferenceSettings.choose(cfg.device, mixed_precision=cfg.mixed_precision)
        net = self._network()
        self.prep = get_spec(net.backbone_id).preprocessing
        replace_head(net, len(self.class_names), seed=cfg.seed)
        plan = self._freeze(net)
        level = plan.level
        self.boundary = plan.first_trainable_stage
        self.regime = plan.regime
        torch.manual_seed(cfg.seed)
        self.settings.prepare(net)
        self.net = net

        use_cache = cfg.use_cache and self.boundary > 0
        t0 = time.perf_counter()
        if use_cache:
            data = self._cached_data(train_items, val_items)
        else:
            data = StreamedData(self, train_items, val_items)
        self.timings["prepare_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        history, best_epoch, cancelled = self._fit(data)
        self.timings["train_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report = self._evaluate(data)
        self.timings["evaluate_s"] = time.perf_counter() - t0
        self.timings["total_s"] = time.perf_counter() - started

        classifier = self._classifier(net, report, history, best_epoch, level, data)
        result = TrainResult(
            classifier=classifier,
            history=history,
            best_epoch=best_epoch,
            cancelled=cancelled,
            report=report,
            skipped=self.skipped,
            regime=self.regime,
            timings=self.timings,
            ignored_overrides=plan.ignored,
        )
        for cb in self.callbacks:
            cb.on_train_end(result)
        return result

    def train_autocast(self) -> contextlib.AbstractContextManager:
        """Mixed precision for training: fp16 on CUDA (with a grad scaler), bf16 on CPUs with native
        bf16 kernels (AMX / AVX-512 BF16), where it makes fine-tuning several times faster. A
        linear head gains nothing from it and stays fp32."""
        if self.regime == "head" and self.settings.device.type == "cpu":
            return contextlib.nullcontext()
        return self.settings.autocast()

    def _emit(self, event: ProgressEvent) -> None:
        for cb in self.callbacks:
            cb.on_progress(event)

    def _check_data(self) -> tuple[list[str], list[ImageItem], list[ImageItem]]:
        counts = self.dataset.class_counts()
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            raise DataError(f"These classes have no photos: {', '.join(empty)}. Add photos or delete them.")
        if len(counts) < 2:
            found = f"found {len(counts)}" + (f" ({', '.join(counts)})" if counts else "")
            raise DataError(f"Training needs at least two classes; {found}.")
        train_items, val_items = self.dataset.split(self.config.val_fraction, self.config.seed)
        names = list(counts)
        missing = [n for n in names if not any(i.label == n for i in train_items)]
        if missing:
            raise DataError(f"These classes have no training photos: {', '.join(missing)}.")
        if not val_items:
            raise DataError("There are no validation photos: add more photos (at least two per class).")
        return names, train_items, val_items

    def _network(self) -> StagedNetwork:
        if isinstance(self.backbone, StagedNetwork):
            return copy.deepcopy(self.backbone)
        return create_backbone(self.backbone, progress=self._emit, cancel=self.cancel)

    def _freeze(self, net: StagedNetwork) -> FreezePlan:
        # The same plan the window shows: the level, the hand-set layers (stale ones skipped and
        # reported, not fatal) and the recommendation from the training side of the split.
        plan = plan_for_dataset(net, self.dataset, self.config)
        plan.apply(net)
        return plan

    def split_of(self, items: list[ImageItem]) -> Split:
        index = {name: i for i, name in enumerate(self.class_names)}
        targets = torch.tensor([index[item.label] for item in items], dtype=torch.long)
        return Split(items, targets)

    def record_skipped(self, failures) -> None:
        """List photos that could not be decoded (each once) in the result's ``skipped``."""
        for failure in failures:
            if all(s.path != failure.path for s in self.skipped):
                self.skipped.append(SkippedFile(failure.path, failure.reason))

    def drop_failures(self, items: list[ImageItem], failures) -> list[ImageItem]:
        """Record the failures and return ``items`` without them."""
        self.record_skipped(failures)
        bad = {f.path for f in failures}
        return [item for item in items if item.path not in bad]

    # ---- cached path --------------------------------------------------------------------------
    def _cached_data(self, train_items, val_items) -> CachedData:
        cfg = self.config
        cache = self.cache if self.cache is not None else FeatureCache()
        recipe = ViewRecipe(self.prep, cfg.augment_strength, cfg.seed)
        views = list(range(cfg.cached_views + 1)) if cfg.augment else [0]
        namespace = cache_namespace(
            self.net, self.boundary, recipe, str(self.settings.autocast_dtype or "fp32")
        )
        requests = [ViewRequest(i.path, i.digest, v) for i in train_items for v in views]
        requests += [ViewRequest(i.path, i.digest, 0) for i in val_items]
        arrays, failures = compute_activations(
            self.net,
            self.boundary,
            requests,
            recipe,
            self.settings,
            cache=cache,
            namespace=namespace,
            batch_size=max(self.config.batch_size, self.settings.extraction_batch_size),
            progress=self._emit,
            cancel=self.cancel,
        )
        train_items = self.drop_failures(train_items, failures)
        val_items = self.drop_failures(val_items, failures)
        self._check_after_skips(train_items, val_items)
        train_views = [
            torch.from_numpy(np.stack([arrays[f"{i.digest}:{v}"] for i in train_items])) for v in views
        ]
        val_x = torch.from_numpy(np.stack([arrays[f"{i.digest}:0"] for i in val_items]))
        return CachedData(self, self.split_of(train_items), self.split_of(val_items), train_views, val_x)

    def _check_after_skips(self, train_items, val_items) -> None:
        present = {i.label for i in train_items}
        lost = [n for n in self.class_names if n not in present]
        if lost:
            raise DataError(f"No readable training photos left in: {', '.join(lost)}.")
        if not val_items:
            raise DataError("No readable validation photos left.")

    # ---- the loop -----------------------------------------------------------------------------
    def _optimizer(self) -> torch.optim.Optimizer:
        cfg = self.config
        base = cfg.learning_rate or (HEAD_LR if self.regime == "head" else FINE_TUNE_LR)
        head_params = [p for p in self.net.head.parameters() if p.requires_grad]
        head_ids = {id(p) for p in head_params}
        body = [p for p in self.net.parameters() if p.requires_grad and id(p) not in head_ids]
        groups = [{"params": head_params, "lr": base}]
        if body:
            groups.append({"params": body, "lr": base * BODY_LR_FACTOR})
        return torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)

    def _fit(self, data) -> tuple[list[EpochStats], int, bool]:
        if self.regime == "head" and self.settings.device.type == "cpu":
            with torch_threads(1):
                return self._fit_loop(data)
        return self._fit_loop(data)

    def _fit_loop(self, data) -> tuple[list[EpochStats], int, bool]:
        cfg = self.config
        optimizer = self._optimizer()
        steps_per_epoch = data.steps_per_epoch()
        total_steps = cfg.epochs * steps_per_epoch
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_cosine(total_steps))
        loss_fn = nn.CrossEntropyLoss(weight=self._class_weights(data), label_smoothing=cfg.label_smoothing)
        scaler = torch.amp.GradScaler(
            "cuda", enabled=self.settings.device.type == "cuda" and cfg.mixed_precision
        )
        history: list[EpochStats] = []
        best = (-1.0, math.inf)
        best_state: dict[str, torch.Tensor] | None = None
        best_epoch = 0
        meter = RateMeter("train", total_steps, self._emit)
        step = 0
        cancelled = False
        for epoch in range(1, cfg.epochs + 1):
            epoch_start = time.perf_counter()
            train_mode(self.net)
            losses = []
            for x, y in data.train_batches(epoch):
                if self.cancel.cancelled:
                    cancelled = True
                    break
                optimizer.zero_grad(set_to_none=True)
                with data.train_autocast():
                    loss = loss_fn(data.forward_train(x), y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                losses.append(float(loss.detach()))
                step += 1
                meter.update(step, f"Training epoch {epoch}/{cfg.epochs}", loss=float(np.mean(losses)))
            if cancelled:
                break
            val_loss, val_acc = data.validate(loss_fn)
            improved = (val_acc, -val_loss) > (best[0], -best[1])
            if improved:
                best = (val_acc, val_loss)
                best_epoch = epoch
                best_state = self._snapshot()
            stats = EpochStats(
                epoch=epoch,
                epochs=cfg.epochs,
                train_loss=float(np.mean(losses)) if losses else float("nan"),
                val_loss=val_loss,
                val_accuracy=val_acc,
                seconds=time.perf_counter() - epoch_start,
                learning_rate=optimizer.param_groups[0]["lr"],
                best=improved,
            )
            history.append(stats)
            for cb in self.callbacks:
                cb.on_epoch_end(stats)
            patience = cfg.early_stopping_patience
            if patience is not None and epoch - best_epoch >= patience:
                break
        if best_state is None:
            raise Cancelled("Stopped before the first epoch finished: there is no model to keep.")
        self._restore(best_state)
        return history, best_epoch, cancelled

    def _class_weights(self, data) -> torch.Tensor | None:
        if not self.config.balance_classes:
            return None
        counts = torch.bincount(data.train.targets, minlength=len(self.class_names)).float().clamp(min=1)
        # Inverse frequency, normalised so that balanced data gets weights of exactly 1.
        return (counts.sum() / (len(counts) * counts)).to(self.settings.device)

    def _snapshot(self) -> dict[str, torch.Tensor]:
        # Only what training can change: trainable stages' parameters and their BN statistics.
        keys = list(self.net.stages.keys())[self.boundary :]
        prefix = tuple(f"stages.{k}." for k in keys)
        return {k: v.detach().clone() for k, v in self.net.state_dict().items() if k.startswith(prefix)}

    def _restore(self, state: dict[str, torch.Tensor]) -> None:
        self.net.load_state_dict(state, strict=False)

    # ---- results ------------------------------------------------------------------------------
    def _evaluate(self, data) -> EvaluationReport:
        self._emit(ProgressEvent("evaluate", 0, 1, message="Evaluating"))
        probabilities = data.val_probabilities()
        self._emit(ProgressEvent("evaluate", 1, 1, message="Evaluating"))
        paths = [i.path for i in data.val.items]
        return evaluate(self.class_names, paths, data.val.targets.numpy(), probabilities)

    def _classifier(self, net, report, history, best_epoch, level, data) -> Classifier:
        net = net.to("cpu").to(memory_format=torch.contiguous_format).eval()
        trainable, total = parameter_counts(net)
        metrics = {
            "accuracy": report.accuracy,
            "best_epoch": best_epoch,
            "epochs_run": len(history),
            "val_loss": next((h.val_loss for h in history if h.epoch == best_epoch), None),
            "precision": dict(zip(report.class_names, report.precision, strict=True)),
            "recall": dict(zip(report.class_names, report.recall, strict=True)),
            "confusion": report.confusion,
            "train_images": len(data.train.items),
            "val_images": len(data.val.items),
        }
        training = {
            "config": self.config.to_dict(),
            "regime": self.regime,
            "freeze_level": level,
            "trainable_parameters": trainable,
            "total_parameters": total,
            "device": str(self.settings.device),
            "history": [h.__dict__ for h in history],
            "timings": self.timings,
        }
        return Classifier(net, list(self.class_names), net.backbone_id, self.prep, metrics, training)


def _warmup_cosine(total_steps: int):
    warmup = max(1, min(100, total_steps // 20))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor


def cache_namespace(net: StagedNetwork, boundary: int, recipe: ViewRecipe, precision: str = "fp32") -> str:
    """Cache namespace: backbone, a fingerprint of the frozen weights, the view recipe, the boundary
    and the precision the trunk ran in (bf16 activations differ slightly from fp32 ones)."""
    digest = hashlib.blake2b(digest_size=12)
    for key, tensor in net.state_dict().items():
        if any(key.startswith(f"stages.{k}.") for k in list(net.stages.keys())[:boundary]):
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return f"{net.backbone_id}|{digest.hexdigest()}|{recipe.key()}|{net.stage_names[boundary]}|{precision}"
