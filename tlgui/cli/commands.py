"""The headless subcommands: train, predict, backbones, inspect, demo, cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tlgui.core.errors import DataError, TlguiError
from tlgui.core.predict.formats import PredictionFormat
from tlgui.core.progress import Phase, ProgressEvent
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.summary import EpochStats

FREEZE_HELP = (
    "how much of the pretrained network to freeze: 'auto' (recommended for your data, the default), "
    "'head' (train only the new head, on cached features), 'full' (train everything), or a number "
    "of trainable stages below the head"
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    _add_train(sub)
    _add_predict(sub)
    p = sub.add_parser("backbones", help="list the pretrained networks and whether their weights are here")
    p.set_defaults(handler=cmd_backbones)
    p = sub.add_parser("inspect", help="show a model file's classes, backbone and metrics")
    p.add_argument("model", type=Path)
    p.set_defaults(handler=cmd_inspect)
    p = sub.add_parser("import-weights", help="check a pretrained weights file you downloaded and cache it")
    p.add_argument("backbone", help="catalogue id (see `tlgui backbones`)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import_weights)
    p = sub.add_parser("demo", help="train on the bundled demo photos (ants and bees) and report")
    p.add_argument("--out", type=Path, default=None, help="also save the trained model here")
    p.add_argument("--epochs", type=int, default=30)
    p.set_defaults(handler=cmd_demo)
    p = sub.add_parser("cache", help="show or clear the feature cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--cache-dir", type=Path, default=None)
    p.set_defaults(handler=cmd_cache)


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a classifier from folders of photos",
        description="DATA: a folder of class sub-folders (train/ and val/ splits are kept), a folder of "
        "photos (one class named after it), or LABEL=PATH to put a file or folder in class LABEL.",
    )
    p.add_argument("data", nargs="+", metavar="DATA")
    p.add_argument("--val", type=Path, action="append", default=[], metavar="DIR",
                   help="validation photos (class sub-folders); without it a stratified split is made")
    p.add_argument("--out", type=Path, required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--backbone", default=None, help="catalogue id (see `tlgui backbones`)")
    p.add_argument("--freeze", default="auto", metavar="LEVEL", help=FREEZE_HELP)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: chosen per regime)")
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--views", type=int, default=0, help="augmented views cached per training photo")
    p.add_argument("--no-cache", action="store_true", help="recompute the frozen layers every epoch")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=cmd_train)


def _add_predict(sub) -> None:
    p = sub.add_parser("predict", help="classify photos with a trained model file")
    p.add_argument("model", type=Path)
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE_OR_FOLDER")
    p.add_argument("--format", choices=[f.value for f in PredictionFormat], default=PredictionFormat.TABLE.value)
    p.add_argument("--top-k", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.set_defaults(handler=cmd_predict)


# ---- progress on the terminal -----------------------------------------------------------------
class TerminalProgress(TrainingCallback):
    """tqdm bars per phase and one line per epoch, on stderr so stdout stays clean for data."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self._bar = None
        self._phase = None

    def on_progress(self, event: ProgressEvent) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if event.phase != self._phase:
            self.close()
            self._phase = event.phase
            unit = _PHASE_UNITS.get(event.phase, "step")
            self._bar = tqdm(total=event.total, desc=event.phase.title, unit=unit,
                             unit_scale=event.phase is Phase.DOWNLOAD, file=sys.stderr, leave=False,
                             dynamic_ncols=True)
        if self._bar is not None:
            self._bar.n = event.done
            self._bar.refresh()

    def on_epoch_end(self, stats: EpochStats) -> None:
        if self.quiet:
            return
        mark = " *" if stats.best else ""
        line = (f"epoch {stats.epoch:3d}/{stats.epochs}  train loss {stats.train_loss:.4f}  "
                f"val loss {stats.val_loss:.4f}  val acc {stats.val_accuracy:6.2%}  {stats.seconds:5.2f}s{mark}")
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


_PHASE_UNITS = {Phase.DOWNLOAD: "B", Phase.EXTRACT: "img", Phase.PREDICT: "img", Phase.SCAN: "img"}


