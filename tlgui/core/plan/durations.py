"""How long, in words: the precision an estimate deserves, for the window and the command line."""

from __future__ import annotations

import math

from tlgui.core.i18n import _


def duration_text(seconds: float) -> str:
    """"a few seconds", "about 40 s", "about 14 min", "about 2 h 10 min"."""
    if not math.isfinite(seconds) or seconds < 0:
        return _("an unknown time")
    if seconds < 10:
        return _("a few seconds")
    if seconds < 90:
        return _("about {seconds} s").format(seconds=f"{_round_to(seconds, 5):.0f}")
    minutes = seconds / 60
    if minutes < 90:
        return _("about {minutes} min").format(minutes=f"{_round_to(minutes, 1 if minutes < 20 else 5):.0f}")
    hours, rest = divmod(_round_to(minutes, 10), 60)
    if not rest:
        return _("about {hours} h").format(hours=f"{hours:.0f}")
    return _("about {hours} h {minutes} min").format(hours=f"{hours:.0f}", minutes=f"{rest:.0f}")


def _round_to(value: float, step: float) -> float:
    return max(step, round(value / step) * step)
