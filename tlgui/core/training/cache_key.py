"""The one place that says under which key a photo's activations are cached.

    namespace = backbone | fingerprint of the frozen weights | view recipe | boundary stage
                | precision the trunk ran in | key scheme
    entry key = digest of the bytes that were decoded : view number

An entry is keyed by the bytes actually decoded, never by the digest the folder scan recorded: a
photo edited after the scan would otherwise store features of its new pixels under its old
identity, and a later, unrelated run holding the old photo would reuse them.

Knowing a photo's digest costs reading the whole file, which is what a warm retrain must not do.
So every time a photo's bytes are read and hashed, its stamp (inode, size, modification and change
times in nanoseconds) is remembered with the digest, in the cache itself; a later run trusts the
digest only while the stamp is unchanged, and reads and hashes the file again otherwise. Any write
to the file changes its change time, which no program can set back. A photo modified in the last
couple of seconds before it was read is not remembered: file systems with coarse timestamps (2 s
on FAT) could give a second edit in the same tick the same stamp ("racy git").
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tlgui.core.files.stamps import FileStamp, file_stamp

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork
    from tlgui.core.training.feature_cache import FeatureCache

# 2: entries keyed by the bytes decoded. Version 1 trusted the scan's digest, so its entries may hold
# features of other bytes: a new namespace leaves them to age out of the cache.
KEY_SCHEME_VERSION = 2

# Where the stamp -> digest records live in the feature cache (one small entry per photo).
STAMP_NAMESPACE = "photo-digests/1"

def cache_namespace(net: StagedNetwork, boundary: int, recipe_key: str, precision: str = "fp32") -> str:
    """Backbone, a fingerprint of the frozen weights, the view recipe (``ViewRecipe.key()``), the
    boundary, the precision the trunk ran in (bf16 activations differ slightly from fp32 ones) and
    the key scheme."""
    digest = hashlib.blake2b(digest_size=12)
    frozen = tuple(f"stages.{k}." for k in list(net.stages.keys())[:boundary])
    for key, tensor in net.state_dict().items():
        if key.startswith(frozen):
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return (
        f"{net.backbone_id}|{digest.hexdigest()}|{recipe_key}|{net.stage_names[boundary]}|{precision}"
        f"|k{KEY_SCHEME_VERSION}"
    )


def entry_key(digest: str, view: int) -> str:
    """The key of one view (0: plain centre crop, k: k-th augmented view) of the bytes with ``digest``."""
    return f"{digest}:{view}"


def current_stamps(paths: Iterable[Path]) -> dict[Path, FileStamp]:
    """Stamps of the paths that can be looked at (a vanished photo is found out when it is read)."""
    stamps = {path: file_stamp(path) for path in paths}
    return {path: stamp for path, stamp in stamps.items() if stamp is not None}


def _stamp_key(path: Path, stamp: FileStamp) -> str:
    return f"{_path_text(path)}|{stamp.inode}|{stamp.size}|{stamp.mtime_ns}|{stamp.ctime_ns}"


def _path_text(path: Path) -> str:
    """The path as text the cache can store. A file name that is not UTF-8 reaches Python with lone
    surrogates, which neither SQLite nor UTF-8 takes: their bytes are written as \\x escapes instead
    (the inode and times beside the path keep two files apart even if another's name is those escapes)."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    return text


def remembered_digests(cache: FeatureCache, stamps: Mapping[Path, FileStamp]) -> dict[Path, str]:
    """The digests recorded for these paths under exactly these stamps."""
    keys = {_stamp_key(path, stamp): path for path, stamp in stamps.items()}
    found = cache.get_many(STAMP_NAMESPACE, keys)
    digests = {}
    for key, array in found.items():
        try:
            digests[keys[key]] = array.tobytes().decode("ascii")
        except UnicodeDecodeError:
            continue  # not written by us: hash the file again
    return digests


def remember_digests(cache: FeatureCache, reads: Iterable[tuple[Path, FileStamp | None, str]]) -> None:
    """Record ``(path, stamp, digest)`` of files just read and hashed; a None stamp is not recorded."""
    arrays = {
        _stamp_key(path, stamp): np.frombuffer(digest.encode("ascii"), dtype=np.uint8)
        for path, stamp, digest in reads
        if stamp is not None
    }
    if arrays:
        cache.put_many(STAMP_NAMESPACE, arrays)
