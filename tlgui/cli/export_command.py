"""``tlgui export``: a model file or a project's model out in tlgui's format or as verified ONNX."""

from __future__ import annotations

import argparse
from pathlib import Path

from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import PROJECT_SUFFIX


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
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--check", type=Path, nargs="+", default=None, metavar="PHOTO_OR_FOLDER",
                   help="photos to verify the ONNX file on (default: a project's validation photos)")
    p.add_argument("--run", type=int, default=None, metavar="ID",
                   help="from a project: the run whose model to export (default: the run in use; "
                   "`tlgui inspect PROJECT` lists them)")
    p.set_defaults(handler=cmd_export)


def cmd_export(args) -> int:
    from tlgui.core.models.export import ExportFormat, export_model
    from tlgui.core.predict.predictor import collect_images

    fmt = ExportFormat(args.format) if args.format else ExportFormat.of_path(args.out)
    out = args.out if args.out.suffix.lower() == fmt.suffix else args.out.with_name(args.out.name + fmt.suffix)
    classifier, photos = _load_source(args.source, args.run)
    if args.check:
        photos = collect_images(args.check)
    result = export_model(classifier, out, fmt, check_photos=photos)
    if result is None:
        print(f"Wrote {out}")
        return 0
    print(f"Wrote {result.model_path} in {result.seconds:.1f} s")
    print(f"  checked with onnxruntime: {result.parity.sentence()}")
    print(f"  beside it: {result.labels_path.name}, {result.readme_path.name}, {result.example_path.name}")
    return 0


def _load_source(source: Path, run_id: int | None):
    """(classifier, photos to verify on) from a model file or a project (its run in use, or ``run_id``)."""
    if source.suffix.lower() == PROJECT_SUFFIX:
        from tlgui.core.project import load_project

        project = load_project(source)
        run = project.runs.get(run_id) if run_id is not None else project.runs.in_use
        if run is None:
            raise TlguiError(f"The project {source} has no run in use: train it first, or name one with --run.")
        if run.classifier is None:
            raise TlguiError(f"The run {run.id} of {source} has no model any more: it was let go.")
        if run.report is not None and run.report.predictions:
            return run.classifier, [p.path for p in run.report.predictions if p.path.is_file()]
        _, val_items = project.dataset.split(project.config.val_fraction, project.config.seed)
        return run.classifier, [item.path for item in val_items]
    if run_id is not None:
        raise TlguiError("--run names a run of a project; a model file has no runs.")
    from tlgui.core.models.modelfile import load_classifier

    return load_classifier(source), []

