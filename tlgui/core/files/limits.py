"""Reading a user's file with limits decided before the first byte is read.

Every loader of a file a user hands the app (model, project, weights, photo) goes through here:
only regular files are opened (a FIFO would block for ever, a device such as ``/dev/zero`` never
ends), and never more bytes than the caller said the valid content can need. JSON is checked for
nesting depth before it is parsed, because Python's parser recurses and a deep document kills the
process (RecursionError, or a stack overflow in C).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tlgui.core.errors import TlguiError
from tlgui.core.i18n import N_, _

#: Nesting depth no document tlgui writes comes near (a project is about 6 levels deep).
MAX_JSON_DEPTH = 64
#: The largest integer a tlgui file may hold (int64): its biggest numbers are byte counts.
MAX_JSON_INT = 2**63 - 1
#: The most memory parsing one JSON document may take. A 64 MB project of 100,000 photos needs about
#: 200 MB; one made of empty containers or two-letter strings needs ten to thirty times its size.
MAX_JSON_MEMORY = 512 * 1024 * 1024
# What CPython spends on a parsed dict or list (empty, with the slot holding it), a short string,
# and a number or other value (small integers are shared, so this is an upper bound).
_CONTAINER_BYTES = 72
_STRING_BYTES = 56
_VALUE_BYTES = 32


class FileLimitError(TlguiError):
    """A file is not a regular file, is larger than it may be, or its content breaks a limit."""


def describe_file_kind(mode: int) -> str:
    """A few words for what a non-regular file is, for the user's message."""
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a pipe (FIFO), not a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device, not a file")
    if stat.S_ISSOCK(mode):
        return _("a socket, not a file")
    return _("not a regular file")


#: The kinds of file the engine's callers name in ``what``, marked for the catalogue; a noun drops
#: into the sentences below as it is (in English after "The").
FILE_KINDS = (N_("file"), N_("photo"), N_("model file"), N_("project file"), N_("weights file"))


def _kind(what: str) -> str:
    return _(what)


def regular_file_size(path: Path | str, *, what: str = "file") -> int:
    """The size of ``path`` if it is (or links to) a regular file, else FileLimitError.

    ``os.stat`` never blocks on a FIFO, so this is safe to call before deciding to open anything.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileLimitError(_("The {what} {path} does not exist.").format(what=_kind(what), path=path)) from None
    except OSError as exc:
        raise FileLimitError(_("The {what} {path} cannot be read: {reason}.").format(
            what=_kind(what), path=path, reason=exc.strerror or exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileLimitError(_("The {what} {path} is {kind}.").format(
            what=_kind(what), path=path, kind=describe_file_kind(info.st_mode)))
    return info.st_size


@contextlib.contextmanager
def open_regular(path: Path | str, max_bytes: int, *, what: str = "file") -> Iterator[IO[bytes]]:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes`` bytes.

    The file is opened non-blocking and checked again on the open descriptor, so a FIFO swapped in
    after the first check cannot make the open (or a read) wait for ever.
    """
    size = regular_file_size(path, what=what)
    if size > max_bytes:
        raise FileLimitError(_("The {what} {path} is {size}; more than the {most} it may be.").format(
            what=_kind(what), path=path, size=_mib(size), most=_mib(max_bytes)))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise FileLimitError(_("The {what} {path} cannot be opened: {reason}.").format(
            what=_kind(what), path=path, reason=exc.strerror or exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise FileLimitError(_("The {what} {path} changed while it was being opened.").format(
                what=_kind(what), path=path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_limited(path: Path | str, max_bytes: int, *, what: str = "file") -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` bytes."""
    with open_regular(path, max_bytes, what=what) as handle:
        # One byte more than allowed tells a file that grew after the check from one that did not.
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileLimitError(_("The {what} {path} grew beyond {most} while it was read.").format(
            what=_kind(what), path=path, most=_mib(max_bytes)))
    return data


# A JSON string: a quote, runs of anything but a quote or backslash between escaped characters, and
# the closing quote. The possessive quantifiers (*+) never backtrack, so the match keeps no state per
# character or per escape: "(?:[^"\\]|\\.)*" kept about 120 bytes for each character of a string
# (8 GB for one of 63 MB). A string with no closing quote runs to the end of the text, as the parser
# reads it; a failed match there made every later quote start a scan to the end (quadratic time).
_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def check_json_shape(text: str | bytes, max_depth: int = MAX_JSON_DEPTH, *, where: str = "The file") -> None:
    """Refuse, without parsing it, JSON nested deeper than ``max_depth`` or holding so many values
    that parsing it would take more than ``MAX_JSON_MEMORY`` (linear, no recursion).

    Strings are removed first (a bracket inside one is text), in time linear in their length and
    memory that does not grow with it, however many escapes they hold; then only the brackets are
    counted, with numpy's running sum: a few milliseconds for megabytes, where a Python loop over
    every character took seconds. The memory is judged from the count of containers, strings and other
    values, each at what CPython spends on one: 64 MB of "{}," is 21 million dictionaries, 2.4 GB.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    bare, strings = _JSON_STRING.subn("", text)
    containers = bare.count("[") + bare.count("{")
    # The values are about one per comma; those that are neither strings nor containers are the rest
    # (keys count as strings: an overestimate, as the parser shares repeated keys).
    others = max(0, bare.count(",") + 1 - strings - containers)
    needed = _CONTAINER_BYTES * containers + _STRING_BYTES * strings + _VALUE_BYTES * others
    if needed > MAX_JSON_MEMORY:
        raise FileLimitError(_(
            "{where} is damaged: its data holds {count} values, far more than tlgui writes (reading them "
            "would take about {size})."
        ).format(where=where, count=f"{containers + strings + others:,}", size=_mib(needed)))
    brackets = _NOT_A_BRACKET.sub("", bare)
    if not brackets:
        return
    import numpy as np  # here: the window opens without numpy

    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    if int(np.cumsum(steps).max()) > max_depth:
        raise FileLimitError(_("{where} is damaged: its data is nested more than {depth} levels deep.").format(
            where=where, depth=max_depth))


def loads_json_limited(text: str | bytes, *, where: str = "The file", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` after the shape check; any parse failure is one sentence naming ``where``.

    ``where`` starts the sentence, e.g. "The project /home/ann/cats.tlgui".
    """
    check_json_shape(text, max_depth, where=where)
    try:
        return json.loads(text, parse_int=_bounded_int)
    except (ValueError, RecursionError) as exc:
        raise FileLimitError(_("{where} is damaged: its data is not valid JSON ({detail}).").format(
            where=where, detail=_short(exc))) from None


def _bounded_int(digits: str) -> int:
    """A JSON integer, refused beyond ``MAX_JSON_INT``: 10**400 is valid JSON, and a number no float
    can hold made every check that compares it as one fail with OverflowError instead of refusing."""
    value = int(digits)
    if abs(value) > MAX_JSON_INT:
        raise ValueError(f"a number of {len(digits.lstrip('-'))} digits")
    return value


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:77] + "..."


def _mib(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    return f"{n / (1024 * 1024):,.1f} MiB"
