"""The one training loop: epochs over any ``BatchSource``, validation, the best epoch kept.

A run calls ``fit`` once per phase (the new head, then the fine-tune when the level trains more),
with one ``BestEpochTracker`` for the whole run: epochs are numbered across phases, and a phase
ends with the best weights of the run so far loaded back, whichever phase they came from.
Progress and epochs leave through TrainingCallback hooks. A stop between batches keeps the best
epoch so far; a loss that stops being a finite number ends the phase with a clear error.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.i18n import _
from tlgui.core.plan.freezing import train_mode
from tlgui.core.plan.recommend import MAX_BALANCED_RATIO
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken, Phase, ProgressEvent, RateMeter
from tlgui.core.runtime.inference import torch_threads
from tlgui.core.training import distributed
from tlgui.core.training.best_epoch import BestEpochTracker
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.config import TrainConfig, default_learning_rate
from tlgui.core.training.context import TrainingContext
from tlgui.core.training.sources import BatchSource, Split, Validation
from tlgui.core.training.summary import EpochStats

# The learning rate of the trainable pretrained layers, as a share of the head's. The head is trained
# first (on pooled features), so a fine-tune no longer starts from a random head whose gradients the
# small rate protected the pretrained layers from. Measured on trashnet (2,527 photos, the recommended
# head + last 2 stages at a rate of 1e-3, 30 epochs, early stopping; best validation accuracy of 505
# photos): 0.1 gave 88.7% in 44 epochs, 1.0 gave 91.9% (and stopped earlier: 39 epochs; with 2 cached
# views, 91.9% in 29). A full fine-tune moves the earliest layers too, which 1.0 was not measured on:
# it keeps 0.1.
BODY_LR_FACTOR = {Regime.PARTIAL: 1.0, Regime.FULL: 0.1}

Weights = dict[str, torch.Tensor]


@dataclass(frozen=True)
class EpochSnapshot:
    """What a run keeps of its best epoch: the weights it can change (``weights``: fresh copies,
    never changed afterwards, so another thread may read them while the run goes on) and what that
    epoch's validation predicted (``probabilities`` of the photos of ``val``, in its order): the
    run's report when it ends with that epoch, with no second pass over the photos."""

    weights: Weights
    probabilities: np.ndarray
    val: Split


@dataclass
class FitOutcome:
    """The epochs run, the best of them (whose weights the network now has) and whether it was stopped."""

    history: list[EpochStats]
    best_epoch: int
    cancelled: bool


@dataclass(frozen=True)
class PhaseSpan:
    """Where one phase sits in its run.

    ``first_epoch``: the run-wide number of its first epoch. ``run_epochs``: the run's planned last
    epoch, as ``EpochStats.epochs`` reports it (None: this phase's last). ``keep_from``: the first
    stage any phase of the run trains (None: this phase's boundary); snapshots of the best weights
    cover every stage from there, so that the best epoch of an earlier phase brings back the stages
    a later phase changed. ``title``: what trains, for the progress message ("" for a run of one phase).
    """

    first_epoch: int = 1
    run_epochs: int | None = None
    keep_from: int | None = None
    title: str = ""


def fit(
    context: TrainingContext,
    data: BatchSource,
    config: TrainConfig,
    callbacks: Sequence[TrainingCallback],
    cancel: CancelToken,
    *,
    tracker: BestEpochTracker[EpochSnapshot] | None = None,
    span: PhaseSpan = PhaseSpan(),
) -> FitOutcome:
    """Train ``context.network`` on ``data`` for ``config.epochs`` epochs (or until early stopping,
    or a stop), then load the best weights of the run so far (``tracker``) back into it.

    Raises Cancelled when stopped before the run has any epoch to keep.
    """
    tracker = tracker if tracker is not None else BestEpochTracker(config.early_stopping_patience)
    if context.regime is Regime.HEAD and context.settings.device.type == "cpu":
        # A linear head's operators finish in microseconds: more threads only add barriers.
        with torch_threads(1):
            return _Loop(context, data, config, callbacks, cancel, tracker, span).run()
    return _Loop(context, data, config, callbacks, cancel, tracker, span).run()


def restore_best(context: TrainingContext, tracker: BestEpochTracker[EpochSnapshot]) -> None:
    """Load the run's best weights into the network (after a phase ended in an error)."""
    if tracker.best_state is not None:
        context.network.load_state_dict(tracker.best_state.weights, strict=False)


