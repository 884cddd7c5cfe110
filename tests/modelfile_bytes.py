"""Take model files apart and put them back together, to craft damaged and hostile ones in tests.

``signed`` recomputes the format-2 checksum from its description in ``tlgui.core.models.model_header``
(not with tlgui's code), as someone crafting a hostile file would: the checks behind the checksum
must hold on their own.
"""

from __future__ import annotations

import hashlib
import json
import struct

import safetensors.torch

from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import _state_tensors


def split(data: bytes) -> tuple[dict, bytes]:
    """The parsed header and the payload of a model file."""
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join(header: dict | str, payload: bytes) -> bytes:
    """A file from a header (a dict, or JSON text as is) and a payload; the header padded to 8 bytes."""
    raw = (header if isinstance(header, str) else json.dumps(header)).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + payload


def meta_of(data: bytes) -> dict:
    header, _ = split(data)
    return json.loads(header["__metadata__"]["tlgui"])


def signed(header: dict, payload: bytes) -> bytes:
    """The file with ``header`` and ``payload`` and a correct format-2 checksum."""
    meta = json.loads(header["__metadata__"]["tlgui"])
    meta.pop("integrity_sha256", None)
    table = {key: value for key, value in header.items() if key != "__metadata__"}
    signed_part = {"metadata": meta, "tensors": table}
    text = json.dumps(signed_part, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    form = text.encode("utf-8", "surrogatepass")  # tlgui refuses such text before it checks the sum
    digest = hashlib.sha256(b"tlgui-model-2\n" + struct.pack("<Q", len(form)) + form + payload)
    meta["integrity_sha256"] = digest.hexdigest()
    header = {**header, "__metadata__": {"tlgui": json.dumps(meta)}}
    return join(header, payload)


def with_meta(data: bytes, **changes) -> bytes:
    """The same file with fields of its metadata changed (None deletes a field), signed again."""
    header, payload = split(data)
    meta = json.loads(header["__metadata__"]["tlgui"])
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    header["__metadata__"]["tlgui"] = json.dumps(meta)
    return signed(header, payload)


def format_1_bytes(classifier: Classifier) -> bytes:
    """A model file as tlgui 0.1's format 1 wrote it: the checksum covers the payload only."""
    tensors = _state_tensors(classifier.network)
    bare = safetensors.torch.save(tensors)
    start = 8 + struct.unpack("<Q", bare[:8])[0]
    meta = {
        "format": "tlgui-model",
        "format_version": 1,
        "class_names": list(classifier.class_names),
        "backbone_id": classifier.backbone_id,
        "preprocessing": classifier.preprocessing.to_dict(),
        "metrics": classifier.metrics.to_dict(),
        "training": classifier.training.to_dict(),
        "created": "2025-01-01T00:00:00+00:00",
        "tlgui_version": "0.1.0",
        "payload_sha256": hashlib.sha256(bare[start:]).hexdigest(),
    }
    return safetensors.torch.save(tensors, metadata={"tlgui": json.dumps(meta, ensure_ascii=False)})
