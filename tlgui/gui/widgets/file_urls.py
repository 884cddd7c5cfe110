"""Local files carried by drag and drop (``text/uri-list``), whatever bytes their names hold.

Qt reads a file URL's percent-escapes as UTF-8: a name whose bytes are not UTF-8 (Latin-1 from an
old camera, a Windows zip unpacked on Linux) comes back from ``QUrl.toLocalFile`` with U+FFFD in
place of those bytes, a path that does not exist, and a folder dropped from the file manager was
refused as empty. So the URI list is read and written as bytes here: each path's own bytes
percent-encoded (RFC 8089 file URIs), decoded back with ``os.fsdecode``, the name Python opens the
file by. Where a drop carries no URI list as bytes, Qt's own reading of its URLs is used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

from PySide6.QtCore import QByteArray, QMimeData

URI_LIST = "text/uri-list"
# "file:///C:/photos": a Windows drive in a file URI's path, after the slash that starts it.
_WINDOWS_DRIVE = re.compile(rb"^/[A-Za-z]:")


def files_mime(paths: Iterable[Path]) -> QMimeData:
    """MIME data for local files dragged out: a URI list any file manager (or bin) takes."""
    mime = QMimeData()
    mime.setData(URI_LIST, QByteArray(uri_list(paths)))
    return mime


def uri_list(paths: Iterable[Path]) -> bytes:
    """``text/uri-list`` bytes for ``paths`` (absolute): one file URI per line, CRLF after each."""
    # Path.as_uri percent-encodes the path's file-system bytes (os.fsencode), not its UTF-8.
    return b"".join(Path(path).absolute().as_uri().encode("ascii") + b"\r\n" for path in paths)


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders among the URLs of a drop, in order."""
    raw = bytes(mime.data(URI_LIST).data()) if mime.hasFormat(URI_LIST) else b""
    if raw:
        return [path for line in raw.splitlines() if (path := path_of_file_uri(line.strip())) is not None]
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def path_of_file_uri(uri: bytes) -> Path | None:
    """The local path a ``file:`` URI names, or None (a comment, another scheme, another host)."""
    if not uri or uri.startswith(b"#"):
        return None
    parts = urlsplit(uri)
    path = unquote_to_bytes(parts.path)
    if parts.scheme.lower() != b"file" or not path:
        return None
    if parts.netloc.lower() not in (b"", b"localhost"):
        # Another computer's file: a Windows share (\\server\share) is a path there, nowhere else.
        return Path(os.fsdecode(b"//" + parts.netloc + path)) if os.name == "nt" else None
    if os.name == "nt" and _WINDOWS_DRIVE.match(path):
        path = path[1:]
    return Path(os.fsdecode(path))
