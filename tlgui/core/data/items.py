"""The values the data intake deals in: photos in classes, files left out, reports, class names.

All frozen or plain data, no I/O: they cross threads freely and a copy of a DataSet shares them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from tlgui.core.errors import DataError
from tlgui.core.i18n import _, ngettext
from tlgui.core.names import clean_name

#: A class name longer than this is refused. Folder names, where most class names come from, are
#: at most 255 bytes; the bound also keeps Unicode normalisation (quadratic in a run of accents)
#: from turning a hostile project file into minutes of work.
MAX_CLASS_NAME_LENGTH = 255
#: The most classes a project (and so a model) holds: a desktop tool trains on folders of photos, and
#: 1,000 is ImageNet's size. A folder of 8,000 sub-folders, each taken for a class, is refused before
#: its photos are read, rather than found out by a model that cannot be saved.
MAX_CLASSES = 1000

#: The splits a photo's folders can give it (``ImageItem.split``); None means "split it for me".
SPLITS = ("train", "val")


@dataclass(frozen=True)
class ImageItem:
    """One photo in one class. ``split`` is "train" or "val" when its folders said so, else None."""

    path: Path
    digest: str
    label: str
    split: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A file that was left out, and why (a few words for the user)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """The same image content found in more than one class."""

    digest: str
    items: tuple[ImageItem, ...]

    @property
    def labels(self) -> list[str]:
        """The classes this content sits in, sorted."""
        return sorted({item.label for item in self.items})


@dataclass
class AddReport:
    """What one add did: classes created or extended, photos added, duplicates, skipped files."""

    created: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    added: int = 0
    duplicates_ignored: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence for a status bar."""
        parts = [ngettext("Added {n} photo", "Added {n} photos", self.added).format(n=self.added)]
        if self.created:
            parts.append(_("new classes: {names}").format(names=", ".join(self.created)))
        if self.duplicates_ignored:
            parts.append(ngettext("{n} duplicate ignored", "{n} duplicates ignored",
                                  self.duplicates_ignored).format(n=self.duplicates_ignored))
        if self.skipped:
            parts.append(ngettext("{n} file skipped", "{n} files skipped", len(self.skipped)).format(
                n=len(self.skipped)))
        return _("; ").join(parts) + _(".")


def clean_class_name(name: str) -> str:
    """A class name as stored: valid Unicode (``valid_text``), then cleaned by the one rule for names
    (``tlgui.core.names.clean_name``: no control characters, line breaks, bidirectional controls or
    invisible characters, NFC, stripped).

    Raises DataError when nothing is left or the name is longer than ``MAX_CLASS_NAME_LENGTH``.
    """
    if not isinstance(name, str):
        raise DataError(_("A class name must be text, not {type}.").format(type=type(name).__name__))
    # Checked before normalising: normalisation is what costs on a long name.
    if len(name) > MAX_CLASS_NAME_LENGTH:
        raise DataError(
            _("A class name can have at most {most} characters; this one has {count}.").format(
                most=MAX_CLASS_NAME_LENGTH, count=f"{len(name):,}")
        )
    cleaned = clean_name(valid_text(name))
    if not cleaned:
        raise DataError(_("A class name cannot be empty."))
    return cleaned


def folder_class_name(folder_name: str) -> str:
    """The class a folder's photos go to when the folder's name says it; never refused."""
    try:
        return clean_class_name(folder_name[:MAX_CLASS_NAME_LENGTH])
    except DataError:  # a folder named only with spaces or line breaks is legal on disk; its photos need a class
        return "unnamed"


def valid_text(text: str) -> str:
    """``text`` made of Unicode characters only, for showing and saving.

    A file name that is not valid UTF-8 reaches Python with a lone surrogate for each bad byte,
    which can be shown by Python but not saved, and which Qt drops without a trace. Such names
    nearly always come from a Windows or old Unix archive in a Western code page, so each bad byte is
    read as Windows-1252 (Latin-1 where that has no character): "caf\\xe9s" becomes "cafés", and two
    folders whose names differ in a bad byte stay two classes (a replacement mark for every bad
    byte would have merged "b\\xe9es" and "b\\xe8es"). Lone surrogates of any other origin become U+FFFD.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")  # the bytes the file system had
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return raw.decode("utf-8", _WESTERN_BYTES)
    return text


def _western_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decoding error handler: the bytes UTF-8 could not decode, one by one, as Windows-1252 or Latin-1."""
    bad = error.object[error.start:error.end]
    return "".join(_western_character(byte) for byte in bad), error.end


def _western_character(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return chr(byte)


_WESTERN_BYTES = "tlgui-western-bytes"
codecs.register_error(_WESTERN_BYTES, _western_bytes)


def check_class_count(count: int) -> None:
    """DataError when ``count`` classes are more than a project holds (``MAX_CLASSES``)."""
    if count > MAX_CLASSES:
        raise DataError(_(
            "A project holds at most {limit:,} classes, and this would make {count:,}. If each "
            "sub-folder is not a class, add the folders that are."
        ).format(limit=MAX_CLASSES, count=count))

