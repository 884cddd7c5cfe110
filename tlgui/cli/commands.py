"""The headless subcommands: train, predict, backbones, inspect, import-weights, demo, cache.

Each command first checks everything it was given (settings, paths to read, the path to write, the
backbone, the device) and only then starts work, so a typing slip costs a second, not a training run.
Names that come from files (classes, paths) are printed through ``shown``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from tlgui.cli.export_command import add_export
from tlgui.cli.interrupt import exit_status, stop_on_interrupt
from tlgui.cli.options import (
    DEFAULTS,
    FREEZE_HELP,
    SettingOptions,
    UsageError,
    checked_output_file,
    config_from_args,
    exists,
    folder_name,
    parse_freeze,
    real_number,
    whole_number,
)
from tlgui.cli.terminal import TerminalProgress, columns, is_terminal, padded, shown
from tlgui.core.errors import DataError, SettingsError, TlguiError
from tlgui.core.files.limits import regular_file_size
from tlgui.core.files.output import check_folder_path
from tlgui.core.files.versions import PROJECT_SUFFIX
from tlgui.core.predict.formats import PredictionFormat
from tlgui.core.training.config import (
    FINE_TUNE_CACHED_VIEWS,
    MAX_BATCH_SIZE,
    check_device_name,
    check_whole_number,
)

DEVICE_HELP = "auto, cpu, cuda, cuda:N or mps"


def add_commands(sub: argparse._SubParsersAction) -> None:
    _add_train(sub)
    _add_predict(sub)
    add_export(sub)
    p = sub.add_parser("backbones", help="list the pretrained networks and whether their weights are here")
    p.set_defaults(handler=cmd_backbones)
    p = sub.add_parser("inspect", help="show a model file's classes, backbone and metrics, or a project's runs")
    p.add_argument("model", type=Path, metavar="MODEL_OR_PROJECT")
    p.set_defaults(handler=cmd_inspect)
    p = sub.add_parser("import-weights", help="check a pretrained weights file you downloaded and cache it")
    p.add_argument("backbone", help="catalogue id (see `tlgui backbones`)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import_weights)
    p = sub.add_parser("demo", help="train on the bundled demo photos (ants and bees) and report")
    p.add_argument("--out", default=None, help="also save the trained model here")  # str: checked_output_file
    SettingOptions(p).add("--epochs", "epochs", type=whole_number, help="passes over the training photos")
    p.set_defaults(handler=cmd_demo)
    p = sub.add_parser("cache", help="show or clear the feature cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--cache-dir", type=folder_name, default=None)
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
    # Kept as typed (no type=Path, which makes "" the current folder): see checked_output_file.
    p.add_argument("--out", default=None, metavar="MODEL",
                   help="model file to write (required unless --plan)")
    p.add_argument("--backbone", default=None, help="catalogue id (see `tlgui backbones`)")
    p.add_argument("--plan", action="store_true",
                   help="say what would train and about how long each level takes on this computer, then exit "
                        "without training")
    settings = SettingOptions(p)
    settings.add("--freeze", "freeze_level", type=parse_freeze, metavar="LEVEL", help=FREEZE_HELP)
    settings.add("--epochs", "epochs", type=whole_number, help="passes over the training photos")
    settings.add("--batch-size", "batch_size", type=whole_number, help="photos per training step")
    settings.add("--lr", "learning_rate", type=real_number,
                 help="learning rate; without it one is chosen per regime")
    settings.add("--val-fraction", "val_fraction", type=real_number,
                 help="share of each class kept for validation when no split is given")
    # What augmentation does depends on the phase: said here, since a head trained on plain cached
    # features with augmentation "on" looked like a setting that did nothing.
    settings.add("--no-augment", "augment", action="store_false",
                 help="train without augmentation (the head phase sees it only through --views, "
                      f"a partial fine-tune caches at least {FINE_TUNE_CACHED_VIEWS} augmented view per photo, a "
                      "full fine-tune augments every epoch)")
    settings.add("--views", "cached_views", type=whole_number,
                 help="augmented views cached per training photo for the head phase (measured on the shared "
                      "photo sets, views cost time and gained no accuracy)")
    settings.add("--no-cache", "use_cache", action="store_false",
                 help="recompute the frozen layers every epoch instead of caching them")
    settings.add("--device", "device", help=DEVICE_HELP)
    settings.add("--seed", "seed", type=whole_number, help="seed of every random choice (split, head, order)")
    p.add_argument("--cache-dir", type=folder_name, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=cmd_train)


def _add_predict(sub) -> None:
    p = sub.add_parser("predict", help="classify photos with a trained model file")
    p.add_argument("model", type=Path)
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE_OR_FOLDER",
                   help="photos, and folders walked for photos; answered in the order given (a folder's "
                        "photos sorted), each photo once")
    p.add_argument("--format", choices=[f.value for f in PredictionFormat], default=PredictionFormat.TABLE.value)
    # Left out, these are not passed: the predictor's own defaults apply.
    p.add_argument("--top-k", type=whole_number, default=None, help="classes shown per photo")
    p.add_argument("--batch-size", type=whole_number, default=None, help="photos per step")
    p.add_argument("--device", default=DEFAULTS.device, help=f"{DEVICE_HELP} (default: {DEFAULTS.device})")
    p.set_defaults(handler=cmd_predict)


# ---- checks made before any work ----------------------------------------------------------------
def data_sources(data: list[str], val_dirs: list[Path]) -> list[tuple[str, Path, str | None]]:
    """(class label or "", path, split) for each DATA and --val argument, once every one is checked.

    ``LABEL=PATH`` names the class, unless a file or folder is really called that.
    """
    from tlgui.core.data.bins import clean_class_name

    sources: list[tuple[str, Path, str | None]] = []
    for spec in data:
        # A path that cannot be told to exist is not there to be used: the check below says so.
        label, _, raw = spec.partition("=") if "=" in spec and not exists(Path(spec)) else ("", "", spec)
        path = Path(raw)
        if not path.exists():
            raise DataError(f"No such file or folder: {path}")
        if label:
            label = clean_class_name(label)
        elif not path.is_dir():
            raise DataError(f"{path} is a single file: say which class it belongs to, as LABEL={path}.")
        sources.append((label, path, None))
    for val_dir in val_dirs:
        if exists(val_dir) and not val_dir.is_dir():
            raise UsageError(f"argument --val: {val_dir} is a file, not a folder of validation photos.")
        if not val_dir.is_dir():
            raise DataError(f"No such folder: {val_dir}")
        sources.append(("", val_dir, "val"))
    return sources


def project_to_train(args):
    """The project when the only DATA is a ``.tlgui`` file (its bins, backbone and settings), else None."""
    if len(args.data) != 1 or not args.data[0].lower().endswith(PROJECT_SUFFIX) or Path(args.data[0]).is_dir():
        return None
    if args.val:
        raise UsageError("argument --val: a project file keeps its own validation photos.")
    from tlgui.core.project import load_project

    project = load_project(args.data[0])
    if project.photos_found_moved and not args.quiet:
        count = project.photos_found_moved
        print(f"The project had moved: {count:,} photo{'s were' if count != 1 else ' was'} found again beside it.",
              file=sys.stderr)
    missing = project.dataset.missing_photos()
    if missing:
        # Left out now rather than skipped as unreadable later: the plan counts and times the photos
        # that will train, and a class left without any is refused with the reason printed here.
        if not args.quiet:
            print(f"Missing:   {_missing_sentence(len(missing))}; left out", file=sys.stderr)
        project.dataset.remove_items(item.path for item in missing)
    return project


def _missing_sentence(total: int) -> str:
    return f"{total:,} photo{'s are' if total != 1 else ' is'} not where the project says (moved or deleted)"


def load_training_data(sources: list[tuple[str, Path, str | None]], progress=None):
    """The class bins from checked ``data_sources``, and how many files were left out as identical
    copies of a photo already in their class."""
    from tlgui.core.data.bins import DataSet

    dataset = DataSet()
    copies = 0
    for label, path, split in sources:
        if label:
            report = dataset.add_files(label, [path], progress=progress)
        else:
            report = dataset.add_folder(path, split=split, progress=progress)
        copies += report.duplicates_ignored
        if split == "val" and not report.added:
            # Without a photo it would be ignored, and a random split made in its place.
            if report.duplicates_ignored:
                raise DataError(f"The --val folder {path} holds only copies of photos already given to train on; "
                                "validation needs other photos, or leave --val out for a random split.")
            raise DataError(f"The --val folder {path} holds no photos to validate on.")
    return dataset, copies


def _backbone_option(name: str | None) -> str | None:
    """The catalogue id ``--backbone`` names (None when it was not given); a name the catalogue
    does not have is a mistaken option."""
    from tlgui.core.backbones.catalogue import get_spec
    from tlgui.core.errors import TlguiError

    if name is None:
        return None
    try:
        return get_spec(name).id
    except TlguiError as exc:
        raise UsageError(f"argument --backbone: {exc}") from None


def check_device(name: str, option: str = "--device") -> str:
    """The device name, once this computer is known to have it (imports torch)."""
    from tlgui.core.runtime.device import pick_device

    try:
        name = check_device_name(name)
    except SettingsError as exc:
        raise UsageError(f"argument {option}: {exc}") from None
    pick_device(name)
    return name


# ---- commands -----------------------------------------------------------------------------------
def cmd_train(args) -> int:
    from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, get_spec

    project = project_to_train(args)
    # A project trains with its own settings, except those given on the command line.
    saved = {} if project is None else {k: v for k, v in project.config.to_dict().items() if k not in vars(args)}
    config = config_from_args(args, **saved)
    if not config.augment and getattr(args, "cached_views", None):
        raise UsageError("argument --views: augmented views need augmentation, which --no-augment turns off.")
    if args.out is None and not args.plan:
        raise UsageError("the following arguments are required: --out (or --plan, to train nothing)")
    if args.out is not None and args.out.strip().lower().endswith(".onnx"):
        # It wrote "model.onnx.safetensors", a tlgui model file, without a word.
        raise UsageError("argument --out: train writes a tlgui model file (.safetensors); for ONNX, export it "
                         "once trained: tlgui export MODEL.safetensors --out MODEL.onnx")
    out = checked_output_file(args.out) if args.out is not None else None
    sources = data_sources(args.data, args.val) if project is None else []
    if args.cache_dir is not None:
        check_folder_path(args.cache_dir, what="feature cache folder")
    saved_backbone = project.backbone_id if project else DEFAULT_BACKBONE
    backbone = _backbone_option(args.backbone) or get_spec(saved_backbone).id
    try:
        check_device(config.device)
    except TlguiError as exc:
        if project is None or "device" in vars(args):
            raise
        # The device came from the project (saved on another computer, with its GPU): say so, and how
        # to train it here.
        raise TlguiError(f"{args.data[0]} trains on {config.device}, as it was saved: {exc} "
                         "On the command line: --device auto or --device cpu.") from None

    from tlgui.core.training import distributed
    from tlgui.core.training.feature_cache import FeatureCache

    main_process = distributed.is_main_process()  # under torchrun only rank 0 reports and writes
    progress = TerminalProgress(args.quiet or not main_process)
    if not args.plan and not distributed.launched_by_torchrun():
        with progress:
            _fetch_weights(backbone, progress)
    with progress:  # closed, off the line, before a failure's one-line message too
        dataset, copies = (load_training_data(sources, progress=progress.on_progress) if project is None
                           else (project.dataset, 0))
    _print_data_summary(dataset, args.quiet or not main_process, copies)
    cache = FeatureCache(args.cache_dir) if args.cache_dir else None
    if args.plan or out is None:
        return _print_plan(dataset, config, backbone, cache, args.quiet)
    with progress, progress.warnings_shown():
        result, stopped = _train_until_stopped(dataset, config, backbone, progress, cache)
    share = distributed.last_share()
    if share is not None and not args.quiet:
        print(f"tlgui {share.describe()}", file=sys.stderr)
    if not main_process:
        return 0
    return _report_and_save(result, out, stopped)


def _report_and_save(result, out: Path | None, stopped) -> int:
    """The run's report, its model saved to ``out`` (when given); the exit status. ``stopped``: the
    interrupt that ended the run early, whose status the command still exits with."""
    _print_report(result)
    code = _save_trained(result.classifier, out) if out is not None else 0
    if stopped is None:
        return code
    # Stopped by Ctrl-C or SIGTERM: the model kept, the exit status still says the command was interrupted.
    status, message = exit_status(stopped)
    kept = " (the best model so far was kept)" if out is not None and code == 0 else ""
    print(message + kept, file=sys.stderr)
    return status


def _fetch_weights(backbone: str, progress) -> None:
    """The backbone's pretrained weights, downloaded now when they are not on this computer: before
    the photos are read (minutes, for a large folder), so that a download that cannot be made fails
    first. Under torchrun the run fetches them itself, once, as before."""
    from tlgui.core.backbones import weights
    from tlgui.core.backbones.catalogue import get_spec, missing_weights

    if missing_weights(backbone) is None:
        return
    spec = get_spec(backbone)
    assert spec.weights_url is not None
    weights.ensure_weights(spec.weights_url, title=spec.title, progress=progress.on_progress)


def _train_until_stopped(dataset, config, backbone: str, progress, cache):
    """``train``, with Ctrl-C or SIGTERM as the window's Stop: the run ends at its next step and its
    best model so far is the result (an interrupt before its first epoch ends the command as any
    other). Returns (result, the interrupt that stopped it or None). Under torchrun an interrupt
    unwinds every process instead: the ranks could not agree on the step to stop at."""
    from tlgui.core.errors import Cancelled
    from tlgui.core.progress import CancelToken
    from tlgui.core.training import distributed
    from tlgui.core.training.trainer import train

    if distributed.launched_by_torchrun():
        return train(dataset, config, backbone=backbone, callbacks=[progress], cache=cache), None
    token = CancelToken()
    message = ("tlgui: stopping: the run ends at its next step and keeps its best model so far "
               "(Ctrl-C again to quit at once)")
    with stop_on_interrupt(token.cancel, message) as stopped:
        try:
            result = train(dataset, config, backbone=backbone, callbacks=[progress], cancel=token, cache=cache)
        except Cancelled:
            if stopped.interrupt is None:
                raise
            raise stopped.interrupt from None  # no epoch had finished: nothing to keep
    return result, stopped.interrupt


def _save_trained(classifier, out: Path) -> int:
    """Save the model trained, or rescue it; 0 when it is where the user asked, 1 when it is not."""
    from tlgui.core.models.rescue import save_or_rescue

    saved = save_or_rescue(classifier, out)
    if not saved.rescued:
        print(f"Saved {shown(out)}")
        return 0
    print(f"tlgui: error: the model could not be saved to {shown(out)} ({shown(saved.problem)}). "
          f"It was saved to {shown(saved.path)} instead: move it where you want it.", file=sys.stderr)
    return 1


def _print_plan(dataset, config, backbone: str, cache, quiet: bool) -> int:
    """What ``train`` would do with these photos and settings, and how long each level takes here."""
    from tlgui.core.backbones.catalogue import create_backbone, get_spec, missing_weights
    from tlgui.core.plan.durations import duration_text
    from tlgui.core.plan.estimate import estimate_plan
    from tlgui.core.plan.freeze_plan import plan_for_dataset
    from tlgui.core.plan.recommend import weigh_time
    from tlgui.core.plan.regime import Regime
    from tlgui.core.training.data_checks import check_training_data

    # Photos that cannot train get train's own refusal, before a plan for them is printed.
    _names, train_items, val_items = check_training_data(dataset, config)
    missing = missing_weights(backbone)
    # Without its weights the architecture alone says what would train; nothing can be timed.
    net = create_backbone(backbone, pretrained=missing is None)
    plan = plan_for_dataset(net, dataset, config)
    counts = dataset.class_counts()
    print(f"Backbone:  {get_spec(backbone).title}")
    print(f"Data:      {len(dataset):,} photos in {len(counts)} classes "
          f"({len(train_items):,} to train on, {len(val_items):,} to validate)")
    chosen = "the recommendation" if plan.follows_recommendation else "chosen"
    head_first = "; the new head first, on cached features" if plan.regime is not Regime.HEAD else ""
    # "Head only (head only)" said nothing twice: the regime only where the level's name is another.
    regime = f" ({plan.regime.title})" if plan.level_name.lower() != plan.regime.title.lower() else ""
    print(f"Trains:    {plan.level_name}{regime}, {chosen}{head_first}")
    estimate = None
    if missing is None:
        def first_model(early) -> None:  # most of a measurement is still to come: say what is known
            print(f"  a usable model (the new head) after {duration_text(early.first_model_s)}; "
                  "timing the training of more layers...", file=sys.stderr)

        if not quiet:
            print("Timing this computer (measured once per network and device, then remembered)...", file=sys.stderr)
        # For the `tlgui train` to come: a new process, which pays a first run's one-off costs.
        estimate = estimate_plan(dataset, config, net, cache=cache, new_process=True,
                                 on_first_model=None if quiet else first_model)
    recommendation = plan.recommendation
    if recommendation is not None:
        if estimate is not None:
            recommendation = weigh_time(recommendation, estimate.chosen.first_model_s, estimate.dial_totals())
        print(f"Why:       {recommendation.reason}")
    if estimate is None:
        print(missing)
        return 0
    print(f"Time on this computer ({estimate.device}, batch {config.batch_size}, "
          f"{config.epochs} epochs per phase at most):")
    width = max(len(e.name) for e in estimate.levels)
    for level in estimate.levels:
        mark = "*" if level == estimate.chosen else " "
        print(f"{mark} {level.name:<{width}}  usable model {duration_text(level.first_model_s):<16} "
              f"all {duration_text(level.total_s)}")
    print("Early stopping often ends a run sooner; Stop keeps the best model so far. Nothing was trained.")
    return 0


def _print_data_summary(dataset, quiet: bool, copies: int = 0) -> None:
    if quiet:
        return
    counts = dataset.class_counts()
    listed = ", ".join(f"{shown(name)} ({n})" for name, n in counts.items())
    print(f"Classes: {listed or 'none'}", file=sys.stderr)
    from tlgui.core.plan.recommend import class_size_warning, uneven_classes_warning

    # The Data page's words on each bin, and on the bins as a whole (a class that cannot train is
    # refused with training's own sentence, after this).
    for name, n in counts.items():
        warning = class_size_warning(n)
        if warning is not None and warning[0] == "warning":
            print(f"  {shown(name)}: {warning[1]}", file=sys.stderr)
    uneven = uneven_classes_warning(counts)
    if uneven is not None:
        print(f"  {uneven}", file=sys.stderr)
    if copies:
        # A class keeps one of identical files: say so, or the counts are short of the files given.
        print(f"  {copies:,} identical cop{'ies' if copies != 1 else 'y'} of photos already in their class "
              "left out", file=sys.stderr)
    for skipped in dataset.skipped:
        print(f"  skipped {shown(skipped.path)}: {shown(skipped.reason)}", file=sys.stderr)
    for dup in dataset.duplicates():
        labels = sorted({i.label for i in dup.items})
        print(f"  same photo in {shown(', '.join(labels))}: " + ", ".join(shown(i.path) for i in dup.items),
              file=sys.stderr)


def _print_report(result) -> None:
    from tlgui.core.training.summary import best_epoch_was_the_heads

    report = result.report
    names = [shown(n) for n in report.class_names]
    state = " (stopped early by the user)" if result.cancelled else ""
    if best_epoch_was_the_heads(result.regime, result.history, result.best_epoch):
        state += " (the new head's: no fine-tune epoch beat it)"
    print(f"Regime: {result.regime.title}; best epoch {result.best_epoch}{state}")
    print(f"Validation accuracy: {report.accuracy:.2%} on {len(report.predictions)} photos")
    # Classes are numbered: the confusion matrix's columns are the numbers, so no name is cut short
    # (plastic_bag and plastic_bottle both read "plastic_" when cut) and wide scripts line up.
    numbered = [f"{number} {name}" for number, name in enumerate(names, 1)]
    width = max(columns(n) for n in ["class", *numbered])
    print(f"{padded('class', width)}  precision   recall")
    for name, p, r in zip(numbered, report.precision, report.recall, strict=True):
        print(f"{padded(name, width)}  {_percent(p):>9}  {_percent(r):>7}")
    print("Confusion matrix (rows: true, columns: predicted, by class number):")
    cell = max(len(str(len(names))), *(len(str(v)) for row in report.confusion for v in row))
    print(" " * (width + 2) + "  ".join(f"{number:>{cell}}" for number in range(1, len(names) + 1)))
    for name, row in zip(numbered, report.confusion, strict=True):
        print(f"{padded(name, width)}  " + "  ".join(f"{v:>{cell}}" for v in row))
    wrong = report.misclassified
    if wrong:
        print(f"Misclassified ({len(wrong)}):")
        for p in wrong[:20]:
            print(f"  {shown(p.path)}  true {shown(p.true_label)}, predicted {shown(p.predicted_label)} "
                  f"({p.probability:.0%})")
        if len(wrong) > 20:
            print(f"  ... and {len(wrong) - 20} more")
    for skipped in result.skipped:
        print(f"Skipped {shown(skipped.path)}: {shown(skipped.reason)}")
    if result.ignored_overrides:
        print("Ignored layer choices this network does not have: "
              + ", ".join(shown(path) for path in result.ignored_overrides))
    for warning in result.warnings:  # said during the run too, where a long run's output buries it
        print(f"Warning: {shown(warning)}")


def _percent(value: float | None) -> str:
    """A share as a percentage; "n/a" where there was nothing to measure it on."""
    return "n/a" if value is None else f"{value:.2%}"


def cmd_predict(args) -> int:
    top = {}  # left out, the predictor's own default applies
    if args.top_k is not None:
        if args.top_k < 1:
            raise UsageError(f"argument --top-k: at least one class must be shown per photo, not {args.top_k}.")
        top["top_k"] = args.top_k
    sizes = {}
    if args.batch_size is not None:
        try:
            sizes["batch_size"] = check_whole_number(args.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        except SettingsError as exc:
            raise UsageError(f"argument --batch-size: {exc}") from None
    regular_file_size(args.model, what="model file")
    for path in args.images:
        if not path.exists():
            raise DataError(f"No such file or folder: {path}")
    device = check_device(args.device)

    from tlgui.core.models.modelfile import load_classifier
    from tlgui.core.predict.predictor import Predictor, collect_images

    classifier = load_classifier(args.model)
    unlisted: list = []
    paths = collect_images(args.images, unlisted)
    for folder in unlisted:  # as `train` lists them: a folder left out is never silent
        print(f"Skipped {shown(folder.path)}: {shown(folder.reason)}", file=sys.stderr)
    if not paths:
        raise DataError("No photos found in " + ", ".join(map(str, args.images)) + ".")
    predictor = Predictor(classifier, device=device)
    # A table is for people, and anything headed for a terminal is read by one: names are escaped.
    # CSV and JSON going to a file or a pipe are data and keep every name exactly.
    escaped = args.format == PredictionFormat.TABLE or is_terminal(sys.stdout)
    if not escaped:
        _keep_undecodable_bytes(sys.stdout)
    with TerminalProgress() as progress:
        any_read = _write_as_predicted(predictor, paths, args.format, escaped, progress, top, sizes)
    return 0 if any_read else 1


def _write_as_predicted(predictor, paths: list[Path], fmt: str, escaped: bool, progress: TerminalProgress,
                        top: dict, sizes: dict) -> bool:
    """Predict ``paths`` and write each batch to stdout once it is predicted, in the photos' order: a
    run stopped by Ctrl-C or SIGTERM leaves every photo already done in the output, which a reader
    may use meanwhile. Whether any photo could be read."""
    from tlgui.core.predict.formats import PredictionWriter

    writer = PredictionWriter(fmt, sys.stdout, ranks=predictor.top_count(**top),
                              path_width=max(len(shown(path) if escaped else str(path)) for path in paths))
    any_read = False
    try:
        for batch in predictor.predict_batches(paths, progress=progress.on_progress, **top, **sizes):
            any_read = any_read or any(p.error is None for p in batch)
            with _above_the_bar():
                writer.write([_shown_prediction(p) for p in batch] if escaped else batch)
    except BaseException:
        # Stopped (Ctrl-C, SIGTERM, an error): what was written still ends as its format ends (JSON's
        # one document closed). A reader that is gone as well is not the news: the stop is.
        with contextlib.suppress(OSError):
            writer.close()
        raise
    writer.close()
    return any_read


@contextlib.contextmanager
def _above_the_bar():
    """Within the block, the progress bar is off its line, so output written to the same terminal
    (stdout there too) gets lines of its own instead of running on after the bar."""
    if not is_terminal(sys.stdout):
        yield
        return
    from tqdm import tqdm

    with tqdm.external_write_mode(file=sys.stdout):
        yield


def _shown_prediction(prediction):
    return replace(
        prediction,
        path=None if prediction.path is None else Path(shown(prediction.path)),
        top=[(shown(label), probability) for label, probability in prediction.top],
        error=None if prediction.error is None else shown(prediction.error),
    )


def _keep_undecodable_bytes(stream) -> None:
    # A file name that is not valid UTF-8 reaches Python as lone surrogates; written back with
    # surrogateescape they become the original bytes instead of a UnicodeEncodeError.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")


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
    from tlgui.core.backbones.catalogue import get_spec, import_weights

    get_spec(args.backbone)
    regular_file_size(args.file, what="weights file")
    target = import_weights(args.backbone, args.file)
    print(f"Checked and cached as {shown(target)}")
    return 0


def cmd_inspect(args) -> int:
    from tlgui.core.models.modelfile import model_summaries, read_model_info

    if args.model.suffix.lower() == PROJECT_SUFFIX:
        return _inspect_project(args.model)
    regular_file_size(args.model, what="model file")  # a pipe or a device would block the read
    info = read_model_info(args.model)
    metrics, training = model_summaries(info, str(args.model))
    print(f"Model file:  {shown(args.model)}")
    print(f"Classes:     {', '.join(shown(n) for n in info.get('class_names', []))}")
    print(f"Backbone:    {shown(info.get('backbone_id'))}")
    if metrics.accuracy is not None and metrics.val_images == 0:
        print("Accuracy:    not measured (the file says it had no validation photos)")
    elif metrics.accuracy is not None:
        print(f"Accuracy:    {metrics.accuracy:.2%} on {_or_unknown(metrics.val_images)} validation photos"
              f" (best epoch {_or_unknown(metrics.best_epoch)})")
    if training.regime is not None:
        print(f"Regime:      {training.regime.title} (freeze level {_or_unknown(training.freeze_level)}, "
              f"{training.trainable_parameters or 0:,} of {training.total_parameters or 0:,} "
              "parameters trained)")
    for name, precision in metrics.precision.items():
        print(f"  {shown(name)}: precision {_percent(precision)}, recall {_percent(metrics.recall.get(name))}")
    print(f"Created:     {shown(info.get('created', '?'))} with tlgui {shown(info.get('tlgui_version', '?'))}")
    # Last, what predict checks before it trusts the file (its weights fit its backbone, they are
    # finite...): a file inspect passes is one predict uses. A refusal is the command's one error line.
    from tlgui.core.models.modelfile import load_classifier

    load_classifier(args.model)
    print("Checked:     its weights load as predict loads them")
    return 0


def _inspect_project(path: Path) -> int:
    from tlgui.core.project import load_project
    from tlgui.core.training.summary import epoch_count

    project = load_project(path)
    counts = project.dataset.class_counts()
    # Photos that moved or were deleted since the project was saved: training would skip them.
    missing = Counter(item.label for item in project.dataset.missing_photos())

    def described(name: str, count: int) -> str:
        return f"{shown(name)} ({count}" + (f", {missing[name]} missing)" if missing[name] else ")")

    print(f"Project:     {shown(path)}")
    print(f"Classes:     {', '.join(described(name, n) for name, n in counts.items()) or 'none'}")
    if missing:
        total = sum(missing.values())
        print(f"Missing:     {_missing_sentence(total)}; training leaves them out")
    print(f"Backbone:    {shown(project.backbone_id)}")
    runs = project.runs
    in_use = runs.in_use_id
    print(f"Runs:        {len(runs)}" + (f" (in use: {in_use})" if in_use is not None else " (none in use)"))
    for run in runs:
        accuracy = "?" if run.accuracy is None else f"{run.accuracy:.1%}"
        done, planned = epoch_count(run.history, run.config.epochs)
        regime = run.regime.title if run.regime is not None else "?"
        model = "model kept" if run.has_model else "model let go"
        print(f"  {'*' if run.id == in_use else ' '} {run.id:>3}  {shown(run.name)}  "
              f"{run.created.astimezone():%Y-%m-%d %H:%M}  {shown(run.backbone_id)}, {regime}, "
              f"{done} of {planned} epochs, {accuracy}, {run.status}, {model}")
    return 0


def _or_unknown(value) -> str:
    return "?" if value is None else str(value)


def cmd_demo(args) -> int:
    config = config_from_args(args)
    out = checked_output_file(args.out) if args.out is not None else None

    from tlgui.core.backbones.bundled import DEFAULT_BACKBONE
    from tlgui.core.data.demo import demo_dataset

    dataset = demo_dataset()
    _print_data_summary(dataset, False)
    progress = TerminalProgress()
    with progress, progress.warnings_shown():  # Ctrl-C is Stop, as for train
        result, stopped = _train_until_stopped(dataset, config, DEFAULT_BACKBONE, progress, None)
    return _report_and_save(result, out, stopped)


def cmd_cache(args) -> int:
    from tlgui.core.training.feature_cache import FeatureCache, default_cache_dir

    root = check_folder_path(args.cache_dir or default_cache_dir(), what="feature cache folder")
    if not root.is_dir():  # say so, without making an empty cache there to describe it
        print(f"{shown(root)}: no feature cache" + (", nothing to clear" if args.action == "clear" else " yet (0 entries)"))
        return 0
    cache = FeatureCache(root)
    if args.action == "clear":
        cache.clear()
        print(f"Cleared {shown(cache.root)}")
    else:
        info = cache.info()
        print(f"{shown(cache.root)}: {info.entries} entries, {info.feature_bytes / 1e6:.1f} MB of features, "
              f"{info.disk_bytes / 1e6:.1f} MB on disk")
    return 0
