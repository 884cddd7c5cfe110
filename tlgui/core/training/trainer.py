"""One trainer for the method's three regimes, head first.

Every run starts by training the new head on the pooled features of the frozen network, read from
the feature cache (or computed once, in memory, with the cache off): the fast path. The model of
that phase is usable at once: ``on_model_ready`` hands it out while the run goes on (and
``on_head_result`` the run as it would end then, what a project keeps of it before its end). When the
chosen level trains more than the head, the fine-tune continues from that trained head (linear
probing, then fine-tuning, as fastai's ``fine_tune``):

- partial: the last stages train too; the frozen trunk's activations at the freeze boundary are
  cached (with K augmented views per image when augmentation is on), or recomputed each epoch;
- full: every stage trains, from the pretrained start, on freshly augmented images.

One best-epoch tracker spans both phases: a fine-tune epoch replaces the head's best only by
beating it, and a stop (or a fine-tune that fails) keeps the best of both phases so far. Each such
epoch is announced (``on_best_so_far``) as the run would end with it, built only if asked for: a
window that cannot wait for the run's end (a save, a close) keeps that model, not the head's.

``TrainingRun`` is what trains: it checks the photos, builds the network, plans the freeze, picks a
batch source per phase (``sources``) and hands each to the loop (``loop``), which is how it trains.
Progress and results leave through TrainingCallback hooks (the GUI's curves, the CLI's progress bar
and the tests all subscribe).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import time
from collections.abc import Callable, Sequence

import torch

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, create_backbone, get_spec
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.data.bins import DataSet, ImageItem
from tlgui.core.errors import Cancelled, TlguiError
from tlgui.core.i18n import _, ngettext
from tlgui.core.models.classifier import Classifier
from tlgui.core.plan.freeze_plan import FreezePlan, plan_for_dataset
from tlgui.core.plan.freezing import parameter_counts, set_freeze_level
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken, Phase, ProgressEvent
from tlgui.core.runtime.device import cpu_copy
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training import distributed
from tlgui.core.training.best_epoch import BestEpochTracker
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.config import TrainConfig, cached_views_of
from tlgui.core.training.context import SkippedPhotos, TrainingContext
from tlgui.core.training.data_checks import check_training_data
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.loop import EpochSnapshot, PhaseSpan, fit, restore_best
from tlgui.core.training.metrics import EvaluationReport, evaluate
from tlgui.core.training.results import BestSoFar, TrainResult
from tlgui.core.training.sources import BatchSource, StreamedData, cached_source
from tlgui.core.training.summary import EpochStats, ModelMetrics, RunTimings, TrainingSummary

__all__ = ["EpochStats", "TrainConfig", "TrainResult", "TrainingCallback", "train"]


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
    with contextlib.ExitStack() as opened:
        if cache is None and config.use_cache:
            # The user's cache, for this run only: closed after it, or the run left its log (and a
            # full disk's last pages) behind until the process ended.
            cache = opened.enter_context(FeatureCache())
        # distributed: under torchrun, join the other processes; only rank 0 reports.
        with distributed.process_group(config.device):
            callbacks = distributed.main_rank_only(callbacks)
            return TrainingRun(dataset, config, backbone, list(callbacks), cancel or CancelToken(), cache).run()


class _EpochRecorder(TrainingCallback):
    """The epochs a phase finished, kept even when the phase ends in an error; ``on_best()`` is
    called after recording each that is the run's best so far."""

    def __init__(self, on_best: Callable[[], None]) -> None:
        self.epochs: list[EpochStats] = []
        self._on_best = on_best

    def on_epoch_end(self, stats: EpochStats) -> None:
        self.epochs.append(stats)
        if stats.best:
            self._on_best()


