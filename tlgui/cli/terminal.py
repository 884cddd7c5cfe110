"""What the command line shows on a terminal: names from files made harmless, and progress bars.

Class names and paths come from the user's files and folders, so they may hold anything a file
system allows: an escape sequence that clears the screen or retitles the window, a carriage return
that overwrites the line before it, right-to-left marks that make a name read backwards, bytes that
are not UTF-8 (kept by Python as lone surrogates, which would crash the print). ``shown`` turns each
of those into a visible escape, so what the terminal displays is exactly what the name holds.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import unicodedata
from collections.abc import Iterator

from tlgui.core.progress import Phase, ProgressEvent
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.summary import EpochStats

# Unicode's bidirectional controls: invisible, yet they reorder the text around them.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters (C0, DEL, C1), surrogates, and the line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def shown(text: object) -> str:
    """``str(text)`` with every character a terminal would act on written as a visible escape.

    ESC becomes ``\\x1b``, a newline ``\\x0a``; a byte that was not valid UTF-8 in a file name
    becomes ``\\xNN`` with its value. Printable text, accents and emoji included, is unchanged.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    category = unicodedata.category(char)
    if category not in _ESCAPED_CATEGORIES and char not in _BIDI_CONTROLS:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the undecodable byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: two for a wide character (CJK, most emoji), none
    for a combining mark, one otherwise. For lining up tables of class names in any script."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def padded(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``columns``), on the left when ``right``."""
    space = " " * max(0, width - columns(text))
    return space + text if right else text + space


def is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal (False for files, pipes and captured output)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class TerminalProgress(TrainingCallback):
    """tqdm bars per task and one line per epoch, on stderr so stdout stays clean for data.

    A task is what one bar counts: a phase can hold several (checking the photos, then extracting
    their features, both under Phase.EXTRACT), so a new bar starts when the phase or the total
    changes, or when the count starts again. A new text whose count goes on (the epochs of one
    training phase, an export's steps) renames the bar, which keeps its rate and time left.
    Used as a context manager it closes its bar on the way out, an error's included: the bar is
    cleared from its line before the one-line message is printed.
    """

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self._bar = None
        self._task: tuple[Phase, int | None] | None = None
        self._text = ""

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def on_progress(self, event: ProgressEvent) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        task = (Phase(event.phase), event.total)
        text = _description(event)
        if self._bar is None or task != self._task or event.done < self._bar.n:
            self.close()
            unit = _PHASE_UNITS.get(event.phase, "step")
            self._bar = tqdm(total=event.total, desc=text, unit=unit,
                             unit_scale=event.phase is Phase.DOWNLOAD, file=sys.stderr, leave=False,
                             dynamic_ncols=True)
        elif text != self._text:
            self._bar.set_description_str(text, refresh=False)
        self._task, self._text = task, text
        self._bar.n = event.done
        self._bar.refresh()

    def on_epoch_end(self, stats: EpochStats) -> None:
        if self.quiet:
            return
        mark = " *" if stats.best else ""
        self.write_line(f"epoch {stats.epoch:3d}/{stats.epochs}  train loss {stats.train_loss:.4f}  "
                        f"val loss {stats.val_loss:.4f}  val acc {stats.val_accuracy:6.2%}  {stats.seconds:5.2f}s{mark}")

    def write_line(self, line: str) -> None:
        """``line`` on stderr, on a line of its own above the bar when one is shown."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    @contextlib.contextmanager
    def warnings_shown(self) -> Iterator[None]:
        """tlgui's logged warnings (a feature cache that cannot be used...) written as lines of their
        own while the block runs: printed by Python's last resort they ran on at the end of the
        progress bar's line, where nobody saw them. Shown even when quiet: they are not progress."""
        logger = logging.getLogger("tlgui")
        handler = _LinesAboveTheBar(self)
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._task = None


class _LinesAboveTheBar(logging.Handler):
    def __init__(self, progress: TerminalProgress):
        super().__init__(logging.WARNING)
        self._progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._progress.write_line(f"tlgui: warning: {shown(record.getMessage())}")
        except Exception:  # noqa: BLE001 - logging's own rule: a handler never raises
            self.handleError(record)


def _description(event: ProgressEvent) -> str:
    """The bar's words: the event's own text (what is being done now), else its phase's title."""
    title = Phase(event.phase).title
    if not event.message:
        return title
    if event.phase is Phase.DOWNLOAD:  # the text is the file's name
        return f"{title}: {shown(event.message)}"
    return shown(event.message)


_PHASE_UNITS = {Phase.DOWNLOAD: "B", Phase.EXTRACT: "img", Phase.PREDICT: "img", Phase.SCAN: "img"}
