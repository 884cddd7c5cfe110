"""What the file system says about a file without reading it: a write changes at least one part.

The feature cache remembers a photo's digest under its stamp; a project remembers its file's stamp
when it is opened or saved, so a save can tell that another window or program wrote it since.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# A file modified this recently when it was read may still be being written: its stamp is not
# trusted to stand for what was read (see training/cache_key.py).
RACY_WINDOW_NS = 2_000_000_000


@dataclass(frozen=True)
class FileStamp:
    """What the file system says about a file without reading it; a write changes at least one."""

    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileStamp:
        return cls(info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    def settled(self, read_started_ns: int) -> bool:
        """Whether the file was last modified long enough before it was read to be remembered."""
        return read_started_ns - self.mtime_ns > RACY_WINDOW_NS


def file_stamp(path: Path | str) -> FileStamp | None:
    """The stamp of the file at ``path`` now; None when there is none (or it cannot be looked at)."""
    try:
        return FileStamp.of(os.stat(path))
    except OSError:
        return None