class TrainingRun:
    """One call of ``train``: what is trained, on which photos, with which network."""

    def __init__(self, dataset, config, backbone, callbacks, cancel, cache):
        self.dataset: DataSet = dataset
        self.config: TrainConfig = config
        self.backbone = backbone
        self.callbacks: list[TrainingCallback] = callbacks
        self.cancel: CancelToken = cancel
        self.cache = cache
        self.skipped = SkippedPhotos()
        self.warnings: list[str] = []
        self.timings = RunTimings()
        self.train_images = 0  # the training photos that could be read

    def run(self) -> TrainResult:
        started = time.perf_counter()
        class_names, train_items, val_items = self._check_data()
        context = self._prepare(class_names)
        head_context = context.for_head(cached_views_of(self.config, Regime.HEAD))
        fine_tune = context.regime is not Regime.HEAD
        tracker: BestEpochTracker[EpochSnapshot] = BestEpochTracker(self.config.early_stopping_patience)

        # Phase 1, the new head on pooled features: its model is usable as soon as it ends.
        head_data = self._timed("prepare_s", lambda: self._head_source(head_context, train_items, val_items))
        self._warn_of_classes_not_validated(class_names, head_data.val.items)
        head_data = distributed.shard_source(head_data, head_context)  # distributed
        self.train_images = len(head_data.train.items)
        span = PhaseSpan(
            run_epochs=self.config.epochs * (2 if fine_tune else 1),
            keep_from=context.boundary,
            title=_("the new head") if fine_tune else "",
        )
        head = self._timed("train_s", lambda: fit(head_context, head_data, self.config, self.callbacks, self.cancel,
                                                  tracker=tracker, span=span))
        distributed.send_trained_from_main(head_context)  # distributed: every rank ends with rank 0's model
        report = self._timed("evaluate_s", lambda: self._evaluate(head_context, tracker))
        self.timings.first_model_s = time.perf_counter() - started
        history, cancelled = list(head.history), head.cancelled
        if not fine_tune or cancelled:
            return self._finish(head_context, 0, report, history, tracker.best_epoch, cancelled, started, announce=True)

        ready = self._classifier(head_context, 0, report, history, tracker.best_epoch, copy_network=True)
        for cb in self.callbacks:
            cb.on_model_ready(ready)
        head_result = self._result(ready, head_context, report, history, tracker.best_epoch, False)
        head_result.timings.total_s = self.timings.first_model_s
        for cb in self.callbacks:
            cb.on_head_result(head_result)
        # Phase 2, the chosen level, from the trained head, on the photos the first phase could read.
        data, tuned, cancelled = self._fine_tune(context, head_data, tracker, head_result, started)
        if not tuned:
            # Stopped (or failed) before a fine-tune epoch finished: the model is the head's.
            set_freeze_level(context.network, 0)
            return self._finish(head_context, 0, report, history, tracker.best_epoch, cancelled, started)
        history += tuned
        if data is not None:
            self.train_images = len(data.train.items)
        if tracker.best_epoch > len(head.history):
            report = self._timed("evaluate_s", lambda: self._evaluate(context, tracker))
            return self._finish(context, self.plan.level, report, history, tracker.best_epoch, cancelled, started)
        # No fine-tune epoch beat the head's best, whose weights the network holds again (the
        # pretrained stages as they were): the model is described as the head it is, while the
        # result still says the run fine-tuned (its regime, level, and each epoch's phase).
        set_freeze_level(context.network, 0)
        return self._finish(head_context, 0, report, history, tracker.best_epoch, cancelled, started,
                            run_context=context)

    def _fine_tune(
        self, context: TrainingContext, head_data: BatchSource, tracker: BestEpochTracker[EpochSnapshot],
        head: TrainResult, started: float,
    ) -> tuple[BatchSource | None, list[EpochStats], bool]:
        """(its batch source, its finished epochs, whether it was stopped): the run's second phase.

        A stop while its features are computed, or a trouble it runs into, ends it with the best
        weights of the run so far loaded; a trouble is told in the result's warnings. Each of its
        epochs that beats the run's best is announced (``on_best_so_far``).
        """
        head_epochs = len(head.history)
        self.plan.apply(context.network)
        counts = parameter_counts(context.network)
        data: BatchSource | None = None

        def announce() -> None:
            train_images = len(data.train.items) if data is not None else self.train_images
            best = self._best_so_far(context, head, tracker, [*head.history, *recorder.epochs], counts,
                                     train_images, started)
            for cb in self.callbacks:
                cb.on_best_so_far(best)

        recorder = _EpochRecorder(on_best=announce)
        try:
            data = self._timed("prepare_s", lambda: self._source(context, head_data.train.items, head_data.val.items))
            self._warn_of_classes_not_validated(context.class_names, data.val.items)
            data = distributed.shard_source(data, context)  # distributed
            span = PhaseSpan(
                first_epoch=head_epochs + 1,
                run_epochs=head_epochs + self.config.epochs,
                keep_from=context.boundary,
                title=_("fine-tuning {level}").format(level=self.plan.level_name.lower()),
            )
            callbacks = [*self.callbacks, recorder]
            outcome = self._timed(
                "train_s", lambda: fit(context, data, self.config, callbacks, self.cancel, tracker=tracker, span=span)
            )
            distributed.send_trained_from_main(context)  # distributed: every rank ends with rank 0's model
        except Cancelled:
            restore_best(context, tracker)
            return data, recorder.epochs, True
        except TlguiError as exc:
            restore_best(context, tracker)
            self.warnings.append(_("The fine-tune stopped: {reason} The model kept is the best one before it.").format(
                reason=exc))
            return data, recorder.epochs, False
        return data, outcome.history, outcome.cancelled

    def _best_so_far(
        self, context: TrainingContext, head: TrainResult, tracker: BestEpochTracker[EpochSnapshot],
        history: list[EpochStats], counts: tuple[int, int], train_images: int, started: float,
    ) -> BestSoFar:
        """The fine-tune's best epoch so far as the run's result, built only when asked (on the
        asking thread): from copies of what keeps changing (the history, the timings, the warnings)
        and the snapshot of the epoch, which the run never changes."""
        snapshot = tracker.best_state
        assert snapshot is not None  # announced after an epoch that was the best
        # The head's model and report stand in until the epoch's are built.
        result = self._result(head.classifier, context, head.report, history, tracker.best_epoch, False)
        result.timings.total_s = time.perf_counter() - started
        summary = self._summary(context, self.plan.level, counts, history, result.timings)
        build = functools.partial(_best_so_far_result, result, snapshot, summary, train_images)
        return BestSoFar(tracker.best_epoch, tracker.best_accuracy, build)

    def _finish(
        self, context: TrainingContext, level: int, report: EvaluationReport, history: list[EpochStats],
        best_epoch: int, cancelled: bool, started: float, *, announce: bool = False,
        run_context: TrainingContext | None = None,
    ) -> TrainResult:
        """The result, its model described as what trained it (``context``, ``level``); the run's
        regime and level are ``run_context``'s when that differs (a fine-tune that never beat the
        head); ``announce``: the run had one phase, so its model is also the first usable one."""
        self.timings.total_s = time.perf_counter() - started
        classifier = self._classifier(context, level, report, history, best_epoch)
        if announce:
            for cb in self.callbacks:
                cb.on_model_ready(classifier)
        result = self._result(classifier, run_context or context, report, history, best_epoch, cancelled)
        for cb in self.callbacks:
            cb.on_train_end(result)
        return result

    def _result(
        self, classifier: Classifier, context: TrainingContext, report: EvaluationReport,
        history: list[EpochStats], best_epoch: int, cancelled: bool,
    ) -> TrainResult:
        """What the run returns, as far as it has come: copies of what keeps changing while it goes on."""
        return TrainResult(
            classifier=classifier,
            history=list(history),
            best_epoch=best_epoch,
            cancelled=cancelled,
            report=report,
            skipped=list(self.skipped.files),
            regime=context.regime,
            freeze_level=0 if context.regime is Regime.HEAD else self.plan.level,
            timings=copy.copy(self.timings),
            ignored_overrides=self.plan.ignored,
            warnings=tuple(self.warnings),
        )

    def _timed(self, step: str, work):
        """``work()``, its seconds added to ``timings.<step>``."""
        t0 = time.perf_counter()
        try:
            return work()
        finally:
            setattr(self.timings, step, getattr(self.timings, step) + time.perf_counter() - t0)

    def _emit(self, event: ProgressEvent) -> None:
        for cb in self.callbacks:
            cb.on_progress(event)

    def _check_data(self) -> tuple[list[str], list[ImageItem], list[ImageItem]]:
        return check_training_data(self.dataset, self.config)

    def _warn_of_classes_not_validated(self, class_names: Sequence[str], val_items: Sequence[ImageItem]) -> None:
        """A class left without validation photos (too few photos to spare one, or none readable)
        still trains, but the accuracy, and the choice of the best epoch, know nothing of it: the
        result says so."""
        validated = {item.label for item in val_items}
        missing = [name for name in class_names if name not in validated]
        if not missing:
            return
        warning = ngettext(
            "The class {names} has no validation photos, so the validation accuracy says nothing about it.",
            "The classes {names} have no validation photos, so the validation accuracy says nothing about them.",
            len(missing),
        ).format(names=", ".join(missing))
        if warning not in self.warnings:
            self.warnings.append(warning)

    def _prepare(self, class_names: list[str]) -> TrainingContext:
        """The network with its new head on the device, only the head trainable (the first phase),
        and the context of the chosen level (``self.plan`` says what it trains)."""
        cfg = self.config
        settings = InferenceSettings.choose(cfg.device, mixed_precision=cfg.mixed_precision)
        settings = distributed.settings_for_rank(settings)  # distributed: this rank's device
        net = self._network()
        prep = get_spec(net.backbone_id).preprocessing
        replace_head(net, len(class_names), seed=cfg.seed)
        # The same plan the window shows: the level, the hand-set layers (stale ones skipped and
        # reported, not fatal) and the recommendation from the training side of the split. It is
        # applied when the fine-tune starts.
        self.plan: FreezePlan = plan_for_dataset(net, self.dataset, cfg)
        set_freeze_level(net, 0)
        torch.manual_seed(cfg.seed)
        settings.prepare(net)
        return TrainingContext(
            network=net,
            boundary=self.plan.first_trainable_stage,
            regime=self.plan.regime,
            settings=settings,
            preprocessing=prep,
            class_names=tuple(class_names),
            batch_size=cfg.batch_size,
            seed=cfg.seed,
            augment=cfg.augment,
            augment_strength=cfg.augment_strength,
            cached_views=cached_views_of(cfg, self.plan.regime),
            on_skipped=self.skipped.record,
        )

    def _network(self) -> StagedNetwork:
        if isinstance(self.backbone, StagedNetwork):
            return copy.deepcopy(self.backbone)
        return create_backbone(self.backbone, progress=self._emit, cancel=self.cancel)

    def _head_source(self, context: TrainingContext, train_items, val_items) -> BatchSource:
        """Pooled features of every photo: from the feature cache, or computed for this run only."""
        return self._cached(context, train_items, val_items, self._feature_cache() if self.config.use_cache else None)

    def _source(self, context: TrainingContext, train_items, val_items) -> BatchSource:
        """The fine-tune's batches: cached activations when a frozen trunk exists and the cache is
        on, else decoded photos."""
        if self.config.use_cache and context.boundary > 0:
            return self._cached(context, train_items, val_items, self._feature_cache())
        return StreamedData(context, train_items, val_items)

    def _feature_cache(self) -> FeatureCache:
        if self.cache is None:
            self.cache = FeatureCache()
        return self.cache

    def _cached(self, context: TrainingContext, train_items, val_items, cache: FeatureCache | None) -> BatchSource:
        try:
            return cached_source(
                context, train_items, val_items, cache, progress=self._emit, cancel=self.cancel,
                activations=distributed.activations_on_all_ranks,  # distributed: each rank its share
            )
        finally:
            if cache is not None:
                # A busy, full or damaged cache does not stop the run (features are then kept in
                # memory only); what it said goes into the result for the window and the CLI.
                self.warnings.extend(w for w in cache.warnings if w not in self.warnings)

    def _evaluate(self, context: TrainingContext, tracker: BestEpochTracker[EpochSnapshot]) -> EvaluationReport:
        """The report of the run's best epoch, from what its validation predicted (no second pass)."""
        self._emit(ProgressEvent(Phase.EVALUATE, 0, 1, message=_("Evaluating")))
        assert tracker.best_state is not None  # fit raises Cancelled before the run has a best epoch
        report = _report(context.class_names, tracker.best_state)
        self._emit(ProgressEvent(Phase.EVALUATE, 1, 1, message=_("Evaluating")))
        return report

    def _classifier(
        self, context: TrainingContext, level: int, report: EvaluationReport, history: list[EpochStats],
        best_epoch: int, *, copy_network: bool = False,
    ) -> Classifier:
        """The classifier of the network as it is now; ``copy_network`` when training goes on."""
        net = cpu_copy(context.network) if copy_network else context.network.to("cpu")
        net = net.to(memory_format=torch.contiguous_format).eval()
        training = self._summary(context, level, parameter_counts(net), history, copy.copy(self.timings))
        return _classifier_of(net, context.class_names, context.preprocessing, report, best_epoch,
                              self.train_images, training)

    def _summary(self, context: TrainingContext, level: int, counts: tuple[int, int], history: list[EpochStats],
                 timings: RunTimings) -> TrainingSummary:
        """How a model of this run was trained: ``counts`` its (trainable, total) parameters."""
        return TrainingSummary(
            config=copy.deepcopy(self.config),
            regime=context.regime,
            freeze_level=level,
            trainable_parameters=counts[0],
            total_parameters=counts[1],
            device=str(context.settings.device),
            history=list(history),
            timings=timings,
        )


