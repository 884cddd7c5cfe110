"""Pretrained weight files: the torch hub cache, downloads with progress, and user-supplied files.

Files live where torch hub keeps them (``torch.hub.get_dir()/checkpoints``, i.e.
``$TORCH_HOME/hub/checkpoints``) under the URL's basename, so weights fetched by torchvision itself
are found and ours are found by torchvision. Nothing here ever unpickles arbitrary objects:
``.pth`` files are read with ``torch.load(weights_only=True)`` and ``.safetensors`` with safetensors.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlparse

from tlgui.core.errors import ModelFileError, WeightsUnavailableError
from tlgui.core.files.atomic import atomic_writer
from tlgui.core.files.limits import FileLimitError, open_regular
from tlgui.core.i18n import N_, _
from tlgui.core.progress import CancelToken, Phase, ProgressFn, RateMeter

if TYPE_CHECKING:
    import torch


def urlopen(*args, **kwargs):
    """``urllib.request.urlopen``, imported when a download starts (http, email and ssl take tens of
    milliseconds, which the window's start need not pay). Tests replace this to serve bytes or simulate
    being offline without touching the network."""
    import urllib.request

    return urllib.request.urlopen(*args, **kwargs)


IMPORT_ACTION = N_("Import weights file…")
CHUNK_BYTES = 1 << 16
TIMEOUT_S = 30.0
# torch hub names files "<name>-<first hex digits of the sha256>.<ext>" and checks that prefix.
_HASH_PREFIX = re.compile(r"-([a-f0-9]+)\.")
# Wrappers training scripts put around a state dict; a user's file may come in one of them.
_WRAPPER_KEYS = ("state_dict", "model", "model_state_dict")
#: ViT-B/16's weights, the largest in the catalogue, take 330 MB; a training checkpoint that also
#: holds the optimiser's state takes about three times its weights.
MAX_WEIGHTS_FILE_BYTES = 1024 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# About 100 bytes per tensor in a state dict's zip directory: a megabyte would list 10,000 tensors.
_MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024
_MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024


def checkpoints_dir() -> Path:
    """The folder torch hub (and so torchvision) caches weight files in."""
    return Path(_hub_dir()) / "checkpoints"


def _hub_dir() -> str:
    # ``torch.hub.set_dir`` can only have been called once torch.hub is imported; until then the
    # folder follows from the environment, as ``torch.hub.get_dir`` works it out. So the window
    # shows which weights are cached without importing torch (seconds).
    hub = sys.modules.get("torch.hub")
    if hub is not None:
        return hub.get_dir()
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.join(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch"))), "hub")


def cached_path(filename: str) -> Path:
    """Where the weight file called ``filename`` is (or would be) cached."""
    return checkpoints_dir() / filename


def filename_from_url(url: str) -> str:
    """The cache file name for ``url``: its basename, as torch hub does."""
    return Path(urlparse(url).path).name


def unavailable_error(title: str, url: str, reason: str) -> WeightsUnavailableError:
    """The error that tells the user how to get the file onto this computer by hand.

    ``reason`` is why the download failed, in words that fit after "could not be downloaded:".
    """
    filename = filename_from_url(url)
    folder = checkpoints_dir()
    return WeightsUnavailableError(
        _(
            "The pretrained weights for {title} are not on this computer and could not be downloaded: "
            "{reason}. On a computer with internet access, download {url}; then import the file "
            "({import_action} on the Model page, or `tlgui import-weights BACKBONE FILE` on the "
            "command line), or put it in the folder {folder} under the name {filename}."
        ).format(
            title=title, reason=reason, url=url, import_action=_(IMPORT_ACTION), folder=folder, filename=filename),
        filename=filename,
        url=url,
        target_dir=folder,
        reason=reason,
    )


def download_failure(exc: BaseException, url: str) -> str:
    """Why a download failed, in words for someone who has never seen an errno."""
    import socket
    import ssl
    from urllib.error import HTTPError

    host = urlparse(url).hostname or _("the server")
    cause = getattr(exc, "reason", exc)
    text = str(cause)
    if isinstance(exc, HTTPError):
        return _("{host} answered “{code} {reason}”").format(host=host, code=exc.code, reason=exc.reason)
    if isinstance(cause, socket.gaierror) or "name resolution" in text or "Name or service not known" in text \
            or "nodename nor servname" in text or "getaddrinfo failed" in text:
        return _("this computer cannot reach {host} (it seems to have no internet connection)").format(host=host)
    if isinstance(cause, (TimeoutError, socket.timeout)) or "timed out" in text:
        return _("{host} did not answer in time").format(host=host)
    if isinstance(cause, ConnectionRefusedError | ConnectionResetError) or "refused" in text:
        return _("the connection to {host} was refused (a firewall or proxy may be in the way)").format(host=host)
    if isinstance(cause, ssl.SSLError) or "CERTIFICATE" in text.upper():
        return _("a secure connection to {host} could not be made (a proxy may be in the way)").format(host=host)
    if isinstance(cause, OSError) and cause.strerror:
        return _("the connection to {host} failed ({reason})").format(host=host, reason=cause.strerror.lower())
    return _("the connection to {host} failed").format(host=host)


def ensure_weights(
    url: str,
    *,
    title: str,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    allow_download: bool = True,
) -> Path:
    """The cached file for ``url``, downloading it first when it is missing and allowed."""
    path = cached_path(filename_from_url(url))
    if path.is_file():
        return path
    if not allow_download:
        raise unavailable_error(title, url, _("downloads are turned off"))
    import http.client
    from urllib.error import URLError

    try:
        return download(url, path, progress=progress, cancel=cancel)
    except (URLError, OSError, http.client.HTTPException) as exc:
        # URLError and timeouts are OSErrors; the reason is the most useful part to show.
        raise unavailable_error(title, url, download_failure(exc, url)) from exc


def download(
    url: str, dest: Path, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None
) -> Path:
    """Stream ``url`` into ``dest`` through a temporary file beside it, then rename it into place.

    Reports ``ProgressEvent(phase="download", done=bytes, total=bytes)``. When the file name carries
    a hash prefix (``resnet18-f37072fd.pth``) the SHA-256 of the bytes must start with it, as torch
    hub checks. On cancel (``Cancelled``), a bad hash or any error, no file is left behind.
    """
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "tlgui"})
    with urlopen(request, timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        meter = RateMeter(Phase.DOWNLOAD, int(length) if length else None, progress)
        digest = hashlib.sha256()
        done = 0
        with atomic_writer(dest) as out:
            while chunk := response.read(CHUNK_BYTES):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                meter.update(done, dest.name)
            _check_hash(dest.name, digest.hexdigest(), url)
        if meter.total is None:  # otherwise the last chunk already reported completion
            meter.update(done, dest.name, force=True)
    return dest


def _check_hash(filename: str, hexdigest: str, url: str) -> None:
    match = _HASH_PREFIX.search(filename)
    if match and not hexdigest.startswith(match.group(1)):
        raise WeightsUnavailableError(
            _(
                "The download of {filename} from {url} was damaged (its checksum does not match); try "
                "again, or download the file by hand and import it."
            ).format(filename=filename, url=url),
            filename=filename,
            url=url,
            target_dir=checkpoints_dir(),
        )


def load_state_dict_file(
    path: Path | str, *, max_bytes: int = MAX_WEIGHTS_FILE_BYTES
) -> OrderedDict[str, torch.Tensor]:
    """Read a state dict from a ``.pth``/``.pt``/``.bin`` or ``.safetensors`` file, never unpickling code.

    Only a regular file of at most ``max_bytes`` is opened; a zip checkpoint must not unpack to
    more than that either, and a safetensors header is capped before the library parses it. A state
    dict wrapped in ``{"state_dict": ...}`` or ``{"model": ...}`` is unwrapped. Anything that is not a
    mapping of names to dense tensors, or holds a weight that is NaN or infinite, raises ModelFileError.
    """
    path = Path(path)
    try:
        with open_regular(path, max_bytes, what="weights file") as handle:
            size = os.fstat(handle.fileno()).st_size
            if path.suffix.lower() == ".safetensors":
                _check_safetensors_header(handle, size, path)
                from safetensors.torch import load_file

                # By path: the library maps the file rather than reading it all (same file, just checked).
                data = load_file(str(path), device="cpu")
            else:
                if handle.read(4) == _ZIP_MAGIC:
                    _check_zip_archive(handle, size, max_bytes, path)
                handle.seek(0)
                import torch

                data = torch.load(handle, map_location="cpu", weights_only=True)
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    except ModelFileError:
        raise
    except OSError as exc:
        raise ModelFileError(_(
            "The weights file {path} cannot be read ({reason})."
        ).format(path=path, reason=exc.strerror or exc)) from exc
    except Exception as exc:  # every unpickling or parse failure means "not a weights file"
        # What torch or safetensors says (an opcode number, advice about weights_only) means
        # nothing to the user: the file is simply not one this app can take.
        raise ModelFileError(
            _(
                "{name} is not a PyTorch weights file tlgui can read: it should be a state dict (.pth "
                "or .pt, saved with torch.save) or a .safetensors file, undamaged."
            ).format(name=path.name)
        ) from exc
    state = _as_state_dict(data, path)
    _check_finite(state, path)
    return state


def _check_safetensors_header(handle: IO[bytes], size: int, path: Path) -> None:
    """safetensors accepts headers up to 100 MB; a state dict's takes well under a megabyte."""
    length = int.from_bytes(handle.read(8), "little")
    if size < 8 or length > _MAX_SAFETENSORS_HEADER_BYTES:
        raise ModelFileError(
            _(
                "{name} is not a safetensors weights file tlgui can read (its header is invalid)."
            ).format(name=path.name)
        )


def _check_zip_archive(handle: IO[bytes], size: int, max_bytes: int, path: Path) -> None:
    """A zip checkpoint must not unpack to more than ``max_bytes``: torch inflates compressed records.

    The central directory's size is read from the archive's end record first, so that listing the
    entries (which costs memory per entry) is bounded too.
    """
    directory = _zip_directory_size(handle, size)
    if directory is None:
        raise ModelFileError(
            _(
                "{name} is not a PyTorch weights file tlgui can read: its zip archive is damaged."
            ).format(name=path.name)
        )
    if directory > _MAX_ZIP_DIRECTORY_BYTES:
        raise ModelFileError(_(
            "{name} is not a weights file tlgui can read: it lists too many entries."
        ).format(name=path.name))
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max_bytes:
        raise ModelFileError(
            _(
                "{name} would unpack to {unpacked:,} bytes, more than the {max_bytes:,} a weights file "
                "may hold."
            ).format(name=path.name, unpacked=unpacked, max_bytes=max_bytes)
        )


def _zip_directory_size(handle: IO[bytes], size: int) -> int | None:
    """The central directory's size from the end record (or its zip64 twin), without listing it."""
    tail_size = min(size, 22 + 0xFFFF)  # the end record is 22 bytes plus a comment of at most 64 KiB
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) - end < 22:
        return None
    directory = int.from_bytes(tail[end + 12 : end + 16], "little")
    if directory != 0xFFFFFFFF:
        return directory
    locator = tail[end - 20 : end] if end >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        return None
    handle.seek(int.from_bytes(locator[8:16], "little"))
    record = handle.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    return int.from_bytes(record[40:48], "little")


