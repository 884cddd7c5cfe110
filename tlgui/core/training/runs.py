"""Every training run a project keeps, and which one is in use.

A ``Run`` is one press of Start as it ended: its settings (backbone, freeze level, hand-set layers,
every option), its per-epoch curves, timings, the evaluation on its validation photos (confusion
matrix, precision and recall, each photo's prediction) and its model. A stopped run is a run like
any other, marked stopped. ``run_from_result`` makes one from what ``train()`` returns.

A run that has not ended is kept as far as it has come (``RunInProgress``), marked interrupted:
when a project is saved while it trains (``RunHistory.with_run_so_far``; the run itself replaces it
when it ends), or when it never ends where the project can take it (a window that gave up waiting
for it to stop). It holds every epoch finished so far and the best model it has handed out, its new
head's, with that model's evaluation; nothing of it exists before its new head is trained.

``RunHistory`` is a project's runs, oldest first, and owns their rules, stated here once:

* **In use** (what Classify and Export use): the run the user chose with ``use``; a new run is put in
  use by itself only when no run is in use, or when it was checked on the same validation photos
  (same paths, same true classes) as the run in use and scored strictly higher on them. Otherwise
  it is kept beside it, and ``RunAdded.note`` says why it is not in use. Photos found again at
  other paths (a project opened on another computer, "Find them…") are still the same photos:
  ``find_moved_photos`` gives every run their new paths and a key made from them.
* **Bounds**, so that a project file stays a size one can open and mail:
  at most ``MAX_RUNS`` runs (beyond, the oldest run that is neither in use nor marked "keep model"
  is deleted); the models of at most ``MAX_KEPT_MODELS`` runs and ``MAX_KEPT_MODEL_BYTES`` of
  weights: the run in use, the newest run, the runs the user marked "keep model" (at most
  ``MAX_MARKED_RUNS``), then the newest others. A run whose model is let go keeps everything else;
  at most ``MAX_KEPT_PREDICTIONS`` per-photo predictions per run, mistakes first (the confusion
  matrix and the scores always count every photo).
* **Ids** (and the names "Run N" made from them) are never given twice in a project: a new run's
  is one past the highest ever given (``last_id``, saved with the project), deleted runs' included,
  so a model exported as "Run 3" and shared keeps naming that run alone.

``Run.to_dict`` / ``Run.from_dict`` are the run's JSON in a project file (the model travels beside
it); ``from_dict`` checks every value, raising ``ValueError`` with the reason, since the file may
come from anyone, and places a relative photo path as the bins do (``placed_path``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tlgui.core.data.bins import placed_path
from tlgui.core.errors import DataError, SettingsError, TlguiError
from tlgui.core.i18n import _, run_on
from tlgui.core.names import FlawKind, clean_name, name_flaw
from tlgui.core.plan.regime import Regime
from tlgui.core.training.config import MAX_EPOCHS, TrainConfig
from tlgui.core.training.metrics import EvaluationReport, ValPrediction
from tlgui.core.training.summary import EpochStats, RunTimings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tlgui.core.models.classifier import Classifier
    from tlgui.core.training.results import BestSoFar, TrainResult

#: Runs a project keeps; the oldest unprotected one goes when a new one would be one too many.
MAX_RUNS = 30
#: Runs whose model a project keeps (the run in use and the newest always among them).
MAX_KEPT_MODELS = 6
#: Weights a project keeps in all: a zip below 2 GiB needs no zip64, which tlgui never writes.
MAX_KEPT_MODEL_BYTES = 1536 * 1024 * 1024
#: Runs the user may mark "keep model": the run in use and the newest always have room beside them.
MAX_MARKED_RUNS = MAX_KEPT_MODELS - 2
#: Per-photo predictions a run keeps (a validation set larger than this is rare for this app).
MAX_KEPT_PREDICTIONS = 5_000
#: Run ids are 1..MAX_RUN_ID, so a member name ``runs/<id>.safetensors`` has a bounded length.
MAX_RUN_ID = 999_999
MAX_NAME_CHARS = 100
_MAX_BACKBONE_ID_CHARS = 200
_MAX_TEXT_CHARS = 4096  # a photo's path, a class name


class RunStatus(StrEnum):
    """How a run ended. The values are what project files store."""

    FINISHED = "finished"
    STOPPED = "stopped"
    #: Kept before it ended (saved while it trained, or never ended here): its model is its best so far
    #: (the new head's, or the fine-tune's best epoch once one had beaten it).
    INTERRUPTED = "interrupted"


@dataclass
class Run:
    """One training run as the project keeps it. ``classifier`` is None once its model was let go."""

    id: int
    name: str
    created: datetime
    status: RunStatus
    backbone_id: str
    regime: Regime | None
    freeze_level: int | None  # the level that trained (the recommendation resolved)
    config: TrainConfig  # as the user set it: freeze level and hand-set layers included
    history: list[EpochStats]
    best_epoch: int
    timings: RunTimings
    report: EvaluationReport | None  # None: a model from an older file that recorded none
    #: Fingerprint of the validation photos (paths and true classes); "" when unknown.
    validation_key: str = ""
    classifier: Classifier | None = None
    keep_model: bool = False
    #: Whether each photo's prediction was recorded (projects of format 1 did not record them).
    predictions_recorded: bool = True
    #: Predictions left out to stay within MAX_KEPT_PREDICTIONS (the matrix still counts them).
    predictions_left_out: int = 0
    train_photos: int | None = None

    @property
    def stopped(self) -> bool:
        return self.status is RunStatus.STOPPED

    @property
    def interrupted(self) -> bool:
        return self.status is RunStatus.INTERRUPTED

    @property
    def title(self) -> str:
        """The run's name as shown: its own, or "Run 2" in the current language while it has the
        default one (stored in English, so a project reads the same in every language)."""
        return _("Run {number}").format(number=self.id) if self.name == default_name(self.id) else self.name

    @property
    def has_model(self) -> bool:
        return self.classifier is not None

    @property
    def accuracy(self) -> float | None:
        """Validation accuracy of the model the run kept (its best epoch)."""
        if self.report is not None:
            return self.report.accuracy
        return max((s.val_accuracy for s in self.history), default=None)

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    @property
    def mistakes(self) -> int:
        """Validation photos the kept model got wrong, from the confusion matrix (all of them)."""
        if self.report is None:
            return 0
        return sum(n for i, row in enumerate(self.report.confusion) for j, n in enumerate(row) if i != j)

    # ---- the project file's JSON ----------------------------------------------------------------
    def to_dict(self) -> dict:
        """The run without its id (the member's name) and without its model (a member of its own)."""
        return {
            "name": self.name,
            "created": self.created.isoformat(timespec="seconds"),
            "status": str(self.status),
            "backbone_id": self.backbone_id,
            "regime": str(self.regime) if self.regime is not None else None,
            "freeze_level": self.freeze_level,
            "config": self.config.to_dict(),
            "history": [s.to_dict() for s in self.history],
            "best_epoch": self.best_epoch,
            "timings": self.timings.to_dict(),
            "report": self.report.to_dict() if self.report is not None else None,
            "validation_key": self.validation_key,
            "keep_model": self.keep_model,
            "model": self.has_model,
            "predictions_recorded": self.predictions_recorded,
            "predictions_left_out": self.predictions_left_out,
            "train_photos": self.train_photos,
        }

    @classmethod
    def from_dict(cls, data: Any, run_id: int, relative_to: Path | None = None) -> tuple[Run, bool]:
        """The run (without a model yet) and whether the file holds its model. ``ValueError`` says
        what is wrong with ``data``.

        ``relative_to`` is the folder of the file ``data`` came from: a relative photo path in its
        evaluation is taken from there, as the bins' are (``placed_path``), never from the working
        directory. Without it (an evaluation that comes from no file) paths are kept as they are.
        """
        raw = _mapping(data, "the run")
        config = _config(raw.get("config"))
        history = raw.get("history")
        if not isinstance(history, list) or len(history) > MAX_EPOCHS:
            raise ValueError(f"its epochs are not a list of at most {MAX_EPOCHS:,}")
        regime = _optional(lambda v: _choice(Regime, v, "regime"), raw.get("regime"))
        status = _choice(RunStatus, raw.get("status"), "status")
        report = _optional(lambda v: report_from_dict(v, relative_to), raw.get("report"))
        run = cls(
            id=run_id,
            name=_name(raw.get("name")),
            created=_timestamp(raw.get("created")),
            status=status,
            backbone_id=_text(raw.get("backbone_id"), "backbone", _MAX_BACKBONE_ID_CHARS),
            regime=regime,
            freeze_level=_optional(_count, raw.get("freeze_level")),
            config=config,
            history=[EpochStats.from_dict(row) for row in history],
            best_epoch=_count(raw.get("best_epoch")),
            timings=RunTimings.from_dict(raw.get("timings")),
            report=report,
            validation_key=_validation_key(raw.get("validation_key")),
            keep_model=_flag(raw.get("keep_model", False)),
            predictions_recorded=_flag(raw.get("predictions_recorded", True)),
            predictions_left_out=_count(raw.get("predictions_left_out", 0)),
            train_photos=_optional(_count, raw.get("train_photos")),
        )
        return run, _flag(raw.get("model"))


def run_from_result(result: TrainResult, run_id: int, *, name: str | None = None,
                    created: datetime | None = None) -> Run:
    """What ``train()`` returned, as a run of the project (its model included). The status says how
    it ended: stopped by the user, or finished."""
    classifier = result.classifier
    training = classifier.training
    report = result.report
    kept, left_out = bounded_predictions(report.predictions, MAX_KEPT_PREDICTIONS)
    return Run(
        id=run_id,
        name=name or default_name(run_id),
        created=created or _now(),
        status=RunStatus.STOPPED if result.cancelled else RunStatus.FINISHED,
        backbone_id=classifier.backbone_id,
        regime=result.regime,
        # The level the run trained at: its model's is the head's (0) when no fine-tune epoch beat it.
        freeze_level=result.freeze_level if result.freeze_level is not None else training.freeze_level,
        config=training.config if training.config is not None else TrainConfig(),
        history=list(result.history),
        best_epoch=result.best_epoch,
        timings=result.timings,
        report=EvaluationReport(report.class_names, report.confusion, report.precision, report.recall,
                                report.accuracy, kept),
        validation_key=validation_key(report.predictions),
        classifier=classifier,
        predictions_left_out=left_out,
        train_photos=classifier.metrics.train_images,
    )


class RunInProgress:
    """A run that is still training, followed from what it reports (on one thread: the window's, or
    the caller's), and kept as far as it has come when the project cannot wait for its end.

    ``add_epoch`` each finished epoch (``TrainingCallback.on_epoch_end``); ``set_head_result`` when
    its new head is trained (``TrainingCallback.on_head_result``); ``set_best_so_far`` each time the
    fine-tune does better (``TrainingCallback.on_best_so_far``). ``run`` is the run so far.
    """

    def __init__(self, *, created: datetime | None = None):
        self.created = created or _now()
        self.epochs: list[EpochStats] = []
        self.head_result: TrainResult | None = None
        self.best_so_far: BestSoFar | None = None

    def add_epoch(self, stats: EpochStats) -> None:
        self.epochs.append(stats)

    def set_head_result(self, result: TrainResult) -> None:
        self.head_result = result

    def set_best_so_far(self, best: BestSoFar) -> None:
        self.best_so_far = best

    @property
    def classifier(self) -> Classifier | None:
        """The model the run has handed out to use while it trains (its new head's), or None before
        it has one. (A better one from the fine-tune is built only when the run is kept: ``run``.)"""
        return self.head_result.classifier if self.head_result is not None else None

    def run(self, run_id: int) -> Run | None:
        """The run as far as it has come, marked interrupted: every epoch finished so far (its count,
        the epoch it reached), and its best model so far with that model's epoch and evaluation: the
        fine-tune's best epoch once one has beaten the head, else the new head's. None while it has
        no model yet."""
        if self.head_result is None:
            return None
        result = self._result_so_far()
        run = run_from_result(result, run_id, created=self.created)
        run.status = RunStatus.INTERRUPTED
        reached = len(result.history)  # epochs are numbered from 1 across the run's phases
        run.history = list(result.history) + [s for s in self.epochs if s.epoch > reached]
        return run

    def _result_so_far(self) -> TrainResult:
        assert self.head_result is not None
        if self.best_so_far is None:
            return self.head_result
        try:
            return self.best_so_far.result()
        except (RuntimeError, MemoryError):
            # No memory for a copy of the model: the head's model, which exists already, is kept.
            return self.head_result


def run_from_classifier(classifier: Classifier, run_id: int, *, name: str | None = None,
                        created: datetime | None = None) -> Run:
    """A run made from a model alone (a project of format 1): what its file says of its training.

    Such a file never recorded each photo's prediction nor whether the run was stopped.
    """
    training, metrics = classifier.training, classifier.metrics
    return Run(
        id=run_id,
        name=name or default_name(run_id),
        created=created or _now(),
        status=RunStatus.FINISHED,
        backbone_id=classifier.backbone_id,
        regime=training.regime,
        freeze_level=training.freeze_level,
        config=training.config if training.config is not None else TrainConfig(),
        history=list(training.history),
        best_epoch=metrics.best_epoch or 0,
        timings=training.timings or RunTimings(),
        report=metrics.report(classifier.class_names),
        classifier=classifier,
        predictions_recorded=False,
        train_photos=metrics.train_images,
    )


def _now() -> datetime:
    # To the second, as files store it: a run reads back equal to itself.
    return datetime.now(UTC).replace(microsecond=0)


def default_name(run_id: int) -> str:
    return f"Run {run_id}"


def validation_key(predictions: list[ValPrediction]) -> str:
    """A fingerprint of the photos a run was checked on: equal keys, comparable accuracies."""
    digest = hashlib.sha256()
    for path, label in sorted((str(p.path), p.true_label) for p in predictions):
        digest.update(path.encode("utf-8", "surrogatepass") + b"\0" + label.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


def bounded_predictions(predictions: list[ValPrediction], limit: int = MAX_KEPT_PREDICTIONS
                        ) -> tuple[list[ValPrediction], int]:
    """At most ``limit`` predictions, mistakes first (most confident first), then the rest in order;
    and how many were left out."""
    if len(predictions) <= limit:
        return list(predictions), 0
    wrong = sorted((p for p in predictions if not p.correct), key=lambda p: -p.probability)
    right = [p for p in predictions if p.correct]
    kept = (wrong + right)[:limit]
    return kept, len(predictions) - len(kept)


def model_size_estimate(classifier: Classifier) -> int:
    """About the bytes its model file takes: every weight stored as a 32-bit float."""
    return sum(t.numel() * 4 for t in classifier.network.state_dict().values())


# ---- a project's runs ------------------------------------------------------------------------------
@dataclass
class RunAdded:
    """What adding a run did: whether it is in use and why, and what the bounds let go."""

    run: Run
    in_use: bool
    #: Why the run is, or is not, in use; "" for a first run (nothing to choose between).
    note: str
    models_let_go: list[Run] = field(default_factory=list)
    runs_deleted: list[Run] = field(default_factory=list)

    def sentences(self) -> str:
        """Everything worth telling the user, as sentences ("" when nothing is)."""
        parts = [self.note] if self.note else []
        if self.models_let_go:
            names = ", ".join(_quoted(r) for r in self.models_let_go)
            parts.append(_("To keep the project within {most} models, the model of {names} was "
                           "let go (its settings, curves and results stay).").format(most=MAX_KEPT_MODELS, names=names))
        if self.runs_deleted:
            names = ", ".join(_quoted(r) for r in self.runs_deleted)
            parts.append(_("A project keeps {most} runs: {names} was deleted.").format(most=MAX_RUNS, names=names))
        return run_on(*parts)


class RunHistory:
    """A project's runs, oldest first, and the one in use. See the module docstring for the rules."""

    def __init__(self, runs: list[Run] | None = None, in_use_id: int | None = None, last_id: int = 0):
        """Raises ``ValueError`` when the runs break a rule (ids, bounds, the run in use).

        ``last_id``: the highest id this project ever gave a run (deleted runs' too), so that a new
        run never takes a deleted one's id and name: "Run 3", exported and shared, stays that run.
        """
        self._runs: list[Run] = list(runs or [])
        self._in_use_id = in_use_id
        self._check()
        self._last_id = max(min(last_id, MAX_RUN_ID), max((r.id for r in self._runs), default=0))

    def _check(self) -> None:
        ids = [r.id for r in self._runs]
        if len(set(ids)) != len(ids) or not all(1 <= i <= MAX_RUN_ID for i in ids):
            raise ValueError(f"its runs' ids are not distinct numbers from 1 to {MAX_RUN_ID:,}")
        if len(ids) > MAX_RUNS:
            raise ValueError(f"it holds {len(ids)} runs, at most {MAX_RUNS}")
        if sum(r.has_model for r in self._runs) > MAX_KEPT_MODELS:
            raise ValueError(f"it holds more than {MAX_KEPT_MODELS} models")
        if sum(r.keep_model for r in self._runs) > MAX_MARKED_RUNS:
            raise ValueError(f"more than {MAX_MARKED_RUNS} of its runs are marked to keep their model")
        if any(r.keep_model and not r.has_model for r in self._runs):
            raise ValueError("a run is marked to keep a model it does not have")
        if self._in_use_id is not None and not any(r.id == self._in_use_id and r.has_model for r in self._runs):
            raise ValueError("the run it says is in use is not one of its runs with a model")

    # ---- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(list(self._runs))

    @property
    def runs(self) -> list[Run]:
        """The runs, oldest first (a copy)."""
        return list(self._runs)

    @property
    def in_use_id(self) -> int | None:
        return self._in_use_id

    @property
    def in_use(self) -> Run | None:
        """The run whose model Classify and Export use, or None."""
        return next((r for r in self._runs if r.id == self._in_use_id), None)

    @property
    def newest(self) -> Run | None:
        return self._runs[-1] if self._runs else None

    def with_run_so_far(self, progress: RunInProgress) -> RunHistory:
        """These runs and, as the newest, the run still training as far as it has come
        (``RunInProgress.run``), under the same rules (which run is in use, the bounds): what a
        project saved while it trains holds. A copy: these runs stay as they are; without a model
        yet, the run in progress adds nothing."""
        runs = RunHistory([replace(r) for r in self._runs], self._in_use_id, self._last_id)
        run = progress.run(runs.next_id())
        if run is not None:
            runs.add(run)
        return runs

    def get(self, run_id: int) -> Run:
        """The run with this id; ``TlguiError`` when the project has none."""
        for run in self._runs:
            if run.id == run_id:
                return run
        known = ", ".join(str(r.id) for r in self._runs) or "none"
        raise TlguiError(_(
            "This project has no run {run_id} (its runs: {known})."
        ).format(run_id=run_id, known=known))

    @property
    def last_id(self) -> int:
        """The highest id a run of this project was ever given, deleted runs' included (0: none)."""
        return self._last_id

    def next_id(self) -> int:
        """One more than the highest id ever given; past MAX_RUN_ID, the lowest free id."""
        candidate = self._last_id + 1
        if candidate <= MAX_RUN_ID:
            return candidate
        used = {r.id for r in self._runs}
        return next(i for i in range(1, MAX_RUN_ID + 1) if i not in used)

    # ---- changing ------------------------------------------------------------------------------
    def find_moved_photos(self, found: Mapping[Path, Path]) -> list[Run]:
        """The photos ``found`` again at other paths (old path: new path, as the bins found them) take
        their new paths in every run validated on them, and each such run's validation key is made
        from the new paths: the same photos found again are the same validation photos, so a run
        trained on them now compares with the runs before. Returns the runs changed."""
        changed = []
        for run in self._runs:
            if run.report is None or not any(p.path in found for p in run.report.predictions):
                continue
            predictions = [replace(p, path=found.get(p.path, p.path)) for p in run.report.predictions]
            # Only a key of the very photos the run names can be made again: a run that left some
            # predictions out (bounds) has a key of photos it no longer names, and keeps it.
            if run.validation_key == validation_key(run.report.predictions):
                run.validation_key = validation_key(predictions)
            run.report = replace(run.report, predictions=predictions)
            changed.append(run)
        return changed

    def add_result(self, result: TrainResult) -> RunAdded:
        """Keep what ``train()`` returned as the newest run; see ``add``."""
        return self.add(run_from_result(result, self.next_id()))

    def add(self, run: Run) -> RunAdded:
        """Keep ``run`` as the newest run, put it in use if the rule says so, then apply the bounds."""
        if any(r.id == run.id for r in self._runs):
            raise ValueError(f"run {run.id} is already in the project")
        current = self.in_use
        self._runs.append(run)
        self._last_id = max(self._last_id, run.id)
        in_use, note = _in_use_verdict(run, current)
        if current is None and len(self._runs) > 1:
            note = _("{run} is in use: no other run was.").format(run=_quoted(run, start=True))
        if in_use:
            self._in_use_id = run.id
        runs_deleted = self._limit_runs(run)
        models_let_go = self._limit_models(run)
        return RunAdded(run, in_use, note, models_let_go, runs_deleted)

    def use(self, run_id: int) -> Run:
        """Put a run in use (the user's choice). ``TlguiError`` when its model was let go."""
        run = self.get(run_id)
        if not run.has_model:
            raise TlguiError(_(
                "{quoted} has no model any more (it was let go to keep the project small), so it "
                "cannot be used: train it again."
            ).format(quoted=_quoted(run, start=True)))
        self._in_use_id = run.id
        return run

    def rename(self, run_id: int, name: str) -> Run:
        """Give a run another name (``TlguiError`` when it is empty, too long or holds line breaks or
        invisible characters)."""
        run = self.get(run_id)
        run.name = check_name(name)
        return run

    def delete(self, run_id: int) -> Run:
        """Remove a run and its model. Deleting the run in use leaves no run in use."""
        run = self.get(run_id)
        self._runs.remove(run)
        if self._in_use_id == run_id:
            self._in_use_id = None
        return run

    def set_keep_model(self, run_id: int, keep: bool) -> Run:
        """Mark (or unmark) a run's model to be kept whatever runs come next."""
        run = self.get(run_id)
        if keep and not run.has_model:
            raise TlguiError(_(
                "{quoted} has no model any more: there is nothing to keep."
            ).format(quoted=_quoted(run, start=True)))
        marked = sum(r.keep_model for r in self._runs if r is not run)
        if keep and marked >= MAX_MARKED_RUNS:
            raise TlguiError(_(
                "At most {marked_runs} runs can be marked “Always keep”; untick one first."
            ).format(marked_runs=MAX_MARKED_RUNS))
        run.keep_model = keep
        return run

    def _limit_runs(self, newest: Run) -> list[Run]:
        deleted = []
        while len(self._runs) > MAX_RUNS:
            oldest = next(r for r in self._runs
                          if r is not newest and r.id != self._in_use_id and not r.keep_model)
            self._runs.remove(oldest)
            deleted.append(oldest)
        return deleted

    def _limit_models(self, newest: Run) -> list[Run]:
        """Let go of the models beyond the bounds; the run in use and the newest always keep theirs."""
        with_model = [r for r in reversed(self._runs) if r.has_model]  # newest first
        protected = [r for r in with_model if r is newest or r.id == self._in_use_id]
        marked = [r for r in with_model if r.keep_model and r not in protected]
        others = [r for r in with_model if r not in protected and r not in marked]
        kept = list(protected)
        total = sum(model_size_estimate(r.classifier) for r in kept)
        for run in marked + others:
            size = model_size_estimate(run.classifier)
            if len(kept) < MAX_KEPT_MODELS and total + size <= MAX_KEPT_MODEL_BYTES:
                kept.append(run)
                total += size
        let_go = [r for r in reversed(with_model) if r not in kept]
        for run in let_go:
            run.classifier = None
            run.keep_model = False
        return let_go


def _in_use_verdict(run: Run, current: Run | None) -> tuple[bool, str]:
    """Whether a new run goes in use, and the sentence that says why (see the module docstring)."""
    if current is None:
        return True, ""
    new, old = run.accuracy, current.accuracy
    comparable = bool(run.validation_key) and run.validation_key == current.validation_key
    if comparable and new is not None and old is not None and new > old:
        return True, _("{run} is now in use: its {new:.1%} beats the {old:.1%} of {current} on the same "
                       "validation photos.").format(run=_quoted(run, start=True), new=new, old=old,
                                                    current=_quoted(current))
    if not comparable:
        return False, _("It is kept as {run}; {current} stays in use: they were checked on different "
                        "validation photos, so their accuracies do not compare.").format(
            run=_quoted(run), current=_quoted(current))
    new_text = "?" if new is None else f"{new:.1%}"
    old_text = "?" if old is None else f"{old:.1%}"
    return False, _("It is kept as {run}; {current} stays in use: {new} does not beat its {old} on the same "
                    "validation photos.").format(run=_quoted(run), current=_quoted(current), new=new_text,
                                                 old=old_text)


def _quoted(run: Run, *, start: bool = False) -> str:
    """How a sentence names a run: "run 2" (or "Run 2" starting one), or its own name in quotes."""
    if run.name != default_name(run.id):
        return f"“{run.name}”"
    return (_("Run {number}") if start else _("run {number}")).format(number=run.id)


def check_name(name: str) -> str:
    """A run's name, trimmed and composed (NFC); ``TlguiError`` when it cannot be one.

    What a name may hold is the rule of ``tlgui.core.names``; a name the user typed is refused, not
    cleaned, when it holds more than spaces to trim.
    """
    name = name.strip() if isinstance(name, str) else ""
    if len(name) > MAX_NAME_CHARS:  # before normalising, which is what costs on a long name
        raise TlguiError(_(
            "A run's name can be at most {name_chars} characters long."
        ).format(name_chars=MAX_NAME_CHARS))
    flaw = name_flaw(name)
    if flaw is not None and flaw.kind in (FlawKind.CONTROL, FlawKind.NOT_UNICODE):
        raise TlguiError(_("A run's name cannot hold line breaks or other control characters."))
    if flaw is not None and flaw.kind is FlawKind.INVISIBLE:
        raise TlguiError(_(
            "A run's name cannot hold invisible characters that hide or reorder text (this one holds {code})."
        ).format(code=flaw.code))
    name = clean_name(name)  # what is left to clean: a joiner at an end, a decomposed accent
    if not name:
        raise TlguiError(_('A run needs a name.'))
    return name


# ---- checked reading of a run's JSON ----------------------------------------------------------------
def report_from_dict(data: Any, relative_to: Path | None = None) -> EvaluationReport:
    """An evaluation from a project file, every value checked (``ValueError`` says which is wrong).
    A relative photo path is taken from ``relative_to``, the file's folder (see ``Run.from_dict``)."""
    raw = _mapping(data, "the evaluation")
    names = raw.get("class_names")
    if not (isinstance(names, list) and len(names) >= 2 and all(isinstance(n, str) for n in names)
            and len(set(names)) == len(names)):
        raise ValueError("its evaluation's class names are invalid")
    size = len(names)
    confusion = raw.get("confusion")
    if not (isinstance(confusion, list) and len(confusion) == size
            and all(isinstance(row, list) and len(row) == size for row in confusion)):
        raise ValueError(f"its confusion matrix is not {size} by {size}")
    matrix = [[_count(n) for n in row] for row in confusion]
    predictions = raw.get("predictions", [])
    if not isinstance(predictions, list) or len(predictions) > MAX_KEPT_PREDICTIONS:
        raise ValueError(f"its predictions are not a list of at most {MAX_KEPT_PREDICTIONS:,}")
    known = set(names)
    return EvaluationReport(
        class_names=list(names),
        confusion=matrix,
        precision=_fractions(raw.get("precision"), size, "precision"),
        recall=_fractions(raw.get("recall"), size, "recall"),
        accuracy=_fraction(raw.get("accuracy")),
        predictions=[_prediction(row, known, relative_to) for row in predictions],
    )


def _prediction(row: Any, class_names: set[str], relative_to: Path | None) -> ValPrediction:
    if not (isinstance(row, list) and len(row) == 4):
        raise ValueError("a photo's prediction is not [path, true class, predicted class, probability]")
    path, true_label, predicted, probability = row
    if not (isinstance(true_label, str) and isinstance(predicted, str)) or not (
        true_label in class_names and predicted in class_names
    ):
        raise ValueError("a photo's prediction names a class the evaluation does not have")
    photo = Path(_text(path, "photo path", _MAX_TEXT_CHARS))
    if relative_to is not None:
        try:
            photo = placed_path(photo, relative_to, "a validation photo")
        except DataError:  # a Windows path on another drive ("D:photo.jpg"): no folder places it
            raise ValueError("a photo's path is relative to no folder it can be taken from") from None
    return ValPrediction(photo, true_label, predicted, _fraction(probability))


def _choice(kind, value: Any, what: str):
    """``kind(value)`` for a StrEnum, or ``ValueError`` naming ``what``."""
    if not isinstance(value, str) or value not in {str(member) for member in kind}:
        raise ValueError(f"its {what} is unknown")
    return kind(value)


def _mapping(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a table of names and values")
    return value


def _optional(convert, value):
    return None if value is None else convert(value)


def _config(value: Any) -> TrainConfig:
    try:
        return TrainConfig.from_dict(value)
    except SettingsError as exc:
        reason = str(exc).rstrip(".")
        raise ValueError(f"its settings are invalid ({reason[:1].lower()}{reason[1:]})") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"its settings are invalid ({exc})") from None


def _name(value: Any) -> str:
    try:
        return check_name(value)
    except TlguiError:
        raise ValueError("its name is empty, too long or holds control or invisible characters") from None


def _text(value: Any, what: str, most: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= most:
        raise ValueError(f"its {what} is missing or invalid")
    return value


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("its date is missing or invalid")
    try:
        stamp = datetime.fromisoformat(value)
        stamp = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
        # Shown in local time and sorted against others: a date at the calendar's edge whose offset
        # pushes it past year 9999 (or before year 1) cannot be either.
        stamp.astimezone(UTC) - timedelta(days=2)
        stamp.astimezone(UTC) + timedelta(days=2)
    except (ValueError, OverflowError):
        raise ValueError("its date is missing or invalid") from None
    return stamp


def _validation_key(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("its validation fingerprint is invalid")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("a yes-or-no value is neither true nor false")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**53:
        raise ValueError("a count is not a whole number from 0 up")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        math.isfinite(value) and 0.0 <= value <= 1.0
    ):
        raise ValueError("a score is not a number from 0 to 1")
    return float(value)


def _fractions(value: Any, size: int, what: str) -> list[float]:
    if not isinstance(value, list) or len(value) != size:
        raise ValueError(f"its {what} does not have one value per class")
    return [_fraction(v) for v in value]
