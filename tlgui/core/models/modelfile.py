"""Save and load a Classifier as one safetensors file; never unpickles anything.

Layout: a standard safetensors file whose tensors are the full ``StagedNetwork`` state dict (fp32)
and whose header ``__metadata__`` holds one key, ``"tlgui"``: a JSON string with the format name and
version, class names, backbone id, preprocessing, metrics, training summary and a SHA-256 of the
tensor payload (so a flipped byte is caught, not silently loaded). Other safetensors tools can read
the weights; tlgui refuses any file without its metadata.

The bytes helpers (``classifier_to_bytes`` / ``classifier_from_bytes``) let the project file embed
exactly the bytes a model file holds.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import torch
from safetensors.torch import load as safetensors_from_bytes
from safetensors.torch import save as safetensors_to_bytes

import tlgui
from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.errors import ModelFileError, TlguiError
from tlgui.core.files.atomic import atomic_write_bytes
from tlgui.core.files.versions import MODEL_FORMAT_VERSION, check_format_version
from tlgui.core.models.classifier import Classifier
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

FORMAT_NAME = "tlgui-model"
METADATA_KEY = "tlgui"

# safetensors itself refuses headers above 100 MB; a bigger length prefix means "not our file".
_MAX_HEADER_BYTES = 100 * 1024 * 1024
_REQUIRED_FIELDS = ("class_names", "backbone_id", "preprocessing", "payload_sha256")


# ---- writing ------------------------------------------------------------------------------------
def save_classifier(classifier: Classifier, path: Path | str) -> None:
    """Write ``classifier`` to ``path`` atomically: a failed save leaves any old file intact."""
    atomic_write_bytes(path, classifier_to_bytes(classifier))


def classifier_to_bytes(classifier: Classifier) -> bytes:
    """The exact bytes of a model file for ``classifier`` (what ``save_classifier`` writes)."""
    tensors = _state_tensors(classifier.network)
    # The payload (everything after the header) does not depend on the metadata, so hash a
    # metadata-free serialisation first and then write the real file with the digest in its header.
    bare = safetensors_to_bytes(tensors)
    start = 8 + int.from_bytes(bare[:8], "little")
    digest = hashlib.sha256(memoryview(bare)[start:]).hexdigest()
    del bare
    meta = _metadata(classifier, digest)
    # default=str: a stray Path or numpy scalar in metrics must not make the save fail.
    text = json.dumps(meta, ensure_ascii=False, default=str)
    return safetensors_to_bytes(tensors, metadata={METADATA_KEY: text})


def _state_tensors(network: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The state dict on the CPU, floats as fp32; each tensor its own contiguous storage.

    safetensors refuses tensors that share storage (tied weights) or are non-contiguous
    (channels_last, views), hence the contiguous clone.
    """
    out: dict[str, torch.Tensor] = {}
    for name, value in network.state_dict().items():
        tensor = value.detach().to("cpu")
        if tensor.is_floating_point():
            tensor = tensor.to(torch.float32)
        out[name] = tensor.contiguous().clone()
    return out


