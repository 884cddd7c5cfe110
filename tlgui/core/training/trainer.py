"""One trainer for the method's three regimes.

- head only: every pretrained stage frozen; pooled features come from the feature cache and only
  the new head trains, without opening a single image after the first run;
- partial: the last stages train too; the frozen trunk's activations at the freeze boundary are
  cached (with K augmented views per image when augmentation is on), or recomputed each epoch;
- full: every stage trains, from the pretrained start, on freshly augmented images.

``TrainingRun`` is what trains: it checks the photos, builds and freezes the network, picks a batch
source (``sources``) and hands it to the loop (``loop``), which is how it trains. Progress and
results leave through TrainingCallback hooks (the GUI's curves, the CLI's progress bar and the
tests all subscribe). A stop between batches keeps the best epoch so far.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

import torch

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, create_backbone, get_spec
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.data.bins import DataSet, ImageItem
from tlgui.core.errors import DataError
from tlgui.core.i18n import _
from tlgui.core.models.classifier import Classifier
from tlgui.core.plan.freeze_plan import FreezePlan, plan_for_dataset
from tlgui.core.plan.freezing import parameter_counts
from tlgui.core.progress import CancelToken, Phase, ProgressEvent
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training import distributed
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.context import SkippedPhotos, TrainingContext
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.loop import FitOutcome, fit
from tlgui.core.training.metrics import EvaluationReport, evaluate
from tlgui.core.training.results import TrainResult
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
    # distributed: under torchrun, join the other processes; only rank 0 reports.
    with distributed.process_group(config.device):
        callbacks = distributed.main_rank_only(callbacks)
        return TrainingRun(dataset, config, backbone, list(callbacks), cancel or CancelToken(), cache).run()


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

    def run(self) -> TrainResult:
        started = time.perf_counter()
        class_names, train_items, val_items = self._check_data()
        context, level = self._prepare(class_names)

        t0 = time.perf_counter()
        data = distributed.shard_source(self._source(context, train_items, val_items), context)  # distributed
        self.timings.prepare_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        outcome = fit(context, data, self.config, self.callbacks, self.cancel)
        distributed.send_trained_from_main(context)  # distributed: every rank ends with rank 0's model
        self.timings.train_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        report = self._evaluate(context, data)
        self.timings.evaluate_s = time.perf_counter() - t0
        self.timings.total_s = time.perf_counter() - started

        result = TrainResult(
            classifier=self._classifier(context, report, outcome, level, data),
            history=outcome.history,
            best_epoch=outcome.best_epoch,
            cancelled=outcome.cancelled,
            report=report,
            skipped=self.skipped.files,
            regime=context.regime,
            timings=self.timings,
            ignored_overrides=self.plan.ignored,
            warnings=tuple(self.warnings),
        )
        for cb in self.callbacks:
            cb.on_train_end(result)
        return result

    def _emit(self, event: ProgressEvent) -> None:
        for cb in self.callbacks:
            cb.on_progress(event)

    def _check_data(self) -> tuple[list[str], list[ImageItem], list[ImageItem]]:
        counts = self.dataset.class_counts()
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            raise DataError(_(
                "These classes have no photos: {names}. Add photos or delete them."
            ).format(names=', '.join(empty)))
        if len(counts) < 2:
            found = _("found {count}").format(count=len(counts)) + (f" ({', '.join(counts)})" if counts else "")
            raise DataError(_("Training needs at least two classes; {found}.").format(found=found))
        train_items, val_items = self.dataset.split(self.config.val_fraction, self.config.seed)
        names = list(counts)
        missing = [n for n in names if not any(i.label == n for i in train_items)]
        if missing:
            raise DataError(_(
                "These classes have no training photos: {names}."
            ).format(names=', '.join(missing)))
        if not val_items:
            raise DataError(_('There are no validation photos: add more photos (at least two per class).'))
        return names, train_items, val_items

    def _prepare(self, class_names: list[str]) -> tuple[TrainingContext, int]:
        """The network with its new head, frozen as asked and on the device; and the freeze level."""
        cfg = self.config
        settings = InferenceSettings.choose(cfg.device, mixed_precision=cfg.mixed_precision)
        settings = distributed.settings_for_rank(settings)  # distributed: this rank's device
        net = self._network()
        prep = get_spec(net.backbone_id).preprocessing
        replace_head(net, len(class_names), seed=cfg.seed)
        plan = self._freeze(net)
        self.plan = plan
        torch.manual_seed(cfg.seed)
        settings.prepare(net)
        context = TrainingContext(
            network=net,
            boundary=plan.first_trainable_stage,
            regime=plan.regime,
            settings=settings,
            preprocessing=prep,
            class_names=tuple(class_names),
            batch_size=cfg.batch_size,
            seed=cfg.seed,
            augment=cfg.augment,
            augment_strength=cfg.augment_strength,
            cached_views=cfg.cached_views,
            on_skipped=self.skipped.record,
        )
        return context, plan.level

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

    def _source(self, context: TrainingContext, train_items, val_items) -> BatchSource:
        """Cached activations when a frozen trunk exists and the cache is on, else decoded photos."""
        if self.config.use_cache and context.boundary > 0:
            cache = self.cache if self.cache is not None else FeatureCache()
            try:
                return cached_source(
                    context, train_items, val_items, cache, progress=self._emit, cancel=self.cancel,
                    activations=distributed.activations_on_all_ranks,  # distributed: each rank its share
                )
            finally:
                # A busy, full or damaged cache does not stop the run (features are then kept in
                # memory only); what it said goes into the result for the window and the CLI.
                self.warnings.extend(w for w in cache.warnings if w not in self.warnings)
        return StreamedData(context, train_items, val_items)

    def _evaluate(self, context: TrainingContext, data: BatchSource) -> EvaluationReport:
        self._emit(ProgressEvent(Phase.EVALUATE, 0, 1, message=_("Evaluating")))
        probabilities = data.val_probabilities()
        self._emit(ProgressEvent(Phase.EVALUATE, 1, 1, message=_("Evaluating")))
        paths = [i.path for i in data.val.items]
        return evaluate(list(context.class_names), paths, data.val.targets.numpy(), probabilities)

    def _classifier(
        self, context: TrainingContext, report: EvaluationReport, outcome: FitOutcome, level: int, data: BatchSource
    ) -> Classifier:
        net = context.network.to("cpu").to(memory_format=torch.contiguous_format).eval()
        trainable, total = parameter_counts(net)
        metrics = ModelMetrics.of_run(report, outcome.history, outcome.best_epoch, len(data.train.items))
        training = TrainingSummary(
            config=copy.deepcopy(self.config),
            regime=context.regime,
            freeze_level=level,
            trainable_parameters=trainable,
            total_parameters=total,
            device=str(context.settings.device),
            history=list(outcome.history),
            timings=self.timings,
        )
        return Classifier(net, list(context.class_names), net.backbone_id, context.preprocessing, metrics, training)
