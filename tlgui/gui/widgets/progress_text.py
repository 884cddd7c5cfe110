"""Words for numbers: counts of things, sizes and time left, as the pages show them.

Pure functions (no widgets). Every "3 photos" of the window goes through ``counted``, the one place
that knows how a count and its noun agree, in English and through the window's translation. Phases
are named by the engine's ``Phase.title``, the one wording the window and the command line share (in
the engine's language).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject

from tlgui.core.i18n import ENGLISH, current_language
from tlgui.core.progress import Phase, ProgressEvent

# Download progress counts bytes; anything this large is shown in MB, not as a raw count.
_BYTES_THRESHOLD = 100_000


class _CountedNouns(QObject):
    """The nouns ``counted`` knows in other languages: one numerus message each (``%n`` and the
    translation's own plural forms, or a measure word in Chinese)."""

    def text(self, count: int, singular: str) -> str | None:
        match singular:
            case "photo":
                return self.tr("%n photo(s)", "", count)
            case "file":
                return self.tr("%n file(s)", "", count)
            case "class":
                return self.tr("%n class(es)", "", count)
            case "copy":
                return self.tr("%n copy(-ies)", "", count)
        return None


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 photo"``, ``"0 photos"``, ``"1,204 photos"``; ``plural`` defaults to ``singular + "s"``.

    In another language than English a noun ``_CountedNouns`` knows is translated with its count.
    """
    if current_language() != ENGLISH:
        translated = _CountedNouns().text(count, singular)
        if translated is not None:
            return translated
    noun = singular if count == 1 else (plural if plural is not None else singular + "s")
    return f"{count:,} {noun}"


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``; ``"less than 1 s"`` rather than ``"0 s"``."""
    if seconds != seconds:  # NaN: x != x
        seconds = 0
    if seconds < 0.5:
        return QCoreApplication.translate("progress_text", "less than 1 s")
    seconds = int(round(seconds))
    if seconds < 60:
        return QCoreApplication.translate("progress_text", "{seconds} s").format(seconds=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return QCoreApplication.translate("progress_text", "{minutes} min {seconds} s").format(minutes=minutes, seconds=f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return QCoreApplication.translate("progress_text", "{hours} h {minutes} min").format(hours=hours, minutes=f"{minutes:02d}")


def format_eta(seconds: float | None) -> str:
    """``"about 3 min 05 s left"``, or an empty string while the rate is still unknown."""
    if seconds is None or seconds != seconds or seconds < 0:  # NaN guard: x != x
        return ""
    if seconds < 0.5:
        return QCoreApplication.translate("progress_text", "almost done")
    return QCoreApplication.translate("progress_text", "about {duration} left").format(duration=format_duration(seconds))


def format_count(value: int) -> str:
    """Parameter counts the way people say them: ``"4.7 M"``, ``"12.8 k"``, ``"640"``."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} M"
    if value >= 10_000:
        return f"{value / 1_000:.1f} k"
    return f"{value:,}"


def format_megabytes(num_bytes: float) -> str:
    return f"{num_bytes / 1_000_000:.1f} MB"


def describe_event(event: ProgressEvent, label: str | None = None) -> str:
    """One line for a progress bar, e.g. ``"Extracting features 120/398 — about 12 s left"``."""
    text = label or event.phase.title
    if event.phase is Phase.TRAIN and event.message and label is None:
        # The trainer counts steps over the whole run; its message names the epoch, which people follow.
        text = event.message
    elif event.total and event.total > 1:
        if event.phase is Phase.DOWNLOAD and event.total >= _BYTES_THRESHOLD:
            text += " " + QCoreApplication.translate("progress_text", "{done} of {total}").format(
                done=format_megabytes(event.done), total=format_megabytes(event.total))
        else:
            text += f" {event.done}/{event.total}"
    elif event.message and event.message != text:  # "Evaluating", not "Evaluating: Evaluating"
        text = QCoreApplication.translate("progress_text", "{phase}: {message}").format(phase=text, message=event.message)
    eta = format_eta(event.eta_s)
    return f"{text} — {eta}" if eta else text
