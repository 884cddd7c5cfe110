"""Words for numbers: counts of things, sizes and time left, as the pages show them.

Pure functions (no widgets). Every "3 photos" of the window goes through ``counted``, the one place
that knows how a count and its noun agree (and where a translation will plug in). Phases are named by the engine's ``Phase.title``, the one wording the
window and the command line share.
"""

from __future__ import annotations

from tlgui.core.progress import Phase, ProgressEvent

# Download progress counts bytes; anything this large is shown in MB, not as a raw count.
_BYTES_THRESHOLD = 100_000


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 photo"``, ``"0 photos"``, ``"1,204 photos"``; ``plural`` defaults to ``singular + "s"``."""
    noun = singular if count == 1 else (plural if plural is not None else singular + "s")
    return f"{count:,} {noun}"


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``; ``"less than 1 s"`` rather than ``"0 s"``."""
    if seconds != seconds:  # NaN: x != x
        seconds = 0
    if seconds < 0.5:
        return "less than 1 s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_eta(seconds: float | None) -> str:
    """``"about 3 min 05 s left"``, or an empty string while the rate is still unknown."""
    if seconds is None or seconds != seconds or seconds < 0:  # NaN guard: x != x
        return ""
    if seconds < 0.5:
        return "almost done"
    return f"about {format_duration(seconds)} left"


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
            text += f" {format_megabytes(event.done)} of {format_megabytes(event.total)}"
        else:
            text += f" {event.done}/{event.total}"
    elif event.message and event.message != text:  # "Evaluating", not "Evaluating: Evaluating"
        text += f": {event.message}"
    eta = format_eta(event.eta_s)
    return f"{text} — {eta}" if eta else text