def _report(class_names: Sequence[str], snapshot: EpochSnapshot) -> EvaluationReport:
    """The evaluation of the epoch ``snapshot`` kept, on the validation photos it was judged on."""
    val = snapshot.val
    return evaluate(list(class_names), [i.path for i in val.items], val.targets.numpy(), snapshot.probabilities)


def _classifier_of(net: StagedNetwork, class_names: Sequence[str], preprocessing, report: EvaluationReport,
                   best_epoch: int, train_images: int, training: TrainingSummary) -> Classifier:
    """The classifier of ``net`` (on the CPU, in evaluation mode), described by its run."""
    metrics = ModelMetrics.of_run(report, training.history, best_epoch, train_images)
    return Classifier(net, list(class_names), net.backbone_id, preprocessing, metrics, training)


def _best_so_far_result(so_far: TrainResult, snapshot: EpochSnapshot, training: TrainingSummary,
                        train_images: int) -> TrainResult:
    """``so_far`` with the model of the epoch ``snapshot`` kept: the head's network (``so_far``'s
    classifier, which the run no longer changes) copied, with the weights the fine-tune changed."""
    head = so_far.classifier
    net = copy.deepcopy(head.network)
    net.load_state_dict({name: weights.to("cpu") for name, weights in snapshot.weights.items()}, strict=False)
    net.eval()
    report = _report(head.class_names, snapshot)
    classifier = _classifier_of(net, head.class_names, head.preprocessing, report, so_far.best_epoch, train_images,
                                training)
    return dataclasses.replace(so_far, classifier=classifier, report=report)
