"""``tlgui export``: a model file or a project's model out in tlgui's format or as verified ONNX."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tlgui.cli.options import UsageError, checked_output_file, exists
from tlgui.core.errors import DataError, TlguiError
from tlgui.core.files.versions import PROJECT_SUFFIX, with_suffix
from tlgui.core.models.export_format import ExportFormat


def add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a model (from a model file or a project) as ONNX or as a tlgui model file",
        description="ONNX: one input 'image' (N x 3 x S x S, preprocessed), one output 'probabilities'; "
        "class names and preprocessing in the file's metadata. The file is checked against tlgui's own "
        "prediction before it is kept.",
    )
    p.add_argument("source", type=Path, metavar="MODEL_OR_PROJECT")
    p.add_argument("--format", choices=["onnx", "safetensors"], default=None,
                   help="default: from the --out suffix (.onnx or .safetensors)")
    # Kept as typed (no type=Path, which makes "" the current folder): see checked_output_file.
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--check", type=Path, nargs="+", default=None, metavar="PHOTO_OR_FOLDER",
                   help="photos to verify the ONNX file on (default: a project's validation photos)")
    p.add_argument("--run", type=int, default=None, metavar="ID",
                   help="from a project: the run whose model to export (default: the run in use; "
                   "`tlgui inspect PROJECT` lists them)")
    p.set_defaults(handler=cmd_export)


def cmd_export(args) -> int:
    fmt = ExportFormat(args.format) if args.format else ExportFormat.of_path(args.out)
    out = export_target(args.out, fmt)
    is_project = args.source.suffix.lower() == PROJECT_SUFFIX
    if args.run is not None and not is_project:
        raise UsageError("--run names a run of a project; a model file has no runs.")
    if _same_file(out, args.source):
        raise UsageError(f"argument --out: {out} is the file being exported; "
                         "write the export to another file.")

    if args.check and fmt is not ExportFormat.ONNX:
        raise UsageError("--check verifies an ONNX export against tlgui's own answers; a tlgui model file "
                         "is the model itself, with nothing to check.")
    for path in args.check or ():
        if not exists(path):  # (None: it cannot be told to exist, so it cannot be read either)
            raise DataError(f"No such file or folder: {path} (--check)")

    from tlgui.core.models.export import export_model
    from tlgui.core.predict.predictor import collect_images

    checked_on = collect_images(args.check) if args.check else None
    if checked_on == []:
        raise DataError(f"No photos in {', '.join(str(p) for p in args.check)} (--check): name photos or "
                        "folders of photos, or leave --check out to use the project's validation photos.")
    classifier, photos = _load_source(args.source, args.run)
    if checked_on is not None:
        photos = checked_on
    result = export_model(classifier, out, fmt, check_photos=photos)
    if result is None:
        print(f"Wrote {out}")
        return 0
    print(f"Wrote {result.model_path} in {result.seconds:.1f} s")
    print(f"  checked with onnxruntime: {result.parity.sentence()}")
    print(f"  beside it: {result.labels_path.name}, {result.readme_path.name}, {result.example_path.name}")
    return 0


def export_target(text: str, fmt: ExportFormat) -> Path:
    """The file ``--out`` names (``fmt``'s suffix appended if missing), checked as ``train`` checks its
    ``--out``: no name, a folder, a pipe or device, a read-only file. One difference, export's own
    (``export._check_target``): a folder that does not exist yet is made when the file is written,
    so only an existing folder is probed here; export_model checks the nearest existing one."""
    what = "ONNX file" if fmt is ExportFormat.ONNX else "model file"
    # A folder that cannot be told to exist goes to the full check, which says why.
    if text.strip() and "\0" not in text and exists(Path(text).parent) is False:
        return with_suffix(text, fmt.suffix)
    return checked_output_file(text, suffix=fmt.suffix, what=what)


def _same_file(out: Path, source: Path) -> bool:
    """Whether writing ``out`` would replace ``source`` (the same file by another name or link too)."""
    try:
        return os.path.samefile(out, source)
    except (OSError, ValueError):  # either missing: not the same file
        return False


def _load_source(source: Path, run_id: int | None):
    """(classifier, photos to verify on) from a model file or a project (its run in use, or ``run_id``)."""
    if source.suffix.lower() == PROJECT_SUFFIX:
        from tlgui.core.project import export_check_photos, load_project

        project = load_project(source)
        run = project.runs.in_use
        if run_id is not None:
            try:
                run = project.runs.get(run_id)
            except TlguiError as exc:  # a run the project does not have: the option is mistaken
                raise UsageError(f"argument --run: {exc}") from None
        if run is None:
            raise TlguiError(f"The project {source} has no run in use: train it first, or name one with --run.")
        if run.classifier is None:
            raise TlguiError(f"The run {run.id} of {source} has no model any more: it was let go.")
        return run.classifier, export_check_photos(run, project.dataset, project.config)
    from tlgui.core.models.modelfile import load_classifier

    return load_classifier(source), []

