"""Words for progress: counts, sizes and time left, as the pages show them.

Pure functions (no widgets). Phases are named by the engine's ``Phase.title``, the one wording the
window and the command line share, translated by the engine's catalogue.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tlgui.core.progress import Phase, ProgressEvent

# Download progress counts bytes; anything this large is shown in MB, not as a raw count.
_BYTES_THRESHOLD = 100_000


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``."""
    seconds = max(0, int(round(seconds)))
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
    elif event.message:
        text += f": {event.message}"
    eta = format_eta(event.eta_s)
    return f"{text} — {eta}" if eta else text