def _metadata(classifier: Classifier, payload_sha256: str) -> dict:
    return {
        "format": FORMAT_NAME,
        "format_version": MODEL_FORMAT_VERSION,
        "class_names": list(classifier.class_names),
        "backbone_id": classifier.backbone_id,
        "preprocessing": classifier.preprocessing.to_dict(),
        "metrics": classifier.metrics.to_dict(),
        "training": classifier.training.to_dict(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "tlgui_version": tlgui.__version__,
        "payload_sha256": payload_sha256,
    }


# ---- reading ------------------------------------------------------------------------------------
def load_classifier(path: Path | str) -> Classifier:
    """Open a model file. Raises ``ModelFileError`` for anything that is not an intact tlgui model."""
    path = Path(path)
    return classifier_from_bytes(_read_file(path), source=str(path))


def read_model_info(path: Path | str) -> dict:
    """The metadata only (classes, backbone, metrics...), read from the header without the weights.

    Adds ``file_size_bytes``. Checks that the file is long enough for its weights, but does not hash
    them: ``load_classifier`` does.
    """
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            prefix = handle.read(9)
            length = _header_length(prefix, size, where)
            prefix += handle.read(length - 1)
    except OSError as exc:
        raise ModelFileError(f"Could not read the model file {where}: {exc.strerror or exc}.") from exc
    header, data_start = _parse_header(prefix, size, where)
    meta = _tlgui_metadata(header, where)
    _check_extent(header, data_start, size, where)
    return {**meta, "file_size_bytes": size}


def classifier_from_bytes(data: bytes, *, source: str = "the model file") -> Classifier:
    """Rebuild a Classifier from model-file bytes; ``source`` names the file in error messages."""
    header, data_start = _parse_header(data, len(data), source)
    meta = _tlgui_metadata(header, source)
    _check_extent(header, data_start, len(data), source)
    if hashlib.sha256(memoryview(data)[data_start:]).hexdigest() != meta["payload_sha256"]:
        raise ModelFileError(f"{source} is damaged: its weights do not match the checksum saved with them.")
    try:
        tensors = safetensors_from_bytes(data)
    except Exception as exc:  # safetensors raises its own SafetensorError and others
        raise ModelFileError(f"{source} is damaged: its weights cannot be read ({exc}).") from exc
    preprocessing = _preprocessing(meta, source)
    metrics, training = model_summaries(meta, source)
    network = _build_network(meta["backbone_id"], meta["class_names"], tensors, source)
    return Classifier(
        network=network,
        class_names=list(meta["class_names"]),
        backbone_id=meta["backbone_id"],
        preprocessing=preprocessing,
        metrics=metrics,
        training=training,
    )


def model_summaries(meta: dict, where: str) -> tuple[ModelMetrics, TrainingSummary]:
    """The typed metrics and training summaries of a model's metadata (``read_model_info``)."""
    try:
        metrics = ModelMetrics.from_dict(meta.get("metrics") or {}, meta["class_names"])
    except ValueError as exc:
        raise ModelFileError(f"{where} is damaged: its metrics summary is invalid ({exc}).") from exc
    try:
        training = TrainingSummary.from_dict(meta.get("training") or {})
    except ValueError as exc:
        raise ModelFileError(f"{where} is damaged: its training summary is invalid ({exc}).") from exc
    return metrics, training


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"The model file {path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise ModelFileError(f"{path} is a folder, not a model file.") from exc
    except OSError as exc:
        raise ModelFileError(f"Could not read the model file {path}: {exc.strerror or exc}.") from exc


def _header_length(prefix: bytes, size: int, where: str) -> int:
    """The header length from the file's first 9 bytes, or a clear error for empty and foreign files."""
    if size == 0:
        raise ModelFileError(f"{where} is empty (0 bytes); it is not a tlgui model file.")
    if len(prefix) < 9:
        raise ModelFileError(f"{where} is too short to be a tlgui model file ({size} bytes).")
    length = int.from_bytes(prefix[:8], "little")
    # Judge by the safetensors shape first: a valid length prefix can happen to start with bytes
    # that also begin some other format, so signatures only name what is already known to be foreign.
    if prefix[8:9] != b"{" or not 2 <= length <= _MAX_HEADER_BYTES:
        foreign = _foreign_kind(prefix)
        if foreign:
            raise ModelFileError(f"{where} is not a tlgui model file: it looks like {foreign}.")
        raise ModelFileError(f"{where} is not a tlgui model file (it is not in safetensors format).")
    if 8 + length > size:
        raise ModelFileError(f"{where} is truncated: the file ends inside its header.")
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


def _parse_header(data: bytes, size: int, where: str) -> tuple[dict, int]:
    """The safetensors JSON header and the offset where the tensor payload starts."""
    length = _header_length(data[:9], size, where)
    try:
        header = json.loads(bytes(data[8 : 8 + length]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{where} is not a tlgui model file (its header is not readable).") from exc
    if not isinstance(header, dict):
        raise ModelFileError(f"{where} is not a tlgui model file (its header is not readable).")
    return header, 8 + length


def _tlgui_metadata(header: dict, where: str) -> dict:
    """Our JSON metadata from the header, checked for format, version and required fields."""
    extra = header.get("__metadata__")
    raw = extra.get(METADATA_KEY) if isinstance(extra, dict) else None
    if not isinstance(raw, str):
        raise ModelFileError(
            f"{where} is a safetensors file but not a tlgui model (it has no tlgui metadata)."
        )
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{where} is damaged: its tlgui metadata is not readable.") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{where} is not a tlgui model file (unknown format).")
    check_format_version(meta, where, kind="model", supported=MODEL_FORMAT_VERSION)
    _check_fields(meta, where)
    return meta


def _check_fields(meta: dict, where: str) -> None:
    missing = [name for name in _REQUIRED_FIELDS if name not in meta]
    if missing:
        raise ModelFileError(f"{where} is damaged: its metadata lacks {', '.join(missing)}.")
    names = meta["class_names"]
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n for n in names)
        or len(set(names)) != len(names)
    ):
        raise ModelFileError(f"{where} is damaged: its class names are missing or invalid.")
    if not isinstance(meta["backbone_id"], str) or not meta["backbone_id"]:
        raise ModelFileError(f"{where} is damaged: it does not say which backbone it uses.")
    for optional in ("metrics", "training"):
        if meta.get(optional) is not None and not isinstance(meta[optional], dict):
            raise ModelFileError(f"{where} is damaged: its {optional} summary is invalid.")


def _check_extent(header: dict, data_start: int, size: int, where: str) -> None:
    """The payload must end exactly where the last tensor ends: catches truncated copies early."""
    try:
        end = max(
            (int(entry["data_offsets"][1]) for key, entry in header.items() if key != "__metadata__"),
            default=0,
        )
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise ModelFileError(f"{where} is damaged: its tensor table is invalid.") from exc
    if data_start + end > size:
        raise ModelFileError(
            f"{where} is truncated: {data_start + end - size} bytes of weights are missing "
            "(was the copy or download interrupted?)."
        )
    if data_start + end < size:
        raise ModelFileError(f"{where} is damaged: it has unexpected bytes after the weights.")


def _preprocessing(meta: dict, where: str) -> Preprocessing:
    try:
        pre = Preprocessing.from_dict(meta["preprocessing"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{where} is damaged: its preprocessing settings are invalid.") from exc
    if not all(math.isfinite(v) for v in (*pre.mean, *pre.std)) or min(pre.std) <= 0:
        raise ModelFileError(f"{where} is damaged: its preprocessing settings are invalid.")
    return pre


def _build_network(backbone_id: str, class_names: list[str], tensors: dict, where: str) -> StagedNetwork:
    """The bare architecture (no download), our head, then the saved weights, strictly."""
    try:
        get_spec(backbone_id)
    except (KeyError, ValueError, LookupError, TlguiError) as exc:
        raise ModelFileError(
            f"{where} uses the backbone '{backbone_id}', which this version of tlgui does not know."
        ) from exc
    network = create_backbone(backbone_id, pretrained=False, allow_download=False)
    replace_head(network, len(class_names))
    try:
        network.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(
            f"{where} is damaged: its weights do not fit the {backbone_id} network "
            f"with {len(class_names)} classes."
        ) from exc
    return network.eval()