def _check_finite(state: Mapping[str, torch.Tensor], path: Path) -> None:
    """Refuse values no training gives, which make a network compute NaN: weights that are not finite
    numbers, or a batch norm's negative running variance (as a model file's are refused)."""
    for key, tensor in state.items():
        if tensor.is_floating_point() and not _all_finite(tensor):
            raise ModelFileError(
                _(
                    "{name} holds weights that are not finite numbers ({key} has NaN or infinity)."
                ).format(name=path.name, key=key)
            )
        if tensor.is_floating_point() and key.rpartition(".")[2] == "running_var" and bool((tensor < 0).any()):
            raise ModelFileError(
                _("{name} holds negative variances ({key}), which no training gives.").format(name=path.name, key=key)
            )


def check_trained(state: Mapping[str, torch.Tensor], *, source: str, title: str) -> None:
    """Refuse a state dict whose every weight tensor is one value repeated (all zeros, say): it has
    the right keys and shapes but holds no training, and a run on it learns nothing (50% on two
    classes) without a word."""
    weights_of_many = [t for t in state.values() if t.is_floating_point() and t.numel() > 1]
    if weights_of_many and all(bool((t == t.reshape(-1)[0]).all()) for t in weights_of_many):
        raise ModelFileError(_(
            "{source} holds no trained weights for {title}: every tensor in it is one value repeated."
        ).format(source=source, title=title))


