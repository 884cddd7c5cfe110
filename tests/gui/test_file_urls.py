"""Files carried by drag and drop as ``text/uri-list``: every name, byte for byte."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QUrl

from tlgui.gui.widgets.file_urls import URI_LIST, files_mime, local_paths, path_of_file_uri, uri_list

POSIX_BYTES = pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin",
                                 reason="this file system takes only valid Unicode names")


def _raw(data: bytes) -> QMimeData:
    mime = QMimeData()
    mime.setData(URI_LIST, QByteArray(data))
    return mime


@POSIX_BYTES
def test_a_name_in_no_utf8_comes_back_byte_for_byte():
    path = Path(os.fsdecode(b"/photos/caf\xe9s/bee 1.jpg"))
    assert uri_list([path]) == b"file:///photos/caf%E9s/bee%201.jpg\r\n"
    (back,) = local_paths(files_mime([path]))
    assert os.fsencode(back) == b"/photos/caf\xe9s/bee 1.jpg"


@POSIX_BYTES
def test_what_qt_would_read_is_a_path_that_does_not_exist():
    """Why the bytes are read here: Qt puts U+FFFD where the name's byte was."""
    url = QUrl.fromEncoded(QByteArray(b"file:///photos/caf%E9s"))
    assert url.toLocalFile() == "/photos/caf\ufffds"
    assert local_paths(_raw(b"file:///photos/caf%E9s\r\n")) == [Path(os.fsdecode(b"/photos/caf\xe9s"))]


def test_a_file_managers_list_keeps_local_files_in_order_and_skips_the_rest():
    listed = _raw(
        b"# dragged from the file manager\r\n"
        b"file:///home/me/ants\r\n"
        b"https://example.com/bee.jpg\r\n"
        b"file://localhost/home/me/b%C3%BC%20c.png\n"  # LF alone, a host named localhost, UTF-8
        b"file://elsewhere/home/me/x.jpg\r\n"
        b"\r\n"
    )
    expected = [Path("/home/me/ants"), Path("/home/me/bü c.png")]
    if os.name == "nt":
        expected.append(Path("//elsewhere/home/me/x.jpg"))  # a Windows share
    assert local_paths(listed) == expected


def test_urls_set_through_qt_read_the_same():
    paths = [Path("/home/me/bü c.png").absolute(), Path("/tmp/a#b%c.jpg").absolute()]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    assert local_paths(mime) == paths
    assert local_paths(files_mime(paths)) == paths
    assert [url.toLocalFile() for url in files_mime(paths).urls()] == [str(p) for p in paths]


def test_no_uri_list_no_paths():
    mime = QMimeData()
    mime.setText("/home/me/ants")
    assert local_paths(mime) == []
    assert path_of_file_uri(b"file://") is None and path_of_file_uri(b"mailto:me@example.com") is None