# ---- commands -----------------------------------------------------------------------------------
def parse_freeze(value: str, num_stages: int | None = None) -> int | None:
    """'auto' -> None (recommendation), 'head' -> 0, 'full' -> every stage, 'N' -> N."""
    value = value.strip().lower()
    if value in ("auto", "recommended"):
        return None
    if value in ("head", "head-only", "0"):
        return 0
    if value in ("full", "all", "everything", "none"):
        return 10_000  # clamped to the network's stage count by set_freeze_level
    try:
        level = int(value)
    except ValueError:
        raise TlguiError(f"--freeze must be auto, head, full or a number of stages, not {value!r}.") from None
    if level < 0:
        raise TlguiError("--freeze cannot be negative.")
    return level


def load_training_data(data: list[str], val_dirs: list[Path], progress=None):
    """Build the class bins from the command line's DATA and --val arguments."""
    from tlgui.core.data.bins import DataSet

    dataset = DataSet()
    for spec in data:
        label, _, raw = spec.partition("=") if "=" in spec and not Path(spec).exists() else ("", "", spec)
        path = Path(raw)
        if not path.exists():
            raise DataError(f"No such file or folder: {path}")
        if label:
            dataset.add_files(label, [path], progress=progress)
        elif path.is_dir():
            dataset.add_folder(path, progress=progress)
        else:
            raise DataError(f"{path} is a single file: say which class it belongs to, as LABEL={path}.")
    for val_dir in val_dirs:
        if not val_dir.is_dir():
            raise DataError(f"No such folder: {val_dir}")
        dataset.add_folder(val_dir, split="val", progress=progress)
    return dataset


def cmd_train(args) -> int:
    from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE
    from tlgui.core.models.modelfile import save_classifier
    from tlgui.core.training.feature_cache import FeatureCache
    from tlgui.core.training.trainer import train

    progress = TerminalProgress(args.quiet)
    dataset = load_training_data(args.data, args.val, progress=progress.on_progress)
    progress.close()
    _print_data_summary(dataset, args.quiet)
    config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
        freeze_level=parse_freeze(args.freeze), use_cache=not args.no_cache, augment=not args.no_augment,
        cached_views=args.views, val_fraction=args.val_fraction, seed=args.seed, device=args.device,
    )
    cache = FeatureCache(args.cache_dir) if args.cache_dir else None
    result = train(dataset, config, backbone=args.backbone or DEFAULT_BACKBONE, callbacks=[progress], cache=cache)
    progress.close()
    save_classifier(result.classifier, args.out)
    _print_report(result)
    print(f"Saved {args.out}")
    return 0