def _all_finite(tensor: torch.Tensor) -> bool:
    # numpy's single-threaded check: on a busy machine torch.isfinite measured 20 to 100 times slower.
    import numpy as np
    import torch

    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16
        return bool(torch.isfinite(tensor).all())
    return bool(np.isfinite(tensor.numpy()).all())


def _as_state_dict(data: object, path: Path) -> OrderedDict[str, torch.Tensor]:
    if isinstance(data, Mapping):
        for key in _WRAPPER_KEYS:
            if isinstance(data.get(key), Mapping):
                data = data[key]
                break
    if not isinstance(data, Mapping) or not data:
        raise ModelFileError(_(
            "{name} does not hold a set of named weights (a state dict)."
        ).format(name=path.name))
    if not all(isinstance(k, str) and _is_dense_tensor(v) for k, v in data.items()):
        raise ModelFileError(_(
            "{name} holds something other than named weight tensors."
        ).format(name=path.name))
    return OrderedDict(data)


def _is_dense_tensor(value: object) -> bool:
    """A plain tensor of numbers, held in memory: not sparse, quantized or complex, which no backbone's
    weights are, and not on the "meta" device (a shape with no numbers: loading it fails later)."""
    import torch

    return (
        isinstance(value, torch.Tensor)
        and value.device.type == "cpu"
        and value.layout == torch.strided
        and not value.is_quantized
        and not value.is_complex()
    )


