"""Save and load a Classifier as one safetensors file; never unpickles anything.

Layout: a standard safetensors file whose tensors are the full ``StagedNetwork`` state dict (fp32)
and whose header ``__metadata__`` holds one key, ``"tlgui"``: a JSON string with the format name and
version, class names, backbone id, preprocessing, metrics, training summary and a SHA-256 over the
metadata and the tensors (``model_header`` describes it), so a flipped byte is caught, not silently
loaded. Other safetensors tools can read the weights; tlgui refuses any file without its metadata.

Reading trusts nothing: the file must be a regular file of bounded size; its header is checked
completely (``model_header``) and its checksum verified before a network is built; the built
network's keys, shapes and dtypes must match the tensor table before the weights are read into
memory; every weight must be a finite number, every batch norm's running variance at least zero
and every index a table of positions holds inside that table (``_check_payload``): values no
training gives, that would make finite weights compute NaN or stop the network with an error.
Memory never exceeds what the valid model needs.

The bytes helpers (``classifier_to_bytes`` / ``classifier_from_bytes``) let the project file embed
exactly the bytes a model file holds, checked the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
import torch
from safetensors.torch import save as safetensors_to_bytes

import tlgui
from tlgui.core.backbones.catalogue import backbone_skeleton, get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.errors import ModelFileError, TlguiError
from tlgui.core.files.atomic import atomic_write_bytes
from tlgui.core.files.limits import FileLimitError, open_regular
from tlgui.core.files.versions import MODEL_FORMAT_VERSION
from tlgui.core.i18n import _
from tlgui.core.models.classifier import Classifier, created_now
from tlgui.core.models.model_header import (
    CHECKSUM_FIELDS,
    FORMAT_NAME,
    MAX_HEADER_BYTES,
    METADATA_KEY,
    InvalidContent,
    ModelHeader,
    TensorEntry,
    check_metadata,
    header_length,
    new_checksum_hasher,
    parse_header,
    tensor_entries,
)
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

#: ViT-B/16, the largest catalogue backbone, takes 330 MB; its 1,000-class head and header a few more.
MAX_MODEL_FILE_BYTES = 1024 * 1024 * 1024
_CHUNK_BYTES = 1 << 20
_TORCH_DTYPES = {"F32": torch.float32, "I64": torch.int64}


# ---- writing ------------------------------------------------------------------------------------
def save_classifier(classifier: Classifier, path: Path | str) -> None:
    """Write ``classifier`` to ``path`` atomically: a failed save leaves any old file intact."""
    atomic_write_bytes(path, classifier_to_bytes(classifier))


def classifier_to_bytes(classifier: Classifier) -> bytes:
    """The exact bytes of a model file for ``classifier`` (what ``save_classifier`` writes).

    Raises ModelFileError for a model tlgui would refuse to open again (weights that are not finite
    numbers, too many classes, a summary of the wrong shape), so no such file is ever written.
    """
    tensors = _state_tensors(classifier.network)
    _check_finite(tensors)
    # The payload and the tensor table do not depend on the metadata, so serialise without it
    # first, sign metadata + table + payload, then write the real file with the digest inside.
    bare = safetensors_to_bytes(tensors)
    start = 8 + int.from_bytes(bare[:8], "little")
    table = json.loads(bare[8:start])
    meta = _metadata(classifier)
    try:
        check_metadata(meta, tensor_entries(table))
    except InvalidContent as exc:
        raise ModelFileError(_("The model cannot be saved: {exc}.").format(exc=exc)) from None
    hasher = new_checksum_hasher(meta, table, MODEL_FORMAT_VERSION)
    hasher.update(memoryview(bare)[start:])
    del bare
    meta[CHECKSUM_FIELDS[MODEL_FORMAT_VERSION]] = hasher.hexdigest()
    # Compact: a 1,000-class confusion matrix is a million numbers.
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    data = safetensors_to_bytes(tensors, metadata={METADATA_KEY: text})
    header_bytes = int.from_bytes(data[:8], "little")
    if header_bytes > MAX_HEADER_BYTES:
        raise ModelFileError(
            _(
                "The model cannot be saved: its header would take {header_bytes:,} bytes, more than "
                "the {header_bytes2:,} a model file may have (is its training summary unusually "
                "large?)."
            ).format(header_bytes=header_bytes, header_bytes2=MAX_HEADER_BYTES)
        )
    return data


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


def _metadata(classifier: Classifier) -> dict:
    meta = {
        "format": FORMAT_NAME,
        "format_version": MODEL_FORMAT_VERSION,
        "class_names": list(classifier.class_names),
        "backbone_id": classifier.backbone_id,
        "preprocessing": classifier.preprocessing.to_dict(),
        "metrics": classifier.metrics.to_dict(),
        "training": classifier.training.to_dict(),
        "created": classifier.created or created_now(),
        "tlgui_version": tlgui.__version__,
    }
    # Signed as the reader will parse it: a numpy or torch scalar becomes its number now, a stray
    # Path its text, tuples lists, so the digest is computed over exactly what will be read back.
    return json.loads(json.dumps(meta, ensure_ascii=False, default=_json_value))


def _json_value(value: object) -> object:
    if isinstance(value, np.generic | np.ndarray | torch.Tensor):
        return value.tolist()  # a scalar's tolist() is its Python number
    return str(value)


# ---- reading ------------------------------------------------------------------------------------
def load_classifier(path: Path | str) -> Classifier:
    """Open a model file. Raises ``ModelFileError`` for anything that is not an intact tlgui model."""
    where = str(path)
    with _open_model(path) as (handle, size):
        header = _read_header(handle, size, where)
        _check_backbone_known(header, where)
        # Streamed first, so that a damaged file is refused before a network or the weights take
        # memory; checked again below on the bytes actually loaded, in case the file changed between.
        _check_payload(header, _file_chunks(handle, header.data_start, where), where)
        network = _build_network(header, where)
        handle.seek(header.data_start)
        payload = bytearray(header.payload_size)
        if handle.readinto(payload) != header.payload_size:
            raise ModelFileError(_("{where} changed while it was being read.").format(where=where))
    _check_payload(header, _memory_chunks(memoryview(payload)), where)
    return _classifier(header, network, payload, where)


def read_model_info(path: Path | str) -> dict:
    """The metadata only (classes, backbone, metrics...), read from the header without the weights.

    Adds ``file_size_bytes``. The header is checked as fully as ``load_classifier`` checks it, and
    the checksum and the weights' finiteness too, streamed (the weights are never all in memory);
    only whether the weights fit the named backbone is left to ``load_classifier``, which builds it.
    """
    where = str(path)
    with _open_model(path) as (handle, size):
        header = _read_header(handle, size, where)
        _check_payload(header, _file_chunks(handle, header.data_start, where), where)
    return {**header.meta, "file_size_bytes": size}


def classifier_from_bytes(data: bytes, *, source: str = "the model file") -> Classifier:
    """Rebuild a Classifier from model-file bytes; ``source`` names the file in error messages."""
    if len(data) > MAX_MODEL_FILE_BYTES:
        raise ModelFileError(_(
            "{source} is {count:,} bytes, more than a tlgui model can be."
        ).format(source=source, count=len(data)))
    length = header_length(bytes(data[:9]), len(data), source)
    header = parse_header(bytes(data[8 : 8 + length]), len(data), source)
    _check_backbone_known(header, source)
    payload = memoryview(data)[header.data_start :]
    _check_payload(header, _memory_chunks(payload), source)
    network = _build_network(header, source)
    # The network's tensors will be views of the payload: a copy of its own, writable and aligned,
    # never the caller's bytes (read-only, and a project's zip member may start anywhere).
    return _classifier(header, network, bytearray(payload), source)


@contextlib.contextmanager
def _open_model(path: Path | str) -> Iterator[tuple[IO[bytes], int]]:
    """``with _open_model(path) as (handle, size)``: a regular file of bounded size, or ModelFileError.

    A read that fails inside the block (a disk error) is one sentence too.
    """
    try:
        with open_regular(path, MAX_MODEL_FILE_BYTES, what="model file") as handle:
            yield handle, os.fstat(handle.fileno()).st_size
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    except OSError as exc:
        raise ModelFileError(_(
            "Could not read the model file {path}: {reason}."
        ).format(path=path, reason=exc.strerror or exc)) from None


def _read_header(handle: IO[bytes], size: int, where: str) -> ModelHeader:
    prefix = handle.read(9)
    length = header_length(prefix, size, where)
    raw = prefix[8:] + handle.read(length - 1)
    if len(raw) != length:
        raise ModelFileError(_("{where} changed while it was being read.").format(where=where))
    return parse_header(raw, size, where)


ChunksOf = Callable[[int, int], Iterable[bytes | memoryview]]


def _file_chunks(handle: IO[bytes], data_start: int, where: str) -> ChunksOf:
    """Payload bytes ``begin:end`` read from the file in chunks, never all at once."""

    def chunks(begin: int, end: int) -> Iterator[bytes]:
        handle.seek(data_start + begin)
        left = end - begin
        while left:
            chunk = handle.read(min(left, _CHUNK_BYTES))
            if not chunk:
                raise ModelFileError(_(
                    "{where} changed while it was being read."
                ).format(where=where))
            left -= len(chunk)
            yield chunk

    return chunks


def _memory_chunks(payload: memoryview) -> ChunksOf:
    def chunks(begin: int, end: int) -> Iterator[memoryview]:
        for start in range(begin, end, _CHUNK_BYTES):
            yield payload[start : min(start + _CHUNK_BYTES, end)]

    return chunks


def _check_payload(header: ModelHeader, chunks_of: ChunksOf, where: str) -> None:
    """Verify the checksum and the weights' values, one chunk of a tensor at a time.

    Every float weight must be finite; every batch norm's running variance (``*.running_var``,
    which only batch norms hold in every catalogue network) at least zero, as any training leaves
    it: a negative one makes the norm divide by the square root of a negative number, NaN from
    finite weights; every relative position index (Swin's ``*.relative_position_index``) must point
    into its ``relative_position_bias_table``, or the network stops with an IndexError (on a GPU, a
    device assert). ``num_batches_tracked`` needs no check: no catalogue norm has ``momentum=None``,
    the only case that reads it, and never at inference.

    The tensors tile the payload, so reading them in order hashes exactly the payload. A damaged
    file is called damaged even when the damage also made a weight NaN: the checksum speaks first;
    then the first tensor, in file order, whose values are impossible is named.
    """
    hasher = header.checksum_hasher()
    problem: _Problem | None = None
    for name, entry in sorted(header.tensors.items(), key=lambda item: item[1].begin):
        check = _value_check(name, entry, header.tensors)
        for chunk in chunks_of(entry.begin, entry.end):
            hasher.update(chunk)
            if problem is None and check is not None:
                problem = check(chunk)
    header.check_checksum(hasher.hexdigest(), where)
    if problem is not None:
        raise ModelFileError(_problem_sentence(problem, where))


# What is wrong with a tensor's values: (kind, tensor name, the table's rows for "index").
_Problem = tuple[str, str, int]
_ValueCheck = Callable[[bytes | memoryview], _Problem | None]


def _value_check(name: str, entry: TensorEntry, tensors: dict[str, TensorEntry]) -> _ValueCheck | None:
    """What each chunk of tensor ``name`` must hold: a function giving the problem when it does
    not, or None when its values need no check."""
    leaf = name.rpartition(".")[2]
    if entry.dtype == "F32":
        variance = leaf == "running_var"

        def weights(chunk: bytes | memoryview) -> _Problem | None:
            if not _all_finite(chunk):
                return ("not finite", name, 0)
            if variance and not _all_at_least_zero(chunk):
                return ("negative variance", name, 0)
            return None

        return weights
    if entry.dtype == "I64" and leaf == "relative_position_index":
        table = tensors.get(name[: -len(leaf)] + "relative_position_bias_table")
        if table is None or not table.shape:
            return None  # not the network's layout: refused when the network is built (``_build_network``)
        rows = table.shape[0]

        def positions(chunk: bytes | memoryview) -> _Problem | None:
            indices = np.frombuffer(chunk, dtype="<i8")
            if indices.size and (indices.min() < 0 or indices.max() >= rows):
                return ("index", name, rows)
            return None

        return positions
    return None


def _problem_sentence(problem: _Problem, where: str) -> str:
    kind, name, rows = problem
    if kind == "negative variance":
        return _(
            "{where} cannot be used: {name} holds negative variances, which no training gives, so its "
            "predictions would be meaningless."
        ).format(where=where, name=name)
    if kind == "index":
        return _(
            "{where} cannot be used: {name} points outside its table of {rows:,} relative positions, so "
            "the network could not run."
        ).format(where=where, name=name, rows=rows)
    return _(
        "{where} cannot be used: its weights are not all finite numbers ({not_finite} holds "
        "NaN or infinity), so its predictions would be meaningless."
    ).format(where=where, not_finite=name)


def _all_finite(values: bytes | memoryview | torch.Tensor) -> bool:
    """Whether fp32 ``values`` (little-endian bytes, or a CPU tensor) are all finite.

    numpy's single-threaded check: on a busy machine torch.isfinite measured 20 to 100 times slower.
    """
    return bool(np.isfinite(_fp32_array(values)).all())


def _all_at_least_zero(values: bytes | memoryview | torch.Tensor) -> bool:
    """Whether fp32 ``values`` are all at least zero (-0.0 included); NaN is not."""
    return bool((_fp32_array(values) >= 0).all())


def _fp32_array(values: bytes | memoryview | torch.Tensor) -> np.ndarray:
    return values.numpy() if isinstance(values, torch.Tensor) else np.frombuffer(values, dtype="<f4")


def _check_backbone_known(header: ModelHeader, where: str) -> None:
    backbone_id = header.meta["backbone_id"]
    try:
        get_spec(backbone_id)
    except (LookupError, TlguiError):
        raise ModelFileError(
            _(
                "{where} uses the backbone {backbone_id!r}, which this version of tlgui does not know."
            ).format(where=where, backbone_id=backbone_id)
        ) from None


def _build_network(header: ModelHeader, where: str) -> StagedNetwork:
    """The architecture's skeleton with our head, checked against the tensor table.

    A skeleton (``backbone_skeleton``: on the meta device, no pretrained weights read, no random
    initialisation) because the file's weights replace every tensor in it. Its size is the
    catalogue's and the head's (at most MAX_CLASSES rows, already matched to the table), so nothing
    here grows with what the file claims.
    """
    backbone_id, n_classes = header.meta["backbone_id"], len(header.class_names)
    network = replace_head(backbone_skeleton(backbone_id), n_classes)
    mismatch = _table_mismatch(network.state_dict(), header.tensors)
    if mismatch:
        raise ModelFileError(
            _(
                "{where} is damaged: its weights do not fit the {backbone_id} network with {n_classes} "
                "classes ({mismatch})."
            ).format(where=where, backbone_id=backbone_id, n_classes=n_classes, mismatch=mismatch)
        )
    fixed = _fixed_input_size(network)
    size = header.meta["preprocessing"]["input_size"]
    if fixed is not None and size != fixed:
        raise ModelFileError(
            _(
                "{where} is damaged: its preprocessing says {size} px inputs, but {backbone_id} takes "
                "{fixed} px only."
            ).format(where=where, size=size, backbone_id=backbone_id, fixed=fixed)
        )
    return network


def _table_mismatch(expected: dict[str, torch.Tensor], tensors: dict[str, TensorEntry]) -> str | None:
    """The first difference between the network's state dict and the file's tensor table, in words."""
    missing = [key for key in expected if key not in tensors]
    if missing:
        return f"{len(missing)} weights are missing, e.g. {missing[0]!r}"
    extra = [key for key in tensors if key not in expected]
    if extra:
        return f"it has {len(extra)} weights the network does not, e.g. {extra[0]!r}"
    for key, value in expected.items():
        entry = tensors[key]
        if entry.shape != tuple(value.shape) or _TORCH_DTYPES[entry.dtype] != _stored_dtype(value):
            return f"{key} is {entry.dtype} {list(entry.shape)} instead of {list(value.shape)}"
    return None


def _stored_dtype(value: torch.Tensor) -> torch.dtype:
    return torch.float32 if value.is_floating_point() else value.dtype


def _fixed_input_size(network: torch.nn.Module) -> int | None:
    """The one input size a network accepts, for those that take only one (ViT's ``image_size``)."""
    for module in network.modules():
        size = getattr(module, "image_size", None)
        if isinstance(size, int):
            return size
    return None


def _classifier(header: ModelHeader, network: StagedNetwork, payload: bytearray, where: str) -> Classifier:
    """The network with the file's weights: the payload's tensors become its own (``assign``), no copy."""
    tensors = _tensors(header, payload)
    try:
        network.load_state_dict(tensors, strict=True, assign=True)
    except RuntimeError as exc:  # the table was matched to the network; kept as a last guard
        raise ModelFileError(_(
            "{where} is damaged: its weights do not fit the network ({exc})."
        ).format(where=where, exc=exc)) from None
    meta = header.meta
    metrics, training = model_summaries(meta, where)
    return Classifier(
        network=network.eval(),
        class_names=list(meta["class_names"]),
        backbone_id=meta["backbone_id"],
        preprocessing=Preprocessing.from_dict(meta["preprocessing"]),
        metrics=metrics,
        training=training,
        created=meta.get("created") or None,
    )


def model_summaries(meta: dict, where: str) -> tuple[ModelMetrics, TrainingSummary]:
    """The typed metrics and training summaries of a model's metadata (``read_model_info``)."""
    try:
        metrics = ModelMetrics.from_dict(meta.get("metrics") or {}, meta["class_names"])
    except ValueError as exc:
        raise ModelFileError(_(
            "{where} is damaged: its metrics summary is invalid ({exc})."
        ).format(where=where, exc=exc)) from exc
    try:
        training = TrainingSummary.from_dict(meta.get("training") or {})
    except ValueError as exc:
        raise ModelFileError(_(
            "{where} is damaged: its training summary is invalid ({exc})."
        ).format(where=where, exc=exc)) from exc
    return metrics, training


def _tensors(header: ModelHeader, payload: bytearray) -> dict[str, torch.Tensor]:
    """Views of the payload as tensors, by the checked table (safetensors stores little-endian).

    The payload is a buffer of its own (malloc-aligned) and safetensors writes the widest dtypes
    first, so the views are aligned; a tensor another writer left unaligned gets an aligned copy.
    """
    out: dict[str, torch.Tensor] = {}
    for name, entry in header.tensors.items():
        dtype = _TORCH_DTYPES[entry.dtype]
        if entry.numel == 0:
            out[name] = torch.empty(entry.shape, dtype=dtype)
            continue
        flat = torch.frombuffer(payload, dtype=dtype, count=entry.numel, offset=entry.begin)
        if entry.begin % flat.element_size():
            flat = flat.clone()
        out[name] = flat.view(entry.shape)
    return out


def _check_finite(tensors: dict[str, torch.Tensor]) -> None:
    """Refuse to write NaN and infinite weights, or negative running variances: the file would be
    refused when opened (``_check_payload``)."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not _all_finite(tensor):
            raise ModelFileError(
                _(
                    "The model cannot be saved: its weights are not all finite numbers ({name} holds "
                    "NaN or infinity); training went wrong, so train it again, perhaps with a lower "
                    "learning rate."
                ).format(name=name)
            )
        if tensor.is_floating_point() and name.rpartition(".")[2] == "running_var" and not _all_at_least_zero(tensor):
            raise ModelFileError(
                _(
                    "The model cannot be saved: {name} holds negative variances, which no training "
                    "gives; train it again."
                ).format(name=name)
            )
