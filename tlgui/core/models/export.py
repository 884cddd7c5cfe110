"""A trained model out of the app in a standard format: ONNX, self-describing and verified.

The ONNX file takes one input, ``image`` (float32, N x 3 x S x S, dynamic N, already resized,
centre-cropped and normalised as the model's preprocessing says) and gives one output,
``probabilities`` (N x C, softmax included). Its ``metadata_props`` carry everything another program
needs: ``class_names`` (JSON list in output order), ``preprocessing`` (JSON), ``backbone`` and
``tlgui_version``. Beside it go a labels file, a README and a small script that classifies a photo
with only onnxruntime, numpy and Pillow.

Export proves itself before anything is left behind: the written file runs in onnxruntime on up to
``PARITY_PHOTOS`` photos (the run's validation photos when they are at hand) and its probabilities
are compared with tlgui's own fp32 prediction on the very same input tensors. Any top-1 flip or a
probability difference above ``PARITY_TOLERANCE`` is an error, and then no file is left behind.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

import tlgui
from tlgui.core.data.images import load_rgb
from tlgui.core.errors import ImageDecodeError, TlguiError
from tlgui.core.files.atomic import NAME_MAX, atomic_write_files
from tlgui.core.i18n import _, ngettext
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.export_format import ExportFormat
from tlgui.core.models.modelfile import save_classifier
from tlgui.core.names import clean_name
from tlgui.core.progress import CancelToken, Phase, ProgressEvent, ProgressFn, no_progress
from tlgui.core.runtime.child_process import ChildProcessFailed, call_in_child

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
PARITY_PHOTOS = 64
PARITY_TOLERANCE = 1e-3
# Opset 18 is what torch's exporter targets natively; onnxruntime has run it since 1.14.
OPSET = 18


class ExportError(TlguiError):
    """The model could not be exported, or the exported file does not compute what tlgui computes."""


@dataclass(frozen=True)
class ParityReport:
    """How the exported file agrees with tlgui's own fp32 prediction."""

    inputs: int
    from_photos: bool  # False: no photo could be used, so seeded random inputs were compared
    top1_agreement: float
    max_probability_difference: float
    # Photos offered for the check; when none could be read, the sentence says so rather than
    # "no photos at hand" (a folder of unreadable photos looked like a check on them).
    photos_offered: int = 0

    def sentence(self) -> str:
        if self.from_photos:
            sentence = _("top-1 agreement {agreement:.1%} on {inputs} photos, largest probability "
                         "difference {difference:.1e}")
        elif self.photos_offered:
            sentence = ngettext(
                "top-1 agreement {agreement:.1%} on {inputs} random test inputs (the {offered} photo given "
                "could not be read), largest probability difference {difference:.1e}",
                "top-1 agreement {agreement:.1%} on {inputs} random test inputs (none of the {offered} photos "
                "given could be read), largest probability difference {difference:.1e}",
                self.photos_offered)
        else:
            sentence = _("top-1 agreement {agreement:.1%} on {inputs} random test inputs (no photos at hand), "
                         "largest probability difference {difference:.1e}")
        return sentence.format(agreement=self.top1_agreement, inputs=self.inputs,
                               difference=self.max_probability_difference, offered=self.photos_offered)


@dataclass(frozen=True)
class OnnxExport:
    """What ``export_onnx`` wrote, and how it checked it."""

    model_path: Path
    labels_path: Path
    readme_path: Path
    example_path: Path
    parity: ParityReport
    seconds: float


def export_model(
    classifier: Classifier,
    out_path: Path | str,
    fmt: ExportFormat | str | None = None,
    *,
    check_photos: Sequence[Path] = (),
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> OnnxExport | None:
    """The one way a model leaves the app, whatever the driver: tlgui's file or a verified ONNX one.

    ``fmt`` None: chosen by ``out_path``'s suffix. Returns the ONNX export's report, None for tlgui's
    own format (written atomically; a failed write leaves an old file intact).
    """
    fmt = ExportFormat.of_path(out_path) if fmt is None else ExportFormat(fmt)
    if fmt is ExportFormat.ONNX:
        return export_onnx(classifier, out_path, check_photos=check_photos, progress=progress, cancel=cancel)
    target = Path(out_path)
    _check_target(target)
    try:
        save_classifier(classifier, target)
    except OSError as exc:
        raise ExportError(_(
            "Could not write {target}: {reason}."
        ).format(target=target, reason=exc.strerror or exc)) from None
    return None


def companion_paths(model_path: Path) -> tuple[Path, Path, Path]:
    """The labels file, README and example script written beside an exported ``model_path``.

    Named after the model so that two exports into one folder never overwrite each other's files.
    """
    stem = model_path.with_suffix("")
    return (
        stem.with_name(f"{stem.name}-labels.txt"),
        stem.with_name(f"{stem.name}-README.txt"),
        stem.with_name(f"{stem.name}-classify.py"),
    )


def export_onnx(
    classifier: Classifier,
    out_path: Path | str,
    *,
    check_photos: Sequence[Path] = (),
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> OnnxExport:
    """Write ``classifier`` as an ONNX file at ``out_path`` (plus its companions) and verify it.

    ``check_photos``: photos to compare on (the first ``PARITY_PHOTOS`` that decode are used).
    Raises ExportError, leaving no file behind, when exporting fails or the check disagrees.
    """
    started = time.perf_counter()
    report = progress or no_progress
    cancel = cancel or CancelToken()
    target = Path(out_path)
    labels, readme, example = companion_paths(target)
    _check_target(target)
    _check_companion_names(target, (labels, readme, example))
    for path in (labels, readme, example):  # before the work: the files beside it too
        _check_target(path)
    report(ProgressEvent(Phase.EXPORT, 0, 3, message=_("Converting to ONNX")))
    # tlgui's own answers first: a model that computes NaN is refused before a conversion of seconds.
    inputs, from_photos = _parity_inputs(classifier, check_photos, cancel)
    ours = own_outputs(classifier, inputs)
    data = _onnx_bytes(classifier, cancel)
    cancel.raise_if_cancelled()
    report(ProgressEvent(Phase.EXPORT, 1, 3, message=_("Checking the exported model")))
    parity = check_parity(classifier, data, inputs, from_photos=from_photos, ours=ours)
    parity = replace(parity, photos_offered=len(check_photos))
    cancel.raise_if_cancelled()
    report(ProgressEvent(Phase.EXPORT, 2, 3, message=_("Writing files")))
    files = [
        (target, data),
        (labels, labels_text(classifier.class_names).encode("utf-8")),
        (readme, _readme_text(classifier, target, example, parity).encode("utf-8")),
        (example, _example_script().encode("utf-8")),
    ]
    try:
        # All four or none: a failure leaves an earlier export's files as they were.
        atomic_write_files(files)
    except OSError as exc:
        raise ExportError(_(
            "Could not write {target}: {reason}."
        ).format(target=exc.filename if exc.filename in {str(p) for p, _ in files} else target,
                 reason=exc.strerror or exc)) from None
    report(ProgressEvent(Phase.EXPORT, 3, 3, message=_("Exported")))
    return OnnxExport(target, labels, readme, example, parity, time.perf_counter() - started)


def labels_text(class_names: Sequence[str]) -> str:
    """The labels file: line i is the name of output i. Each name is made one line by the names rule
    (``clean_name``): the names of a checked model or of the bins already are, and a line break in
    one would shift every label after it onto the wrong output."""
    return "".join(f"{clean_name(name)}\n" for name in class_names)


def _check_target(target: Path) -> None:
    """Refuse, before any work, a target that cannot become a regular file. Missing folders are made
    when the file is written (as for every file tlgui saves), so the nearest existing one must be writable."""
    folder = _nearest_existing(target.parent)
    length, limit = _name_bytes(target.name), _longest_name(folder)
    if length > limit:  # checked first: asking whether such a name exists is itself an error
        raise ExportError(_(
            "Cannot export to {target}: its name is {length} bytes, longer than the {limit} the file "
            "system allows."
        ).format(target=target, length=length, limit=limit))
    if target.exists() and not target.is_file():
        raise ExportError(_(
            "Cannot export to {target}: it is not a regular file."
        ).format(target=target))
    if not folder.is_dir():
        raise ExportError(_(
            "Cannot export to {target}: {folder} is not a folder."
        ).format(target=target, folder=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(_(
            "Cannot export to {target}: the folder {folder} is not writable."
        ).format(target=target, folder=folder))


def _check_companion_names(target: Path, companions: Sequence[Path]) -> None:
    """Refuse, before any work, a model name that leaves the files beside it no legal name. Theirs
    put ``-classify.py`` and the like in place of its suffix, so a legal model name can make theirs too
    long, and the write failed after the conversion, naming a file the user never chose."""
    limit = _longest_name(_nearest_existing(target.parent))
    too_long = [path.name for path in companions if _name_bytes(path.name) > limit]
    if too_long:
        raise ExportError(_(
            "Cannot export to {target}: the model's name is too long for the files written beside it "
            "({names}), whose names would be longer than the {limit} bytes the file system allows."
        ).format(target=target, names=", ".join(too_long), limit=limit))


def _nearest_existing(folder: Path) -> Path:
    """``folder``, or its nearest ancestor that exists: where the missing folders will be made."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _longest_name(folder: Path) -> int:
    """The longest file name, in bytes, the file system holding ``folder`` takes (NAME_MAX)."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf; some file systems no answer
        return NAME_MAX
    return limit if limit > 0 else NAME_MAX


def _name_bytes(name: str) -> int:
    """The length of ``name`` as the file system stores it (its encoding, undecodable bytes restored)."""
    try:
        return len(os.fsencode(name))
    except UnicodeEncodeError:  # a lone surrogate of no byte's making: its UTF-8 form, as long as any
        return len(name.encode("utf-8", "surrogatepass"))


class _WithSoftmax(nn.Module):
    """The classifier as other programs want it: normalised pixels in, probabilities out."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.network(image), dim=1)


def _cpu_fp32_copy(classifier: Classifier) -> nn.Module:
    # A copy: the caller's network may be in use (Classify page) and on another device or format.
    network = copy.deepcopy(classifier.network).to("cpu", torch.float32)
    return _WithSoftmax(network.to(memory_format=torch.contiguous_format)).eval()


def _onnx_bytes(classifier: Classifier, cancel: CancelToken) -> bytes:
    """``classifier`` as an ONNX file's bytes, converted in a child process: torch's exporter holds
    the interpreter lock for up to 0.7 s at a time, which froze the window driving it, and a crash
    in it must not take the window's unsaved work along (``tlgui.core.runtime.child_process``)."""
    network = io.BytesIO()
    torch.save(_cpu_fp32_copy(classifier), network)
    try:
        return call_in_child(convert_to_onnx, network.getvalue(), classifier.preprocessing.input_size,
                             onnx_metadata(classifier), classifier.backbone_id, cancel=cancel)
    except ChildProcessFailed as exc:
        raise ExportError(_(
            "The {backbone_id} network could not be converted to ONNX: {reason}"
        ).format(backbone_id=classifier.backbone_id, reason=exc)) from None


def convert_to_onnx(network_bytes: bytes, input_size: int, metadata: dict[str, str], backbone_id: str) -> bytes:
    """In the child process: the ONNX file's bytes of the network ``_onnx_bytes`` saved, with
    ``metadata`` in its ``metadata_props``, checked by onnx's own checker."""
    import onnx

    # The parent's own torch.save, through the pipe to its own child: never a file a user handed in.
    module = torch.load(io.BytesIO(network_bytes), weights_only=False)
    example = torch.zeros(2, 3, input_size, input_size)
    batch = torch.export.Dim("batch", min=1, max=4096)
    try:
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            program = torch.onnx.export(
                module,
                (example,),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes=({0: batch},),
                opset_version=OPSET,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
            model = program.model_proto
    except Exception as exc:  # noqa: BLE001 - the exporter raises many types; the user needs one sentence
        raise ExportError(
            _(
                "The {backbone_id} network could not be converted to ONNX ({kind}: {detail})."
            ).format(
                backbone_id=backbone_id, kind=type(exc).__name__, detail=str(exc).splitlines()[0][:200] if str(exc) else 'no details')
        ) from None
    _set_metadata(model, metadata)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ExportError(_(
            "The exported ONNX model failed onnx's own check: {detail}"
        ).format(detail=str(exc)[:200])) from None
    return model.SerializeToString()


def onnx_metadata(classifier: Classifier) -> dict[str, str]:
    """The ``metadata_props`` an exported file carries: all a program needs to use it."""
    prep = classifier.preprocessing
    return {
        "class_names": json.dumps(list(classifier.class_names), ensure_ascii=False),
        "preprocessing": json.dumps(
            {
                "input_size": prep.input_size,
                "resize_size": prep.resize_size,
                "mean": list(prep.mean),
                "std": list(prep.std),
                "interpolation": prep.interpolation,
            }
        ),
        "backbone": classifier.backbone_id,
        "tlgui_version": tlgui.__version__,
        "input": f"{INPUT_NAME}: float32 N x 3 x {prep.input_size} x {prep.input_size}, RGB, resized, "
        "centre-cropped and normalised as 'preprocessing' says",
        "output": f"{OUTPUT_NAME}: float32 N x {len(classifier.class_names)}, softmax over class_names",
    }


def _set_metadata(model, metadata: dict[str, str]) -> None:
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = "tlgui"
    model.producer_version = tlgui.__version__


# ---- verification -------------------------------------------------------------------------------
def _parity_inputs(
    classifier: Classifier, photos: Sequence[Path], cancel: CancelToken
) -> tuple[torch.Tensor, bool]:
    """Up to PARITY_PHOTOS normalised input tensors from ``photos``; seeded noise when none decode."""
    prep = classifier.preprocessing
    tensors = []
    for path in photos:
        if len(tensors) >= PARITY_PHOTOS:
            break
        cancel.raise_if_cancelled()
        try:
            image = load_rgb(path, min_size=prep.resize_size)
        except ImageDecodeError:
            continue
        tensors.append(prep.eval_uint8(image))
    if tensors:
        return prep.normalize(torch.stack(tensors)), True
    generator = torch.Generator().manual_seed(0)
    noise = torch.randint(0, 256, (16, 3, prep.input_size, prep.input_size), generator=generator)
    return prep.normalize(noise.to(torch.uint8)), False


def own_outputs(classifier: Classifier, inputs: torch.Tensor) -> np.ndarray:
    """tlgui's fp32 probabilities for ``inputs``, what the ONNX model must give. Raises ExportError
    when they are not finite numbers: then the model itself is at fault (finite weights that
    overflow), and no comparison would mean anything."""
    module = _cpu_fp32_copy(classifier)
    with torch.inference_mode():
        ours = torch.cat([module(chunk) for chunk in inputs.split(16)]).numpy()
    if not np.isfinite(ours).all():
        raise ExportError(_(
            "The model cannot be exported: its own outputs are not finite numbers (NaN or infinity), "
            "so its predictions would be meaningless; its weights are damaged or unusable. Nothing was "
            "written."
        ))
    return ours


def check_parity(
    classifier: Classifier, onnx_bytes: bytes, inputs: torch.Tensor, *, from_photos: bool = True,
    ours: np.ndarray | None = None,
) -> ParityReport:
    """Run the ONNX model in onnxruntime and tlgui's fp32 network on ``inputs`` (``ours``: its
    ``own_outputs``, when already computed); compare.

    Raises ExportError on any top-1 flip or a probability difference above PARITY_TOLERANCE, and
    first when tlgui's own probabilities are not finite numbers (``own_outputs``).
    """
    import onnxruntime

    if ours is None:
        ours = own_outputs(classifier, inputs)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
        theirs = np.concatenate(
            [session.run([OUTPUT_NAME], {INPUT_NAME: chunk.numpy()})[0] for chunk in inputs.split(16)]
        )
    except Exception as exc:  # noqa: BLE001 - onnxruntime's errors are not one family
        raise ExportError(_(
            "onnxruntime could not run the exported model: {detail}"
        ).format(detail=str(exc)[:200])) from exc
    agreement = float(np.mean(theirs.argmax(axis=1) == ours.argmax(axis=1)))
    difference = float(np.max(np.abs(theirs - ours)))
    parity = ParityReport(len(inputs), from_photos, agreement, difference)
    if agreement < 1.0 or not difference <= PARITY_TOLERANCE:
        raise ExportError(
            _(
                "The exported ONNX model does not give tlgui's answers ({sentence}; allowed: no top-1 "
                "change, differences up to {parity_tolerance:g}). Nothing was written."
            ).format(sentence=parity.sentence(), parity_tolerance=PARITY_TOLERANCE)
        )
    return parity


# ---- the files beside it ------------------------------------------------------------------------
def _readme_text(classifier: Classifier, target: Path, example: Path, parity: ParityReport) -> str:
    prep = classifier.preprocessing
    names = ", ".join(clean_name(name) for name in classifier.class_names)
    return f"""{target.name}: an image classifier exported by tlgui {tlgui.__version__}

Classes (output order): {names}
Backbone: {classifier.backbone_id}

Input  "{INPUT_NAME}": float32, shape N x 3 x {prep.input_size} x {prep.input_size}, RGB.
  1. resize the shorter side to {prep.resize_size} pixels ({prep.interpolation}),
  2. crop the centre {prep.input_size} x {prep.input_size},
  3. scale to 0..1, subtract mean {list(prep.mean)} and divide by std {list(prep.std)} per channel.
Output "{OUTPUT_NAME}": float32, shape N x {len(classifier.class_names)}, probabilities (softmax included).

The same facts are in the file's metadata (class_names, preprocessing, backbone, tlgui_version).

Try it (needs only onnxruntime, numpy and Pillow); it reads a photo as tlgui does (EXIF rotation,
transparency on white, 16-bit images scaled, JPEG decoded at reduced scale when large), so it gives
tlgui's own answers in full precision (tlgui itself computes in bfloat16 on processors that do it
natively, and in half precision on NVIDIA GPUs, which moves a probability by up to about 0.01):
    pip install onnxruntime numpy "pillow>=10.1"
    python {example.name} {target.name} photo.jpg

Checked when exported: {parity.sentence()}.
"""


def _example_script() -> str:
    # A raw string: the script is written out exactly as it reads here, its escapes included.
    return r'''"""Classify photos with a model exported by tlgui, using only onnxruntime, numpy and Pillow.

    python classify.py MODEL.onnx PHOTO [PHOTO ...]

Prints one line per photo: the path, the most likely class and its probability, tab-separated.
A name is printed on one line whatever it holds: a control character (tab, newline, escape) or a
byte that is not UTF-8 is written as a visible escape (a tab as \\x09, byte 0xE9 as \\xe9), as
tlgui's own command line writes it. A photo that cannot be read, or a path that is no regular file
(a pipe or a device, whose reading would never end), is named on stderr, the others are still
classified, and the exit status is then 1. Everything it needs (class names, preprocessing) comes
from the model file's metadata.
"""

import json
import os
import stat
import sys
import unicodedata

import numpy as np
import onnxruntime
from PIL import Image, ImageOps

FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "nearest": Image.NEAREST}
# Control characters, lone surrogates (Python's stand-ins for the bytes of a file name that are
# not UTF-8), and the line and paragraph separators: each would break or garble an output line.
ESCAPED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
# Invisible, yet they reorder the text around them: a name could read as another.
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def load_input(path, prep):
    """The photo as the network's input, with the pixels tlgui itself gives it."""
    image = Image.open(path)
    if image.format in ("JPEG", "MPO"):
        # Decoded at 1/2, 1/4 or 1/8 scale when the photo is that much larger than needed.
        image.draft(None, (prep["resize_size"], prep["resize_size"]))
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block: the pixels as stored
        pass
    image = to_rgb(image)
    # Resize the shorter side to resize_size and crop the centre input_size square, in one step:
    # only the part of the photo that lands in the crop is resampled.
    width, height = image.size
    crop = prep["input_size"]
    scale = prep["resize_size"] / min(width, height)
    resized = (max(1, round(width * scale)), max(1, round(height * scale)))
    left, top = max(0, (resized[0] - crop) // 2), max(0, (resized[1] - crop) // 2)
    right, bottom = min(resized[0], left + crop), min(resized[1], top + crop)
    sx, sy = width / resized[0], height / resized[1]
    box = (left * sx, top * sy, right * sx, bottom * sy)
    image = image.resize((crop, crop), FILTERS[prep["interpolation"]], box=box, reducing_gap=3.0)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    pixels = (pixels - np.array(prep["mean"], np.float32)) / np.array(prep["std"], np.float32)
    return pixels.transpose(2, 0, 1)[None]


def to_rgb(image):
    """Any Pillow mode as RGB: transparency on white; 16-bit, 32-bit and float images scaled to
    0..255, not clipped (by their type's range when the values fit it, else from min to max)."""
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        low, high = float(values.min()), float(values.max())
        if image.mode.startswith("I;16") or (image.mode == "I" and low >= 0 and 255 < high <= 65535):
            values = values / 257.0
        elif image.mode == "F" and low >= 0 and high <= 1.0:
            values = values * 255.0
        elif not (low >= 0 and high <= 255):
            values = (values - low) * (255.0 / (high - low)) if high > low else values * 0.0
        return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8)).convert("RGB")
    if image.has_transparency_data:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def not_a_file(path):
    """What ``path`` is when it is not a regular file (a pipe, a device, a folder), else None.
    Opening a pipe waits for a writer that may never come, and a device's bytes may never end."""
    mode = os.stat(path).st_mode  # follows links: a link to /dev/zero is a device
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket"


def shown(text):
    """``text`` with every character that would break or garble its line written as an escape."""
    return "".join(escaped(char) for char in text)


def escaped(char):
    if unicodedata.category(char) not in ESCAPED_CATEGORIES and char not in BIDI_CONTROLS:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # the stand-in for byte (code - 0xDC00) of a file name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def main(model_path, photos):
    for stream in (sys.stdout, sys.stderr):
        # A character the output's encoding lacks (an accent on some Windows consoles) is escaped
        # as well, rather than ending the run.
        stream.reconfigure(errors="backslashreplace")
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    classes = json.loads(meta["class_names"])
    prep = json.loads(meta["preprocessing"])
    failed = 0
    for photo in photos:
        try:
            kind = not_a_file(photo)
            if kind is not None:
                print(f"{shown(photo)}: skipped: it is {kind}, not a file", file=sys.stderr)
                failed += 1
                continue
            pixels = load_input(photo, prep)
            probabilities = session.run(["probabilities"], {"image": pixels})[0][0]
        except Exception as exc:  # whatever went wrong is this photo's alone: the others go on
            reason = shown(str(exc) or type(exc).__name__)
            print(f"{shown(photo)}: cannot classify: {reason}", file=sys.stderr)
            failed += 1
            continue
        best = int(np.argmax(probabilities))
        print(f"{shown(photo)}\t{shown(classes[best])}\t{probabilities[best]:.4f}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
'''