def check_state_dict(
    state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], *, source: str, title: str
) -> None:
    """Raise ModelFileError unless ``state`` has exactly the keys and shapes of ``expected``."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    # An integer tensor where a float weight belongs would load (cast) without complaint.
    wrong = [
        k
        for k in expected
        if k in state
        and (
            state[k].shape != expected[k].shape
            or (expected[k].is_floating_point() and not state[k].is_floating_point())
        )
    ]
    if not (missing or unexpected or wrong):
        return
    if wrong:
        key = wrong[0]
        detail = f"{key} has shape {tuple(state[key].shape)} instead of {tuple(expected[key].shape)}"
        if state[key].shape == expected[key].shape:
            detail = f"{key} holds {state[key].dtype} values where {title} needs floating-point weights"
    elif missing:
        detail = f"{len(missing)} expected weights are missing, e.g. {missing[0]}"
    else:
        detail = f"it has {len(unexpected)} weights {title} does not have, e.g. {unexpected[0]}"
    raise ModelFileError(_(
        "{source} does not hold weights for {title}: {detail}."
    ).format(source=source, title=title, detail=detail))


def save_state_dict(state: Mapping[str, torch.Tensor], dest: Path) -> Path:
    """Write a tensors-only state dict atomically, readable with ``weights_only=True``."""
    import torch

    with atomic_writer(dest) as out:
        torch.save(OrderedDict(state), out)
    return dest