def _print_data_summary(dataset, quiet: bool) -> None:
    if quiet:
        return
    counts = dataset.class_counts()
    print("Classes: " + ", ".join(f"{name} ({n})" for name, n in counts.items()), file=sys.stderr)
    for skipped in dataset.skipped:
        print(f"  skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    for dup in dataset.duplicates():
        labels = sorted({i.label for i in dup.items})
        print(f"  same photo in {', '.join(labels)}: " + ", ".join(str(i.path) for i in dup.items), file=sys.stderr)


def _print_report(result) -> None:
    report = result.report
    state = " (stopped early by the user)" if result.cancelled else ""
    print(f"Regime: {result.regime.title}; best epoch {result.best_epoch}{state}")
    print(f"Validation accuracy: {report.accuracy:.2%} on {len(report.predictions)} photos")
    width = max(len(n) for n in report.class_names)
    print(f"{'class':<{width}}  precision  recall")
    for name, p, r in zip(report.class_names, report.precision, report.recall, strict=True):
        print(f"{name:<{width}}  {p:9.2%}  {r:6.2%}")
    print("Confusion matrix (rows: true, columns: predicted):")
    print(" " * (width + 2) + "  ".join(f"{n[:8]:>8}" for n in report.class_names))
    for name, row in zip(report.class_names, report.confusion, strict=True):
        print(f"{name:<{width}}  " + "  ".join(f"{v:>8}" for v in row))
    wrong = report.misclassified
    if wrong:
        print(f"Misclassified ({len(wrong)}):")
        for p in wrong[:20]:
            print(f"  {p.path}  true {p.true_label}, predicted {p.predicted_label} ({p.probability:.0%})")
        if len(wrong) > 20:
            print(f"  ... and {len(wrong) - 20} more")
    for skipped in result.skipped:
        print(f"Skipped {skipped.path}: {skipped.reason}")


def cmd_predict(args) -> int:
    from tlgui.core.models.modelfile import load_classifier
    from tlgui.core.predict.formats import write_predictions
    from tlgui.core.predict.predictor import Predictor, collect_images

    for path in args.images:
        if not path.exists():
            raise DataError(f"No such file or folder: {path}")
    classifier = load_classifier(args.model)
    paths = collect_images(args.images)
    if not paths:
        raise DataError("No photos found in " + ", ".join(map(str, args.images)) + ".")
    progress = TerminalProgress()
    predictor = Predictor(classifier, device=args.device)
    predictions = predictor.predict_paths(paths, top_k=args.top_k, batch_size=args.batch_size,
                                          progress=progress.on_progress)
    progress.close()
    write_predictions(predictions, args.format)
    return 0 if any(p.error is None for p in predictions) else 1


def cmd_backbones(args) -> int:
    from tlgui.core.backbones.catalogue import list_backbones, weights_status

    specs = list_backbones()
    print(f"{'id':<20} {'parameters':>11} {'download':>9}  {'weights':<8}  title")
    for spec in specs:
        status = weights_status(spec.id)
        size = "bundled" if spec.bundled else f"{spec.download_mb:.0f} MB"
        print(f"{spec.id:<20} {spec.params / 1e6:10.1f}M {size:>9}  {status:<8}  {spec.title}")
    return 0


def cmd_import_weights(args) -> int:
    from tlgui.core.backbones.catalogue import import_weights

    if not args.file.is_file():
        raise DataError(f"No such file: {args.file}")
    target = import_weights(args.backbone, args.file)
    print(f"Checked and cached as {target}")
    return 0


def cmd_inspect(args) -> int:
    from tlgui.core.models.modelfile import model_summaries, read_model_info

    info = read_model_info(args.model)
    metrics, training = model_summaries(info, str(args.model))
    print(f"Model file:  {args.model}")
    print(f"Classes:     {', '.join(info.get('class_names', []))}")
    print(f"Backbone:    {info.get('backbone_id')}")
    if metrics.accuracy is not None:
        print(f"Accuracy:    {metrics.accuracy:.2%} on {_or_unknown(metrics.val_images)} validation photos"
              f" (best epoch {_or_unknown(metrics.best_epoch)})")
    if training.regime is not None:
        print(f"Regime:      {training.regime.title} (freeze level {_or_unknown(training.freeze_level)}, "
              f"{training.trainable_parameters or 0:,} of {training.total_parameters or 0:,} "
              "parameters trained)")
    for name, precision in metrics.precision.items():
        recall = metrics.recall.get(name)
        print(f"  {name}: precision {precision:.2%}" + (f", recall {recall:.2%}" if recall is not None else ""))
    print(f"Created:     {info.get('created', '?')} with tlgui {info.get('tlgui_version', '?')}")
    return 0


def _or_unknown(value) -> str:
    return "?" if value is None else str(value)


def cmd_demo(args) -> int:
    from tlgui.core.data.demo import demo_dataset
    from tlgui.core.models.modelfile import save_classifier
    from tlgui.core.training.trainer import train

    dataset = demo_dataset()
    _print_data_summary(dataset, False)
    progress = TerminalProgress()
    result = train(dataset, TrainConfig(epochs=args.epochs), callbacks=[progress])
    progress.close()
    _print_report(result)
    if args.out:
        save_classifier(result.classifier, args.out)
        print(f"Saved {args.out}")
    return 0


def cmd_cache(args) -> int:
    from tlgui.core.training.feature_cache import FeatureCache

    cache = FeatureCache(args.cache_dir)
    if args.action == "clear":
        cache.clear()
        print(f"Cleared {cache.root}")
    else:
        print(f"{cache.root}: {cache.count()} entries, {cache.size_bytes() / 1e6:.1f} MB")
    return 0