def class_weights(counts: torch.Tensor) -> torch.Tensor:
    """The loss's weight of each class, from its number of training photos (``counts``)."""
    counts = counts.float().clamp(min=1)
    # Inverse frequency, normalised so that balanced data gets weights of exactly 1, but no class
    # weighs more than MAX_BALANCED_RATIO times the largest: past that, a batch holding one of
    # its photos is steered by that photo alone, and the head learns to answer that class for
    # everything. Measured on trashnet with the head alone (seeds 0 and 1): paper 594, metal 10,
    # glass 3 photos gave 0.8-1.6% accuracy uncapped (every photo called glass), 95-98% capped;
    # trashnet itself (594 to 137, a ratio of 4.3) is not changed by the cap.
    weights = counts.sum() / (len(counts) * counts)
    return torch.minimum(weights, weights.min() * MAX_BALANCED_RATIO)


class _Loop:
    def __init__(self, context, data, config, callbacks, cancel, tracker, span):
        self.context: TrainingContext = context
        self.data: BatchSource = data
        self.config: TrainConfig = config
        self.callbacks: Sequence[TrainingCallback] = callbacks
        self.cancel: CancelToken = cancel
        self.tracker: BestEpochTracker[EpochSnapshot] = tracker
        self.span: PhaseSpan = span
        self.last_epoch = span.first_epoch + config.epochs - 1
        self.run_epochs = span.run_epochs if span.run_epochs is not None else self.last_epoch
        self._unchanging: Weights | None = None
        self.learning_rate = config.learning_rate or default_learning_rate(context.regime)
        self.optimizer = _optimizer(context.network, self.learning_rate, config.weight_decay,
                                    BODY_LR_FACTOR.get(context.regime, 1.0))
        total_steps = config.epochs * data.steps_per_epoch()
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, _warmup_cosine(total_steps))
        weights = self._class_weights()
        # Training batches are on the run's device; validation's logits come back on the CPU (every
        # source returns them there: the report's probabilities are numpy arrays), so its loss, with
        # the same class weights, is computed there.
        self.loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing).to(
            context.settings.device)
        self.val_loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)
        self.scaler = torch.amp.GradScaler(
            "cuda", enabled=context.settings.device.type == "cuda" and config.mixed_precision
        )
        self.meter = RateMeter(Phase.TRAIN, total_steps, self._emit)
        self.step = 0

    def run(self) -> FitOutcome:
        tracker = self.tracker
        tracker.start_phase(self.span.first_epoch)
        history: list[EpochStats] = []
        cancelled = False
        for epoch in range(self.span.first_epoch, self.last_epoch + 1):
            started = time.perf_counter()
            losses = self._train_epoch(epoch)
            if losses is None:
                cancelled = True
                break
            try:
                validation = self.data.validate(self.val_loss_fn, cancel=self.cancel)
            except Cancelled:  # stopped while validating: this epoch is not judged, the best so far stays
                cancelled = True
                break
            val_loss, val_accuracy = distributed.main_values(validation.loss, validation.accuracy)
            self._check_finite(val_loss, epoch)
            improved = tracker.offer(epoch, val_accuracy, val_loss, functools.partial(self._snapshot, validation))
            stats = EpochStats(
                epoch=epoch,
                epochs=self.run_epochs,
                # distributed: each rank trained on its share of every batch
                train_loss=distributed.mean_over_ranks(float(np.mean(losses)) if losses else float("nan")),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=time.perf_counter() - started,
                learning_rate=self.optimizer.param_groups[0]["lr"],
                best=improved,
                phase=self.context.regime,
            )
            history.append(stats)
            for cb in self.callbacks:
                cb.on_epoch_end(stats)
            if tracker.should_stop:
                break
        if tracker.best_state is None:
            raise Cancelled(_('Stopped before the first epoch finished: there is no model to keep.'))
        self.context.network.load_state_dict(tracker.best_state.weights, strict=False)
        return FitOutcome(history, tracker.best_epoch, cancelled)

    def _train_epoch(self, epoch: int) -> list[float] | None:
        """The epoch's batch losses, or None when the user stopped it."""
        train_mode(self.context.network)
        losses: list[float] = []
        for x, y in self.data.train_batches(epoch):
            if self.cancel.cancelled:
                return None
            self.optimizer.zero_grad(set_to_none=True)
            with self.context.train_autocast():
                loss = self.loss_fn(self.data.forward_train(x), y)
            value = float(loss.detach())
            self._check_finite(value, epoch)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            losses.append(value)
            self.step += 1
            self.meter.update(self.step, self._message(epoch), loss=float(np.mean(losses)))
        return losses

    def _message(self, epoch: int) -> str:
        # Counted across the run, as its curves, its best epoch and the Results page count it
        # (summary.epoch_count); the phase's title says which phase the epoch belongs to.
        text = _("Training epoch {epoch}/{epochs}").format(epoch=epoch, epochs=self.run_epochs)
        if not self.span.title:
            return text
        return _("{epoch}: {phase}").format(epoch=text, phase=self.span.title)

    def _check_finite(self, loss: float, epoch: int) -> None:
        if math.isfinite(loss):
            return
        if self.step > 0 or self.span.first_epoch > 1:  # steps were taken (in this phase or before): they diverged
            raise TlguiError(
                _(
                    "Training stopped at epoch {epoch} because the loss is no longer a finite number; "
                    "try a learning rate lower than {learning_rate:g}."
                ).format(epoch=epoch, learning_rate=self.learning_rate)
            )
        # The run has not changed one weight yet: the network computed NaN or infinity from the
        # photos as it was handed over (a norm with a negative variance, weights edited to infinity),
        # or half precision overflowed on the GPU. A lower learning rate would change nothing.
        if self.context.settings.autocast_dtype == torch.float16:
            advice = _(
                "the backbone computes NaN or infinity from these photos, in the GPU's half precision or "
                "from damaged weights: train on the CPU to tell which"
            )
        else:
            advice = _(
                "the backbone computes NaN or infinity from these photos: its weights or normalisation "
                "statistics are damaged, use a fresh copy of them or another backbone"
            )
        raise TlguiError(
            _(
                "Training stopped at epoch {epoch} because the network's output was not a finite number "
                "on the first batch, before any weight had changed, so the learning rate is not the "
                "cause; {advice}."
            ).format(epoch=epoch, advice=advice)
        )

    def _emit(self, event: ProgressEvent) -> None:
        for cb in self.callbacks:
            cb.on_progress(event)

    def _class_weights(self) -> torch.Tensor | None:
        """Each class's weight in the loss (None: all alike), on the CPU."""
        if not self.config.balance_classes:
            return None
        return class_weights(torch.bincount(self.data.train.targets, minlength=len(self.context.class_names)))

    def _snapshot(self, validation: Validation) -> EpochSnapshot:
        return EpochSnapshot(self._weights(), validation.probabilities, self.data.val)

    def _weights(self) -> Weights:
        # Only what the run can change: the stages this phase trains (parameters and BN statistics),
        # and those a later phase will train, which this phase leaves as they are: copied once.
        if self._unchanging is None:
            keep_from = self.span.keep_from if self.span.keep_from is not None else self.context.boundary
            self._unchanging = self._stage_weights(min(keep_from, self.context.boundary), self.context.boundary)
        return {**self._unchanging, **self._stage_weights(self.context.boundary, len(self.context.network.stages))}

    def _stage_weights(self, start: int, stop: int) -> Weights:
        # Copied to the CPU, from a GPU too: the best model so far is handed to the window's thread,
        # which must not wait there for the training's queued GPU work, and a copy kept on the GPU
        # would take a network's worth of the memory the run needs.
        net = self.context.network
        prefix = tuple(f"stages.{k}." for k in list(net.stages.keys())[start:stop])
        if not prefix:
            return {}
        return {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items() if k.startswith(prefix)}


def _optimizer(net: StagedNetwork, learning_rate: float, weight_decay: float,
               body_factor: float) -> torch.optim.Optimizer:
    head_params = [p for p in net.head.parameters() if p.requires_grad]
    head_ids = {id(p) for p in head_params}
    body = [p for p in net.parameters() if p.requires_grad and id(p) not in head_ids]
    groups = [{"params": head_params, "lr": learning_rate}]
    if body:
        groups.append({"params": body, "lr": learning_rate * body_factor})
    return torch.optim.AdamW(groups, weight_decay=weight_decay)


def _warmup_cosine(total_steps: int):
    warmup = max(1, min(100, total_steps // 20))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor
