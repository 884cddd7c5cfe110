"""The header of a model file, checked completely before anything is built from it.

A model file is a safetensors file: 8 bytes of little-endian header length, a JSON header, then the
tensor payload. The header holds the tensor table (dtype, shape and byte range of every tensor) and,
under ``__metadata__``, tlgui's metadata as one JSON string. Everything here reads the header only,
with limits decided before the first byte is parsed: the header's size, the JSON's nesting depth,
the number, length and characters of class names, the preprocessing sizes, and tensor byte ranges
that must tile the payload exactly. A file that breaks any of them is refused with one sentence naming it.

Integrity. Format 1 keeps a SHA-256 of the payload only (``payload_sha256``). Format 2 keeps
``integrity_sha256``: SHA-256 over ``b"tlgui-model-2\\n"``, the 8-byte little-endian length of the
signed JSON, the signed JSON, then the payload. The signed JSON is the canonical form
(``json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, UTF-8) of
``{"metadata": <tlgui metadata without integrity_sha256>, "tensors": <tensor table>}``, so a changed
class name, preprocessing value or tensor shape fails the check as a changed weight does. The
checksum catches accidents (a flipped bit, a bad copy); every other check here assumes the file may
have been crafted, checksum and all.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from tlgui.core.data.items import MAX_CLASS_NAME_LENGTH, MAX_CLASSES  # a model's classes are a project's
from tlgui.core.errors import ModelFileError
from tlgui.core.files.limits import FileLimitError, loads_json_limited
from tlgui.core.files.versions import MODEL_FORMAT_VERSION, check_format_version
from tlgui.core.i18n import N_, _
from tlgui.core.names import FlawKind, name_flaw

FORMAT_NAME = "tlgui-model"
METADATA_KEY = "tlgui"

#: The largest valid header, a 1,000-class model's with 255-character names, takes 5.2 MB (its
#: confusion matrix alone 1,000,000 cells). Parsed JSON can cost 20 times its text in memory: a
#: crafted 8 MiB header of empty lists measured 155 MB, the most a header can take.
MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_BACKBONE_ID_CHARS = 64
#: Input sizes of every catalogue backbone (224 to 300 px) with room to spare; a larger input would
#: make prediction's memory grow with its square.
MIN_INPUT_SIZE, MAX_INPUT_SIZE = 32, 512
MAX_RESIZE_SIZE = 1024
MAX_TENSOR_DIMS = 8
#: What tlgui writes: floats as fp32, integer buffers (BatchNorm's counters) as int64. Bytes per item.
DTYPE_SIZES = {"F32": 4, "I64": 8}
HEAD_WEIGHT = "stages.head.weight"
HEAD_BIAS = "stages.head.bias"

CHECKSUM_FIELDS = {1: "payload_sha256", 2: "integrity_sha256"}
_SIGNATURE = b"tlgui-model-2\n"
_REQUIRED_FIELDS = ("class_names", "backbone_id", "preprocessing")
_PREPROCESSING_KEYS = {"input_size", "resize_size", "mean", "std", "interpolation"}
_INTERPOLATIONS = {"bilinear", "bicubic", "nearest"}
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class InvalidContent(ValueError):
    """One field breaks a rule; the message is the reason, completed into a sentence by the caller."""


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor table: dtype name, shape and byte range within the payload."""

    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class ModelHeader:
    """A header that passed every check: metadata, tensor table and where the payload lies."""

    meta: dict
    tensors: dict[str, TensorEntry]
    table: dict  # the tensor table as read, which format 2 signs
    data_start: int
    payload_size: int

    @property
    def version(self) -> int:
        return self.meta["format_version"]

    @property
    def class_names(self) -> list[str]:
        return self.meta["class_names"]

    def checksum_hasher(self):
        """A SHA-256 primed for this file's format; feed it the payload, then ``check_checksum``."""
        return new_checksum_hasher(self.meta, self.table, self.version)

    def check_checksum(self, hexdigest: str, where: str) -> None:
        if hexdigest != self.meta[CHECKSUM_FIELDS[self.version]]:
            covered = "weights" if self.version == 1 else "weights or metadata"
            raise ModelFileError(
                _(
                    "{where} is damaged: its {covered} do not match the checksum saved with them."
                ).format(where=where, covered=covered)
            )


# ---- the whole header -------------------------------------------------------------------------
def header_length(prefix: bytes, size: int, where: str) -> int:
    """The header length from the file's first 9 bytes, or a clear error for empty and foreign files."""
    if size == 0:
        raise ModelFileError(_(
            "{where} is empty (0 bytes); it is not a tlgui model file."
        ).format(where=where))
    if len(prefix) < 9:
        raise ModelFileError(_(
            "{where} is too short to be a tlgui model file ({size} bytes)."
        ).format(where=where, size=size))
    length = int.from_bytes(prefix[:8], "little")
    # Judge by the safetensors shape first: a valid length prefix can happen to start with bytes
    # that also begin some other format, so signatures only name what is already known to be foreign.
    if prefix[8:9] != b"{" or length < 2:
        foreign = _foreign_kind(prefix)
        if foreign:
            raise ModelFileError(_(
                "{where} is not a tlgui model file: it looks like {foreign}."
            ).format(where=where, foreign=foreign))
        raise ModelFileError(_(
            "{where} is not a tlgui model file (it is not in safetensors format)."
        ).format(where=where))
    # The declared length is judged before the file's size: a damaged byte in the prefix declares a
    # header longer than any file, and calling a whole file "truncated" sent users looking for the rest.
    if length > MAX_HEADER_BYTES:
        if 8 + length > size:
            raise ModelFileError(
                _(
                    "{where} is damaged: its first 8 bytes declare a header of {length:,} bytes, "
                    "longer than the file itself and than any tlgui model's header ({header_bytes:,} "
                    "bytes at most)."
                ).format(where=where, length=length, header_bytes=MAX_HEADER_BYTES)
            )
        raise ModelFileError(
            _(
                "{where} is not a model tlgui can open: its header is {length:,} bytes, more than the "
                "{header_bytes:,} a tlgui model needs."
            ).format(where=where, length=length, header_bytes=MAX_HEADER_BYTES)
        )
    if 8 + length > size:
        raise ModelFileError(_(
            "{where} is truncated: the file ends inside its header."
        ).format(where=where))
    return length


def _foreign_kind(prefix: bytes) -> str | None:
    """Name common non-model files, so the message says what the user picked by mistake."""
    signatures = {
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"GIF8": "a GIF image",
        b"PK\x03\x04": "a zip archive (perhaps a PyTorch .pt/.pth checkpoint or a .tlgui project)",
    }
    for magic, kind in signatures.items():
        if prefix.startswith(magic):
            return kind
    if prefix[:1] == b"\x80" and prefix[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a pickled PyTorch checkpoint (.pth), which tlgui never opens because it can run code"
    return None


def parse_header(raw: bytes, size: int, where: str) -> ModelHeader:
    """Check the JSON header ``raw`` (the bytes after the length prefix) of a ``size``-byte file.

    Raises ModelFileError unless the metadata, the tensor table and the payload's extent are all
    valid. Whether the tensors fit the named backbone is checked when the network is built.
    """
    data_start = 8 + len(raw)
    header = _loads(raw, where)
    if not isinstance(header, dict):
        raise ModelFileError(_(
            "{where} is not a tlgui model file (its header is not a JSON object)."
        ).format(where=where))
    meta = _tlgui_metadata(header, where)
    table = {key: value for key, value in header.items() if key != "__metadata__"}
    try:
        tensors = tensor_entries(table)
    except InvalidContent as exc:
        raise ModelFileError(_(
            "{where} is damaged: its tensor table is invalid ({exc})."
        ).format(where=where, exc=exc)) from None
    _check_extent(tensors, data_start, size, where)
    try:
        check_metadata(meta, tensors)
    except InvalidContent as exc:
        raise ModelFileError(_("{where} is damaged: {exc}.").format(where=where, exc=exc)) from None
    return ModelHeader(meta, tensors, table, data_start, size - data_start)


def _loads(text: bytes | str, where: str):
    try:
        return loads_json_limited(text, where=where)
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None


def _tlgui_metadata(header: dict, where: str) -> dict:
    """Our metadata from the header: format, version and the checksum field its version needs."""
    extra = header.get("__metadata__")
    raw = extra.get(METADATA_KEY) if isinstance(extra, dict) else None
    if not isinstance(raw, str):
        raise ModelFileError(
            _(
                "{where} is a safetensors file but not a tlgui model (it has no tlgui metadata)."
            ).format(where=where)
        )
    meta = _loads(raw, where)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(_(
            "{where} is not a tlgui model file (unknown format)."
        ).format(where=where))
    # The version check quotes tlgui_version in its message: only text that prints safely.
    made_by = meta.get("tlgui_version")
    printable = isinstance(made_by, str) and len(made_by) <= 40 and made_by.isprintable()
    version_fields = {
        "format_version": meta.get("format_version"),
        "tlgui_version": made_by if printable and _is_utf8(made_by) else None,
    }
    check_format_version(version_fields, where, kind=N_("model"), supported=MODEL_FORMAT_VERSION)
    required = (*_REQUIRED_FIELDS, CHECKSUM_FIELDS[meta["format_version"]])
    missing = [name for name in required if name not in meta]
    if missing:
        raise ModelFileError(_(
            "{where} is damaged: its metadata lacks {names}."
        ).format(where=where, names=', '.join(missing)))
    if not isinstance(meta[required[-1]], str) or not _HEX_DIGEST.fullmatch(meta[required[-1]]):
        raise ModelFileError(_(
            "{where} is damaged: its checksum is not a SHA-256 digest."
        ).format(where=where))
    return meta


# ---- the tensor table -------------------------------------------------------------------------
def tensor_entries(table: dict) -> dict[str, TensorEntry]:
    """Each tensor's entry, type-checked, sized by its dtype and shape; InvalidContent if not."""
    tensors: dict[str, TensorEntry] = {}
    for name, entry in table.items():
        if not _is_utf8(name):
            raise InvalidContent(f"the tensor name {_short(name)} is not valid Unicode")
        if not isinstance(entry, dict) or entry.keys() != {"dtype", "shape", "data_offsets"}:
            raise InvalidContent(f"the entry for {_short(name)} is not a dtype, shape and offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPE_SIZES:
            raise InvalidContent(f"{_short(name)} has the dtype {_short(dtype)}, which tlgui does not write")
        if not isinstance(shape, list) or len(shape) > MAX_TENSOR_DIMS or not all(map(_is_count, shape)):
            raise InvalidContent(f"the shape of {_short(name)} is not a list of sizes")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_count, offsets)):
            raise InvalidContent(f"the offsets of {_short(name)} are not two byte positions")
        tensor = TensorEntry(dtype, tuple(shape), offsets[0], offsets[1])
        item = DTYPE_SIZES[dtype]
        if tensor.end - tensor.begin != tensor.numel * item or tensor.begin % item:
            raise InvalidContent(f"the byte range of {_short(name)} does not match its shape and dtype")
        tensors[name] = tensor
    return tensors


def _check_extent(tensors: dict[str, TensorEntry], data_start: int, size: int, where: str) -> None:
    """The tensors must tile the payload exactly: no gap, no overlap, nothing after the last one."""
    end = max((t.end for t in tensors.values()), default=0)
    if data_start + end > size:
        raise ModelFileError(
            _(
                "{where} is truncated: {value:,} bytes of weights are missing (was the copy or "
                "download interrupted?)."
            ).format(where=where, value=data_start + end - size)
        )
    if data_start + end < size:
        raise ModelFileError(_(
            "{where} is damaged: it has unexpected bytes after the weights."
        ).format(where=where))
    position = 0
    for tensor in sorted(tensors.values(), key=lambda t: (t.begin, t.end)):
        if tensor.begin != position:
            raise ModelFileError(_(
                "{where} is damaged: its tensors overlap or leave gaps in the weights."
            ).format(where=where))
        position = tensor.end


# ---- the metadata -----------------------------------------------------------------------------
def check_metadata(meta: dict, tensors: dict[str, TensorEntry]) -> None:
    """Every field tlgui reads has the right type and sane bounds, and fits the tensors' head.

    Raises InvalidContent with the reason. Used on files being read and on models being written,
    so tlgui never writes a file it would refuse.
    """
    names = _class_names(meta["class_names"])
    _check_head(tensors, len(names))
    backbone = meta["backbone_id"]
    if not isinstance(backbone, str) or not 0 < len(backbone) <= MAX_BACKBONE_ID_CHARS:
        raise InvalidContent("it does not say which backbone it uses")
    check_preprocessing(meta["preprocessing"])
    for optional in ("created", "tlgui_version"):
        if not isinstance(meta.get(optional, ""), str):
            raise InvalidContent(f"its {optional} field is not text")
    _check_section(meta.get("metrics"), "metrics", _METRIC_FIELDS)
    _check_section(meta.get("training"), "training", _TRAINING_FIELDS)
    _check_per_class(meta.get("metrics") or {}, names)
    canonical_json(meta)  # text that cannot be written as UTF-8 (lone surrogates) is refused here


def _class_names(names: object) -> list[str]:
    if not isinstance(names, list) or not names:
        raise InvalidContent("its class names are missing or invalid")
    if len(names) > MAX_CLASSES:
        raise InvalidContent(f"it names {len(names):,} classes; a tlgui model has at most {MAX_CLASSES:,}")
    if not all(isinstance(n, str) and 0 < len(n) <= MAX_CLASS_NAME_LENGTH for n in names):
        raise InvalidContent(f"its class names are not all text of 1 to {MAX_CLASS_NAME_LENGTH} characters")
    for number, name in enumerate(names, 1):
        flaw = name_flaw(name)
        if flaw is not None:
            raise InvalidContent(f"its class name {number} {_NAME_FLAWS[flaw.kind]}".format(code=flaw.code))
    if len(set(names)) != len(names):
        raise InvalidContent("its class names are not all different")
    return names


# What a class name read from a file may not hold is the names rule (``tlgui.core.names``); a file is
# refused, not cleaned, so that the names a model shows are the names it was trained and signed with.
_NAME_FLAWS = {
    FlawKind.NOT_UNICODE: "is not valid Unicode",
    FlawKind.CONTROL: "holds a line break or another control character ({code})",
    FlawKind.INVISIBLE: "holds an invisible character that hides or reorders text ({code})",
    FlawKind.BLANK: "shows nothing",
    FlawKind.PADDED: "starts or ends with a space or joiner ({code})",
    FlawKind.UNCOMPOSED: "is not in Unicode's composed form (NFC)",
}


def _check_head(tensors: dict[str, TensorEntry], n_classes: int) -> None:
    weight, bias = tensors.get(HEAD_WEIGHT), tensors.get(HEAD_BIAS)
    if weight is None or bias is None or len(weight.shape) != 2 or bias.shape != weight.shape[:1]:
        raise InvalidContent("its weights lack a classifier head")
    if weight.shape[0] != n_classes:
        raise InvalidContent(
            f"its weights do not fit its {n_classes:,} class names (the classifier head has "
            f"{weight.shape[0]:,} rows)"
        )


def check_preprocessing(pre: object) -> None:
    """Preprocessing settings of the right types, within bounds prediction can afford."""
    if not isinstance(pre, dict) or pre.keys() != _PREPROCESSING_KEYS:
        raise InvalidContent("its preprocessing settings are invalid")
    size, resize = pre["input_size"], pre["resize_size"]
    if not (_is_int(size) and MIN_INPUT_SIZE <= size <= MAX_INPUT_SIZE):
        raise InvalidContent(
            f"its preprocessing settings are invalid (the input size must be {MIN_INPUT_SIZE} to "
            f"{MAX_INPUT_SIZE} pixels, not {_short(size)})"
        )
    if not (_is_int(resize) and size <= resize <= MAX_RESIZE_SIZE):
        raise InvalidContent(
            f"its preprocessing settings are invalid (the resize size must be {size} to "
            f"{MAX_RESIZE_SIZE} pixels, not {_short(resize)})"
        )
    if not _three(pre["mean"], lambda v: -10 <= v <= 10) or not _three(pre["std"], lambda v: 1e-3 <= v <= 10):
        raise InvalidContent("its preprocessing settings are invalid (mean or std out of range)")
    if not isinstance(pre["interpolation"], str) or pre["interpolation"] not in _INTERPOLATIONS:
        raise InvalidContent("its preprocessing settings are invalid (unknown interpolation)")


def _three(values: object, within: Callable[[float], bool]) -> bool:
    return (
        isinstance(values, list)
        and len(values) == 3
        and all(_is_real(v) and math.isfinite(v) and within(v) for v in values)
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_count(value: object) -> bool:
    return _is_int(value) and value >= 0


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count_or_none(value: object) -> bool:
    return value is None or _is_count(value)


def _real_or_none(value: object) -> bool:
    return value is None or _is_real(value)


def _fraction(value: object) -> bool:
    return _is_real(value) and 0 <= value <= 1


def _history(value: object) -> bool:
    # One row per epoch: counts, losses, accuracy, seconds, whether it was the best (a bool), and
    # the phase it belonged to (a short name such as "head").
    return isinstance(value, list) and all(
        isinstance(row, dict)
        and all(v is None or isinstance(v, int | float) or (isinstance(v, str) and len(v) <= 32) for v in row.values())
        for row in value
    )


def _timings(value: object) -> bool:
    return isinstance(value, dict) and all(_is_real(v) and 0 <= v < math.inf for v in value.values())


# Fields of the free-form summaries that the window and ``tlgui inspect`` format: (check, "what").
# Other fields may hold any JSON: nothing reads them.
_METRIC_FIELDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "accuracy": (_fraction, "a fraction from 0 to 1"),
    "best_epoch": (_count_or_none, "a count"),
    "epochs_run": (_count_or_none, "a count"),
    "train_images": (_count_or_none, "a count"),
    "val_images": (_count_or_none, "a count"),
    "val_loss": (_real_or_none, "a number"),
}
_TRAINING_FIELDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "config": (lambda v: isinstance(v, dict), "a set of settings"),
    "regime": (lambda v: isinstance(v, str), "text"),
    "device": (lambda v: isinstance(v, str), "text"),
    "freeze_level": (_count_or_none, "a count"),
    "trainable_parameters": (_is_count, "a count"),
    "total_parameters": (_is_count, "a count"),
    "history": (_history, "a list of epochs"),
    "timings": (_timings, "a set of durations"),
}


def _check_section(section: object, name: str, fields: dict) -> None:
    if section is None:
        return
    if not isinstance(section, dict):
        raise InvalidContent(f"its {name} summary is invalid")
    for key, (valid, what) in fields.items():
        if key in section and not valid(section[key]):
            raise InvalidContent(f"its {name} summary is invalid ({key} is not {what})")


def _check_per_class(metrics: dict, names: list[str]) -> None:
    """Precision and recall per class name, and a square confusion matrix of counts."""
    per_class = [key for key in ("precision", "recall") if key in metrics]
    if per_class and len(per_class) != 2:
        raise InvalidContent("its metrics summary is invalid (it has precision or recall without the other)")
    for key in per_class:
        values = metrics[key]
        valid = isinstance(values, dict) and values.keys() == set(names)
        if not valid or not all(map(_is_real, values.values())):
            raise InvalidContent(f"its metrics summary is invalid ({key} is not a number per class)")
    if "confusion" in metrics:
        rows = metrics["confusion"]
        if not (
            isinstance(rows, list)
            and len(rows) == len(names)
            and all(isinstance(r, list) and len(r) == len(names) and all(map(_is_count, r)) for r in rows)
        ):
            raise InvalidContent("its metrics summary is invalid (confusion is not a square table of counts)")


# ---- integrity --------------------------------------------------------------------------------
def canonical_json(value: object) -> bytes:
    """The one byte form of a JSON value that format 2 signs; InvalidContent for non-UTF-8 text."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidContent("its metadata holds text that is not valid Unicode") from None


def new_checksum_hasher(meta: dict, table: dict, version: int):
    """SHA-256 primed with what format ``version`` signs besides the payload (nothing for format 1)."""
    hasher = hashlib.sha256()
    if version >= 2:
        unsigned = {key: value for key, value in meta.items() if key != CHECKSUM_FIELDS[2]}
        signed = canonical_json({"metadata": unsigned, "tensors": table})
        hasher.update(_SIGNATURE + len(signed).to_bytes(8, "little") + signed)
    return hasher


def _short(value: object) -> str:
    """A file's value quoted for a message: escaped (no line breaks, no unprintable text), short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
